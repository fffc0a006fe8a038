#include "web/http_server.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <thread>
#include <utility>

// After <utility>: Boost 1.74's asio/awaitable.hpp uses std::exchange without including it.
// clang-format off
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include "common/log.h"
#include "web/api.h"
#include "web/day_history.h"
#include "web/page.h"

namespace web {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A request's line and headers; no request here has a body.
constexpr std::size_t kHeaderLimit = 8 * 1024;
// A client has this long to send each request (and to send the next on a kept-alive connection).
constexpr auto kReadTimeout = std::chrono::seconds{5};
// Enough for a few phones and a scraper; more would only be someone hammering a Pi.
constexpr std::size_t kMaxConnections = 32;
// The loop ticks at least every second; /healthz says stalled after this long without a tick.
constexpr std::chrono::seconds kStall{30};

// The page may load only from the bridge itself, which also keeps a mistake from ever reaching
// for a CDN.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// %XX escapes, and '+' for a space in a query. nullopt for a broken escape.
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

// "a=1&b=two": nullopt for a broken escape.
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
    in_addr parsed{};
    if (inet_pton(AF_INET, address.host.c_str(), &parsed) != 1) return std::nullopt;
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
  if (address.host == "::1") return true;
  in_addr parsed{};
  return inet_pton(AF_INET, address.host.c_str(), &parsed) == 1 &&
         (ntohl(parsed.s_addr) >> 24) == 127;
}

class HttpServer::Impl {
 public:
  Impl(ListenAddress address, const LiveState& live, ServerSources sources)
      : address_(std::move(address)), live_(live), sources_(std::move(sources)) {
    if (sources_.mysql) day_history_.emplace(*sources_.mysql);
  }

  ~Impl() { stop(); }

  bool start(std::string& error) {
    beast::error_code failure;
    const tcp::endpoint endpoint{asio::ip::make_address(address_.host, failure), address_.port};
    // SO_REUSEADDR only (no SO_REUSEPORT): a second bridge on the same port is told it is taken.
    if (!failure) acceptor_.open(endpoint.protocol(), failure);
    if (!failure) acceptor_.set_option(tcp::acceptor::reuse_address(true), failure);
    if (!failure) acceptor_.bind(endpoint, failure);
    if (!failure) acceptor_.listen(asio::socket_base::max_listen_connections, failure);
    if (failure) {
      error = "--http " + address_.text() + ": cannot listen there (" + failure.message() +
              "): is the address this machine's, and the port free?";
      return false;
    }
    accept();
    thread_ = std::thread{[this] { io_.run(); }};
    return true;
  }

  void stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
    beast::error_code ignored;
    acceptor_.close(ignored);  // the port is free at once
    database_.stop();          // a day query under way still ends (the database's timeouts)
    database_.join();
  }

  // What a request for `target` gets; nullopt when it must wait for the database (`later` gets
  // the answer then, on the server's thread).
  std::optional<Response> answer(std::string_view target, std::function<void(Response)> later);

  std::size_t& connections() { return connections_; }

 private:
  void accept();
  Response history(const Params& params, std::function<void(Response)>& later);
  MetricsSnapshot snapshot() const;

  ListenAddress address_;
  const LiveState& live_;
  ServerSources sources_;
  std::optional<DayHistory> day_history_;
  std::size_t connections_ = 0;  // the server's thread only
  // Destroyed in reverse: the database's thread first, then the acceptor, then the io_context
  // with the connections still in it (they count themselves out of connections_).
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  asio::thread_pool database_{1};
  std::thread thread_;
};

namespace {

// One connection: requests read one after the other, each answered before the next is read.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    ++server_.connections();
  }
  ~Session() { --server_.connections(); }

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       self->on_read(error);
                     });
  }

 private:
  void on_read(beast::error_code error) {
    if (error == http::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::operation_aborted || error == asio::error::connection_reset) {
      return;  // the client is gone or idle: the connection closes
    }
    keep_alive_ = false;
    head_ = false;
    if (error == http::error::header_limit) {
      // The request line itself is too long when it was not read whole.
      const bool line_read = parser_->is_header_done() || !parser_->get().target().empty();
      return reply(error_response(line_read ? 431 : 414,
                                  line_read ? "request headers too large" : "URI too long"));
    }
    if (error == http::error::body_limit) return reply(error_response(413, "request too large"));
    if (error) return reply(error_response(400, "malformed request"));

    const http::request<http::empty_body>& request = parser_->get();
    keep_alive_ = request.keep_alive();
    head_ = request.method() == http::verb::head;
    if (request.method() != http::verb::get && !head_) {
      response_allow_ = true;
      return reply(error_response(405, "only GET and HEAD"));
    }
    const std::string_view target{request.target().data(), request.target().size()};
    std::optional<Response> response = server_.answer(
        target, [self = shared_from_this()](Response later) { self->reply(std::move(later)); });
    if (response) reply(std::move(*response), target == "/" || target.starts_with("/?"));
  }

  void reply(Response answer, bool page = false) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, "no-store");
    response_.set("X-Content-Type-Options", "nosniff");
    if (page) response_.set("Content-Security-Policy", kPagePolicy);
    if (response_allow_) response_.set(http::field::allow, "GET, HEAD");
    response_allow_ = false;
    response_.keep_alive(keep_alive_);
    response_.body() = std::move(answer.body);
    response_.prepare_payload();
    if (head_) response_.body().clear();  // Content-Length stays: what GET would send
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        if (error) return;
                        if (self->keep_alive_) return self->read();
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->stream_.expires_after(kReadTimeout);
                        self->drain();
                      });
  }

  // Reads what the client still sends until it closes: closing with unread bytes would make the
  // kernel reset the connection, and the client could lose the answer (a refused long request).
  void drain() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code error, std::size_t) {
                              if (!error) self->drain();
                            });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_{kHeaderLimit};
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
  bool keep_alive_ = false;
  bool head_ = false;
  bool response_allow_ = false;
  std::array<char, 1024> discard_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor_.async_accept([this](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;  // stopping
    if (!error && connections_ < kMaxConnections) {
      // The answer goes out in one write anyway; no Nagle wait for the client's ACK.
      socket.set_option(tcp::no_delay(true), error);
      std::make_shared<Session>(std::move(socket), *this)->read();
    }
    accept();
  });
}

std::optional<Response> HttpServer::Impl::answer(std::string_view target,
                                                 std::function<void(Response)> later) {
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
  if (path == "/api/meters") return meters_response(live_, day_history_.has_value());
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
    Response response = history(*params, later);
    if (!later) return std::nullopt;  // taken by the database's thread
    return response;
  }
  if (path == "/metrics") {
    Response metrics;
    metrics.content_type = "text/plain; version=0.0.4; charset=utf-8";
    write_metrics(snapshot(), metrics.body);
    return metrics;
  }
  if (path == "/healthz") return health_response(live_, std::chrono::steady_clock::now(), kStall);
  return error_response(404, "no such page");
}

// Leaves `later` empty when it took it: the database's thread makes the answer, and `later` gets it
// on the server's thread.
Response HttpServer::Impl::history(const Params& params, std::function<void(Response)>& later) {
  std::variant<HistoryQuery, Response> parsed = parse_history_query(params);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  const HistoryQuery& query = std::get<HistoryQuery>(parsed);
  if (!query.day) return memory_history_response(live_, query);
  if (!day_history_) return error_response(404, "day: the day view needs --mysql-url");
  // `done` holds the connection: it goes back to the server's thread with the answer, so that the
  // connection is never released on the database's thread (its destructor counts it out of
  // connections_, which only the server's thread may touch).
  asio::post(database_, [this, query, done = std::move(later)]() mutable {
    Response answer = day_history_->query(query);
    asio::post(io_, [done = std::move(done), answer = std::move(answer)]() mutable {
      done(std::move(answer));
    });
  });
  later = nullptr;
  return {};
}

MetricsSnapshot HttpServer::Impl::snapshot() const {
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

HttpServer::HttpServer(ListenAddress address, const LiveState& live, ServerSources sources)
    : impl_(std::make_unique<Impl>(std::move(address), live, std::move(sources))) {}

HttpServer::~HttpServer() = default;

bool HttpServer::start(std::string& error) {
  return impl_->start(error);
}

void HttpServer::stop() {
  impl_->stop();
}

}  // namespace web
