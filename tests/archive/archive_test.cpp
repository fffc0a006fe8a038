// Archiving against real servers: Debian's MariaDB started by the test in a temporary folder, and
// Debian's mosquitto on a free loopback port. The programs run as users run them: teleinfo-bridge
// with its in-process sinks, and teleinfo-archive reading the frame stream the bridge publishes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "support/daemon.h"
#include "support/eventually.h"
#include "support/mariadb.h"
#include "support/process.h"
#include "tic/frame.h"

namespace {

const std::string kArchive = TELEINFO_ARCHIVE;
const std::string kBridge = TELEINFO_BRIDGE;
const std::string kFrames = std::string{TELEINFO_TEST_DATA} + "/frames/";

// 100 frames of a Linky in standard mode, and 10 of a historic "heures creuses" meter.
const std::string kStandardCapture = "hallard_tinfo_replay_stand_base_long.txt";
const std::string kStandardMeter = "061961361253";
const std::string kHistoricCapture = "hallard_tinfo_replay_histo_base.txt";
constexpr std::size_t kStandardFrames = 100;
constexpr std::size_t kHistoricFrames = 10;

constexpr auto kFailsafe = std::chrono::seconds{60};

bool eventually(const std::function<bool()>& condition) {
  return test::eventually(condition, kFailsafe);
}

std::size_t line_count(const std::string& path) {
  std::ifstream file{path};
  std::size_t count = 0;
  for (std::string line; std::getline(file, line);)
    ++count;
  return count;
}

class Archiving : public testing::Test {
 protected:
  // Made by the first test that needs it rather than in SetUpTestSuite: a server that does not
  // start is then a failed test, where googletest would report the suite's tests as skipped.
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) server_ = std::make_unique<test::MariaDb>();
    if (!server_->running()) server_->start();
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    database_ = std::string{"t_"} + info->name();
    password_ = server_->create_database(database_);
  }

  std::string url() const { return server_->url(database_); }

  std::map<std::string, std::string> environment() const {
    return {{"TELEINFO_CONFIG", empty_config()}, {"TELEINFO_MYSQL_PASSWORD", password_}};
  }

  static std::string empty_config() {
    static const std::string file = [] {
      const auto path = std::filesystem::temp_directory_path() / "teleinfo-archive-test.conf";
      std::ofstream{path};
      return path.string();
    }();
    return file;
  }

  // The first column of the first row, or nullopt for NULL.
  std::optional<std::string> value(const std::string& sql) const {
    const auto rows = server_->query(sql);
    if (rows.empty() || rows[0].empty()) return std::nullopt;
    return rows[0][0];
  }

  std::size_t rows() const {
    const auto rows = server_->query("SELECT COUNT(*) FROM `" + database_ + "`.frame");
    return std::stoul(rows.at(0).at(0).value());
  }

  bool rows_reach(std::size_t expected) const {
    return eventually([&] {
      try {
        return rows() >= expected;
      } catch (const std::exception&) {
        return false;  // the table is not there yet
      }
    });
  }

  // The standard capture as if another Linky had sent it: its ADSC is `meter`. Each replay of a
  // test uses its own meter: the bridge stamps frames with the time they arrive, one millisecond
  // apart at least, so two fast replays of one meter could otherwise give two frames one TIME.
  std::string standard_capture_of(const std::string& meter) const {
    std::string capture = test::read_capture(kStandardCapture);
    for (std::size_t frame = 0; frame < kStandardFrames; ++frame)
      capture = test::replace_group(std::move(capture), frame, "ADSC", meter, tic::Mode::Standard);
    const std::string path = captures_.file(meter + ".txt");
    std::ofstream{path, std::ios::binary} << capture;
    return path;
  }

  // teleinfo-bridge replaying the capture file `path` to `broker_url`, with more arguments.
  test::ProcessResult replay_file(const std::string& path, const std::string& broker_url) const {
    return test::run_process(
        kBridge, {"--source", "file:" + path, "--mqtt-url", broker_url, "--ha-discovery=false"},
        environment());
  }

  // teleinfo-bridge replaying `capture` to `broker_url` (or to no broker), with more arguments.
  test::ProcessResult replay(const std::string& capture, const std::string& broker_url,
                             std::vector<std::string> more = {}) const {
    std::vector<std::string> arguments = {"--source", "file:" + kFrames + capture, "--mqtt-url",
                                          broker_url, "--ha-discovery=false"};
    arguments.insert(arguments.end(), more.begin(), more.end());
    return test::run_process(kBridge, arguments, environment());
  }

  std::unique_ptr<test::Daemon> archiver(const test::Broker& broker, const std::string& client_id,
                                         std::vector<std::string> more = {}) const {
    std::vector<std::string> arguments = {"--mqtt-url",  broker.url(),          "--mqtt-client-id",
                                          client_id,     "--mysql-url",         url(),
                                          "--spool-dir", spool_.file(client_id)};
    arguments.insert(arguments.end(), more.begin(), more.end());
    auto daemon = std::make_unique<test::Daemon>(kArchive, arguments, environment());
    EXPECT_TRUE(daemon->wait_for_err("reading ")) << daemon->err();
    return daemon;
  }

  static std::unique_ptr<test::MariaDb> server_;
  std::string database_;
  std::string password_;
  test::TemporaryDirectory spool_{"teleinfo-archive-spool"};
  test::TemporaryDirectory captures_{"teleinfo-archive-captures"};
};

std::unique_ptr<test::MariaDb> Archiving::server_;

TEST_F(Archiving, BridgeWritesTypedRowsAndTheOlderView) {
  // A single Pi, no broker: two meters straight into the database.
  const test::ProcessResult result =
      test::run_process(kBridge,
                        {"--source", "file:" + kFrames + kHistoricCapture, "--source",
                         "file:" + kFrames + kStandardCapture, "--mqtt-url", "none", "--mysql-url",
                         url(), "--spool-dir", spool_.path()},
                        environment());
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.err.find("mysql: 110 frames written, 0 waiting"), std::string::npos)
      << result.err;
  ASSERT_EQ(rows(), kHistoricFrames + kStandardFrames);

  const test::Decoded historic = test::decode(test::read_capture(kHistoricCapture));
  const tic::Frame& first = historic.frames.at(0);
  const std::string meter{first.address()};
  const std::string table = "`" + database_ + "`.frame";
  const std::string oldest = " WHERE meter = '" + meter + "' ORDER BY `TIME` LIMIT 1";
  EXPECT_EQ(value("SELECT HCHC FROM " + table + oldest),
            std::to_string(*test::number_of(first, "HCHC")));
  EXPECT_EQ(value("SELECT OPTARIF FROM " + table + oldest), "HC");
  EXPECT_EQ(value("SELECT PTEC FROM " + table + oldest), "HP");
  EXPECT_EQ(value("SELECT ISOUSC FROM " + table + oldest),
            std::to_string(*test::number_of(first, "ISOUSC")));
  // Every frame of a meter has its own TIME: the key.
  EXPECT_EQ(value("SELECT COUNT(DISTINCT `TIME`) FROM " + table + " WHERE meter = '" + meter + "'"),
            std::to_string(kHistoricFrames));

  // Typed columns.
  const auto type = [&](const std::string& column) {
    return value("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                 database_ + "' AND TABLE_NAME = 'frame' AND COLUMN_NAME = '" + column + "'");
  };
  EXPECT_EQ(type("EAST"), "bigint(20) unsigned");
  EXPECT_EQ(type("SINSTS"), "int(10) unsigned");
  EXPECT_EQ(type("URMS1"), "smallint(5) unsigned");
  EXPECT_EQ(type("DATE"), "datetime");
  EXPECT_EQ(type("SMAXSNMIN1"), "int(10) unsigned");
  EXPECT_EQ(type("TIME"), "datetime(3)");

  // The standard frame's values: the first frame says DATE E210423054022 (summer: UTC+2).
  const std::string linky = " WHERE meter = '" + kStandardMeter + "' ORDER BY `TIME` LIMIT 1";
  const test::Decoded standard = test::decode(test::read_capture(kStandardCapture));
  const tic::Frame& linky_first = standard.frames.at(0);
  EXPECT_EQ(value("SELECT EAST FROM " + table + linky),
            std::to_string(*test::number_of(linky_first, "EAST")));
  EXPECT_EQ(value("SELECT LTARF FROM " + table + linky), "BASE");
  EXPECT_EQ(value("SELECT `DATE` FROM " + table + linky), "2021-04-23 03:40:22");
  EXPECT_EQ(value("SELECT SMAXSN FROM " + table + linky),
            std::to_string(*test::number_of(linky_first, "SMAXSN")));

  // teleinfoframes: the older layout, for the historic meter and, through EAST, IRMS1 and
  // SINSTS, for the Linky.
  const auto old_row = server_->query(
      "SELECT meter_identifier, subscription_type, subscription_power_in_a, "
      "total_base_index_in_wh, current_pricing_period, instantaneous_intensity_in_a, "
      "power_consumption_in_va FROM `" +
      database_ + "`.teleinfoframes WHERE meter_identifier = '" + meter +
      "' ORDER BY timestamp LIMIT 1");
  ASSERT_EQ(old_row.size(), 1u);
  EXPECT_EQ(old_row[0][0], meter);
  EXPECT_EQ(old_row[0][1], "HC");
  EXPECT_EQ(old_row[0][2], std::to_string(*test::number_of(first, "ISOUSC")));
  EXPECT_EQ(old_row[0][3], std::nullopt);  // an HC meter has no BASE index
  EXPECT_EQ(old_row[0][4], "HP");
  EXPECT_EQ(old_row[0][5], std::to_string(*test::number_of(first, "IINST")));
  EXPECT_EQ(old_row[0][6], std::to_string(*test::number_of(first, "PAPP")));
  EXPECT_EQ(value("SELECT total_base_index_in_wh FROM `" + database_ +
                  "`.teleinfoframes WHERE meter_identifier = '" + kStandardMeter +
                  "' ORDER BY timestamp LIMIT 1"),
            std::to_string(*test::number_of(linky_first, "EAST")));
}

TEST_F(Archiving, ArchiveStoresTheStreamVerbatim) {
  test::Broker broker;
  auto archive = archiver(broker, "archive-verbatim");

  // A message with quotes, a backslash and SQL in it, in frame 5 (MSG1: 32 characters).
  const std::string message = "it's \"q\" \\ '); DROP TABLE frame;";
  ASSERT_EQ(message.size(), 32u);
  test::TemporaryDirectory directory{"teleinfo-archive-capture"};
  const std::string capture = directory.file("capture.txt");
  std::ofstream{capture, std::ios::binary} << test::replace_group(
      test::read_capture(kStandardCapture), 5, "MSG1", message, tic::Mode::Standard);
  const test::ProcessResult published = test::run_process(
      kBridge, {"--source", "file:" + capture, "--mqtt-url", broker.url(), "--ha-discovery=false"},
      environment());
  ASSERT_EQ(published.exit_status, 0) << published.err;
  ASSERT_TRUE(rows_reach(kStandardFrames)) << archive->err();

  const std::string table = "`" + database_ + "`.frame";
  EXPECT_EQ(value("SELECT COUNT(*) FROM " + table + " WHERE MSG1 = '" +
                  std::string{"it''s \"q\" \\\\ ''); DROP TABLE frame;"} + "'"),
            "1");
  const auto messages = server_->query("SELECT MSG1 FROM " + table + " ORDER BY `TIME`");
  ASSERT_EQ(messages.size(), kStandardFrames);
  EXPECT_EQ(messages[5][0], message);
  EXPECT_EQ(messages[4][0], "PAS DE          MESSAGE");
  // Typed values, rebuilt from the frame JSON: the same as the bridge's own sink writes.
  const test::Decoded standard = test::decode(test::read_capture(kStandardCapture));
  const std::string first = " ORDER BY `TIME` LIMIT 1";
  EXPECT_EQ(value("SELECT EAST FROM " + table + first),
            std::to_string(*test::number_of(standard.frames.at(0), "EAST")));
  EXPECT_EQ(value("SELECT URMS1 FROM " + table + first),
            std::to_string(*test::number_of(standard.frames.at(0), "URMS1")));
  EXPECT_EQ(value("SELECT `DATE` FROM " + table + first), "2021-04-23 03:40:22");
  EXPECT_EQ(value("SELECT LTARF FROM " + table + first), "BASE");

  // A historic meter next: its labels become new columns.
  ASSERT_EQ(replay(kHistoricCapture, broker.url()).exit_status, 0);
  ASSERT_TRUE(rows_reach(kStandardFrames + kHistoricFrames)) << archive->err();
  EXPECT_EQ(value("SELECT COUNT(*) FROM " + table + " WHERE PTEC = 'HP'"),
            std::to_string(kHistoricFrames));

  EXPECT_EQ(archive->stop(SIGTERM), 0);
  EXPECT_NE(archive->err().find("110 frames read from the stream"), std::string::npos)
      << archive->err();
  EXPECT_NE(archive->err().find("mysql: 110 frames written, 0 waiting"), std::string::npos)
      << archive->err();
  EXPECT_EQ(rows(), kStandardFrames + kHistoricFrames);
}

TEST_F(Archiving, DatabaseKilledMidStreamLosesNothing) {
  test::Broker broker;
  auto archive = archiver(broker, "archive-db-killed");
  ASSERT_EQ(replay(kStandardCapture, broker.url()).exit_status, 0);
  ASSERT_TRUE(rows_reach(kStandardFrames));

  // The database dies; the stream goes on. The frames wait in the spool.
  server_->kill();
  ASSERT_EQ(replay_file(standard_capture_of("061961361254"), broker.url()).exit_status, 0);
  ASSERT_TRUE(archive->wait_for_err("mysql: cannot write")) << archive->err();
  ASSERT_EQ(replay(kHistoricCapture, broker.url()).exit_status, 0);

  server_->start();
  ASSERT_TRUE(rows_reach(2 * kStandardFrames + kHistoricFrames)) << archive->err();
  EXPECT_TRUE(archive->wait_for_err("mysql: writing again")) << archive->err();
  EXPECT_EQ(archive->stop(SIGTERM), 0);
  EXPECT_EQ(rows(), 2 * kStandardFrames + kHistoricFrames);
  EXPECT_NE(archive->err().find("210 frames read from the stream"), std::string::npos)
      << archive->err();
}

TEST_F(Archiving, ArchiverKilledMidStreamLosesNothing) {
  test::Broker broker;
  auto archive = archiver(broker, "archive-killed");
  ASSERT_EQ(replay(kStandardCapture, broker.url()).exit_status, 0);
  ASSERT_TRUE(rows_reach(kStandardFrames));

  // Killed outright: the broker keeps its session and queues the frames published meanwhile.
  EXPECT_EQ(archive->stop(SIGKILL), -1);
  ASSERT_EQ(replay_file(standard_capture_of("061961361254"), broker.url()).exit_status, 0);
  ASSERT_EQ(replay(kHistoricCapture, broker.url()).exit_status, 0);

  archive = archiver(broker, "archive-killed");
  ASSERT_TRUE(rows_reach(2 * kStandardFrames + kHistoricFrames)) << archive->err();
  EXPECT_EQ(archive->stop(SIGTERM), 0);
  EXPECT_EQ(rows(), 2 * kStandardFrames + kHistoricFrames);
  EXPECT_NE(archive->err().find("110 frames read from the stream"), std::string::npos)
      << archive->err();
}

TEST_F(Archiving, TwoArchiversShareOneStream) {
  test::Broker broker;
  auto first = archiver(broker, "archive-share-1", {"--mqtt-share", "archivers"});
  auto second = archiver(broker, "archive-share-2", {"--mqtt-share", "archivers"});
  ASSERT_EQ(replay(kStandardCapture, broker.url()).exit_status, 0);
  ASSERT_EQ(replay(kHistoricCapture, broker.url()).exit_status, 0);
  ASSERT_TRUE(rows_reach(kStandardFrames + kHistoricFrames));
  ASSERT_EQ(first->stop(SIGTERM), 0);
  ASSERT_EQ(second->stop(SIGTERM), 0);
  EXPECT_EQ(rows(), kStandardFrames + kHistoricFrames);

  // Each took part of the stream, and together every frame once.
  const auto read = [](const test::Daemon& daemon) {
    const std::string err = daemon.err();
    const std::size_t at = err.find(" frames read from the stream");
    EXPECT_NE(at, std::string::npos) << err;
    const std::size_t start = err.rfind(' ', at - 1) + 1;
    return std::stoul(err.substr(start, at - start));
  };
  const std::size_t by_first = read(*first);
  const std::size_t by_second = read(*second);
  EXPECT_GT(by_first, 0u);
  EXPECT_GT(by_second, 0u);
  EXPECT_EQ(by_first + by_second, kStandardFrames + kHistoricFrames);
}

TEST_F(Archiving, SpoolWaitsForTheDatabaseAcrossRestarts) {
  // The database is down while the bridge runs: at the end of the capture the frames are in the
  // spool, and the next run writes them first.
  server_->stop();
  const std::string spool = spool_.file("bridge");
  const test::ProcessResult first =
      test::run_process(kBridge,
                        {"--source", "file:" + kFrames + kStandardCapture, "--mqtt-url", "none",
                         "--mysql-url", url(), "--spool-dir", spool},
                        environment());
  ASSERT_EQ(first.exit_status, 0) << first.err;
  EXPECT_NE(first.err.find("mysql: 0 frames written, 100 waiting (100 in the spool)"),
            std::string::npos)
      << first.err;

  server_->start();
  const test::ProcessResult second =
      test::run_process(kBridge,
                        {"--source", "file:" + kFrames + kHistoricCapture, "--mqtt-url", "none",
                         "--mysql-url", url(), "--spool-dir", spool},
                        environment());
  ASSERT_EQ(second.exit_status, 0) << second.err;
  EXPECT_NE(second.err.find("mysql: 110 frames written, 0 waiting"), std::string::npos)
      << second.err;
  EXPECT_EQ(rows(), kStandardFrames + kHistoricFrames);
  // In order: the spooled Linky frames were written before the historic ones came.
  EXPECT_EQ(value("SELECT meter FROM `" + database_ + "`.frame ORDER BY `TIME` LIMIT 1"),
            kStandardMeter);
}

TEST_F(Archiving, CsvFileReopenedOnHangup) {
  test::Broker broker;
  test::TemporaryDirectory directory{"teleinfo-archive-csv"};
  const std::string csv = directory.file("frames.csv");
  auto archive = std::make_unique<test::Daemon>(
      kArchive,
      std::vector<std::string>{"--mqtt-url", broker.url(), "--mqtt-client-id", "archive-csv",
                               "--csv-file", csv, "--spool-dir", spool_.path()},
      environment());
  ASSERT_TRUE(archive->wait_for_err("reading ")) << archive->err();

  ASSERT_EQ(replay(kStandardCapture, broker.url()).exit_status, 0);
  ASSERT_TRUE(eventually([&] { return line_count(csv) == kStandardFrames + 1; }));

  // logrotate moves the file away and sends SIGHUP: the next frames start a new file.
  std::filesystem::rename(csv, csv + ".1");
  ASSERT_EQ(::kill(archive->pid(), SIGHUP), 0);
  ASSERT_TRUE(archive->wait_for_err("reopening")) << archive->err();
  ASSERT_EQ(replay(kHistoricCapture, broker.url()).exit_status, 0);
  ASSERT_TRUE(eventually([&] { return line_count(csv) == kHistoricFrames + 1; }));
  EXPECT_EQ(archive->stop(SIGTERM), 0);

  std::ifstream rotated{csv + ".1"};
  std::string header, first_line;
  std::getline(rotated, header);
  std::getline(rotated, first_line);
  EXPECT_TRUE(header.starts_with("meter,TIME,ADSC,VTIC,DATE,NGTF,LTARF,EAST,")) << header;
  EXPECT_TRUE(first_line.starts_with(kStandardMeter + ",")) << first_line;
  const test::Decoded standard = test::decode(test::read_capture(kStandardCapture));
  EXPECT_NE(
      first_line.find("," + std::to_string(*test::number_of(standard.frames[0], "EAST")) + ","),
      std::string::npos)
      << first_line;

  std::ifstream fresh{csv};
  std::getline(fresh, header);
  EXPECT_TRUE(header.starts_with("meter,TIME,ADCO,OPTARIF,ISOUSC,HCHC,HCHP,PTEC")) << header;
}

}  // namespace
