// Test helpers: the captured frames under tests/data/frames, and decoding them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tic/decoder.h"
#include "tic/frame.h"

namespace test {

// The bytes of tests/data/frames/<name>.
std::string read_capture(std::string_view name);

// Every capture file name (the .txt, .raw and .bin files), sorted.
std::vector<std::string> capture_names();

struct Decoded {
  std::vector<tic::Frame> frames;
  tic::DecoderStats stats;
};

// Decodes `bytes` pushed in chunks of `chunk` bytes (0: all at once), then finish(). Every push
// says test_time(), so frame N is stamped test_time() + N ms, however the bytes were cut.
Decoded decode(std::string_view bytes, std::size_t chunk = 0, tic::DecoderOptions options = {});

// Decodes with random chunk sizes from 1 to `max_chunk`, from a fixed seed.
Decoded decode_in_random_chunks(std::string_view bytes, unsigned seed, std::size_t max_chunk);

// 2025-01-01T00:00:00Z.
tic::Time test_time();

// Every counter, "bytes=10727 frames=12 short_frames=0 ...": compare two of these to compare stats
// and see every counter when they differ.
std::string describe(const tic::DecoderStats& stats);

// The capture with the `label` group of frame `frame` (0 for the first) given `data` instead, with
// its checksum made right, as a corruption the checksum cannot see would leave it. The capture is
// returned unchanged when it has no such group.
std::string replace_group(std::string capture, std::size_t frame, std::string_view label,
                          std::string_view data, tic::Mode mode);

// The value of a number label in the frame; nullopt when the frame lacks it or it is not a number.
std::optional<std::uint64_t> number_of(const tic::Frame& frame, std::string_view label);

}  // namespace test
