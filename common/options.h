// Option reading shared by both programs (DESIGN.md, "Programs"): every option works as a flag
// `--name`, as a line `name = value` in the config file, and as an environment variable
// `TELEINFO_NAME` (upper case, '-' becomes '_'), with precedence flag > environment > file >
// default.
#pragma once

#include <boost/program_options.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace common {

// A bad option or value: its message is one line that names it. Programs exit with status 2.
class OptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::string_view kDefaultConfigFile = "/etc/teleinfo/teleinfo.conf";
inline constexpr std::string_view kEnvironmentPrefix = "TELEINFO_";

using Environment = std::map<std::string, std::string>;

// The process environment, for read_options.
Environment process_environment();

// Reads the options of `options` from the command line, then from the TELEINFO_* variables of
// `environment`, then from the config file: `--config FILE` (flag or TELEINFO_CONFIG), else
// `default_config` when that file exists. `options` must declare "config". Throws OptionError.
boost::program_options::variables_map read_options(
    const boost::program_options::options_description& options, int argc, const char* const* argv,
    const Environment& environment, std::string_view default_config = kDefaultConfigFile);

// Splits "A,B , C" into {"A", "B", "C"}; empty items are dropped.
std::vector<std::string> split_list(std::string_view text);

}  // namespace common
