// The web server's JSON API against the real bridge, fed captured frames through
// pseudo-terminals: what it shows must be exactly what the capture holds.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "support/captures.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/mariadb.h"
#include "support/web_bridge.h"
#include "tic/frame_json.h"
#include "web/live_state.h"

namespace {

const std::string kBridge = TELEINFO_BRIDGE;
// A historic HC meter (199 frames sent, one cut short) and a standard Linky (100 frames).
constexpr const char* kHistoricCapture = "nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt";
constexpr const char* kStandardCapture = "hallard_tinfo_replay_stand_base_long.txt";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  EXPECT_FALSE(document.HasParseError()) << body;
  return document;
}

// The frames of a capture that carry a meter address: those the bridge shows.
std::vector<tic::Frame> frames_of(const std::string& capture) {
  std::vector<tic::Frame> frames;
  for (tic::Frame& frame : test::decode(test::read_capture(capture)).frames) {
    if (!frame.address().empty() && frame.kind() == tic::FrameKind::Long) {
      frames.push_back(std::move(frame));
    }
  }
  return frames;
}

// The frame JSON without TIME (when the bridge read it differs from the test's decoding).
std::string without_time(const rapidjson::Value& frame) {
  std::string out;
  for (auto member = frame.MemberBegin(); member != frame.MemberEnd(); ++member) {
    const std::string name = member->name.GetString();
    if (name == "TIME") continue;
    out += name + "=" + member->value["raw"].GetString() + ";";
  }
  return out;
}

std::string without_time(const tic::Frame& frame) {
  std::string json;
  tic::write_frame_json(frame, json);
  return without_time(parse(json));
}

// The sum of the latest value of each consumption index, frame after frame.
std::vector<std::uint64_t> consumption(const std::vector<tic::Frame>& frames) {
  std::map<std::string, std::uint64_t, std::less<>> latest;
  std::vector<std::uint64_t> totals;
  for (const tic::Frame& frame : frames) {
    for (const tic::Field field : frame) {
      if (field.number && web::is_consumption_index(frame.mode(), field.label)) {
        latest[std::string{field.label}] = *field.number;
      }
    }
    std::uint64_t total = 0;
    for (const auto& [label, value] : latest)
      total += value;
    totals.push_back(total);
  }
  return totals;
}

class Api : public testing::Test {
 protected:
  // Sends the capture and waits until the bridge shows its last frame: every frame is one point
  // of `label` in the history.
  void play(test::WebBridge& bridge, std::size_t meter, const std::string& capture,
            const std::string& label) {
    frames_ = frames_of(capture);
    ASSERT_FALSE(frames_.empty());
    id_ = std::string{frames_.front().address()};
    bridge.send(meter, test::read_capture(capture));
    const std::string path = "/api/history?meter=" + id_ + "&label=" + label;
    ASSERT_TRUE(test::eventually([&] {
      const test::HttpResponse history = bridge.get(path);
      if (history.status != 200) return false;
      return parse(history.body)["points"].Size() == frames_.size();
    })) << bridge.get(path).body;
  }

  std::vector<tic::Frame> frames_;
  std::string id_;
};

TEST_F(Api, HistoricMeterShowsTheCapturesLastFrame) {
  test::WebBridge bridge{kBridge, {"historic"}};
  play(bridge, 0, kHistoricCapture, "PAPP");
  const tic::Frame& last = frames_.back();

  const test::HttpResponse meters = bridge.get("/api/meters");
  EXPECT_EQ(meters.status, 200);
  EXPECT_EQ(meters.content_type, "application/json");
  const rapidjson::Document list = parse(meters.body);
  ASSERT_EQ(list["meters"].Size(), 1u);
  const rapidjson::Value& listed = list["meters"][0];
  EXPECT_EQ(std::string{listed["id"].GetString()}, "031328187235");
  EXPECT_EQ(id_, "031328187235");
  EXPECT_EQ(std::string{listed["source"].GetString()}, bridge.line(0));
  EXPECT_EQ(std::string{listed["mode"].GetString()}, "historic");
  EXPECT_TRUE(listed["online"].GetBool());
  EXPECT_EQ(listed["frames"].GetUint64(), frames_.size());
  EXPECT_EQ(list["points"].GetUint(), 500u);
  EXPECT_FALSE(list["day_history"].GetBool());

  const rapidjson::Document meter = parse(bridge.get("/api/meters/" + id_).body);
  EXPECT_EQ(without_time(meter["frame"]), without_time(last));
  EXPECT_EQ(std::string{meter["last_frame"].GetString()},
            meter["frame"]["TIME"]["raw"].GetString());
  const rapidjson::Value& live = meter["live"];
  EXPECT_EQ(std::string{live["power"]["label"].GetString()}, "PAPP");
  EXPECT_EQ(live["power"]["value"].GetUint64(), test::number_of(last, "PAPP").value());
  EXPECT_EQ(std::string{live["power"]["unit"].GetString()}, "VA");
  ASSERT_EQ(live["currents"].Size(), 1u);
  EXPECT_EQ(std::string{live["currents"][0]["label"].GetString()}, "IINST");
  EXPECT_EQ(live["currents"][0]["value"].GetUint64(), test::number_of(last, "IINST").value());
  EXPECT_EQ(std::string{live["period"]["value"].GetString()}, last.find("PTEC")->text);
  EXPECT_TRUE(live["tempo"].IsNull());
  EXPECT_EQ(live["warnings"].Size(), 0u);

  const std::vector<std::uint64_t> totals = consumption(frames_);
  const rapidjson::Value& energy = live["energy"];
  EXPECT_EQ(energy["index_wh"].GetUint64(), totals.back());
  EXPECT_EQ(energy["index_wh"].GetUint64(),
            *test::number_of(last, "HCHC") + *test::number_of(last, "HCHP"));
  EXPECT_TRUE(energy["yesterday_wh"].IsNull());
  if (!energy["today_complete"].GetBool()) {  // unless the replay crossed a French midnight
    EXPECT_EQ(energy["today_wh"].GetUint64(), totals.back() - totals.front());
    EXPECT_GT(totals.back() - totals.front(), 0u);
  }

  // The history: one point per frame, in order, values as sent.
  const rapidjson::Document history =
      parse(bridge.get("/api/history?meter=" + id_ + "&label=PAPP").body);
  EXPECT_EQ(std::string{history["unit"].GetString()}, "VA");
  EXPECT_EQ(std::string{history["source"].GetString()}, "memory");
  const rapidjson::Value& points = history["points"];
  ASSERT_EQ(points.Size(), frames_.size());
  for (rapidjson::SizeType i = 0; i < points.Size(); ++i) {
    EXPECT_EQ(points[i][1].GetUint64(), test::number_of(frames_[i], "PAPP").value()) << i;
    if (i > 0) {
      EXPECT_GT(points[i][0].GetInt64(), points[i - 1][0].GetInt64()) << i;
    }
  }

  // The newest few, and those after a given time.
  const rapidjson::Document newest =
      parse(bridge.get("/api/history?meter=" + id_ + "&label=PAPP&points=5").body);
  ASSERT_EQ(newest["points"].Size(), 5u);
  EXPECT_EQ(newest["points"][0][0].GetInt64(), points[points.Size() - 5][0].GetInt64());
  const std::int64_t since = points[points.Size() - 3][0].GetInt64();
  const rapidjson::Document after = parse(
      bridge.get("/api/history?meter=" + id_ + "&label=PAPP&since=" + std::to_string(since)).body);
  ASSERT_EQ(after["points"].Size(), 2u);
  EXPECT_EQ(after["points"][1][0].GetInt64(), points[points.Size() - 1][0].GetInt64());

  const test::HttpResponse health = bridge.get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok","meters":1,"meters_online":1})");
  EXPECT_EQ(bridge.daemon().stop(SIGTERM), 0);
}

TEST_F(Api, StandardMeterShowsPowerCurrentTariffAndStatus) {
  test::WebBridge bridge{kBridge, {"standard"}, {"--http-points", "40"}};
  const std::vector<tic::Frame> all = frames_of(kStandardCapture);
  ASSERT_GT(all.size(), 40u);
  frames_ = all;
  id_ = std::string{all.front().address()};
  bridge.send(0, test::read_capture(kStandardCapture));
  // Only the newest 40 points are kept: wait until every frame was shown.
  ASSERT_TRUE(test::eventually([&] {
    const rapidjson::Document list = parse(bridge.get("/api/meters").body);
    return list["meters"][0]["frames"].GetUint64() == all.size();
  }));
  const tic::Frame& last = all.back();
  const rapidjson::Document meter = parse(bridge.get("/api/meters/" + id_).body);
  EXPECT_EQ(without_time(meter["frame"]), without_time(last));
  EXPECT_EQ(std::string{meter["mode"].GetString()}, "standard");
  const rapidjson::Value& live = meter["live"];
  EXPECT_EQ(std::string{live["power"]["label"].GetString()}, "SINSTS");
  EXPECT_EQ(live["power"]["value"].GetUint64(), test::number_of(last, "SINSTS").value());
  ASSERT_EQ(live["currents"].Size(), 1u);
  EXPECT_EQ(std::string{live["currents"][0]["label"].GetString()}, "IRMS1");
  EXPECT_EQ(live["currents"][0]["value"].GetUint64(), test::number_of(last, "IRMS1").value());
  EXPECT_EQ(std::string{live["period"]["label"].GetString()}, "LTARF");
  EXPECT_EQ(std::string{live["period"]["value"].GetString()}, last.find("LTARF")->text);
  // STGE 003A0001: the dry contact open, no Tempo colour, nothing to warn of.
  EXPECT_EQ(last.find("STGE")->raw, "003A0001");
  EXPECT_TRUE(live["tempo"].IsNull());
  EXPECT_EQ(live["warnings"].Size(), 0u);
  EXPECT_EQ(live["energy"]["index_wh"].GetUint64(), test::number_of(last, "EAST").value());

  const rapidjson::Document history =
      parse(bridge.get("/api/history?meter=" + id_ + "&label=IRMS1").body);
  EXPECT_EQ(std::string{history["unit"].GetString()}, "A");
  ASSERT_EQ(history["points"].Size(), 40u);
  for (rapidjson::SizeType i = 0; i < 40; ++i) {
    EXPECT_EQ(history["points"][i][1].GetUint64(),
              test::number_of(all[all.size() - 40 + i], "IRMS1").value());
  }
  EXPECT_EQ(bridge.daemon().stop(SIGTERM), 0);
}

TEST_F(Api, BadRequestsGetShortJsonErrors) {
  test::WebBridge bridge{kBridge, {"historic"}};
  play(bridge, 0, "hallard_tinfo_replay_histo_hc.txt", "PAPP");
  const std::string history = "/api/history?meter=" + id_;
  const std::map<std::string, std::pair<long, std::string>> cases = {
      {"/api/meters/123", {404, R"({"error":"no meter 123"})"}},
      {"/nowhere", {404, R"({"error":"no such page"})"}},
      {"/index.html", {404, R"({"error":"no such page"})"}},
      {"/api/history?label=PAPP", {400, R"({"error":"meter: missing"})"}},
      {history, {400, R"({"error":"label: missing"})"}},
      {history + "&label=EAST",
       {404, R"({"error":"meter 021528603314 sent no number labelled EAST"})"}},
      {history + "&label=PTEC",
       {404, R"({"error":"meter 021528603314 sent no number labelled PTEC"})"}},
      {history + "&label=PAPP&points=0",
       {400, R"({"error":"points: expected a count, 1 or more"})"}},
      {history + "&label=PAPP&points=-4",
       {400, R"({"error":"points: expected a count, 1 or more"})"}},
      {history + "&label=PAPP&points=99999999999999999999",
       {400, R"({"error":"points: expected a count, 1 or more"})"}},
      {history + "&label=PAPP&since=yesterday",
       {400, R"({"error":"since: expected Unix milliseconds"})"}},
      {history + "&label=PAPP&day=2025-02-30",
       {400, R"({"error":"day: expected a date, YYYY-MM-DD"})"}},
      {history + "&label=PAPP&day=2025-01-01",
       {404, R"({"error":"day: the day view needs --mysql-url"})"}},
      {history + "&label=PAPP&label=IINST", {400, R"({"error":"parameter label given twice"})"}},
      {history + "&label=PAPP&colour=red", {400, R"({"error":"unknown parameter colour"})"}},
      {history + "&label=PAPP%ZZ", {400, R"({"error":"malformed query"})"}},
      {history + "&label=PAPP%2", {400, R"({"error":"malformed query"})"}},
      {"/api/meters/", {404, R"({"error":"no such page"})"}},
      {"/api/meters/" + id_ + "/history", {404, R"({"error":"no such page"})"}},
  };
  for (const auto& [path, expected] : cases) {
    const test::HttpResponse response = bridge.get(path);
    EXPECT_EQ(response.status, expected.first) << path;
    EXPECT_EQ(response.body, expected.second) << path;
    EXPECT_EQ(response.content_type, "application/json") << path;
  }

  // Escapes are decoded in the query and in a meter's id.
  EXPECT_EQ(bridge.get(history + "&label=PA%50P&points=1").status, 200);
  EXPECT_EQ(bridge.get("/api/meters/%30" + id_.substr(1)).status, 200);
  EXPECT_EQ(bridge.get("/api/meters/" + id_).status, 200);
  const test::HttpResponse head = test::http_get(bridge.url("/api/meters/" + id_), "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  const test::HttpResponse post = test::http_get(bridge.url("/api/meters"), "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.body, R"({"error":"only GET and HEAD"})");
  EXPECT_EQ(test::http_get(bridge.url("/metrics"), "DELETE").status, 405);

  // What no browser sends: the path outside the API, a huge URI, a broken request line, bytes.
  const auto status_line = [](const std::string& answer) {
    return answer.substr(0, answer.find('\r'));
  };
  EXPECT_EQ(
      status_line(test::raw_http(
          bridge.port(), "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
      "HTTP/1.1 404 Not Found");
  EXPECT_EQ(status_line(test::raw_http(
                bridge.port(),
                "GET /api/%2e%2e/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 404 Not Found");
  const std::string huge = "GET /api/meters/" + std::string(20'000, 'a') +
                           " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string too_long = test::raw_http(bridge.port(), huge);
  EXPECT_EQ(status_line(too_long), "HTTP/1.1 414 URI Too Long");
  EXPECT_NE(too_long.find(R"({"error":"URI too long"})"), std::string::npos) << too_long;
  EXPECT_EQ(status_line(test::raw_http(bridge.port(), "GARBAGE\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  std::string noise;
  for (int i = 0; i < 4096; ++i)
    noise += static_cast<char>((i * 131 + 7) % 256);
  const std::string noise_answer = test::raw_http(bridge.port(), noise);
  EXPECT_TRUE(noise_answer.empty() || noise_answer.starts_with("HTTP/1.1 4"))
      << status_line(noise_answer);

  // Still serving, still reading.
  EXPECT_EQ(bridge.get("/healthz").status, 200);
  EXPECT_EQ(bridge.get("/api/meters/" + id_).status, 200);
  EXPECT_EQ(bridge.daemon().stop(SIGTERM), 0);
}

TEST_F(Api, PageIsSelfContained) {
  test::WebBridge bridge{kBridge, {"historic"}};
  const test::HttpResponse page = bridge.get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  EXPECT_EQ(page.body.find("//cdn"), std::string::npos);
  EXPECT_EQ(bridge.daemon().stop(SIGTERM), 0);
}

TEST(ApiOptions, BadHttpOptionsAreOneLineErrors) {
  const std::map<std::string, std::string> cases = {
      {"nowhere", "--http nowhere: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"},
      {"127.0.0.1:0",
       "--http 127.0.0.1:0: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"},
      {"127.0.0.1:70000",
       "--http 127.0.0.1:70000: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"},
      {"::1:8080", "--http ::1:8080: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"},
  };
  for (const auto& [value, message] : cases) {
    test::Daemon bridge{kBridge,
                        {"--source", "sim:historic", "--mqtt-url", "none", "--http", value},
                        {{"TELEINFO_CONFIG", test::WebBridge::empty_config()}}};
    EXPECT_EQ(bridge.wait(), 2) << value;
    EXPECT_EQ(bridge.err(), "teleinfo-bridge: error: " + message + "\n") << value;
  }
  test::Daemon points{
      kBridge,
      {"--source", "sim:historic", "--http", "127.0.0.1:8080", "--http-points", "0"},
      {{"TELEINFO_CONFIG", test::WebBridge::empty_config()}}};
  EXPECT_EQ(points.wait(), 2);
  EXPECT_EQ(points.err(), "teleinfo-bridge: error: --http-points 0: expected 1 to 100000\n");
}

TEST(ApiOptions, PortInUseEndsTheBridgeWithAReason) {
  test::WebBridge first{kBridge, {"historic"}};
  test::Daemon second{kBridge,
                      {"--source", "sim:historic", "--mqtt-url", "none", "--http",
                       "127.0.0.1:" + std::to_string(first.port())},
                      {{"TELEINFO_CONFIG", test::WebBridge::empty_config()}}};
  EXPECT_EQ(second.wait(), 1);
  EXPECT_NE(second.err().find("--http 127.0.0.1:" + std::to_string(first.port()) +
                              ": cannot listen there (Address already in use)"),
            std::string::npos)
      << second.err();
  EXPECT_EQ(first.get("/healthz").status, 200);
}

}  // namespace
