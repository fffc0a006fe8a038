// Test helpers for sources: a pseudo-terminal standing in for a serial port, a symlink standing
// in for /dev/serial/by-id/..., a byte sink decoding with a real decoder, and a loop driving a
// Source the way the bridge's poll() loop does.
#pragma once

#include <termios.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/source.h"
#include "tic/decoder.h"
#include "tic/frame.h"

namespace test {

// The source opens the slave path as it would /dev/ttyUSB0; the test writes the meter's bytes to
// the master. Closing the master is an unplug: the slave then reads EIO and polls POLLHUP.
// Throws std::runtime_error when no pseudo-terminal can be made.
class PseudoTerminal {
 public:
  PseudoTerminal();
  ~PseudoTerminal();
  PseudoTerminal(const PseudoTerminal&) = delete;
  PseudoTerminal& operator=(const PseudoTerminal&) = delete;

  const std::string& slave_path() const { return slave_path_; }
  int master() const { return master_; }

  // Queues bytes for the line. The master is non-blocking and the line holds a few kilobytes:
  // pump() writes what fits now; call it between the source's reads (see run_until).
  void send(std::string_view bytes) { pending_ += bytes; }
  void pump();
  bool all_sent() const { return pending_.empty(); }
  std::size_t pending() const { return pending_.size(); }

  // The slave's settings as the source left them (TCGETS on a master reads its slave's).
  termios settings() const;

  void close_master();

 private:
  int master_ = -1;
  std::string slave_path_;
  std::string pending_;
};

// A symlink in a temporary directory, the way /dev/serial/by-id/... points at /dev/ttyUSB0: a
// test "replugs" by making a new pseudo-terminal and pointing the link at it.
class DeviceLink {
 public:
  DeviceLink();  // the link does not exist until point_at()
  ~DeviceLink();
  DeviceLink(const DeviceLink&) = delete;
  DeviceLink& operator=(const DeviceLink&) = delete;

  const std::string& path() const { return path_; }
  // Replaces the link at once (rename over it).
  void point_at(const std::string& target);
  // Removes the link, as udev does when the dongle is pulled out.
  void remove();

 private:
  std::string directory_;
  std::string path_;
};

// Where a source's bytes go in tests: a real decoder, keeping every frame.
class DecodingSink : public bridge::ByteSink {
 public:
  explicit DecodingSink(tic::DecoderOptions options = {});

  void push(std::span<const std::uint8_t> bytes, tic::Time received) override;
  void finish(tic::Time received) override;
  std::uint64_t valid_groups() const override { return decoder_.stats().groups; }

  const std::vector<tic::Frame>& frames() const { return frames_; }
  std::uint64_t bytes() const { return decoder_.stats().bytes; }
  std::size_t finishes() const { return finishes_; }

 private:
  std::vector<tic::Frame> frames_;
  std::size_t finishes_ = 0;
  tic::Decoder decoder_;
};

// Drives `source` as the bridge's loop does, poll() on fd() for events() and on_timer() at
// deadline(), until `done` holds; false when `timeout`, a failsafe, passed first. `between`, if
// given, runs before each wait: a test feeds a pseudo-terminal or a socket there.
bool run_until(bridge::Source& source, const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds{15},
               const std::function<void()>& between = {});

// Writes what a non-blocking descriptor takes now of `pending`, and drops it from `pending`.
void write_some(int fd, std::string& pending);

// The frames with their times set to test_time(), to compare frames received at different times.
std::vector<tic::Frame> without_times(std::vector<tic::Frame> frames);

}  // namespace test
