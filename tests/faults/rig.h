// What every fault test stands on: a meter on a pseudo-terminal behind a /dev/serial/by-id-like
// link, sending numbered frames (support/numbered_frames.h), so that "what the meter sent" is a
// number the test knows; teleinfo-bridge run as users run it, its /metrics on a free loopback
// port; and, as the test asks, a real mosquitto with a subscriber of everything under teleinfo/,
// a real MariaDB and a real influxd 1.x. The test breaks one of them, then compares what arrived
// with what was sent.
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"
#include "support/daemon.h"
#include "support/influxdb.h"
#include "support/mariadb.h"
#include "support/numbered_frames.h"
#include "support/pty.h"
#include "support/subscriber.h"

namespace faults {

using Numbers = std::set<std::uint64_t>;

// Frames first, first + 1 ... first + count - 1.
Numbers range(std::uint64_t first, std::uint64_t count);

// Every member has a default, so that designated initializers may leave any out.
struct RigOptions {
  bool broker = true;  // else --mqtt-url none
  // mosquitto saves its sessions, and the subscriber has one of its own (clean session off): what
  // the broker queued for it survives a restart, and a kill after Broker::save().
  bool persistent_broker = false;
  bool mysql = false;                                // --mysql-url, database `faults`
  bool influx = false;                               // --influx-url, database `teleinfo`
  std::string spool_dir{};                           // empty: a temporary folder
  std::vector<std::string> bridge_options{};         // more options for the bridge
  std::map<std::string, std::string> environment{};  // more variables for the bridge
};

class Rig {
 public:
  static constexpr std::chrono::seconds kFailsafe{60};

  // Starts the servers and the subscriber, not the bridge. Throws std::runtime_error.
  explicit Rig(RigOptions options);
  ~Rig();
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  // ---- the meter
  const test::NumberedFrames& frames() const { return frames_; }
  // Writes frames `first` to `first + count - 1` on the line, all of them, as fast as the bridge
  // reads them. Throws when the bridge reads nothing for 20 s.
  void send(std::uint64_t first, std::size_t count);
  void send_bytes(std::string_view bytes);
  // The same from another thread, until `stop` is set: how many frames were written whole.
  std::size_t send_until(std::uint64_t first, std::size_t count, const std::atomic<bool>& stop);
  // The dongle pulled out: the line closes and the link goes.
  void unplug();
  // Plugged back: a new line, the link pointed at it; waits until the bridge (if it runs) reads
  // it again.
  void plug();
  const std::string& device() const { return link_.path(); }

  // ---- the bridge
  // Starts teleinfo-bridge and waits until it reads the line and serves /metrics.
  void start_bridge();
  // Sends `signal` and waits for the end: its exit status.
  int stop_bridge(int signal = SIGTERM);
  test::Daemon& bridge() { return *bridge_; }
  // What it wrote on standard error, this run or the last; how many times it holds `text`.
  std::string bridge_err() const;
  std::size_t count_in_err(std::string_view text) const;
  // GET /metrics; empty when it does not answer.
  std::string metrics() const;
  // A figure of /metrics; nullopt when absent or the bridge does not answer.
  std::optional<double> metric(std::string_view name,
                               const std::map<std::string, std::string>& labels = {}) const;
  // Waits until the figure equals `value`.
  bool wait_metric(std::string_view name, const std::map<std::string, std::string>& labels,
                   double value, std::chrono::seconds failsafe = kFailsafe) const;

  // ---- what arrived
  test::Broker& broker() { return *broker_; }
  test::Subscriber& subscriber() const { return *subscriber_; }
  // "teleinfo/<meter>": the frame stream's topic.
  std::string stream_topic() const { return "teleinfo/" + frames_.address(); }
  // The numbers of the frames received on the stream, and how many messages carried them.
  Numbers received() const;
  std::size_t stream_messages() const;
  // Waits until the stream has brought every frame of `wanted`.
  bool wait_received(const Numbers& wanted, std::chrono::seconds failsafe = kFailsafe) const;
  // The payloads of the meter's status topic, in order.
  std::vector<std::string> statuses() const;

  test::MariaDb& mariadb() { return *mariadb_; }
  // The frames in the table `frame`, by number (EAST), and its row count.
  Numbers rows() const;
  std::size_t row_count() const;
  test::InfluxDb& influxdb() { return *influxdb_; }
  // The frames among InfluxDB's points, by number (EAST), and the point count.
  Numbers points() const;
  std::size_t point_count() const;
  // Waits until rows() (or points()) holds exactly `wanted`. The servers must be running.
  bool wait_rows(const Numbers& wanted, std::chrono::seconds failsafe = kFailsafe) const;
  bool wait_points(const Numbers& wanted, std::chrono::seconds failsafe = kFailsafe) const;

  const std::string& spool_dir() const { return spool_dir_; }

 private:
  std::vector<std::string> bridge_arguments() const;

  RigOptions options_;
  test::NumberedFrames frames_;
  test::TemporaryDirectory directory_{"teleinfo-faults"};
  std::string spool_dir_;
  std::uint16_t http_port_ = 0;
  test::DeviceLink link_;
  std::unique_ptr<test::PseudoTerminal> line_;
  std::unique_ptr<test::Broker> broker_;
  std::unique_ptr<test::Subscriber> subscriber_;
  std::unique_ptr<test::MariaDb> mariadb_;
  std::string mysql_password_;
  std::unique_ptr<test::InfluxDb> influxdb_;
  std::unique_ptr<test::Daemon> bridge_;
  std::string last_err_;
  std::size_t reopened_ = 0;  // "... again" lines the bridge wrote so far
};

// The figure of a summary line the bridge logs at its end, such as "mysql: 12 frames written":
// the number before `words`, in the first line holding `prefix` then `words`. nullopt when absent.
std::optional<std::uint64_t> logged_count(const std::string& log, std::string_view prefix,
                                          std::string_view words);

}  // namespace faults
