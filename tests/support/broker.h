// A real MQTT broker for tests: Debian's /usr/sbin/mosquitto on a free loopback port, with its
// configuration in a fresh temporary directory; and test certificates made with the openssl CLI.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace test {

// A directory made with mkdtemp() under $TMPDIR (or /tmp), removed with all it holds.
class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(std::string_view prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::string& path() const { return path_; }
  // path()/name
  std::string file(std::string_view name) const;

 private:
  std::string path_;
};

// A port nothing listens on now: the kernel's pick for a socket bound to port 0. Every test
// server starts on one.
std::uint16_t free_loopback_port();

struct TlsFiles {
  std::string ca_file{};
  std::string cert_file{};
  std::string key_file{};
};

// A CA, a server certificate for CN=localhost (subjectAltName IP:127.0.0.1 and DNS:localhost)
// and a client certificate (CN=teleinfo-test-client), all EC prime256v1, signed by the CA.
// Throws std::runtime_error when openssl fails.
class Certificates {
 public:
  Certificates();
  const std::string& ca_file() const { return ca_file_; }
  const std::string& server_cert_file() const { return server_cert_file_; }
  const std::string& server_key_file() const { return server_key_file_; }
  const std::string& client_cert_file() const { return client_cert_file_; }
  const std::string& client_key_file() const { return client_key_file_; }
  // What a broker's TLS listener needs.
  TlsFiles server() const { return {ca_file_, server_cert_file_, server_key_file_}; }

 private:
  TemporaryDirectory directory_{"teleinfo-certs"};
  std::string ca_file_, server_cert_file_, server_key_file_, client_cert_file_, client_key_file_;
};

// Every member has a default, so that designated initializers may leave any out.
struct BrokerOptions {
  bool allow_anonymous = true;
  std::map<std::string, std::string> users{};  // user name -> password: a password file
  std::optional<TlsFiles> tls{};               // a TLS listener (mqtts://) instead of plain MQTT
  bool require_certificate = false;            // TLS: clients must show a certificate of the CA
  // Sessions and retained messages saved when the broker stops and read when it starts again.
  bool persistence = false;
  // Messages mosquitto queues per client beyond those in flight, then drops (counted in its log):
  // 0 for no limit. Its own default is 1000.
  std::optional<std::size_t> max_queued_messages{};
};

// Starts at construction; throws std::runtime_error when mosquitto does not start. mosquitto is
// killed when the thread that started it ends (the test's, normally), even if the test is killed.
class Broker {
 public:
  explicit Broker(BrokerOptions options = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Starts mosquitto (on the same port as before, if it ran already) and waits until its log
  // says it is running. Nothing when it runs.
  void start();
  void stop();  // SIGTERM, and waits for it to end
  void kill();  // SIGKILL, and waits for it to end
  void restart();
  // With persistence: SIGUSR1, and waits until mosquitto has written its sessions and retained
  // messages to disk (what a broker killed later comes back with). False after 20 s.
  bool save();
  bool running() const { return pid_ > 0; }

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const { return port_; }
  // "mqtt://127.0.0.1:PORT", or "mqtts://..." with TLS.
  std::string url() const;

  // What mosquitto logged, all runs together (connections, disconnections, wills...).
  std::string log() const;
  std::size_t log_size() const;
  // Waits until the log, from offset `from` on, holds `text`. False after the failsafe.
  bool wait_for_log(std::string_view text, std::size_t from = 0,
                    std::chrono::seconds failsafe = std::chrono::seconds(20)) const;

 private:
  bool launch();  // false when mosquitto ended before it ran
  void end(int signal);
  void write_configuration() const;

  BrokerOptions options_;
  TemporaryDirectory directory_{"teleinfo-broker"};
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::thread reader_;  // copies mosquitto's standard error into log_
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string log_;
  bool output_ended_ = true;  // the current run's standard error reached its end
};

}  // namespace test
