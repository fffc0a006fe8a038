#include "sink/threaded_sink.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <utility>

#include "common/log.h"
#include "sink/spool.h"

namespace sink {
namespace {

// How many frames memory holds at most: ten times the bound the thread keeps it under.
constexpr std::size_t kHardLimitFactor = 10;

unsigned long long as_ull(std::uint64_t value) {
  return static_cast<unsigned long long>(value);
}

ThreadedSinkSettings checked(ThreadedSinkSettings settings) {
  settings.batch_size = std::max<std::size_t>(settings.batch_size, 1);
  settings.memory_bound = std::max<std::size_t>(settings.memory_bound, 1);
  settings.first_retry = std::max(settings.first_retry, std::chrono::milliseconds{1});
  settings.last_retry = std::max(settings.last_retry, settings.first_retry);
  return settings;
}

std::optional<tic::Time> earliest(std::optional<tic::Time> a, std::optional<tic::Time> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

ThreadedSink::ThreadedSink(std::unique_ptr<Writer> writer, ThreadedSinkSettings settings)
    : writer_(std::move(writer)),
      settings_(checked(std::move(settings))),
      name_(writer_->name()),
      spool_directory_(settings_.spool ? settings_.spool->directory / name_
                                       : std::filesystem::path{}),
      backoff_(settings_.first_retry) {
  thread_ = std::thread([this] { run(); });
}

ThreadedSink::~ThreadedSink() {
  stop(std::chrono::milliseconds{0});
}

void ThreadedSink::accept(const tic::Frame& frame) {
  bool overflow_started = false;
  {
    const std::lock_guard lock{mutex_};
    ++accepted_;
    if (stopped_) {
      ++dropped_;
      return;
    }
    if (memory_.empty()) memory_since_ = SteadyClock::now();
    memory_.push_back(frame);
    if (memory_.size() > kHardLimitFactor * settings_.memory_bound) {
      memory_.pop_front();
      ++dropped_;
      ++overflow_dropped_;
      overflow_started = !std::exchange(memory_overflowing_, true);
    }
  }
  if (overflow_started) {
    LOG_WARNING("%s: %zu frames wait in memory; the oldest are dropped", name_.c_str(),
                kHardLimitFactor * settings_.memory_bound);
  }
  wake_.notify_one();
}

Health ThreadedSink::health() const {
  Health health;
  health.name = name_;
  const tic::Time now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const std::lock_guard lock{mutex_};
  health.up = up_;
  health.problem = problem_;
  health.accepted = accepted_;
  health.written = written_;
  health.spooled = spool_frames_;
  health.waiting = memory_.size() + in_flight_ + spool_frames_;
  health.dropped = dropped_ + spool_lost_;
  std::optional<tic::Time> oldest = earliest(spool_frames_ > 0 ? spool_oldest_ : std::nullopt,
                                             in_flight_ > 0 ? in_flight_oldest_ : std::nullopt);
  if (!memory_.empty()) oldest = earliest(oldest, memory_.front().time());
  if (oldest && *oldest < now) health.lag = now - *oldest;
  return health;
}

void ThreadedSink::reopen() {
  {
    const std::lock_guard lock{mutex_};
    reopen_requested_ = true;
  }
  wake_.notify_one();
}

void ThreadedSink::stop(std::chrono::milliseconds grace) {
  const std::lock_guard stopping{stop_mutex_};
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock{mutex_};
    stop_requested_ = true;
    stop_deadline_ = SteadyClock::now() + grace;
  }
  wake_.notify_one();
  thread_.join();
}

void ThreadedSink::run() {
  std::unique_ptr<Spool> spool;
  if (settings_.spool) {
    spool = std::make_unique<Spool>(spool_directory_, settings_.spool->max_bytes);
    publish(spool.get());
  }
  for (;;) {
    bool stopping = false;
    bool reopen = false;
    {
      std::unique_lock lock{mutex_};
      for (;;) {
        if (stop_requested_ || reopen_requested_) break;
        const bool waiting = !memory_.empty() || spool_frames_ > 0;
        if (!waiting) {
          wake_.wait(lock);
          continue;
        }
        if (up_) {
          // Batching by time: a batch not yet full waits until its first frame is `linger` old.
          const SteadyClock::time_point full_by = memory_since_ + settings_.linger;
          if (settings_.linger.count() > 0 && spool_frames_ == 0 &&
              memory_.size() < settings_.batch_size && SteadyClock::now() < full_by) {
            wake_.wait_until(lock, full_by);
            continue;
          }
          break;
        }
        // Down: wake for the next try, and to move what accept() queued to the spool.
        const SteadyClock::time_point now = SteadyClock::now();
        if (now >= retry_at_) break;
        SteadyClock::time_point until = retry_at_;
        if (spool && !memory_.empty()) {
          if (now >= next_spool_move_) break;
          until = std::min(until, next_spool_move_);
        }
        wake_.wait_until(lock, until);
      }
      stopping = stop_requested_;
      reopen = std::exchange(reopen_requested_, false);
    }

    if (reopen) {
      try {
        writer_->reopen();
      } catch (const std::exception& error) {
        LOG_WARNING("%s: reopening failed: %s", name_.c_str(), error.what());
      }
    }

    const SteadyClock::time_point now = SteadyClock::now();
    bool up = false;
    bool waiting = false;
    bool move = false;
    {
      const std::lock_guard lock{mutex_};
      up = up_;
      waiting = !memory_.empty() || spool_frames_ > 0;
      // Above its bound, or while down, memory goes to the spool: at most once an interval, should
      // the spool fail.
      move = spool && !memory_.empty() && now >= next_spool_move_ &&
             (memory_.size() > settings_.memory_bound || !up_);
    }
    if (stopping) {
      // Write on while the destination takes frames and the grace lasts.
      if (!up || !waiting || now >= stop_deadline_) break;
      write_once(spool.get());
      continue;
    }
    if (move) {
      move_memory_to_spool(*spool);
      next_spool_move_ = now + settings_.spool_interval;
    }
    if (!waiting || (!up && now < retry_at_)) continue;
    write_once(spool.get());
  }
  finish(spool.get());
}

WriteResult ThreadedSink::call_writer(std::span<const tic::Frame> frames) {
  try {
    return writer_->write(frames);
  } catch (const std::exception& error) {
    return WriteResult::unavailable(std::string{"the writer failed: "} + error.what());
  } catch (...) {
    return WriteResult::unavailable("the writer failed");
  }
}

void ThreadedSink::write_once(Spool* spool) {
  const bool from_spool = spool != nullptr && !spool->empty();
  batch_.clear();
  if (from_spool) {
    spool->read(settings_.batch_size, batch_);
    if (batch_.empty()) {
      // Only unreadable lines were left, or the spool cannot be read: then wait as if down.
      if (!spool->empty()) {
        went_down(spool->error().empty() ? "the spool cannot be read" : spool->error(), spool);
      }
      publish(spool);
      return;
    }
  } else {
    const std::lock_guard lock{mutex_};
    const std::size_t count = std::min(settings_.batch_size, memory_.size());
    if (count == 0) return;
    const auto end = memory_.begin() + static_cast<std::ptrdiff_t>(count);
    batch_.assign(std::make_move_iterator(memory_.begin()), std::make_move_iterator(end));
    memory_.erase(memory_.begin(), end);
    in_flight_ = count;
    in_flight_oldest_ = batch_.front().time();
  }

  const WriteResult result = call_writer(batch_);
  switch (result.status) {
    case WriteResult::Status::Written:
      if (from_spool) spool->consume(batch_.size());
      refusing_ = false;
      written(batch_.size(), from_spool ? 0 : batch_.size());
      publish(spool);
      return;
    case WriteResult::Status::Unavailable:
      went_down(result.error, spool);
      if (from_spool) {
        publish(spool);
      } else {
        put_back(spool, batch_);
      }
      return;
    case WriteResult::Status::Refused:
      if (batch_.size() == 1) {
        set_aside(spool, batch_.front(), result.error);
        if (from_spool) spool->consume(1);
        written(0, from_spool ? 0 : 1);
        publish(spool);
        return;
      }
      write_one_by_one(spool, from_spool, batch_);
      return;
  }
}

void ThreadedSink::write_one_by_one(Spool* spool, bool from_spool,
                                    std::span<const tic::Frame> frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const WriteResult result = call_writer(frames.subspan(i, 1));
    if (result.status == WriteResult::Status::Unavailable) {
      went_down(result.error, spool);
      if (from_spool) {
        publish(spool);
      } else {
        put_back(spool, frames.subspan(i));
      }
      return;
    }
    if (result.status == WriteResult::Status::Refused) set_aside(spool, frames[i], result.error);
    if (from_spool) spool->consume(1);
    written(result.status == WriteResult::Status::Written ? 1 : 0, from_spool ? 0 : 1);
    publish(spool);
  }
}

void ThreadedSink::set_aside(Spool* spool, const tic::Frame& frame, const std::string& error) {
  const bool kept = spool != nullptr && spool->reject(frame);
  {
    const std::lock_guard lock{mutex_};
    ++dropped_;
  }
  if (std::exchange(refusing_, true)) return;
  if (kept) {
    LOG_WARNING("%s: a frame was refused (%s); kept in %s", name_.c_str(), error.c_str(),
                (spool->directory() / "rejected.jsonl").c_str());
  } else {
    LOG_WARNING("%s: a frame was refused (%s); dropped", name_.c_str(), error.c_str());
  }
}

void ThreadedSink::put_back(Spool* spool, std::span<const tic::Frame> frames) {
  const std::size_t spooled = spool != nullptr ? spool->append(frames) : 0;
  const std::span<const tic::Frame> rest = frames.subspan(spooled);
  {
    const std::lock_guard lock{mutex_};
    memory_.insert(memory_.begin(), rest.begin(), rest.end());
    in_flight_ = 0;
    in_flight_oldest_.reset();
  }
  publish(spool);
}

void ThreadedSink::move_memory_to_spool(Spool& spool) {
  std::vector<tic::Frame> frames;
  {
    const std::lock_guard lock{mutex_};
    frames.assign(std::make_move_iterator(memory_.begin()), std::make_move_iterator(memory_.end()));
    memory_.clear();
    in_flight_ = frames.size();
    if (!frames.empty()) in_flight_oldest_ = frames.front().time();
  }
  put_back(&spool, frames);
}

void ThreadedSink::went_down(const std::string& error, const Spool* spool) {
  const SteadyClock::time_point now = SteadyClock::now();
  retry_at_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, settings_.last_retry);
  next_spool_move_ = now;
  bool was_up = false;
  {
    const std::lock_guard lock{mutex_};
    was_up = std::exchange(up_, false);
    problem_ = error;
  }
  if (!was_up) return;
  if (spool != nullptr) {
    LOG_WARNING("%s: cannot write (%s); frames go to the spool %s", name_.c_str(), error.c_str(),
                spool->directory().c_str());
  } else {
    LOG_WARNING("%s: cannot write (%s); frames wait in memory (%zu at most)", name_.c_str(),
                error.c_str(), kHardLimitFactor * settings_.memory_bound);
  }
}

void ThreadedSink::written(std::size_t count, std::size_t taken_from_memory) {
  backoff_ = settings_.first_retry;
  bool came_back = false;
  std::uint64_t waiting = 0;
  bool overflow_ended = false;
  std::uint64_t overflow_dropped = 0;
  {
    const std::lock_guard lock{mutex_};
    written_ += count;
    in_flight_ -= std::min(in_flight_, taken_from_memory);
    if (in_flight_ == 0) in_flight_oldest_.reset();
    came_back = !std::exchange(up_, true);
    if (came_back) problem_.clear();
    waiting = memory_.size() + spool_frames_;
    if (memory_overflowing_ && memory_.size() <= settings_.memory_bound) {
      memory_overflowing_ = false;
      overflow_ended = true;
      overflow_dropped = std::exchange(overflow_dropped_, 0);
    }
  }
  if (came_back) {
    LOG_INFO("%s: writing again; %llu frames waiting", name_.c_str(), as_ull(waiting));
  }
  if (overflow_ended) {
    LOG_INFO("%s: memory has room again; %llu frames were dropped", name_.c_str(),
             as_ull(overflow_dropped));
  }
}

void ThreadedSink::publish(Spool* spool) {
  if (spool == nullptr) return;
  const std::uint64_t frames = spool->frames();
  const std::optional<tic::Time> oldest = spool->oldest_time();
  const std::uint64_t lost = spool->dropped() + spool->unreadable();
  const std::lock_guard lock{mutex_};
  spool_frames_ = frames;
  spool_oldest_ = oldest;
  spool_lost_ = lost;
}

void ThreadedSink::finish(Spool* spool) {
  std::vector<tic::Frame> left;
  {
    const std::lock_guard lock{mutex_};
    stopped_ = true;
    left.assign(std::make_move_iterator(memory_.begin()), std::make_move_iterator(memory_.end()));
    memory_.clear();
    in_flight_ = left.size();
    if (!left.empty()) in_flight_oldest_ = left.front().time();
  }
  const std::size_t spooled = spool != nullptr ? spool->append(left) : 0;
  const std::size_t lost = left.size() - spooled;
  {
    const std::lock_guard lock{mutex_};
    in_flight_ = 0;
    in_flight_oldest_.reset();
    dropped_ += lost;
  }
  publish(spool);
  if (lost > 0) LOG_WARNING("%s: stopping; %zu frames were not written", name_.c_str(), lost);
  if (spool != nullptr && !spool->empty()) {
    LOG_INFO("%s: stopping; %llu frames wait in the spool %s", name_.c_str(),
             as_ull(spool->frames()), spool->directory().c_str());
  }
  try {
    writer_->close();
  } catch (const std::exception& error) {
    LOG_WARNING("%s: closing failed: %s", name_.c_str(), error.what());
  }
}

}  // namespace sink
