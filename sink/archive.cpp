#include "sink/archive.h"

#include <system_error>
#include <thread>
#include <utility>

namespace sink {

Archive::Archive(std::chrono::milliseconds interval) : filter_(interval) {}

Archive::~Archive() {
  stop(std::chrono::milliseconds{0});
}

void Archive::add(std::unique_ptr<Sink> sink) {
  if (sink) sinks_.push_back(std::move(sink));
}

void Archive::archive(const tic::Frame& frame) {
  if (frame.address().empty()) {
    without_address_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!filter_.keep(frame)) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  kept_.fetch_add(1, std::memory_order_relaxed);
  for (const std::unique_ptr<Sink>& sink : sinks_)
    sink->accept(frame);
}

std::vector<Health> Archive::health() const {
  std::vector<Health> all;
  all.reserve(sinks_.size());
  for (const std::unique_ptr<Sink>& sink : sinks_)
    all.push_back(sink->health());
  return all;
}

void Archive::reopen() {
  for (const std::unique_ptr<Sink>& sink : sinks_)
    sink->reopen();
}

void Archive::stop(std::chrono::milliseconds grace) {
  if (sinks_.size() == 1) {
    sinks_.front()->stop(grace);
    return;
  }
  std::vector<std::thread> stoppers;
  stoppers.reserve(sinks_.size());
  for (const std::unique_ptr<Sink>& sink : sinks_) {
    try {
      stoppers.emplace_back([&sink, grace] { sink->stop(grace); });
    } catch (const std::system_error&) {
      sink->stop(grace);  // no thread to spare: this one waits its turn
    }
  }
  for (std::thread& stopper : stoppers)
    stopper.join();
}

}  // namespace sink
