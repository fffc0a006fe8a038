// Where a meter's bytes come from: the --source forms of DESIGN.md, and the interface every
// source implements for the bridge's event loop.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tic/frame.h"
#include "tic/labels.h"

namespace bridge {

struct SourceSpec {
  enum class Kind { Serial, Tcp, File, Stdin, Simulator };
  Kind kind;
  std::string text;  // as given, for messages: "file:capture.txt"
  std::string path;  // Serial, File
  std::string host;  // Tcp
  std::uint16_t port = 0;
  tic::Mode simulated_mode = tic::Mode::Standard;  // Simulator
};

// "/dev/ttyAMA0", "serial:/dev/ttyAMA0", "tcp://host:port", "file:PATH", "-", "sim:historic",
// "sim:standard". Throws common::OptionError naming the bad value.
SourceSpec parse_source(std::string_view text);

using Clock = std::chrono::steady_clock;

// The wall-clock time bytes are stamped with (TIME in the frame JSON).
inline tic::Time wall_clock_now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Where a source's bytes go: a meter's decoder.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void push(std::span<const std::uint8_t> bytes, tic::Time received) = 0;
  // The input ended (end of a file) or the link was lost: a frame still open is delivered only if
  // it is complete, and the next bytes start afresh.
  virtual void finish(tic::Time received) = 0;
  // Groups that passed their checks so far: a serial source in auto mode switches speed when
  // this stops growing.
  virtual std::uint64_t valid_groups() const = 0;
};

// A source of one meter's bytes, driven by the bridge's event loop: one thread, poll(). Sources
// never block: they read what is there, and retry later (with backoff) what failed.
class Source {
 public:
  virtual ~Source() = default;
  // The descriptor to wait on; -1 while none is open (waiting to reopen or reconnect, or a source
  // driven by time alone).
  virtual int fd() const = 0;
  // Reading: its device, connection or capture is open (for /metrics).
  virtual bool is_open() const { return fd() >= 0; }
  // What to wait for on fd(): POLLIN, or POLLOUT while a TCP connection is being made.
  virtual short events() const { return POLLIN; }
  // When on_timer() should run next; Clock::time_point::max() for never.
  virtual Clock::time_point deadline() const = 0;
  // fd() is ready (readable, hung up or in error): read what is there into the sink.
  virtual void on_ready(short revents, Clock::time_point now) = 0;
  // deadline() has passed.
  virtual void on_timer(Clock::time_point now) = 0;
  // The input has ended for good (end of a file or of standard input): the bridge ends when every
  // source has.
  virtual bool ended() const { return false; }
  // A few words on what the source is doing, for logs and systemd's STATUS:
  // "reading /dev/ttyAMA0 at 9600 Bd", "connecting to 192.168.1.20:2000".
  virtual std::string state() const = 0;
};

}  // namespace bridge
