// Throughput of the TIC decoder and of the frame JSON, on real captures repeated to a few MB.
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
//   cmake --build build-bench --target tic_bench -j2
//   build-bench/bench/tic_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
//
// bench/README.md says what each benchmark measures and holds the figures. "frame_time" is the
// time per frame in seconds, printed with an SI prefix: 2.5u is 2.5 µs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tic/decoder.h"
#include "tic/frame.h"
#include "tic/frame_json.h"

namespace {

enum class Stream { Historic, Standard };

constexpr std::size_t kChunk = 4096;           // what a serial or file reader hands over
constexpr std::size_t kStreamBytes = 4 << 20;  // the capture repeated to about this size
constexpr std::uint8_t kStx = 0x02;
constexpr std::uint8_t kEtx = 0x03;

const tic::Time kTime{std::chrono::milliseconds{1735689600000}};  // 2025-01-01T00:00:00Z

std::string read_capture(std::string_view name) {
  const std::string path = std::string{TELEINFO_TEST_DATA} + "/frames/" + std::string{name};
  std::ifstream in{path, std::ios::binary};
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

// The capture from its first STX to its last ETX (whole frames only, so that the copies join
// seamlessly), repeated to about kStreamBytes.
std::string make_stream(std::string_view name) {
  const std::string capture = read_capture(name);
  const std::size_t first = capture.find(static_cast<char>(kStx));
  const std::size_t last = capture.rfind(static_cast<char>(kEtx));
  if (first == std::string::npos || last == std::string::npos || last < first) {
    throw std::runtime_error("no whole frame in " + std::string{name});
  }
  const std::string_view frames = std::string_view{capture}.substr(first, last + 1 - first);
  std::string stream;
  stream.reserve(kStreamBytes + frames.size());
  while (stream.size() < kStreamBytes)
    stream += frames;
  return stream;
}

const std::string& stream(Stream which) {
  static const std::string historic =
      make_stream("nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt");
  static const std::string standard = make_stream("hallard_tinfo_replay_stand_base_long.txt");
  return which == Stream::Historic ? historic : standard;
}

template <typename OnFrame>
std::uint64_t decode(std::string_view bytes, OnFrame on_frame) {
  tic::Decoder decoder{{}, on_frame};
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    decoder.push(bytes.substr(at, kChunk), kTime);
  }
  decoder.finish(kTime);
  return decoder.stats().frames;
}

// The 10th frame of the stream: the decoder has settled by then.
const tic::Frame& sample_frame(Stream which) {
  auto pick = [](Stream from) {
    tic::Frame frame;
    std::uint64_t seen = 0;
    decode(stream(from), [&](const tic::Frame& decoded) {
      if (++seen == 10) frame = decoded;
    });
    if (frame.empty()) throw std::runtime_error("no sample frame");
    return frame;
  };
  static const tic::Frame historic = pick(Stream::Historic);
  static const tic::Frame standard = pick(Stream::Standard);
  return which == Stream::Historic ? historic : standard;
}

void set_frame_counters(benchmark::State& state, std::uint64_t frames, std::size_t bytes) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["frames"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kAvgIterations);
  state.counters["frame_time"] = benchmark::Counter(
      static_cast<double>(frames), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The decoder alone: bytes in 4 KiB chunks, frames counted.
void BM_Decode(benchmark::State& state, Stream which) {
  const std::string& bytes = stream(which);
  std::uint64_t frames = 0;
  for (auto _ : state) {
    std::size_t fields = 0;
    frames += decode(bytes, [&fields](const tic::Frame& frame) { fields += frame.size(); });
    benchmark::DoNotOptimize(fields);
  }
  set_frame_counters(state, frames, bytes.size());
}

// The decoder, and every frame written as frame JSON into one reused string.
void BM_DecodeToJson(benchmark::State& state, Stream which) {
  const std::string& bytes = stream(which);
  std::string json;
  std::uint64_t frames = 0;
  for (auto _ : state) {
    std::size_t json_bytes = 0;
    frames += decode(bytes, [&](const tic::Frame& frame) {
      json.clear();
      tic::write_frame_json(frame, json);
      json_bytes += json.size();
    });
    benchmark::DoNotOptimize(json_bytes);
  }
  set_frame_counters(state, frames, bytes.size());
}

// One decoded frame written as frame JSON, again and again; bytes are JSON bytes.
void BM_WriteFrameJson(benchmark::State& state, Stream which) {
  const tic::Frame& frame = sample_frame(which);
  std::string json;
  for (auto _ : state) {
    json.clear();
    tic::write_frame_json(frame, json);
    benchmark::DoNotOptimize(json.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
  state.counters["fields"] = static_cast<double>(frame.size());
}

// The frame JSON reader on one frame's JSON; bytes are JSON bytes.
void BM_ReadFrameJson(benchmark::State& state, Stream which) {
  const std::string json = tic::to_frame_json(sample_frame(which));
  tic::Frame frame;
  for (auto _ : state) {
    const std::string error = tic::read_frame_json(json, frame);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
  state.counters["fields"] = static_cast<double>(frame.size());
}

// Min and max next to Google Benchmark's mean, median and stddev: the spread on a shared machine.
double min_of(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}
double max_of(const std::vector<double>& values) {
  return *std::max_element(values.begin(), values.end());
}
void with_spread(benchmark::internal::Benchmark* bench) {
  bench->ComputeStatistics("min", min_of)->ComputeStatistics("max", max_of);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Decode, historic, Stream::Historic)
    ->Apply(with_spread)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, standard, Stream::Standard)
    ->Apply(with_spread)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeToJson, historic, Stream::Historic)
    ->Apply(with_spread)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeToJson, standard, Stream::Standard)
    ->Apply(with_spread)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteFrameJson, historic, Stream::Historic)->Apply(with_spread);
BENCHMARK_CAPTURE(BM_WriteFrameJson, standard, Stream::Standard)->Apply(with_spread);
BENCHMARK_CAPTURE(BM_ReadFrameJson, historic, Stream::Historic)->Apply(with_spread);
BENCHMARK_CAPTURE(BM_ReadFrameJson, standard, Stream::Standard)->Apply(with_spread);

BENCHMARK_MAIN();
