#include "support/captures.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "tic/group.h"

namespace test {
namespace {

const std::filesystem::path kFrames = std::filesystem::path{TELEINFO_TEST_DATA} / "frames";

}  // namespace

tic::Time test_time() {
  return tic::Time{std::chrono::milliseconds{1735689600000}};
}

std::string read_capture(std::string_view name) {
  std::ifstream in{kFrames / name, std::ios::binary};
  if (!in) throw std::runtime_error("cannot read capture " + std::string{name});
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<std::string> capture_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator{kFrames}) {
    const std::string name = entry.path().filename().string();
    if (name != "README.md") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Decoded decode(std::string_view bytes, std::size_t chunk, tic::DecoderOptions options) {
  Decoded out;
  tic::Decoder decoder{std::move(options),
                       [&out](const tic::Frame& frame) { out.frames.push_back(frame); }};
  if (chunk == 0) chunk = std::max<std::size_t>(bytes.size(), 1);
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    decoder.push(bytes.substr(at, chunk), test_time());
  }
  decoder.finish(test_time());
  out.stats = decoder.stats();
  return out;
}

std::string describe(const tic::DecoderStats& stats) {
  std::ostringstream out;
  out << "bytes=" << stats.bytes << " frames=" << stats.frames
      << " short_frames=" << stats.short_frames << " groups=" << stats.groups
      << " bad_checksum=" << stats.bad_checksum << " bad_format=" << stats.bad_format
      << " too_long=" << stats.too_long << " interrupted=" << stats.interrupted
      << " skipped_bytes=" << stats.skipped_bytes << " unchecked=" << stats.unchecked;
  return out.str();
}

std::optional<std::uint64_t> number_of(const tic::Frame& frame, std::string_view label) {
  const std::optional<tic::Field> field = frame.find(label);
  if (!field) return std::nullopt;
  return field->number;
}

Decoded decode_in_random_chunks(std::string_view bytes, unsigned seed, std::size_t max_chunk) {
  Decoded out;
  tic::Decoder decoder{{}, [&out](const tic::Frame& frame) { out.frames.push_back(frame); }};
  std::mt19937 random{seed};
  std::uniform_int_distribution<std::size_t> size{1, max_chunk};
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t chunk = std::min(size(random), bytes.size() - at);
    decoder.push(bytes.substr(at, chunk), test_time());
    at += chunk;
  }
  decoder.finish(test_time());
  out.stats = decoder.stats();
  return out;
}

std::string replace_group(std::string capture, std::size_t frame, std::string_view label,
                          std::string_view data, tic::Mode mode) {
  const std::string start = '\n' + std::string{label} + (mode == tic::Mode::Standard ? '\t' : ' ');
  std::size_t at = std::string::npos;
  for (std::size_t seen = 0; seen <= frame; ++seen) {
    at = capture.find(start, at == std::string::npos ? 0 : at + 1);
    if (at == std::string::npos) return capture;
  }
  const std::size_t end = capture.find('\r', at);
  if (end == std::string::npos) return capture;
  capture.replace(at + 1, end - at - 1, tic::encode_group(mode, label, data));
  return capture;
}

}  // namespace test
