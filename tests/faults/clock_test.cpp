// The wall clock jumps: a Pi has no clock of its own, and its time jumps hours forward when NTP
// first answers, or back when a wrong time is corrected. Only the bridge's clock moves, through
// Debian's libfaketime (LD_PRELOAD, the offset read from a file on every call, the monotonic
// clock left alone); this machine's clock is never touched.
//
// The bridge's timers run on the monotonic clock: a jump neither makes the meter offline early nor
// late, nor the broker's connection time out. Frames are published and archived once each. TIME
// follows the wall clock forward; backward it keeps growing by a millisecond a frame until the
// clock catches up (DESIGN.md: the meter address and TIME identify a frame).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "faults/rig.h"
#include "support/eventually.h"

namespace {

using faults::Numbers;
using faults::range;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::string kFaketime = TELEINFO_FAKETIME;

// The bridge's clock: an offset from the real one in a file libfaketime reads on every call.
class FakeClock {
 public:
  FakeClock() { set("+0"); }
  // "+3h", "-3h": libfaketime's relative offsets. Written whole (rename over the file).
  void set(const std::string& offset) {
    const std::string next = file_ + ".next";
    std::ofstream{next} << offset << "\n";
    std::filesystem::rename(next, file_);
  }
  std::map<std::string, std::string> environment() const {
    return {{"LD_PRELOAD", kFaketime},
            {"FAKETIME_TIMESTAMP_FILE", file_},
            {"FAKETIME_NO_CACHE", "1"},
            {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
            // Under AddressSanitizer: libfaketime comes before the sanitizer's runtime.
            {"ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=1:abort_on_error=1"}};
  }

 private:
  test::TemporaryDirectory directory_{"teleinfo-faults-clock"};
  std::string file_ = directory_.file("offset");
};

// TIME of each frame of the stream, in Unix milliseconds, by number.
std::map<std::uint64_t, std::int64_t> times_of(const faults::Rig& rig) {
  std::map<std::uint64_t, std::int64_t> times;
  for (const test::Message& message : rig.subscriber().messages()) {
    if (message.topic != rig.stream_topic()) continue;
    rapidjson::Document frame;
    frame.Parse(message.payload.c_str());
    const auto number = rig.frames().number_of(message.payload);
    if (number && frame.IsObject() && frame.HasMember("TIME")) {
      times[*number] = frame["TIME"]["value"].GetInt64();
    }
  }
  return times;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sends frames one at a time, `gap` apart: a meter's pace, sped up. When the last one was sent.
SteadyClock::time_point send_paced(faults::Rig& rig, std::uint64_t first, std::size_t count,
                                   std::chrono::milliseconds gap) {
  for (std::size_t i = 0; i + 1 < count; ++i) {
    rig.send(first + i, 1);
    std::this_thread::sleep_for(gap);
  }
  rig.send(first + count - 1, 1);
  return SteadyClock::now();
}

TEST(Faults, WallClockJumps) {
  ASSERT_TRUE(std::filesystem::exists(kFaketime)) << kFaketime << ": apt-get install libfaketime";
  FakeClock clock;
  constexpr auto kTimeout = 2s;
  faults::Rig rig{
      {.influx = true,
       .bridge_options = {"--meter-timeout", "2", "--refresh", "1", "--influx-flush-interval", "0"},
       .environment = clock.environment()}};
  rig.start_bridge();
  send_paced(rig, 0, 20, 10ms);
  ASSERT_TRUE(rig.wait_received(range(0, 20))) << rig.bridge_err();

  // NTP's first answer: three hours forward.
  clock.set("+3h");
  send_paced(rig, 20, 20, 10ms);
  ASSERT_TRUE(rig.wait_received(range(0, 40))) << rig.bridge_err();
  // A wrong time corrected: six hours back, three before the real time.
  clock.set("-3h");
  const std::string adsc_topic = rig.stream_topic() + "/ADSC";
  const std::size_t adsc_before = rig.subscriber().count(adsc_topic);
  const SteadyClock::time_point last_byte = send_paced(rig, 40, 50, 50ms);  // 2.5 s of frames
  ASSERT_TRUE(rig.wait_received(range(0, 90))) << rig.bridge_err();

  // The timer of the meter's silence: neither early nor late after the jumps.
  ASSERT_TRUE(test::eventually([&] {
    const std::vector<std::string> statuses = rig.statuses();
    return !statuses.empty() && statuses.back() == "offline";
  })) << rig.bridge_err();
  const auto silence = SteadyClock::now() - last_byte;
  EXPECT_GE(silence, kTimeout);
  EXPECT_LE(silence, kTimeout + 1500ms);
  // Until then, the meter never went offline and the broker's connection held.
  EXPECT_EQ(rig.statuses(), (std::vector<std::string>{"online", "offline"}));
  EXPECT_EQ(rig.metric("teleinfo_mqtt_connections_total"), 1);
  // The label topics went out again every second (--refresh 1) after the jump back: an unchanged
  // label too, so that Home Assistant does not mark it unavailable.
  EXPECT_GE(rig.subscriber().count(adsc_topic) - adsc_before, 2u);

  // Once each, on the stream and in InfluxDB (a point's time is the frame's TIME).
  const Numbers sent = range(0, 90);
  EXPECT_EQ(rig.received(), sent);
  EXPECT_EQ(rig.stream_messages(), sent.size());
  ASSERT_TRUE(rig.wait_points(sent)) << rig.bridge_err();
  EXPECT_EQ(rig.point_count(), sent.size());

  // TIME: the real time, then three hours ahead, then on from there a millisecond at least a
  // frame, never back.
  const std::map<std::uint64_t, std::int64_t> times = times_of(rig);
  ASSERT_EQ(times.size(), sent.size());
  const std::int64_t real = now_ms();
  constexpr std::int64_t kHour = 3'600'000;
  EXPECT_NEAR(static_cast<double>(times.at(19)), static_cast<double>(real), 60'000.0);
  EXPECT_NEAR(static_cast<double>(times.at(20)), static_cast<double>(real + 3 * kHour), 60'000.0);
  EXPECT_NEAR(static_cast<double>(times.at(89)), static_cast<double>(real + 3 * kHour), 60'000.0);
  for (std::uint64_t number = 1; number < sent.size(); ++number) {
    EXPECT_GT(times.at(number), times.at(number - 1)) << number;
  }
  std::printf("TIME: frame 19 %+lld ms, frame 20 %+lld ms, frame 89 %+lld ms from the real time\n",
              static_cast<long long>(times.at(19) - real),
              static_cast<long long>(times.at(20) - real),
              static_cast<long long>(times.at(89) - real));
  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  EXPECT_EQ(rig.bridge_err().find("silent for 2s"), rig.bridge_err().rfind("silent for 2s"));
}

}  // namespace
