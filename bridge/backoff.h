// Retry delays for whatever the bridge reconnects to (serial port, TCP server, broker): 1 s, then
// doubling up to a cap, back to 1 s after a success.
#pragma once

#include <algorithm>
#include <chrono>

namespace bridge {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  explicit Backoff(Duration first = std::chrono::seconds{1},
                   Duration cap = std::chrono::seconds{60})
      : first_(first), cap_(cap), next_(first) {}

  // The delay before the next attempt; each call doubles the one after.
  Duration next() {
    const Duration delay = next_;
    next_ = std::min(next_ * 2, cap_);
    return delay;
  }
  void reset() { next_ = first_; }

 private:
  Duration first_;
  Duration cap_;
  Duration next_;
};

}  // namespace bridge
