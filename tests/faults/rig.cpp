#include "faults/rig.h"

#include <poll.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/eventually.h"
#include "support/http_client.h"
#include "support/metrics_text.h"
#include "support/process.h"

namespace faults {
namespace {

const std::string kBridge = TELEINFO_BRIDGE;
constexpr std::string_view kDatabase = "faults";
constexpr std::string_view kInfluxDatabase = "teleinfo";

const std::string& empty_config() {
  static const std::string file = [] {
    const auto path = std::filesystem::temp_directory_path() / "teleinfo-faults-test.conf";
    std::ofstream{path};
    return path.string();
  }();
  return file;
}

// The EAST values of every point, from an /query answer of "SELECT EAST FROM teleinfo".
std::vector<std::uint64_t> easts_of(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  std::vector<std::uint64_t> easts;
  if (!document.IsObject() || !document.HasMember("results")) {
    throw std::runtime_error("InfluxDB: not an answer: " + json);
  }
  const auto& result = document["results"][0];
  if (!result.HasMember("series")) return easts;
  for (const auto& values : result["series"][0]["values"].GetArray()) {
    if (values.GetArray().Size() == 2 && values[1].IsUint64())
      easts.push_back(values[1].GetUint64());
  }
  return easts;
}

}  // namespace

Numbers range(std::uint64_t first, std::uint64_t count) {
  Numbers numbers;
  for (std::uint64_t i = 0; i < count; ++i)
    numbers.insert(numbers.end(), first + i);
  return numbers;
}

Rig::Rig(RigOptions options) : options_(std::move(options)) {
  spool_dir_ = options_.spool_dir.empty() ? directory_.file("spool") : options_.spool_dir;
  http_port_ = test::free_loopback_port();
  line_ = std::make_unique<test::PseudoTerminal>();
  link_.point_at(line_->slave_path());
  if (options_.broker) {
    test::BrokerOptions broker;
    broker.persistence = options_.persistent_broker;
    broker.max_queued_messages = 0;  // the subscriber's queue never drops while it reconnects
    broker_ = std::make_unique<test::Broker>(broker);
    bridge::MqttSettings settings;
    settings.host = broker_->host();
    settings.port = broker_->port();
    if (options_.persistent_broker) {
      settings.client_id = "teleinfo-faults-watcher";
      settings.clean_session = false;
    }
    subscriber_ = std::make_unique<test::Subscriber>(settings, "teleinfo/#");
    if (!subscriber_->wait_connected()) {
      throw std::runtime_error("the subscriber did not connect: " + subscriber_->last_error());
    }
  }
  if (options_.mysql) {
    mariadb_ = std::make_unique<test::MariaDb>();
    mysql_password_ = mariadb_->create_database(kDatabase);
  }
  if (options_.influx) {
    influxdb_ = std::make_unique<test::InfluxDb>();
    influxdb_->create_database(kInfluxDatabase);
  }
}

Rig::~Rig() {
  if (bridge_) bridge_->stop(SIGKILL);
}

std::vector<std::string> Rig::bridge_arguments() const {
  std::vector<std::string> arguments = {"--source",    "serial:" + link_.path(),
                                        "--mode",      "standard",
                                        "--http",      "127.0.0.1:" + std::to_string(http_port_),
                                        "--spool-dir", spool_dir_,
                                        "--mqtt-url",  broker_ ? broker_->url() : "none"};
  if (mariadb_) arguments.insert(arguments.end(), {"--mysql-url", mariadb_->url(kDatabase)});
  if (influxdb_) {
    arguments.insert(arguments.end(), {"--influx-url", influxdb_->url(), "--influx-db",
                                       std::string{kInfluxDatabase}});
  }
  arguments.insert(arguments.end(), options_.bridge_options.begin(), options_.bridge_options.end());
  return arguments;
}

void Rig::start_bridge() {
  std::map<std::string, std::string> environment = options_.environment;
  environment["TELEINFO_CONFIG"] = empty_config();
  if (mariadb_) environment["TELEINFO_MYSQL_PASSWORD"] = mysql_password_;
  bridge_ = std::make_unique<test::Daemon>(kBridge, bridge_arguments(), environment);
  reopened_ = 0;
  // Bytes written before the bridge sets the line raw would go through the line discipline.
  if (!bridge_->wait_for_err("reading " + link_.path()) ||
      !bridge_->wait_for_err("web page on http://")) {
    throw std::runtime_error("the bridge does not read " + link_.path() + ":\n" + bridge_->err());
  }
}

int Rig::stop_bridge(int signal) {
  const int status = bridge_->stop(signal);
  last_err_ = bridge_->err();
  bridge_.reset();
  return status;
}

std::string Rig::bridge_err() const {
  return bridge_ ? bridge_->err() : last_err_;
}

std::size_t Rig::count_in_err(std::string_view text) const {
  const std::string err = bridge_err();
  std::size_t count = 0;
  for (std::size_t at = err.find(text); at != std::string::npos; at = err.find(text, at + 1))
    ++count;
  return count;
}

std::string Rig::metrics() const {
  const test::HttpResponse response =
      test::http_get("http://127.0.0.1:" + std::to_string(http_port_) + "/metrics");
  return response.status == 200 ? response.body : std::string{};
}

std::optional<double> Rig::metric(std::string_view name,
                                  const std::map<std::string, std::string>& labels) const {
  return test::metric_value(metrics(), name, labels);
}

bool Rig::wait_metric(std::string_view name, const std::map<std::string, std::string>& labels,
                      double value, std::chrono::seconds failsafe) const {
  return test::eventually([&] { return metric(name, labels) == value; }, failsafe);
}

void Rig::send(std::uint64_t first, std::size_t count) {
  send_bytes(frames_.make(first, count).bytes);
}

void Rig::send_bytes(std::string_view bytes) {
  line_->send(bytes);
  auto progress = std::chrono::steady_clock::now();
  for (line_->pump(); !line_->all_sent(); line_->pump()) {
    // Wait until the line has room again: the bridge read what was there.
    pollfd writable{line_->master(), POLLOUT, 0};
    if (::poll(&writable, 1, 100) > 0) {
      progress = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - progress > std::chrono::seconds{20}) {
      throw std::runtime_error("the bridge stopped reading " + link_.path());
    }
  }
}

std::size_t Rig::send_until(std::uint64_t first, std::size_t count, const std::atomic<bool>& stop) {
  const test::FrameStream stream = frames_.make(first, count);  // made first: as fast as a line
  line_->send(stream.bytes);
  for (line_->pump(); !line_->all_sent() && !stop; line_->pump()) {
    pollfd writable{line_->master(), POLLOUT, 0};
    ::poll(&writable, 1, 100);
  }
  const std::size_t written = stream.bytes.size() - line_->pending();
  return static_cast<std::size_t>(
      std::upper_bound(stream.frame_ends.begin(), stream.frame_ends.end(), written) -
      stream.frame_ends.begin());
}

void Rig::unplug() {
  line_->close_master();
  link_.remove();
}

void Rig::plug() {
  line_ = std::make_unique<test::PseudoTerminal>();
  link_.point_at(line_->slave_path());
  if (!bridge_) return;
  // "reading <device> (<target>) again, at 9600 Bd": the bridge has set the new line raw.
  ++reopened_;
  if (!test::eventually([&] { return bridge_->count_in_err(") again, at 9600 Bd") >= reopened_; },
                        kFailsafe)) {
    throw std::runtime_error("the bridge did not read the line again:\n" + bridge_->err());
  }
}

Numbers Rig::received() const {
  Numbers numbers;
  for (const test::Message& message : subscriber_->messages()) {
    if (message.topic != stream_topic()) continue;
    if (const auto number = frames_.number_of(message.payload)) numbers.insert(*number);
  }
  return numbers;
}

std::size_t Rig::stream_messages() const {
  return subscriber_->count(stream_topic());
}

bool Rig::wait_received(const Numbers& wanted, std::chrono::seconds failsafe) const {
  const std::string topic = stream_topic();
  Numbers seen;
  std::size_t looked_at = 0;
  return subscriber_->wait_for(
      [&](const test::Subscriber::Messages& messages) {
        for (; looked_at < messages.size(); ++looked_at) {
          if (messages[looked_at].topic != topic) continue;
          const auto number = frames_.number_of(messages[looked_at].payload);
          if (number && wanted.contains(*number)) seen.insert(*number);
        }
        return seen.size() == wanted.size();
      },
      failsafe);
}

std::vector<std::string> Rig::statuses() const {
  std::vector<std::string> payloads;
  for (const test::Message& message : subscriber_->messages()) {
    if (message.topic == stream_topic() + "/status") payloads.push_back(message.payload);
  }
  return payloads;
}

Numbers Rig::rows() const {
  Numbers numbers;
  for (const auto& row : mariadb_->query("SELECT EAST FROM `faults`.frame")) {
    if (!row.at(0)) continue;
    if (const auto number = frames_.number_of_east(std::stoull(*row[0]))) numbers.insert(*number);
  }
  return numbers;
}

std::size_t Rig::row_count() const {
  return std::stoul(mariadb_->query("SELECT COUNT(*) FROM `faults`.frame").at(0).at(0).value());
}

Numbers Rig::points() const {
  Numbers numbers;
  for (std::uint64_t east :
       easts_of(influxdb_->query(kInfluxDatabase, "SELECT EAST FROM teleinfo"))) {
    if (const auto number = frames_.number_of_east(east)) numbers.insert(*number);
  }
  return numbers;
}

std::size_t Rig::point_count() const {
  return easts_of(influxdb_->query(kInfluxDatabase, "SELECT EAST FROM teleinfo")).size();
}

bool Rig::wait_rows(const Numbers& wanted, std::chrono::seconds failsafe) const {
  return test::eventually(
      [&] {
        try {
          return rows() == wanted;
        } catch (const std::exception&) {
          return false;  // the table is not there yet
        }
      },
      failsafe);
}

bool Rig::wait_points(const Numbers& wanted, std::chrono::seconds failsafe) const {
  return test::eventually([&] { return points() == wanted; }, failsafe);
}

std::optional<std::uint64_t> logged_count(const std::string& log, std::string_view prefix,
                                          std::string_view words) {
  for (const std::string& line : test::lines(log)) {
    const std::size_t start = line.find(prefix);
    if (start == std::string::npos) continue;
    const std::size_t at = line.find(words, start + prefix.size());
    if (at == std::string::npos || at == 0) continue;
    std::size_t digits = at;
    while (digits > 0 && line[digits - 1] >= '0' && line[digits - 1] <= '9')
      --digits;
    if (digits == at) continue;
    return std::stoull(line.substr(digits, at - digits));
  }
  return std::nullopt;
}

}  // namespace faults
