// The web page's state: the energy of French days from the consumption indexes, and the points
// kept per label.
#include "web/live_state.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tic/field.h"

namespace {

using namespace std::chrono;

tic::Time utc(sys_days day, hours hour, minutes minute = minutes{0}) {
  return tic::Time{day} + hour + minute;
}

// A historic HC frame of meter 031328187235 at `time`.
tic::Frame frame(tic::Time time, std::uint64_t hchc, std::uint64_t hchp, std::uint64_t papp = 400) {
  tic::Frame frame;
  frame.set_mode(tic::Mode::Historic);
  frame.set_time(time);
  const auto add = [&](std::string_view label, std::string raw) {
    tic::Field field;
    ASSERT_EQ(tic::decode_field(label, std::nullopt, raw, field), tic::FieldError::None) << label;
    ASSERT_TRUE(frame.append(field));
  };
  const auto digits = [](std::uint64_t value, int width) {
    std::string text = std::to_string(value);
    return std::string(static_cast<std::size_t>(width) - text.size(), '0') + text;
  };
  add("ADCO", "031328187235");
  add("HCHC", digits(hchc, 9));
  add("HCHP", digits(hchp, 9));
  add("PAPP", digits(papp, 5));
  return frame;
}

web::DailyEnergy energy(const web::LiveState& live) {
  return live.read([](const std::deque<web::MeterState>& meters) { return meters[0].energy; });
}

constexpr sys_days kDay = sys_days{2025y / January / 15};  // winter: French time is UTC+1

TEST(FrenchDays, MidnightFollowsSummerTime) {
  EXPECT_EQ(web::french_midnight(kDay), utc(kDay - days{1}, hours{23}));
  EXPECT_EQ(web::french_midnight(sys_days{2025y / March / 30}),  // summer time starts at 01:00 UTC
            utc(sys_days{2025y / March / 29}, hours{23}));
  EXPECT_EQ(web::french_midnight(sys_days{2025y / March / 31}),
            utc(sys_days{2025y / March / 30}, hours{22}));
  EXPECT_EQ(web::french_midnight(sys_days{2025y / October / 26}),
            utc(sys_days{2025y / October / 25}, hours{22}));
  EXPECT_EQ(web::french_midnight(sys_days{2025y / October / 27}),
            utc(sys_days{2025y / October / 26}, hours{23}));
  EXPECT_EQ(web::french_day(utc(kDay - days{1}, hours{22}, minutes{59})), kDay - days{1});
  EXPECT_EQ(web::french_day(utc(kDay - days{1}, hours{23})), kDay);
  EXPECT_EQ(web::french_day(utc(sys_days{2025y / June / 1}, hours{22}, minutes{30})),
            sys_days{2025y / June / 2});
}

TEST(LiveState, TodayAndYesterdayFromTheIndexes) {
  web::LiveState live{500};
  live.add_meter("/dev/ttyAMA0");
  // Started at noon: today counts from the first frame, and is not a whole day.
  live.on_frame(0, frame(utc(kDay, hours{11}), 1000, 5000), {});
  web::DailyEnergy today = energy(live);
  EXPECT_EQ(today.index_wh, 6000u);
  EXPECT_EQ(today.today_wh, 0u);
  EXPECT_EQ(today.today_since, utc(kDay, hours{11}));
  EXPECT_FALSE(today.today_complete);
  EXPECT_EQ(today.yesterday_wh, std::nullopt);

  live.on_frame(0, frame(utc(kDay, hours{22}, minutes{59}), 1200, 5300), {});
  EXPECT_EQ(energy(live).today_wh, 500u);

  // French midnight: a whole day begins; the one that ended was not seen whole.
  live.on_frame(0, frame(utc(kDay, hours{23}, minutes{1}), 1210, 5300), {});
  today = energy(live);
  EXPECT_EQ(today.today_wh, 0u);
  EXPECT_TRUE(today.today_complete);
  EXPECT_EQ(today.today_since, utc(kDay, hours{23}));
  EXPECT_EQ(today.yesterday_wh, std::nullopt);

  live.on_frame(0, frame(utc(kDay + days{1}, hours{22}, minutes{59}), 2000, 6000), {});
  EXPECT_EQ(energy(live).today_wh, 1490u);
  // The next midnight: yesterday was seen whole.
  live.on_frame(0, frame(utc(kDay + days{1}, hours{23}, minutes{2}), 2000, 6010), {});
  today = energy(live);
  EXPECT_EQ(today.yesterday_wh, 1500u);
  EXPECT_EQ(today.today_wh, 0u);
  EXPECT_EQ(today.index_wh, 8010u);

  // Two days without frames (the meter unplugged): neither day is known.
  live.on_frame(0, frame(utc(kDay + days{4}, hours{8}), 2500, 6500), {});
  today = energy(live);
  EXPECT_EQ(today.yesterday_wh, std::nullopt);
  EXPECT_FALSE(today.today_complete);
  EXPECT_EQ(today.today_wh, 0u);
}

TEST(LiveState, HeldBackIndexesAreNeitherShownNorCounted) {
  web::LiveState live{500};
  live.add_meter("/dev/ttyAMA0");
  live.on_frame(0, frame(utc(kDay, hours{8}), 1000, 5000), {});
  // A jump the guard held back: HCHP is left out of the frame and of the energy.
  const std::vector<std::string_view> held = {"HCHP"};
  live.on_frame(0, frame(utc(kDay, hours{9}), 1100, 995000), held);
  const auto [shown, today] = live.read([](const std::deque<web::MeterState>& meters) {
    return std::pair{meters[0].frame->contains("HCHP"), meters[0].energy};
  });
  EXPECT_FALSE(shown);
  EXPECT_EQ(today.index_wh, 6100u);
  EXPECT_EQ(today.today_wh, 100u);
}

TEST(LiveState, AnIndexFirstSeenLaterCountsFromThen) {
  web::LiveState live{500};
  live.add_meter("/dev/ttyAMA0");
  // The first frame's HCHP failed its checksum: the frame holds HCHC only.
  tic::Frame first = frame(utc(kDay, hours{8}), 1000, 5000);
  tic::Frame without_hchp;
  without_hchp.set_mode(first.mode());
  without_hchp.set_time(first.time());
  for (const tic::Field field : first) {
    if (field.label != "HCHP") without_hchp.append(field);
  }
  live.on_frame(0, without_hchp, {});
  EXPECT_EQ(energy(live).today_wh, 0u);
  live.on_frame(0, frame(utc(kDay, hours{9}), 1040, 5000), {});
  EXPECT_EQ(energy(live).today_wh, 40u);  // not 5040
  EXPECT_EQ(energy(live).index_wh, 6040u);
}

TEST(LiveState, KeepsTheNewestPointsOfEachNumber) {
  web::LiveState live{3};
  live.add_meter("/dev/ttyAMA0");
  for (int i = 0; i < 5; ++i) {
    live.on_frame(
        0, frame(utc(kDay, hours{8}, minutes{i}), 1000, 5000, 100 + static_cast<std::uint64_t>(i)),
        {});
  }
  const auto points = live.read([](const std::deque<web::MeterState>& meters) {
    const auto& kept = meters[0].history.find("PAPP")->second.points();
    return std::vector<web::Point>(kept.begin(), kept.end());
  });
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].value, 102u);
  EXPECT_EQ(points[2].value, 104u);
  EXPECT_EQ(
      points[2].time_ms,
      duration_cast<milliseconds>(utc(kDay, hours{8}, minutes{4}).time_since_epoch()).count());
  const std::size_t labels =
      live.read([](const std::deque<web::MeterState>& meters) { return meters[0].history.size(); });
  EXPECT_EQ(labels, 3u);  // HCHC, HCHP, PAPP: the address is no number
}

}  // namespace
