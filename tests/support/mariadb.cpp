#include "support/mariadb.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mysql.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "support/process.h"

namespace test {
namespace {

constexpr const char* kMariadbd = "/usr/sbin/mariadbd";
constexpr const char* kInstallDb = "/usr/bin/mariadb-install-db";
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(60);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

// Small and quick to start: a test server holds a few thousand rows.
const std::vector<std::string> kServerOptions = {
    "--innodb-buffer-pool-size=32M",
    "--innodb-log-file-size=16M",
    "--performance-schema=OFF",
    "--skip-name-resolve",
    "--skip-log-bin",
    "--max-connections=64",
};

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// root through the socket; nullptr when the server does not answer.
MYSQL* connect_as_root(const std::string& socket, std::string* error,
                       const std::string& database = {}) {
  init_library();
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) throw std::runtime_error("mysql_init failed");
  const unsigned timeout = 5;
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (mysql_real_connect(mysql, "localhost", "root", "",
                         database.empty() ? nullptr : database.c_str(), 0, socket.c_str(),
                         0) == nullptr) {
    if (error != nullptr) *error = mysql_error(mysql);
    mysql_close(mysql);
    return nullptr;
  }
  return mysql;
}

std::string random_password() {
  std::random_device device;
  std::ostringstream text;
  text << "pw-" << std::hex << device() << device();
  return text.str();
}

bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

}  // namespace

MariaDb::MariaDb(std::vector<std::string> server_options)
    : server_options_(std::move(server_options)),
      data_(directory_.file("data")),
      socket_(directory_.file("mysqld.sock")),
      log_file_(directory_.file("mysqld.log")),
      password_(random_password()) {
  install();
  start();
}

MariaDb::~MariaDb() {
  end(SIGTERM);
}

// The server's temporary files in a folder of its own: servers made at the same time in /tmp
// trip over each other's (mariadb-install-db then fails with "Unknown table").
std::string MariaDb::tmpdir_option() const {
  const std::string folder = directory_.file("tmp");
  ::mkdir(folder.c_str(), 0700);
  return "--tmpdir=" + folder;
}

void MariaDb::install() {
  std::vector<std::string> arguments = {"--no-defaults", "--datadir=" + data_,
                                        "--auth-root-authentication-method=normal",
                                        "--skip-test-db"};
  // As root, mariadbd would otherwise refuse to run, or become the user "mysql".
  if (::geteuid() == 0) arguments.push_back("--user=root");
  // Options it does not know go to the server it runs to make the tables.
  arguments.insert(arguments.end(), kServerOptions.begin(), kServerOptions.end());
  arguments.push_back(tmpdir_option());
  const ProcessResult result =
      run_process(kInstallDb, arguments, {{"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}});
  if (result.exit_status != 0) {
    throw std::runtime_error("mariadb-install-db failed (status " +
                             std::to_string(result.exit_status) + "): " + result.err + result.out);
  }
}

void MariaDb::start() {
  if (pid_ > 0) return;
  // The first run takes a free port; another program may take it first, then try another.
  const bool first_run = port_ == 0;
  for (int attempt = 0; attempt < (first_run ? 3 : 1); ++attempt) {
    if (first_run) port_ = free_loopback_port();
    if (launch()) return;
  }
  throw std::runtime_error("mariadbd did not start on port " + std::to_string(port_) + ":\n" +
                           log());
}

bool MariaDb::launch() {
  std::vector<std::string> arguments = {
      kMariadbd,
      "--no-defaults",  // must come first
      "--datadir=" + data_,
      "--socket=" + socket_,
      "--port=" + std::to_string(port_),
      "--bind-address=127.0.0.1",
      "--pid-file=" + directory_.file("mysqld.pid"),
      "--log-error=" + log_file_,
  };
  arguments.insert(arguments.end(), kServerOptions.begin(), kServerOptions.end());
  arguments.push_back(tmpdir_option());
  if (::geteuid() == 0) arguments.push_back("--user=root");
  arguments.insert(arguments.end(), server_options_.begin(), server_options_.end());
  std::vector<char*> argv;
  for (std::string& argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls here. mariadbd ends with the test, even a killed one, and
    // keeps no descriptor of ours.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int input = ::open("/dev/null", O_RDONLY);
    const int output = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(input, STDIN_FILENO);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(output, STDERR_FILENO);
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    ::execv(kMariadbd, argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  // Ready when root can log in; given up when mariadbd ends first, or after the deadline.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (reap(false)) return false;
    if (MYSQL* mysql = connect_as_root(socket_, nullptr); mysql != nullptr) {
      mysql_close(mysql);
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  end(SIGKILL);
  return false;
}

bool MariaDb::reap(bool wait) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t ended;
  do {
    ended = ::waitpid(pid_, &status, wait ? 0 : WNOHANG);
  } while (ended < 0 && errno == EINTR);
  if (ended == 0) return false;
  pid_ = -1;
  return true;
}

void MariaDb::end(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  ::kill(pid_, SIGCONT);  // a paused server takes its signal once it runs again
  // A clean shutdown flushes InnoDB: quick for a test server, but not instant.
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      reap(true);
      return;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void MariaDb::stop() {
  end(SIGTERM);
}

void MariaDb::kill() {
  end(SIGKILL);
}

void MariaDb::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void MariaDb::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void MariaDb::restart() {
  stop();
  start();
}

std::string MariaDb::url(std::string_view database) const {
  return "mysql://teleinfo@" + host() + ":" + std::to_string(port_) + "/" + std::string{database};
}

std::string MariaDb::create_database(std::string_view database) {
  if (!is_plain_name(database))
    throw std::runtime_error("create_database: not a plain name: " + std::string{database});
  const std::string name{database};
  query("CREATE DATABASE `" + name + "`");
  query("CREATE USER IF NOT EXISTS 'teleinfo'@'%' IDENTIFIED BY '" + password_ + "'");
  query("GRANT ALL PRIVILEGES ON `" + name + "`.* TO 'teleinfo'@'%'");
  return password_;
}

SqlRows MariaDb::query(std::string_view sql, std::string_view database) const {
  std::string error;
  MYSQL* mysql = connect_as_root(socket_, &error, std::string{database});
  if (mysql == nullptr) throw std::runtime_error("MariaDB: cannot log in as root: " + error);
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    error = mysql_error(mysql);
    mysql_close(mysql);
    throw std::runtime_error("MariaDB: " + error + " (in: " + std::string{sql} + ")");
  }
  SqlRows rows;
  MYSQL_RES* result = mysql_store_result(mysql);
  if (result == nullptr && mysql_field_count(mysql) != 0) {
    error = mysql_error(mysql);
    mysql_close(mysql);
    throw std::runtime_error("MariaDB: " + error);
  }
  if (result != nullptr) {
    const unsigned columns = mysql_num_fields(result);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      const unsigned long* lengths = mysql_fetch_lengths(result);
      std::vector<std::optional<std::string>>& values = rows.emplace_back();
      for (unsigned i = 0; i < columns; ++i) {
        if (row[i] == nullptr)
          values.emplace_back();
        else
          values.emplace_back(std::string{row[i], lengths[i]});
      }
    }
    mysql_free_result(result);
  }
  mysql_close(mysql);
  return rows;
}

std::string MariaDb::log() const {
  std::ifstream file{log_file_};
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace test
