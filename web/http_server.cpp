#include "web/http_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/log.h"
#include "web/api.h"
#include "web/day_history.h"
#include "web/page.h"

namespace web {

namespace {

// A Pi Zero has one core: a few threads serve a few phones and a Prometheus scraper. Connections
// beyond wait their turn.
constexpr std::size_t kThreads = 4;
constexpr time_t kKeepAliveSeconds = 2;
constexpr time_t kReadTimeoutSeconds = 5;
// The loop ticks at least every second; /healthz says stalled after this long without a tick.
constexpr std::chrono::seconds kStall{30};

// The page may load only from the bridge itself, which also keeps a mistake from ever reaching
// for a CDN.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

void answer(httplib::Response& out, const Response& response) {
  out.status = response.status;
  out.set_content(response.body, response.content_type.c_str());
}

// What the library's own refusals mean, in a few words.
std::string_view refusal(int status) {
  switch (status) {
    case 400:
      return "malformed request";
    case 404:
      return "no such page";
    case 413:
      return "request too large";
    case 414:
      return "URI too long";
    case 416:
      return "range not satisfiable";
    default:
      return status >= 500 ? "internal error" : "request refused";
  }
}

}  // namespace

std::string ListenAddress::text() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress address;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    address.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr parsed{};
    if (inet_pton(AF_INET6, address.host.c_str(), &parsed) != 1) return std::nullopt;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    address.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (address.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs [ ]
    if (address.host.find_first_of(" /?#@") != std::string::npos) return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, failure] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (failure != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  address.port = static_cast<std::uint16_t>(value);
  return address;
}

bool is_loopback(const ListenAddress& address) {
  if (address.host == "localhost" || address.host == "::1") return true;
  in_addr parsed{};
  return inet_pton(AF_INET, address.host.c_str(), &parsed) == 1 &&
         (ntohl(parsed.s_addr) >> 24) == 127;
}

// The handlers, and what they read.
class HttpServer::Routes {
 public:
  Routes(const LiveState& live, ServerSources sources) : live_(live), sources_(std::move(sources)) {
    if (sources_.mysql) day_history_.emplace(*sources_.mysql);
  }

  void install(httplib::Server& server) {
    server.Get("/", [](const httplib::Request&, httplib::Response& out) {
      out.set_header("Content-Security-Policy", kPagePolicy);
      const std::string_view page = index_html();
      out.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    });
    server.Get("/api/meters", [this](const httplib::Request&, httplib::Response& out) {
      answer(out, meters_response(live_, day_history_.has_value()));
    });
    server.Get(R"(/api/meters/([^/]+))",
               [this](const httplib::Request& in, httplib::Response& out) {
                 answer(out, meter_response(live_, in.matches[1].str()));
               });
    server.Get("/api/history", [this](const httplib::Request& in, httplib::Response& out) {
      answer(out, history(in.params));
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& out) {
      std::string text;
      write_metrics(snapshot(), text);
      out.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& out) {
      answer(out, health_response(live_, std::chrono::steady_clock::now(), kStall));
    });
  }

 private:
  Response history(const Params& params) const {
    std::variant<HistoryQuery, Response> parsed = parse_history_query(params);
    if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
    const HistoryQuery& query = std::get<HistoryQuery>(parsed);
    if (!query.day) return memory_history_response(live_, query);
    if (!day_history_) return error_response(404, "day: the day view needs --mysql-url");
    return day_history_->query(query);
  }

  MetricsSnapshot snapshot() const {
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

  const LiveState& live_;
  ServerSources sources_;
  std::optional<DayHistory> day_history_;
};

HttpServer::HttpServer(ListenAddress address, const LiveState& live, ServerSources sources)
    : address_(std::move(address)),
      routes_(std::make_unique<Routes>(live, std::move(sources))),
      server_(std::make_unique<httplib::Server>()) {
  httplib::Server& server = *server_;
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  server.set_read_timeout(kReadTimeoutSeconds);
  // SO_REUSEADDR only: the library's default adds SO_REUSEPORT, with which a second bridge
  // would share the port silently instead of being told it is taken. TCP_NODELAY (inherited by
  // accepted connections): the library writes headers and body apart, and on a kept-alive
  // connection Nagle's algorithm held the body back until the client's delayed ACK, some 40 ms
  // (measured: 37 requests/s on one connection, 9,000 with it off).
  server.set_socket_options([](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  });
  server.set_payload_max_length(0);  // GET only: no request has a body
  server.set_default_headers(
      {{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
  server.set_pre_routing_handler([](const httplib::Request& in, httplib::Response& out) {
    if (in.method == "GET" || in.method == "HEAD")
      return httplib::Server::HandlerResponse::Unhandled;
    out.set_header("Allow", "GET, HEAD");
    answer(out, error_response(405, "only GET and HEAD"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // Whatever the library refuses itself (unknown path, a URI too long, a malformed request) gets
  // the API's short JSON error too; the handlers' own errors keep their words.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse{[](const httplib::Request&, httplib::Response& out) {
        if (!out.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        answer(out, error_response(out.status, refusal(out.status)));
        return httplib::Server::HandlerResponse::Handled;
      }});
  server.set_exception_handler(
      [](const httplib::Request& in, httplib::Response& out, std::exception_ptr failure) {
        std::string why = "unknown error";
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& error) {
          why = error.what();
        } catch (...) {
        }
        LOG_WARNING("web: %s %s: %s", in.method.c_str(), in.path.c_str(), why.c_str());
        answer(out, error_response(500, "internal error"));
      });
  routes_->install(server);
}

HttpServer::~HttpServer() {
  stop();
}

bool HttpServer::start(std::string& error) {
  if (!server_->bind_to_port(address_.host, address_.port)) {
    error = "--http " + address_.text() + ": cannot listen there (" + std::strerror(errno) +
            "): is the address this machine's, and the port free?";
    return false;
  }
  thread_ = std::thread{[this] { server_->listen_after_bind(); }};
  return true;
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace web
