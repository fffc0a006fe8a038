// The simulated meter as a source (--source sim:historic|sim:standard): its frames go out byte
// by byte at the line's speed, back to back, as a meter sends them.
#pragma once

#include <string>

#include "bridge/simulator.h"
#include "bridge/source.h"

namespace bridge {

class SimulatorSource : public Source {
 public:
  SimulatorSource(tic::Mode mode, ByteSink& sink, std::uint64_t seed = 1);

  int fd() const override { return -1; }
  bool is_open() const override { return true; }  // driven by time alone, always producing
  Clock::time_point deadline() const override { return next_tick_; }
  void on_ready(short, Clock::time_point) override {}
  void on_timer(Clock::time_point now) override;
  std::string state() const override;

 private:
  Simulator simulator_;
  ByteSink& sink_;
  std::string frame_;  // the frame being sent
  std::size_t sent_ = 0;
  double owed_ = 0;
  Clock::time_point last_tick_;
  Clock::time_point next_tick_;
};

}  // namespace bridge
