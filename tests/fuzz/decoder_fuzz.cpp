// libFuzzer target for tic::Decoder: the input is pushed in chunks whose sizes (and reception
// times) come from its first bytes, then finish(); every frame is checked against the decoder's
// promises, and decoding the same bytes in one chunk must give the same frames.
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTELEINFO_FUZZ=ON -DTELEINFO_SANITIZE=ON ...
//   cmake --build build-fuzz --target fuzzers && tests/fuzz/run build-fuzz 60
//
// Input: byte 0 holds the count n (bits 0-2) of chunk-size bytes that follow, the forced mode
// (bits 3-4: 1 historic, 2 standard) and whether ADCO, ADSC and PJOURF+1 go unchecked (bit 5);
// the rest is the stream. A size byte s gives a chunk of s bytes (0: 4096), received (s - 100) *
// 10 ms after a fixed time.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tic/decoder.h"
#include "tic/frame.h"

namespace {

const tic::Time kBase{std::chrono::milliseconds{1735689600000}};  // 2025-01-01T00:00:00Z

void check(bool condition) {
  if (!condition) __builtin_trap();
}

bool printable(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

void check_frame(const tic::Frame& frame) {
  check(!frame.empty() && frame.size() <= tic::Frame::kMaxFields);
  for (const tic::Field& field : frame) {
    check(!field.label.empty() && printable(field.label));
    check(printable(field.raw));
    if (field.number) {
      std::uint64_t value = 0;
      check(!field.raw.empty() && field.raw.size() <= 19);
      for (const char c : field.raw) {
        check(c >= '0' && c <= '9');
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
      }
      check(value == *field.number);
    }
  }
  if (frame.kind() == tic::FrameKind::Short) check(tic::has_short_frame_labels(frame));
}

// Frame equality but for the time, which depends on when each chunk arrived.
bool same_content(const tic::Frame& a, const tic::Frame& b) {
  if (a.mode() != b.mode() || a.kind() != b.kind() || a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const tic::Field x = a[i];
    const tic::Field y = b[i];
    if (x.label != y.label || x.raw != y.raw || x.horodate_raw != y.horodate_raw ||
        x.number != y.number) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t size_bytes = std::min<std::size_t>(data[0] & 7u, size - 1);
  const std::span<const std::uint8_t> sizes{data + 1, size_bytes};
  const std::span<const std::uint8_t> stream{data + 1 + size_bytes, size - 1 - size_bytes};

  tic::DecoderOptions options;
  if (const unsigned mode = (data[0] >> 3) & 3u; mode == 1 || mode == 2) {
    options.mode = mode == 1 ? tic::Mode::Historic : tic::Mode::Standard;
  }
  if ((data[0] & 0x20u) != 0) options.unchecked_labels = {"ADCO", "ADSC", "PJOURF+1"};

  std::vector<tic::Frame> frames;
  std::size_t fields = 0;
  tic::Time last{};
  tic::Decoder chunked{options, [&](const tic::Frame& frame) {
                         check_frame(frame);
                         check(frame.time() > last);
                         last = frame.time();
                         fields += frame.size();
                         frames.push_back(frame);
                       }};
  tic::Time received = kBase;
  for (std::size_t at = 0, next = 0; at < stream.size(); ++next) {
    std::size_t chunk = stream.size() - at;
    if (!sizes.empty()) {
      const std::uint8_t s = sizes[next % sizes.size()];
      chunk = std::min<std::size_t>(s == 0 ? 4096 : s, chunk);
      received = kBase + std::chrono::milliseconds{(s - 100) * 10};
    }
    chunked.push(stream.subspan(at, chunk), received);
    at += chunk;
  }
  chunked.finish(received);
  const tic::DecoderStats& stats = chunked.stats();
  check(stats.frames == frames.size() && stats.bytes == stream.size());
  check(stats.groups >= fields);

  if (sizes.empty()) return 0;  // already decoded in one chunk
  std::size_t index = 0;
  tic::Decoder whole{options, [&](const tic::Frame& frame) {
                       check(index < frames.size() && same_content(frame, frames[index]));
                       ++index;
                     }};
  whole.push(stream, kBase);
  whole.finish(kBase);
  check(index == frames.size());
  const tic::DecoderStats& again = whole.stats();
  check(again.groups == stats.groups && again.bad_checksum == stats.bad_checksum &&
        again.bad_format == stats.bad_format && again.too_long == stats.too_long &&
        again.interrupted == stats.interrupted && again.unchecked == stats.unchecked);
  return 0;
}
