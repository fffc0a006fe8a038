#include "bridge/options.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bridge/topics.h"

namespace bridge {
namespace po = boost::program_options;

namespace {

// Options that hold a secret, or a path to one: print-config masks them.
constexpr std::string_view kPasswordVariable = "TELEINFO_MQTT_PASSWORD";
constexpr std::string_view kPasswordCredential = "mqtt_password";  // systemd LoadCredential=

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
      ("mqtt-url", po::value<std::string>()->default_value("mqtt://localhost:1883")
           ->value_name("URL"),
       "broker: mqtt://[USER@]HOST[:PORT] or mqtts://[USER@]HOST[:PORT] (TLS)")
      ("mqtt-user", po::value<std::string>()->value_name("USER"), "user name on the broker")
      ("mqtt-password-file", po::value<std::string>()->value_name("FILE"),
       "file holding the broker password (else TELEINFO_MQTT_PASSWORD, or the systemd "
       "credential mqtt_password)")
      ("mqtt-ca", po::value<std::string>()->value_name("FILE"),
       "TLS: CA certificates to check the broker with (default: the system's)")
      ("mqtt-cert", po::value<std::string>()->value_name("FILE"), "TLS: client certificate")
      ("mqtt-key", po::value<std::string>()->value_name("FILE"), "TLS: client private key")
      ("mqtt-insecure", po::bool_switch(),
       "TLS: accept any broker certificate (tests and closed networks only)")
      ("mqtt-client-id", po::value<std::string>()->value_name("ID"),
       "MQTT client id (default: teleinfo-HOSTNAME-PID)")
      ("mqtt-version", po::value<std::string>()->default_value("3.1.1")->value_name("VERSION"),
       "MQTT protocol: 3.1.1 or 5")
      ("mqtt-qos", po::value<int>()->default_value(1)->value_name("QOS"),
       "QoS of every publication: 0, 1 or 2")
      ("mqtt-retain", po::bool_switch(),
       "retain the frame-stream messages too (label and status topics are always retained)")
      ("mqtt-base", po::value<std::string>()->default_value("teleinfo")->value_name("TOPIC"),
       "base of every MQTT topic")
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
      ("log-level", po::value<std::string>()->default_value("info")->value_name("LEVEL"),
       "debug, info, warning or error")
      ("config", po::value<std::string>()->value_name("FILE"),
       "config file of `name = value` lines (default /etc/teleinfo/teleinfo.conf if present)")
      ("print-config", po::bool_switch(),
       "print the configuration in effect (secrets masked) and exit")
      ("help", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
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
  return {
      {"SERIAL", "source", same},
      {"TIC_MODE", "mode",
       [](std::string_view value) -> std::optional<std::string> {
         if (value == "history" || value == "historic") return "historic";
         if (value == "standard" || value == "auto") return std::string{value};
         return std::nullopt;
       }},
      {"MQTT_URL", "mqtt-url", same},
      {"MQTT_USER", "mqtt-user", same},
      {"MQTT_BASE_TOPIC", "mqtt-base", same},
      {"MQTT_TLS_CA_CHAIN", "mqtt-ca", same},
      {"MQTT_TLS_CLIENT_CERT", "mqtt-cert", same},
      {"MQTT_TLS_CLIENT_KEY", "mqtt-key", same},
      {"MQTT_TLS_REJECT_UNAUTHORIZED", "mqtt-insecure",
       [](std::string_view value) -> std::optional<std::string> {
         const std::optional<bool> reject = common::parse_bool(value);
         if (!reject) return std::nullopt;
         return *reject ? "false" : "true";
       }},
      {"EMIT_INTERVAL", "frame-interval", same},
      {"HASS_DISCOVERY", "ha-discovery", boolean},
      {"HASS_DISCOVERY_PREFIX", "ha-prefix", same},
      {"LOG_LEVEL", "log-level",
       [](std::string_view value) -> std::optional<std::string> {
         if (value == "warn") return "warning";
         return std::string{value};
       }},
  };
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

std::string read_secret_file(const std::string& path, std::string_view option) {
  std::ifstream file{path};
  std::string secret;
  if (!file || !std::getline(file, secret)) {
    throw common::OptionError{"--" + std::string{option} + " " + path + ": cannot read the file"};
  }
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  return secret;
}

// The broker password, from the first of: --mqtt-password-file, TELEINFO_MQTT_PASSWORD,
// teleinfo2mqtt's MQTT_PASSWORD, systemd's credential. Never from a flag: `ps` shows flags.
std::string password(const po::variables_map& values, const common::Environment& environment,
                     std::string& origin) {
  if (values.count("mqtt-password-file") != 0) {
    origin = "--mqtt-password-file";
    return read_secret_file(values["mqtt-password-file"].as<std::string>(), "mqtt-password-file");
  }
  for (const std::string_view variable : {kPasswordVariable, std::string_view{"MQTT_PASSWORD"}}) {
    const auto found = environment.find(std::string{variable});
    if (found != environment.end()) {
      origin = variable;
      return found->second;
    }
  }
  const auto credentials = environment.find("CREDENTIALS_DIRECTORY");
  if (credentials != environment.end()) {
    const std::filesystem::path file =
        std::filesystem::path{credentials->second} / kPasswordCredential;
    if (std::filesystem::is_regular_file(file)) {
      origin = "systemd credential " + std::string{kPasswordCredential};
      return read_secret_file(file.string(), "mqtt-password-file");
    }
  }
  return {};
}

// The value of an option as a config file line would write it.
std::string text_of(const boost::any& value) {
  if (const auto* text = boost::any_cast<std::string>(&value)) return *text;
  if (const auto* flag = boost::any_cast<bool>(&value)) return *flag ? "true" : "false";
  if (const auto* number = boost::any_cast<int>(&value)) return std::to_string(*number);
  if (const auto* size = boost::any_cast<std::size_t>(&value)) return std::to_string(*size);
  if (const auto* real = boost::any_cast<double>(&value)) {
    std::ostringstream out;
    out << *real;
    return out.str();
  }
  return "?";
}

std::string print_config(const po::options_description& options, const po::variables_map& values,
                         const std::string& password_origin) {
  std::ostringstream out;
  out << "# teleinfo-bridge " TELEINFO_VERSION ": the configuration in effect\n";
  for (const auto& option : options.options()) {
    const std::string& name = option->long_name();
    if (name == "help" || name == "version" || name == "print-config") continue;
    const auto found = values.find(name);
    if (found == values.end() || found->second.empty()) {
      out << "# " << name << " =\n";
      continue;
    }
    const boost::any& value = found->second.value();
    if (const auto* items = boost::any_cast<std::vector<std::string>>(&value)) {
      for (const std::string& item : *items)
        out << name << " = " << item << "\n";
    } else {
      out << name << " = " << text_of(value) << "\n";
    }
  }
  out << "# broker password: "
      << (password_origin.empty() ? "none" : "******** (from " + password_origin + ")") << "\n";
  return out.str();
}

}  // namespace

void parse_mqtt_url(std::string_view url, MqttSettings& settings) {
  std::string_view rest;
  if (url.starts_with("mqtt://")) {
    settings.tls = false;
    settings.port = 1883;
    rest = url.substr(7);
  } else if (url.starts_with("mqtts://")) {
    settings.tls = true;
    settings.port = 8883;
    rest = url.substr(8);
  } else {
    bad("mqtt-url", url, "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user = rest.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      throw common::OptionError{
          "--mqtt-url: a password in the URL would show in the process list; use "
          "--mqtt-password-file or TELEINFO_MQTT_PASSWORD"};
    }
    if (!user.empty()) settings.username = user;
    rest.remove_prefix(at + 1);
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {  // [::1]:1883
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) bad("mqtt-url", url, "unclosed '[' in the host");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) bad("mqtt-url", url, "expected :PORT after the host");
      port = after.substr(1);
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || host.find('/') != std::string_view::npos) {
    bad("mqtt-url", url, "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]");
  }
  settings.host = host;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      bad("mqtt-url", url, "the port must be a number from 1 to 65535");
    }
    settings.port = static_cast<std::uint16_t>(value);
  }
}

std::variant<BridgeOptions, ExitNow> parse_options(int argc, const char* const* argv,
                                                   const common::Environment& environment) {
  const po::options_description options = describe();
  const po::variables_map values =
      common::read_options(options, argc, argv, environment, common::kDefaultConfigFile,
                           teleinfo2mqtt_variables(), {std::string{kPasswordVariable}});

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

  result.mqtt_base = values["mqtt-base"].as<std::string>();
  if (result.mqtt_base.find("wifiTIC") != std::string::npos) {
    bad("mqtt-base", result.mqtt_base,
        "the Jeedom teleinfo plugin reads topics holding 'wifiTIC' another way: choose another");
  }
  if (!valid_base_topic(result.mqtt_base)) {
    bad("mqtt-base", result.mqtt_base,
        "expected a topic without '+', '#' or a leading/trailing '/'");
  }

  MqttSettings& mqtt = result.mqtt;
  parse_mqtt_url(values["mqtt-url"].as<std::string>(), mqtt);
  if (values.count("mqtt-user") != 0) mqtt.username = values["mqtt-user"].as<std::string>();
  std::string password_origin;
  mqtt.password = password(values, environment, password_origin);
  if (!mqtt.password.empty() && mqtt.username.empty()) {
    throw common::OptionError{"a broker password is set (from " + password_origin +
                              ") but no user: add --mqtt-user"};
  }
  const auto readable = [&](const char* name, std::string& into) {
    if (values.count(name) == 0) return;
    into = values[name].as<std::string>();
    if (!std::ifstream{into}) bad(name, into, "cannot read the file");
  };
  readable("mqtt-ca", mqtt.ca_file);
  readable("mqtt-cert", mqtt.cert_file);
  readable("mqtt-key", mqtt.key_file);
  if (mqtt.cert_file.empty() != mqtt.key_file.empty()) {
    throw common::OptionError{"--mqtt-cert and --mqtt-key go together"};
  }
  mqtt.insecure = values["mqtt-insecure"].as<bool>();
  if (values.count("mqtt-client-id") != 0) {
    mqtt.client_id = values["mqtt-client-id"].as<std::string>();
    if (mqtt.client_id.empty() || mqtt.client_id.size() > 23 * 4) {
      bad("mqtt-client-id", mqtt.client_id, "expected 1 to 92 characters");
    }
  }
  const std::string& version = values["mqtt-version"].as<std::string>();
  if (version == "3.1.1" || version == "311" || version == "4") {
    mqtt.protocol_version = 4;
  } else if (version == "5" || version == "5.0") {
    mqtt.protocol_version = 5;
  } else {
    bad("mqtt-version", version, "expected 3.1.1 or 5");
  }
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
    bad("frame-interval", text_of(interval), "expected 0 to 86400 seconds");
  }
  policy.frame_interval = std::chrono::milliseconds{std::llround(interval * 1000)};
  policy.power_change = values["power-change"].as<double>();
  if (!(policy.power_change >= 0)) {
    bad("power-change", text_of(policy.power_change), "expected a percentage, 0 or more");
  }
  policy.labels = list_option(values, "labels");

  const int timeout = values["meter-timeout"].as<int>();
  if (timeout < 1) bad("meter-timeout", std::to_string(timeout), "expected 1 second or more");
  result.meter_timeout = std::chrono::seconds{timeout};
  result.replay_speed = values["replay-speed"].as<double>();
  if (!(result.replay_speed >= 0 && result.replay_speed <= 1000)) {
    bad("replay-speed", text_of(result.replay_speed), "expected 0 (as fast as possible) to 1000");
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

  if (values["print-config"].as<bool>()) {
    return ExitNow{print_config(options, values, password_origin)};
  }
  return result;
}

}  // namespace bridge
