// The Energy dashboard's guard (DESIGN.md, "Home Assistant"): an index is published only when it
// is plausible. Home Assistant takes an energy index that drops below 90 % of its last value as a
// meter reset, and a spike as energy drawn: either spoils the Energy dashboard for good. A few
// bad values pass the checksum (two swapped digits keep it), so each index value must be:
//   - no lower than the last one accepted, and
//   - no higher than the last one plus what the subscribed power could have drawn since, twice
//     over, plus a little for rounding.
// A new level that holds over several consecutive frames (a meter replaced, an index reset by
// Enedis) is accepted and logged. Values held back are counted, never replaced.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tic/frame.h"

namespace bridge {

class EnergyGuard {
 public:
  // Consecutive frames that must agree on a new level before it is taken.
  static constexpr unsigned kFramesToAcceptAJump = 3;

  // Checks every index of `frame`; the labels of those held back go into `held_back` (cleared
  // first). Indexes without a power bound (gas volume) are only checked for going down.
  void check(const tic::Frame& frame, std::vector<std::string_view>& held_back);

  std::uint64_t held_back() const { return held_back_; }
  std::uint64_t jumps_accepted() const { return jumps_accepted_; }

 private:
  struct Index {
    std::string label;
    std::uint64_t value = 0;   // last accepted
    double elapsed_hours = 0;  // since then, at least the line time of the frames in between
    // A new level seen in the last frames: its value and how many frames in a row agreed.
    std::optional<std::uint64_t> candidate;
    unsigned candidate_frames = 0;
  };

  // The subscribed power in VA: PREF (kVA) in standard mode, ISOUSC (A) × 200 VA per phase in
  // historic mode; nullopt when the frame says neither.
  static std::optional<double> subscribed_power(const tic::Frame& frame);

  std::vector<Index> indexes_;
  std::optional<tic::Time> last_time_;
  std::optional<double> power_va_;
  std::uint64_t held_back_ = 0;
  std::uint64_t jumps_accepted_ = 0;
};

}  // namespace bridge
