#include "support/pty.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "support/captures.h"

namespace test {
namespace {

std::runtime_error system_failure(const std::string& what) {
  return std::runtime_error{what + ": " + std::strerror(errno)};
}

}  // namespace

PseudoTerminal::PseudoTerminal() {
  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (master_ < 0) throw system_failure("posix_openpt");
  std::array<char, 128> name{};
  if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0 ||
      ::ptsname_r(master_, name.data(), name.size()) != 0) {
    const std::runtime_error error = system_failure("pseudo-terminal slave");
    ::close(master_);
    throw error;
  }
  slave_path_ = name.data();
}

PseudoTerminal::~PseudoTerminal() {
  close_master();
}

void PseudoTerminal::pump() {
  if (master_ >= 0) write_some(master_, pending_);
}

termios PseudoTerminal::settings() const {
  termios settings{};
  if (::tcgetattr(master_, &settings) != 0) throw system_failure("tcgetattr");
  return settings;
}

void PseudoTerminal::close_master() {
  if (master_ >= 0) ::close(master_);
  master_ = -1;
}

DeviceLink::DeviceLink() {
  std::string pattern = (std::filesystem::temp_directory_path() / "teleinfo-link-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw system_failure("mkdtemp");
  directory_ = pattern;
  path_ = directory_ + "/usb-FTDI_FT230X_Basic_UART_TINFO-1131-if00-port0";
}

DeviceLink::~DeviceLink() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

void DeviceLink::point_at(const std::string& target) {
  const std::string next = path_ + ".next";
  ::unlink(next.c_str());
  if (::symlink(target.c_str(), next.c_str()) != 0) throw system_failure("symlink");
  if (::rename(next.c_str(), path_.c_str()) != 0) throw system_failure("rename");
}

void DeviceLink::remove() {
  ::unlink(path_.c_str());
}

DecodingSink::DecodingSink(tic::DecoderOptions options)
    : decoder_(std::move(options), [this](const tic::Frame& frame) { frames_.push_back(frame); }) {}

void DecodingSink::push(std::span<const std::uint8_t> bytes, tic::Time received) {
  decoder_.push(bytes, received);
}

void DecodingSink::finish(tic::Time received) {
  ++finishes_;
  decoder_.finish(received);
}

bool run_until(bridge::Source& source, const std::function<bool()>& done,
               std::chrono::milliseconds timeout, const std::function<void()>& between) {
  using bridge::Clock;
  const Clock::time_point give_up = Clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    Clock::time_point now = Clock::now();
    if (now >= give_up) return false;
    if (between) between();

    const Clock::time_point deadline = source.deadline();
    if (deadline <= now) {
      source.on_timer(now);
      continue;
    }
    // Waking every 20 ms at least lets `done` see what happens outside the source.
    const Clock::time_point wake =
        std::min({deadline, give_up, now + std::chrono::milliseconds{20}});
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
    pollfd entry{source.fd(), source.events(), 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(wait.count()));
    now = Clock::now();
    if (ready > 0 && entry.revents != 0) {
      source.on_ready(entry.revents, now);
    } else if (source.deadline() <= now) {
      source.on_timer(now);
    }
  }
}

void write_some(int fd, std::string& pending) {
  while (!pending.empty()) {
    const ssize_t size = ::write(fd, pending.data(), pending.size());
    if (size > 0) {
      pending.erase(0, static_cast<std::size_t>(size));
    } else if (size == 0 || errno != EINTR) {
      return;  // EAGAIN: full for now
    }
  }
}

std::vector<tic::Frame> without_times(std::vector<tic::Frame> frames) {
  for (tic::Frame& frame : frames)
    frame.set_time(test_time());
  return frames;
}

}  // namespace test
