#include "influx/influx_options.h"

#include <fstream>
#include <string_view>

namespace influx {
namespace po = boost::program_options;

namespace {

[[noreturn]] void bad(std::string_view option, std::string_view why) {
  throw common::OptionError{"--" + std::string{option} + ": " + std::string{why}};
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != prefix[i]) return false;
  }
  return true;
}

bool has_control_character(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Checks the URL and returns it without a trailing '/'. No message repeats the URL: it could
// hold a password.
std::string checked_url(std::string_view url) {
  std::size_t scheme = 0;
  if (starts_with_ignoring_case(url, "http://"))
    scheme = 7;
  else if (starts_with_ignoring_case(url, "https://"))
    scheme = 8;
  else
    bad("influx-url", "expected http://HOST[:PORT] or https://HOST[:PORT]");
  if (has_control_character(url) || url.find(' ') != std::string_view::npos)
    bad("influx-url", "spaces and control characters are not allowed");
  const std::string_view rest = url.substr(scheme);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    bad("influx-url",
        "no user or password in the URL (`ps` would show them): use --influx-user and "
        "--influx-password-file, or a token file");
  }
  if (authority.empty() || authority.front() == ':') bad("influx-url", "the host is missing");
  if (url.find_first_of("?#") != std::string_view::npos)
    bad("influx-url", "no query or fragment: the database or bucket have options of their own");
  std::string result{url};
  while (result.size() > scheme && result.back() == '/')
    result.pop_back();
  return result;
}

std::string text_option(const po::variables_map& values, const char* name) {
  if (values.count(name) == 0) return {};
  std::string value = values[name].as<std::string>();
  if (value.empty()) bad(name, "expected a value");
  if (has_control_character(value)) bad(name, "control characters are not allowed");
  return value;
}

}  // namespace

void add_influx_options(po::options_description& options) {
  // clang-format off
  options.add_options()
      ("influx-url", po::value<std::string>()->value_name("URL"),
       "archive frames in InfluxDB: http://HOST:8086 or https://HOST[:PORT][/PATH]")
      ("influx-db", po::value<std::string>()->value_name("NAME"),
       "InfluxDB 1.x: the database")
      ("influx-user", po::value<std::string>()->value_name("USER"), "InfluxDB 1.x: the user")
      ("influx-password-file", po::value<std::string>()->value_name("FILE"),
       "InfluxDB 1.x: file holding the password (else TELEINFO_INFLUX_PASSWORD, or the systemd "
       "credential influx_password)")
      ("influx-retention-policy", po::value<std::string>()->value_name("NAME"),
       "InfluxDB 1.x: the retention policy (default: the database's)")
      ("influx-org", po::value<std::string>()->value_name("ORG"),
       "InfluxDB 2.x/3.x (and 1.8+): the organization")
      ("influx-bucket", po::value<std::string>()->value_name("BUCKET"),
       "InfluxDB 2.x/3.x (and 1.8+): the bucket")
      ("influx-token-file", po::value<std::string>()->value_name("FILE"),
       "InfluxDB 2.x/3.x (and 1.8+): file holding the API token (else TELEINFO_INFLUX_TOKEN, or "
       "the systemd credential influx_token)")
      ("influx-measurement", po::value<std::string>()->default_value("teleinfo")->value_name("NAME"),
       "the measurement frames are written to (tag meter: the meter address)")
      ("influx-ca", po::value<std::string>()->value_name("FILE"),
       "https: CA certificates to check the InfluxDB server with")
      ("influx-insecure", po::bool_switch(),
       "https: accept any InfluxDB server certificate (tests and closed networks only)")
      ("influx-gzip", po::bool_switch(), "compress the writes (Content-Encoding: gzip)");
  // clang-format on
}

common::SecretSource influx_password_source() {
  return {"influx-password-file", {"TELEINFO_INFLUX_PASSWORD"}, "influx_password"};
}

common::SecretSource influx_token_source() {
  return {"influx-token-file", {"TELEINFO_INFLUX_TOKEN"}, "influx_token"};
}

std::vector<std::string> secret_variables() {
  return {"TELEINFO_INFLUX_PASSWORD", "TELEINFO_INFLUX_TOKEN"};
}

std::optional<InfluxSettings> read_influx_options(const po::variables_map& values,
                                                  const common::Environment& environment,
                                                  std::vector<common::SecretOrigin>& secrets) {
  std::string password_origin, token_origin;
  std::string password =
      common::read_secret(values, environment, influx_password_source(), password_origin);
  std::string token = common::read_secret(values, environment, influx_token_source(), token_origin);
  secrets.push_back({"influx password", password_origin});
  secrets.push_back({"influx token", token_origin});

  static constexpr const char* kV1Options[] = {"influx-db", "influx-user", "influx-password-file",
                                               "influx-retention-policy"};
  static constexpr const char* kV2Options[] = {"influx-org", "influx-bucket", "influx-token-file"};
  const auto first_given = [&](const auto& names) -> const char* {
    for (const char* name : names) {
      if (values.count(name) != 0) return name;
    }
    return nullptr;
  };

  if (values.count("influx-url") == 0) {
    for (const char* name :
         {"influx-db", "influx-user", "influx-password-file", "influx-retention-policy",
          "influx-org", "influx-bucket", "influx-token-file", "influx-ca"}) {
      if (values.count(name) != 0) bad(name, "needs --influx-url");
    }
    if (!password_origin.empty())
      throw common::OptionError{"an influx password (" + password_origin + ") needs --influx-url"};
    if (!token_origin.empty())
      throw common::OptionError{"an influx token (" + token_origin + ") needs --influx-url"};
    return std::nullopt;
  }

  InfluxSettings settings;
  settings.url = checked_url(values["influx-url"].as<std::string>());
  const char* v1 = first_given(kV1Options);
  const char* v2 = first_given(kV2Options);
  if (v1 != nullptr && v2 != nullptr) {
    throw common::OptionError{"--" + std::string{v1} + " (InfluxDB 1.x) and --" + v2 +
                              " (InfluxDB 2.x API) do not go together: choose one"};
  }
  if (v1 == nullptr && v2 == nullptr) {
    bad("influx-url",
        "needs --influx-db (InfluxDB 1.x) or --influx-org and --influx-bucket (InfluxDB 2.x API)");
  }

  if (v1 != nullptr) {
    if (!token_origin.empty()) {
      throw common::OptionError{"an influx token (" + token_origin +
                                ") is for --influx-bucket, not --influx-db"};
    }
    settings.database = text_option(values, "influx-db");
    if (settings.database.empty()) bad("influx-db", "is needed with --" + std::string{v1});
    settings.user = text_option(values, "influx-user");
    settings.retention_policy = text_option(values, "influx-retention-policy");
    if (!password_origin.empty() && settings.user.empty()) {
      throw common::OptionError{"an influx password (" + password_origin + ") needs --influx-user"};
    }
    settings.password = std::move(password);
  } else {
    if (!password_origin.empty()) {
      throw common::OptionError{"an influx password (" + password_origin +
                                ") is for --influx-db, not --influx-bucket: use a token"};
    }
    settings.org = text_option(values, "influx-org");
    settings.bucket = text_option(values, "influx-bucket");
    if (settings.org.empty()) bad("influx-org", "is needed with --influx-bucket");
    if (settings.bucket.empty()) bad("influx-bucket", "is needed with --influx-org");
    if (token.empty()) {
      bad("influx-token-file",
          "a token is needed with --influx-bucket (a file, TELEINFO_INFLUX_TOKEN, or the systemd "
          "credential influx_token)");
    }
    settings.token = std::move(token);
  }

  settings.measurement = values["influx-measurement"].as<std::string>();
  if (settings.measurement.empty()) bad("influx-measurement", "expected a name");
  if (has_control_character(settings.measurement))
    bad("influx-measurement", "control characters are not allowed");
  if (settings.measurement.front() == '#')
    bad("influx-measurement", "a name starting with '#' is a comment in line protocol");

  const bool https = starts_with_ignoring_case(settings.url, "https://");
  if (values.count("influx-ca") != 0) {
    settings.ca_file = values["influx-ca"].as<std::string>();
    if (!https) bad("influx-ca", "needs an https:// --influx-url");
    if (!std::ifstream{settings.ca_file})
      bad("influx-ca", settings.ca_file + ": cannot read the file");
  }
  settings.insecure = values["influx-insecure"].as<bool>();
  if (settings.insecure && !https) bad("influx-insecure", "needs an https:// --influx-url");
  settings.gzip = values["influx-gzip"].as<bool>();
  return settings;
}

}  // namespace influx
