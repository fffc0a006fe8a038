#include "bridge/mqtt_options.h"

#include <charconv>
#include <fstream>

#include "bridge/topics.h"

namespace bridge {
namespace po = boost::program_options;

namespace {

[[noreturn]] void bad(std::string_view option, std::string_view value, std::string_view why) {
  throw common::OptionError{"--" + std::string{option} + " " + std::string{value} + ": " +
                            std::string{why}};
}

std::optional<std::string> same(std::string_view value) {
  return std::string{value};
}

}  // namespace

void add_mqtt_options(po::options_description& options, const std::string& url_help,
                      const std::string& client_id_help) {
  // clang-format off
  options.add_options()
      ("mqtt-url", po::value<std::string>()->default_value("mqtt://localhost:1883")
           ->value_name("URL"), url_help.c_str())
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
      ("mqtt-client-id", po::value<std::string>()->value_name("ID"), client_id_help.c_str())
      ("mqtt-version", po::value<std::string>()->default_value("3.1.1")->value_name("VERSION"),
       "MQTT protocol: 3.1.1 or 5")
      ("mqtt-base", po::value<std::string>()->default_value("teleinfo")->value_name("TOPIC"),
       "base of every MQTT topic");
  // clang-format on
}

std::vector<common::EnvironmentAlias> teleinfo2mqtt_mqtt_variables() {
  return {
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
  };
}

common::SecretSource mqtt_password_source() {
  // MQTT_PASSWORD is teleinfo2mqtt's.
  return {"mqtt-password-file", {"TELEINFO_MQTT_PASSWORD", "MQTT_PASSWORD"}, "mqtt_password"};
}

MqttOptions read_mqtt_options(const po::variables_map& values,
                              const common::Environment& environment, bool none_allowed) {
  MqttOptions result;
  result.base = values["mqtt-base"].as<std::string>();
  if (result.base.find("wifiTIC") != std::string::npos) {
    bad("mqtt-base", result.base,
        "the Jeedom teleinfo plugin reads topics holding 'wifiTIC' another way: choose another");
  }
  if (!valid_base_topic(result.base)) {
    bad("mqtt-base", result.base, "expected a topic without '+', '#' or a leading/trailing '/'");
  }

  MqttSettings& mqtt = result.settings;
  const std::string& url = values["mqtt-url"].as<std::string>();
  if (none_allowed && url == "none") {
    result.enabled = false;
  } else {
    parse_mqtt_url(url, mqtt);
  }
  if (values.count("mqtt-user") != 0) mqtt.username = values["mqtt-user"].as<std::string>();
  mqtt.password =
      common::read_secret(values, environment, mqtt_password_source(), result.password_origin);
  if (!mqtt.password.empty() && mqtt.username.empty()) {
    throw common::OptionError{"a broker password is set (from " + result.password_origin +
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
  return result;
}

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

}  // namespace bridge
