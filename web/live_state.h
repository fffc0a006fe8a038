// What the web server shows, kept by the bridge's loop: per meter, the latest frame, the last
// points of every number label, the energy of today and yesterday, and the counters /metrics
// reports. The loop writes; the server's threads read under the same mutex, briefly.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tic/frame.h"
#include "web/metrics.h"

namespace web {

struct Point {
  std::int64_t time_ms;  // the frame's TIME, Unix milliseconds
  std::uint64_t value;
};

// The last points of one label, oldest first, at most `capacity`.
class PointRing {
 public:
  explicit PointRing(std::size_t capacity) : capacity_(capacity) {}
  void add(Point point);
  std::size_t size() const { return points_.size(); }
  const std::deque<Point>& points() const { return points_; }

 private:
  std::size_t capacity_;
  std::deque<Point> points_;
};

// Energy consumed over French legal days (the meter's days), from the total consumption index.
// Only what the bridge saw: today counts from the first frame of the day it saw, and yesterday is
// known only when the bridge saw it begin and end.
struct DailyEnergy {
  std::optional<std::uint64_t> index_wh;  // the total consumption index
  std::optional<std::uint64_t> today_wh;  // since today_since
  std::optional<tic::Time> today_since;   // the first frame of today seen
  bool today_complete = false;            // today_since is the first frame after midnight
  std::optional<std::uint64_t> yesterday_wh;
};

struct MeterState {
  std::string source;        // as given to --source
  std::string address;       // the meter address of its frames; empty before the first
  std::string source_state;  // "reading /dev/ttyAMA0 at 9600 Bd"
  SourceMetrics metrics;
  std::optional<tic::Frame> frame;  // the latest, without the indexes the guard held back
  std::uint64_t frames = 0;         // frames shown so far
  std::map<std::string, PointRing, std::less<>> history;  // number labels
  DailyEnergy energy;

  // For the energy: the latest plausible value of each consumption index, and the day in progress.
  std::map<std::string, std::uint64_t, std::less<>> indexes;
  std::optional<std::chrono::sys_days> day;  // French legal day of the last frame
  std::optional<std::uint64_t> day_start_index;
};

class LiveState {
 public:
  // `points`: how many points of each label are kept.
  explicit LiveState(std::size_t points) : points_(points) {}

  // The loop's side. Meters are numbered in the order of their sources.
  void add_meter(std::string source);
  // A frame of meter `meter`; `held_back` names its indexes that the energy guard held back.
  void on_frame(std::size_t meter, const tic::Frame& frame,
                std::span<const std::string_view> held_back);
  void update(std::size_t meter, const SourceMetrics& metrics, std::string source_state);
  // The loop is alive (for /healthz).
  void heartbeat(std::chrono::steady_clock::time_point now);

  // The server's side: `read` runs with the mutex held.
  template <typename Read>
  auto read(Read&& reader) const {
    const std::lock_guard lock{mutex_};
    return reader(meters_);
  }
  std::size_t points() const { return points_; }
  std::chrono::steady_clock::time_point last_heartbeat() const;

 private:
  void add_energy(MeterState& meter, const tic::Frame& frame,
                  std::span<const std::string_view> held_back);

  const std::size_t points_;
  mutable std::mutex mutex_;
  std::deque<MeterState> meters_;
  std::chrono::steady_clock::time_point heartbeat_{};
};

// The meter address shown for a meter: empty before its first frame.
inline std::string_view meter_id(const MeterState& meter) {
  return meter.address;
}

// The French legal day an instant falls on.
std::chrono::sys_days french_day(tic::Time time);
// When a French legal day begins, in UTC.
tic::Time french_midnight(std::chrono::sys_days day);

// The labels whose sum is the total consumption index: EAST in standard mode, the historic
// contracts' indexes (BASE, HCHC, HCHP, EJPHN, EJPHPM, BBRH..) in historic mode.
bool is_consumption_index(tic::Mode mode, std::string_view label);

}  // namespace web
