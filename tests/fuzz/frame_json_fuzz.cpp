// libFuzzer target for the frame JSON reader: whatever tic::read_frame_json accepts must survive
// write_frame_json and a second read unchanged (Frame's operator==).
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTELEINFO_FUZZ=ON -DTELEINFO_SANITIZE=ON ...
//   cmake --build build-fuzz --target fuzzers && tests/fuzz/run build-fuzz 60
//
// Seeds are the frame JSON of the captures' frames, written by make_json_seeds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tic/frame.h"
#include "tic/frame_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json{reinterpret_cast<const char*>(data), size};
  tic::Frame frame;
  if (!tic::read_frame_json(json, frame).empty()) return 0;

  std::string written;
  tic::write_frame_json(frame, written);
  tic::Frame again;
  const std::string error = tic::read_frame_json(written, again);
  if (!error.empty() || !(again == frame)) __builtin_trap();
  return 0;
}
