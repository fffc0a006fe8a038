// Writes seeds for frame_json_fuzz: the frame JSON of the first frames of each capture given.
//
//   make_json_seeds OUT_DIR CAPTURE...     (tests/fuzz/run calls it on tests/data/frames/*)
//
// Files are named <capture>.<n>.json.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "tic/decoder.h"
#include "tic/frame_json.h"

namespace {

constexpr int kFramesPerCapture = 4;
const tic::Time kTime{std::chrono::milliseconds{1735689600000}};  // 2025-01-01T00:00:00Z

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: make_json_seeds OUT_DIR CAPTURE...\n";
    return 2;
  }
  const std::filesystem::path out_dir{argv[1]};
  std::filesystem::create_directories(out_dir);
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path capture{argv[i]};
    std::ifstream in{capture, std::ios::binary};
    const std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    int count = 0;
    tic::Decoder decoder{
        {}, [&](const tic::Frame& frame) {
          if (count >= kFramesPerCapture) return;
          const std::string name =
              capture.filename().string() + "." + std::to_string(count++) + ".json";
          std::ofstream{out_dir / name, std::ios::binary} << tic::to_frame_json(frame);
          ++written;
        }};
    decoder.push(bytes, kTime);
    decoder.finish(kTime);
  }
  std::cout << written << " seeds in " << out_dir.string() << '\n';
  return 0;
}
