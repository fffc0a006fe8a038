#include "support/soak.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include "support/broker.h"
#include "support/daemon.h"
#include "support/eventually.h"
#include "support/influxdb.h"
#include "support/mariadb.h"
#include "support/numbered_frames.h"
#include "support/process_figures.h"
#include "support/pty.h"
#include "support/subscriber.h"

namespace test {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

constexpr std::chrono::seconds kMeterTimeout{2};
// At the end, everything must have arrived within this (an outage's frames wait in the spool).
constexpr std::chrono::seconds kPatience{180};
// Bytes waiting for the line above which no frame is added: the bridge is behind.
constexpr std::size_t kMaxPending = 64 * 1024;
constexpr auto kTick = std::chrono::milliseconds{5};
constexpr std::string_view kInfluxDatabase = "soak";

enum class Fault {
  BrokerRestart,
  LineUnplugged,
  MeterSilent,
  InfluxAsleep,
  InfluxRestart,
  MysqlAsleep
};

const char* name_of(Fault fault) {
  switch (fault) {
    case Fault::BrokerRestart:
      return "broker restarted";
    case Fault::LineUnplugged:
      return "dongle unplugged";
    case Fault::MeterSilent:
      return "meter silent";
    case Fault::InfluxAsleep:
      return "influxd asleep";
    case Fault::InfluxRestart:
      return "influxd restarted";
    case Fault::MysqlAsleep:
      return "mariadbd asleep";
  }
  return "?";
}

const std::string& empty_config() {
  static const std::string file = [] {
    const auto path = std::filesystem::temp_directory_path() / "teleinfo-soak.conf";
    std::ofstream{path};
    return path.string();
  }();
  return file;
}

// The number in the first row of an /query answer of "SELECT count(...)": 0 when it has none.
std::uint64_t influx_count(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  if (!document.IsObject() || !document.HasMember("results")) return 0;
  const auto& result = document["results"][0];
  if (!result.HasMember("series")) return 0;
  const auto& row = result["series"][0]["values"][0];
  return row.Size() == 2 && row[1].IsUint64() ? row[1].GetUint64() : 0;
}

// The frames of the stream, by number, as the subscriber's thread hands them over.
class StreamCounter {
 public:
  explicit StreamCounter(const NumberedFrames& frames) : frames_(frames) {}

  void on_message(const Message& message) {
    const std::optional<std::uint64_t> number = frames_.number_of(message.payload);
    const std::lock_guard lock{mutex_};
    ++messages_;
    if (!number) return;
    const auto index = static_cast<std::size_t>(*number);  // numbers stay far below 2^32
    if (index >= seen_.size()) seen_.resize(index + 65'536, false);
    if (!seen_[index]) {
      seen_[index] = true;
      ++distinct_;
    }
  }
  std::uint64_t distinct() const {
    const std::lock_guard lock{mutex_};
    return distinct_;
  }
  std::uint64_t messages() const {
    const std::lock_guard lock{mutex_};
    return messages_;
  }

 private:
  const NumberedFrames& frames_;
  mutable std::mutex mutex_;
  std::vector<bool> seen_;
  std::uint64_t distinct_ = 0;
  std::uint64_t messages_ = 0;
};

class Soak {
 public:
  explicit Soak(const SoakSettings& settings)
      : settings_(settings), random_(settings.seed), counter_(frames_) {}

  SoakResult run();

 private:
  void say(const std::string& line) const {
    if (settings_.progress) settings_.progress(line);
  }
  double seconds_since_start() const { return Seconds(SteadyClock::now() - start_).count(); }
  double uniform(double low, double high) {
    return std::uniform_real_distribution<double>{low, high}(random_);
  }
  SteadyClock::time_point after(double seconds) const {
    return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(Seconds{seconds});
  }

  void start_servers();
  void start_bridge();
  void feed(SteadyClock::time_point now);
  // How long a fault lasts: drawn, or its longest.
  double duration_of(Fault fault, bool longest);
  void begin_fault(SteadyClock::time_point now);
  void end_fault(SteadyClock::time_point now);
  void sample();
  std::uint64_t points() const;
  std::uint64_t rows() const;
  bool everything_arrived() const;

  const SoakSettings& settings_;
  std::mt19937_64 random_;
  NumberedFrames frames_;
  StreamCounter counter_;
  SoakResult result_;
  SteadyClock::time_point start_;

  TemporaryDirectory directory_{"teleinfo-soak"};
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<Subscriber> subscriber_;
  std::unique_ptr<InfluxDb> influxdb_;
  std::unique_ptr<MariaDb> mariadb_;
  std::string mysql_password_;
  DeviceLink link_;
  std::unique_ptr<PseudoTerminal> line_;
  std::unique_ptr<Daemon> bridge_;

  // The meter.
  bool feeding_ = true;
  double credit_ = 0;  // frames owed at the rate
  SteadyClock::time_point last_feed_;
  std::uint64_t next_frame_ = 0;
  bool plugged_ = true;
  std::size_t replugs_ = 0;
  bool waiting_for_reopen_ = false;

  // The fault under way, and the next one.
  std::optional<Fault> fault_;
  std::size_t warmup_faults_ = 0;  // of the warm-up's, begun so far
  std::map<int, std::string> files_at_start_;
  bool unplug_pending_ = false;  // the dongle goes once the line took every byte
  SteadyClock::time_point fault_ends_;
  SteadyClock::time_point next_fault_;
  SteadyClock::time_point next_sample_;
};

void Soak::start_servers() {
  BrokerOptions broker;
  broker.persistence = true;       // a restart keeps the subscriber's session and queue
  broker.max_queued_messages = 0;  // and never drops from it
  broker_ = std::make_unique<Broker>(broker);
  bridge::MqttSettings settings;
  settings.host = broker_->host();
  settings.port = broker_->port();
  settings.client_id = "teleinfo-soak-watcher";
  settings.clean_session = false;
  SubscriberOptions options;
  options.qos = 1;
  options.keep_messages = false;
  options.observer = [this](const Message& message) { counter_.on_message(message); };
  subscriber_ = std::make_unique<Subscriber>(settings, "teleinfo/" + frames_.address(), options);
  if (!subscriber_->wait_connected()) throw std::runtime_error("the subscriber did not connect");
  influxdb_ = std::make_unique<InfluxDb>();
  influxdb_->create_database(kInfluxDatabase);
  if (settings_.mysql) {
    mariadb_ = std::make_unique<MariaDb>();
    mysql_password_ = mariadb_->create_database("soak");
  }
}

void Soak::start_bridge() {
  line_ = std::make_unique<PseudoTerminal>();
  link_.point_at(line_->slave_path());
  std::vector<std::string> arguments = {
      "--source",        "serial:" + link_.path(),
      "--mode",          "standard",
      "--mqtt-url",      broker_->url(),
      "--meter-timeout", std::to_string(kMeterTimeout.count()),
      "--influx-url",    influxdb_->url(),
      "--influx-db",     std::string{kInfluxDatabase},
      "--spool-dir",     directory_.file("spool"),
      "--http",          "127.0.0.1:" + std::to_string(free_loopback_port())};
  if (mariadb_) arguments.insert(arguments.end(), {"--mysql-url", mariadb_->url("soak")});
  std::map<std::string, std::string> environment = {{"TELEINFO_CONFIG", empty_config()}};
  if (mariadb_) environment["TELEINFO_MYSQL_PASSWORD"] = mysql_password_;
  bridge_ = std::make_unique<Daemon>(settings_.bridge, arguments, environment);
  if (!bridge_->wait_for_err("reading " + link_.path())) {
    throw std::runtime_error("the bridge does not read the line:\n" + bridge_->err());
  }
}

void Soak::feed(SteadyClock::time_point now) {
  const double elapsed = Seconds(now - last_feed_).count();
  last_feed_ = now;
  if (waiting_for_reopen_ && bridge_->count_in_err(") again, at 9600 Bd") >= replugs_) {
    waiting_for_reopen_ = false;  // the bridge set the new line raw: bytes may come
  }
  if (feeding_ && plugged_ && !waiting_for_reopen_ && !unplug_pending_) {
    // Owed frames, but never more than half a second's after a pause: a meter does not catch up.
    credit_ = std::min(credit_ + elapsed * settings_.frames_per_second,
                       std::max(1.0, settings_.frames_per_second / 2));
    while (credit_ >= 1 && line_->pending() < kMaxPending) {
      line_->send(frames_.frame(next_frame_++));
      credit_ -= 1;
    }
  }
  if (line_->master() >= 0) line_->pump();
}

double Soak::duration_of(Fault fault, bool longest) {
  const double outage = static_cast<double>(settings_.longest_outage.count());
  const auto between = [&](double low, double high) {
    return longest ? high : uniform(low, std::max(low, high));
  };
  switch (fault) {
    case Fault::BrokerRestart:
    case Fault::LineUnplugged:
      return between(0.5, 3);
    case Fault::MeterSilent:
      return static_cast<double>(kMeterTimeout.count()) + between(0.5, 2);
    case Fault::InfluxAsleep:
    case Fault::MysqlAsleep:
      return between(2, outage);
    case Fault::InfluxRestart:
      return between(1, std::min(5.0, outage));
  }
  return 1;
}

void Soak::begin_fault(SteadyClock::time_point now) {
  std::vector<Fault> kinds = {Fault::BrokerRestart, Fault::LineUnplugged, Fault::MeterSilent,
                              Fault::InfluxAsleep, Fault::InfluxRestart};
  if (mariadb_) kinds.push_back(Fault::MysqlAsleep);
  // The warm-up: each kind once, at its longest; then any kind, for any time up to that.
  const bool warming_up = warmup_faults_ < kinds.size();
  const Fault fault =
      warming_up ? kinds[warmup_faults_++]
                 : kinds[std::uniform_int_distribution<std::size_t>{0, kinds.size() - 1}(random_)];
  const double lasts = duration_of(fault, warming_up);
  fault_ = fault;
  ++result_.faults[name_of(fault)];
  if (result_.fds_at_start == 0) {
    if (const auto figures = process_figures(bridge_->pid())) {
      result_.fds_at_start = figures->open_fds;
      result_.resident_at_start = figures->resident_bytes;
      files_at_start_ = open_files(bridge_->pid());
    }
  }
  switch (fault) {
    case Fault::BrokerRestart:
      broker_->stop();  // mosquitto saves its sessions: the subscriber's queue survives
      break;
    case Fault::LineUnplugged:
      unplug_pending_ = true;  // done in the loop once the line took every byte
      break;
    case Fault::MeterSilent:
      feeding_ = false;
      break;
    case Fault::InfluxAsleep:
      influxdb_->pause();
      break;
    case Fault::InfluxRestart:
      influxdb_->stop();
      break;
    case Fault::MysqlAsleep:
      mariadb_->pause();
      break;
  }
  fault_ends_ = now + std::chrono::duration_cast<SteadyClock::duration>(Seconds{lasts});
  char line[128];
  std::snprintf(line, sizeof line, "%7.1f s: %s for %.1f s", seconds_since_start(), name_of(fault),
                lasts);
  say(line);
}

void Soak::end_fault(SteadyClock::time_point) {
  switch (*fault_) {
    case Fault::BrokerRestart:
      broker_->start();
      break;
    case Fault::LineUnplugged:
      if (unplug_pending_) return;  // not out yet: the line is still taking bytes
      line_ = std::make_unique<PseudoTerminal>();
      link_.point_at(line_->slave_path());
      plugged_ = true;
      ++replugs_;
      waiting_for_reopen_ = true;
      break;
    case Fault::MeterSilent:
      feeding_ = true;
      break;
    case Fault::InfluxAsleep:
      influxdb_->resume();
      break;
    case Fault::InfluxRestart:
      influxdb_->start();
      break;
    case Fault::MysqlAsleep:
      mariadb_->resume();
      break;
  }
  fault_.reset();
  const std::size_t kinds = mariadb_ ? 6 : 5;
  if (warmup_faults_ < kinds) {
    next_fault_ = after(1);
    return;
  }
  if (result_.warmup_seconds == 0) result_.warmup_seconds = seconds_since_start();
  next_fault_ =
      after(uniform(0.5, 1.5) * static_cast<double>(settings_.mean_fault_interval.count()));
}

void Soak::sample() {
  const std::optional<ProcessFigures> figures = process_figures(bridge_->pid());
  if (!figures) throw std::runtime_error("the bridge is gone:\n" + bridge_->err());
  result_.samples.push_back({.seconds = seconds_since_start(),
                             .resident_bytes = figures->resident_bytes,
                             .open_fds = figures->open_fds,
                             .threads = figures->threads,
                             .frames_sent = next_frame_,
                             .frames_received = counter_.distinct()});
}

std::uint64_t Soak::points() const {
  return influx_count(influxdb_->query(kInfluxDatabase, "SELECT count(EAST) FROM teleinfo"));
}

std::uint64_t Soak::rows() const {
  if (!mariadb_) return 0;
  return std::stoull(mariadb_->query("SELECT COUNT(*) FROM soak.frame").at(0).at(0).value_or("0"));
}

bool Soak::everything_arrived() const {
  try {
    return counter_.distinct() == next_frame_ && points() == next_frame_ &&
           (!mariadb_ || rows() == next_frame_);
  } catch (const std::exception&) {
    return false;  // a table not made yet
  }
}

SoakResult Soak::run() {
  start_ = SteadyClock::now();
  start_servers();
  start_bridge();
  const SteadyClock::time_point end = start_ + settings_.duration;
  last_feed_ = SteadyClock::now();
  next_fault_ = start_ + settings_.warmup;
  next_sample_ = start_;
  try {
    for (SteadyClock::time_point now = SteadyClock::now(); now < end || fault_;
         now = SteadyClock::now()) {
      if (now >= next_sample_) {
        sample();
        next_sample_ += std::chrono::seconds{1};
        if (result_.samples.size() % 60 == 0) {
          const SoakSample& last = result_.samples.back();
          char line[160];
          std::snprintf(line, sizeof line,
                        "%7.1f s: %llu frames sent, %llu received, RSS %.2f MB, %zu fds",
                        last.seconds, static_cast<unsigned long long>(last.frames_sent),
                        static_cast<unsigned long long>(last.frames_received),
                        static_cast<double>(last.resident_bytes) / 1e6, last.open_fds);
          say(line);
        }
      }
      // Out once the bridge read every byte: bytes still in the line when it closes are lost on
      // the way, as in a real dongle's buffer, and this soak counts frames.
      if (unplug_pending_ && line_->all_sent() && counter_.distinct() == next_frame_) {
        line_->close_master();
        link_.remove();
        unplug_pending_ = false;
        plugged_ = false;
      }
      if (!fault_ && now >= next_fault_ && now < end) begin_fault(now);
      if (fault_ && now >= fault_ends_) end_fault(now);
      feed(now);
      std::this_thread::sleep_for(kTick);  // the meter's pace, not a wait for an event
    }
    // The end: the last bytes go out; then everything must arrive.
    while (!line_->all_sent() || waiting_for_reopen_) {
      feeding_ = false;
      feed(SteadyClock::now());
      std::this_thread::sleep_for(kTick);
      if (SteadyClock::now() > end + kPatience)
        throw std::runtime_error("the line took no more bytes");
    }
    result_.frames_sent = next_frame_;
    say("the end: waiting for every frame to arrive");
    if (!eventually([&] { return everything_arrived(); }, kPatience)) {
      result_.failure = "not everything arrived";
    }
    sample();
    if (const auto figures = process_figures(bridge_->pid())) {
      result_.fds_at_end = figures->open_fds;
      result_.resident_at_end = figures->resident_bytes;
      // What changed between the two quiet moments, for a person to read.
      const std::map<int, std::string> files = open_files(bridge_->pid());
      for (const auto& [fd, file] : files) {
        const auto before = files_at_start_.find(fd);
        if (before == files_at_start_.end() || before->second != file) {
          result_.fds_changed.push_back(std::to_string(fd) + " -> " + file);
        }
      }
      for (const auto& [fd, file] : files_at_start_) {
        if (!files.contains(fd))
          result_.fds_changed.push_back(std::to_string(fd) + " closed (" + file + ")");
      }
    }
  } catch (const std::exception& error) {
    result_.failure = error.what();
  }
  result_.frames_sent = next_frame_;
  result_.frames_received = counter_.distinct();
  result_.stream_messages = counter_.messages();
  try {
    result_.points = points();
    result_.rows = rows();
  } catch (const std::exception& error) {
    if (result_.failure.empty()) result_.failure = error.what();
  }
  result_.exit_status = bridge_->stop(SIGTERM);
  result_.bridge_log = bridge_->err();
  // "serial:<link>: 123 frames published (...)"
  const std::size_t at = result_.bridge_log.rfind(" frames published");
  if (at != std::string::npos) {
    const std::size_t digits = result_.bridge_log.rfind(' ', at - 1) + 1;
    result_.frames_published = std::strtoull(result_.bridge_log.c_str() + digits, nullptr, 10);
  }
  result_.seconds = seconds_since_start();
  return result_;
}

}  // namespace

SoakResult run_soak(const SoakSettings& settings) {
  Soak soak{settings};
  return soak.run();
}

std::uint64_t max_resident(const std::vector<SoakSample>& samples, double from, double to) {
  std::uint64_t most = 0;
  for (const SoakSample& sample : samples) {
    if (sample.seconds >= from && sample.seconds < to) most = std::max(most, sample.resident_bytes);
  }
  return most;
}

std::size_t max_open_fds(const std::vector<SoakSample>& samples, double from, double to) {
  std::size_t most = 0;
  for (const SoakSample& sample : samples) {
    if (sample.seconds >= from && sample.seconds < to) most = std::max(most, sample.open_fds);
  }
  return most;
}

}  // namespace test
