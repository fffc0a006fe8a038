// teleinfo-bridge --http: the live page, its JSON API, /metrics and /healthz (README, "Web
// page"), served by cpp-httplib on a few threads of its own. Handlers only read the live state
// under its mutex: a slow browser never holds up the meters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "sink/archive.h"
#include "sql/mysql_settings.h"
#include "web/live_state.h"
#include "web/metrics.h"

namespace httplib {
class Server;
}

namespace web {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0"
  std::uint16_t port = 0;
  std::string text() const;  // "127.0.0.1:8080", "[::1]:8080"
};

// "HOST:PORT" or "[IPV6]:PORT"; nullopt when malformed.
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

 private:
  class Routes;

  ListenAddress address_;
  std::unique_ptr<Routes> routes_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace web
