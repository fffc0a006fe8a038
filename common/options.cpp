#include "common/options.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace common {
namespace po = boost::program_options;

namespace {

// TELEINFO_MQTT_BASE -> mqtt-base.
std::string option_name(std::string_view variable) {
  std::string name{variable.substr(kEnvironmentPrefix.size())};
  for (char& c : name) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

// Error messages are one line.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

}  // namespace

Environment process_environment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text{*entry};
    const std::size_t equal = text.find('=');
    if (equal == std::string_view::npos) continue;
    environment.emplace(text.substr(0, equal), text.substr(equal + 1));
  }
  return environment;
}

po::variables_map read_options(const po::options_description& options, int argc,
                               const char* const* argv, const Environment& environment,
                               std::string_view default_config,
                               const std::vector<EnvironmentAlias>& aliases,
                               const std::vector<std::string>& environment_only) {
  po::variables_map values;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), values);
  } catch (const po::error& error) {
    throw OptionError{one_line(error.what())};
  }

  // The environment: each TELEINFO_ variable must name an option.
  po::parsed_options from_environment{&options};
  for (const auto& [variable, value] : environment) {
    if (!variable.starts_with(kEnvironmentPrefix)) continue;
    if (std::find(environment_only.begin(), environment_only.end(), variable) !=
        environment_only.end()) {
      continue;
    }
    const std::string name = option_name(variable);
    const po::option_description* known = options.find_nothrow(name, false);
    if (known == nullptr || name == "help" || name == "version") {
      throw OptionError{"unknown environment variable " + variable};
    }
    po::option option;
    option.string_key = name;
    option.value.push_back(value);
    option.original_tokens = {variable, value};
    from_environment.options.push_back(std::move(option));
  }
  try {
    po::store(from_environment, values);
  } catch (const po::error& error) {
    throw OptionError{"in the environment: " + one_line(error.what())};
  }

  // Other programs' variables, for options still unset: po::store keeps the first value stored.
  po::parsed_options from_aliases{&options};
  for (const EnvironmentAlias& alias : aliases) {
    const auto found = environment.find(alias.variable);
    if (found == environment.end()) continue;
    const auto existing = values.find(alias.option);
    if (existing != values.end() && !existing->second.defaulted()) continue;
    const std::optional<std::string> value = alias.translate(found->second);
    if (!value) throw OptionError{alias.variable + "=" + found->second + ": not a valid value"};
    po::option option;
    option.string_key = alias.option;
    option.value.push_back(*value);
    option.original_tokens = {alias.variable, found->second};
    from_aliases.options.push_back(std::move(option));
  }
  try {
    po::store(from_aliases, values);
  } catch (const po::error& error) {
    throw OptionError{"in the environment: " + one_line(error.what())};
  }

  std::string config;
  if (values.count("config") != 0) {
    config = values["config"].as<std::string>();
    if (!std::filesystem::is_regular_file(config)) {
      throw OptionError{"--config: cannot read " + config};
    }
  } else if (std::filesystem::is_regular_file(std::string{default_config})) {
    config = default_config;
  }
  if (!config.empty()) {
    std::ifstream file{config};
    if (!file) throw OptionError{"--config: cannot read " + config};
    try {
      po::store(po::parse_config_file(file, options), values);
    } catch (const po::error& error) {
      throw OptionError{config + ": " + one_line(error.what())};
    }
  }

  try {
    po::notify(values);
  } catch (const po::error& error) {
    throw OptionError{one_line(error.what())};
  }
  return values;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string lower{text};
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") return false;
  return std::nullopt;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace common
