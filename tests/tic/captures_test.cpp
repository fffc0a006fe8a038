// The real captures under tests/data/frames, decoded: for each one the frames it holds, its meter
// address, its index values and every decoder counter, worked out from the capture bytes and the
// framing rules (not from the decoder); then that any chunking of the bytes decodes the same, and
// some decoded details (checksums that are a space, DATE, DPM1/FPM1, STGE, midnight, padding).
#include "support/captures.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tic/decoder.h"
#include "tic/frame.h"
#include "tic/horodate.h"

namespace {

using namespace std::chrono;
using tic::FrameKind;
using tic::Mode;

// Every capture file; a test below covers each one.
const std::vector<std::string> kCaptures = {
    "destroyedlolo_TeleInfod_trame_historique.txt",
    "destroyedlolo_TeleInfod_trame_standard.txt",
    "gaetronik_teleinfo-nom_message.txt",
    "gaetronik_teleinfo-nom_message_standard.txt",
    "gaetronik_teleinfo-nom_stream_legacy_complete.txt",
    "gaetronik_teleinfo-nom_stream_legacy_incomplete.txt",
    "gaetronik_teleinfo-nom_stream_legacy_raw.txt",
    "gaetronik_teleinfo-nom_stream_standard_complete.txt",
    "gbredz1_TeleinfoMQTT_teleinfo-dump.txt",
    "hallard_tinfo_replay_histo_base.txt",
    "hallard_tinfo_replay_histo_base_tri.txt",
    "hallard_tinfo_replay_histo_hc.txt",
    "hallard_tinfo_replay_stand_base.txt",
    "hallard_tinfo_replay_stand_base_long.txt",
    "hallard_tinfo_replay_stand_base_tri.txt",
    "hallard_tinfo_replay_stand_base_tri_short.txt",
    "lains_ticdecodecpp_continuous_linky_1P_standard_TIC_sample.bin",
    "lains_ticdecodecpp_continuous_linky_3P_historical_TIC_2024_sample.bin",
    "lains_ticdecodecpp_continuous_linky_3P_historical_TIC_sample.bin",
    "lains_ticdecodecpp_linky_1P_midnight.bin",
    "nokyyz_teleinfo_historic_HC_mono_stream-1.raw.txt",
    "nokyyz_teleinfo_historic_HC_mono_stream-2.raw.txt",
    "nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt",
    "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw",
    "seed_TeleInfoMonitor_teleinfo_sample.txt",
    "seed_TeleInfoMonitor_teleinfo_sample_ADCOfixed_DERIVED.txt",
};

// An index label's value in the first and in the last frame delivered.
struct Index {
  std::string_view label;
  std::uint64_t first;
  std::uint64_t last;
};

struct Expected {
  std::size_t frames = 0;
  Mode mode = Mode::Historic;
  std::string_view address =
      {};                  // of the first frame; empty when its ADCO/ADSC failed its checksum
  std::size_t fields = 0;  // in every frame
  std::vector<Index> indexes = {};
  std::uint64_t groups = 0;
  std::uint64_t bad_checksum = 0;
  std::uint64_t bad_format = 0;
  std::uint64_t too_long = 0;
  std::uint64_t interrupted = 0;
  std::uint64_t skipped_bytes = 0;
};

test::Decoded decode_capture(std::string_view name) {
  return test::decode(test::read_capture(name));
}

void check_capture(std::string_view name, const Expected& expected) {
  SCOPED_TRACE(name);
  const std::string bytes = test::read_capture(name);
  const test::Decoded decoded = test::decode(bytes);
  const tic::DecoderStats& stats = decoded.stats;
  const std::vector<tic::Frame>& frames = decoded.frames;

  ASSERT_EQ(frames.size(), expected.frames);
  EXPECT_EQ(stats.frames, expected.frames);
  EXPECT_EQ(stats.bytes, bytes.size());
  EXPECT_EQ(stats.groups, expected.groups);
  EXPECT_EQ(stats.bad_checksum, expected.bad_checksum);
  EXPECT_EQ(stats.bad_format, expected.bad_format);
  EXPECT_EQ(stats.too_long, expected.too_long);
  EXPECT_EQ(stats.interrupted, expected.interrupted);
  EXPECT_EQ(stats.skipped_bytes, expected.skipped_bytes);
  EXPECT_EQ(stats.short_frames, 0u);  // no capture holds a historic three-phase short frame
  EXPECT_EQ(stats.unchecked, 0u);
  if (frames.empty()) return;

  EXPECT_EQ(frames.front().address(), expected.address);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(frames[i].mode(), expected.mode);
    EXPECT_EQ(frames[i].kind(), FrameKind::Long);
    EXPECT_EQ(frames[i].size(), expected.fields);
    EXPECT_EQ(frames[i].address(), frames.front().address());
    EXPECT_EQ(frames[i].time(), test::test_time() + milliseconds{i});
  }
  for (const Index& index : expected.indexes) {
    SCOPED_TRACE(index.label);
    EXPECT_EQ(test::number_of(frames.front(), index.label), index.first);
    EXPECT_EQ(test::number_of(frames.back(), index.label), index.last);
  }
}

// How often `text` occurs in `bytes`.
std::size_t count_of(std::string_view bytes, std::string_view text) {
  std::size_t count = 0;
  for (std::size_t at = bytes.find(text); at != std::string_view::npos;
       at = bytes.find(text, at + 1)) {
    ++count;
  }
  return count;
}

tic::Field field_of(const tic::Frame& frame, std::string_view label) {
  const std::optional<tic::Field> field = frame.find(label);
  EXPECT_TRUE(field.has_value()) << label;
  return field.value_or(tic::Field{});
}

tic::Seconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(Captures, EveryCaptureIsCovered) {
  EXPECT_EQ(test::capture_names(), kCaptures);
}

// Historic captures.

TEST(Captures, DestroyedloloHistoric) {
  check_capture("destroyedlolo_TeleInfod_trame_historique.txt",
                {.frames = 6,
                 .mode = Mode::Historic,
                 .address = "",  // ADCO anonymised to 13 digits: its checksum fails
                 .fields = 10,   // the 11 groups of a mono HC frame, less ADCO
                 .indexes = {{"HCHC", 24243439, 24243439}, {"HCHP", 22032205, 22032205}},
                 // 4 groups before the first STX, 6 x 10, and 5 in the last, cut frame.
                 .groups = 69,
                 .bad_checksum = 7,     // the anonymised ADCO of the 7 frames
                 .bad_format = 1,       // the capture ends mid-group: "IIN" (read by finish())
                 .interrupted = 1,      // the last frame, cut after PTEC
                 .skipped_bytes = 3});  // "Y" CR (no LF before them), the ETX before any STX
}

TEST(Captures, GaetronikMessage) {
  // One frame body with no STX/ETX: ADCO opens the frame; finish() delivers it, as it ends with
  // MOTDETAT.
  check_capture("gaetronik_teleinfo-nom_message.txt", {.frames = 1,
                                                       .mode = Mode::Historic,
                                                       .address = "031961098836",
                                                       .fields = 16,
                                                       .indexes = {{"BBRHCJB", 1478389, 1478389},
                                                                   {"BBRHPJB", 1012295, 1012295},
                                                                   {"BBRHCJW", 134553, 134553},
                                                                   {"BBRHPJW", 213701, 213701},
                                                                   {"BBRHCJR", 25098, 25098},
                                                                   {"BBRHPJR", 6010, 6010}},
                                                       .groups = 16});
}

TEST(Captures, GaetronikLegacyComplete) {
  check_capture(
      "gaetronik_teleinfo-nom_stream_legacy_complete.txt",
      {.frames = 1,
       .mode = Mode::Historic,
       .address = "031961098836",
       .fields = 16,
       .indexes = {{"BBRHCJB", 1478389, 1478389},
                   {"BBRHPJB", 1012295, 1012295},
                   {"BBRHCJW", 134553, 134553},
                   {"BBRHPJW", 213701, 213701},
                   {"BBRHCJR", 25098, 25098},
                   {"BBRHPJR", 6010, 6010}},
       .groups = 20,          // HHPHC, MOTDETAT before the first STX; 16; ADCO, OPTARIF at the end
       .interrupted = 1,      // the capture stops after the last frame's OPTARIF
       .skipped_bytes = 1});  // the ETX before any STX
}

TEST(Captures, GaetronikLegacyIncomplete) {
  check_capture("gaetronik_teleinfo-nom_stream_legacy_incomplete.txt",
                {.frames = 0,
                 .groups = 15,          // HHPHC, MOTDETAT before the STX, then 13 in the frame
                 .interrupted = 1,      // the frame has no ETX and stops at IMAX, not MOTDETAT
                 .skipped_bytes = 1});  // the ETX before any STX
}

TEST(Captures, GaetronikLegacyRaw) {
  check_capture(
      "gaetronik_teleinfo-nom_stream_legacy_raw.txt",
      {.frames = 1,
       .mode = Mode::Historic,
       .address = "031961098836",
       .fields = 16,
       .indexes = {{"BBRHCJB", 1478389, 1478389},
                   {"BBRHPJB", 1012295, 1012295},
                   {"BBRHCJW", 134553, 134553},
                   {"BBRHPJW", 213701, 213701},
                   {"BBRHCJR", 25098, 25098},
                   {"BBRHPJR", 6010, 6010}},
       .groups = 38,
       .bad_format = 1,   // the last group, "HHPHC A", lost its " ," (no checksum)
       .interrupted = 1,  // so the last frame ends at PAPP
       // "BBRHCJR 000025098 E" and its CR (the capture starts with no LF), the ETX before any STX.
       .skipped_bytes = 21});
}

TEST(Captures, Gbredz1Dump) {
  check_capture("gbredz1_TeleinfoMQTT_teleinfo-dump.txt",
                {.frames = 82,
                 .mode = Mode::Historic,
                 .address = "000123456789",
                 .fields = 11,
                 // The last whole frame jumps to other values (HCHC +8.8 MWh, PTEC HC..): the
                 // capture ends with a frame from another time, with valid checksums.
                 .indexes = {{"HCHC", 14795091, 23601457}, {"HCHP", 11927521, 17761477}},
                 .groups = 912,
                 .interrupted = 1,  // the last frame stops after ISOUSC
                 // "HCHC 014795091 *" and its CR (no LF before them), the ETX before any STX, and
                 // the CR of each of the 83 "ETX STX CR LF" boundaries (a line tool's framing).
                 .skipped_bytes = 17 + 1 + 83});
}

TEST(Captures, HallardHistoricBase) {
  check_capture("hallard_tinfo_replay_histo_base.txt",
                {.frames = 10,
                 .mode = Mode::Historic,
                 .address = "021528603314",
                 .fields = 11,  // a mono HC frame despite the file name
                 .indexes = {{"HCHC", 836902, 836902}, {"HCHP", 2033643, 2033643}},
                 .groups = 110,
                 .skipped_bytes = 1});  // the second CR of the first "ADCO ... :\r\r"
}

TEST(Captures, HallardHistoricBaseTri) {
  check_capture("hallard_tinfo_replay_histo_base_tri.txt",
                {.frames = 5,
                 .mode = Mode::Historic,
                 .address = "021630015376",
                 .fields = 15,  // three-phase BASE, ending with PPOT, without HHPHC
                 .indexes = {{"BASE", 27986573, 27986573}},
                 .groups = 75});
}

TEST(Captures, HallardHistoricHc) {
  check_capture("hallard_tinfo_replay_histo_hc.txt",
                {.frames = 5,
                 .mode = Mode::Historic,
                 .address = "021528603314",
                 .fields = 11,
                 .indexes = {{"HCHC", 837362, 837362}, {"HCHP", 2035628, 2035628}},
                 .groups = 55});
}

TEST(Captures, LainsThreePhaseHistoric2024) {
  // CR turned into LF and no ETX: every frame is closed by the next STX, and delivered because
  // it ends with PPOT.
  check_capture("lains_ticdecodecpp_continuous_linky_3P_historical_TIC_2024_sample.bin",
                {.frames = 4,
                 .mode = Mode::Historic,
                 .address = "056234673197",
                 .fields = 16,
                 .indexes = {{"BASE", 16871494, 16871495}},
                 .groups = 71,
                 .bad_format = 1,   // the capture ends with "IINST3 000": no separator, checksum
                 .interrupted = 1,  // so the last frame ends at IINST2
                 .skipped_bytes = 0});  // "LF LF" leaves nothing to skip
}

TEST(Captures, LainsThreePhaseHistoric) {
  check_capture("lains_ticdecodecpp_continuous_linky_3P_historical_TIC_sample.bin",
                {.frames = 6,
                 .mode = Mode::Historic,
                 .address = "056234673197",
                 .fields = 16,
                 // "BASE 010151175  ": this checksum is a space too.
                 .indexes = {{"BASE", 10151175, 10151184}},
                 .groups = 102,
                 .interrupted = 1,  // the last frame stops after IINST1
                 // "MOTDE" before the first STX, and the CR of each of the 7 "STX CR LF".
                 .skipped_bytes = 5 + 7});
}

TEST(Captures, NokyyzStream1) {
  check_capture("nokyyz_teleinfo_historic_HC_mono_stream-1.raw.txt",
                {.frames = 13,
                 .mode = Mode::Historic,
                 .address = "031328187235",
                 .fields = 11,
                 .indexes = {{"HCHC", 6906827, 6906827}, {"HCHP", 7617931, 7617934}},
                 .groups = 153,
                 .bad_format = 1,       // the capture ends mid-group: "IMAX 0"
                 .interrupted = 1,      // so the last frame ends at IINST
                 .skipped_bytes = 7});  // 6 NULs, and the ETX before any STX
}

TEST(Captures, NokyyzStream2) {
  // 124 ETX, and 124 frames: the first has no STX ("NUL NUL LF ADCO"), but before any STX an
  // ADCO opens a frame, and this one ends with its ETX.
  check_capture("nokyyz_teleinfo_historic_HC_mono_stream-2.raw.txt",
                {.frames = 124,
                 .mode = Mode::Historic,
                 .address = "031328187235",
                 .fields = 11,
                 .indexes = {{"HCHC", 6906827, 6906827}, {"HCHP", 7617943, 7617982}},
                 .groups = 1372,
                 .bad_format = 1,       // the capture ends mid-group: "PA"
                 .interrupted = 1,      // so the last frame ends at IMAX
                 .skipped_bytes = 2});  // 2 NULs
}

TEST(Captures, NokyyzStream3) {
  check_capture("nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt",
                {.frames = 198,
                 .mode = Mode::Historic,
                 .address = "031328187235",
                 .fields = 11,
                 .indexes = {{"HCHC", 6906827, 6906827}, {"HCHP", 7617990, 7618020}},
                 .groups = 2185,    // the last line, "IINST 001 X" with no CR, is read by finish()
                 .interrupted = 1,  // and the last frame ends there
                 // 7 NULs, " 000000 B" and its CR (the end of a MOTDETAT whose LF was not
                 // captured), the ETX before any STX.
                 .skipped_bytes = 7 + 10 + 1});
}

TEST(Captures, SeedTeleInfoMonitor) {
  // Text lines only, no STX: frames open at ADCO, and every ADCO is anonymised with a wrong
  // checksum, so no frame ever opens.
  check_capture("seed_TeleInfoMonitor_teleinfo_sample.txt",
                {.frames = 0,
                 .groups = 472,
                 .bad_checksum = 57,     // 53 ADCO lines, and the 4 hand-edited "IINST 009 ."
                 .skipped_bytes = 11});  // the first line, "PTEC TH.. $": no LF before it
}

TEST(Captures, SeedTeleInfoMonitorFixed) {
  // Every frame is closed by the next ADCO, and delivered because it ends with MOTDETAT.
  check_capture("seed_TeleInfoMonitor_teleinfo_sample_ADCOfixed_DERIVED.txt",
                {.frames = 52,
                 .mode = Mode::Historic,
                 .address = "123456891236",
                 .fields = 10,  // mono BASE without HHPHC
                 .indexes = {{"BASE", 8735124, 8735175}},
                 .groups = 529,
                 .interrupted = 1,       // the last frame stops at BASE
                 .skipped_bytes = 11});  // the first line, "PTEC TH.. $": no LF before it
}

// Standard captures.

TEST(Captures, DestroyedloloStandard) {
  check_capture(
      "destroyedlolo_TeleInfod_trame_standard.txt",
      {.frames = 7,
       .mode = Mode::Standard,
       .address = "",  // ADSC anonymised: its checksum fails
       .fields = 43,   // producer frame, less ADSC
       .indexes = {{"EAST", 802, 802},
                   {"EASF01", 802, 802},
                   {"EASF02", 0, 0},
                   {"EASD01", 802, 802},
                   {"EASD02", 0, 0},
                   {"EAIT", 7472722, 7472722},
                   {"ERQ1", 0, 0},
                   {"ERQ2", 21342, 21342},
                   {"ERQ3", 1083341, 1083341},
                   {"ERQ4", 3925, 3925}},
       .groups = 341,
       .bad_checksum = 8,     // the anonymised ADSC of the 8 frames
       .bad_format = 1,       // the capture ends with "SMAXIN\tE241011000000\t00000": no checksum
       .interrupted = 1,      // so the last frame ends at SINSTI
       .skipped_bytes = 6});  // "39\t#" and its CR (no LF before them), the ETX before any STX
}

TEST(Captures, GaetronikMessageStandard) {
  // A frame body with no STX/ETX: ADSC opens it, finish() delivers it (it ends with PJOURF+1).
  check_capture("gaetronik_teleinfo-nom_message_standard.txt",
                {.frames = 1,
                 .mode = Mode::Standard,
                 .address = "041776199277",
                 .fields = 55,
                 .indexes = {{"EAST", 21849106, 21849106},
                             {"EASF01", 4855593, 4855593},
                             {"EASF02", 14090959, 14090959},
                             {"EASF03", 487131, 487131},
                             {"EASF06", 706363, 706363},
                             {"EASF10", 0, 0},
                             {"EASD01", 21849106, 21849106}},
                 .groups = 55});
}

TEST(Captures, GaetronikStandardComplete) {
  check_capture("gaetronik_teleinfo-nom_stream_standard_complete.txt",
                {.frames = 1,
                 .mode = Mode::Standard,
                 .address = "041776199277",
                 .fields = 55,
                 .indexes = {{"EAST", 21849106, 21849106},
                             {"EASF01", 4855593, 4855593},
                             {"EASF02", 14090959, 14090959},
                             {"EASF03", 487131, 487131},
                             {"EASD01", 21849106, 21849106}},
                 .groups = 76,
                 // "EAST\t 21849107\t/" in the last frame: a '0' received as a space (0x30 ->
                 // 0x20); '/' is the checksum of "021849107".
                 .bad_checksum = 1,
                 .interrupted = 1,  // the capture stops after the last frame's EASD02
                 // "RELAIS\t001\tC" and its CR (no LF before them), the ETX before any STX, and a
                 // 0x0C received instead of EASD01's CR in the last frame (EASD01 itself is read).
                 .skipped_bytes = 13 + 1 + 1});
}

TEST(Captures, HallardStandardBase) {
  // Hand-edited: each of the 2 frames has 3 groups with a wrong checksum (ADSC "J21976885617",
  // DATE without its empty data field, EASD01 "40") and 3 misshapen ones (UMOY1 and STGE "00"
  // without a checksum, and "1JOURF+1..." where NJOURF+1 and PJOURF+1 run together).
  check_capture("hallard_tinfo_replay_stand_base.txt",
                {.frames = 2,
                 .mode = Mode::Standard,
                 .address = "",
                 .fields = 38,
                 .indexes = {{"EAST", 2493204, 2493204},
                             {"EASF01", 2493204, 2493204},
                             {"EASF02", 0, 0},
                             {"EASF10", 0, 0}},
                 .groups = 76,
                 .bad_checksum = 6,
                 .bad_format = 6,
                 .skipped_bytes = 1});  // the second CR of "ADSC ...\tI\r\r"
}

TEST(Captures, HallardStandardLong) {
  check_capture("hallard_tinfo_replay_stand_base_long.txt",
                {.frames = 100,
                 .mode = Mode::Standard,
                 .address = "061961361253",
                 .fields = 38,
                 .indexes = {{"EAST", 2188830, 2188838},
                             {"EASF01", 1076095, 1076103},
                             {"EASF02", 1112735, 1112735},
                             {"EASF03", 0, 0},
                             {"EASD01", 1076095, 1076103},
                             {"EASD02", 1112735, 1112735},
                             {"EASD04", 0, 0}},
                 .groups = 3800});
}

TEST(Captures, HallardStandardTri) {
  check_capture("hallard_tinfo_replay_stand_base_tri.txt",
                {.frames = 5,
                 .mode = Mode::Standard,
                 .address = "031776013513",
                 .fields = 53,
                 .indexes = {{"EAST", 27553175, 27553175},
                             {"EASF01", 15643112, 15643112},
                             {"EASF02", 9861893, 9861893},
                             {"EASF06", 265022, 265022},
                             {"EASD01", 10028696, 10028696},
                             {"EASD04", 6253358, 6253358}},
                 .groups = 265});
}

TEST(Captures, HallardStandardTriShort) {
  // One frame ("short" in the file name means the capture, not a short frame).
  check_capture("hallard_tinfo_replay_stand_base_tri_short.txt",
                {.frames = 1,
                 .mode = Mode::Standard,
                 .address = "031776013513",
                 .fields = 53,
                 .indexes = {{"EAST", 27553175, 27553175},
                             {"EASF01", 15643112, 15643112},
                             {"EASD03", 2960408, 2960408}},
                 .groups = 53});
}

TEST(Captures, LainsSinglePhaseStandard) {
  check_capture("lains_ticdecodecpp_continuous_linky_1P_standard_TIC_sample.bin",
                {.frames = 12,
                 .mode = Mode::Standard,
                 .address = "064468368739",
                 .fields = 38,
                 .indexes = {{"EAST", 11887649, 11887650},
                             {"EASF01", 11887649, 11887650},
                             {"EASF02", 0, 0},
                             {"EASD01", 11887649, 11887650}},
                 .groups = 467,
                 .bad_format = 1,  // the capture ends right after the last STX: "ADSC\t"
                 // "0795\t!" and its CR (no LF before them), the ETX before any STX.
                 .skipped_bytes = 7 + 1});
}

TEST(Captures, LainsSinglePhaseMidnight) {
  check_capture("lains_ticdecodecpp_linky_1P_midnight.bin",
                {.frames = 12,
                 .mode = Mode::Standard,
                 .address = "064468368739",
                 .fields = 38,
                 .indexes = {{"EAST", 11887649, 11887650}, {"EASD01", 11887649, 11887650}},
                 .groups = 464,
                 // CCASN, CCASN-1 and UMOY1 of the partial frame before the first STX: their
                 // horodates were edited but not their checksums (those in the frames were).
                 .bad_checksum = 3,
                 .bad_format = 1,  // the capture ends right after the last STX: "ADSC\t"
                 .skipped_bytes = 7 + 1});
}

TEST(Captures, OpenhabProducer) {
  check_capture(
      "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw",
      {.frames = 1,
       .mode = Mode::Standard,
       .address = "123456789012",
       .fields = 46,
       .indexes = {{"EAST", 0, 0},
                   {"EASF01", 0, 0},
                   {"EASD01", 0, 0},
                   {"EAIT", 32781, 32781},
                   {"ERQ1", 0, 0},
                   {"ERQ2", 890, 890},
                   {"ERQ3", 2546, 2546},
                   {"ERQ4", 0, 0}},
       .groups = 67,
       .interrupted = 1,  // the capture stops after the last frame's DATE
       // "EP*PREF\t03\tB" and its CR (no LF before them), the ETX before any STX.
       .skipped_bytes = 13 + 1});
}

// Chunking.

TEST(Captures, SameFramesWholeByteByByteAndInRandomChunks) {
  for (const std::string& name : test::capture_names()) {
    SCOPED_TRACE(name);
    const std::string bytes = test::read_capture(name);
    const test::Decoded whole = test::decode(bytes);
    const std::string whole_stats = test::describe(whole.stats);

    const test::Decoded one_by_one = test::decode(bytes, 1);
    EXPECT_TRUE(one_by_one.frames == whole.frames);
    EXPECT_EQ(test::describe(one_by_one.stats), whole_stats);

    struct Chunking {
      unsigned seed;
      std::size_t max_chunk;
    };
    for (const Chunking chunking :
         {Chunking{1, 2}, Chunking{2, 9}, Chunking{3, 64}, Chunking{4, 300}, Chunking{5, 2000}}) {
      SCOPED_TRACE(chunking.seed);
      const test::Decoded chunked =
          test::decode_in_random_chunks(bytes, chunking.seed, chunking.max_chunk);
      EXPECT_TRUE(chunked.frames == whole.frames);
      EXPECT_EQ(test::describe(chunked.stats), whole_stats);
    }
  }
}

// Decoded details.

TEST(Captures, HistoricChecksumThatIsASpace) {
  // "PTEC HP..": the sum of the zone is 576 = 9 x 64, so the checksum is 0x20, after the SP.
  struct Case {
    std::string_view name;
    std::size_t frames;
  };
  for (const Case c : {Case{"nokyyz_teleinfo_historic_HC_mono_stream-1.raw.txt", 13},
                       Case{"hallard_tinfo_replay_histo_base.txt", 10},
                       Case{"hallard_tinfo_replay_histo_hc.txt", 5}}) {
    SCOPED_TRACE(c.name);
    const std::string bytes = test::read_capture(c.name);
    // One in each frame, and one in nokyyz's last, cut frame.
    EXPECT_EQ(count_of(bytes, "\nPTEC HP..  \r"), c.name.starts_with("nokyyz") ? 14u : c.frames);
    const test::Decoded decoded = test::decode(bytes);
    ASSERT_EQ(decoded.frames.size(), c.frames);
    for (const tic::Frame& frame : decoded.frames) {
      const tic::Field ptec = field_of(frame, "PTEC");
      EXPECT_EQ(ptec.raw, "HP..");
      EXPECT_EQ(ptec.text, "HP");
    }
  }
}

TEST(Captures, StandardChecksumThatIsASpace) {
  const std::string openhab = test::read_capture(
      "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw");
  EXPECT_EQ(count_of(openhab, "\nEASD01\t000000000\t \r"), 1u);
  const test::Decoded producer = test::decode(openhab);
  ASSERT_EQ(producer.frames.size(), 1u);
  EXPECT_EQ(field_of(producer.frames[0], "EASD01").raw, "000000000");
  EXPECT_EQ(test::number_of(producer.frames[0], "EASD01"), 0u);

  const std::string long_stream = test::read_capture("hallard_tinfo_replay_stand_base_long.txt");
  EXPECT_EQ(count_of(long_stream, "\nSMAXSN-1\tE210422183457\t01952\t \r"), 100u);
  const test::Decoded decoded = test::decode(long_stream);
  ASSERT_EQ(decoded.frames.size(), 100u);
  for (const tic::Frame& frame : decoded.frames) {
    const tic::Field smaxsn = field_of(frame, "SMAXSN-1");
    EXPECT_EQ(smaxsn.horodate_raw, "E210422183457");
    EXPECT_EQ(smaxsn.number, 1952u);
  }

  const test::Decoded tempo = decode_capture("gaetronik_teleinfo-nom_message_standard.txt");
  ASSERT_EQ(tempo.frames.size(), 1u);
  const tic::Field smaxsn = field_of(tempo.frames[0], "SMAXSN-1");  // "...\t09562\t "
  EXPECT_EQ(smaxsn.horodate_raw, "H200213085118");
  EXPECT_EQ(smaxsn.number, 9562u);
  const tic::Field ccasn = field_of(tempo.frames[0], "CCASN-1");  // "...\t00786\t "
  EXPECT_EQ(ccasn.horodate_raw, "H200214225000");
  EXPECT_EQ(ccasn.number, 786u);
}

TEST(Captures, DateHasEmptyDataAndAHorodate) {
  const test::Decoded tempo = decode_capture("gaetronik_teleinfo-nom_message_standard.txt");
  ASSERT_EQ(tempo.frames.size(), 1u);
  const tic::Field date = field_of(tempo.frames[0], "DATE");  // "DATE\tH200214230804\t\t;"
  EXPECT_EQ(date.raw, "");
  EXPECT_EQ(date.text, "");
  EXPECT_FALSE(date.number.has_value());
  EXPECT_EQ(date.horodate_raw, "H200214230804");
  ASSERT_TRUE(date.horodate.has_value());
  EXPECT_EQ(date.horodate->season, 'H');
  EXPECT_EQ(date.horodate->date, year{2020} / 2 / 14);
  EXPECT_EQ(date.horodate->time_of_day, hours{23} + minutes{8} + seconds{4});
  EXPECT_EQ(date.horodate->utc(), utc(2020, 2, 14, 22, 8, 4));  // winter: UTC+1

  const test::Decoded producer = decode_capture(
      "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw");
  ASSERT_EQ(producer.frames.size(), 1u);
  const tic::Field summer = field_of(producer.frames[0], "DATE");
  EXPECT_EQ(summer.raw, "");
  EXPECT_EQ(summer.horodate_raw, "E180716103423");
  ASSERT_TRUE(summer.horodate.has_value());
  EXPECT_EQ(summer.horodate->utc(), utc(2018, 7, 16, 8, 34, 23));  // summer: UTC+2
}

TEST(Captures, MobilePeakHorodatesHaveASpaceSeason) {
  for (const std::string_view name : {"gaetronik_teleinfo-nom_message_standard.txt",
                                      "gaetronik_teleinfo-nom_stream_standard_complete.txt"}) {
    SCOPED_TRACE(name);
    const test::Decoded decoded = decode_capture(name);
    ASSERT_EQ(decoded.frames.size(), 1u);
    const tic::Field start = field_of(decoded.frames[0], "DPM1");  // "DPM1\t 200214060000\t00\t\\"
    EXPECT_EQ(start.horodate_raw, " 200214060000");
    EXPECT_EQ(start.raw, "00");
    EXPECT_EQ(start.number, 0u);
    ASSERT_TRUE(start.horodate.has_value());
    EXPECT_EQ(start.horodate->season, ' ');
    EXPECT_FALSE(start.horodate->has_season());
    // No season letter: February is winter time, UTC+1.
    EXPECT_EQ(start.horodate->utc(), utc(2020, 2, 14, 5, 0, 0));

    const tic::Field end = field_of(decoded.frames[0], "FPM1");
    EXPECT_EQ(end.horodate_raw, " 200215060000");
    EXPECT_EQ(end.number, 0u);
    ASSERT_TRUE(end.horodate.has_value());
    EXPECT_EQ(end.horodate->utc(), utc(2020, 2, 15, 5, 0, 0));
  }
}

TEST(Captures, StatusRegisterIsKeptAsSent) {
  struct Case {
    std::string_view name;
    std::string_view stge;
  };
  for (const Case c :
       {Case{"gaetronik_teleinfo-nom_message_standard.txt", "463A0800"},
        Case{"gaetronik_teleinfo-nom_stream_standard_complete.txt", "463A0800"},
        Case{"lains_ticdecodecpp_continuous_linky_1P_standard_TIC_sample.bin", "003A0001"},
        Case{"destroyedlolo_TeleInfod_trame_standard.txt", "003A0101"},
        Case{"openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod."
             "RECONSTRUCTED.raw",
             "002A0301"}}) {
    SCOPED_TRACE(c.name);
    const test::Decoded decoded = decode_capture(c.name);
    ASSERT_FALSE(decoded.frames.empty());
    for (const tic::Frame& frame : decoded.frames) {
      const tic::Field stge = field_of(frame, "STGE");
      EXPECT_EQ(stge.raw, c.stge);
      EXPECT_EQ(stge.text, c.stge);
      EXPECT_FALSE(stge.number.has_value());
    }
  }
}

TEST(Captures, MidnightRollover) {
  const test::Decoded decoded = decode_capture("lains_ticdecodecpp_linky_1P_midnight.bin");
  ASSERT_EQ(decoded.frames.size(), 12u);
  std::vector<std::string_view> dates;
  for (const tic::Frame& frame : decoded.frames)
    dates.push_back(field_of(frame, "DATE").horodate_raw);
  const std::vector<std::string_view> expected = {
      "H240513235954", "H240513235955", "H240513235955", "H240513235956",
      "H240513235957", "H240513235958", "H240513235959", "H240514000000",
      "H240514000001", "H240514000002", "H240514000003", "H240514000004"};
  EXPECT_EQ(dates, expected);

  const std::optional<tic::Horodate> before = field_of(decoded.frames[6], "DATE").horodate;
  const std::optional<tic::Horodate> after = field_of(decoded.frames[7], "DATE").horodate;
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(after.has_value());
  // The meter's (local) date rolls over...
  EXPECT_EQ(before->date, year{2024} / 5 / 13);
  EXPECT_EQ(after->date, year{2024} / 5 / 14);
  EXPECT_EQ(after->time_of_day, seconds{0});
  // ... one second later. Season 'H' is UTC+1, so the UTC date only changes at 01:00 local time:
  // both instants are on 2024-05-13 in UTC.
  EXPECT_EQ(before->utc(), utc(2024, 5, 13, 22, 59, 59));
  EXPECT_EQ(after->utc(), utc(2024, 5, 13, 23, 0, 0));
  EXPECT_EQ(after->utc() - before->utc(), seconds{1});
  const tic::Horodate last = field_of(decoded.frames[11], "DATE").horodate.value();
  EXPECT_EQ(last.utc(), utc(2024, 5, 13, 23, 0, 4));
}

TEST(Captures, TextIsTrimmedAndRawKeepsThePadding) {
  const test::Decoded tempo = decode_capture("gaetronik_teleinfo-nom_message_standard.txt");
  ASSERT_EQ(tempo.frames.size(), 1u);
  const tic::Frame& frame = tempo.frames[0];
  EXPECT_EQ(field_of(frame, "NGTF").raw, "     TEMPO      ");
  EXPECT_EQ(field_of(frame, "NGTF").text, "TEMPO");
  EXPECT_EQ(field_of(frame, "LTARF").raw, "   HC  BLANC    ");
  EXPECT_EQ(field_of(frame, "LTARF").text, "HC  BLANC");  // inner spaces stay
  EXPECT_EQ(field_of(frame, "MSG1").raw, "PAS DE          MESSAGE         ");
  EXPECT_EQ(field_of(frame, "MSG1").text, "PAS DE          MESSAGE");
  EXPECT_EQ(field_of(frame, "PRM").text, "07361794479930");  // an identifier: kept as sent
  EXPECT_EQ(field_of(frame, "VTIC").text, "02");

  const test::Decoded base = decode_capture("hallard_tinfo_replay_stand_base_long.txt");
  ASSERT_FALSE(base.frames.empty());
  EXPECT_EQ(field_of(base.frames[0], "NGTF").raw, "      BASE      ");
  EXPECT_EQ(field_of(base.frames[0], "NGTF").text, "BASE");
  EXPECT_EQ(field_of(base.frames[0], "LTARF").raw, "      BASE      ");
  EXPECT_EQ(field_of(base.frames[0], "LTARF").text, "BASE");

  const test::Decoded producer = decode_capture(
      "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw");
  ASSERT_EQ(producer.frames.size(), 1u);
  EXPECT_EQ(field_of(producer.frames[0], "NGTF").raw, "PRODUCTEUR");  // not padded to 16
  EXPECT_EQ(field_of(producer.frames[0], "NGTF").text, "PRODUCTEUR");
  EXPECT_EQ(field_of(producer.frames[0], "LTARF").raw, "INDEX NON CONSO ");
  EXPECT_EQ(field_of(producer.frames[0], "LTARF").text, "INDEX NON CONSO");

  // Historic tariff codes are padded with dots.
  const test::Decoded hc = decode_capture("hallard_tinfo_replay_histo_hc.txt");
  ASSERT_FALSE(hc.frames.empty());
  EXPECT_EQ(field_of(hc.frames[0], "OPTARIF").raw, "HC..");
  EXPECT_EQ(field_of(hc.frames[0], "OPTARIF").text, "HC");
  const test::Decoded tri = decode_capture("hallard_tinfo_replay_histo_base_tri.txt");
  ASSERT_FALSE(tri.frames.empty());
  EXPECT_EQ(field_of(tri.frames[0], "PTEC").raw, "TH..");
  EXPECT_EQ(field_of(tri.frames[0], "PTEC").text, "TH");
  EXPECT_EQ(field_of(tri.frames[0], "PPOT").text, "00");
  const test::Decoded tempo_historic = decode_capture("gaetronik_teleinfo-nom_message.txt");
  ASSERT_EQ(tempo_historic.frames.size(), 1u);
  EXPECT_EQ(field_of(tempo_historic.frames[0], "OPTARIF").text, "BBR(");
  EXPECT_EQ(field_of(tempo_historic.frames[0], "PTEC").text, "HPJB");
  EXPECT_EQ(field_of(tempo_historic.frames[0], "DEMAIN").text, "BLEU");
}

}  // namespace
