// The bridge's main loop: one thread, poll() over every source, the signals and the timers
// (reconnections, meter silence, systemd's watchdog). Sources never block it; the broker has its
// own thread (MqttPublisher).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge/meter.h"
#include "bridge/mqtt_publisher.h"
#include "bridge/options.h"
#include "bridge/source.h"
#include "common/systemd_notify.h"
#include "sink/archive.h"
#include "web/live_state.h"

namespace bridge {

class EventLoop {
 public:
  // SIGTERM, SIGINT and SIGHUP must be blocked in every thread before (block_stop_signals()), so
  // that they reach the loop only. `broker` is null without a broker; `archive` is null without
  // sinks in this process; `live` is null without the web page. SIGHUP reopens the archive's
  // files.
  EventLoop(const BridgeOptions& options, Publisher& publisher, MqttPublisher* broker,
            sink::Archive* archive, web::LiveState* live, common::SystemdNotifier& notifier);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until every source has ended (captures replayed) or a stop signal came. True when
  // stopped by a signal.
  bool run();

  // Publishes `offline` for every meter still online.
  void meters_offline();

  const std::deque<Meter>& meters() const { return meters_; }
  // Why the source of meters()[i] could not be read at all (a capture that does not open).
  std::optional<std::string> failure(std::size_t i) const;

  static void block_stop_signals();

 private:
  std::string status_text() const;
  // Gives the web page's state the sources' and meters' latest counters.
  void refresh_live(Clock::time_point now);

  std::deque<Meter> meters_;
  std::vector<std::unique_ptr<Source>> sources_;
  MqttPublisher* broker_;
  sink::Archive* archive_;
  web::LiveState* live_;
  common::SystemdNotifier& notifier_;
  int signal_fd_ = -1;
};

}  // namespace bridge
