// The frame JSON (tic/frame_json.h, DESIGN.md "Frame JSON"): the writer's exact output on the
// DESIGN.md example, its validity as JSON, the write/read round trip over every frame of every
// capture, and the reader's one-line errors on bad input.
#include "tic/frame_json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/captures.h"
#include "tic/decoder.h"
#include "tic/group.h"

namespace {

using tic::Frame;
using tic::Mode;
using tic::Time;

struct Group {
  std::string_view label;
  std::string_view data;
  std::optional<std::string_view> horodate = std::nullopt;
};

// One STX..ETX frame of `mode` holding these groups, as a meter sends it.
std::string wire_frame(Mode mode, const std::vector<Group>& groups) {
  std::string bytes = "\x02";
  for (const Group& group : groups) {
    bytes += '\n';
    bytes += tic::encode_group(mode, group.label, group.data, group.horodate);
    bytes += '\r';
  }
  bytes += '\x03';
  return bytes;
}

std::vector<Frame> decode_at(std::string_view bytes, Time time) {
  std::vector<Frame> frames;
  tic::Decoder decoder{{}, [&frames](const Frame& frame) { frames.push_back(frame); }};
  decoder.push(bytes, time);
  decoder.finish(time);
  return frames;
}

Frame one_frame(Mode mode, const std::vector<Group>& groups, Time time) {
  const std::vector<Frame> frames = decode_at(wire_frame(mode, groups), time);
  EXPECT_EQ(frames.size(), 1u);
  return frames.empty() ? Frame{} : frames.front();
}

Time ms(std::int64_t value) {
  return Time{std::chrono::milliseconds{value}};
}

// A frame put together field by field, in any order (the decoder itself starts a new frame at an
// address that follows other groups).
Frame assembled_frame(Mode mode, const std::vector<Group>& groups, Time time) {
  Frame frame;
  frame.set_mode(mode);
  frame.set_time(time);
  for (const Group& group : groups) {
    tic::Field field;
    EXPECT_EQ(tic::decode_field(group.label, group.horodate, group.data, field),
              tic::FieldError::None)
        << group.label;
    EXPECT_TRUE(frame.append(field)) << group.label;
  }
  return frame;
}

bool is_valid_json(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  return !document.HasParseError() && document.IsObject();
}

// The reader's error, checked to be one non-empty line of printable text (it goes to a log).
std::string read_error(std::string_view json) {
  Frame frame;
  const std::string error = tic::read_frame_json(json, frame);
  EXPECT_FALSE(error.empty()) << json.substr(0, 200);
  for (char c : error) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 && byte != 0x7F) << "byte " << unsigned{byte} << " in: " << error;
  }
  return error;
}

constexpr std::string_view kTime =
    R"("TIME":{"raw":"2025-01-01T00:00:00.000Z","value":1735689600000})";

// The frame of the DESIGN.md example; DATE comes before ADSC.
Frame design_frame() {
  return assembled_frame(Mode::Standard,
                         {{"DATE", "", "E250603110050"},
                          {"ADSC", "021728123456"},
                          {"EAST", "012345678"},
                          {"LTARF", " HEURE  CREUSE  "},
                          {"SMAXSN", "02740", "E250603080531"}},
                         ms(1748941252123));
}

// The DESIGN.md example, byte for byte. DATE comes before ADSC in the frame: the address still
// comes first, then the other labels in the frame's order, then TIME.
TEST(FrameJson, GoldenDesignExample) {
  const Frame frame = design_frame();
  ASSERT_EQ(frame.size(), 5u);
  EXPECT_EQ(frame[0].label, "DATE");
  const std::string expected =
      R"({"ADSC":{"raw":"021728123456","value":"021728123456"},)"
      R"("DATE":{"raw":"","value":"","timestamp":{"raw":"E250603110050","date":"2025-06-03T09:00:50Z","dst":"summer"}},)"
      R"("EAST":{"raw":"012345678","value":12345678},)"
      R"("LTARF":{"raw":" HEURE  CREUSE  ","value":"HEURE  CREUSE"},)"
      R"("SMAXSN":{"raw":"02740","value":2740,"timestamp":{"raw":"E250603080531","date":"2025-06-03T06:05:31Z","dst":"summer"}},)"
      R"("TIME":{"raw":"2025-06-03T09:00:52.123Z","value":1748941252123}})";
  EXPECT_EQ(tic::to_frame_json(frame), expected);
}

TEST(FrameJson, GoldenIsValidJson) {
  const Frame frame = design_frame();
  const std::string json = tic::to_frame_json(frame);
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  ASSERT_FALSE(document.HasParseError()) << json;
  ASSERT_TRUE(document.IsObject());
  ASSERT_EQ(document.MemberCount(), 6u);
  EXPECT_STREQ(document.MemberBegin()->name.GetString(), "ADSC");
  EXPECT_STREQ(document["ADSC"]["value"].GetString(), "021728123456");
  EXPECT_TRUE(document["EAST"]["value"].IsUint64());
  EXPECT_EQ(document["EAST"]["value"].GetUint64(), 12345678u);
  EXPECT_STREQ(document["LTARF"]["value"].GetString(), "HEURE  CREUSE");
  EXPECT_STREQ(document["DATE"]["timestamp"]["date"].GetString(), "2025-06-03T09:00:50Z");
  EXPECT_STREQ(document["SMAXSN"]["timestamp"]["dst"].GetString(), "summer");
  EXPECT_FALSE(document["SMAXSN"]["timestamp"].HasMember("degraded"));
  EXPECT_EQ(document["TIME"]["value"].GetInt64(), 1748941252123);
  EXPECT_STREQ(document["TIME"]["raw"].GetString(), "2025-06-03T09:00:52.123Z");
}

TEST(FrameJson, DegradedClockAndWinter) {
  const Frame frame = one_frame(Mode::Standard,
                                {{"ADSC", "021728123456"},
                                 {"DATE", "", "h250103110050"},
                                 {"SMAXSN", "02740", "e250603080531"},
                                 {"SMAXSN-1", "09562", "H200213085118"},
                                 {"DPM1", "00", " 200214060000"}},
                                ms(1735689600000));
  const std::string expected =
      R"({"ADSC":{"raw":"021728123456","value":"021728123456"},)"
      R"("DATE":{"raw":"","value":"","timestamp":{"raw":"h250103110050","date":"2025-01-03T10:00:50Z","dst":"winter","degraded":true}},)"
      R"("SMAXSN":{"raw":"02740","value":2740,"timestamp":{"raw":"e250603080531","date":"2025-06-03T06:05:31Z","dst":"summer","degraded":true}},)"
      R"("SMAXSN-1":{"raw":"09562","value":9562,"timestamp":{"raw":"H200213085118","date":"2020-02-13T07:51:18Z","dst":"winter"}},)"
      R"("DPM1":{"raw":"00","value":0,"timestamp":{"raw":" 200214060000","date":"2020-02-14T05:00:00Z","dst":"winter"}},)" +
      std::string{kTime} + "}";
  const std::string json = tic::to_frame_json(frame);
  EXPECT_EQ(json, expected);
  EXPECT_TRUE(is_valid_json(json));
}

TEST(FrameJson, GoldenHistoric) {
  const Frame frame = one_frame(Mode::Historic,
                                {{"ADCO", "031328187235"},
                                 {"OPTARIF", "HC.."},
                                 {"ISOUSC", "30"},
                                 {"HCHC", "006906827"},
                                 {"PTEC", "HP.."},
                                 {"IINST", "002"},
                                 {"HHPHC", "A"},
                                 {"MOTDETAT", "000000"}},
                                ms(1735689600000));
  const std::string expected = R"({"ADCO":{"raw":"031328187235","value":"031328187235"},)"
                               R"("OPTARIF":{"raw":"HC..","value":"HC"},)"
                               R"("ISOUSC":{"raw":"30","value":30},)"
                               R"("HCHC":{"raw":"006906827","value":6906827},)"
                               R"("PTEC":{"raw":"HP..","value":"HP"},)"
                               R"("IINST":{"raw":"002","value":2},)"
                               R"("HHPHC":{"raw":"A","value":"A"},)"
                               R"("MOTDETAT":{"raw":"000000","value":"000000"},)" +
                               std::string{kTime} + "}";
  EXPECT_EQ(tic::to_frame_json(frame), expected);
  EXPECT_TRUE(is_valid_json(expected));
}

// write_frame_json appends: what the buffer held stays, and reuse gives the same text.
TEST(FrameJson, WriteAppends) {
  const Frame frame =
      one_frame(Mode::Historic, {{"ADCO", "031328187235"}, {"PAPP", "00680"}}, ms(1735689600000));
  const std::string alone = tic::to_frame_json(frame);
  EXPECT_EQ(alone, R"({"ADCO":{"raw":"031328187235","value":"031328187235"},)"
                   R"("PAPP":{"raw":"00680","value":680},)" +
                       std::string{kTime} + "}");
  std::string out = "prefix\n";
  tic::write_frame_json(frame, out);
  EXPECT_EQ(out, "prefix\n" + alone);
  out.clear();
  tic::write_frame_json(frame, out);
  EXPECT_EQ(out, alone);
}

// Quotes and backslashes in data are escaped, and come back as they were.
TEST(FrameJson, EscapesQuotesAndBackslashes) {
  Frame frame;
  const std::string json =
      R"({"ADSC":{"raw":"0217\"8\\23456"},"LTARF":{"raw":" A\"B\\C "},)" + std::string{kTime} + "}";
  ASSERT_EQ(tic::read_frame_json(json, frame), "");
  EXPECT_EQ(frame.address(), R"(0217"8\23456)");
  EXPECT_EQ(frame.find("LTARF")->text, R"(A"B\C)");
  const std::string written = tic::to_frame_json(frame);
  EXPECT_EQ(written, R"({"ADSC":{"raw":"0217\"8\\23456","value":"0217\"8\\23456"},)"
                     R"("LTARF":{"raw":" A\"B\\C ","value":"A\"B\\C"},)" +
                         std::string{kTime} + "}");
  rapidjson::Document document;
  document.Parse(written.data(), written.size());
  ASSERT_FALSE(document.HasParseError());
  EXPECT_STREQ(document["LTARF"]["raw"].GetString(), " A\"B\\C ");
  Frame back;
  ASSERT_EQ(tic::read_frame_json(written, back), "");
  EXPECT_EQ(back, frame);
}

// The reader decodes "raw" again; "value" is not trusted.
TEST(FrameJson, ReaderIgnoresValue) {
  Frame frame;
  const std::string json =
      R"({"ADSC":{"raw":"021728123456","value":"999"},"EAST":{"raw":"000000001","value":999},)"
      R"("LTARF":{"raw":"  BASE  ","value":"nothing"},)" +
      std::string{kTime} + "}";
  ASSERT_EQ(tic::read_frame_json(json, frame), "");
  EXPECT_EQ(frame.mode(), Mode::Standard);
  EXPECT_EQ(frame.kind(), tic::FrameKind::Long);
  EXPECT_EQ(frame.time(), ms(1735689600000));
  ASSERT_EQ(frame.size(), 3u);
  EXPECT_EQ(frame.find("EAST")->number, std::optional<std::uint64_t>{1});
  EXPECT_EQ(frame.find("LTARF")->text, "BASE");
  EXPECT_EQ(frame.address(), "021728123456");
}

// Every frame of every capture: written, read back, equal; written again, the same text.
TEST(FrameJson, RoundTripEveryCapture) {
  std::size_t frames = 0;
  std::size_t without_address = 0;
  for (const std::string& name : test::capture_names()) {
    const test::Decoded decoded = test::decode(test::read_capture(name));
    for (std::size_t i = 0; i < decoded.frames.size(); ++i) {
      const Frame& frame = decoded.frames[i];
      SCOPED_TRACE(name + " frame " + std::to_string(i));
      const std::string json = tic::to_frame_json(frame);
      ASSERT_TRUE(is_valid_json(json)) << json;
      Frame back;
      const std::string error = tic::read_frame_json(json, back);
      if (frame.address().empty()) {
        // Anonymised captures whose ADCO/ADSC checksum fails: the reader wants an address.
        EXPECT_EQ(error, "no meter address (ADCO or ADSC)");
        ++without_address;
        continue;
      }
      ASSERT_EQ(error, "") << json;
      EXPECT_EQ(back, frame);
      EXPECT_EQ(back.kind(), frame.kind());
      ASSERT_EQ(back.size(), frame.size());
      for (std::size_t f = 0; f < frame.size(); ++f) {
        EXPECT_EQ(back[f].number, frame[f].number) << frame[f].label;
        EXPECT_EQ(back[f].text, frame[f].text) << frame[f].label;
        EXPECT_EQ(back[f].horodate, frame[f].horodate) << frame[f].label;
        EXPECT_EQ(back[f].info, frame[f].info) << frame[f].label;
      }
      EXPECT_EQ(tic::to_frame_json(back), json);
      ++frames;
    }
  }
  EXPECT_GT(frames, 600u);
  EXPECT_GT(without_address, 0u);
}

// Labels of 14 to 16 characters (unknown labels may be that long) are kept by RapidJSON outside
// the member that names them. 121 fields are fewer than a frame holds (128), and their bytes far
// fewer than 32 KiB: the frame must be read, whatever else the objects hold.
TEST(FrameJson, LongUnknownLabels) {
  std::string json = R"({"ADCO":{"raw":"031328187235"},)";
  for (int i = 0; i < 120; ++i) {
    std::string label = "LONGUNKNOWNL";  // 14 characters with the two letters below
    label += static_cast<char>('A' + i / 26);
    label += static_cast<char>('A' + i % 26);
    json += "\"" + label + R"(":{"raw":"1","value":")" + std::string(250, 'v') + R"("},)";
  }
  json += std::string{kTime} + "}";
  ASSERT_LT(json.size(), tic::kMaxFrameJsonBytes);
  Frame frame;
  EXPECT_EQ(tic::read_frame_json(json, frame), "");
  EXPECT_EQ(frame.size(), 121u);
  if (frame.size() == 121u) {
    EXPECT_EQ(frame[120].label, "LONGUNKNOWNLEP");
    EXPECT_EQ(frame[120].raw, "1");
  }
}

// A field's bytes are copied from the field, never from what lies around it in the reader's
// memory. A label of 14 characters or more is stored by RapidJSON apart from its object; when
// that storage ends one memory chunk and the object's members start the next (the padding array
// fills the first 64 KiB chunk), the field must still be read, and nothing outside the two
// strings read. Depending on where the chunks land, the frame is refused ("more labels than a
// frame can") or the bytes between them are copied (a heap-buffer-overflow under ASan).
TEST(FrameJson, LabelAndDataInDifferentChunks) {
  for (int pad = 4000; pad <= 4200; ++pad) {
    std::string json = R"({"ADCO":{"raw":"031328187235","value":[0)";
    for (int i = 1; i < pad; ++i)
      json += ",0";
    json += R"(]},"LONGUNKNOWNABC":{"raw":"1"},)" + std::string{kTime} + "}";
    Frame frame;
    ASSERT_EQ(tic::read_frame_json(json, frame), "") << "pad " << pad;
    ASSERT_EQ(frame.size(), 2u) << "pad " << pad;
    EXPECT_EQ(frame[1].label, "LONGUNKNOWNABC");
    EXPECT_EQ(frame[1].raw, "1");
    EXPECT_EQ(frame[1].text, "1");
  }
}

// What the decoder delivers, the reader takes back: a historic frame holding a standard label
// sent the historic way (SP separators, mode-1 checksum) must not become a frame whose JSON the
// reader refuses ("EAST: a standard label in a historic frame").
TEST(FrameJson, DecodedFramesReadBack) {
  const Frame frame = one_frame(
      Mode::Historic, {{"ADCO", "031328187235"}, {"EAST", "000000001"}, {"PAPP", "00680"}},
      ms(1735689600000));
  Frame back;
  EXPECT_EQ(tic::read_frame_json(tic::to_frame_json(frame), back), "");
}

// The frame stream carries long frames only (the bridge keeps short frames off it): the reader
// calls every frame long, even one holding just a short frame's labels.
TEST(FrameJson, ShortFrameLabelsReadAsALongFrame) {
  Frame frame;
  const std::string json =
      R"({"ADIR1":{"raw":"045"},"ADCO":{"raw":"031328187235"},"IINST1":{"raw":"045"},)"
      R"("IINST2":{"raw":"012"},"IINST3":{"raw":"008"},)" +
      std::string{kTime} + "}";
  ASSERT_EQ(tic::read_frame_json(json, frame), "");
  EXPECT_EQ(frame.kind(), tic::FrameKind::Long);
  EXPECT_EQ(frame.mode(), Mode::Historic);
  // The address is written first.
  const std::string written = tic::to_frame_json(frame);
  EXPECT_EQ(written.rfind(R"({"ADCO":{"raw":"031328187235")", 0), 0u) << written;
  Frame back;
  ASSERT_EQ(tic::read_frame_json(written, back), "");
  EXPECT_EQ(back.kind(), tic::FrameKind::Long);
  EXPECT_EQ(back[0].label, "ADCO");
  EXPECT_EQ(back[1].label, "ADIR1");
}

TEST(FrameJsonErrors, MalformedJson) {
  for (std::string_view json :
       {std::string_view{""}, std::string_view{"{"}, std::string_view{R"({"ADCO":)"},
        std::string_view{R"({"ADCO":{"raw":"031328187235"})"}, std::string_view{"nul"},
        std::string_view{R"({"ADCO":{"raw":"031328187235"},})"}, std::string_view{R"({'ADCO':1})"},
        std::string_view{"{}}"}, std::string_view{"{\"ADCO\":{\"raw\":\"0313\x01\"}}"}}) {
    const std::string error = read_error(json);
    EXPECT_EQ(error.rfind("malformed JSON at byte ", 0), 0u) << json << " -> " << error;
  }
}

TEST(FrameJsonErrors, NotAnObject) {
  for (std::string_view json : {"[]", "42", R"("ADCO")", "null", "true", R"([{"ADCO":1}])"}) {
    EXPECT_EQ(read_error(json), "frame JSON is not an object") << json;
  }
}

TEST(FrameJsonErrors, MissingOrIllTypedRaw) {
  const std::string expected = R"(ADCO: expected an object with a string "raw")";
  EXPECT_EQ(read_error(R"({"ADCO":"031328187235",)" + std::string{kTime} + "}"), expected);
  EXPECT_EQ(read_error(R"({"ADCO":{"value":"031328187235"},)" + std::string{kTime} + "}"),
            expected);
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":31328187235},)" + std::string{kTime} + "}"), expected);
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":null},)" + std::string{kTime} + "}"), expected);
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":["031328187235"]},)" + std::string{kTime} + "}"),
            expected);
  EXPECT_EQ(read_error(R"({"ADCO":null,)" + std::string{kTime} + "}"), expected);
  EXPECT_EQ(
      read_error(
          R"({"ADSC":{"raw":"021728123456"},"SMAXSN":{"raw":"02740","timestamp":"E250603080531"},)" +
          std::string{kTime} + "}"),
      R"(SMAXSN: expected a timestamp with a string "raw")");
  EXPECT_EQ(
      read_error(
          R"({"ADSC":{"raw":"021728123456"},"SMAXSN":{"raw":"02740","timestamp":{"raw":1}},)" +
          std::string{kTime} + "}"),
      R"(SMAXSN: expected a timestamp with a string "raw")");
}

TEST(FrameJsonErrors, BadDataForALabel) {
  const std::string adco = R"({"ADCO":{"raw":"031328187235"},)";
  const std::string adsc = R"({"ADSC":{"raw":"021728123456"},)";
  const std::string time = std::string{kTime} + "}";
  EXPECT_EQ(read_error(adco + R"("IINST":{"raw":"12"},)" + time), "IINST: bad data");
  EXPECT_EQ(read_error(adco + R"("PAPP":{"raw":"0068A"},)" + time), "PAPP: bad data");
  EXPECT_EQ(read_error(adsc + R"("STGE":{"raw":"003G0001"},)" + time), "STGE: bad data");
  EXPECT_EQ(read_error(adsc + R"("LTARF":{"raw":"A\tB"},)" + time), "LTARF: bad data");
  EXPECT_EQ(read_error(adsc + R"("DATE":{"raw":"x","timestamp":{"raw":"E250603110050"}},)" + time),
            "DATE: bad data");
  EXPECT_EQ(read_error(adsc + R"("SMAXSN":{"raw":"02740"},)" + time), "SMAXSN: bad horodate");
  EXPECT_EQ(
      read_error(adsc + R"("SMAXSN":{"raw":"02740","timestamp":{"raw":"E250631080531"}},)" + time),
      "SMAXSN: bad horodate");
  EXPECT_EQ(read_error(adsc + R"("EAST":{"raw":"000000001","timestamp":{"raw":"E250603080531"}},)" +
                       time),
            "EAST: bad horodate");
  EXPECT_EQ(read_error(adco + R"("bad label":{"raw":"1"},)" + time), "bad label: malformed label");
  EXPECT_EQ(read_error(adco + R"("":{"raw":"1"},)" + time), ": malformed label");
}

TEST(FrameJsonErrors, DuplicateLabel) {
  const std::string time = std::string{kTime} + "}";
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":"031328187235"},"PAPP":{"raw":"00680"},)"
                       R"("PAPP":{"raw":"00690"},)" +
                       time),
            "PAPP: appears twice");
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":"031328187235"},"ADCO":{"raw":"031328187235"},)" + time),
            "ADCO: appears twice");
  // Unknown labels too.
  EXPECT_EQ(
      read_error(R"({"ADCO":{"raw":"031328187235"},"NEW":{"raw":"1"},"NEW":{"raw":"2"},)" + time),
      "NEW: appears twice");
}

TEST(FrameJsonErrors, MixedModes) {
  const std::string time = std::string{kTime} + "}";
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":"031328187235"},"EAST":{"raw":"000000001"},)" + time),
            "EAST: a standard label in a historic frame");
  EXPECT_EQ(read_error(R"({"ADSC":{"raw":"021728123456"},"PAPP":{"raw":"00680"},)" + time),
            "PAPP: a historic label in a standard frame");
  EXPECT_EQ(read_error(R"({"ADSC":{"raw":"021728123456"},"ADCO":{"raw":"031328187235"},)" + time),
            "ADCO: a historic label in a standard frame");
}

TEST(FrameJsonErrors, Time) {
  const std::string adco = R"({"ADCO":{"raw":"031328187235"})";
  const std::string expected = R"(TIME: expected {"value": milliseconds since 1970})";
  EXPECT_EQ(read_error(adco + "}"), "TIME is missing");
  EXPECT_EQ(read_error(adco + R"(,"TIME":5})"), expected);
  EXPECT_EQ(read_error(adco + R"(,"TIME":{"raw":"2025-01-01T00:00:00.000Z"}})"), expected);
  EXPECT_EQ(read_error(adco + R"(,"TIME":{"value":"1735689600000"}})"), expected);
  EXPECT_EQ(read_error(adco + R"(,"TIME":{"value":-1}})"), expected);
  EXPECT_EQ(read_error(adco + R"(,"TIME":{"value":1.5}})"), expected);
  EXPECT_EQ(read_error(adco + R"(,"TIME":{"value":253402300800000}})"), expected);
  EXPECT_EQ(read_error(adco + R"(,"TIME":{"value":18446744073709551615}})"), expected);
  // The bounds themselves are accepted.
  Frame frame;
  EXPECT_EQ(tic::read_frame_json(adco + R"(,"TIME":{"value":253402300799999}})", frame), "");
  EXPECT_EQ(frame.time(), ms(253402300799999));
  EXPECT_EQ(tic::read_frame_json(adco + R"(,"TIME":{"value":0}})", frame), "");
  EXPECT_EQ(frame.time(), ms(0));
}

TEST(FrameJsonErrors, MissingAddress) {
  const std::string time = std::string{kTime} + "}";
  EXPECT_EQ(read_error(R"({"PAPP":{"raw":"00680"},)" + time), "no meter address (ADCO or ADSC)");
  EXPECT_EQ(read_error("{" + time), "no meter address (ADCO or ADSC)");
  EXPECT_EQ(read_error(R"({"EAST":{"raw":"000000001"},"NEW":{"raw":"x"},)" + time),
            "no meter address (ADCO or ADSC)");
}

// A label is its exact bytes: "PAPP\u0000" is not PAPP, and is not shaped like a label.
TEST(FrameJsonErrors, LabelWithNul) {
  const std::string json =
      R"({"ADCO":{"raw":"031328187235"},"PAPP\u0000":{"raw":"00680"},)" + std::string{kTime} + "}";
  Frame frame;
  const std::string error = tic::read_frame_json(json, frame);
  EXPECT_NE(error, "");
  if (error.empty()) {
    // Accepted: then at least the JSON written from it must be valid.
    EXPECT_TRUE(is_valid_json(tic::to_frame_json(frame))) << tic::to_frame_json(frame);
  }
}

// Keys are echoed in the errors: a key holding a line break or another control character (JSON
// escapes make any) must not break the one-line message.
TEST(FrameJsonErrors, ControlCharactersInKeys) {
  const std::string time = std::string{kTime} + "}";
  for (std::string_view key : {R"(A\nB)", R"(A\rB)", R"(\u001b[31mRED)", R"(A\u0000B)", R"(\t)"}) {
    SCOPED_TRACE(key);
    read_error(R"({"ADCO":{"raw":"031328187235"},")" + std::string{key} + R"(":{"raw":"1"},)" +
               time);
    read_error(R"({"ADCO":{"raw":"031328187235"},")" + std::string{key} + R"(":5,)" + time);
  }
}

TEST(FrameJsonErrors, TooLarge) {
  std::string json = R"({"ADCO":{"raw":"031328187235"},"NEW":{"raw":")";
  json += std::string(tic::kMaxFrameJsonBytes, 'A');
  json += R"("},)" + std::string{kTime} + "}";
  EXPECT_EQ(read_error(json), "frame JSON larger than 64 KiB");
  EXPECT_EQ(read_error(std::string(tic::kMaxFrameJsonBytes + 1, ' ')),
            "frame JSON larger than 64 KiB");
}

// More labels than a frame holds (128), or data longer than a field holds.
TEST(FrameJsonErrors, TooManyLabels) {
  std::string json = R"({"ADCO":{"raw":"031328187235"},)";
  for (int i = 0; i < 128; ++i) {
    // Unknown labels XAAA, XAAB, ...: shaped like labels.
    std::string label = "X";
    label += static_cast<char>('A' + i / 26 / 26 % 26);
    label += static_cast<char>('A' + i / 26 % 26);
    label += static_cast<char>('A' + i % 26);
    json += "\"" + label + R"(":{"raw":"1"},)";
  }
  json += std::string{kTime} + "}";
  EXPECT_EQ(read_error(json), "frame JSON holds more labels than a frame can");

  const std::string long_raw = R"({"ADCO":{"raw":"031328187235"},"NEW":{"raw":")" +
                               std::string(300, 'A') + R"("},)" + std::string{kTime} + "}";
  EXPECT_EQ(read_error(long_raw), "frame JSON holds more labels than a frame can");
}

// Deep nesting is read without recursion: no stack overflow, one error line.
TEST(FrameJsonErrors, DeeplyNested) {
  const std::size_t depth = 30000;  // 60,000 bytes: under the size limit
  const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(read_error(arrays), "frame JSON is not an object");
  EXPECT_EQ(read_error(R"({"ADCO":)" + arrays + "}"),
            R"(ADCO: expected an object with a string "raw")");
  std::string objects;
  for (std::size_t i = 0; i < 10000; ++i)
    objects += R"({"a":)";
  objects += "1" + std::string(10000, '}');  // 60,001 bytes
  EXPECT_EQ(read_error(R"({"ADCO":{"raw":"031328187235","timestamp":)" + objects + "}}"),
            R"(ADCO: expected a timestamp with a string "raw")");
  // Unclosed: a parse error.
  EXPECT_EQ(read_error(std::string(depth, '[')).rfind("malformed JSON at byte ", 0), 0u);
}

// Whatever the input, the reader answers with a frame or one line, and the frame it gives is
// written back as valid JSON.
TEST(FrameJsonErrors, GarbageNeverCrashes) {
  const std::string good = R"({"ADSC":{"raw":"021728123456"},"EAST":{"raw":"000000001"},)"
                           R"("SMAXSN":{"raw":"02740","timestamp":{"raw":"E250603080531"}},)" +
                           std::string{kTime} + "}";
  std::size_t accepted = 0;
  for (std::size_t cut = 0; cut <= good.size(); ++cut) {
    for (char replacement : {'\0', '"', '{', '}', ',', ':', '1', 'A', '\\', ' '}) {
      std::string json = good.substr(0, cut);
      if (cut < good.size()) {
        json += replacement;
        json += good.substr(cut + 1);
      }
      Frame frame;
      const std::string error = tic::read_frame_json(json, frame);
      EXPECT_EQ(error.find('\n'), std::string::npos);
      if (error.empty()) {
        ++accepted;
        EXPECT_FALSE(frame.address().empty());
        EXPECT_TRUE(is_valid_json(tic::to_frame_json(frame))) << json;
      }
    }
  }
  EXPECT_GT(accepted, 0u);
}

}  // namespace
