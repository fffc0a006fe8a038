#include "archive/options.h"

#include <unistd.h>

#include <cctype>
#include <sstream>

namespace archive {
namespace po = boost::program_options;

namespace {

po::options_description describe() {
  po::options_description options{"Options (also TELEINFO_<NAME> variables and config file lines)"};
  bridge::add_mqtt_options(
      options, "broker: mqtt://[USER@]HOST[:PORT] or mqtts://[USER@]HOST[:PORT]",
      "MQTT client id: the broker keeps its session, and the frames sent "
      "while it is away, under this name (default: teleinfo-archive-HOSTNAME)");
  // clang-format off
  options.add_options()
      ("mqtt-share", po::value<std::string>()->value_name("GROUP"),
       "read the stream through the shared subscription $share/GROUP/...: archivers of one "
       "group split the frames (give each its own --mqtt-client-id)");
  // clang-format on
  add_archive_options(options);
  // clang-format off
  options.add_options()
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

std::string default_client_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "teleinfo-archive";
  return std::string{"teleinfo-archive-"} + host;
}

// MQTT topic levels of a share name: no wildcard, no '/'.
bool valid_group(std::string_view group) {
  return !group.empty() && group.find_first_of("/+#") == std::string_view::npos;
}

// The environment variables that hold secrets, and where each secret came from (--print-config).
std::vector<std::string> program_secret_variables() {
  std::vector<std::string> variables = archive::secret_variables();
  variables.push_back("TELEINFO_MQTT_PASSWORD");
  return variables;
}

std::vector<common::SecretOrigin> program_secrets(const std::string& broker_origin,
                                                  const ArchiveOptions& archiving) {
  std::vector<common::SecretOrigin> origins = {{"broker password", broker_origin}};
  for (common::SecretOrigin& origin : archive::secret_origins(archiving))
    origins.push_back(std::move(origin));
  return origins;
}

}  // namespace

std::variant<ProgramOptions, bridge::ExitNow> parse_program_options(
    int argc, const char* const* argv, const common::Environment& environment) {
  const po::options_description options = describe();
  const po::variables_map values =
      common::read_options(options, argc, argv, environment, common::kDefaultConfigFile,
                           bridge::teleinfo2mqtt_mqtt_variables(), program_secret_variables(),
                           bridge::teleinfo_bridge_only_options());

  if (values.count("help") != 0) {
    std::ostringstream text;
    text << "Usage: teleinfo-archive [options]\n"
         << "Reads teleinfo-bridge's MQTT frame stream and archives the frames in MySQL/MariaDB "
            "or a CSV file.\n\n"
         << options;
    return bridge::ExitNow{text.str()};
  }
  if (values.count("version") != 0) {
    return bridge::ExitNow{"teleinfo-archive " TELEINFO_VERSION "\n"};
  }

  ProgramOptions result;
  result.mqtt = bridge::read_mqtt_options(values, environment, /*none_allowed=*/false);
  bridge::MqttSettings& mqtt = result.mqtt.settings;
  if (mqtt.protocol_version == 5) {
    // libmosquitto sends MQTT 5's session expiry only from a blocking connect; without it the
    // broker forgets the session, and the frames sent meanwhile, when the archiver goes away.
    throw common::OptionError{
        "--mqtt-version 5: teleinfo-archive needs MQTT 3.1.1 for a session the broker keeps "
        "while it is away (shared subscriptions work with it)"};
  }
  mqtt.clean_session = false;
  if (mqtt.client_id.empty()) mqtt.client_id = default_client_id();
  if (values.count("mqtt-share") != 0) {
    result.share = values["mqtt-share"].as<std::string>();
    if (!valid_group(result.share)) {
      throw common::OptionError{"--mqtt-share " + result.share +
                                ": expected a name without '/', '+' or '#'"};
    }
  }

  // One spool per session: archivers sharing a stream on one host each keep their own.
  std::string spool = mqtt.client_id;
  for (char& c : spool) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  result.archive = read_archive_options(values, environment, std::string{kSpoolRoot} + spool);
  if (result.archive.sinks() == 0) {
    throw common::OptionError{"nothing to archive to: add --mysql-url or --csv-file"};
  }

  const std::string& level = values["log-level"].as<std::string>();
  const std::optional<common::log::Level> parsed_level = common::log::parse_level(level);
  if (!parsed_level) {
    throw common::OptionError{"--log-level " + level + ": expected debug, info, warning or error"};
  }
  result.log_level = *parsed_level;

  if (values["print-config"].as<bool>()) {
    return bridge::ExitNow{
        common::print_config("teleinfo-archive", options, values,
                             program_secrets(result.mqtt.password_origin, result.archive))};
  }
  return result;
}

std::string subscription(const ProgramOptions& options) {
  const std::string stream = options.mqtt.base + "/+";
  return options.share.empty() ? stream : "$share/" + options.share + "/" + stream;
}

}  // namespace archive
