// A Sink that runs a Writer on its own thread, with what every destination needs around it: a
// memory queue that accept() fills without waiting, batches, an on-disk spool while the
// destination is away, retries with backoff, frames refused one by one set aside, and health.
//
// The thread writes the oldest frames first: those in the spool (older than any in memory), then
// memory in batches. When a write finds the destination away (WriteResult::Unavailable), the
// sink is down: the failed batch goes to the spool, or back to the head of memory without one;
// the write is tried again after 1 s, 2 s, 4 s... up to 60 s; meanwhile what accept() queues is
// moved to the spool at most once a second, so that a crash loses little. A batch refused
// (WriteResult::Refused) is written again frame by frame; a single frame refused goes to the
// spool's rejected.jsonl (dropped without a spool), and counts as dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "sink/sink.h"
#include "sink/writer.h"

namespace sink {

class Spool;

struct SpoolSettings {
  // The folder of every sink's spool (--spool-dir): this sink's is directory / writer name.
  std::filesystem::path directory;
  std::uint64_t max_bytes = 0;
};

struct ThreadedSinkSettings {
  std::optional<SpoolSettings> spool;  // none: frames wait in memory only (the CSV file)
  std::size_t batch_size = 256;
  // Batching by time: while the destination is up, a batch smaller than batch_size waits until
  // its first frame is this old (fewer, larger requests: InfluxDB). Zero writes at once.
  std::chrono::milliseconds linger{0};
  // Frames in memory above which the thread moves them all to the spool. Without a spool,
  // accept() drops the oldest beyond ten times this (with a spool too, should the thread be stuck
  // in a write that long: memory stays bounded).
  std::size_t memory_bound = 2000;
  // Retries after the destination went away: first_retry, doubled each time up to last_retry.
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds last_retry{60000};
  // While down, how often what was accepted meanwhile is moved to the spool.
  std::chrono::milliseconds spool_interval{1000};
};

class ThreadedSink final : public Sink {
 public:
  // Starts the thread. The spool, if any, is opened on it (what an earlier run left is written
  // first).
  explicit ThreadedSink(std::unique_ptr<Writer> writer, ThreadedSinkSettings settings = {});
  // stop() with no grace.
  ~ThreadedSink() override;
  ThreadedSink(const ThreadedSink&) = delete;
  ThreadedSink& operator=(const ThreadedSink&) = delete;

  // O(1): a copy into the memory queue and a wake-up; never touches disk or network.
  void accept(const tic::Frame& frame) override;
  // Thread-safe.
  Health health() const override;
  // The thread calls the writer's reopen() before its next write, at once if it is idle.
  void reopen() override;
  // Writes what it can within `grace` (while the destination takes it); then spools what is left
  // (or counts it dropped without a spool), closes the writer and ends the thread. Idempotent.
  // Frames accepted afterwards are counted dropped.
  void stop(std::chrono::milliseconds grace) override;

  // This sink's spool folder; empty without a spool.
  const std::filesystem::path& spool_directory() const { return spool_directory_; }

 private:
  using SteadyClock = std::chrono::steady_clock;

  void run();
  // One write of the oldest batch waiting.
  void write_once(Spool* spool);
  WriteResult call_writer(std::span<const tic::Frame> frames);
  void write_one_by_one(Spool* spool, bool from_spool, std::span<const tic::Frame> frames);
  void set_aside(Spool* spool, const tic::Frame& frame, const std::string& error);
  // Frames taken from memory that could not be written: to the spool, else back to memory's head.
  void put_back(Spool* spool, std::span<const tic::Frame> frames);
  void move_memory_to_spool(Spool& spool);
  void went_down(const std::string& error, const Spool* spool);
  // A write went through: `count` frames stored (none when refused); the sink is up.
  void written(std::size_t count, std::size_t taken_from_memory);
  void publish(Spool* spool);
  void finish(Spool* spool);

  const std::unique_ptr<Writer> writer_;
  const ThreadedSinkSettings settings_;
  const std::string name_;
  const std::filesystem::path spool_directory_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<tic::Frame> memory_;
  SteadyClock::time_point memory_since_{};  // when the oldest frame in memory_ came
  std::size_t in_flight_ = 0;               // taken from memory by the thread, being written
  std::optional<tic::Time> in_flight_oldest_;
  std::uint64_t spool_frames_ = 0;
  std::optional<tic::Time> spool_oldest_;
  std::uint64_t spool_lost_ = 0;  // dropped for room or unreadable, as the spool counts them
  std::uint64_t accepted_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;  // memory overflow, refused, not spooled at stop
  bool up_ = true;
  std::string problem_;
  bool reopen_requested_ = false;
  bool stop_requested_ = false;
  bool stopped_ = false;  // the thread is gone: accept() counts frames dropped
  SteadyClock::time_point stop_deadline_;
  bool memory_overflowing_ = false;
  std::uint64_t overflow_dropped_ = 0;  // in the current overflow episode

  // The thread's own state.
  std::vector<tic::Frame> batch_;
  SteadyClock::time_point retry_at_;
  std::chrono::milliseconds backoff_;
  SteadyClock::time_point next_spool_move_;
  bool refusing_ = false;

  std::mutex stop_mutex_;  // one stop() at a time
  std::thread thread_;
};

}  // namespace sink
