// Where the InfluxDB archive is (README, "Archiving"): the --influx-* options.
//
// InfluxDB 1.x: --influx-url and --influx-db (with --influx-user and a password, and a retention
// policy if wanted). InfluxDB 2.x/3.x, and 1.8+ through its v2 API: --influx-url, --influx-org,
// --influx-bucket and a token. The password and the token come from a file, the environment or a
// systemd credential, never from a flag.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/options.h"

namespace influx {

struct InfluxSettings {
  std::string url;  // "http://host:8086" or "https://host/prefix", no trailing '/', no credentials
  // InfluxDB 1.x: POST {url}/write?db=...
  std::string database{};
  std::string user{};
  std::string password{};  // never logged, never in an error message
  std::string retention_policy{};
  // InfluxDB 2.x/3.x API: POST {url}/api/v2/write?org=...&bucket=...
  std::string org{};
  std::string bucket{};
  std::string token{};  // never logged, never in an error message
  std::string measurement = "teleinfo";
  std::string ca_file{};  // https: CA certificates to check the server with
  bool insecure = false;  // https: accept any server certificate
  bool gzip = false;      // Content-Encoding: gzip
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};  // the whole request

  bool v2() const { return !bucket.empty(); }
};

void add_influx_options(boost::program_options::options_description& options);

// The settings, or nullopt without --influx-url. Adds {"influx password", origin} and
// {"influx token", origin} to `secrets` for --print-config. Throws common::OptionError (one
// line naming the option): a bad URL, credentials in it, both API styles at once, --influx-db
// or --influx-org/--influx-bucket/token missing, an --influx-* option or a secret without
// --influx-url, an unreadable file.
std::optional<InfluxSettings> read_influx_options(
    const boost::program_options::variables_map& values, const common::Environment& environment,
    std::vector<common::SecretOrigin>& secrets);

// Where the password and the token come from.
common::SecretSource influx_password_source();
common::SecretSource influx_token_source();

// The TELEINFO_ variables read here that name no option (common::read_options'
// `environment_only`): TELEINFO_INFLUX_PASSWORD, TELEINFO_INFLUX_TOKEN.
std::vector<std::string> secret_variables();

}  // namespace influx
