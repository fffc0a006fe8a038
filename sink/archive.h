// The fan-out the programs use: frames in from the reader, through the --archive-interval filter,
// out to every sink (MySQL, CSV...). Each sink copies the frame into its own queue, so a slow
// sink holds up neither the reader nor another sink.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "sink/archive_filter.h"
#include "sink/sink.h"
#include "tic/frame.h"

namespace sink {

class Archive {
 public:
  // Zero keeps every frame (ArchiveFilter).
  explicit Archive(std::chrono::milliseconds interval = std::chrono::milliseconds{0});
  // Stops the sinks still running, with no grace.
  ~Archive();
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // While setting up, before the first archive().
  void add(std::unique_ptr<Sink> sink);

  // From the reader's thread: a frame without a meter address is skipped (counted); one the
  // filter keeps goes to every sink's accept().
  void archive(const tic::Frame& frame);

  // Thread-safe, in the order the sinks were added.
  std::vector<Health> health() const;
  // SIGHUP: every sink reopens its files.
  void reopen();
  // Stops every sink at once, in parallel, each within `grace`: the whole takes about `grace`,
  // not one grace per sink. Idempotent.
  void stop(std::chrono::milliseconds grace);

  bool empty() const { return sinks_.empty(); }
  std::uint64_t kept() const { return kept_.load(std::memory_order_relaxed); }
  std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  std::uint64_t without_address() const { return without_address_.load(std::memory_order_relaxed); }

 private:
  ArchiveFilter filter_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::atomic<std::uint64_t> kept_{0};
  std::atomic<std::uint64_t> skipped_{0};  // by the filter
  std::atomic<std::uint64_t> without_address_{0};
};

}  // namespace sink
