// Where archived frames go (DESIGN.md, "Archiving"): MySQL/MariaDB, a CSV file, InfluxDB, the web
// page. Every output is a Sink; the same sinks run inside teleinfo-bridge and teleinfo-archive.
//
// A sink works on its own thread. accept() is called on the reader's thread and only takes a copy
// of the frame: a slow or dead database never holds up the meter, the broker or another sink.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tic/frame.h"

namespace sink {

// What a sink reports about itself (logs, the systemd status line, the web page).
struct Health {
  std::string name;            // "mysql", "csv"
  bool up = true;              // the last write succeeded (or none was tried yet)
  std::string problem{};       // when not up: why, one line
  std::uint64_t accepted = 0;  // frames handed to the sink
  std::uint64_t written = 0;   // frames the destination took
  std::uint64_t waiting = 0;   // accepted, not yet written: in memory or in the spool
  std::uint64_t spooled = 0;   // of those, frames in the on-disk spool
  // Frames given up: the spool was full (oldest first), or refused (a refused frame is kept in
  // the spool's rejected.jsonl when the sink has a spool), or not written at stop without a spool.
  std::uint64_t dropped = 0;
  // How old (by its TIME) the oldest frame waiting is; zero when none waits.
  std::chrono::milliseconds lag{0};
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Takes a copy of a frame that has a meter address. Never blocks on the destination.
  virtual void accept(const tic::Frame& frame) = 0;
  virtual Health health() const = 0;
  // SIGHUP: reopen files (logrotate moved them). Done on the sink's thread, before its next write.
  virtual void reopen() {}
  // Writes what was accepted, or puts it in the spool, within `grace`; then the thread ends.
  // Frames still in memory after that are spooled if the sink has a spool, else counted dropped.
  virtual void stop(std::chrono::milliseconds grace) = 0;
};

}  // namespace sink
