// teleinfo-bridge --http: the live page, its JSON API, /metrics and /healthz (README, "Web
// page"), served by Boost.Beast on one thread of its own (and one more for the day view's
// database queries). Handlers only read the live state under its mutex: a slow browser never
// holds up the meters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sink/archive.h"
#include "sql/mysql_settings.h"
#include "web/live_state.h"
#include "web/metrics.h"

namespace web {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0": an address
  std::uint16_t port = 0;
  std::string text() const;  // "127.0.0.1:8080", "[::1]:8080"
};

// "IPV4:PORT" or "[IPV6]:PORT" (addresses, not names); nullopt when malformed.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// Whether only this machine can reach the address.
bool is_loopback(const ListenAddress& address);

// What the server reports besides the live state.
struct ServerSources {
  std::string version;
  std::function<std::optional<MqttMetrics>()> mqtt;  // empty: no broker
  const sink::Archive* archive = nullptr;            // the in-process sinks, when any
  std::optional<sql::MysqlSettings> mysql;           // the day view reads this database
};

class HttpServer {
 public:
  HttpServer(ListenAddress address, const LiveState& live, ServerSources sources);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; false, with `error` set to one line, when the address cannot be
  // bound.
  bool start(std::string& error);
  void stop();

  class Impl;  // the server's state and threads, out of the header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace web
