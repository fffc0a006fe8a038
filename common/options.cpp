#include "common/options.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// Boost's message for one of its errors, which it makes from a template by filling placeholders
// (%value%, %canonical_option%...) with the text given, again while one is left: text holding
// its own placeholder (`mqtt-qos = %value%`) would hang the program there. A '%' in that text is
// shown as "%25".
class BoostMessage : public po::error_with_option_name {
 public:
  explicit BoostMessage(const po::error_with_option_name& thrown)
      : error_with_option_name(thrown) {}

  // Whether a text given held a '%'.
  bool escape_percents() {
    bool escaped = false;
    for (auto& [name, text] : m_substitutions) {
      for (std::size_t at = text.find('%'); at != std::string::npos; at = text.find('%', at + 3)) {
        text.replace(at, 1, "%25");
        escaped = true;
      }
    }
    return escaped;
  }
};

std::string message_of(const po::error& error) {
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&error)) {
    // A copy, only when needed: it loses what a subclass adds (ambiguous_option's candidates).
    BoostMessage message{*named};
    if (message.escape_percents()) return message.what();
  }
  return error.what();
}

// What Boost would read as something else than what was written: an empty boolean, which it takes
// for true (an empty `mqtt-insecure =` would accept any certificate), and a negative count, which
// it wraps around (mqtt-backlog = -1 would keep 18446744073709551615 frames). `where` starts the
// message: "", "in the environment: ", the config file's "PATH: ".
void check_values(const po::parsed_options& parsed, const std::string& where) {
  for (const po::option& option : parsed.options) {
    if (option.unregistered || option.string_key.empty() || option.value.size() != 1) continue;
    const po::option_description* description =
        parsed.description->find_nothrow(option.string_key, false);
    if (description == nullptr) continue;
    const po::value_semantic* semantic = description->semantic().get();
    const std::string& value = option.value.front();
    if (value.empty() && dynamic_cast<const po::typed_value<bool>*>(semantic) != nullptr) {
      throw OptionError{where + "--" + option.string_key +
                        ": expected true or false, not an empty value"};
    }
    if (value.find('-') != std::string::npos &&
        dynamic_cast<const po::typed_value<std::size_t>*>(semantic) != nullptr) {
      throw OptionError{where + "--" + option.string_key + " " + value +
                        ": expected a whole number, 0 or more"};
    }
  }
}

}  // namespace

OptionError::OptionError(const std::string& message) : std::runtime_error(one_line(message)) {}

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
                               const std::vector<std::string>& environment_only,
                               const std::vector<std::string>& other_program) {
  const auto foreign = [&](const std::string& name) {
    return std::find(other_program.begin(), other_program.end(), name) != other_program.end();
  };
  po::variables_map values;
  try {
    const po::parsed_options parsed = po::command_line_parser(argc, argv).options(options).run();
    check_values(parsed, "");
    po::store(parsed, values);
  } catch (const po::error& error) {
    throw OptionError{message_of(error)};
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
    // TELEINFO_ alone names no option. Boost would find every option in "": an empty name is the
    // empty short name of each option that has none, and that ambiguity it throws past us.
    const po::option_description* known =
        name.empty() ? nullptr : options.find_nothrow(name, false);
    if (known == nullptr && foreign(name)) continue;
    if (known == nullptr || name == "help" || name == "version") {
      throw OptionError{"unknown environment variable " + variable};
    }
    po::option option;
    option.string_key = name;
    option.value.push_back(value);
    option.original_tokens = {variable, value};
    from_environment.options.push_back(std::move(option));
  }
  check_values(from_environment, "in the environment: ");
  try {
    po::store(from_environment, values);
  } catch (const po::error& error) {
    throw OptionError{"in the environment: " + message_of(error)};
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
  check_values(from_aliases, "in the environment: ");
  try {
    po::store(from_aliases, values);
  } catch (const po::error& error) {
    throw OptionError{"in the environment: " + message_of(error)};
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
      po::parsed_options parsed = po::parse_config_file(file, options, true);
      std::erase_if(parsed.options, [&](const po::option& option) {
        if (!option.unregistered) return false;
        if (foreign(option.string_key)) return true;
        throw OptionError{config + ": unrecognised option '" + option.string_key + "'"};
      });
      check_values(parsed, config + ": ");
      po::store(parsed, values);
    } catch (const po::error& error) {
      throw OptionError{config + ": " + message_of(error)};
    }
  }

  try {
    po::notify(values);
  } catch (const po::error& error) {
    throw OptionError{message_of(error)};
  }
  return values;
}

std::string read_secret(const po::variables_map& values, const Environment& environment,
                        const SecretSource& source, std::string& origin) {
  const auto first_line = [](const std::string& path, std::string_view option) {
    std::ifstream file{path};
    std::string secret;
    if (!file || !std::getline(file, secret)) {
      throw OptionError{"--" + std::string{option} + " " + path + ": cannot read the file"};
    }
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    return secret;
  };
  if (values.count(source.file_option) != 0) {
    origin = "--" + source.file_option;
    return first_line(values[source.file_option].as<std::string>(), source.file_option);
  }
  for (const std::string& variable : source.variables) {
    const auto found = environment.find(variable);
    if (found != environment.end()) {
      origin = variable;
      return found->second;
    }
  }
  const auto credentials = environment.find("CREDENTIALS_DIRECTORY");
  if (credentials != environment.end()) {
    const std::filesystem::path file =
        std::filesystem::path{credentials->second} / source.credential;
    if (std::filesystem::is_regular_file(file)) {
      origin = "systemd credential " + source.credential;
      return first_line(file.string(), source.file_option);
    }
  }
  origin.clear();
  return {};
}

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

std::string print_config(std::string_view program, const po::options_description& options,
                         const po::variables_map& values,
                         const std::vector<SecretOrigin>& secrets) {
  std::ostringstream out;
  out << "# " << program << " " TELEINFO_VERSION ": the configuration in effect\n";
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
  for (const SecretOrigin& secret : secrets) {
    out << "# " << secret.what << ": "
        << (secret.origin.empty() ? "none" : "******** (from " + secret.origin + ")") << "\n";
  }
  return out.str();
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
