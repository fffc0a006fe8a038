// The JSON API of the web server (README, "Web page"): /api/meters, /api/meters/<id>,
// /api/history and /healthz, from the live state. Independent of the HTTP library, for tests.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "web/live_state.h"

namespace web {

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A query string's parameters, decoded.
using Params = std::multimap<std::string, std::string>;

// {"error":"..."} with `status`.
Response error_response(int status, std::string_view message);

Response meters_response(const LiveState& live, bool day_history);
Response meter_response(const LiveState& live, std::string_view id);

// What /api/history asks, checked.
struct HistoryQuery {
  std::string meter;
  std::string label;
  std::size_t points = 0;             // 0: every point kept
  std::optional<std::int64_t> since;  // Unix ms
  std::optional<std::chrono::sys_days> day;
};
// The query, or the 400 answer saying what is wrong with it.
std::variant<HistoryQuery, Response> parse_history_query(const Params& params);

// The points kept in memory.
Response memory_history_response(const LiveState& live, const HistoryQuery& query);

// What /api/history answers.
struct HistorySeries {
  std::string_view meter;
  std::string_view label;
  std::string_view unit;
  std::string_view source;  // "memory" or "mysql"
  std::optional<std::chrono::sys_days> day;
  std::optional<long long> bucket_seconds;
  const std::vector<Point>& points;
};
Response history_response(const HistorySeries& series);

// 200 while the loop ticked within `stall`, else 503.
Response health_response(const LiveState& live, std::chrono::steady_clock::time_point now,
                         std::chrono::seconds stall);

}  // namespace web
