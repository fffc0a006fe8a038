#include "bridge/simulator_source.h"

namespace bridge {
namespace {

// Bytes go out in small bursts, as a serial driver hands them over.
constexpr auto kTick = std::chrono::milliseconds{50};

}  // namespace

SimulatorSource::SimulatorSource(tic::Mode mode, ByteSink& sink, std::uint64_t seed)
    : simulator_(mode, seed), sink_(sink), last_tick_(Clock::now()), next_tick_(last_tick_) {}

std::string SimulatorSource::state() const {
  return std::string{"simulating a "} +
         (simulator_.mode() == tic::Mode::Historic ? "historic" : "standard") + " meter " +
         simulator_.address();
}

void SimulatorSource::on_timer(Clock::time_point now) {
  owed_ += std::chrono::duration<double>(now - last_tick_).count() *
           tic::bytes_per_second(simulator_.mode());
  last_tick_ = now;
  next_tick_ = now + kTick;
  while (owed_ >= 1) {
    if (sent_ == frame_.size()) {
      frame_ = simulator_.frame(wall_clock_now());
      sent_ = 0;
    }
    const std::size_t count = std::min(frame_.size() - sent_, static_cast<std::size_t>(owed_));
    sink_.push(std::span{reinterpret_cast<const std::uint8_t*>(frame_.data()) + sent_, count},
               wall_clock_now());
    sent_ += count;
    owed_ -= static_cast<double>(count);
  }
}

}  // namespace bridge
