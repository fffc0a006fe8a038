// The MySQL writer against a real MariaDB (support/mariadb.h), fed with real captures: typed
// values, column types, the teleinfoframes view, columns added as labels appear, texts stored
// verbatim, idempotent replays, several meters, a server killed and restarted, a wrong password,
// and a throughput figure.
#include "sql/mysql_writer.h"

#include <gtest/gtest.h>
#include <mysql.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sql/mysql_settings.h"
#include "support/captures.h"
#include "support/mariadb.h"
#include "tic/field.h"
#include "tic/frame.h"

namespace {

using sink::WriteResult;
using Row = std::vector<std::optional<std::string>>;

constexpr std::string_view kHistoricBase =
    "seed_TeleInfoMonitor_teleinfo_sample_ADCOfixed_DERIVED.txt";
constexpr std::string_view kHistoricHc = "hallard_tinfo_replay_histo_hc.txt";
constexpr std::string_view kStandard = "hallard_tinfo_replay_stand_base_long.txt";

std::vector<tic::Frame> frames_of(std::string_view capture) {
  return test::decode(test::read_capture(capture)).frames;
}

std::optional<std::string> text(std::string_view value) {
  return std::string{value};
}

// A copy of `frame` without `drop` (a label), with `extra` fields after its own.
tic::Frame edited(const tic::Frame& frame, const std::vector<tic::Field>& extra,
                  std::string_view drop = {}) {
  tic::Frame out;
  out.set_mode(frame.mode());
  out.set_kind(frame.kind());
  out.set_time(frame.time());
  for (const tic::Field field : frame) {
    if (field.label == drop) continue;
    EXPECT_TRUE(out.append(field));
  }
  for (const tic::Field& field : extra)
    EXPECT_TRUE(out.append(field));
  return out;
}

// A field as the decoder makes it; its views point into the arguments.
tic::Field field(std::string_view label, std::string_view data,
                 std::optional<std::string_view> horodate = std::nullopt) {
  tic::Field out;
  EXPECT_EQ(tic::decode_field(label, horodate, data, out), tic::FieldError::None) << label;
  return out;
}

class MysqlWriterTest : public ::testing::Test {
 protected:
  // Made by the first test that needs it rather than in SetUpTestSuite: a server that does not
  // start is then a failed test, where googletest would report the suite's tests as skipped.
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) server_ = std::make_unique<test::MariaDb>();
    database_ = "frames_" + std::to_string(++databases_);
    password_ = server_->create_database(database_);
    sql::parse_mysql_url(server_->url(database_), settings_);
    settings_.password = password_;
  }

  test::SqlRows query(const std::string& sql) const { return server_->query(sql, database_); }

  // The one value a query returns.
  std::optional<std::string> value(const std::string& sql) const {
    const test::SqlRows rows = query(sql);
    EXPECT_EQ(rows.size(), 1u) << sql;
    if (rows.empty() || rows[0].empty()) return "(no row)";
    return rows[0][0];
  }

  std::size_t rows() const { return std::stoul(*value("SELECT COUNT(*) FROM frame")); }

  static std::unique_ptr<test::MariaDb> server_;
  static int databases_;
  std::string database_;
  std::string password_;
  sql::MysqlSettings settings_;
};

std::unique_ptr<test::MariaDb> MysqlWriterTest::server_;
int MysqlWriterTest::databases_ = 0;

TEST_F(MysqlWriterTest, HistoricBaseCapture) {
  const std::vector<tic::Frame> frames = frames_of(kHistoricBase);
  ASSERT_EQ(frames.size(), 52u);
  sql::MysqlWriter writer{settings_};
  EXPECT_EQ(writer.name(), "mysql");
  EXPECT_FALSE(writer.connected());  // nothing before the first write

  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_TRUE(writer.connected());
  EXPECT_EQ(rows(), 52u);
  EXPECT_EQ(writer.counters().rows_inserted, 52u);
  EXPECT_EQ(writer.counters().frames_written, 52u);
  EXPECT_EQ(writer.counters().columns_added, 10u);
  EXPECT_EQ(writer.counters().labels_skipped, 0u);
  EXPECT_EQ(writer.counters().connections, 1u);

  EXPECT_EQ(
      query("SELECT meter, TIME, ADCO, OPTARIF, ISOUSC, BASE, PTEC, IINST, IMAX, PAPP, "
            "HHPHC, MOTDETAT FROM frame ORDER BY TIME LIMIT 2"),
      (test::SqlRows{{text("123456891236"), text("2025-01-01 00:00:00.000"), text("123456891236"),
                      text("BASE"), text("45"), text("8735124"), text("TH"), text("10"), text("90"),
                      text("2380"), text("A"), text("000000")},
                     {text("123456891236"), text("2025-01-01 00:00:00.001"), text("123456891236"),
                      text("BASE"), text("45"), text("8735125"), text("TH"), text("10"), text("90"),
                      text("2420"), text("A"), text("000000")}}));
  EXPECT_EQ(value("SELECT BASE FROM frame ORDER BY TIME DESC LIMIT 1"), "8735175");
}

TEST_F(MysqlWriterTest, StandardCaptureTypedValues) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  ASSERT_EQ(frames.size(), 100u);
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(rows(), 100u);
  // 38 labels: DATE in one column, SMAXSN, SMAXSN-1, CCASN, CCASN-1 and UMOY1 in two.
  EXPECT_EQ(writer.counters().columns_added, 43u);

  EXPECT_EQ(
      query("SELECT meter, TIME, ADSC, VTIC, DATE, NGTF, LTARF, EAST, EASF01, EASF02, EASD04, "
            "IRMS1, URMS1, PREF, PCOUP, SINSTS, SMAXSN, SMAXSN_DATE, SMAXSNMIN1, "
            "SMAXSNMIN1_DATE, CCASN, CCASN_DATE, UMOY1, UMOY1_DATE, STGE, MSG1, PRM, RELAIS, "
            "NTARF, NJOURF, NJOURFPLUS1, PJOURFPLUS1 FROM frame ORDER BY TIME LIMIT 1"),
      (test::SqlRows{{text("061961361253"),
                      text("2025-01-01 00:00:00.000"),
                      text("061961361253"),
                      text("02"),
                      text("2021-04-23 03:40:22"),  // E210423054022: summer time, UTC+2
                      text("BASE"),
                      text("BASE"),
                      text("2188830"),
                      text("1076095"),
                      text("1112735"),
                      text("0"),
                      text("2"),
                      text("221"),
                      text("6"),
                      text("6"),
                      text("394"),
                      text("924"),
                      text("2021-04-23 03:19:03"),
                      text("1952"),
                      text("2021-04-22 16:34:57"),
                      text("432"),
                      text("2021-04-23 03:30:00"),
                      text("220"),
                      text("2021-04-23 03:40:00"),
                      text("003A0001"),
                      text("PAS DE          MESSAGE"),
                      text("06467293757928"),
                      text("0"),
                      text("1"),
                      text("0"),
                      text("0"),
                      text("00008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
                           "NONUTILE NONUTILE NONUTILE NONUTILE")}}));
  // Milliseconds kept; the meter's clock a second later.
  EXPECT_EQ(query("SELECT TIME, DATE, EAST FROM frame ORDER BY TIME DESC LIMIT 1"),
            (test::SqlRows{
                {text("2025-01-01 00:00:00.099"), text("2021-04-23 03:41:53"), text("2188838")}}));
  // The meter's clock gives the same second to some frames that follow each other.
  EXPECT_EQ(value("SELECT COUNT(DISTINCT DATE) FROM frame"), "92");
}

TEST_F(MysqlWriterTest, ColumnTypes) {
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(frames_of(kStandard)).status, WriteResult::Status::Written);
  ASSERT_EQ(writer.write(frames_of(kHistoricBase)).status, WriteResult::Status::Written);
  EXPECT_EQ(
      query("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'frame' AND COLUMN_NAME IN "
            "('meter', 'TIME', 'EAST', 'BASE', 'SINSTS', 'PAPP', 'IRMS1', 'URMS1', 'UMOY1', "
            "'NTARF', 'LTARF', 'PTEC', 'ADSC', 'PJOURFPLUS1', 'DATE', 'SMAXSN', 'SMAXSN_DATE', "
            "'SMAXSNMIN1') ORDER BY ORDINAL_POSITION"),
      (test::SqlRows{{text("meter"), text("varchar(14)"), text("NO")},
                     {text("TIME"), text("datetime(3)"), text("NO")},
                     {text("ADSC"), text("varchar(12)"), text("YES")},
                     {text("DATE"), text("datetime"), text("YES")},
                     {text("LTARF"), text("varchar(16)"), text("YES")},
                     {text("EAST"), text("bigint(20) unsigned"), text("YES")},
                     {text("IRMS1"), text("int(10) unsigned"), text("YES")},
                     {text("URMS1"), text("smallint(5) unsigned"), text("YES")},
                     {text("SINSTS"), text("int(10) unsigned"), text("YES")},
                     {text("SMAXSN"), text("int(10) unsigned"), text("YES")},
                     {text("SMAXSN_DATE"), text("datetime"), text("YES")},
                     {text("SMAXSNMIN1"), text("int(10) unsigned"), text("YES")},
                     {text("UMOY1"), text("smallint(5) unsigned"), text("YES")},
                     {text("NTARF"), text("smallint(5) unsigned"), text("YES")},
                     {text("PJOURFPLUS1"), text("varchar(98)"), text("YES")},
                     {text("BASE"), text("bigint(20) unsigned"), text("YES")},
                     {text("PTEC"), text("varchar(4)"), text("YES")},
                     {text("PAPP"), text("int(10) unsigned"), text("YES")}}));
  EXPECT_EQ(query("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'frame' AND CONSTRAINT_NAME = "
                  "'PRIMARY' ORDER BY ORDINAL_POSITION"),
            (test::SqlRows{{text("meter")}, {text("TIME")}}));
  EXPECT_EQ(value("SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                  "AND TABLE_NAME = 'frame'"),
            "InnoDB");
}

TEST_F(MysqlWriterTest, ViewGivesTheOldLayout) {
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(frames_of(kHistoricBase)).status, WriteResult::Status::Written);
  const std::string first = "SELECT * FROM teleinfoframes WHERE meter_identifier = '";
  EXPECT_EQ(query(first + "123456891236' ORDER BY timestamp LIMIT 1"),
            (test::SqlRows{{text("2025-01-01 00:00:00.000"), text("123456891236"), text("BASE"),
                            text("45"), text("8735124"), text("TH"), text("10"), text("90"),
                            text("2380"), text("A"), text("000000")}}));

  // A Linky in standard mode joins: its labels stand in for the historic ones, and the view is
  // made again over the new columns.
  ASSERT_EQ(writer.write(frames_of(kStandard)).status, WriteResult::Status::Written);
  EXPECT_EQ(query(first + "061961361253' ORDER BY timestamp LIMIT 1"),
            (test::SqlRows{{text("2025-01-01 00:00:00.000"), text("061961361253"), std::nullopt,
                            std::nullopt, text("2188830"), std::nullopt, text("2"), std::nullopt,
                            text("394"), std::nullopt, std::nullopt}}));
  EXPECT_EQ(query(first + "123456891236' ORDER BY timestamp DESC LIMIT 1"),
            (test::SqlRows{{text("2025-01-01 00:00:00.051"), text("123456891236"), text("BASE"),
                            text("45"), text("8735175"), text("TH"), text("10"), text("90"),
                            text("2300"), text("A"), text("000000")}}));
  EXPECT_EQ(value("SELECT COUNT(*) FROM teleinfoframes"), "152");
}

TEST_F(MysqlWriterTest, ViewOverStandardFramesAlone) {
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(frames_of(kStandard)).status, WriteResult::Status::Written);
  EXPECT_EQ(query("SELECT * FROM teleinfoframes ORDER BY timestamp LIMIT 1"),
            (test::SqlRows{{text("2025-01-01 00:00:00.000"), text("061961361253"), std::nullopt,
                            std::nullopt, text("2188830"), std::nullopt, text("2"), std::nullopt,
                            text("394"), std::nullopt, std::nullopt}}));
}

TEST_F(MysqlWriterTest, NewLabelInALaterBatchAddsItsColumn) {
  std::vector<tic::Frame> frames = frames_of(kStandard);
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(std::span{frames}.first(10)).status, WriteResult::Status::Written);
  const std::string count_columns =
      "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = 'frame'";
  EXPECT_EQ(value(count_columns), "45");

  // A mobile-peak notice (no season letter) and a label no specification names.
  std::vector<tic::Frame> later;
  later.push_back(edited(
      frames[10], {field("DPM1", "01", " 250110060000"), field("NEWLABEL", "  some text  ")}));
  later.push_back(frames[11]);
  const WriteResult result = writer.write(later);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(writer.counters().columns_added, 43u + 3u);
  EXPECT_EQ(value(count_columns), "48");
  EXPECT_EQ(query("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'frame' AND COLUMN_NAME IN ('DPM1', "
                  "'DPM1_DATE', 'NEWLABEL') ORDER BY ORDINAL_POSITION"),
            (test::SqlRows{{text("DPM1"), text("smallint(5) unsigned")},
                           {text("DPM1_DATE"), text("datetime")},
                           {text("NEWLABEL"), text("varchar(255)")}}));
  // 2025-01-10 06:00 in winter: 05:00 UTC.
  EXPECT_EQ(query("SELECT TIME, DPM1, DPM1_DATE, NEWLABEL, EAST FROM frame WHERE TIME >= "
                  "'2025-01-01 00:00:00.010' ORDER BY TIME"),
            (test::SqlRows{{text("2025-01-01 00:00:00.010"), text("1"), text("2025-01-10 05:00:00"),
                            text("some text"), text("2188831")},
                           {text("2025-01-01 00:00:00.011"), std::nullopt, std::nullopt,
                            std::nullopt, text("2188831")}}));
  EXPECT_EQ(rows(), 12u);

  // A new writer finds the columns there and adds none.
  sql::MysqlWriter second{settings_};
  ASSERT_EQ(second.write(later).status, WriteResult::Status::Written);
  EXPECT_EQ(second.counters().columns_added, 0u);
  EXPECT_EQ(second.counters().rows_inserted, 0u);
}

TEST_F(MysqlWriterTest, TextStoredVerbatim) {
  const std::string hostile = R"(x'y"z\w\'); DROP TABLE frame; --)";
  ASSERT_EQ(hostile.size(), 32u);  // MSG1's length
  const std::string capture =
      test::replace_group(test::read_capture(kStandard), 0, "MSG1", hostile, tic::Mode::Standard);
  const std::vector<tic::Frame> frames = test::decode(capture).frames;
  ASSERT_EQ(frames.size(), 100u);
  ASSERT_EQ(frames[0].find("MSG1")->text, hostile);

  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(rows(), 100u);
  EXPECT_EQ(value("SELECT MSG1 FROM frame ORDER BY TIME LIMIT 1"), hostile);
  EXPECT_EQ(value("SELECT MSG1 FROM frame ORDER BY TIME LIMIT 1 OFFSET 1"),
            "PAS DE          MESSAGE");
}

TEST_F(MysqlWriterTest, TextLongerThanTheDictionarySaysWidensItsColumn) {
  const std::string capture = test::replace_group(test::read_capture(kStandard), 1, "LTARF",
                                                  "HEURES PLEINES SEMAINE", tic::Mode::Standard);
  const std::vector<tic::Frame> frames = test::decode(capture).frames;
  ASSERT_EQ(frames.size(), 100u);
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(std::span{frames}.first(1)).status, WriteResult::Status::Written);
  const WriteResult result = writer.write(std::span{frames}.subspan(1));
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(value("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = 'frame' AND COLUMN_NAME = 'LTARF'"),
            "varchar(255)");
  EXPECT_EQ(query("SELECT LTARF FROM frame ORDER BY TIME LIMIT 3"),
            (test::SqlRows{{text("BASE")}, {text("HEURES PLEINES SEMAINE")}, {text("BASE")}}));
}

TEST_F(MysqlWriterTest, SameBatchTwiceIsStoredOnce) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(frames).status, WriteResult::Status::Written);
  ASSERT_EQ(writer.write(frames).status, WriteResult::Status::Written);
  // And overlapping halves, as a retry after a crash would send them.
  ASSERT_EQ(writer.write(std::span{frames}.subspan(40, 30)).status, WriteResult::Status::Written);
  EXPECT_EQ(rows(), 100u);
  EXPECT_EQ(writer.counters().rows_inserted, 100u);
  EXPECT_EQ(writer.counters().frames_written, 230u);
  EXPECT_EQ(value("SELECT COUNT(DISTINCT meter, TIME) FROM frame"), "100");
}

TEST_F(MysqlWriterTest, SeveralMetersAndModesInOneBatch) {
  std::vector<tic::Frame> frames = frames_of(kStandard);
  frames.resize(20);
  const std::vector<tic::Frame> hc = frames_of(kHistoricHc);
  const std::vector<tic::Frame> base = frames_of(kHistoricBase);
  ASSERT_EQ(hc.size(), 5u);
  // Interleaved, as two sources of one bridge would give them; the same TIMEs on three meters.
  std::vector<tic::Frame> batch;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    batch.push_back(frames[i]);
    if (i < hc.size()) batch.push_back(hc[i]);
    batch.push_back(base[i]);
  }
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(batch);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(query("SELECT meter, COUNT(*), MIN(TIME), MAX(TIME) FROM frame GROUP BY meter ORDER "
                  "BY meter"),
            (test::SqlRows{{text("021528603314"), text("5"), text("2025-01-01 00:00:00.000"),
                            text("2025-01-01 00:00:00.004")},
                           {text("061961361253"), text("20"), text("2025-01-01 00:00:00.000"),
                            text("2025-01-01 00:00:00.019")},
                           {text("123456891236"), text("20"), text("2025-01-01 00:00:00.000"),
                            text("2025-01-01 00:00:00.019")}}));
  EXPECT_EQ(
      query("SELECT HCHC, HCHP, PTEC, BASE, EAST FROM frame WHERE meter = '021528603314' "
            "ORDER BY TIME LIMIT 1"),
      (test::SqlRows{{text("837362"), text("2035628"), text("HP"), std::nullopt, std::nullopt}}));
  EXPECT_EQ(query("SELECT total_base_index_in_wh FROM teleinfoframes WHERE meter_identifier = "
                  "'021528603314' LIMIT 1"),
            (test::SqlRows{{std::nullopt}}));
}

TEST_F(MysqlWriterTest, ManyFramesGoInSeveralStatements) {
  // 100 frames from each of three captures, more than one statement's 256 rows.
  std::vector<tic::Frame> frames = frames_of(kStandard);
  for (int copy = 1; copy < 3; ++copy) {
    for (std::size_t i = 0; i < 100; ++i) {
      tic::Frame frame = frames[i];
      frame.set_time(frame.time() + std::chrono::seconds(copy));
      frames.push_back(std::move(frame));
    }
  }
  const std::vector<tic::Frame> historic = frames_of(kHistoricBase);
  frames.insert(frames.end(), historic.begin(), historic.end());
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(rows(), 352u);
  EXPECT_EQ(value("SELECT MAX(TIME) FROM frame WHERE meter = '061961361253'"),
            "2025-01-01 00:00:02.099");
}

TEST_F(MysqlWriterTest, LabelThatCannotBeAColumnIsSkippedAndCounted) {
  std::vector<tic::Frame> frames = frames_of(kStandard);
  frames.resize(2);
  frames[0] = edited(frames[0], {field("TIME", "12:00:00"), field("METER", "x")});
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(writer.counters().labels_skipped, 2u);
  EXPECT_EQ(query("SELECT meter, TIME FROM frame ORDER BY TIME"),
            (test::SqlRows{{text("061961361253"), text("2025-01-01 00:00:00.000")},
                           {text("061961361253"), text("2025-01-01 00:00:00.001")}}));
}

TEST_F(MysqlWriterTest, BadValueIsRefusedAndTheConnectionKept) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(std::span{frames}.first(2)).status, WriteResult::Status::Written);
  // A label no specification names, spelt like NJOURF+1's column: text for a number column.
  const tic::Frame bad = edited(frames[2], {field("NJOURFPLUS1", "tomorrow")}, "NJOURF+1");
  const WriteResult refused = writer.write(std::vector<tic::Frame>{frames[3], bad});
  EXPECT_EQ(refused.status, WriteResult::Status::Refused);
  EXPECT_EQ(refused.error, "mysql 127.0.0.1:" + std::to_string(server_->port()) + "/" + database_ +
                               ": Incorrect integer value: 'tomorrow' for column `" + database_ +
                               "`.`frame`.`NJOURFPLUS1` at row 2");
  EXPECT_EQ(rows(), 2u);  // all or none: frames[3] is not in either
  EXPECT_TRUE(writer.connected());
  ASSERT_EQ(writer.write(std::span{frames}.subspan(2, 2)).status, WriteResult::Status::Written);
  EXPECT_EQ(rows(), 4u);
  EXPECT_EQ(writer.counters().connections, 1u);
}

TEST_F(MysqlWriterTest, FrameWithoutAddressIsRefused) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  const tic::Frame anonymous = edited(frames[1], {}, "ADSC");
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(std::vector<tic::Frame>{frames[0], anonymous});
  EXPECT_EQ(result.status, WriteResult::Status::Refused);
  EXPECT_EQ(result.error,
            "mysql 127.0.0.1:" + std::to_string(server_->port()) + "/" + database_ +
                ": a frame without a meter address (ADCO or ADSC) at 2025-01-01T00:00:00.001Z");
  EXPECT_FALSE(writer.connected());  // found before any I/O
}

TEST_F(MysqlWriterTest, WrongPasswordIsUnavailableAndNotShown) {
  settings_.password = "Wr0ng-Passw0rd";
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames_of(kStandard));
  // Retrying the frames one by one cannot help: they wait until the password is put right.
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "mysql 127.0.0.1:" + std::to_string(server_->port()) + "/" + database_ +
                              ": Access denied for user 'teleinfo'@'127.0.0.1' (using password: "
                              "YES)");
  EXPECT_EQ(result.error.find("Wr0ng"), std::string::npos);
  EXPECT_FALSE(writer.connected());
}

TEST_F(MysqlWriterTest, UnknownDatabaseIsUnavailable) {
  settings_.database = "no_such_database";
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames_of(kStandard));
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "mysql 127.0.0.1:" + std::to_string(server_->port()) +
                              "/no_such_database: Access denied for user 'teleinfo'@'%' to "
                              "database 'no_such_database'");
}

TEST_F(MysqlWriterTest, ThroughTheUnixSocket) {
  sql::parse_mysql_url("mysql://teleinfo@/" + database_ + "?socket=" + server_->socket(),
                       settings_);
  sql::MysqlWriter writer{settings_};
  const WriteResult result = writer.write(frames_of(kHistoricBase));
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(rows(), 52u);
}

TEST_F(MysqlWriterTest, CloseThenWriteConnectsAgain) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(std::span{frames}.first(50)).status, WriteResult::Status::Written);
  writer.close();
  EXPECT_FALSE(writer.connected());
  ASSERT_EQ(writer.write(std::span{frames}.subspan(50)).status, WriteResult::Status::Written);
  EXPECT_EQ(writer.counters().connections, 2u);
  EXPECT_EQ(rows(), 100u);
}

TEST_F(MysqlWriterTest, ConnectionClosedByTheServerIsMadeAgainAtOnce) {
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(std::span{frames}.first(50)).status, WriteResult::Status::Written);
  // As wait_timeout does to an idle connection.
  for (const auto& row : server_->query("SELECT ID FROM information_schema.PROCESSLIST WHERE "
                                        "USER = 'teleinfo' AND DB = '" +
                                        database_ + "'")) {
    server_->query("KILL " + *row[0]);
  }
  const WriteResult result = writer.write(std::span{frames}.subspan(50));
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(writer.counters().connections, 2u);
  EXPECT_EQ(rows(), 100u);
}

// frames/s of write() for 10,000 standard frames in batches of 256: a figure, not a test.
TEST_F(MysqlWriterTest, Throughput) {
  const std::vector<tic::Frame> capture = frames_of(kStandard);
  std::vector<tic::Frame> frames;
  frames.reserve(10'000);
  for (std::size_t i = 0; i < 10'000; ++i) {
    tic::Frame frame = capture[i % capture.size()];
    frame.set_time(test::test_time() + std::chrono::milliseconds(i * 1000));
    frames.push_back(std::move(frame));
  }
  sql::MysqlWriter writer{settings_};
  ASSERT_EQ(writer.write(std::span{frames}.first(1)).status, WriteResult::Status::Written);

  const auto start = std::chrono::steady_clock::now();
  for (std::size_t at = 1; at < frames.size(); at += 256) {
    const auto batch =
        std::span{frames}.subspan(at, std::min<std::size_t>(256, frames.size() - at));
    ASSERT_EQ(writer.write(batch).status, WriteResult::Status::Written);
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(rows(), 10'000u);
  const double written = static_cast<double>(frames.size() - 1);
  std::cout << "[ FIGURE   ] mysql: " << written << " standard frames in " << elapsed.count()
            << " s: " << static_cast<long>(written / elapsed.count()) << " frames/s\n";
}

// A server of its own: killed and started again.
class MysqlWriterOutageTest : public ::testing::Test {
 protected:
  test::MariaDb server_;
};

TEST_F(MysqlWriterOutageTest, ServerKilledThenBack) {
  sql::MysqlSettings settings;
  settings.password = server_.create_database("outage");
  sql::parse_mysql_url(server_.url("outage"), settings);
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  const auto first = std::span{frames}.first(50);
  const auto second = std::span{frames}.subspan(50);

  sql::MysqlWriter writer{settings};
  ASSERT_EQ(writer.write(first).status, WriteResult::Status::Written);
  server_.kill();

  const std::string where = "mysql 127.0.0.1:" + std::to_string(server_.port()) + "/outage: ";
  WriteResult result = writer.write(second);
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, where + "Can't connect to server on '127.0.0.1'");
  EXPECT_EQ(result.error.find('\n'), std::string::npos);
  EXPECT_FALSE(writer.connected());
  result = writer.write(second);  // still away
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, where + "Can't connect to server on '127.0.0.1'");

  server_.start();
  // What was sent again after the outage (both halves) is stored once.
  result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(server_.query("SELECT COUNT(*), COUNT(DISTINCT TIME) FROM frame", "outage"),
            (test::SqlRows{{text("100"), text("100")}}));
  EXPECT_EQ(writer.counters().connections, 2u);
  EXPECT_EQ(writer.counters().rows_inserted, 100u);
}

TEST_F(MysqlWriterOutageTest, LockWaitTimeoutIsUnavailable) {
  sql::MysqlSettings settings;
  settings.password = server_.create_database("locked");
  sql::parse_mysql_url(server_.url("locked"), settings);
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  sql::MysqlWriter writer{settings};
  ASSERT_EQ(writer.write(std::span{frames}.first(10)).status, WriteResult::Status::Written);
  server_.query("SET GLOBAL innodb_lock_wait_timeout = 1");
  writer.close();  // the next session takes the new timeout

  // Another client's open transaction holds a row the writer's next batch has.
  MYSQL* other = mysql_init(nullptr);
  ASSERT_NE(
      mysql_real_connect(other, "localhost", "root", "", "locked", 0, server_.socket().c_str(), 0),
      nullptr);
  for (const char* statement :
       {"START TRANSACTION",
        "INSERT INTO frame (meter, TIME) VALUES ('061961361253', '2025-01-01 00:00:00.050')"}) {
    ASSERT_EQ(mysql_query(other, statement), 0) << mysql_error(other);
  }
  const WriteResult result = writer.write(std::span{frames}.subspan(10));
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "mysql 127.0.0.1:" + std::to_string(server_.port()) +
                              "/locked: Lock wait timeout exceeded; try restarting transaction");
  mysql_query(other, "ROLLBACK");
  mysql_close(other);

  ASSERT_EQ(writer.write(std::span{frames}.subspan(10)).status, WriteResult::Status::Written);
  EXPECT_EQ(server_.query("SELECT COUNT(*) FROM frame", "locked"), (test::SqlRows{{text("100")}}));
}

// TLS as the settings ask for it, against a server with a certificate of a test CA.
TEST(MysqlWriterTlsTest, TlsSettings) {
  const test::Certificates certificates;
  const test::Certificates other_ca;
  test::MariaDb server{{"--ssl-ca=" + certificates.ca_file(),
                        "--ssl-cert=" + certificates.server_cert_file(),
                        "--ssl-key=" + certificates.server_key_file()}};
  sql::MysqlSettings settings;
  settings.password = server.create_database("tls");
  server.query("ALTER USER 'teleinfo'@'%' REQUIRE SSL");
  sql::parse_mysql_url(server.url("tls"), settings);
  const std::string where = "mysql 127.0.0.1:" + std::to_string(server.port()) + "/tls: ";
  const std::vector<tic::Frame> frames = frames_of(kStandard);
  const auto write = [&](const sql::MysqlSettings& with, std::size_t from) {
    sql::MysqlWriter writer{with};
    return writer.write(std::span{frames}.subspan(from, 10));
  };

  // Without TLS the server refuses this user.
  WriteResult result = write(settings, 0);
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error,
            where + "Access denied for user 'teleinfo'@'127.0.0.1' (using password: YES)");

  // The server's certificate checked against the test CA.
  sql::MysqlSettings tls = settings;
  tls.tls = true;
  tls.ca_file = certificates.ca_file();
  result = write(tls, 0);
  EXPECT_EQ(result.status, WriteResult::Status::Written) << result.error;

  // A CA that did not sign it: refused by the writer, unless told not to check.
  sql::MysqlSettings wrong_ca = tls;
  wrong_ca.ca_file = other_ca.ca_file();
  result = write(wrong_ca, 10);
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, where + "TLS/SSL error: self-signed certificate in certificate chain");
  sql::MysqlSettings insecure = settings;
  insecure.tls = true;
  insecure.insecure = true;
  result = write(insecure, 10);
  EXPECT_EQ(result.status, WriteResult::Status::Written) << result.error;

  // A client certificate, when the server asks for one.
  server.query("ALTER USER 'teleinfo'@'%' REQUIRE X509");
  result = write(tls, 20);
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  sql::MysqlSettings mutual = tls;
  mutual.cert_file = certificates.client_cert_file();
  mutual.key_file = certificates.client_key_file();
  result = write(mutual, 20);
  EXPECT_EQ(result.status, WriteResult::Status::Written) << result.error;

  EXPECT_EQ(server.query("SELECT COUNT(*) FROM frame", "tls"), (test::SqlRows{{text("30")}}));
}

}  // namespace
