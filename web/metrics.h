// /metrics: the bridge's counters in the Prometheus text exposition format (version 0.0.4), and
// the process's own figures read from /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sink/sink.h"
#include "tic/decoder.h"

namespace web {

// One source (one meter) as the bridge's loop last saw it.
struct SourceMetrics {
  std::string source;   // as given: "/dev/ttyAMA0", "file:capture.txt", "sim:standard"
  std::string meter;    // its meter address; empty until the first frame
  bool open = false;    // a device or connection is open (reading, or connecting over TCP)
  bool online = false;  // frames came within --meter-timeout
  std::optional<double> last_frame_seconds;  // the last frame's TIME, Unix seconds
  tic::DecoderStats decoder;
  std::uint64_t frames_published = 0;        // frames put on the frame stream
  std::uint64_t frames_thinned = 0;          // kept off the stream by --frame-interval
  std::uint64_t frames_without_address = 0;  // no valid ADCO/ADSC: not published
  std::uint64_t energy_values_held = 0;      // implausible indexes held back by the guard
};

struct MqttMetrics {
  bool connected = false;
  std::uint64_t backlog_frames = 0;  // frames waiting for the broker
  std::uint64_t frames_delivered = 0;
  std::uint64_t frames_dropped = 0;  // the backlog was full
  std::uint64_t connections = 0;
  std::uint64_t failed_connections = 0;
};

struct ProcessMetrics {
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // Unix seconds
  std::uint64_t open_fds = 0;
};

struct MetricsSnapshot {
  std::string version;  // PROJECT_VERSION
  std::vector<SourceMetrics> sources;
  std::optional<MqttMetrics> mqtt;  // nullopt: no broker (--mqtt-url none, --dry-run)
  std::vector<sink::Health> sinks;
  std::optional<ProcessMetrics> process;  // nullopt when /proc could not be read
};

// This process's figures from /proc/self; nullopt when /proc cannot be read.
std::optional<ProcessMetrics> read_process_metrics();

// Appends the snapshot as Prometheus text to `out`.
void write_metrics(const MetricsSnapshot& snapshot, std::string& out);

}  // namespace web
