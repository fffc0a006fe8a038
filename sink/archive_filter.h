// --archive-interval: which frames are archived. One frame per meter and interval, plus every
// frame where the meter says something that should not wait: the tariff period changed (PTEC in
// historic mode, NTARF or LTARF in standard mode) or the status register (STGE) did.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tic/frame.h"

namespace sink {

class ArchiveFilter {
 public:
  // Zero keeps every frame.
  explicit ArchiveFilter(std::chrono::milliseconds interval);

  // Whether to archive the frame, judged against the last frame kept for its meter
  // (frame.address()). Kept: the first frame of a meter; a frame whose TIME is `interval` or more
  // after the last kept one, or before it (the clock was set back); a frame whose PTEC, NTARF,
  // LTARF or STGE differs from the last value a kept frame had. A label missing from the frame
  // (its group failed a check) is no change. With an interval, historic three-phase short frames
  // (ADIR1-3, ADCO, IINST1-3, tic::FrameKind::Short) are not kept: they lack the indexes, and
  // come twenty to one with long frames while a phase is overloaded.
  bool keep(const tic::Frame& frame);

  std::chrono::milliseconds interval() const { return interval_; }

 private:
  struct Meter {
    tic::Time last_kept;
    // The last value of each watched label in a kept frame.
    std::map<std::string, std::string, std::less<>> watched;
  };

  std::chrono::milliseconds interval_;
  std::map<std::string, Meter, std::less<>> meters_;
};

}  // namespace sink
