// Frames as line protocol: exact lines for real captures (integers, strings, horodates, the ms
// timestamp) and the escapes of the spec.
#include "influx/line_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/captures.h"
#include "tic/field.h"
#include "tic/frame.h"

namespace {

constexpr std::string_view kHistoricHc = "hallard_tinfo_replay_histo_hc.txt";
constexpr std::string_view kStandard = "hallard_tinfo_replay_stand_base_long.txt";

std::vector<tic::Frame> frames_of(std::string_view capture) {
  return test::decode(test::read_capture(capture)).frames;
}

std::string line_of(const tic::Frame& frame, std::string_view measurement = "teleinfo") {
  std::string out;
  EXPECT_TRUE(influx::append_point(frame, measurement, out));
  return out;
}

TEST(LineProtocol, HistoricFrame) {
  const std::vector<tic::Frame> frames = frames_of(kHistoricHc);
  ASSERT_FALSE(frames.empty());
  // Texts trimmed of their padding dots, numbers without their leading zeros; the time is the
  // decoder's stamp, test_time() (2025-01-01T00:00:00Z), in milliseconds.
  EXPECT_EQ(
      line_of(frames[0]),
      "teleinfo,meter=021528603314 ADCO=\"021528603314\",OPTARIF=\"HC\",ISOUSC=15i,HCHC=837362i,"
      "HCHP=2035628i,PTEC=\"HP\",IINST=1i,IMAX=2i,PAPP=190i,HHPHC=\"A\",MOTDETAT=\"000000\" "
      "1735689600000\n");
}

TEST(LineProtocol, StandardFrame) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  ASSERT_FALSE(frames.empty());
  // DATE (E210423054022: summer time, 03:40:22Z) has no data: only DATE_time. SMAXSN
  // (E210423051903) has both; NJOURF+1 and SMAXSN-1 are keys as they are.
  EXPECT_EQ(
      line_of(frames[0]),
      "teleinfo,meter=061961361253 ADSC=\"061961361253\",VTIC=\"02\",DATE_time=1619149222i,"
      "NGTF=\"BASE\",LTARF=\"BASE\",EAST=2188830i,EASF01=1076095i,EASF02=1112735i,EASF03=0i,"
      "EASF04=0i,EASF05=0i,EASF06=0i,EASF07=0i,EASF08=0i,EASF09=0i,EASF10=0i,EASD01=1076095i,"
      "EASD02=1112735i,EASD03=0i,EASD04=0i,IRMS1=2i,URMS1=221i,PREF=6i,PCOUP=6i,SINSTS=394i,"
      "SMAXSN=924i,SMAXSN_time=1619147943i,SMAXSN-1=1952i,SMAXSN-1_time=1619109297i,CCASN=432i,"
      "CCASN_time=1619148600i,CCASN-1=300i,CCASN-1_time=1619146800i,UMOY1=220i,"
      "UMOY1_time=1619149200i,STGE=\"003A0001\",MSG1=\"PAS DE          MESSAGE\","
      "PRM=\"06467293757928\",RELAIS=0i,NTARF=1i,NJOURF=0i,NJOURF+1=0i,"
      "PJOURF+1=\"00008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
      "NONUTILE NONUTILE NONUTILE\" 1735689600000\n");
}

TEST(LineProtocol, TextWithQuotesBackslashCommasEqualsAndSpaces) {
  // MSG1 is 32 characters: the text is trimmed of its padding, then escaped inside its quotes.
  const std::string hostile = "say \"hi\", a=b \\ c,d             ";
  ASSERT_EQ(hostile.size(), 32u);
  const std::string capture =
      test::replace_group(test::read_capture(kStandard), 0, "MSG1", hostile, tic::Mode::Standard);
  const std::vector<tic::Frame> frames = test::decode(capture).frames;
  ASSERT_FALSE(frames.empty());
  const std::optional<tic::Field> message = frames[0].find("MSG1");
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->text, "say \"hi\", a=b \\ c,d");
  const std::string line = line_of(frames[0]);
  EXPECT_NE(line.find(",MSG1=\"say \\\"hi\\\", a=b \\\\ c,d\","), std::string::npos) << line;
}

TEST(LineProtocol, MeasurementWithSpaceAndComma) {
  const std::vector<tic::Frame> frames = frames_of(kHistoricHc);
  ASSERT_FALSE(frames.empty());
  const std::string line = line_of(frames[0], "home meter,1=a");
  EXPECT_EQ(line.substr(0, 41), "home\\ meter\\,1=a,meter=021528603314 ADCO=");
}

TEST(LineProtocol, Escapes) {
  std::string out;
  influx::append_measurement("a b,c=d\"e", out);
  EXPECT_EQ(out, "a\\ b\\,c=d\"e");
  out.clear();
  influx::append_key("a b,c=d\"e", out);
  EXPECT_EQ(out, "a\\ b\\,c\\=d\"e");
  out.clear();
  influx::append_string_value("a \"b\" \\ c,d=e", out);
  EXPECT_EQ(out, "\"a \\\"b\\\" \\\\ c,d=e\"");
}

// A field as the decoder makes it; its views point into the arguments.
tic::Field field(std::string_view label, std::string_view data,
                 std::optional<std::string_view> horodate = std::nullopt) {
  tic::Field out;
  EXPECT_EQ(tic::decode_field(label, horodate, data, out), tic::FieldError::None) << label;
  return out;
}

TEST(LineProtocol, UnknownLabelsAreStringsAndEveryTypeStaysFixed) {
  tic::Frame frame;
  frame.set_mode(tic::Mode::Standard);
  frame.set_time(tic::Time{std::chrono::milliseconds{1748941252123}});
  ASSERT_TRUE(frame.append(field("ADSC", "061961361253")));
  ASSERT_TRUE(frame.append(field("XYZ1", "00042")));  // not in the dictionary: digits as text
  ASSERT_TRUE(frame.append(field("EAST", "000000000")));
  EXPECT_EQ(line_of(frame),
            "teleinfo,meter=061961361253 ADSC=\"061961361253\",XYZ1=\"00042\",EAST=0i "
            "1748941252123\n");
}

TEST(LineProtocol, SeveralFramesAppendLineAfterLine) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  ASSERT_GE(frames.size(), 3u);
  std::string out = "kept\n";
  influx::append_points(std::span{frames}.first(3), "teleinfo", out);
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 4);
  EXPECT_EQ(out.substr(0, 5), "kept\n");
  EXPECT_EQ(out.substr(5, line_of(frames[0]).size()), line_of(frames[0]));
  EXPECT_TRUE(out.ends_with(line_of(frames[2])));
}

TEST(LineProtocol, FrameWithoutFieldsAppendsNothing) {
  tic::Frame frame;
  std::string out = "kept";
  EXPECT_FALSE(influx::append_point(frame, "teleinfo", out));
  EXPECT_EQ(out, "kept");
}

}  // namespace
