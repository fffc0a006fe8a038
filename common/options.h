// Option reading shared by both programs (DESIGN.md, "Programs"): every option works as a flag
// `--name`, as a line `name = value` in the config file, and as an environment variable
// `TELEINFO_NAME` (upper case, '-' becomes '_'), with precedence flag > environment > file >
// default.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace common {

// A bad option or value: its message is one line that names it. Programs exit with status 2.
class OptionError : public std::runtime_error {
 public:
  // A line break in `message` (a value from the environment or the command line may hold one)
  // becomes a space.
  explicit OptionError(const std::string& message);
};

inline constexpr std::string_view kDefaultConfigFile = "/etc/teleinfo/teleinfo.conf";
inline constexpr std::string_view kEnvironmentPrefix = "TELEINFO_";

using Environment = std::map<std::string, std::string>;

// The process environment, for read_options.
Environment process_environment();

// Another program's environment variable that sets one of our options (teleinfo2mqtt's SERIAL
// sets --source), ranking below our own TELEINFO_ variable for that option. `translate` turns its
// value into ours, or returns nullopt when the value is bad.
struct EnvironmentAlias {
  std::string variable;
  std::string option;
  std::function<std::optional<std::string>(std::string_view)> translate;
};

// Reads the options of `options` from the command line, then from the TELEINFO_* variables of
// `environment`, then from `aliases`, then from the config file: `--config FILE` (flag or
// TELEINFO_CONFIG), else `default_config` when that file exists. `options` must declare "config".
// A TELEINFO_ variable that names no option is an error, unless listed in `environment_only`
// (variables the program reads itself, such as a password). `other_program` names the options of
// the other program: both read the same config file and often the same environment, so those are
// ignored there (a flag is still an error). Throws OptionError.
boost::program_options::variables_map read_options(
    const boost::program_options::options_description& options, int argc, const char* const* argv,
    const Environment& environment, std::string_view default_config = kDefaultConfigFile,
    const std::vector<EnvironmentAlias>& aliases = {},
    const std::vector<std::string>& environment_only = {},
    const std::vector<std::string>& other_program = {});

// Where a secret (a password) may come from, in order: the file named by the option `file_option`
// ("mqtt-password-file"), the environment `variables`, the systemd credential `credential`
// (LoadCredential=, in $CREDENTIALS_DIRECTORY). Never from a flag: `ps` shows flags.
struct SecretSource {
  std::string file_option;
  std::vector<std::string> variables;
  std::string credential;
};

// The secret, or empty when none is set; `origin` says where it came from, for --print-config
// and messages ("--mqtt-password-file", "TELEINFO_MQTT_PASSWORD"). The first line of a file, less
// a trailing CR. Throws OptionError when a named file cannot be read.
std::string read_secret(const boost::program_options::variables_map& values,
                        const Environment& environment, const SecretSource& source,
                        std::string& origin);

// --print-config: every option as a config-file line (unset ones commented out), then one line
// per secret saying only where it came from.
struct SecretOrigin {
  std::string what;    // "broker password"
  std::string origin;  // empty: none set
};
std::string print_config(std::string_view program,
                         const boost::program_options::options_description& options,
                         const boost::program_options::variables_map& values,
                         const std::vector<SecretOrigin>& secrets);

// The text of an option's value as a config file line would write it.
std::string text_of(const boost::any& value);

// Reads a boolean the way people write them in environment files: true/false, yes/no, on/off,
// 1/0, in any case.
std::optional<bool> parse_bool(std::string_view text);

// Splits "A,B , C" into {"A", "B", "C"}; empty items are dropped.
std::vector<std::string> split_list(std::string_view text);

}  // namespace common
