#include "support/broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "support/process.h"

namespace test {
namespace {

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";
constexpr const char* kMosquittoPasswd = "/usr/bin/mosquitto_passwd";
constexpr const char* kOpenssl = "/usr/bin/openssl";

void run_tool(const std::string& program, const std::vector<std::string>& arguments) {
  const ProcessResult result = run_process(program, arguments);
  if (result.exit_status != 0)
    throw std::runtime_error(program + " failed (status " + std::to_string(result.exit_status) +
                             "): " + result.err);
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot find a free loopback port");
  return ntohs(address.sin_port);
}

TemporaryDirectory::TemporaryDirectory(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string{base != nullptr && *base != '\0' ? base : "/tmp"} + "/" +
                        std::string{prefix} + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TemporaryDirectory::file(std::string_view name) const {
  return path_ + "/" + std::string{name};
}

Certificates::Certificates()
    : ca_file_(directory_.file("ca.crt")),
      server_cert_file_(directory_.file("server.crt")),
      server_key_file_(directory_.file("server.key")),
      client_cert_file_(directory_.file("client.crt")),
      client_key_file_(directory_.file("client.key")) {
  // Our own openssl configuration, so that the system's defaults change nothing.
  const std::string config = directory_.file("openssl.cnf");
  std::ofstream{config} << "[req]\n"
                           "distinguished_name = name\n"
                           "prompt = no\n"
                           "[name]\n"
                           "CN = unused\n"
                           "[ca]\n"
                           "basicConstraints = critical, CA:TRUE\n"
                           "keyUsage = critical, keyCertSign, cRLSign\n"
                           "subjectKeyIdentifier = hash\n"
                           "[server]\n"
                           "basicConstraints = CA:FALSE\n"
                           "keyUsage = critical, digitalSignature\n"
                           "extendedKeyUsage = serverAuth\n"
                           "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
                           "[client]\n"
                           "basicConstraints = CA:FALSE\n"
                           "keyUsage = critical, digitalSignature\n"
                           "extendedKeyUsage = clientAuth\n";
  const std::string ca_key = directory_.file("ca.key");
  const std::vector<std::string> new_ec_key = {"-newkey", "ec", "-pkeyopt",
                                               "ec_paramgen_curve:prime256v1", "-nodes"};

  std::vector<std::string> arguments = {"req",     "-x509", "-new",
                                        "-config", config,  "-extensions",
                                        "ca",      "-subj", "/CN=teleinfo test CA",
                                        "-days",   "3650",  "-keyout",
                                        ca_key,    "-out",  ca_file_};
  arguments.insert(arguments.end(), new_ec_key.begin(), new_ec_key.end());
  run_tool(kOpenssl, arguments);

  struct Leaf {
    const char* name;
    const char* subject;
    const std::string& cert;
    const std::string& key;
    const char* serial;
  };
  for (const Leaf& leaf :
       {Leaf{"server", "/CN=localhost", server_cert_file_, server_key_file_, "2"},
        Leaf{"client", "/CN=teleinfo-test-client", client_cert_file_, client_key_file_, "3"}}) {
    const std::string request = directory_.file(std::string{leaf.name} + ".csr");
    arguments = {"req",        "-new",    "-config", config, "-subj",
                 leaf.subject, "-keyout", leaf.key,  "-out", request};
    arguments.insert(arguments.end(), new_ec_key.begin(), new_ec_key.end());
    run_tool(kOpenssl, arguments);
    run_tool(kOpenssl, {"x509", "-req", "-in", request, "-CA", ca_file_, "-CAkey", ca_key,
                        "-set_serial", leaf.serial, "-days", "3650", "-extfile", config,
                        "-extensions", leaf.name, "-out", leaf.cert});
  }
}

Broker::Broker(BrokerOptions options) : options_(std::move(options)) {
  if (!options_.users.empty()) {
    const std::string passwords = directory_.file("passwords");
    bool first = true;
    for (const auto& [user, password] : options_.users) {
      std::vector<std::string> arguments = {"-b", passwords, user, password};
      if (first) arguments.insert(arguments.begin(), "-c");
      run_tool(kMosquittoPasswd, arguments);
      first = false;
    }
  }
  start();
}

Broker::~Broker() {
  end(SIGTERM);
}

void Broker::write_configuration() const {
  std::ofstream config{directory_.file("mosquitto.conf")};
  if (options_.persistence)
    config << "persistence true\n"
           << "persistence_location " << directory_.path() << "/\n";
  else
    config << "persistence false\n";
  config << "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n"
            "log_type notice\n"
            "log_type information\n"
            "log_type subscribe\n"
            "connection_messages true\n"
            "per_listener_settings false\n"
         << "allow_anonymous " << (options_.allow_anonymous ? "true" : "false") << "\n";
  if (!options_.users.empty()) config << "password_file " << directory_.file("passwords") << "\n";
  if (options_.max_queued_messages) {
    config << "max_queued_messages " << *options_.max_queued_messages << "\n";
  }
  // As root, mosquitto would become the user "mosquitto", who cannot read our directory.
  if (::geteuid() == 0) config << "user root\n";
  config << "listener " << port_ << " 127.0.0.1\n";
  if (options_.tls) {
    config << "cafile " << options_.tls->ca_file << "\n"
           << "certfile " << options_.tls->cert_file << "\n"
           << "keyfile " << options_.tls->key_file << "\n"
           << "require_certificate " << (options_.require_certificate ? "true" : "false") << "\n";
  }
}

void Broker::start() {
  if (pid_ > 0) return;
  // The first run takes a free port; another program may take it first, then try another.
  const bool first_run = port_ == 0;
  for (int attempt = 0; attempt < (first_run ? 5 : 1); ++attempt) {
    if (first_run) port_ = free_loopback_port();
    write_configuration();
    if (launch()) return;
  }
  throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ":\n" +
                           log());
}

bool Broker::launch() {
  int output[2];
  if (::pipe2(output, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");

  std::string program = kMosquitto, option = "-c", config = directory_.file("mosquitto.conf");
  char* argv[] = {program.data(), option.data(), config.data(), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(output[0]);
    ::close(output[1]);
    throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  }
  if (pid == 0) {
    // Only async-signal-safe calls here. mosquitto ends with the test, even a killed one, and
    // gets no descriptor of ours but its output: a client socket it inherited would stay open
    // after the client closed it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int input = ::open("/dev/null", O_RDONLY);
    ::dup2(input, STDIN_FILENO);
    ::dup2(output[1], STDOUT_FILENO);
    ::dup2(output[1], STDERR_FILENO);
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    ::execv(kMosquitto, argv);
    ::_exit(127);
  }
  ::close(output[1]);
  pid_ = pid;

  std::size_t from = 0;
  {
    std::lock_guard lock{mutex_};
    from = log_.size();
    output_ended_ = false;
  }
  reader_ = std::thread([this, fd = output[0]] {
    char buffer[4096];
    for (;;) {
      const ssize_t size = ::read(fd, buffer, sizeof buffer);
      if (size < 0 && errno == EINTR) continue;
      if (size <= 0) break;
      std::lock_guard lock{mutex_};
      log_.append(buffer, static_cast<std::size_t>(size));
      changed_.notify_all();
    }
    ::close(fd);
    std::lock_guard lock{mutex_};
    output_ended_ = true;
    changed_.notify_all();
  });

  // "1795350081: mosquitto version 2.0.11 running": the listener is open.
  bool ready = false;
  {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, std::chrono::seconds(20), [&] {
      ready = log_.find(" running\n", from) != std::string::npos;
      return ready || output_ended_;
    });
  }
  if (!ready) end(SIGKILL);
  return ready;
}

void Broker::end(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, std::chrono::seconds(20), [this] { return output_ended_; }))
      ::kill(pid_, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reader_.join();
  pid_ = -1;
}

void Broker::stop() {
  end(SIGTERM);
}

void Broker::kill() {
  end(SIGKILL);
}

void Broker::restart() {
  stop();
  start();
}

bool Broker::save() {
  if (pid_ <= 0 || !options_.persistence) return false;
  const std::string database = directory_.file("mosquitto.db");
  std::error_code ignored;
  const auto before = std::filesystem::last_write_time(database, ignored);
  const std::size_t from = log_size();
  ::kill(pid_, SIGUSR1);
  // "Saving in-memory database to ...": mosquitto writes mosquitto.db.new, then renames it.
  if (!wait_for_log("Saving in-memory database", from)) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  for (;;) {
    std::error_code error;
    const auto written = std::filesystem::last_write_time(database, error);
    if (!error && written != before && !std::filesystem::exists(database + ".new", ignored)) {
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

std::string Broker::url() const {
  return std::string{options_.tls ? "mqtts://" : "mqtt://"} + host() + ":" + std::to_string(port_);
}

std::string Broker::log() const {
  std::lock_guard lock{mutex_};
  return log_;
}

std::size_t Broker::log_size() const {
  std::lock_guard lock{mutex_};
  return log_.size();
}

bool Broker::wait_for_log(std::string_view text, std::size_t from,
                          std::chrono::seconds failsafe) const {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, failsafe, [&] {
    return from <= log_.size() && log_.find(text, from) != std::string::npos;
  });
}

}  // namespace test
