// The byte decoder (tic/decoder.h): framing built byte by byte in the tests — STX/ETX, EOT, lost
// ETX, noise before the first STX, LF and CR turned into other control bytes, bit 7 set, a
// megabyte without line end, line captures, historic three-phase short frames, frame times,
// forced mode, unchecked labels, the rejection handler and the end-of-input rules of finish().
#include "tic/decoder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/captures.h"
#include "tic/group.h"

namespace {

using tic::Decoder;
using tic::DecoderOptions;
using tic::Frame;
using tic::FrameKind;
using tic::Mode;
using tic::Rejection;
using tic::Time;

struct Group {
  std::string_view label;
  std::string_view data;
  std::optional<std::string_view> horodate = std::nullopt;
};

std::string encode(Mode mode, const Group& group) {
  return tic::encode_group(mode, group.label, group.data, group.horodate);
}

// LF group CR for each group.
std::string groups(Mode mode, const std::vector<Group>& list) {
  std::string bytes;
  for (const Group& group : list)
    bytes += "\n" + encode(mode, group) + "\r";
  return bytes;
}

std::string stx_etx(const std::string& body) {
  return "\x02" + body + "\x03";
}

// A historic single-phase HC frame (02E table 3 order), 11 groups.
const std::vector<Group> kMono = {
    {"ADCO", "031328187235"}, {"OPTARIF", "HC.."}, {"ISOUSC", "30"},       {"HCHC", "006906827"},
    {"HCHP", "007617931"},    {"PTEC", "HP.."},    {"IINST", "003"},       {"IMAX", "044"},
    {"PAPP", "00680"},        {"HHPHC", "A"},      {"MOTDETAT", "000000"},
};

// A historic three-phase BASE long frame (02E table 4 order), 16 groups.
const std::vector<Group> kTriLong = {
    {"ADCO", "056234673197"}, {"OPTARIF", "BASE"}, {"ISOUSC", "20"},       {"BASE", "016871494"},
    {"PTEC", "TH.."},         {"IINST1", "031"},   {"IINST2", "002"},      {"IINST3", "000"},
    {"IMAX1", "060"},         {"IMAX2", "060"},    {"IMAX3", "060"},       {"PMAX", "02910"},
    {"PAPP", "07600"},        {"HHPHC", "A"},      {"MOTDETAT", "000000"}, {"PPOT", "00"},
};

// A short Linky standard frame, ADSC first, PJOURF+1 last.
const std::vector<Group> kStandard = {
    {"ADSC", "021728123456"},
    {"VTIC", "02"},
    {"DATE", "", "E250603110050"},
    {"NGTF", "      BASE      "},
    {"LTARF", "      BASE      "},
    {"EAST", "012345678"},
    {"SINSTS", "00680"},
    {"SMAXSN", "02740", "E250603080531"},
    {"STGE", "003A0001"},
    {"MSG1", "PAS DE          MESSAGE         "},
    {"RELAIS", "000"},
    {"PJOURF+1",
     "00008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
     "NONUTILE"},
};

const std::string kMonoFrame = stx_etx(groups(Mode::Historic, kMono));
const std::string kStandardFrame = stx_etx(groups(Mode::Standard, kStandard));

struct Outcome {
  std::vector<Frame> frames;
  tic::DecoderStats stats;
  std::vector<std::pair<Rejection, std::string>> rejections;
};

// Pushes all the bytes at `time`, then finish().
Outcome run(std::string_view bytes, DecoderOptions options = {}, Time time = test::test_time()) {
  Outcome out;
  Decoder decoder{std::move(options), [&out](const Frame& frame) { out.frames.push_back(frame); }};
  decoder.on_rejection([&out](Rejection rejection, std::string_view group) {
    out.rejections.emplace_back(rejection, std::string{group});
  });
  decoder.push(bytes, time);
  decoder.finish(time);
  out.stats = decoder.stats();
  return out;
}

std::vector<std::string> labels_of(const Frame& frame) {
  std::vector<std::string> labels;
  for (const tic::Field& field : frame)
    labels.emplace_back(field.label);
  return labels;
}

std::vector<std::string> labels_of(const std::vector<Group>& list) {
  std::vector<std::string> labels;
  for (const Group& group : list)
    labels.emplace_back(group.label);
  return labels;
}

Time plus_ms(Time time, int ms) {
  return time + std::chrono::milliseconds{ms};
}

TEST(Decoder, StxEtxFrames) {
  const std::string bytes = kMonoFrame + kMonoFrame;
  const Outcome r = run(bytes);
  ASSERT_EQ(r.frames.size(), 2u);
  for (const Frame& frame : r.frames) {
    EXPECT_EQ(frame.mode(), Mode::Historic);
    EXPECT_EQ(frame.kind(), FrameKind::Long);
    EXPECT_EQ(labels_of(frame), labels_of(kMono));
    EXPECT_EQ(frame.address(), "031328187235");
  }
  const Frame& frame = r.frames[0];
  EXPECT_EQ(frame.find("HCHC")->number, std::optional<std::uint64_t>{6906827});
  EXPECT_EQ(frame.find("PTEC")->text, "HP");
  EXPECT_EQ(frame.find("OPTARIF")->text, "HC");
  EXPECT_EQ(r.frames[0].time(), test::test_time());
  EXPECT_EQ(r.frames[1].time(), plus_ms(test::test_time(), 1));
  EXPECT_EQ(r.stats.bytes, bytes.size());
  EXPECT_EQ(r.stats.frames, 2u);
  EXPECT_EQ(r.stats.short_frames, 0u);
  EXPECT_EQ(r.stats.groups, 22u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
  EXPECT_EQ(r.stats.interrupted, 0u);
  EXPECT_EQ(r.stats.skipped_bytes, 0u);
  EXPECT_EQ(r.stats.unchecked, 0u);
  EXPECT_TRUE(r.rejections.empty());
}

TEST(Decoder, StandardFrame) {
  const Outcome r = run(kStandardFrame + kStandardFrame);
  ASSERT_EQ(r.frames.size(), 2u);
  const Frame& frame = r.frames[0];
  EXPECT_EQ(frame.mode(), Mode::Standard);
  EXPECT_EQ(labels_of(frame), labels_of(kStandard));
  EXPECT_EQ(frame.address(), "021728123456");
  EXPECT_EQ(frame.find("DATE")->horodate_raw, "E250603110050");
  EXPECT_EQ(frame.find("LTARF")->text, "BASE");
  EXPECT_EQ(frame.find("SMAXSN")->number, std::optional<std::uint64_t>{2740});
  EXPECT_EQ(frame.find("MSG1")->text, "PAS DE          MESSAGE");
  EXPECT_EQ(r.stats.groups, 2 * kStandard.size());
  EXPECT_EQ(r.stats.skipped_bytes, 0u);
}

// Pushed bytes in any chunk size give the same frames and counters.
TEST(Decoder, ChunkSizeDoesNotMatter) {
  const std::string bytes =
      std::string{"\0\0garbage", 9} + kMonoFrame + kStandardFrame + kMonoFrame;
  const test::Decoded whole = test::decode(bytes);
  ASSERT_EQ(whole.frames.size(), 3u);
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 8u, 9u, 64u}) {
    const test::Decoded cut = test::decode(bytes, chunk);
    EXPECT_EQ(cut.frames, whole.frames) << chunk;
    EXPECT_EQ(cut.stats.groups, whole.stats.groups) << chunk;
    EXPECT_EQ(cut.stats.skipped_bytes, whole.stats.skipped_bytes) << chunk;
  }
  const test::Decoded random = test::decode_in_random_chunks(bytes, 7, 20);
  EXPECT_EQ(random.frames, whole.frames);
}

TEST(Decoder, EotInterruptsFrame) {
  // Five groups, then EOT: that frame is dropped; the next one, from its STX, is whole.
  const std::vector<Group> first_five(kMono.begin(), kMono.begin() + 5);
  const std::string bytes = "\x02" + groups(Mode::Historic, first_five) + "\x04" + kMonoFrame;
  const Outcome r = run(bytes);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 1u);
  EXPECT_EQ(r.stats.frames, 1u);
  EXPECT_EQ(r.stats.groups, 5u + 11u);
  EXPECT_EQ(r.stats.skipped_bytes, 0u);
}

// linkytic issue #9: b'HCHP 019571184 7\r\x04\x02\n' — cut after a whole group, EOT, STX.
TEST(Decoder, EotRightAfterAGroup) {
  const std::string bytes = "\x02\nADCO 031328187235 B\r\nHCHP 019571184 7\r\x04" + kMonoFrame;
  const Outcome r = run(bytes);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0].find("HCHP")->number, std::optional<std::uint64_t>{7617931});
  EXPECT_EQ(r.stats.interrupted, 1u);
  EXPECT_EQ(r.stats.groups, 2u + 11u);
}

// EOT in the middle of a group drops that group with the frame.
TEST(Decoder, EotInsideAGroup) {
  const std::string bytes = "\x02\nADCO 031328187235 B\r\nHCHP 0195\x04" + kMonoFrame;
  const Outcome r = run(bytes);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 1u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
}

// EOT between frames has nothing to interrupt.
TEST(Decoder, EotBetweenFrames) {
  const Outcome r = run(kMonoFrame + "\x04" + kMonoFrame);
  EXPECT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.stats.interrupted, 0u);
  EXPECT_EQ(r.stats.skipped_bytes, 1u);
}

TEST(Decoder, NewStxBeforeEtx) {
  // Cut after IINST, a frame's last label is missing: incomplete, dropped.
  const std::vector<Group> cut(kMono.begin(), kMono.begin() + 7);
  const Outcome r = run("\x02" + groups(Mode::Historic, cut) + kMonoFrame);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 1u);
  EXPECT_EQ(r.stats.groups, 7u + 11u);
}

// Only the ETX was lost: the frame ends with its last label, and is whole.
TEST(Decoder, LostEtxFrameStillWhole) {
  const Outcome r = run("\x02" + groups(Mode::Historic, kMono) + kMonoFrame);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(labels_of(r.frames[1]), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 0u);
}

// ETX and STX both lost: the second ADCO (a label seen twice) starts the next frame.
TEST(Decoder, LostEtxAndStx) {
  const Outcome r =
      run("\x02" + groups(Mode::Historic, kMono) + groups(Mode::Historic, kMono) + "\x03");
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(labels_of(r.frames[1]), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 0u);
  // Same in standard mode, where the repeated label is ADSC.
  const Outcome s =
      run("\x02" + groups(Mode::Standard, kStandard) + groups(Mode::Standard, kStandard) + "\x03");
  EXPECT_EQ(s.frames.size(), 2u);
}

TEST(Decoder, NulAndGarbageBeforeFirstStx) {
  // 4 NULs, 3 stray letters, a stray CR, a whole group outside any frame (nokyyz captures start
  // mid-frame), a stray ETX; then a frame.
  const std::string prefix = std::string(4, '\0') + "xyz\r" + "\nPAPP 00680 /\r" + "\x03";
  const Outcome r = run(prefix + kMonoFrame);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.skipped_bytes, 4u + 3u + 1u + 1u);
  EXPECT_EQ(r.stats.groups, 1u + 11u);  // PAPP was valid, but part of no frame
  EXPECT_EQ(r.stats.interrupted, 0u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
}

// The end of a frame before the first STX: those groups start no frame (their ADCO went by).
TEST(Decoder, PartialFrameBeforeFirstStx) {
  const std::vector<Group> tail(kMono.begin() + 3, kMono.end());
  const Outcome r = run(groups(Mode::Historic, tail) + "\x03" + kMonoFrame);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0].size(), 11u);
  EXPECT_EQ(r.stats.groups, 8u + 11u);
}

// Real corruption turns a group's LF into 0x0B, 0x0E or 0x0F: the group still starts.
TEST(Decoder, LfArrivingAsAnotherControlByte) {
  std::string body = groups(Mode::Historic, kMono);
  // The LFs of HCHC (4th group), PTEC (6th) and PAPP (9th).
  std::size_t seen = 0;
  for (char& c : body) {
    if (c != '\n') continue;
    ++seen;
    if (seen == 4) c = '\x0B';
    if (seen == 6) c = '\x0E';
    if (seen == 9) c = '\x0F';
  }
  const Outcome r = run(stx_etx(body));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.skipped_bytes, 3u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
}

// A CR turned into another control byte (0x0C here) still ends its group; a CR lost before
// ETX is ended by the ETX.
TEST(Decoder, CrArrivingAsAnotherControlByte) {
  std::string body = groups(Mode::Historic, kMono);
  const std::size_t cr = body.find("HCHC");
  const std::size_t end = body.find('\r', cr);
  body[end] = '\x0C';
  body.pop_back();  // MOTDETAT's CR: "... B" ETX
  const Outcome r = run(stx_etx(body));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.frames[0].find("HCHC")->number, std::optional<std::uint64_t>{6906827});
  EXPECT_EQ(r.stats.skipped_bytes, 1u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
}

// A 7E1 line read as 8 bits: bit 7 is the parity bit. Set on every byte, or set as even parity,
// the frames are the same.
TEST(Decoder, Bit7Ignored) {
  const std::string bytes = std::string(3, '\0') + kMonoFrame + kStandardFrame + kMonoFrame;
  const Outcome plain = run(bytes);
  ASSERT_EQ(plain.frames.size(), 3u);

  std::string all_set = bytes;
  for (char& c : all_set)
    c = static_cast<char>(static_cast<unsigned char>(c) | 0x80u);
  const Outcome high = run(all_set);
  EXPECT_EQ(high.frames, plain.frames);
  EXPECT_EQ(high.stats.groups, plain.stats.groups);
  EXPECT_EQ(high.stats.skipped_bytes, plain.stats.skipped_bytes);
  EXPECT_EQ(high.stats.rejected_groups(), 0u);

  std::string parity = bytes;
  for (char& c : parity) {
    const auto byte = static_cast<unsigned char>(c);
    const bool odd = __builtin_parity(byte) != 0;
    c = static_cast<char>(odd ? byte | 0x80u : byte);
  }
  const Outcome even = run(parity);
  EXPECT_EQ(even.frames, plain.frames);
  EXPECT_EQ(even.stats.rejected_groups(), 0u);
}

// A megabyte of plain bytes between frames: skipped, nothing else.
TEST(Decoder, MegabyteOfNoiseBetweenFrames) {
  const std::size_t megabyte = std::size_t{1} << 20;
  const Outcome r = run(kMonoFrame + std::string(megabyte, 'A') + kMonoFrame);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.stats.skipped_bytes, megabyte);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
  EXPECT_EQ(r.stats.interrupted, 0u);
}

// A megabyte after a group's LF with no line end: one group too long, then the next frame.
TEST(Decoder, MegabyteWithoutLineEnd) {
  const std::size_t megabyte = std::size_t{1} << 20;
  const std::string bytes = "\x02\n" + std::string(megabyte, 'A') + "\r\x03" + kMonoFrame;
  for (std::size_t chunk : {std::size_t{0}, std::size_t{4096}, std::size_t{100}}) {
    SCOPED_TRACE(chunk);
    const test::Decoded r = test::decode(bytes, chunk);
    ASSERT_EQ(r.frames.size(), 1u);
    EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
    EXPECT_EQ(r.stats.too_long, 1u);
    EXPECT_EQ(r.stats.bad_format, 0u);
    EXPECT_EQ(r.stats.bad_checksum, 0u);
    EXPECT_EQ(r.stats.groups, 11u);
    // At most a group's worth of the megabyte is held before it is known to be too long.
    EXPECT_GE(r.stats.skipped_bytes, megabyte - Decoder::kMaxGroupBytes);
    EXPECT_LE(r.stats.skipped_bytes, megabyte);
  }
}

// Line captures have no STX/ETX: a frame starts at ADCO and ends before the next one. The first
// line has no LF before it, so the first frame has no start and is not delivered.
TEST(Decoder, LineCaptureWithoutStxEtx) {
  std::string text;
  for (int frame = 0; frame < 3; ++frame) {
    for (const Group& group : kMono)
      text += encode(Mode::Historic, group) + "\r\n";
  }
  const Outcome r = run(text);
  ASSERT_EQ(r.frames.size(), 2u);
  for (const Frame& frame : r.frames)
    EXPECT_EQ(labels_of(frame), labels_of(kMono));
  EXPECT_EQ(r.stats.groups, 32u);
  EXPECT_EQ(r.stats.skipped_bytes, std::string_view{"ADCO 031328187235 B\r"}.size());
  EXPECT_EQ(r.stats.interrupted, 0u);
}

// Text lines only, LF ending every group (seed_TeleInfoMonitor style), starting with a partial
// frame.
TEST(Decoder, LineCaptureWithLfOnly) {
  std::string text = "PAPP 00680 /\nHHPHC A ,\nMOTDETAT 000000 B\n";
  for (int frame = 0; frame < 3; ++frame) {
    for (const Group& group : kMono)
      text += encode(Mode::Historic, group) + "\n";
  }
  const Outcome r = run(text);
  ASSERT_EQ(r.frames.size(), 3u);
  for (const Frame& frame : r.frames)
    EXPECT_EQ(labels_of(frame), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 0u);
}

// A line tool turned every CR into LF, and kept STX but lost ETX (lains 2024 capture).
TEST(Decoder, CrTurnedIntoLf) {
  std::string text;
  for (int frame = 0; frame < 3; ++frame) {
    text += "\x02";
    for (const Group& group : kTriLong)
      text += "\n" + encode(Mode::Historic, group) + "\n";
  }
  const Outcome r = run(text);
  ASSERT_EQ(r.frames.size(), 3u);
  for (const Frame& frame : r.frames) {
    EXPECT_EQ(labels_of(frame), labels_of(kTriLong));
    EXPECT_EQ(frame.kind(), FrameKind::Long);
  }
  EXPECT_EQ(r.stats.interrupted, 0u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);

  // Without STX either: frames start at ADCO.
  std::string no_stx = text;
  std::erase(no_stx, '\x02');
  const Outcome lines = run(no_stx);
  EXPECT_EQ(lines.frames, r.frames);
}

// 02E §2.5.4: while a phase is over its setting, cycles of 20 short frames (ADIRi for the phases
// over, ADCO, IINST1-3) and one long frame; EOT marks the switch from long to short frames
// (Tableau 6). Short frames go on for a minute after the overload, without ADIR.
TEST(Decoder, HistoricShortFrames) {
  const std::vector<Group> overload = {{"ADIR1", "045"},         {"ADIR3", "031"},
                                       {"ADCO", "056234673197"}, {"IINST1", "045"},
                                       {"IINST2", "002"},        {"IINST3", "031"}};
  const std::vector<Group> after = {
      {"ADCO", "056234673197"}, {"IINST1", "012"}, {"IINST2", "002"}, {"IINST3", "003"}};
  const std::vector<Group> cut(kTriLong.begin(), kTriLong.begin() + 6);

  std::string bytes = stx_etx(groups(Mode::Historic, kTriLong));
  bytes += "\x02" + groups(Mode::Historic, cut) + "\x04";
  for (int i = 0; i < 3; ++i)
    bytes += stx_etx(groups(Mode::Historic, overload));
  bytes += stx_etx(groups(Mode::Historic, kTriLong));
  bytes += stx_etx(groups(Mode::Historic, after));
  bytes += stx_etx(groups(Mode::Historic, kTriLong));

  const Outcome r = run(bytes);
  ASSERT_EQ(r.frames.size(), 7u);
  const FrameKind expected[] = {FrameKind::Long,  FrameKind::Short, FrameKind::Short,
                                FrameKind::Short, FrameKind::Long,  FrameKind::Short,
                                FrameKind::Long};
  for (std::size_t i = 0; i < r.frames.size(); ++i)
    EXPECT_EQ(r.frames[i].kind(), expected[i]) << i;
  EXPECT_EQ(labels_of(r.frames[1]), labels_of(overload));
  EXPECT_EQ(r.frames[1].address(), "056234673197");
  EXPECT_EQ(r.frames[1].find("ADIR1")->number, std::optional<std::uint64_t>{45});
  EXPECT_EQ(labels_of(r.frames[5]), labels_of(after));
  EXPECT_EQ(labels_of(r.frames[4]), labels_of(kTriLong));
  EXPECT_EQ(r.stats.frames, 7u);
  EXPECT_EQ(r.stats.short_frames, 4u);
  EXPECT_EQ(r.stats.interrupted, 1u);
  EXPECT_EQ(r.stats.rejected_groups(), 0u);
}

// Short frames in a line capture: ADIRi opens a frame as ADCO does.
TEST(Decoder, HistoricShortFramesWithoutStx) {
  const std::vector<Group> overload = {{"ADIR2", "061"},
                                       {"ADCO", "056234673197"},
                                       {"IINST1", "012"},
                                       {"IINST2", "061"},
                                       {"IINST3", "003"}};
  std::string text = "\n";  // the first group's LF
  auto add = [&text](const std::vector<Group>& list) {
    for (const Group& group : list)
      text += encode(Mode::Historic, group) + "\r\n";
  };
  add(kTriLong);
  add(overload);
  add(overload);
  add(kTriLong);
  const Outcome r = run(text);
  ASSERT_EQ(r.frames.size(), 4u);
  EXPECT_EQ(r.frames[0].kind(), FrameKind::Long);
  EXPECT_EQ(r.frames[1].kind(), FrameKind::Short);
  EXPECT_EQ(r.frames[2].kind(), FrameKind::Short);
  EXPECT_EQ(r.frames[3].kind(), FrameKind::Long);
  EXPECT_EQ(labels_of(r.frames[1]), labels_of(overload));
  EXPECT_EQ(r.stats.short_frames, 2u);
  EXPECT_EQ(r.stats.interrupted, 0u);
}

// A long frame that lost every group but ADCO and IINST1-3 is not a short frame.
TEST(Decoder, DamagedLongFrameIsNotShort) {
  std::string body;
  for (const Group& group : kTriLong) {
    std::string content = encode(Mode::Historic, group);
    const std::string_view label = group.label;
    if (label != "ADCO" && label != "IINST1" && label != "IINST2" && label != "IINST3") {
      content.back() = static_cast<char>(content.back() == '!' ? '"' : '!');  // bad checksum
    }
    body += "\n" + content + "\r";
  }
  const Outcome r = run(stx_etx(body));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0].size(), 4u);
  EXPECT_EQ(r.frames[0].kind(), FrameKind::Long);
  EXPECT_EQ(r.stats.short_frames, 0u);
  EXPECT_EQ(r.stats.bad_checksum, 12u);
}

// Frame times strictly increase: +1 ms when the given time repeats or goes back.
TEST(Decoder, FrameTimesStrictlyIncrease) {
  std::vector<Time> times;
  Decoder decoder{{}, [&times](const Frame& frame) { times.push_back(frame.time()); }};
  const Time t = test::test_time();
  decoder.push(kMonoFrame, t);
  decoder.push(kMonoFrame, t);                            // same time
  decoder.push(kMonoFrame, t - std::chrono::seconds{5});  // clock went back
  decoder.push(kMonoFrame + kMonoFrame, plus_ms(t, 2));   // two frames in one push
  decoder.push(kMonoFrame, t + std::chrono::seconds{10});
  decoder.finish(t);
  const std::vector<Time> expected = {
      t, plus_ms(t, 1), plus_ms(t, 2), plus_ms(t, 3), plus_ms(t, 4), t + std::chrono::seconds{10}};
  EXPECT_EQ(times, expected);
}

// The time given with the push where the frame ends is the frame's time.
TEST(Decoder, FrameTimeIsWhenItEnds) {
  std::vector<Time> times;
  Decoder decoder{{}, [&times](const Frame& frame) { times.push_back(frame.time()); }};
  const Time t = test::test_time();
  const std::size_t half = kMonoFrame.size() / 2;
  decoder.push(std::string_view{kMonoFrame}.substr(0, half), t);
  EXPECT_TRUE(times.empty());
  decoder.push(std::string_view{kMonoFrame}.substr(half), plus_ms(t, 700));
  ASSERT_EQ(times.size(), 1u);
  EXPECT_EQ(times[0], plus_ms(t, 700));
}

TEST(Decoder, ForcedModeRejectsTheOtherMode) {
  DecoderOptions standard_only;
  standard_only.mode = Mode::Standard;
  const Outcome historic_in_standard = run(kMonoFrame + kStandardFrame, standard_only);
  ASSERT_EQ(historic_in_standard.frames.size(), 1u);
  EXPECT_EQ(historic_in_standard.frames[0].mode(), Mode::Standard);
  EXPECT_EQ(historic_in_standard.stats.bad_format, kMono.size());
  EXPECT_EQ(historic_in_standard.stats.groups, kStandard.size());
  ASSERT_FALSE(historic_in_standard.rejections.empty());
  EXPECT_EQ(historic_in_standard.rejections[0].first, Rejection::BadFormat);
  EXPECT_EQ(historic_in_standard.rejections[0].second, "ADCO 031328187235 B");

  DecoderOptions historic_only;
  historic_only.mode = Mode::Historic;
  const Outcome standard_in_historic = run(kStandardFrame + kMonoFrame, historic_only);
  ASSERT_EQ(standard_in_historic.frames.size(), 1u);
  EXPECT_EQ(standard_in_historic.frames[0].mode(), Mode::Historic);
  EXPECT_EQ(standard_in_historic.stats.bad_format, kStandard.size());
  EXPECT_EQ(standard_in_historic.stats.groups, kMono.size());
}

// In automatic mode a frame keeps the mode of its first group.
TEST(Decoder, AutoModeFrameKeepsItsMode) {
  std::string body = groups(Mode::Historic, kMono);
  body.insert(body.find("\nPAPP"),
              "\n" + tic::encode_group(Mode::Standard, "EAST", "000000001") + "\r");
  const Outcome r = run(stx_etx(body));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.bad_format, 1u);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].second, "EAST\t000000001\tP");
}

TEST(Decoder, UncheckedLabels) {
  // PJOURF+1 with a wrong checksum ('9' is right).
  std::string body = groups(Mode::Standard, kStandard);
  const std::size_t at = body.find("NONUTILE\t9\r");
  ASSERT_NE(at, std::string::npos);
  body[at + 9] = '8';
  const std::string bytes = stx_etx(body);

  const Outcome strict = run(bytes);
  ASSERT_EQ(strict.frames.size(), 1u);
  EXPECT_FALSE(strict.frames[0].contains("PJOURF+1"));
  EXPECT_EQ(strict.stats.bad_checksum, 1u);
  EXPECT_EQ(strict.stats.unchecked, 0u);

  DecoderOptions options;
  options.unchecked_labels = {"PJOURF+1"};
  const Outcome lenient = run(bytes, options);
  ASSERT_EQ(lenient.frames.size(), 1u);
  EXPECT_EQ(labels_of(lenient.frames[0]), labels_of(kStandard));
  EXPECT_EQ(lenient.frames[0].find("PJOURF+1")->raw.substr(0, 8), "00008001");
  EXPECT_EQ(lenient.stats.bad_checksum, 0u);
  EXPECT_EQ(lenient.stats.unchecked, 1u);
  EXPECT_EQ(lenient.stats.groups, kStandard.size());

  // Other labels are still checked.
  std::string other = groups(Mode::Standard, kStandard);
  other[other.find("003A0001\t:") + 9] = ';';
  const Outcome still_checked = run(stx_etx(other), options);
  EXPECT_FALSE(still_checked.frames.at(0).contains("STGE"));
  EXPECT_EQ(still_checked.stats.bad_checksum, 1u);
  EXPECT_EQ(still_checked.stats.unchecked, 0u);
}

TEST(Decoder, RejectionHandlerGetsTheGroupBytes) {
  std::string body = groups(Mode::Historic, kMono);
  // IINST 003 with another checksum; a misshapen group; IINST with 4 digits (right checksum).
  body += "\nIINST 003 Q\r";
  body += "\nGARBAGE\r";
  body += "\n" + tic::encode_group(Mode::Historic, "IMAX", "0044") + "\r";
  const Outcome r = run(stx_etx(body));
  ASSERT_EQ(r.rejections.size(), 3u);
  EXPECT_EQ(r.rejections[0], std::make_pair(Rejection::BadChecksum, std::string{"IINST 003 Q"}));
  EXPECT_EQ(r.rejections[1], std::make_pair(Rejection::BadFormat, std::string{"GARBAGE"}));
  EXPECT_EQ(r.rejections[2], std::make_pair(Rejection::BadFormat,
                                            tic::encode_group(Mode::Historic, "IMAX", "0044")));
  EXPECT_EQ(r.stats.bad_checksum, 1u);
  EXPECT_EQ(r.stats.bad_format, 2u);
  // The frame keeps its valid groups.
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
}

TEST(Decoder, RejectionHandlerTooLong) {
  const std::string bytes = "\x02\n" + std::string(300, 'A') + "\r\x03";
  const Outcome r = run(bytes);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].first, Rejection::TooLong);
  EXPECT_LE(r.rejections[0].second.size(), Decoder::kMaxGroupBytes);
  EXPECT_EQ(r.stats.too_long, 1u);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.stats.interrupted, 0u);
}

TEST(Decoder, RejectionToString) {
  EXPECT_EQ(tic::to_string(Rejection::BadChecksum), "bad checksum");
  EXPECT_EQ(tic::to_string(Rejection::BadFormat), "bad format");
  EXPECT_EQ(tic::to_string(Rejection::TooLong), "too long");
}

// End of input: the last line is read even without its line end, and a frame left open is
// delivered when its last label ends frames.
TEST(DecoderFinish, LastLineWithoutLineEnd) {
  std::string bytes = "\x02" + groups(Mode::Historic, kMono);
  bytes.pop_back();  // MOTDETAT's CR
  const Outcome r = run(bytes);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
  EXPECT_EQ(r.stats.interrupted, 0u);
  EXPECT_EQ(r.stats.groups, 11u);
}

TEST(DecoderFinish, LineCaptureLastLineWithoutLineEnd) {
  std::string text = "\n";
  for (const Group& group : kMono)
    text += encode(Mode::Historic, group) + "\r\n";
  text.resize(text.size() - 2);  // no CR LF after MOTDETAT
  const Outcome r = run(text);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(labels_of(r.frames[0]), labels_of(kMono));
}

TEST(DecoderFinish, OpenFrameCutShortIsInterrupted) {
  const std::vector<Group> cut(kMono.begin(), kMono.begin() + 7);
  const Outcome r = run(kMonoFrame + "\x02" + groups(Mode::Historic, cut));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.stats.interrupted, 1u);
  EXPECT_EQ(r.stats.groups, 11u + 7u);
}

// Until a frame has ended with ETX, the tables' last labels end frames: MOTDETAT, PPOT,
// PJOURF+1, PPOINTE.
TEST(DecoderFinish, TablesLastLabels) {
  EXPECT_EQ(run("\x02" + groups(Mode::Historic, kTriLong)).frames.size(), 1u);
  EXPECT_EQ(run("\x02" + groups(Mode::Standard, kStandard)).frames.size(), 1u);
  std::vector<Group> peak = kStandard;
  peak.push_back({"PPOINTE",
                  "00004001 06004002 22004001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
                  "NONUTILE NONUTILE NONUTILE"});
  EXPECT_EQ(run("\x02" + groups(Mode::Standard, peak)).frames.size(), 1u);
  // A frame that stops at PAPP: not whole.
  const std::vector<Group> to_papp(kMono.begin(), kMono.begin() + 9);
  const Outcome r = run("\x02" + groups(Mode::Historic, to_papp));
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.stats.interrupted, 1u);
}

// Once a frame has ended with ETX, its last label is the one that ends this stream's frames.
TEST(DecoderFinish, LastLabelLearntFromEtx) {
  // After three-phase frames that end at PPOT, a frame closed by the next STX that stops at
  // MOTDETAT lost its PPOT.
  const std::vector<Group> to_motdetat(kTriLong.begin(), kTriLong.end() - 1);
  ASSERT_EQ(to_motdetat.back().label, "MOTDETAT");
  const Outcome tri = run(stx_etx(groups(Mode::Historic, kTriLong)) + "\x02" +
                          groups(Mode::Historic, to_motdetat) + "\x02");
  ASSERT_EQ(tri.frames.size(), 1u);
  EXPECT_EQ(tri.stats.interrupted, 1u);

  // After frames that end at MOTDETAT, a frame that stops at PAPP was cut.
  const std::vector<Group> to_papp(kMono.begin(), kMono.begin() + 9);
  const Outcome cut = run(kMonoFrame + "\x02" + groups(Mode::Historic, to_papp));
  ASSERT_EQ(cut.frames.size(), 1u);
  EXPECT_EQ(cut.stats.interrupted, 1u);
}

// Only the tables' last labels are learnt: a frame closed by an ETX after PAPP (noise in mid-frame
// reading as ETX) is delivered, but teaches nothing.
TEST(DecoderFinish, EtxInMidFrameTeachesNothing) {
  const std::vector<Group> to_papp(kMono.begin(), kMono.begin() + 9);
  const std::string papp_frame = stx_etx(groups(Mode::Historic, to_papp));
  const Outcome whole = run(papp_frame + "\x02" + groups(Mode::Historic, kMono));
  ASSERT_EQ(whole.frames.size(), 2u);
  EXPECT_EQ(labels_of(whole.frames[1]), labels_of(kMono));
  EXPECT_EQ(whole.stats.interrupted, 0u);

  const Outcome cut = run(papp_frame + "\x02" + groups(Mode::Historic, to_papp));
  EXPECT_EQ(cut.frames.size(), 1u);
  EXPECT_EQ(cut.stats.interrupted, 1u);
}

TEST(DecoderFinish, NothingPushed) {
  const Outcome r = run("");
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.stats.bytes, 0u);
  EXPECT_EQ(r.stats.interrupted, 0u);
}

}  // namespace

namespace {

// A capture without STX/ETX in which one byte became STX: the frame it lands in is lost, the
// groups after the STX up to the next ADCO make a frame of their own (with no address, so the
// bridge does not publish it), and the frames after it open at their ADCO as before.
TEST(DecoderLineCapture, StrayStxCostsOneFrame) {
  const std::string clean =
      test::read_capture("seed_TeleInfoMonitor_teleinfo_sample_ADCOfixed_DERIVED.txt");
  ASSERT_EQ(test::decode(clean).frames.size(), 52u);
  std::string damaged = clean;
  const std::size_t middle = damaged.find("PAPP", damaged.size() / 2);
  damaged[middle] = '\x02';
  const test::Decoded decoded = test::decode(damaged);
  ASSERT_EQ(decoded.frames.size(), 52u);
  std::size_t with_address = 0;
  for (const tic::Frame& frame : decoded.frames)
    with_address += frame.address().empty() ? 0u : 1u;
  EXPECT_EQ(with_address, 51u);
  EXPECT_EQ(decoded.stats.interrupted, 2u);  // the frame cut by the STX, and the last one
}

}  // namespace
