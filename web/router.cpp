#include "web/router.h"

#include <charconv>

#include "web/page.h"

namespace web {

namespace {

namespace http = boost::beast::http;

// The page may load only from the bridge itself, which also keeps a mistake from ever reaching
// for a CDN.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// How the response to one request goes out.
struct Delivery {
  bool keep_alive = false;
  bool head = false;  // the headers GET would get, without the body
};

HttpResponse build(const Delivery& delivery, Response answer) {
  HttpResponse response;
  response.version(11);
  response.result(static_cast<unsigned>(answer.status));
  response.set(http::field::content_type, answer.content_type);
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  if (answer.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", kPagePolicy);
  }
  if (answer.status == 405) response.set(http::field::allow, "GET, HEAD");
  response.keep_alive(delivery.keep_alive);
  response.body() = std::move(answer.body);
  response.prepare_payload();
  if (delivery.head) response.body().clear();  // Content-Length stays: what GET would send
  return response;
}

// The answer to a request that could not be read; the connection closes after it.
HttpResponse refusal(const RequestParser& parser, std::string_view unread,
                     boost::beast::error_code error) {
  if (error == http::error::header_limit) {
    // The request line itself is too long when it was not read whole (414), else the headers
    // are (431). Beast parses the line at once only when it comes whole in the first read;
    // otherwise it waits for the whole head before it parses anything, so the line may have come
    // whole and be unparsed: then its CRLF is among the bytes it left.
    const bool line_read = parser.is_header_done() || !parser.get().target().empty() ||
                           unread.find("\r\n") != std::string_view::npos;
    return build({}, error_response(line_read ? 431 : 414,
                                    line_read ? "request headers too large" : "URI too long"));
  }
  if (error == http::error::body_limit) return build({}, error_response(413, "request too large"));
  return build({}, error_response(400, "malformed request"));
}

}  // namespace

void set_server_limits(RequestParser& parser) {
  parser.header_limit(kHeaderLimit);
  parser.body_limit(0);
}

std::optional<std::string> percent_decoded(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      unsigned value = 0;
      if (i + 2 >= text.size()) return std::nullopt;
      const auto [end, failure] =
          std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (failure != std::errc{} || end != text.data() + i + 3) return std::nullopt;
      out += static_cast<char>(value);
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<Params> query_parameters(std::string_view query) {
  Params params;
  while (!query.empty()) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (pair.empty()) continue;
    const std::size_t equals = std::min(pair.find('='), pair.size());
    auto name = percent_decoded(pair.substr(0, equals), true);
    auto value = percent_decoded(pair.substr(std::min(equals + 1, pair.size())), true);
    if (!name || !value) return std::nullopt;
    params.emplace(std::move(*name), std::move(*value));
  }
  return params;
}

HttpResponse respond(const HttpRequest& request, Response answer) {
  return build({.keep_alive = request.keep_alive(), .head = request.method() == http::verb::head},
               std::move(answer));
}

Router::Router(const LiveState& live, ServerSources sources)
    : live_(live), sources_(std::move(sources)) {}

std::variant<Response, HistoryQuery> Router::route(
    std::string_view target, std::chrono::steady_clock::time_point now) const {
  const std::size_t mark = target.find('?');
  const std::string_view path = target.substr(0, mark);
  const std::string_view query =
      mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1);

  if (path == "/") {
    Response page;
    page.content_type = "text/html; charset=utf-8";
    page.body = index_html();
    return page;
  }
  if (path == "/api/meters") return meters_response(live_, sources_.mysql.has_value());
  if (path.starts_with("/api/meters/")) {
    const std::string_view id = path.substr(std::string_view{"/api/meters/"}.size());
    const std::optional<std::string> decoded = percent_decoded(id, false);
    if (id.empty() || id.find('/') != std::string_view::npos || !decoded) {
      return error_response(404, "no such page");
    }
    return meter_response(live_, *decoded);
  }
  if (path == "/api/history") {
    const std::optional<Params> params = query_parameters(query);
    if (!params) return error_response(400, "malformed query");
    std::variant<HistoryQuery, Response> parsed = parse_history_query(*params);
    if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
    HistoryQuery& history = std::get<HistoryQuery>(parsed);
    if (!history.day) return memory_history_response(live_, history);
    if (!sources_.mysql) return error_response(404, "day: the day view needs --mysql-url");
    return std::move(history);
  }
  if (path == "/metrics") {
    Response metrics;
    metrics.content_type = "text/plain; version=0.0.4; charset=utf-8";
    write_metrics(snapshot(), metrics.body);
    return metrics;
  }
  if (path == "/healthz") return health_response(live_, now, kStall);
  return error_response(404, "no such page");
}

std::variant<HttpResponse, HistoryQuery> Router::answer(
    const RequestParser& parser, std::string_view unread, boost::beast::error_code error,
    std::chrono::steady_clock::time_point now) const {
  if (error) return refusal(parser, unread, error);
  const HttpRequest& request = parser.get();
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return respond(request, error_response(405, "only GET and HEAD"));
  }
  std::variant<Response, HistoryQuery> routed =
      route({request.target().data(), request.target().size()}, now);
  if (auto* day = std::get_if<HistoryQuery>(&routed)) return std::move(*day);
  return respond(request, std::move(std::get<Response>(routed)));
}

MetricsSnapshot Router::snapshot() const {
  MetricsSnapshot snapshot;
  snapshot.version = sources_.version;
  live_.read([&](const std::deque<MeterState>& meters) {
    for (const MeterState& meter : meters)
      snapshot.sources.push_back(meter.metrics);
  });
  if (sources_.mqtt) snapshot.mqtt = sources_.mqtt();
  if (sources_.archive != nullptr) snapshot.sinks = sources_.archive->health();
  snapshot.process = read_process_metrics();
  return snapshot;
}

}  // namespace web
