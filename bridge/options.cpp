#include "bridge/options.h"

#include <sstream>

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
      ("mode", po::value<std::string>()->default_value("auto")->value_name("MODE"),
       "TIC mode: auto, historic (1200 Bd) or standard (9600 Bd)")
      ("dry-run", po::bool_switch(),
       "connect to no broker: print each publication as a JSON line on standard output")
      ("mqtt-base", po::value<std::string>()->default_value("teleinfo")->value_name("TOPIC"),
       "base of every MQTT topic")
      ("no-checksum", po::value<std::vector<std::string>>()->value_name("LABEL,..."),
       "labels whose checksum is not checked (for firmware that gets one wrong); counted")
      ("log-level", po::value<std::string>()->default_value("info")->value_name("LEVEL"),
       "debug, info, warning or error")
      ("config", po::value<std::string>()->value_name("FILE"),
       "config file of `name = value` lines (default /etc/teleinfo/teleinfo.conf if present)")
      ("help", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  return options;
}

}  // namespace

std::variant<BridgeOptions, ExitNow> parse_options(int argc, const char* const* argv,
                                                   const common::Environment& environment) {
  const po::options_description options = describe();
  const po::variables_map values = common::read_options(options, argc, argv, environment);

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
  if (mode == "historic") {
    result.mode = tic::Mode::Historic;
  } else if (mode == "standard") {
    result.mode = tic::Mode::Standard;
  } else if (mode != "auto") {
    throw common::OptionError{"--mode " + mode + ": expected auto, historic or standard"};
  }

  result.dry_run = values["dry-run"].as<bool>();

  result.mqtt_base = values["mqtt-base"].as<std::string>();
  if (!valid_base_topic(result.mqtt_base)) {
    throw common::OptionError{"--mqtt-base " + result.mqtt_base +
                              ": expected a topic without '+', '#' or a leading/trailing '/'"};
  }

  if (values.count("no-checksum") != 0) {
    for (const std::string& list : values["no-checksum"].as<std::vector<std::string>>()) {
      for (std::string& label : common::split_list(list)) {
        result.no_checksum.push_back(std::move(label));
      }
    }
  }

  const std::string& level = values["log-level"].as<std::string>();
  const std::optional<common::log::Level> parsed_level = common::log::parse_level(level);
  if (!parsed_level) {
    throw common::OptionError{"--log-level " + level + ": expected debug, info, warning or error"};
  }
  result.log_level = *parsed_level;
  return result;
}

}  // namespace bridge
