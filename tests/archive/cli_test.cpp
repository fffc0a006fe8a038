// teleinfo-archive run as a user would, and the archiving options of both programs: one-line
// errors with status 2, secrets masked, the shared config file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/process.h"

namespace {

const std::string kArchive = TELEINFO_ARCHIVE;
const std::string kBridge = TELEINFO_BRIDGE;
const std::string kFrames = std::string{TELEINFO_TEST_DATA} + "/frames/";

std::map<std::string, std::string> no_config() {
  static const std::string empty = [] {
    const auto file = std::filesystem::temp_directory_path() / "teleinfo-archive-cli-empty.conf";
    std::ofstream{file};
    return file.string();
  }();
  return {{"TELEINFO_CONFIG", empty}};
}

test::ProcessResult run(const std::string& program, const std::vector<std::string>& arguments,
                        std::map<std::string, std::string> environment = {}) {
  for (const auto& [name, value] : no_config())
    environment.emplace(name, value);
  return test::run_process(program, arguments, environment);
}

void expect_one_error_line(const test::ProcessResult& result, std::string_view program,
                           std::string_view mention) {
  EXPECT_EQ(result.exit_status, 2);
  const std::vector<std::string> err = test::lines(result.err);
  ASSERT_EQ(err.size(), 1u) << result.err;
  EXPECT_TRUE(err[0].starts_with(std::string{program} + ": error: ")) << err[0];
  EXPECT_NE(err[0].find(mention), std::string::npos) << err[0];
}

bool has_line(const std::string& text, std::string_view line) {
  for (const std::string& each : test::lines(text)) {
    if (each == line) return true;
  }
  return false;
}

TEST(ArchiveCli, VersionAndHelp) {
  const test::ProcessResult version = run(kArchive, {"--version"});
  EXPECT_EQ(version.exit_status, 0);
  EXPECT_EQ(version.out, "teleinfo-archive " TELEINFO_VERSION "\n");
  const test::ProcessResult help = run(kArchive, {"--help"});
  EXPECT_EQ(help.exit_status, 0);
  for (const char* option :
       {"--mqtt-url", "--mqtt-user", "--mqtt-password-file", "--mqtt-client-id", "--mqtt-base",
        "--mqtt-share", "--mysql-url", "--mysql-password-file", "--mysql-tls", "--mysql-ca",
        "--csv-file", "--archive-interval", "--spool-dir", "--spool-size", "--log-level",
        "--config", "--print-config"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  // The bridge takes the archiving options too.
  const test::ProcessResult bridge_help = run(kBridge, {"--help"});
  for (const char* option : {"--mysql-url", "--csv-file", "--archive-interval", "--spool-dir"}) {
    EXPECT_NE(bridge_help.out.find(option), std::string::npos) << option;
  }
}

TEST(ArchiveCli, BadOptionsGiveOneLineAndStatus2) {
  const std::string archive = "teleinfo-archive";
  expect_one_error_line(run(kArchive, {}), archive, "--mysql-url or --csv-file");
  expect_one_error_line(run(kArchive, {"--csv-file", "/tmp/x.csv", "--mqtt-version", "5"}), archive,
                        "--mqtt-version 5");
  expect_one_error_line(run(kArchive, {"--csv-file", "/tmp/x.csv", "--mqtt-share", "a/b"}), archive,
                        "--mqtt-share a/b");
  expect_one_error_line(run(kArchive, {"--mysql-url", "mysql://bob:secret@db/teleinfo"}), archive,
                        "--mysql-password-file");
  expect_one_error_line(run(kArchive, {"--mysql-url", "postgres://db/teleinfo"}), archive,
                        "--mysql-url");
  expect_one_error_line(run(kArchive, {"--csv-file", "/tmp/x.csv", "--archive-interval", "-1"}),
                        archive, "--archive-interval");
  expect_one_error_line(run(kArchive, {"--csv-file", "/tmp/x.csv", "--spool-size", "0"}), archive,
                        "--spool-size");
  expect_one_error_line(run(kArchive, {"--mysql-ca", "/tmp/ca.pem", "--csv-file", "/tmp/x.csv"}),
                        archive, "--mysql-url");
  // A bridge option is a mistake on teleinfo-archive's command line.
  expect_one_error_line(run(kArchive, {"--csv-file", "/tmp/x.csv", "--source", "sim:standard"}),
                        archive, "source");

  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  expect_one_error_line(run(kBridge, {"--source", capture, "--mqtt-url", "none"}),
                        "teleinfo-bridge", "--mqtt-url none");
  expect_one_error_line(run(kBridge, {"--source", capture, "--mqtt-share", "g"}), "teleinfo-bridge",
                        "mqtt-share");
}

TEST(ArchiveCli, PrintConfigMasksBothPasswords) {
  const test::ProcessResult result =
      run(kArchive,
          {"--print-config", "--mysql-url", "mysql://archiver@db.lan/teleinfo", "--mqtt-url",
           "mqtt://bob@broker.lan", "--mqtt-share", "archivers"},
          {{"TELEINFO_MYSQL_PASSWORD", "db-secret-1"}, {"TELEINFO_MQTT_PASSWORD", "mq-secret-2"}});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out.find("db-secret-1"), std::string::npos);
  EXPECT_EQ(result.out.find("mq-secret-2"), std::string::npos);
  EXPECT_TRUE(has_line(result.out, "mysql-url = mysql://archiver@db.lan/teleinfo")) << result.out;
  EXPECT_TRUE(has_line(result.out, "mqtt-share = archivers")) << result.out;
  EXPECT_TRUE(has_line(result.out, "# broker password: ******** (from TELEINFO_MQTT_PASSWORD)"));
  EXPECT_TRUE(has_line(result.out, "# database password: ******** (from TELEINFO_MYSQL_PASSWORD)"));

  // edgd1er/teleinfo's MYSQL_PASSWORD, below ours.
  const test::ProcessResult seed =
      run(kArchive, {"--print-config", "--mysql-url", "mysql://linky@db/linky"},
          {{"MYSQL_PASSWORD", "x"}});
  EXPECT_TRUE(has_line(seed.out, "# database password: ******** (from MYSQL_PASSWORD)"))
      << seed.out;
}

TEST(ArchiveCli, BothProgramsReadOneConfigFile) {
  // /etc/teleinfo/teleinfo.conf serves both: each passes over the other's options.
  test::TemporaryDirectory directory{"teleinfo-archive-cli"};
  const std::string config = directory.file("teleinfo.conf");
  std::ofstream{config} << "source = sim:standard\n"
                           "refresh = 30\n"
                           "mqtt-base = home/tic\n"
                           "mqtt-share = archivers\n"
                           "csv-file = /var/lib/teleinfo/frames.csv\n"
                           "archive-interval = 60\n";
  const test::ProcessResult archive = run(kArchive, {"--config", config, "--print-config"});
  EXPECT_EQ(archive.exit_status, 0) << archive.err;
  EXPECT_TRUE(has_line(archive.out, "mqtt-base = home/tic"));
  EXPECT_TRUE(has_line(archive.out, "mqtt-share = archivers"));
  EXPECT_TRUE(has_line(archive.out, "archive-interval = 60"));
  EXPECT_EQ(archive.out.find("refresh"), std::string::npos);

  const test::ProcessResult bridge = run(kBridge, {"--config", config, "--print-config"});
  EXPECT_EQ(bridge.exit_status, 0) << bridge.err;
  EXPECT_TRUE(has_line(bridge.out, "source = sim:standard"));
  EXPECT_TRUE(has_line(bridge.out, "csv-file = /var/lib/teleinfo/frames.csv"));
  EXPECT_EQ(bridge.out.find("mqtt-share"), std::string::npos);

  // The same goes for the environment; a name neither program knows is still refused.
  const test::ProcessResult shared_environment =
      run(kArchive, {"--csv-file", "/tmp/x.csv", "--print-config"},
          {{"TELEINFO_SOURCE", "/dev/ttyAMA0"}, {"TELEINFO_REFRESH", "30"}});
  EXPECT_EQ(shared_environment.exit_status, 0) << shared_environment.err;
  std::ofstream{config, std::ios::app} << "bogus = 1\n";
  expect_one_error_line(run(kArchive, {"--config", config}), "teleinfo-archive", "bogus");
}

}  // namespace
