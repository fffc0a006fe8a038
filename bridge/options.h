// teleinfo-bridge's options (DESIGN.md, "Programs" and "Sources"; README, "Options").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "archive/archive_options.h"
#include "bridge/mqtt_client.h"
#include "bridge/mqtt_options.h"
#include "bridge/source.h"
#include "common/log.h"
#include "common/options.h"
#include "tic/labels.h"
#include "web/http_server.h"

namespace bridge {

// When the frame stream publishes (DESIGN.md, "MQTT layout"), and what goes out at all.
struct PublishPolicy {
  std::chrono::seconds refresh{60};  // label topics: on change, and all of them this often
  // The frame stream: every frame when zero; else at most one frame per interval, plus any frame
  // where the tariff period or STGE changed or the apparent power moved by more than
  // power_change percent since the last frame published.
  std::chrono::milliseconds frame_interval{0};
  bool tasmota = false;  // also the Tasmota shape {"TIC":{...}} on <base>/<id>/tic
  double power_change = 10.0;
  std::vector<std::string> labels;  // empty: every label
  int qos = 1;
  bool retain_frames = false;
};

struct BridgeOptions {
  std::vector<SourceSpec> sources;
  std::vector<std::optional<tic::Mode>> modes;  // one per source; nullopt: auto
  bool dry_run = false;
  std::string mqtt_base = "teleinfo";
  bool mqtt_enabled = true;  // false: --mqtt-url none, frames only go to the archive's sinks
  MqttSettings mqtt;
  std::size_t mqtt_backlog = 100'000;
  PublishPolicy policy;
  std::chrono::seconds meter_timeout{30};
  double replay_speed = 0;      // file sources: 0 as fast as possible, 1 the meter's own pace
  bool jeedom = false;          // STGE01..20 and RELAIS01..08 in the frame stream
  bool jeedom_tasmota = false;  // also {"TIC":{...}} on <base>/<id>/tic
  bool ha_discovery = true;
  std::string ha_prefix = "homeassistant";
  std::vector<std::string> no_checksum;
  archive::ArchiveOptions archive;         // MySQL, CSV: the sinks run in this process
  std::optional<web::ListenAddress> http;  // --http: the web page, its API and /metrics
  std::size_t http_points = 500;           // --http-points: points kept per label
  common::log::Level log_level = common::log::Level::Info;
};

// What to print before exiting at once (--help, --version, --print-config).
struct ExitNow {
  std::string text;
};

// Throws common::OptionError for a bad option or value.
std::variant<BridgeOptions, ExitNow> parse_options(int argc, const char* const* argv,
                                                   const common::Environment& environment);

// The options of teleinfo-bridge that teleinfo-archive does not take (it ignores them in the
// shared config file and environment).
std::vector<std::string> teleinfo_bridge_only_options();

}  // namespace bridge
