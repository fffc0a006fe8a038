// The short soak CI runs on every submission (bench/soak runs the long one): a minute of a meter at
// 200 times its pace, faults at random moments from a fixed seed, and the bridge's figures from
// /proc every second. Every frame sent arrives on the stream and in InfluxDB; once the faults are
// over, the bridge holds as many descriptors as before the first one, and its memory is flat.
#include "support/soak.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace {

// The bridge's resident size reaches its highest during the warm-up's faults (each once, at its
// longest) and their recovery: in the last quarter it stays within this of the highest before.
constexpr std::uint64_t kResidentGrowth = 1 << 20;
// A fault under way may hold a few descriptors more (a connection being made, a spool segment).
constexpr std::size_t kExtraFds = 8;
constexpr double kAll = 1e9;  // seconds: to the end

TEST(Soak, ShortWithFaults) {
  test::SoakSettings settings;
  settings.bridge = TELEINFO_BRIDGE;
  settings.duration = std::chrono::seconds{60};
  settings.mean_fault_interval = std::chrono::seconds{6};
  settings.longest_outage = std::chrono::seconds{5};
  if (const char* seed = std::getenv("TELEINFO_SOAK_SEED")) {
    settings.seed = std::strtoull(seed, nullptr, 10);
  }
  const test::SoakResult result = test::run_soak(settings);
  const double last_quarter = result.seconds * 3 / 4;
  const std::uint64_t before_high = test::max_resident(result.samples, 0, last_quarter);
  const std::uint64_t last_high = test::max_resident(result.samples, last_quarter, kAll);
  std::size_t faults = 0;
  std::string kinds;
  for (const auto& [kind, count] : result.faults) {
    faults += count;
    kinds += " " + kind + " x" + std::to_string(count) + ";";
  }
  std::printf(
      "soak: %.0f s, seed %llu, %llu frames sent, %llu received (%llu messages), %llu points; "
      "faults:%s RSS %.2f MB at the first fault, %.2f MB highest in the first three quarters "
      "(warm-up to %.0f s), %.2f MB in the last, %.2f MB at the end; fds %zu, %zu at the end, "
      "%zu at most\n",
      result.seconds, static_cast<unsigned long long>(settings.seed),
      static_cast<unsigned long long>(result.frames_sent),
      static_cast<unsigned long long>(result.frames_received),
      static_cast<unsigned long long>(result.stream_messages),
      static_cast<unsigned long long>(result.points), kinds.c_str(),
      static_cast<double>(result.resident_at_start) / 1e6, static_cast<double>(before_high) / 1e6,
      result.warmup_seconds, static_cast<double>(last_high) / 1e6,
      static_cast<double>(result.resident_at_end) / 1e6, result.fds_at_start, result.fds_at_end,
      test::max_open_fds(result.samples, 0, kAll));

  ASSERT_EQ(result.failure, "") << result.bridge_log;
  EXPECT_EQ(result.exit_status, 0) << result.bridge_log;
  EXPECT_GE(faults, 7u);  // the warm-up's five, and more
  EXPECT_GT(result.frames_sent, 5000u);
  EXPECT_EQ(result.frames_received, result.frames_sent);
  EXPECT_EQ(result.frames_published, result.frames_sent) << result.bridge_log;
  EXPECT_EQ(result.points, result.frames_sent);
  EXPECT_EQ(result.fds_at_end, result.fds_at_start);
  EXPECT_LE(test::max_open_fds(result.samples, 0, kAll), result.fds_at_start + kExtraFds);
  EXPECT_GT(result.warmup_seconds, 0);
#ifndef TELEINFO_SANITIZED
  EXPECT_LE(last_high, before_high + kResidentGrowth);
#endif
}

}  // namespace
