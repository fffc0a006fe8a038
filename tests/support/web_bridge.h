// The bridge serving its web page (--http on a free loopback port, no broker unless the options
// give --mqtt-url) while a test plays the meters on pseudo-terminals: the line stays open, so the
// bridge keeps serving after the capture was sent.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/daemon.h"
#include "support/http_client.h"
#include "support/pty.h"

namespace test {

class WebBridge {
 public:
  // One pseudo-terminal per mode ("historic" or "standard"), in order; `options` are added to
  // the bridge's command line, `environment` to its environment. Throws std::runtime_error when
  // the bridge does not say it serves the page and reads every line.
  WebBridge(const std::string& program, const std::vector<std::string>& modes,
            const std::vector<std::string>& options = {},
            const std::map<std::string, std::string>& environment = {});

  // Stops the bridge with SIGTERM: its exit status.
  int stop();
  // Starts it again, on the same port and lines.
  void start();
  // What the bridge wrote on standard error, this run or the last.
  std::string err() const;

  // Writes `bytes` on meter `meter`'s line, all of them.
  void send(std::size_t meter, std::string_view bytes);
  const std::string& line(std::size_t meter) const { return lines_.at(meter)->slave_path(); }

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path) const;
  HttpResponse get(std::string_view path) const { return http_get(url(path)); }

  Daemon& daemon() { return *daemon_; }  // while it runs

  // An empty config file: the machine's /etc/teleinfo/teleinfo.conf stays out of tests.
  static const std::string& empty_config();

 private:
  std::string program_;
  std::vector<std::string> arguments_;
  std::map<std::string, std::string> environment_;
  std::uint16_t port_;
  std::vector<std::unique_ptr<PseudoTerminal>> lines_;
  std::unique_ptr<Daemon> daemon_;
  std::string last_err_;
};

}  // namespace test
