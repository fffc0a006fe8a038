// The databases: MariaDB and InfluxDB on a NAS that goes to sleep for a minute (SIGSTOP: their
// connections stay open and silent, the way a sleeping host's do), and the bridge stopped with
// SIGTERM while its sinks are writing. Nothing the bridge accepted may be lost: it is in the
// database, or in the spool and written at the next start.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "faults/rig.h"
#include "support/eventually.h"

namespace {

using faults::Numbers;
using faults::range;
using SteadyClock = std::chrono::steady_clock;

// How long the databases sleep: the minute. TELEINFO_FAULTS_OUTAGE (seconds) shortens it
// for a quick run by hand; below 40 s the sinks' 30 s request timeouts may not run out, and the
// checks of the sinks being down are left out.
std::chrono::seconds outage() {
  if (const char* seconds = std::getenv("TELEINFO_FAULTS_OUTAGE")) {
    return std::chrono::seconds{std::atoi(seconds)};
  }
  return std::chrono::seconds{60};
}
constexpr std::chrono::seconds kSinkTimeout{35};  // the writers' request timeout, and a margin
// After the databases wake up, the sinks' next try: backoff up to 60 s, a connection's timeouts.
constexpr std::chrono::seconds kRecovery{150};

const std::map<std::string, std::string> kMysql = {{"sink", "mysql"}};
const std::map<std::string, std::string> kInflux = {{"sink", "influx"}};

TEST(Faults, DatabasesAsleepForAMinute) {
  faults::Rig rig{{.mysql = true, .influx = true}};
  rig.start_bridge();
  rig.send(0, 100);
  ASSERT_TRUE(rig.wait_rows(range(0, 100))) << rig.bridge_err();
  ASSERT_TRUE(rig.wait_points(range(0, 100))) << rig.bridge_err();

  const SteadyClock::time_point asleep = SteadyClock::now();
  rig.mariadb().pause();
  rig.influxdb().pause();
  rig.send(100, 100);
  // Neither the broker nor the page waits for the databases.
  ASSERT_TRUE(rig.wait_received(range(0, 200), std::chrono::seconds{10})) << rig.bridge_err();
  ASSERT_TRUE(rig.wait_metric("teleinfo_frames_published_total", {}, 200)) << rig.metrics();
  if (outage() >= kSinkTimeout + std::chrono::seconds{5}) {
    // The writes time out: both sinks are down and their frames go to the spool.
    const auto left = outage() - (SteadyClock::now() - asleep);
    const auto failsafe = std::chrono::ceil<std::chrono::seconds>(left);
    ASSERT_TRUE(rig.wait_metric("teleinfo_sink_up", kMysql, 0, failsafe)) << rig.bridge_err();
    ASSERT_TRUE(rig.wait_metric("teleinfo_sink_up", kInflux, 0, failsafe)) << rig.bridge_err();
    ASSERT_TRUE(test::eventually([&] {
      return rig.metric("teleinfo_sink_spool_frames", kMysql) > 0 &&
             rig.metric("teleinfo_sink_spool_frames", kInflux) > 0;
    })) << rig.metrics();
  }
  std::this_thread::sleep_until(asleep + outage());  // the outage lasts
  rig.send(200, 50);                                 // the last frames before they wake up
  rig.mariadb().resume();
  rig.influxdb().resume();
  rig.send(250, 50);

  const Numbers sent = range(0, 300);
  ASSERT_TRUE(rig.wait_rows(sent, kRecovery)) << rig.bridge_err();
  ASSERT_TRUE(rig.wait_points(sent, kRecovery)) << rig.bridge_err();
  ASSERT_TRUE(rig.wait_received(sent)) << rig.bridge_err();
  EXPECT_EQ(rig.row_count(), sent.size());  // written once, whatever the retries
  EXPECT_EQ(rig.point_count(), sent.size());
  for (const auto& sink : {kMysql, kInflux}) {
    ASSERT_TRUE(rig.wait_metric("teleinfo_sink_frames_waiting", sink, 0)) << rig.metrics();
    EXPECT_EQ(rig.metric("teleinfo_sink_frames_written_total", sink), sent.size());
    EXPECT_EQ(rig.metric("teleinfo_sink_frames_dropped_total", sink), 0);
    EXPECT_EQ(rig.metric("teleinfo_sink_up", sink), 1);
  }
  EXPECT_EQ(rig.metric("teleinfo_mqtt_frames_delivered_total"), sent.size());
  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  const std::string log = rig.bridge_err();
  EXPECT_NE(log.find("mysql: 300 frames written, 0 waiting (0 in the spool), 0 dropped"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("influx: 300 frames written, 0 waiting (0 in the spool), 0 dropped"),
            std::string::npos)
      << log;
  if (outage() >= kSinkTimeout + std::chrono::seconds{5}) {
    // Each outage logged once, however many tries it took.
    EXPECT_EQ(rig.count_in_err("mysql: cannot write"), 1u) << log;
    EXPECT_EQ(rig.count_in_err("influx: cannot write"), 1u) << log;
    EXPECT_EQ(rig.count_in_err("mysql: writing again"), 1u) << log;
    EXPECT_EQ(rig.count_in_err("influx: writing again"), 1u) << log;
  }
}

// SIGTERM while the meter sends at full speed and the sinks write: every frame the bridge
// published is in the database, or in the spool and written at the next start, once. The frames
// still on the line when it stopped were never read (and a frame half read is not published).
// InfluxDB is made to answer slowly at that moment (asleep for a second): its sink has a write of
// 100 frames under way and more frames in memory when the signal comes, whatever the machine's
// speed.
TEST(Faults, SigtermWhileWriting) {
  faults::Rig rig{
      {.mysql = true, .influx = true, .bridge_options = {"--influx-batch-size", "100"}}};
  rig.start_bridge();
  std::atomic<bool> stop{false};
  std::thread meter{[&] { rig.send_until(0, 30'000, stop); }};
  const bool writing = test::eventually([&] {
    try {
      return rig.row_count() >= 500;
    } catch (const std::exception&) {
      return false;  // the table is not there yet
    }
  });
  rig.influxdb().pause();
  const bool behind =
      test::eventually([&] { return rig.metric("teleinfo_sink_frames_waiting", kInflux) >= 300; });
  ::kill(rig.bridge().pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::seconds{1});  // the stop's grace runs out meanwhile
  rig.influxdb().resume();
  const int status = rig.stop_bridge(SIGTERM);
  stop = true;
  meter.join();
  ASSERT_TRUE(writing) << rig.bridge_err();
  ASSERT_TRUE(behind) << rig.metrics();
  ASSERT_EQ(status, 0) << rig.bridge_err();

  const std::string log = rig.bridge_err();
  const auto published = faults::logged_count(log, rig.device(), " frames published");
  ASSERT_TRUE(published) << log;
  std::printf("SIGTERM: %llu frames published\n", static_cast<unsigned long long>(*published));
  std::uint64_t spooled_somewhere = 0;
  for (const std::string sink : {"mysql", "influx"}) {
    const std::string prefix = sink + ": ";
    const auto written = faults::logged_count(log, prefix, " frames written");
    const auto waiting = faults::logged_count(log, prefix, " waiting");
    const auto spooled = faults::logged_count(log, prefix, " in the spool");
    const auto dropped = faults::logged_count(log, prefix, " dropped");
    ASSERT_TRUE(written && waiting && spooled && dropped) << log;
    std::printf("  %s: %llu written, %llu in the spool\n", sink.c_str(),
                static_cast<unsigned long long>(*written),
                static_cast<unsigned long long>(*spooled));
    EXPECT_EQ(*dropped, 0u) << log;
    EXPECT_EQ(*waiting, *spooled) << log;  // nothing left in memory
    EXPECT_EQ(*written + *spooled, *published) << log;
    // In order: the frames written are the first ones.
    EXPECT_EQ(sink == "mysql" ? rig.rows() : rig.points(), range(0, *written));
    spooled_somewhere += *spooled;
  }
  EXPECT_GT(spooled_somewhere, 0u);  // the spool's path was taken
  // Frames the broker had not acknowledged at the stop are said lost in the log.
  const std::uint64_t undelivered =
      faults::logged_count(log, "MQTT: ", " frames not delivered").value_or(0);
  const Numbers received = rig.received();
  EXPECT_GE(received.size() + undelivered, *published);
  EXPECT_TRUE(received.empty() || *received.rbegin() < *published);

  // The next start writes the spool first: every published frame is stored, once. (A new line:
  // what the meter wrote that the bridge did not read would be read now.)
  rig.unplug();
  rig.plug();
  rig.start_bridge();
  ASSERT_TRUE(rig.wait_rows(range(0, *published))) << rig.bridge_err();
  ASSERT_TRUE(rig.wait_points(range(0, *published))) << rig.bridge_err();
  EXPECT_EQ(rig.row_count(), *published);
  EXPECT_EQ(rig.point_count(), *published);
  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  std::printf("  %llu frames waited in the spools for the next start\n",
              static_cast<unsigned long long>(spooled_somewhere));
}

}  // namespace
