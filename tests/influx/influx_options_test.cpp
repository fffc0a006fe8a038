// The --influx-* options: InfluxDB 1.x and 2.x settings, where the secrets come from, and the
// one-line errors.
#include "influx/influx_options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "common/options.h"
#include "support/broker.h"

namespace {

namespace po = boost::program_options;

class InfluxOptionsTest : public ::testing::Test {
 protected:
  // The settings for `arguments` (after the program name) and `environment`.
  std::optional<influx::InfluxSettings> read(std::vector<std::string> arguments,
                                             common::Environment environment = {}) {
    po::options_description options;
    options.add_options()("config", po::value<std::string>());
    influx::add_influx_options(options);
    arguments.insert(arguments.begin(), "teleinfo-archive");
    std::vector<const char*> argv;
    for (const std::string& argument : arguments)
      argv.push_back(argument.c_str());
    const po::variables_map values =
        common::read_options(options, static_cast<int>(argv.size()), argv.data(), environment,
                             directory_.file("none.conf"), {}, influx::secret_variables());
    secrets_.clear();
    return influx::read_influx_options(values, environment, secrets_);
  }

  // The error read() throws, or "no error".
  std::string error_of(std::vector<std::string> arguments, common::Environment environment = {}) {
    try {
      read(std::move(arguments), std::move(environment));
    } catch (const common::OptionError& error) {
      return error.what();
    }
    return "no error";
  }

  std::string secret_file(const std::string& name, const std::string& secret) {
    const std::string path = directory_.file(name);
    std::ofstream{path} << secret << "\n";
    return path;
  }

  std::string origin_of(const std::string& what) const {
    for (const common::SecretOrigin& secret : secrets_) {
      if (secret.what == what) return secret.origin;
    }
    return "not listed";
  }

  test::TemporaryDirectory directory_{"teleinfo-influx-options"};
  std::vector<common::SecretOrigin> secrets_;
};

TEST_F(InfluxOptionsTest, NoUrlNoInflux) {
  EXPECT_FALSE(read({}).has_value());
  EXPECT_EQ(origin_of("influx password"), "");
  EXPECT_EQ(origin_of("influx token"), "");
}

TEST_F(InfluxOptionsTest, Version1) {
  const auto settings =
      read({"--influx-url", "http://db.home:8086/", "--influx-db", "energy", "--influx-user",
            "writer", "--influx-password-file", secret_file("password", "s3cret"),
            "--influx-retention-policy", "one_year", "--influx-gzip"});
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->url, "http://db.home:8086");
  EXPECT_EQ(settings->database, "energy");
  EXPECT_EQ(settings->user, "writer");
  EXPECT_EQ(settings->password, "s3cret");
  EXPECT_EQ(settings->retention_policy, "one_year");
  EXPECT_FALSE(settings->v2());
  EXPECT_EQ(settings->measurement, "teleinfo");
  EXPECT_TRUE(settings->gzip);
  EXPECT_FALSE(settings->insecure);
  EXPECT_EQ(settings->connect_timeout.count(), 5000);
  EXPECT_EQ(settings->timeout.count(), 30000);
  EXPECT_EQ(origin_of("influx password"), "--influx-password-file");
  EXPECT_EQ(origin_of("influx token"), "");
}

TEST_F(InfluxOptionsTest, Version1PasswordFromTheEnvironment) {
  const auto settings =
      read({"--influx-url", "http://127.0.0.1:8086", "--influx-db", "tic"},
           {{"TELEINFO_INFLUX_USER", "writer"}, {"TELEINFO_INFLUX_PASSWORD", "from-env"}});
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->user, "writer");
  EXPECT_EQ(settings->password, "from-env");
  EXPECT_EQ(origin_of("influx password"), "TELEINFO_INFLUX_PASSWORD");
}

TEST_F(InfluxOptionsTest, Version2) {
  const auto settings =
      read({"--influx-url", "https://influx.example.org", "--influx-org", "home", "--influx-bucket",
            "tic", "--influx-token-file", secret_file("token", "tok-123"), "--influx-measurement",
            "linky", "--influx-insecure"});
  ASSERT_TRUE(settings.has_value());
  EXPECT_TRUE(settings->v2());
  EXPECT_EQ(settings->url, "https://influx.example.org");
  EXPECT_EQ(settings->org, "home");
  EXPECT_EQ(settings->bucket, "tic");
  EXPECT_EQ(settings->token, "tok-123");
  EXPECT_EQ(settings->database, "");
  EXPECT_EQ(settings->measurement, "linky");
  EXPECT_TRUE(settings->insecure);
  EXPECT_FALSE(settings->gzip);
  EXPECT_EQ(origin_of("influx token"), "--influx-token-file");
  EXPECT_EQ(origin_of("influx password"), "");
}

TEST_F(InfluxOptionsTest, Version2TokenFromTheEnvironmentOrASystemdCredential) {
  const std::vector<std::string> arguments = {
      "--influx-url", "http://127.0.0.1:8086", "--influx-org", "home", "--influx-bucket", "tic"};
  auto settings = read(arguments, {{"TELEINFO_INFLUX_TOKEN", "env-token"}});
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->token, "env-token");
  EXPECT_EQ(origin_of("influx token"), "TELEINFO_INFLUX_TOKEN");

  secret_file("influx_token", "credential-token");
  settings = read(arguments, {{"CREDENTIALS_DIRECTORY", directory_.path()}});
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->token, "credential-token");
  EXPECT_EQ(origin_of("influx token"), "systemd credential influx_token");
}

TEST_F(InfluxOptionsTest, Errors) {
  const std::string token = secret_file("token", "tok");
  const std::string password = secret_file("password", "pw");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-db", "a", "--influx-bucket", "b"}),
            "--influx-db (InfluxDB 1.x) and --influx-bucket (InfluxDB 2.x API) do not go "
            "together: choose one");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086"}),
            "--influx-url: needs --influx-db (InfluxDB 1.x) or --influx-org and --influx-bucket "
            "(InfluxDB 2.x API)");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-user", "u"}),
            "--influx-db: is needed with --influx-user");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-org", "o", "--influx-token-file",
                      token}),
            "--influx-bucket: is needed with --influx-org");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-bucket", "b",
                      "--influx-token-file", token}),
            "--influx-org: is needed with --influx-bucket");
  EXPECT_EQ(
      error_of({"--influx-url", "http://h:8086", "--influx-org", "o", "--influx-bucket", "b"}),
      "--influx-token-file: a token is needed with --influx-bucket (a file, "
      "TELEINFO_INFLUX_TOKEN, or the systemd credential influx_token)");
  EXPECT_EQ(error_of({"--influx-url", "http://user:secret@h:8086", "--influx-db", "a"}),
            "--influx-url: no user or password in the URL (`ps` would show them): use "
            "--influx-user and --influx-password-file, or a token file");
  EXPECT_EQ(error_of({"--influx-url", "ftp://h:8086", "--influx-db", "a"}),
            "--influx-url: expected http://HOST[:PORT] or https://HOST[:PORT]");
  EXPECT_EQ(error_of({"--influx-url", "http://", "--influx-db", "a"}),
            "--influx-url: the host is missing");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086/write?db=a", "--influx-db", "a"}),
            "--influx-url: no query or fragment: the database or bucket have options of their own");
  EXPECT_EQ(error_of({"--influx-db", "a"}), "--influx-db: needs --influx-url");
  EXPECT_EQ(error_of({"--influx-token-file", token}), "--influx-token-file: needs --influx-url");
  EXPECT_EQ(error_of({}, {{"TELEINFO_INFLUX_TOKEN", "t"}}),
            "an influx token (TELEINFO_INFLUX_TOKEN) needs --influx-url");
  EXPECT_EQ(error_of({}, {{"TELEINFO_INFLUX_PASSWORD", "p"}}),
            "an influx password (TELEINFO_INFLUX_PASSWORD) needs --influx-url");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-db", "a", "--influx-password-file",
                      password}),
            "an influx password (--influx-password-file) needs --influx-user");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-db", "a"},
                     {{"TELEINFO_INFLUX_TOKEN", "t"}}),
            "an influx token (TELEINFO_INFLUX_TOKEN) is for --influx-bucket, not --influx-db");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-org", "o", "--influx-bucket", "b",
                      "--influx-token-file", token},
                     {{"TELEINFO_INFLUX_PASSWORD", "p"}}),
            "an influx password (TELEINFO_INFLUX_PASSWORD) is for --influx-db, not "
            "--influx-bucket: use a token");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-db", "a", "--influx-ca", token}),
            "--influx-ca: needs an https:// --influx-url");
  EXPECT_EQ(error_of({"--influx-url", "https://h", "--influx-db", "a", "--influx-ca",
                      directory_.file("missing.pem")}),
            "--influx-ca: " + directory_.file("missing.pem") + ": cannot read the file");
  EXPECT_EQ(
      error_of({"--influx-url", "http://h:8086", "--influx-db", "a", "--influx-measurement", "#x"}),
      "--influx-measurement: a name starting with '#' is a comment in line protocol");
  EXPECT_EQ(error_of({"--influx-url", "http://h:8086", "--influx-db", ""}),
            "--influx-db: expected a value");
}

TEST_F(InfluxOptionsTest, NoErrorRepeatsTheUrlOrASecret) {
  const std::string error =
      error_of({"--influx-url", "https://writer:hunter2@h:8086", "--influx-db", "a"});
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

}  // namespace
