// The Energy dashboard's guard: plausible index values pass, drops and spikes are held back and
// counted, a new level that holds is taken.
#include "bridge/energy_guard.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tic/field.h"

namespace {

using namespace std::chrono_literals;

const tic::Time kStart = tic::Time{std::chrono::sys_days{std::chrono::year{2025} / 6 / 3}};

// A standard-mode frame of a 6 kVA Linky (PREF 06) with the given EAST, at kStart + `at`.
tic::Frame standard_frame(std::chrono::milliseconds at, std::uint64_t east,
                          std::string_view pref = "06") {
  tic::Frame frame;
  frame.set_mode(tic::Mode::Standard);
  frame.set_time(kStart + at);
  std::string east_text = std::to_string(east);
  east_text.insert(0, 9 - east_text.size(), '0');
  const std::vector<std::pair<std::string, std::string>> groups = {
      {"ADSC", "061961361253"}, {"EAST", east_text}, {"PREF", std::string{pref}}};
  for (const auto& [label, data] : groups) {
    tic::Field field;
    EXPECT_EQ(tic::decode_field(label, std::nullopt, data, field), tic::FieldError::None);
    frame.append(field);
  }
  return frame;
}

std::vector<std::string_view> check(bridge::EnergyGuard& guard, const tic::Frame& frame) {
  std::vector<std::string_view> held_back;
  guard.check(frame, held_back);
  return held_back;
}

using Held = std::vector<std::string_view>;

TEST(EnergyGuard, GrowthWithinTheSubscribedPowerPasses) {
  bridge::EnergyGuard guard;
  // 6 kVA drawn in full for an hour, a frame every 2 s: 3.33 Wh a frame, 6000 Wh in all.
  std::uint64_t east = 2'188'830;
  double exact = static_cast<double>(east);
  for (int second = 0; second <= 3600; second += 2) {
    exact += 6000.0 * 2 / 3600;
    EXPECT_EQ(check(guard, standard_frame(second * 1000ms, static_cast<std::uint64_t>(exact))),
              Held{})
        << second;
  }
  EXPECT_EQ(guard.held_back(), 0u);
}

TEST(EnergyGuard, ADropIsHeldBack) {
  bridge::EnergyGuard guard;
  EXPECT_EQ(check(guard, standard_frame(0ms, 1000)), Held{});
  EXPECT_EQ(check(guard, standard_frame(2000ms, 999)), Held{"EAST"});
  EXPECT_EQ(check(guard, standard_frame(4000ms, 1001)), Held{});
  EXPECT_EQ(guard.held_back(), 1u);
  EXPECT_EQ(guard.jumps_accepted(), 0u);
}

// Two swapped digits keep the checksum: 002188830 read as 020188830 is 18 MWh more.
TEST(EnergyGuard, ASpikeIsHeldBack) {
  bridge::EnergyGuard guard;
  EXPECT_EQ(check(guard, standard_frame(0ms, 2'188'830)), Held{});
  EXPECT_EQ(check(guard, standard_frame(2000ms, 20'188'830)), Held{"EAST"});
  EXPECT_EQ(check(guard, standard_frame(4000ms, 2'188'833)), Held{});
  // 6 kVA for 2 s twice over is 6.7 Wh, with 10 Wh for rounding: 17 Wh is too much.
  EXPECT_EQ(check(guard, standard_frame(6000ms, 2'188'833 + 17)), Held{"EAST"});
  EXPECT_EQ(check(guard, standard_frame(8000ms, 2'188'833 + 16)), Held{});
  EXPECT_EQ(guard.held_back(), 2u);
}

TEST(EnergyGuard, ANewLevelThatHoldsIsTaken) {
  bridge::EnergyGuard guard;
  EXPECT_EQ(check(guard, standard_frame(0ms, 2'188'830)), Held{});
  // A new meter: its index starts low, and grows from there.
  EXPECT_EQ(check(guard, standard_frame(2000ms, 12)), Held{"EAST"});
  EXPECT_EQ(check(guard, standard_frame(4000ms, 13)), Held{"EAST"});
  EXPECT_EQ(check(guard, standard_frame(6000ms, 13)), Held{});
  EXPECT_EQ(check(guard, standard_frame(8000ms, 14)), Held{});
  EXPECT_EQ(guard.held_back(), 2u);
  EXPECT_EQ(guard.jumps_accepted(), 1u);
}

TEST(EnergyGuard, SpikesThatDoNotAgreeAreNeverTaken) {
  bridge::EnergyGuard guard;
  EXPECT_EQ(check(guard, standard_frame(0ms, 1000)), Held{});
  for (int i = 1; i <= 6; ++i) {
    // Every other frame a different wrong value: never the same level twice in a row.
    const std::uint64_t wrong = i % 2 == 0 ? 90'000'000 : 50'000'000;
    EXPECT_EQ(check(guard, standard_frame(i * 2000ms, wrong)), Held{"EAST"}) << i;
  }
  EXPECT_EQ(guard.jumps_accepted(), 0u);
  EXPECT_EQ(check(guard, standard_frame(14'000ms, 1002)), Held{});
}

// A capture replayed at full speed has frames a millisecond apart: each still took 0.9 s on the
// line, and is judged so.
TEST(EnergyGuard, AFastReplayIsJudgedAtTheLinePace) {
  bridge::EnergyGuard guard;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(check(guard, standard_frame(i * 1ms, 1000 + static_cast<std::uint64_t>(i) * 2)),
              Held{})
        << i;
  }
}

TEST(EnergyGuard, HistoricBoundFromIsousc) {
  bridge::EnergyGuard guard;
  auto frame = [](std::chrono::milliseconds at, std::string_view base) {
    tic::Frame built;
    built.set_mode(tic::Mode::Historic);
    built.set_time(kStart + at);
    for (const auto& [label, data] : std::vector<std::pair<std::string_view, std::string_view>>{
             {"ADCO", "021528603314"}, {"ISOUSC", "30"}, {"BASE", base}}) {
      tic::Field field;
      EXPECT_EQ(tic::decode_field(label, std::nullopt, data, field), tic::FieldError::None);
      built.append(field);
    }
    return built;
  };
  EXPECT_EQ(check(guard, frame(0ms, "001000000")), Held{});
  // 30 A × 200 VA = 6 kVA: in 60 s, twice over, 200 Wh, plus 10 Wh.
  EXPECT_EQ(check(guard, frame(60'000ms, "001000210")), Held{});
  EXPECT_EQ(check(guard, frame(120'000ms, "001000421")), Held{"BASE"});
}

}  // namespace
