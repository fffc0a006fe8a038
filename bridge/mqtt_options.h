// The broker options both programs take (README, "Options"): where the broker is, how to log in,
// TLS, the client id, the protocol version and the base topic.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt_client.h"
#include "common/options.h"

namespace bridge {

// Declares --mqtt-url, --mqtt-user, --mqtt-password-file, --mqtt-ca, --mqtt-cert, --mqtt-key,
// --mqtt-insecure, --mqtt-client-id, --mqtt-version and --mqtt-base. `url_help` and
// `client_id_help` say what the program does with them.
void add_mqtt_options(boost::program_options::options_description& options,
                      const std::string& url_help, const std::string& client_id_help);

// teleinfo2mqtt's variables for those options (its docs/configuration), so that its compose files
// keep working.
std::vector<common::EnvironmentAlias> teleinfo2mqtt_mqtt_variables();

// Where the broker password comes from (never a flag).
common::SecretSource mqtt_password_source();

struct MqttOptions {
  MqttSettings settings;
  std::string base = "teleinfo";
  std::string password_origin;  // where the password came from; empty: none
  bool enabled = true;          // false: --mqtt-url none
};

// Reads what add_mqtt_options declared; `none_allowed`: --mqtt-url none means no broker. Throws
// common::OptionError.
MqttOptions read_mqtt_options(const boost::program_options::variables_map& values,
                              const common::Environment& environment, bool none_allowed);

// "mqtt://[user@]host[:port]" or "mqtts://...", into `settings` (host, port, tls, username).
// Throws common::OptionError; a password in the URL is refused (it would show in `ps`).
void parse_mqtt_url(std::string_view url, MqttSettings& settings);

}  // namespace bridge
