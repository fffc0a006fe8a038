#include "bridge/options.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bridge/mqtt_options.h"
#include "bridge/topics.h"

namespace bridge {
namespace po = boost::program_options;

namespace {

po::options_description describe() {
  po::options_description options{"Options (also TELEINFO_<NAME> variables and config file lines)"};
  // clang-format off
  options.add_options()
      ("source", po::value<std::vector<std::string>>()->value_name("SOURCE"),
       "where a meter's bytes come from, once per meter: /dev/ttyAMA0, serial:/dev/ttyUSB0, "
       "tcp://HOST:PORT, file:PATH, - (standard input), sim:historic, sim:standard")
      ("mode", po::value<std::string>()->default_value("auto")->value_name("MODE[,MODE...]"),
       "TIC mode: auto, historic (1200 Bd) or standard (9600 Bd); one for all sources, or one "
       "per source in order")
      ("dry-run", po::bool_switch(),
       "connect to no broker: print each publication as a JSON line on standard output")
      ("mqtt-qos", po::value<int>()->default_value(1)->value_name("QOS"),
       "QoS of every publication: 0, 1 or 2")
      ("mqtt-retain", po::bool_switch(),
       "retain the frame-stream messages too (label and status topics are always retained)")
      ("mqtt-backlog", po::value<std::size_t>()->default_value(100'000)->value_name("FRAMES"),
       "frame-stream messages kept while the broker is away (oldest dropped beyond)")
      ("refresh", po::value<int>()->default_value(60)->value_name("SECONDS"),
       "label topics go out on change, and all of them again this often (0: on change only)")
      ("frame-interval", po::value<double>()->default_value(0)->value_name("SECONDS"),
       "frame stream: at most one frame this often (0: every frame), plus any frame where the "
       "tariff period or STGE changes or the power moves by more than --power-change")
      ("power-change", po::value<double>()->default_value(10)->value_name("PERCENT"),
       "with --frame-interval: a power change that publishes a frame at once")
      ("labels", po::value<std::vector<std::string>>()->value_name("LABEL,..."),
       "publish only these labels (default: every label; the meter address always goes)")
      ("meter-timeout", po::value<int>()->default_value(30)->value_name("SECONDS"),
       "a meter's status topic says offline after this long without a valid frame")
      ("replay-speed", po::value<double>()->default_value(0)->value_name("FACTOR"),
       "file sources: 1 replays at the meter's own pace, 2 twice as fast, 0 as fast as possible")
      ("jeedom", po::bool_switch(),
       "frame stream: add STGE01..STGE20 and RELAIS01..RELAIS08 as the Jeedom teleinfo plugin's "
       "serial daemon names them")
      ("jeedom-tasmota", po::bool_switch(),
       "also publish each frame as {\"TIC\":{...}} on <base>/<id>/tic (older Jeedom plugins)")
      ("ha-discovery", po::value<bool>()->default_value(true)->implicit_value(true)
           ->value_name("BOOL"),
       "Home Assistant discovery (--ha-discovery=false to turn off)")
      ("ha-prefix", po::value<std::string>()->default_value("homeassistant")->value_name("TOPIC"),
       "Home Assistant discovery prefix")
      ("no-checksum", po::value<std::vector<std::string>>()->value_name("LABEL,..."),
       "labels whose checksum is not checked (for firmware that gets one wrong); counted")
      ("http", po::value<std::string>()->value_name("ADDRESS:PORT"),
       "serve the live web page, its JSON API and /metrics here, e.g. 127.0.0.1:8080 (no "
       "password: keep it to loopback or a trusted network)")
      ("http-points", po::value<std::size_t>()->default_value(500)->value_name("POINTS"),
       "points of each label the web page's chart and /api/history keep")
      ("log-level", po::value<std::string>()->default_value("info")->value_name("LEVEL"),
       "debug, info, warning or error")
      ("config", po::value<std::string>()->value_name("FILE"),
       "config file of `name = value` lines (default /etc/teleinfo/teleinfo.conf if present)")
      ("print-config", po::bool_switch(),
       "print the configuration in effect (secrets masked) and exit")
      ("help", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  add_mqtt_options(options,
                   "broker: mqtt://[USER@]HOST[:PORT], mqtts://[USER@]HOST[:PORT] (TLS), or none "
                   "(no broker: archive only)",
                   "MQTT client id (default: teleinfo-HOSTNAME-PID)");
  archive::add_archive_options(options);
  return options;
}

std::optional<std::string> same(std::string_view value) {
  return std::string{value};
}

std::optional<std::string> boolean(std::string_view value) {
  const std::optional<bool> parsed = common::parse_bool(value);
  if (!parsed) return std::nullopt;
  return *parsed ? "true" : "false";
}

// teleinfo2mqtt's environment (its docs/configuration), so that its compose files keep working.
std::vector<common::EnvironmentAlias> teleinfo2mqtt_variables() {
  std::vector<common::EnvironmentAlias> variables = teleinfo2mqtt_mqtt_variables();
  variables.insert(variables.end(), {
                                        {"SERIAL", "source", same},
                                        {"TIC_MODE", "mode",
                                         [](std::string_view value) -> std::optional<std::string> {
                                           if (value == "history" || value == "historic")
                                             return "historic";
                                           if (value == "standard" || value == "auto")
                                             return std::string{value};
                                           return std::nullopt;
                                         }},
                                        {"EMIT_INTERVAL", "frame-interval", same},
                                        {"HASS_DISCOVERY", "ha-discovery", boolean},
                                        {"HASS_DISCOVERY_PREFIX", "ha-prefix", same},
                                        {"LOG_LEVEL", "log-level",
                                         [](std::string_view value) -> std::optional<std::string> {
                                           if (value == "warn") return "warning";
                                           return std::string{value};
                                         }},
                                    });
  return variables;
}

[[noreturn]] void bad(std::string_view option, std::string_view value, std::string_view why) {
  throw common::OptionError{"--" + std::string{option} + " " + std::string{value} + ": " +
                            std::string{why}};
}

std::optional<tic::Mode> parse_mode(std::string_view mode) {
  if (mode == "historic") return tic::Mode::Historic;
  if (mode == "standard") return tic::Mode::Standard;
  if (mode != "auto") bad("mode", mode, "expected auto, historic or standard");
  return std::nullopt;
}

std::vector<std::string> list_option(const po::variables_map& values, const char* name) {
  std::vector<std::string> items;
  if (values.count(name) == 0) return items;
  for (const std::string& list : values[name].as<std::vector<std::string>>()) {
    for (std::string& item : common::split_list(list))
      items.push_back(std::move(item));
  }
  return items;
}

// The environment variables that hold secrets, and where each secret came from (--print-config).
std::vector<std::string> program_secret_variables() {
  std::vector<std::string> variables = archive::secret_variables();
  variables.push_back("TELEINFO_MQTT_PASSWORD");
  return variables;
}

std::vector<common::SecretOrigin> program_secrets(const std::string& broker_origin,
                                                  const archive::ArchiveOptions& archiving) {
  std::vector<common::SecretOrigin> origins = {{"broker password", broker_origin}};
  for (common::SecretOrigin& origin : archive::secret_origins(archiving))
    origins.push_back(std::move(origin));
  return origins;
}

}  // namespace

std::variant<BridgeOptions, ExitNow> parse_options(int argc, const char* const* argv,
                                                   const common::Environment& environment) {
  const po::options_description options = describe();
  const po::variables_map values = common::read_options(
      options, argc, argv, environment, common::kDefaultConfigFile, teleinfo2mqtt_variables(),
      program_secret_variables(), archive::teleinfo_archive_only_options());

  if (values.count("help") != 0) {
    std::ostringstream text;
    text << "Usage: teleinfo-bridge --source SOURCE [--source SOURCE...] [options]\n"
         << "Reads French electricity meters (TIC, Linky and older) and publishes their frames "
            "to MQTT.\n\n"
         << options;
    return ExitNow{text.str()};
  }
  if (values.count("version") != 0) return ExitNow{"teleinfo-bridge " TELEINFO_VERSION "\n"};

  BridgeOptions result;
  if (values.count("source") == 0) throw common::OptionError{"--source is required"};
  for (const std::string& source : values["source"].as<std::vector<std::string>>()) {
    result.sources.push_back(parse_source(source));
  }

  const std::string& mode = values["mode"].as<std::string>();
  const std::vector<std::string> modes = common::split_list(mode);
  if (modes.size() != 1 && modes.size() != result.sources.size()) {
    bad("mode", mode, "expected one mode, or one per --source");
  }
  for (std::size_t i = 0; i < result.sources.size(); ++i) {
    result.modes.push_back(parse_mode(modes.size() == 1 ? modes[0] : modes[i]));
  }

  result.dry_run = values["dry-run"].as<bool>();

  MqttOptions broker = read_mqtt_options(values, environment, /*none_allowed=*/true);
  result.mqtt_base = broker.base;
  result.mqtt_enabled = broker.enabled;
  MqttSettings& mqtt = result.mqtt;
  mqtt = std::move(broker.settings);
  mqtt.will = MqttSettings::Will{result.mqtt_base + "/status", "offline", 1, true};

  PublishPolicy& policy = result.policy;
  policy.qos = values["mqtt-qos"].as<int>();
  if (policy.qos < 0 || policy.qos > 2)
    bad("mqtt-qos", std::to_string(policy.qos), "expected 0, 1 or 2");
  mqtt.will->qos = policy.qos;
  policy.retain_frames = values["mqtt-retain"].as<bool>();
  result.mqtt_backlog = values["mqtt-backlog"].as<std::size_t>();

  const int refresh = values["refresh"].as<int>();
  if (refresh < 0) bad("refresh", std::to_string(refresh), "expected 0 or more seconds");
  policy.refresh = std::chrono::seconds{refresh};
  const double interval = values["frame-interval"].as<double>();
  if (!(interval >= 0 && interval <= 86400)) {
    bad("frame-interval", common::text_of(interval), "expected 0 to 86400 seconds");
  }
  policy.frame_interval = std::chrono::milliseconds{std::llround(interval * 1000)};
  policy.power_change = values["power-change"].as<double>();
  if (!(policy.power_change >= 0)) {
    bad("power-change", common::text_of(policy.power_change), "expected a percentage, 0 or more");
  }
  policy.labels = list_option(values, "labels");

  const int timeout = values["meter-timeout"].as<int>();
  if (timeout < 1) bad("meter-timeout", std::to_string(timeout), "expected 1 second or more");
  result.meter_timeout = std::chrono::seconds{timeout};
  result.replay_speed = values["replay-speed"].as<double>();
  if (!(result.replay_speed >= 0 && result.replay_speed <= 1000)) {
    bad("replay-speed", common::text_of(result.replay_speed),
        "expected 0 (as fast as possible) to 1000");
  }

  result.jeedom = values["jeedom"].as<bool>();
  result.jeedom_tasmota = values["jeedom-tasmota"].as<bool>();
  result.policy.tasmota = result.jeedom_tasmota;
  result.ha_discovery = values["ha-discovery"].as<bool>();
  result.ha_prefix = values["ha-prefix"].as<std::string>();
  if (!valid_base_topic(result.ha_prefix)) {
    bad("ha-prefix", result.ha_prefix,
        "expected a topic without '+', '#' or a leading/trailing '/'");
  }

  result.no_checksum = list_option(values, "no-checksum");

  const std::string& level = values["log-level"].as<std::string>();
  const std::optional<common::log::Level> parsed_level = common::log::parse_level(level);
  if (!parsed_level) bad("log-level", level, "expected debug, info, warning or error");
  result.log_level = *parsed_level;

  result.archive = archive::read_archive_options(values, environment,
                                                 std::string{archive::kSpoolRoot} + "bridge");
  if (values.count("http") != 0) {
    const std::string& http = values["http"].as<std::string>();
    result.http = web::parse_listen_address(http);
    if (!result.http) bad("http", http, "expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
  }
  result.http_points = values["http-points"].as<std::size_t>();
  if (result.http_points < 1 || result.http_points > 100'000) {
    bad("http-points", std::to_string(result.http_points), "expected 1 to 100000");
  }
  if (!result.mqtt_enabled && !result.dry_run && result.archive.sinks() == 0 && !result.http) {
    throw common::OptionError{
        "--mqtt-url none: nothing to do; add --mysql-url, --csv-file or --http, or name a broker"};
  }

  if (values["print-config"].as<bool>()) {
    return ExitNow{common::print_config("teleinfo-bridge", options, values,
                                        program_secrets(broker.password_origin, result.archive))};
  }
  return result;
}

std::vector<std::string> teleinfo_bridge_only_options() {
  po::options_description shared;
  add_mqtt_options(shared, "", "");
  archive::add_archive_options(shared);
  const po::options_description bridge = describe();
  std::vector<std::string> names;
  for (const auto& option : bridge.options()) {
    const std::string& name = option->long_name();
    if (shared.find_nothrow(name, false) == nullptr && name != "log-level" && name != "config" &&
        name != "print-config" && name != "help" && name != "version") {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace bridge
