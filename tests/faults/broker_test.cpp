// The broker killed outright (SIGKILL: a crash, the power cut, a container killed) in the middle
// of the stream, and started again on the same port, as Home Assistant's add-on does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "faults/rig.h"
#include "support/eventually.h"

namespace {

using faults::Numbers;
using faults::range;

// What a killed broker may lose: what it had acknowledged to the bridge (so the bridge let go of
// it) and not yet passed on to the subscriber. With a subscriber that keeps up, that is at most
// the frames of the last burst written to the line before the kill; here, frames 100 to 149.
constexpr std::uint64_t kBeforeKill = 100;
constexpr std::uint64_t kLastBurst = 50;

TEST(Faults, BrokerKilledAndRestarted) {
  faults::Rig rig{{.persistent_broker = true}};
  rig.start_bridge();
  rig.send(0, kBeforeKill);
  ASSERT_TRUE(rig.wait_received(range(0, kBeforeKill))) << rig.bridge_err();
  // The broker's last save holds the subscriber's session (as mosquitto's autosave would).
  ASSERT_TRUE(rig.broker().save()) << rig.broker().log();

  // A burst, and the broker dies while it flows; the meter goes on while it is away.
  rig.send(kBeforeKill, kLastBurst);
  rig.broker().kill();
  rig.send(kBeforeKill + kLastBurst, 100);
  ASSERT_TRUE(rig.bridge().wait_for_err("MQTT: connection to")) << rig.bridge_err();
  rig.broker().start();
  rig.send(250, 50);
  constexpr std::uint64_t kSent = 300;

  // Every frame is acknowledged once by a broker, and nothing is left in the backlog.
  ASSERT_TRUE(rig.wait_metric("teleinfo_mqtt_frames_delivered_total", {}, kSent))
      << rig.metrics() << rig.bridge_err();
  EXPECT_TRUE(rig.wait_metric("teleinfo_frames_published_total", {}, kSent)) << rig.metrics();
  EXPECT_EQ(rig.metric("teleinfo_mqtt_frames_dropped_total"), 0);
  EXPECT_EQ(rig.metric("teleinfo_mqtt_backlog_frames"), 0);
  EXPECT_EQ(rig.metric("teleinfo_mqtt_connections_total"), 2);

  // Every frame from the burst's end on reached the subscriber: those read while the broker was
  // away waited in the bridge's backlog, and the broker queued them in the subscriber's session.
  ASSERT_TRUE(rig.wait_received(range(kBeforeKill + kLastBurst, kSent - kBeforeKill - kLastBurst)))
      << rig.bridge_err() << rig.broker().log();
  const Numbers received = rig.received();
  const Numbers sent = range(0, kSent);
  Numbers missing;
  std::set_difference(sent.begin(), sent.end(), received.begin(), received.end(),
                      std::inserter(missing, missing.end()));
  // Only frames of the burst can be missing: the broker held them when it was killed.
  for (const std::uint64_t number : missing) {
    EXPECT_GE(number, kBeforeKill);
    EXPECT_LT(number, kBeforeKill + kLastBurst);
  }
  EXPECT_LE(missing.size(), kLastBurst);
  std::printf("broker killed: %zu of %llu frames lost in the broker, %zu messages for %zu frames\n",
              missing.size(), static_cast<unsigned long long>(kSent), rig.stream_messages(),
              received.size());

  // The killed broker lost the retained topics it had not saved: the bridge sent them again.
  test::Subscriber late{rig.broker().host(), rig.broker().port(), rig.stream_topic() + "/EAST"};
  ASSERT_TRUE(late.wait_for_topic(rig.stream_topic() + "/EAST"));
  EXPECT_EQ(late.last(rig.stream_topic() + "/EAST")->payload,
            std::to_string(rig.frames().east_of(kSent - 1)));
  EXPECT_EQ(rig.subscriber().last("teleinfo/status")->payload, "online");
  EXPECT_EQ(rig.subscriber().last(rig.stream_topic() + "/status")->payload, "online");

  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  EXPECT_EQ(faults::logged_count(rig.bridge_err(), rig.device(), " frames published"), kSent)
      << rig.bridge_err();
  EXPECT_EQ(rig.bridge_err().find("not delivered"), std::string::npos) << rig.bridge_err();
}

}  // namespace
