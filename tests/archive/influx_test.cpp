// InfluxDB through the programs, against a real influxd 1.x (Debian's influxdb package, started
// by the test in a temporary folder on free loopback ports): teleinfo-bridge with its in-process
// sink, and teleinfo-archive reading the frame stream from a real mosquitto.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "support/daemon.h"
#include "support/eventually.h"
#include "support/influxdb.h"
#include "support/process.h"

namespace {

const std::string kArchive = TELEINFO_ARCHIVE;
const std::string kBridge = TELEINFO_BRIDGE;
const std::string kFrames = std::string{TELEINFO_TEST_DATA} + "/frames/";
const std::string kStandardCapture = "hallard_tinfo_replay_stand_base_long.txt";  // 100 frames
const std::string kStandardMeter = "061961361253";
const std::string kHistoricCapture = "hallard_tinfo_replay_histo_base.txt";  // 10 frames
constexpr std::size_t kStandardFrames = 100;
constexpr std::size_t kHistoricFrames = 10;

bool eventually(const std::function<bool()>& condition) {
  return test::eventually(condition, std::chrono::seconds{60});
}

// The rows of the first series of an /query answer; empty when there is none.
std::vector<std::vector<std::string>> rows_of(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  std::vector<std::vector<std::string>> rows;
  if (!document.IsObject() || !document.HasMember("results")) return rows;
  const auto& result = document["results"][0];
  if (!result.HasMember("series")) return rows;
  for (const auto& values : result["series"][0]["values"].GetArray()) {
    std::vector<std::string> row;
    for (const auto& value : values.GetArray()) {
      if (value.IsString()) {
        row.emplace_back(value.GetString());
      } else if (value.IsInt64()) {
        row.push_back(std::to_string(value.GetInt64()));
      } else if (value.IsNull()) {
        row.emplace_back("null");
      } else {
        row.emplace_back("?");
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

class InfluxArchiving : public testing::Test {
 protected:
  void SetUp() override { server_.create_database("teleinfo"); }

  std::map<std::string, std::string> environment() const {
    static const std::string empty = [] {
      const auto path = std::filesystem::temp_directory_path() / "teleinfo-influx-test.conf";
      std::ofstream{path};
      return path.string();
    }();
    return {{"TELEINFO_CONFIG", empty}};
  }

  std::vector<std::string> influx_arguments(const std::string& spool) const {
    return {
        "--influx-url", server_.url(), "--influx-db", "teleinfo", "--influx-flush-interval", "0",
        "--spool-dir",  spool};
  }

  // Points of a meter: count(EAST) or count(PAPP), whichever the meter sends.
  std::size_t points(const std::string& meter, const std::string& field) const {
    const auto rows = rows_of(server_.query(
        "teleinfo", "SELECT count(" + field + ") FROM teleinfo WHERE meter = '" + meter + "'"));
    return rows.empty() ? 0 : std::stoul(rows[0].at(1));
  }

  test::InfluxDb server_;
  test::TemporaryDirectory spool_{"teleinfo-influx-spool"};
  test::TemporaryDirectory captures_{"teleinfo-influx-captures"};
};

TEST_F(InfluxArchiving, BridgeWritesTypedPoints) {
  std::vector<std::string> arguments = {"--source", "file:" + kFrames + kStandardCapture,
                                        "--mqtt-url", "none"};
  for (const std::string& argument : influx_arguments(spool_.path()))
    arguments.push_back(argument);
  const test::ProcessResult result = test::run_process(kBridge, arguments, environment());
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.err.find("influx: 100 frames written, 0 waiting"), std::string::npos)
      << result.err;
  EXPECT_EQ(points(kStandardMeter, "EAST"), kStandardFrames);

  // Integers as integers, text as strings, horodates as epoch seconds.
  const auto types = rows_of(server_.query("teleinfo", "SHOW FIELD KEYS FROM teleinfo"));
  std::map<std::string, std::string> type_of;
  for (const auto& row : types)
    type_of[row.at(0)] = row.at(1);
  EXPECT_EQ(type_of["EAST"], "integer");
  EXPECT_EQ(type_of["SINSTS"], "integer");
  EXPECT_EQ(type_of["LTARF"], "string");
  EXPECT_EQ(type_of["ADSC"], "string");
  EXPECT_EQ(type_of["SMAXSN_time"], "integer");
  EXPECT_EQ(type_of["DATE_time"], "integer");

  const test::Decoded standard = test::decode(test::read_capture(kStandardCapture));
  const auto first = rows_of(server_.query(
      "teleinfo", "SELECT EAST, URMS1, LTARF, DATE_time FROM teleinfo WHERE meter = '" +
                      kStandardMeter + "' ORDER BY time LIMIT 1"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0][1], std::to_string(*test::number_of(standard.frames[0], "EAST")));
  EXPECT_EQ(first[0][2], std::to_string(*test::number_of(standard.frames[0], "URMS1")));
  EXPECT_EQ(first[0][3], "BASE");
  EXPECT_EQ(first[0][4], "1619149222");  // E210423054022: 2021-04-23T03:40:22Z
}

TEST_F(InfluxArchiving, ArchiveWritesTheStreamAndLosesNothingWhenTheServerStops) {
  test::Broker broker;
  std::vector<std::string> arguments = {"--mqtt-url", broker.url(), "--mqtt-client-id",
                                        "archive-influx"};
  for (const std::string& argument : influx_arguments(spool_.file("archive")))
    arguments.push_back(argument);
  auto archive = std::make_unique<test::Daemon>(kArchive, arguments, environment());
  ASSERT_TRUE(archive->wait_for_err("reading ")) << archive->err();
  const auto replay = [&](const std::string& path) {
    return test::run_process(
        kBridge, {"--source", "file:" + path, "--mqtt-url", broker.url(), "--ha-discovery=false"},
        environment());
  };

  ASSERT_EQ(replay(kFrames + kStandardCapture).exit_status, 0);
  ASSERT_TRUE(eventually([&] { return points(kStandardMeter, "EAST") == kStandardFrames; }));
  // Rebuilt from the frame JSON, the points have the bridge's own types and values.
  const test::Decoded standard = test::decode(test::read_capture(kStandardCapture));
  const auto first = rows_of(server_.query(
      "teleinfo", "SELECT EAST, SINSTS, LTARF, SMAXSN_time FROM teleinfo WHERE meter = '" +
                      kStandardMeter + "' ORDER BY time LIMIT 1"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0][1], std::to_string(*test::number_of(standard.frames[0], "EAST")));
  EXPECT_EQ(first[0][2], std::to_string(*test::number_of(standard.frames[0], "SINSTS")));
  EXPECT_EQ(first[0][3], "BASE");
  EXPECT_EQ(first[0][4],
            std::to_string(
                standard.frames[0].find("SMAXSN")->horodate->utc().time_since_epoch().count()));

  // influxd stops; the stream goes on; the frames wait in the spool.
  server_.stop();
  ASSERT_EQ(replay(kFrames + kHistoricCapture).exit_status, 0);
  ASSERT_TRUE(archive->wait_for_err("influx: cannot write")) << archive->err();
  server_.start();
  ASSERT_TRUE(eventually([&] { return points("021528603314", "PAPP") == kHistoricFrames; }))
      << archive->err();
  EXPECT_TRUE(archive->wait_for_err("influx: writing again")) << archive->err();
  EXPECT_EQ(archive->stop(SIGTERM), 0);
  EXPECT_EQ(points(kStandardMeter, "EAST"), kStandardFrames);
  EXPECT_NE(archive->err().find("110 frames read from the stream"), std::string::npos)
      << archive->err();
}

TEST_F(InfluxArchiving, OptionsGiveOneLineErrors) {
  const auto run = [&](std::vector<std::string> arguments) {
    return test::run_process(kArchive, arguments, environment());
  };
  const test::ProcessResult no_db = run({"--influx-url", server_.url()});
  EXPECT_EQ(no_db.exit_status, 2);
  EXPECT_EQ(test::lines(no_db.err).size(), 1u) << no_db.err;
  const test::ProcessResult config =
      test::run_process(kArchive,
                        {"--print-config", "--influx-url", "https://influx.lan", "--influx-org",
                         "home", "--influx-bucket", "tic"},
                        {{"TELEINFO_CONFIG", environment()["TELEINFO_CONFIG"]},
                         {"TELEINFO_INFLUX_TOKEN", "tok-secret-3"}});
  EXPECT_EQ(config.exit_status, 0) << config.err;
  EXPECT_EQ(config.out.find("tok-secret-3"), std::string::npos);
  EXPECT_NE(config.out.find("(from TELEINFO_INFLUX_TOKEN)"), std::string::npos) << config.out;
}

}  // namespace
