#include "support/influxdb.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace test {
namespace {

constexpr const char* kInfluxd = "/usr/bin/influxd";
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct HttpAnswer {
  bool reached = false;
  long status = 0;
  std::string body;
  std::string error;
};

// One request with a fresh handle; `form` (already URL-encoded) is POSTed when not empty.
HttpAnswer http(const std::string& url, const std::string& form = {}) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  HttpAnswer answer;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (!form.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.c_str());
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    answer.reached = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  } else {
    answer.error = curl_easy_strerror(code);
  }
  curl_easy_cleanup(curl);
  return answer;
}

std::string encoded(std::string_view text) {
  CURL* curl = curl_easy_init();
  char* escaped = curl_easy_escape(curl, text.data(), static_cast<int>(text.size()));
  std::string result{escaped};
  curl_free(escaped);
  curl_easy_cleanup(curl);
  return result;
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

InfluxDb::InfluxDb()
    : config_file_(directory_.file("influxdb.conf")), log_file_(directory_.file("influxd.log")) {
  start();
}

InfluxDb::~InfluxDb() {
  end(SIGTERM);
}

std::string InfluxDb::url() const {
  return "http://127.0.0.1:" + std::to_string(http_port_);
}

void InfluxDb::write_config() const {
  std::ofstream file{config_file_};
  // Small, quiet and local: no usage reports, no background services a test does not need.
  file << "reporting-disabled = true\n"
       << "bind-address = \"127.0.0.1:" << rpc_port_ << "\"\n"
       << "[meta]\n  dir = \"" << directory_.file("meta") << "\"\n"
       << "[data]\n  dir = \"" << directory_.file("data") << "\"\n"
       << "  wal-dir = \"" << directory_.file("wal") << "\"\n"
       << "  query-log-enabled = false\n"
       << "[retention]\n  enabled = false\n"
       << "[monitor]\n  store-enabled = false\n"
       << "[subscriber]\n  enabled = false\n"
       << "[continuous_queries]\n  enabled = false\n"
       << "[http]\n  enabled = true\n"
       << "  bind-address = \"127.0.0.1:" << http_port_ << "\"\n"
       << "  auth-enabled = false\n  log-enabled = false\n";
  if (!file) throw std::runtime_error("cannot write " + config_file_);
}

void InfluxDb::start() {
  if (pid_ > 0) return;
  // The first run takes free ports; another program may take one first, then try others.
  const bool first_run = http_port_ == 0;
  for (int attempt = 0; attempt < (first_run ? 3 : 1); ++attempt) {
    if (first_run) {
      http_port_ = free_loopback_port();
      do {
        rpc_port_ = free_loopback_port();
      } while (rpc_port_ == http_port_);
      write_config();
    }
    if (launch()) return;
  }
  throw std::runtime_error("influxd did not start on port " + std::to_string(http_port_) + ":\n" +
                           log());
}

bool InfluxDb::launch() {
  std::vector<std::string> arguments = {kInfluxd, "-config", config_file_};
  std::vector<char*> argv;
  for (std::string& argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls here. influxd ends with the test, even a killed one, and
    // keeps no descriptor of ours.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int input = ::open("/dev/null", O_RDONLY);
    const int output = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(input, STDIN_FILENO);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(output, STDERR_FILENO);
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    ::execv(kInfluxd, argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  // Ready when /ping answers 204; given up when influxd ends first, or after the deadline.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (reap(false)) return false;
    const HttpAnswer answer = http(url() + "/ping");
    if (answer.reached && answer.status == 204) return true;
    std::this_thread::sleep_for(kPollInterval);
  }
  end(SIGKILL);
  return false;
}

bool InfluxDb::reap(bool wait) {
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

void InfluxDb::end(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  ::kill(pid_, SIGCONT);  // a paused server takes its signal once it runs again
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

void InfluxDb::stop() {
  end(SIGTERM);
}

void InfluxDb::kill() {
  end(SIGKILL);
}

void InfluxDb::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void InfluxDb::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void InfluxDb::create_database(std::string_view database) {
  if (!is_plain_name(database))
    throw std::runtime_error("create_database: not a plain name: " + std::string{database});
  const HttpAnswer answer =
      http(url() + "/query", "q=" + encoded("CREATE DATABASE \"" + std::string{database} + "\""));
  if (!answer.reached || answer.status != 200 ||
      answer.body.find("\"error\"") != std::string::npos) {
    throw std::runtime_error("influxdb: CREATE DATABASE " + std::string{database} +
                             " failed: " + answer.error + answer.body);
  }
}

std::string InfluxDb::query(std::string_view database, std::string_view influxql) const {
  const HttpAnswer answer =
      http(url() + "/query?db=" + encoded(database) + "&epoch=ms&q=" + encoded(influxql));
  if (!answer.reached || answer.status != 200) {
    throw std::runtime_error("influxdb: query failed (HTTP " + std::to_string(answer.status) +
                             "): " + answer.error + answer.body);
  }
  return answer.body;
}

std::string InfluxDb::log() const {
  std::ifstream file{log_file_};
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace test
