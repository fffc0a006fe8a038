// The soak: teleinfo-bridge run for a long while with a meter sending at many times its real pace,
// while faults come at random moments from a seeded generator (the broker restarted, the dongle
// pulled out and plugged back, the meter silent, InfluxDB or MariaDB asleep or restarted), and its
// resident memory, open descriptors and threads are sampled from /proc every second.
//
// Everything is real and on loopback: Debian's mosquitto (with persistence, and a subscriber with
// a session of its own, so that a restart loses nothing), influxd 1.x, optionally MariaDB, a
// pseudo-terminal behind a /dev/serial/by-id-like link, numbered frames
// (support/numbered_frames.h). The fault suite runs a short soak (tests/faults/soak_test.cpp);
// bench/soak runs a long one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace test {

struct SoakSettings {
  std::string bridge;  // the program
  std::chrono::seconds duration{60};
  double frames_per_second = 200;
  std::uint64_t seed = 1;
  // Faults begin this long after the start, one at a time. First the warm-up: each kind once, at
  // its longest; then any kind at random moments, on average this often, lasting up to that.
  std::chrono::seconds warmup{10};
  std::chrono::seconds mean_fault_interval{8};
  // The longest a database sleeps (influxd restarted: 5 s at most).
  std::chrono::seconds longest_outage{10};
  bool mysql = false;  // also archive into MariaDB (more faults: MariaDB asleep, restarted)
  // A line of progress now and then (bench/soak prints them); may be empty.
  std::function<void(const std::string&)> progress;
};

struct SoakSample {
  double seconds = 0;  // since the start
  std::uint64_t resident_bytes = 0;
  std::size_t open_fds = 0;
  std::size_t threads = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
};

struct SoakResult {
  std::vector<SoakSample> samples;            // every second, faults or not
  std::map<std::string, std::size_t> faults;  // injected, by kind
  std::uint64_t frames_sent = 0;              // written whole on the line
  std::uint64_t frames_published = 0;         // the bridge's count (its summary line)
  std::uint64_t frames_received = 0;          // distinct frames on the stream
  std::uint64_t stream_messages = 0;          // with QoS 1's duplicates
  std::uint64_t points = 0;                   // in InfluxDB
  std::uint64_t rows = 0;                     // in MariaDB, with `mysql`
  // At quiet moments (every connection up, nothing waiting): after the warm-up, before the first
  // fault; and at the end, after everything was delivered and written.
  std::size_t fds_at_start = 0;
  std::size_t fds_at_end = 0;
  std::vector<std::string> fds_changed;  // "12 -> socket:[345]", "13 closed (...)": start to end
  std::uint64_t resident_at_start = 0;
  std::uint64_t resident_at_end = 0;
  double warmup_seconds = 0;  // when the warm-up's faults were over
  double seconds = 0;         // the whole run, with the end's wait for everything to arrive
  int exit_status = -1;
  std::string bridge_log;
  std::string failure;  // why the run broke (a wait ran out, the bridge died); empty if it did not
};

SoakResult run_soak(const SoakSettings& settings);

// The largest resident size (or descriptor count) among the samples from `from` to `to` seconds.
std::uint64_t max_resident(const std::vector<SoakSample>& samples, double from, double to);
std::size_t max_open_fds(const std::vector<SoakSample>& samples, double from, double to);

}  // namespace test
