// /api/history?day=: a day of the MySQL archive, read back through the web API, against a real
// MariaDB that the same bridge archives into.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "support/captures.h"
#include "support/eventually.h"
#include "support/mariadb.h"
#include "support/web_bridge.h"
#include "web/live_state.h"

namespace {

const std::string kBridge = TELEINFO_BRIDGE;
// A historic HC meter: 199 frames, one of them cut short.
constexpr const char* kCapture = "nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  EXPECT_FALSE(document.HasParseError()) << body;
  return document;
}

std::string day_text(std::chrono::sys_days day) {
  const std::chrono::year_month_day date{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

class DayHistory : public testing::Test {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) server_ = std::make_unique<test::MariaDb>();
    if (!server_->running()) server_->start();
    database_ = std::string{"w_"} + testing::UnitTest::GetInstance()->current_test_info()->name();
    password_ = server_->create_database(database_);
  }

  std::size_t rows() const {
    try {
      const auto rows = server_->query("SELECT COUNT(*) FROM `" + database_ + "`.frame");
      return std::stoul(rows.at(0).at(0).value());
    } catch (const std::exception&) {
      return 0;  // the table is not there yet
    }
  }

  std::unique_ptr<test::WebBridge> bridge() const {
    return std::make_unique<test::WebBridge>(
        kBridge, std::vector<std::string>{"historic"},
        std::vector<std::string>{"--mysql-url", server_->url(database_), "--spool-dir",
                                 spool_.path()},
        std::map<std::string, std::string>{{"TELEINFO_MYSQL_PASSWORD", password_}});
  }

  static inline std::unique_ptr<test::MariaDb> server_;
  test::TemporaryDirectory spool_{"teleinfo-web-spool"};
  std::string database_;
  std::string password_;
};

TEST_F(DayHistory, ADayComesFromTheArchiveAveragedPerBucket) {
  std::vector<std::uint64_t> power;
  std::string meter;
  for (const tic::Frame& frame : test::decode(test::read_capture(kCapture)).frames) {
    if (frame.address().empty()) continue;
    meter = frame.address();
    power.push_back(test::number_of(frame, "PAPP").value());
  }
  ASSERT_EQ(power.size(), 198u);  // one of the 199 frames is cut short

  const auto web = bridge();
  EXPECT_TRUE(parse(web->get("/api/meters").body)["day_history"].GetBool());
  web->send(0, test::read_capture(kCapture));
  ASSERT_TRUE(test::eventually([&] { return rows() == power.size(); })) << rows();

  // The French day of the frames, from their TIME.
  const rapidjson::Document memory =
      parse(web->get("/api/history?meter=" + meter + "&label=PAPP").body);
  ASSERT_EQ(memory["points"].Size(), power.size());
  const tic::Time first{std::chrono::milliseconds{memory["points"][0][0].GetInt64()}};
  const tic::Time last{std::chrono::milliseconds{memory["points"][197][0].GetInt64()}};
  const std::chrono::sys_days day = web::french_day(first);
  const std::string base = "/api/history?meter=" + meter + "&label=PAPP&day=" + day_text(day);
  const auto day_start = web::french_midnight(day);
  const auto day_length = std::chrono::duration_cast<std::chrono::seconds>(
      web::french_midnight(day + std::chrono::days{1}) - day_start);

  // One bucket: the whole day, the mean of every frame's PAPP.
  const test::HttpResponse whole = web->get(base + "&points=1");
  ASSERT_EQ(whole.status, 200) << whole.body;
  const rapidjson::Document one = parse(whole.body);
  EXPECT_EQ(std::string{one["source"].GetString()}, "mysql");
  EXPECT_EQ(std::string{one["day"].GetString()}, day_text(day));
  EXPECT_EQ(std::string{one["unit"].GetString()}, "VA");
  EXPECT_EQ(one["bucket_seconds"].GetInt64(), day_length.count());
  ASSERT_EQ(one["points"].Size(), 1u);
  if (web::french_day(last) == day) {  // unless the replay crossed a French midnight
    const double mean =
        static_cast<double>(std::accumulate(power.begin(), power.end(), std::uint64_t{0})) /
        static_cast<double>(power.size());
    EXPECT_EQ(one["points"][0][1].GetUint64(), static_cast<std::uint64_t>(std::llround(mean)));
  }
  EXPECT_EQ(one["points"][0][0].GetInt64(),
            day_start.time_since_epoch().count() + day_length.count() * 500);

  // Minutes: each point inside the day, in order, between the smallest and largest PAPP.
  const rapidjson::Document minutes = parse(web->get(base + "&points=1440").body);
  EXPECT_EQ(minutes["bucket_seconds"].GetInt64(), (day_length.count() + 1439) / 1440);
  const auto [low, high] = std::minmax_element(power.begin(), power.end());
  const rapidjson::Value& points = minutes["points"];
  ASSERT_GE(points.Size(), 1u);
  for (rapidjson::SizeType i = 0; i < points.Size(); ++i) {
    EXPECT_GE(points[i][1].GetUint64(), *low);
    EXPECT_LE(points[i][1].GetUint64(), *high);
    EXPECT_GE(points[i][0].GetInt64(), day_start.time_since_epoch().count());
    if (i > 0) {
      EXPECT_GT(points[i][0].GetInt64(), points[i - 1][0].GetInt64());
    }
  }

  // A day without frames, a label the archive lacks, one that is not a number.
  const test::HttpResponse empty = web->get(
      "/api/history?meter=" + meter + "&label=PAPP&day=" + day_text(day - std::chrono::days{400}));
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(parse(empty.body)["points"].Size(), 0u);
  const test::HttpResponse east =
      web->get("/api/history?meter=" + meter + "&label=EAST&day=" + day_text(day));
  EXPECT_EQ(east.status, 404);
  EXPECT_EQ(east.body, R"({"error":"label: the archive holds no EAST"})");
  const test::HttpResponse text =
      web->get("/api/history?meter=" + meter + "&label=PTEC&day=" + day_text(day));
  EXPECT_EQ(text.status, 404);
  EXPECT_EQ(text.body, R"({"error":"label: PTEC is not a number the archive keeps"})");

  // The same day asked for by two clients at once, a connection for each request: the answers
  // come from the database's thread while connections close and open on the server's.
  constexpr std::size_t kRequests = 150;
  std::vector<test::HttpResponse> answers[2];
  {
    std::vector<std::thread> clients;
    for (auto& client_answers : answers) {
      clients.emplace_back([&web, &base, &client_answers] {
        for (std::size_t i = 0; i < kRequests; ++i)
          client_answers.push_back(web->get(base + "&points=1"));
      });
    }
    for (std::thread& client : clients)
      client.join();
  }
  for (const auto& client_answers : answers) {
    ASSERT_EQ(client_answers.size(), kRequests);
    const auto different = [&](const test::HttpResponse& answer) {
      return answer.status != 200 || answer.body != whole.body;
    };
    EXPECT_EQ(std::count_if(client_answers.begin(), client_answers.end(), different), 0)
        << web->err();
  }

  // The database away: 503 at once, and everything else still served.
  server_->kill();
  const test::HttpResponse away = web->get(base);
  EXPECT_EQ(away.status, 503);
  EXPECT_TRUE(std::string{parse(away.body)["error"].GetString()}.starts_with(
      "the database cannot answer: "))
      << away.body;
  EXPECT_EQ(web->get("/healthz").status, 200);
  EXPECT_EQ(web->get("/api/meters/" + meter).status, 200);
  EXPECT_EQ(web->daemon().stop(SIGTERM), 0);
}

}  // namespace
