#include "support/web_bridge.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "support/broker.h"

namespace test {

WebBridge::WebBridge(const std::string& program, const std::vector<std::string>& modes,
                     const std::vector<std::string>& options,
                     const std::map<std::string, std::string>& environment)
    : program_(program), environment_(environment), port_(free_loopback_port()) {
  arguments_ = {"--http", "127.0.0.1:" + std::to_string(port_)};
  if (std::find(options.begin(), options.end(), "--mqtt-url") == options.end()) {
    arguments_.insert(arguments_.end(), {"--mqtt-url", "none"});
  }
  std::string mode_list;
  for (const std::string& mode : modes) {
    lines_.push_back(std::make_unique<PseudoTerminal>());
    arguments_.insert(arguments_.end(), {"--source", lines_.back()->slave_path()});
    mode_list += (mode_list.empty() ? "" : ",") + mode;
  }
  arguments_.insert(arguments_.end(), {"--mode", mode_list});
  arguments_.insert(arguments_.end(), options.begin(), options.end());
  // Nothing from the test's own environment, nor the machine's config file.
  environment_.emplace("TELEINFO_CONFIG", empty_config());
  start();
}

void WebBridge::start() {
  daemon_ = std::make_unique<Daemon>(program_, arguments_, environment_);
  if (!daemon_->wait_for_err("web page on http://")) {
    throw std::runtime_error("the bridge did not serve its page: " + daemon_->err());
  }
  // Bytes written before the bridge sets a line raw would go through the line discipline.
  for (const auto& line : lines_) {
    if (!daemon_->wait_for_err("reading " + line->slave_path())) {
      throw std::runtime_error("the bridge does not read " + line->slave_path() + ": " +
                               daemon_->err());
    }
  }
}

int WebBridge::stop() {
  const int status = daemon_->stop(SIGTERM);
  last_err_ = daemon_->err();
  daemon_.reset();
  return status;
}

std::string WebBridge::err() const {
  return daemon_ ? daemon_->err() : last_err_;
}

const std::string& WebBridge::empty_config() {
  static const std::string file = [] {
    const auto path = std::filesystem::temp_directory_path() / "teleinfo-web-test.conf";
    std::ofstream{path};
    return path.string();
  }();
  return file;
}

void WebBridge::send(std::size_t meter, std::string_view bytes) {
  PseudoTerminal& line = *lines_.at(meter);
  line.send(bytes);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (!line.all_sent()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the bridge stopped reading " + line.slave_path());
    }
    // Wait until the line has room again: the bridge read what was there.
    pollfd writable{line.master(), POLLOUT, 0};
    ::poll(&writable, 1, 100);
    line.pump();
  }
}

std::string WebBridge::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string{path};
}

}  // namespace test
