// libFuzzer target for the web server's request handling: the input is what a client sends on one
// connection, read as HttpServer reads it (Beast's parser with the server's limits, one request
// after the other while the connection is kept alive) and answered by the server's web::Router
// from a live state holding three captures' meters. Every response must be well-formed HTTP: a
// status the server means to send, the headers it always sets, a Content-Length that matches,
// JSON bodies that parse (valid UTF-8), errors as {"error":"..."} (but /healthz's "stalled"),
// history points in time order within what the query asked. The same bytes arriving in small pieces
// must get the same answers (but at the limit of the head: same_answers).
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTELEINFO_FUZZ=ON -DTELEINFO_SANITIZE=ON ...
//   cmake --build build-fuzz --target fuzzers && tests/fuzz/run build-fuzz 60
//
// Seeds are requests a browser, curl or Prometheus sends, and a few broken ones (tests/fuzz/http):
// a capture is no request, so there is no corpus to make from them.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "bridge/energy_guard.h"
#include "bridge/topics.h"
#include "support/byte_stream.h"
#include "tic/decoder.h"
#include "web/live_state.h"
#include "web/page.h"
#include "web/router.h"

namespace {

namespace http = boost::beast::http;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

const tic::Time kCaptureTime{std::chrono::milliseconds{1735689600000}};  // 2025-01-01T00:00:00Z
const std::chrono::steady_clock::time_point kHeartbeat{std::chrono::hours{1000}};

// What the bridge's loop would have shown: each capture's frames given to the live state as
// bridge::Meter gives them (long frames with an address, past the energy guard), one meter per
// capture, and a meter still without a frame.
std::unique_ptr<web::LiveState> live_state() {
  auto live = std::make_unique<web::LiveState>(500);
  const char* const captures[] = {"hallard_tinfo_replay_histo_hc.txt",
                                  "hallard_tinfo_replay_stand_base_long.txt",
                                  "lains_ticdecodecpp_linky_1P_midnight.bin"};
  std::size_t meter = 0;
  for (const char* capture : captures) {
    std::ifstream file{std::string{TELEINFO_TEST_DATA} + "/frames/" + capture, std::ios::binary};
    const std::string bytes{std::istreambuf_iterator<char>{file}, {}};
    check(!bytes.empty());
    live->add_meter(std::string{"file:"} + capture);
    bridge::EnergyGuard guard;
    std::vector<std::string_view> held_back;
    std::string address;
    tic::Decoder decoder{{}, [&](const tic::Frame& frame) {
                           if (frame.kind() == tic::FrameKind::Short) return;
                           if (!bridge::usable_in_topic(frame.address())) return;
                           address = frame.address();
                           guard.check(frame, held_back);
                           live->on_frame(meter, frame, held_back);
                         }};
    decoder.push({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, kCaptureTime);
    decoder.finish(kCaptureTime);
    web::SourceMetrics metrics;
    metrics.source = std::string{"file:"} + capture;
    metrics.meter = address;
    metrics.open = true;
    metrics.online = true;
    metrics.decoder = decoder.stats();
    live->update(meter, metrics, std::string{"reading "} + capture);
    ++meter;
  }
  live->add_meter("sim:standard");
  live->heartbeat(kHeartbeat);
  return live;
}

const web::LiveState& live() {
  static const std::unique_ptr<web::LiveState> state = live_state();
  return *state;
}

web::ServerSources sources(bool database) {
  web::ServerSources sources;
  sources.version = "fuzz";
  sources.mqtt = [] {
    return web::MqttMetrics{.connected = true, .backlog_frames = 3, .frames_delivered = 1000};
  };
  if (database) sources.mysql = sql::MysqlSettings{};  // never reached: day queries come back
  return sources;
}

std::string_view text(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

template <typename Name>
std::string_view header(const http::response<http::string_body>& response, Name name) {
  const boost::beast::string_view value = response[name];
  return {value.data(), value.size()};
}

bool valid_status(unsigned status) {
  for (const unsigned expected : {200u, 400u, 404u, 405u, 413u, 414u, 431u, 503u}) {
    if (status == expected) return true;
  }
  return false;
}

// The history of a 200 /api/history: points [time, value] in time order, after `since` and no
// more than `points` when the query says.
void check_history(const rapidjson::Value& answer, std::string_view target) {
  check(answer.HasMember("points") && answer["points"].IsArray());
  const rapidjson::Value& points = answer["points"];
  std::optional<web::Params> params;
  if (const std::size_t mark = target.find('?'); mark != std::string_view::npos) {
    params = web::query_parameters(target.substr(mark + 1));
  }
  check(params.has_value());
  std::optional<std::int64_t> since;
  if (const auto found = params->find("since"); found != params->end()) {
    since = std::stoll(found->second);
  }
  if (const auto found = params->find("points"); found != params->end()) {
    check(points.Size() <= std::stoull(found->second));
  }
  if (params->count("day") == 0) {
    check(text(answer["meter"]) == params->find("meter")->second);
    check(text(answer["label"]) == params->find("label")->second);
  }
  std::optional<std::int64_t> last;
  for (const rapidjson::Value& point : points.GetArray()) {
    check(point.IsArray() && point.Size() == 2 && point[0].IsInt64() && point[1].IsUint64());
    const std::int64_t time = point[0].GetInt64();
    check(!since || time > *since);
    check(!last || time > *last);
    last = time;
  }
}

// One response as the client would read it back, checked; returns what must not depend on how
// the request's bytes arrived: all of it, but only the status and type for /metrics (the
// process's figures move).
std::string check_response(const web::HttpResponse& response, bool head, std::string_view target) {
  std::ostringstream wire;
  wire << response;
  const std::string bytes = wire.str();

  http::response_parser<http::string_body> parser;
  parser.skip(head);  // a response to HEAD says GET's length and has no body
  parser.eager(true);
  parser.body_limit(16 << 20);
  boost::beast::error_code error;
  std::size_t used = 0;
  while (!error && !parser.is_done() && used < bytes.size()) {
    used += parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), error);
  }
  check(!error && parser.is_done() && used == bytes.size());
  const http::response<http::string_body>& read = parser.get();

  const unsigned status = read.result_int();
  check(valid_status(status) && status == response.result_int());
  check(header(read, http::field::cache_control) == "no-store");
  check(header(read, "X-Content-Type-Options") == "nosniff");
  check((status == 405) == (read.count(http::field::allow) == 1));
  const std::string_view type = header(read, http::field::content_type);
  const std::string& body = read.body();
  check(head ? body.empty()
             : header(read, http::field::content_length) == std::to_string(body.size()));

  if (type == "text/html; charset=utf-8") {
    check(status == 200 && read.count("Content-Security-Policy") == 1);
    check(head || body == web::index_html());
  } else if (type == "text/plain; version=0.0.4; charset=utf-8") {
    check(status == 200 && (head || body.ends_with('\n')));
    return std::to_string(status) + " " + std::string{type};
  } else {
    check(type == "application/json");
    if (!head) {
      rapidjson::Document json;
      json.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
      check(!json.HasParseError() && json.IsObject());
      const bool health = target == "/healthz" || target.starts_with("/healthz?");
      if (health && (status == 200 || status == 503)) {
        check(json.HasMember("status") && json["status"].IsString());
        check((status == 200) == (text(json["status"]) == "ok"));
      } else if (status >= 400) {
        check(json.MemberCount() == 1 && json.HasMember("error") && json["error"].IsString() &&
              json["error"].GetStringLength() > 0);
      } else if (target.starts_with("/api/history")) {
        check_history(json, target);
      }
    }
  }
  return bytes;
}

struct Answer {
  bool refused = false;  // the request could not be read
  unsigned status = 0;
  std::string text;  // what must not depend on how the bytes arrived
};

// Reads and answers every request of `input` the way one connection does, `chunk` bytes a read.
std::vector<Answer> serve(const web::Router& router, std::string_view input, std::size_t chunk,
                          std::chrono::steady_clock::time_point now) {
  std::vector<Answer> answers;
  test::serve_connection(
      router, input, chunk, now,
      [&](const web::RequestParser& parser, const boost::beast::error_code& error,
          std::variant<web::HttpResponse, web::HistoryQuery>& answer) {
        if (const auto* day = std::get_if<web::HistoryQuery>(&answer)) {
          // What DayHistory would answer, but from no database.
          check(!error && day->day && !day->meter.empty() && !day->label.empty());
          const std::vector<web::Point> none;
          answer = web::respond(parser.get(), web::history_response({.meter = day->meter,
                                                                     .label = day->label,
                                                                     .unit = "",
                                                                     .source = "mysql",
                                                                     .day = day->day,
                                                                     .bucket_seconds = 300,
                                                                     .points = none}));
        }
        const web::HttpResponse& response = std::get<web::HttpResponse>(answer);
        const bool head = !error && parser.get().method() == http::verb::head;
        const std::string_view target =
            error ? std::string_view{}
                  : std::string_view{parser.get().target().data(), parser.get().target().size()};
        check(!error || !response.keep_alive());
        answers.push_back({.refused = static_cast<bool>(error),
                           .status = response.result_int(),
                           .text = check_response(response, head, target)});
        return response.keep_alive();
      });
  return answers;
}

// However the bytes arrive, the same requests get the same answers, but at the head's limit. Beast
// parses the request line as soon as it has it only when it came whole in the first read (and
// then counts the limit from after it), else once it has the whole head: a head near the limit
// may pass whole and be refused in pieces (431), and a broken line, refused at once (400), may
// be refused in pieces for the head's length (414, 431).
bool same_answers(const std::vector<Answer>& whole, const std::vector<Answer>& pieces) {
  for (std::size_t i = 0; i < std::min(whole.size(), pieces.size()); ++i) {
    const Answer& a = whole[i];
    const Answer& b = pieces[i];
    if (a.text == b.text) continue;
    return b.refused && ((b.status == 431 && (!a.refused || a.status == 400)) ||
                         (b.status == 414 && a.refused && a.status == 400));
  }
  return whole.size() == pieces.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const web::Router router{live(), sources(false)};
  static const web::Router with_database{live(), sources(true)};
  const std::string_view input{reinterpret_cast<const char*>(data), size};

  const auto now = kHeartbeat + std::chrono::seconds{1};
  const std::vector<Answer> whole = serve(router, input, input.size() + 1, now);
  check(same_answers(whole, serve(router, input, 7, now)));
  // A day view, and a loop that stalled (/healthz answers 503).
  serve(with_database, input, input.size() + 1, kHeartbeat + web::kStall + std::chrono::seconds{1});
  return 0;
}
