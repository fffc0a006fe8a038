// --archive-interval (sink/archive_filter.h) on frames of real captures, their times set by the
// test and their tariff period or status register changed with replace_group: one frame per
// interval and meter, plus each change of PTEC, NTARF, LTARF or STGE.
#include "sink/archive_filter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/captures.h"
#include "tic/decoder.h"
#include "tic/frame.h"
#include "tic/group.h"

namespace {

using namespace std::chrono_literals;
using tic::Mode;

constexpr std::string_view kHistoric = "hallard_tinfo_replay_histo_hc.txt";  // PTEC HP..
// Its first frame: LTARF BASE, NTARF 01, STGE 003A4001.
constexpr std::string_view kStandard = "hallard_tinfo_replay_stand_base_tri.txt";

// The first frame of a capture, with one group's data replaced (or none), received `at` after
// test_time().
tic::Frame frame_of(std::string_view capture, std::chrono::milliseconds at, Mode mode,
                    std::string_view label = {}, std::string_view data = {}) {
  std::string bytes = test::read_capture(capture);
  if (!label.empty()) bytes = test::replace_group(bytes, 0, label, data, mode);
  tic::Frame frame = test::decode(bytes).frames.at(0);
  if (!label.empty()) {
    EXPECT_EQ(frame.find(label)->raw, data) << label;
  }
  frame.set_time(test::test_time() + at);
  return frame;
}

tic::Frame historic(std::chrono::milliseconds at, std::string_view ptec = "HP..") {
  return frame_of(kHistoric, at, Mode::Historic, "PTEC", ptec);
}

tic::Frame standard(std::chrono::milliseconds at, std::string_view label = {},
                    std::string_view data = {}) {
  return frame_of(kStandard, at, Mode::Standard, label, data);
}

// Which of the frames the filter keeps, by index.
std::vector<std::size_t> kept(sink::ArchiveFilter& filter, const std::vector<tic::Frame>& frames) {
  std::vector<std::size_t> indexes;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (filter.keep(frames[i])) indexes.push_back(i);
  }
  return indexes;
}

TEST(ArchiveFilter, ZeroKeepsEveryFrame) {
  sink::ArchiveFilter filter{0ms};
  const std::vector<tic::Frame> frames = {historic(0ms), historic(0ms), historic(1ms),
                                          standard(1ms), standard(1ms)};
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

TEST(ArchiveFilter, OneFramePerIntervalFromTheLastKept) {
  sink::ArchiveFilter filter{10s};
  EXPECT_EQ(filter.interval(), 10s);
  const std::vector<tic::Frame> frames = {historic(0ms),     historic(5000ms),  historic(9999ms),
                                          historic(10000ms), historic(15000ms), historic(19999ms),
                                          historic(20000ms), historic(31000ms), historic(40999ms),
                                          historic(41000ms)};
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 3, 6, 7, 9}));
}

TEST(ArchiveFilter, HistoricTariffPeriodChange) {
  sink::ArchiveFilter filter{60s};
  const std::vector<tic::Frame> frames = {historic(0s, "HP.."), historic(1s, "HP.."),
                                          historic(2s, "HC.."), historic(3s, "HC.."),
                                          historic(4s, "HP..")};
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 2, 4}));
}

TEST(ArchiveFilter, StandardTariffIndexChange) {
  sink::ArchiveFilter filter{60s};
  const std::vector<tic::Frame> frames = {standard(0s), standard(1s), standard(2s, "NTARF", "02"),
                                          standard(3s, "NTARF", "02"), standard(4s)};
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 2, 4}));
}

TEST(ArchiveFilter, StandardTariffPeriodNameChange) {
  sink::ArchiveFilter filter{60s};
  const std::vector<tic::Frame> frames = {standard(0s), standard(1s, "LTARF", " HEURES  CREUSES"),
                                          standard(2s, "LTARF", " HEURES  CREUSES"), standard(3s)};
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 1, 3}));
}

TEST(ArchiveFilter, StatusRegisterChange) {
  sink::ArchiveFilter filter{60s};
  const std::vector<tic::Frame> frames = {standard(0s), standard(1s, "STGE", "003A4001"),
                                          standard(2s, "STGE", "013A4001"),
                                          standard(3s, "STGE", "013A4001")};
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 2}));
}

TEST(ArchiveFilter, AMissingLabelIsNoChange) {
  sink::ArchiveFilter filter{60s};
  // PTEC's data changed without its checksum: the decoder drops the group.
  std::string bytes = test::read_capture(kHistoric);
  const std::size_t at = bytes.find("PTEC HP..");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 6] = 'C';
  tic::Frame without = test::decode(bytes).frames.at(0);
  ASSERT_FALSE(without.contains("PTEC"));
  without.set_time(test::test_time() + 1s);
  EXPECT_TRUE(filter.keep(historic(0s, "HP..")));
  EXPECT_FALSE(filter.keep(without));
  EXPECT_FALSE(filter.keep(historic(2s, "HP..")));
  EXPECT_TRUE(filter.keep(historic(3s, "HC..")));
}

TEST(ArchiveFilter, MetersAreJudgedApart) {
  sink::ArchiveFilter filter{10s};
  auto meter_b = [](std::chrono::milliseconds at, std::string_view ptec = "HP..") {
    std::string bytes = test::read_capture(kHistoric);
    bytes = test::replace_group(bytes, 0, "ADCO", "021528603399", Mode::Historic);
    bytes = test::replace_group(bytes, 0, "PTEC", ptec, Mode::Historic);
    tic::Frame frame = test::decode(bytes).frames.at(0);
    frame.set_time(test::test_time() + at);
    return frame;
  };
  ASSERT_EQ(meter_b(0s).address(), "021528603399");
  const std::vector<tic::Frame> frames = {historic(0s),           // A: first
                                          meter_b(1s),            // B: first
                                          historic(5s),           // A: too soon
                                          meter_b(6s, "HC.."),    // B: its tariff changed
                                          historic(7s),           // A: B's change is not A's
                                          historic(10s),          // A: interval
                                          meter_b(11s, "HC..")};  // B: 5 s after its last
  EXPECT_EQ(kept(filter, frames), (std::vector<std::size_t>{0, 1, 3, 5}));
}

TEST(ArchiveFilter, AClockSetBackKeepsTheFrame) {
  sink::ArchiveFilter filter{10s};
  EXPECT_TRUE(filter.keep(historic(100s)));
  EXPECT_TRUE(filter.keep(historic(50s)));
  EXPECT_FALSE(filter.keep(historic(55s)));
  EXPECT_TRUE(filter.keep(historic(60s)));
}

TEST(ArchiveFilter, ShortFramesAreKeptOnlyWithoutAnInterval) {
  std::string bytes = "\x02";
  for (auto [label, data] :
       std::vector<std::pair<std::string_view, std::string_view>>{{"ADIR1", "045"},
                                                                  {"ADCO", "056234673197"},
                                                                  {"IINST1", "045"},
                                                                  {"IINST2", "002"},
                                                                  {"IINST3", "031"}}) {
    bytes += "\n" + tic::encode_group(Mode::Historic, label, data) + "\r";
  }
  bytes += "\x03";
  const std::vector<tic::Frame> frames = test::decode(bytes).frames;
  ASSERT_EQ(frames.size(), 1u);
  ASSERT_EQ(frames[0].kind(), tic::FrameKind::Short);
  sink::ArchiveFilter every{0ms};
  EXPECT_TRUE(every.keep(frames[0]));
  sink::ArchiveFilter interval{10s};
  EXPECT_FALSE(interval.keep(frames[0]));
}

}  // namespace
