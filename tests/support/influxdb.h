// A real InfluxDB 1.x server for tests: Debian's /usr/bin/influxd (1.6.7) on free loopback
// ports, with its configuration, data and log in a temporary directory; authentication off.
//
// It starts in about a second: a test suite may share one (made when its first test needs it, not
// in SetUpTestSuite) and give each test a database of its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "support/broker.h"

namespace test {

// Starts at construction; throws std::runtime_error when the server does not start. influxd is
// killed when the thread that started it ends (the test's, normally), even if the test is killed.
class InfluxDb {
 public:
  InfluxDb();
  ~InfluxDb();
  InfluxDb(const InfluxDb&) = delete;
  InfluxDb& operator=(const InfluxDb&) = delete;

  // Starts influxd (on the same ports and data as before, if it ran already) and waits until
  // GET /ping answers 204. Nothing when it runs.
  void start();
  void stop();  // SIGTERM, and waits for it to end
  void kill();  // SIGKILL, and waits for it to end
  // SIGSTOP and SIGCONT: the server sleeps (a NAS asleep), its connections open but silent.
  void pause();
  void resume();
  bool running() const { return pid_ > 0; }

  std::uint16_t port() const { return http_port_; }
  // "http://127.0.0.1:PORT".
  std::string url() const;

  // CREATE DATABASE (letters, digits and '_'). Throws std::runtime_error.
  void create_database(std::string_view database);
  // The JSON text GET /query?db=DATABASE&epoch=ms&q=INFLUXQL answers (times as integer
  // milliseconds). Throws std::runtime_error when the request fails or the status is not 200.
  std::string query(std::string_view database, std::string_view influxql) const;

  // What influxd wrote to its log, all runs together.
  std::string log() const;

 private:
  void write_config() const;
  bool launch();  // false when influxd ended, or did not answer /ping in time
  void end(int signal);
  bool reap(bool wait);  // true when the process has ended (and is reaped)

  TemporaryDirectory directory_{"teleinfo-influxdb"};
  std::string config_file_, log_file_;
  std::uint16_t http_port_ = 0, rpc_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace test
