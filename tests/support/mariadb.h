// A real MariaDB server for tests: Debian's /usr/sbin/mariadbd on a free loopback port, with a
// fresh data directory (mariadb-install-db) in a temporary directory. root logs in through the
// Unix socket with no password; tests log in over TCP as `teleinfo`, with a password.
//
// Making the data directory takes seconds: a test suite may share one server (a static made when
// its first test needs it; not in SetUpTestSuite, whose failures googletest reports as skipped
// tests) and give each test a database of its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"

namespace test {

using SqlRows = std::vector<std::vector<std::optional<std::string>>>;

// Starts at construction; throws std::runtime_error when the server does not start. mariadbd is
// killed when the thread that started it ends (the test's, normally), even if the test is killed.
class MariaDb {
 public:
  // `server_options` go to mariadbd after ours, e.g. "--ssl-cert=FILE".
  explicit MariaDb(std::vector<std::string> server_options = {});
  ~MariaDb();
  MariaDb(const MariaDb&) = delete;
  MariaDb& operator=(const MariaDb&) = delete;

  // Starts mariadbd (on the same port and data directory as before, if it ran already) and waits
  // until it takes connections. Nothing when it runs.
  void start();
  void stop();  // SIGTERM, and waits for it to end
  void kill();  // SIGKILL, and waits for it to end
  // SIGSTOP and SIGCONT: the server sleeps (a NAS asleep), its connections open but silent.
  void pause();
  void resume();
  void restart();
  bool running() const { return pid_ > 0; }

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const { return port_; }
  const std::string& socket() const { return socket_; }
  // "mysql://teleinfo@127.0.0.1:PORT/DATABASE".
  std::string url(std::string_view database) const;
  // The password of the user `teleinfo`, who has every right on the databases made below.
  const std::string& password() const { return password_; }

  // Makes `database` (letters, digits and '_') for `teleinfo`; returns teleinfo's password.
  std::string create_database(std::string_view database);
  // Runs one statement as root, in `database` if given; its rows (none for a statement that
  // returns none), NULL as nullopt. Throws std::runtime_error with the server's message.
  SqlRows query(std::string_view sql, std::string_view database = {}) const;

  // What mariadbd wrote to its error log, all runs together.
  std::string log() const;

 private:
  void install();
  std::string tmpdir_option() const;
  bool launch();  // false when mariadbd ended, or did not take connections in time
  void end(int signal);
  bool reap(bool wait);  // true when the process has ended (and is reaped)

  std::vector<std::string> server_options_;
  TemporaryDirectory directory_{"teleinfo-mariadb"};
  std::string data_, socket_, log_file_;
  std::string password_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace test
