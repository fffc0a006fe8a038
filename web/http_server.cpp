#include "web/http_server.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <functional>
#include <thread>
#include <utility>
#include <variant>

// After <utility>: Boost 1.74's asio/awaitable.hpp uses std::exchange without including it.
// clang-format off
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include "web/day_history.h"
#include "web/router.h"

namespace web {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A client has this long to send each request (and to send the next on a kept-alive connection).
constexpr auto kReadTimeout = std::chrono::seconds{5};
// Enough for a few phones and a scraper; more would only be someone hammering a Pi.
constexpr std::size_t kMaxConnections = 32;

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
      : address_(std::move(address)), router_(live, sources) {
    if (sources.mysql) day_history_.emplace(*sources.mysql);
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

  const Router& router() const { return router_; }

  // Asks the database for a day on its own thread. `done` holds the connection: it goes back to the
  // server's thread with the answer, so that the connection is never released on the database's
  // thread (its destructor counts it out of connections_, which only the server's thread touches).
  void ask_database(HistoryQuery query, std::function<void(Response)> done) {
    asio::post(database_, [this, query = std::move(query), done = std::move(done)]() mutable {
      Response answer = day_history_->query(query);
      asio::post(io_, [done = std::move(done), answer = std::move(answer)]() mutable {
        done(std::move(answer));
      });
    });
  }

  std::size_t& connections() { return connections_; }

 private:
  void accept();

  ListenAddress address_;
  Router router_;
  std::optional<DayHistory> day_history_;  // when the router has a day view
  std::size_t connections_ = 0;            // the server's thread only
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
    set_server_limits(*parser_);
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
    const std::string_view unread{static_cast<const char*>(buffer_.data().data()), buffer_.size()};
    std::variant<HttpResponse, HistoryQuery> answer =
        server_.router().answer(*parser_, unread, error, std::chrono::steady_clock::now());
    if (auto* day = std::get_if<HistoryQuery>(&answer)) {
      server_.ask_database(std::move(*day), [self = shared_from_this()](Response later) {
        self->reply(respond(self->parser_->get(), std::move(later)));
      });
      return;
    }
    reply(std::move(std::get<HttpResponse>(answer)));
  }

  void reply(HttpResponse response) {
    response_ = std::move(response);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        if (error) return;
                        if (self->response_.keep_alive()) return self->read();
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
  std::optional<RequestParser> parser_;
  HttpResponse response_;
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
