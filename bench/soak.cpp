// The long soak: teleinfo-bridge for --minutes with a meter at --rate frames a second (200 times a
// Linky's pace by default), faults at random moments from --seed (the broker restarted, the dongle
// pulled out and plugged back, the meter silent, influxd asleep or restarted, and with --mysql
// MariaDB asleep), its memory and descriptors sampled every second (tests/support/soak.h). The
// fault suite runs the same for a minute in CI.
//
//   cmake -S . -B build-bench2 -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-bench2 --target soak teleinfo-bridge -j2
//   build-bench2/bench/soak --minutes 20 [--rate 200] [--seed 1] [--mysql] [--csv FILE]
//
// The warm-up brings each fault once, at its longest; then they come at random. It prints the
// faults as they come, a line a minute, then the figures and a verdict: every frame sent arrived
// on the stream and in the databases; the resident size's highest in the last quarter is within
// 1 MiB of the first quarter's (faults that overlap a backlog take a few minutes to reach the
// highest: the first quarter is the warm-up); the descriptors at the end are those before the
// first fault. Exit status 0
// when all hold, 1 when one does not or the run broke, 2 for a bad argument.
#include "support/soak.h"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

constexpr std::uint64_t kResidentGrowth = 1 << 20;

constexpr std::string_view kUsage =
    "usage: soak [--minutes N] [--rate FRAMES] [--seed N] [--fault-interval SECONDS] [--mysql] "
    "[--csv FILE]\n"
    "  --minutes N              how long the faults go on (20)\n"
    "  --rate FRAMES            frames a second on the line (200)\n"
    "  --seed N                 the faults' generator (1)\n"
    "  --fault-interval SECONDS a fault every this on average, one at a time (20)\n"
    "  --mysql                  also archive into MariaDB, and put it to sleep now and then\n"
    "  --csv FILE               every second's sample: seconds, RSS bytes, fds, threads, frames\n"
    "                           sent, frames received\n";

std::uint64_t parse_number(std::string_view name, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument(std::string{name} + ": not a positive number: '" +
                                std::string{text} + "'");
  }
  return value;
}

double megabytes(std::uint64_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  test::SoakSettings settings;
  settings.bridge = TELEINFO_BRIDGE;
  settings.duration = std::chrono::minutes{20};
  settings.mean_fault_interval = std::chrono::seconds{20};
  settings.progress = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  std::string csv;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view name = argv[i];
      if (name == "--help") {
        std::fputs(kUsage.data(), stdout);
        return 0;
      }
      if (name == "--mysql") {
        settings.mysql = true;
        continue;
      }
      if (i + 1 == argc) throw std::invalid_argument(std::string{name} + " needs a value");
      const std::string_view value = argv[++i];
      if (name == "--minutes") {
        settings.duration = std::chrono::minutes{parse_number(name, value)};
      } else if (name == "--rate") {
        settings.frames_per_second = static_cast<double>(parse_number(name, value));
      } else if (name == "--seed") {
        settings.seed = parse_number(name, value);
      } else if (name == "--fault-interval") {
        settings.mean_fault_interval = std::chrono::seconds{parse_number(name, value)};
      } else if (name == "--csv") {
        csv = value;
      } else {
        throw std::invalid_argument("unknown argument '" + std::string{name} + "'");
      }
    }
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "soak: %s\n%s", error.what(), kUsage.data());
    return 2;
  }

  std::printf(
      "soak: %s for %lld min, %.0f frames/s, a fault every %lld s on average, seed %llu%s\n",
      settings.bridge.c_str(), static_cast<long long>(settings.duration.count() / 60),
      settings.frames_per_second, static_cast<long long>(settings.mean_fault_interval.count()),
      static_cast<unsigned long long>(settings.seed), settings.mysql ? ", MariaDB too" : "");
  std::fflush(stdout);
  const test::SoakResult result = test::run_soak(settings);

  if (!csv.empty()) {
    std::ofstream file{csv};
    file << "seconds,resident_bytes,open_fds,threads,frames_sent,frames_received\n";
    for (const test::SoakSample& sample : result.samples) {
      file << sample.seconds << ',' << sample.resident_bytes << ',' << sample.open_fds << ','
           << sample.threads << ',' << sample.frames_sent << ',' << sample.frames_received << '\n';
    }
  }
  std::size_t faults = 0;
  std::printf("\nfaults injected:");
  for (const auto& [kind, count] : result.faults) {
    std::printf(" %s %zu;", kind.c_str(), count);
    faults += count;
  }
  constexpr double kAll = 1e9;
  const std::uint64_t warmup_high = test::max_resident(result.samples, 0, result.warmup_seconds);
  const std::uint64_t after_high = test::max_resident(result.samples, result.warmup_seconds, kAll);
  const double quarter = result.seconds / 4;
  std::printf(
      " %zu in all\n"
      "frames: %llu sent, %llu published, %llu received on the stream (%llu messages), %llu "
      "points in InfluxDB",
      faults, static_cast<unsigned long long>(result.frames_sent),
      static_cast<unsigned long long>(result.frames_published),
      static_cast<unsigned long long>(result.frames_received),
      static_cast<unsigned long long>(result.stream_messages),
      static_cast<unsigned long long>(result.points));
  if (settings.mysql) {
    std::printf(", %llu rows in MariaDB", static_cast<unsigned long long>(result.rows));
  }
  std::printf(
      "\nRSS: %.2f MB before the first fault, highest %.2f MB in the warm-up (to %.0f s) and %.2f "
      "MB after it; highest by quarter %.2f, %.2f, %.2f, %.2f MB; %.2f MB at the end\n"
      "open fds: %zu before the first fault, %zu at the end, %zu at most\n"
      "%.0f s in all (with the end's wait for every frame), exit status %d\n",
      megabytes(result.resident_at_start), megabytes(warmup_high), result.warmup_seconds,
      megabytes(after_high), megabytes(test::max_resident(result.samples, 0, quarter)),
      megabytes(test::max_resident(result.samples, quarter, 2 * quarter)),
      megabytes(test::max_resident(result.samples, 2 * quarter, 3 * quarter)),
      megabytes(test::max_resident(result.samples, 3 * quarter, kAll)),
      megabytes(result.resident_at_end), result.fds_at_start, result.fds_at_end,
      test::max_open_fds(result.samples, 0, kAll), result.seconds, result.exit_status);

  for (const std::string& change : result.fds_changed)
    std::printf("  descriptor %s\n", change.c_str());
  bool ok = true;
  const auto verdict = [&](bool holds, const char* what) {
    std::printf("  %-4s %s\n", holds ? "ok" : "FAIL", what);
    ok = ok && holds;
  };
  if (!result.failure.empty()) std::printf("BROKEN: %s\n", result.failure.c_str());
  verdict(result.failure.empty() && result.exit_status == 0, "the run went through, exit 0");
  verdict(result.frames_received == result.frames_sent &&
              result.frames_published == result.frames_sent &&
              result.points == result.frames_sent &&
              (!settings.mysql || result.rows == result.frames_sent),
          "every frame sent was published, received and stored once");
  const std::uint64_t first_quarter = test::max_resident(result.samples, 0, quarter);
  const std::uint64_t last_quarter = test::max_resident(result.samples, 3 * quarter, kAll);
  verdict(last_quarter <= first_quarter + kResidentGrowth,
          "RSS flat: the last quarter's highest <= the first quarter's + 1 MiB");
  verdict(result.fds_at_end == result.fds_at_start, "open fds at the end = before the first fault");
  if (!ok) std::printf("\nthe bridge's log:\n%s", result.bridge_log.c_str());
  return ok ? 0 : 1;
}
