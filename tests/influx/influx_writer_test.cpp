// The InfluxDB writer against a real InfluxDB 1.6 (support/influxdb.h), fed with a real capture:
// values and field types read back with /query, timestamps in ms, idempotent batches, a server
// stopped and started again, a database that does not exist, a point the server refuses, gzip,
// and a throughput figure.
#include "influx/influx_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "influx/influx_options.h"
#include "support/captures.h"
#include "support/influxdb.h"
#include "tic/frame.h"

namespace {

using sink::WriteResult;

constexpr std::string_view kStandard = "hallard_tinfo_replay_stand_base_long.txt";
constexpr std::string_view kMeter = "061961361253";

// `count` frames of the standard capture, taken in turn, one second apart from test_time().
std::vector<tic::Frame> standard_frames(std::size_t count) {
  const std::vector<tic::Frame> capture = test::decode(test::read_capture(kStandard)).frames;
  EXPECT_GE(capture.size(), 90u);
  std::vector<tic::Frame> frames;
  for (std::size_t i = 0; i < count; ++i) {
    tic::Frame& frame = frames.emplace_back(capture[i % capture.size()]);
    frame.set_time(test::test_time() + std::chrono::seconds{i});
  }
  return frames;
}

std::int64_t ms_of(const tic::Frame& frame) {
  return frame.time().time_since_epoch().count();
}

// The values of the first series of a /query answer: one array per row, time first.
std::vector<std::vector<std::string>> rows_of(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  std::vector<std::vector<std::string>> rows;
  if (document.HasParseError() || !document.HasMember("results")) return rows;
  const auto& result = document["results"][0];
  EXPECT_FALSE(result.HasMember("error")) << json;
  if (!result.HasMember("series")) return rows;
  for (const auto& values : result["series"][0]["values"].GetArray()) {
    std::vector<std::string>& row = rows.emplace_back();
    for (const auto& value : values.GetArray()) {
      if (value.IsString())
        row.emplace_back(std::string{"\""} + value.GetString() + "\"");
      else if (value.IsInt64())
        row.push_back(std::to_string(value.GetInt64()));
      else if (value.IsNull())
        row.emplace_back("null");
      else
        row.emplace_back("?");
    }
  }
  return rows;
}

class InfluxWriterTest : public ::testing::Test {
 protected:
  // Made by the first test that needs it rather than in SetUpTestSuite: a server that does not
  // start is then a failed test, where googletest would report the suite's tests as skipped.
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) server_ = std::make_unique<test::InfluxDb>();
    if (!server_->running()) server_->start();
    database_ = "frames_" + std::to_string(++databases_);
    server_->create_database(database_);
    settings_.url = server_->url();
    settings_.database = database_;
  }

  std::int64_t point_count() {
    const auto rows =
        rows_of(server_->query(database_, "SELECT count(\"EAST\") FROM teleinfo WHERE meter='" +
                                              std::string{kMeter} + "'"));
    if (rows.empty()) return 0;
    return std::stoll(rows[0][1]);
  }

  static inline std::unique_ptr<test::InfluxDb> server_;
  static inline int databases_ = 0;
  std::string database_;
  influx::InfluxSettings settings_;
};

TEST_F(InfluxWriterTest, ValuesTypesAndTimesReadBack) {
  const std::vector<tic::Frame> frames = standard_frames(100);
  influx::InfluxWriter writer{settings_};
  EXPECT_EQ(writer.name(), "influx");
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(writer.counters().frames_written, 100u);
  EXPECT_EQ(writer.counters().requests, 1u);
  EXPECT_EQ(writer.endpoint(), server_->url() + "/write");

  const auto rows = rows_of(
      server_->query(database_,
                     "SELECT \"EAST\", \"SINSTS\", \"LTARF\", \"SMAXSN\", \"SMAXSN_time\", "
                     "\"DATE_time\", \"NJOURF+1\" FROM teleinfo WHERE meter='061961361253'"));
  ASSERT_EQ(rows.size(), 100u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const tic::Frame& frame = frames[i];
    const auto number = [&](std::string_view label) {
      return std::to_string(test::number_of(frame, label).value_or(999'999'999'999));
    };
    const auto seconds = [&](std::string_view label) {
      return std::to_string(frame.find(label)->horodate->utc().time_since_epoch().count());
    };
    const std::vector<std::string> expected = {std::to_string(ms_of(frame)),
                                               number("EAST"),
                                               number("SINSTS"),
                                               "\"BASE\"",
                                               number("SMAXSN"),
                                               seconds("SMAXSN"),
                                               seconds("DATE"),
                                               number("NJOURF+1")};
    EXPECT_EQ(rows[i], expected) << "row " << i;
  }
  // The first frame, by hand (line_protocol_test has its whole line).
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1735689600000", "2188830", "394", "\"BASE\"", "924",
                                               "1619147943", "1619149222", "0"}));

  std::map<std::string, std::string> types;
  for (const auto& row : rows_of(server_->query(database_, "SHOW FIELD KEYS FROM teleinfo")))
    types[row[0]] = row[1];
  EXPECT_EQ(types["\"EAST\""], "\"integer\"");
  EXPECT_EQ(types["\"SINSTS\""], "\"integer\"");
  EXPECT_EQ(types["\"SMAXSN_time\""], "\"integer\"");
  EXPECT_EQ(types["\"DATE_time\""], "\"integer\"");
  EXPECT_EQ(types["\"LTARF\""], "\"string\"");
  EXPECT_EQ(types["\"ADSC\""], "\"string\"");
  EXPECT_EQ(types["\"MSG1\""], "\"string\"");
  EXPECT_EQ(types.count("\"DATE\""), 0u);  // no data: only its horodate
}

TEST_F(InfluxWriterTest, SameBatchTwiceIsStoredOnce) {
  const std::vector<tic::Frame> frames = standard_frames(100);
  influx::InfluxWriter writer{settings_};
  ASSERT_EQ(writer.write(frames).status, WriteResult::Status::Written);
  ASSERT_EQ(writer.write(frames).status, WriteResult::Status::Written);
  ASSERT_EQ(writer.write(std::span{frames}.subspan(10, 20)).status, WriteResult::Status::Written);
  EXPECT_EQ(point_count(), 100);
  EXPECT_EQ(writer.counters().requests, 3u);
}

TEST_F(InfluxWriterTest, ServerStoppedThenStartedLosesNothing) {
  const std::vector<tic::Frame> frames = standard_frames(90);
  const std::span all{frames};
  influx::InfluxWriter writer{settings_};
  ASSERT_EQ(writer.write(all.first(30)).status, WriteResult::Status::Written);

  server_->stop();
  const WriteResult away = writer.write(all.subspan(30, 30));
  EXPECT_EQ(away.status, WriteResult::Status::Unavailable);
  EXPECT_TRUE(away.error.starts_with("influx " + server_->url() + "/write: ")) << away.error;
  EXPECT_EQ(away.error.find('\n'), std::string::npos);

  // What ThreadedSink does: the same batch again once the server is back, then the next.
  server_->start();
  const WriteResult back = writer.write(all.subspan(30, 30));
  ASSERT_EQ(back.status, WriteResult::Status::Written) << back.error;
  ASSERT_EQ(writer.write(all.subspan(60)).status, WriteResult::Status::Written);
  EXPECT_EQ(point_count(), 90);

  // Killed (no clean shutdown): what was acknowledged is in the WAL.
  server_->kill();
  EXPECT_EQ(writer.write(all.first(1)).status, WriteResult::Status::Unavailable);
  server_->start();
  EXPECT_EQ(point_count(), 90);
}

TEST_F(InfluxWriterTest, MissingDatabaseIsUnavailableWithTheServersMessage) {
  settings_.database = "no_such_database";
  influx::InfluxWriter writer{settings_};
  const WriteResult result = writer.write(standard_frames(3));
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + server_->url() +
                              "/write: HTTP 404 Not Found: database not found: "
                              "\"no_such_database\"");
}

TEST_F(InfluxWriterTest, PointTheServerRefusesIsRefusedWithItsMessage) {
  // In nanoseconds, the year 2300 is beyond InfluxDB's int64 range.
  std::vector<tic::Frame> frames = standard_frames(2);
  frames[1].set_time(tic::Time{std::chrono::milliseconds{10'418'020'000'000}});
  influx::InfluxWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  EXPECT_EQ(result.status, WriteResult::Status::Refused);
  EXPECT_TRUE(result.error.starts_with("influx " + server_->url() + "/write: HTTP 400: "))
      << result.error;
  EXPECT_NE(result.error.find("time outside range"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find('\n'), std::string::npos);
  // Frame by frame, as ThreadedSink retries it: the good one is stored.
  EXPECT_EQ(writer.write(std::span{frames}.first(1)).status, WriteResult::Status::Written);
  EXPECT_EQ(writer.write(std::span{frames}.last(1)).status, WriteResult::Status::Refused);
  EXPECT_EQ(point_count(), 1);
}

TEST_F(InfluxWriterTest, Gzip) {
  settings_.gzip = true;
  settings_.measurement = "linky meter";
  const std::vector<tic::Frame> frames = standard_frames(100);
  influx::InfluxWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  const auto rows = rows_of(server_->query(
      database_, "SELECT count(\"SINSTS\") FROM \"linky meter\" WHERE meter='061961361253'"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1], "100");
}

TEST_F(InfluxWriterTest, Throughput) {
  constexpr std::size_t kFrames = 10'000;
  constexpr std::size_t kBatch = 256;
  const std::vector<tic::Frame> frames = standard_frames(kFrames);
  std::size_t labels = 0;
  for (const tic::Frame& frame : frames)
    labels += frame.size();
  influx::InfluxWriter writer{settings_};
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < frames.size(); at += kBatch) {
    const WriteResult result =
        writer.write(std::span{frames}.subspan(at, std::min(kBatch, frames.size() - at)));
    ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(point_count(), static_cast<std::int64_t>(kFrames));
  std::cout << "influx writer: " << kFrames << " frames (" << labels << " label values) in "
            << seconds << " s: " << static_cast<double>(labels) / seconds << " label values/s, "
            << static_cast<double>(kFrames) / seconds << " frames/s\n";
}

}  // namespace
