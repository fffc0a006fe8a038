// Frames of a real Linky that name themselves: frame n is frame n % 100 of a standard capture with
// its EAST group set to the first frame's EAST plus n (checksum made right), so that every message
// of the frame stream, every row and every point says which frame it came from; the frames' TIME
// does not, it is when the bridge read them. EAST grows by 1 Wh a frame, which the Energy
// dashboard's guard takes as plausible; the other indexes start again from the capture's values
// at each turn, moved up by what they grew in the capture, so that they never go down either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tic/frame.h"

namespace test {

// Frames back to back, and where each one ends.
struct FrameStream {
  std::string bytes;
  std::vector<std::size_t> frame_ends;  // the offset just past each frame's ETX
  std::uint64_t first = 0;              // the number of the first frame
};

class NumberedFrames {
 public:
  static constexpr std::string_view kCapture = "hallard_tinfo_replay_stand_base_long.txt";

  // Reads and decodes the capture, and checks that rebuilding its frames gives its bytes back.
  // Throws std::runtime_error when they do not.
  NumberedFrames();

  // Frame `number` as the meter sends it, STX to ETX.
  std::string frame(std::uint64_t number) const;
  // `count` frames numbered from `first` on.
  FrameStream make(std::uint64_t first, std::size_t count) const;

  // The number of a frame-stream message (frame JSON); nullopt when it carries none.
  std::optional<std::uint64_t> number_of(std::string_view payload) const;
  // The number of a frame whose EAST is `east` (a row, a point); nullopt when it is none of ours.
  std::optional<std::uint64_t> number_of_east(std::uint64_t east) const;
  // The EAST frame `number` carries.
  std::uint64_t east_of(std::uint64_t number) const { return base_ + number; }

  const std::string& address() const { return address_; }
  double bytes_per_frame() const { return bytes_per_frame_; }
  std::size_t distinct_frames() const { return frames_.size(); }

 private:
  std::vector<tic::Frame> frames_;
  std::map<std::string, std::uint64_t, std::less<>> index_growth_;  // by label, over the capture
  std::uint64_t base_ = 0;
  std::string address_;
  double bytes_per_frame_ = 0;
};

}  // namespace test
