// The meter's side: the USB dongle pulled out in the middle of a frame and plugged back (its
// /dev/serial/by-id link gone, then back to a new device), and a meter that falls silent.
#include <gtest/gtest.h>

#include <chrono>

#include "faults/rig.h"
#include "support/eventually.h"

namespace {

using faults::Numbers;
using faults::range;
using SteadyClock = std::chrono::steady_clock;

// The dongle goes in the middle of frame 50: that frame is cut, the meter does not send it again.
// Every other frame is published once and written once, and the cut one is counted as
// interrupted.
TEST(Faults, SerialDeviceRemovedAndRecreated) {
  faults::Rig rig{{.influx = true, .bridge_options = {"--influx-flush-interval", "0"}}};
  rig.start_bridge();
  rig.send(0, 50);
  const std::string cut = rig.frames().frame(50);
  rig.send_bytes(cut.substr(0, cut.size() / 2));
  ASSERT_TRUE(rig.wait_received(range(0, 50))) << rig.bridge_err();
  // The bridge has read the half frame too: it is cut by the unplug, not lost in the line.
  const double bytes = static_cast<double>(rig.frames().make(0, 50).bytes.size() + cut.size() / 2);
  ASSERT_TRUE(rig.wait_metric("teleinfo_bytes_read_total", {}, bytes)) << rig.metrics();

  rig.unplug();
  ASSERT_TRUE(rig.bridge().wait_for_err("lost " + rig.device())) << rig.bridge_err();
  // While it is out, the bridge looks for it (backoff from 1 s) and finds nothing.
  ASSERT_TRUE(rig.wait_metric("teleinfo_source_open", {}, 0)) << rig.metrics();
  rig.plug();
  rig.send(51, 49);

  Numbers sent = range(0, 100);
  sent.erase(50);
  ASSERT_TRUE(rig.wait_received(sent)) << rig.bridge_err();
  ASSERT_TRUE(rig.wait_points(sent)) << rig.bridge_err();
  EXPECT_EQ(rig.received(), sent);
  EXPECT_EQ(rig.stream_messages(), sent.size());  // none twice
  EXPECT_EQ(rig.point_count(), sent.size());
  // The meters' figures on /metrics are those of the loop's last second.
  EXPECT_TRUE(rig.wait_metric("teleinfo_frames_published_total", {}, 99)) << rig.metrics();
  EXPECT_TRUE(rig.wait_metric("teleinfo_frames_interrupted_total", {}, 1)) << rig.metrics();
  EXPECT_TRUE(rig.wait_metric("teleinfo_source_open", {}, 1)) << rig.metrics();
  EXPECT_TRUE(rig.wait_metric("teleinfo_sink_frames_written_total", {{"sink", "influx"}}, 99))
      << rig.metrics();
  EXPECT_EQ(rig.metric("teleinfo_sink_frames_dropped_total", {{"sink", "influx"}}), 0);
  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  EXPECT_EQ(faults::logged_count(rig.bridge_err(), rig.device(), " frames interrupted"), 1)
      << rig.bridge_err();
}

// No byte for longer than --meter-timeout: the meter's status says offline once the timeout has
// passed (on the monotonic clock: not before, and within a second after), no frame is made up
// meanwhile, and the first frame after it brings `online` back.
TEST(Faults, MeterSilent) {
  constexpr std::chrono::seconds kTimeout{2};
  faults::Rig rig{{.bridge_options = {"--meter-timeout", std::to_string(kTimeout.count())}}};
  rig.start_bridge();
  rig.send(0, 50);
  const SteadyClock::time_point last_byte = SteadyClock::now();  // the bridge reads it after
  ASSERT_TRUE(rig.wait_received(range(0, 50))) << rig.bridge_err();

  const auto offline = [&] {
    const std::vector<std::string> statuses = rig.statuses();
    return !statuses.empty() && statuses.back() == "offline";
  };
  ASSERT_TRUE(test::eventually(offline, std::chrono::seconds{10})) << rig.bridge_err();
  const auto silence = SteadyClock::now() - last_byte;
  EXPECT_GE(silence, kTimeout);
  EXPECT_LE(silence, kTimeout + std::chrono::milliseconds{1500});
  EXPECT_TRUE(rig.wait_metric("teleinfo_meter_online", {}, 0)) << rig.metrics();
  EXPECT_EQ(rig.received(), range(0, 50));
  EXPECT_EQ(rig.stream_messages(), 50u);  // nothing made up during the silence
  EXPECT_EQ(rig.count_in_err("silent for 2s: offline"), 1u) << rig.bridge_err();

  rig.send(50, 50);
  ASSERT_TRUE(rig.wait_received(range(0, 100))) << rig.bridge_err();
  EXPECT_EQ(rig.statuses(), (std::vector<std::string>{"online", "offline", "online"}));
  EXPECT_EQ(rig.stream_messages(), 100u);
  EXPECT_TRUE(rig.wait_metric("teleinfo_meter_online", {}, 1)) << rig.metrics();
  EXPECT_TRUE(rig.wait_metric("teleinfo_frames_published_total", {}, 100)) << rig.metrics();
  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  EXPECT_EQ(faults::logged_count(rig.bridge_err(), rig.device(), " frames published"), 100u);
}

}  // namespace
