// What the web server answers (README, "Web page"), request by request, apart from the sockets
// and threads of HttpServer: each request HttpServer reads goes through here, and so can tests and
// the fuzzer, with no socket.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "web/api.h"
#include "web/http_server.h"
#include "web/live_state.h"
#include "web/metrics.h"

namespace web {

// A request's line and headers; no request here has a body.
inline constexpr std::size_t kHeaderLimit = 8 * 1024;
// The loop ticks at least every second; /healthz says stalled after this long without a tick.
inline constexpr std::chrono::seconds kStall{30};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
using HttpRequest = boost::beast::http::request<boost::beast::http::empty_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Gives a new parser the server's limits: kHeaderLimit of line and headers, no body.
void set_server_limits(RequestParser& parser);

// %XX escapes, and '+' for a space in a query. nullopt for a broken escape.
std::optional<std::string> percent_decoded(std::string_view text, bool plus_is_space);

// "a=1&b=two": nullopt for a broken escape.
std::optional<Params> query_parameters(std::string_view query);

// The response carrying `answer` to `request`: its status and type, never cached, not sniffed, the
// page with its Content-Security-Policy, 405 with the methods allowed; HEAD gets the headers GET
// would, without the body; the connection kept alive when the request asks.
HttpResponse respond(const HttpRequest& request, Response answer);

class Router {
 public:
  // The day view (/api/history?day=) is there when `sources` name a database.
  Router(const LiveState& live, ServerSources sources);

  // The answer to a GET of `target` at `now`; a HistoryQuery of a day when the database must
  // answer it (DayHistory::query, then respond()).
  std::variant<Response, HistoryQuery> route(std::string_view target,
                                             std::chrono::steady_clock::time_point now) const;

  // The response to the request `parser` read at `now`, or failed to read with `error` (from
  // reading a request: a client that is gone or idle gets none); `unread`: the bytes read that the
  // parser did not take. A HistoryQuery as route() says.
  std::variant<HttpResponse, HistoryQuery> answer(const RequestParser& parser,
                                                  std::string_view unread,
                                                  boost::beast::error_code error,
                                                  std::chrono::steady_clock::time_point now) const;

 private:
  MetricsSnapshot snapshot() const;

  const LiveState& live_;
  ServerSources sources_;
};

}  // namespace web
