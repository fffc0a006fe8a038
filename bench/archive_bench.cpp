// teleinfo-archive end to end, against the issues' targets (≥ 5,000 standard frames/s into
// MariaDB; ≥ 100,000 label values/s into InfluxDB): Debian's mosquitto and MariaDB (or, with
// --influx, InfluxDB 1.x) started on loopback in temporary folders, the real teleinfo-archive
// reading the frame stream, and the real teleinfo-bridge replaying a capture of standard frames at
// full speed into the broker. Measured: from the bridge's start to the moment the database holds
// every frame (SELECT COUNT(*) FROM frame, or SELECT count(ADSC) FROM teleinfo, every 20 ms), the
// archive's CPU time (all threads, /proc/<pid>/task/*/schedstat) and its peak RSS (VmHWM).
//
//   cmake -S . -B build-bench2 -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-bench2 --target archive_bench teleinfo-bridge teleinfo-archive -j2
//   build-bench2/bench/archive_bench            # 20,000 frames
//   build-bench2/bench/archive_bench --quick    # a smoke run: 1,000 frames
//   build-bench2/bench/archive_bench --influx   # the same into InfluxDB (also with --quick)
//   build-bench2/bench/archive_bench --json out.json   # the figures for bench/run's table too
//
// Exit status 0 whether the target is met or not (it is a benchmark); 1 when the run broke (a
// frame missing, a program failed), 2 for a bad argument.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "support/daemon.h"
#include "support/influxdb.h"
#include "support/mariadb.h"
#include "support/process.h"

namespace {

using Clock = std::chrono::steady_clock;

const std::string kArchive = TELEINFO_ARCHIVE;
const std::string kBridge = TELEINFO_BRIDGE;
// 100 frames of a Linky in standard mode (865 bytes a frame), repeated.
constexpr std::string_view kCapture = "hallard_tinfo_replay_stand_base_long.txt";
constexpr std::size_t kCaptureFrames = 100;
constexpr double kTargetFramesPerSecond = 5000;
constexpr double kTargetValuesPerSecond = 100'000;

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// CPU time of every thread of `pid` so far, in nanoseconds.
std::int64_t cpu_ns(pid_t pid) {
  std::int64_t total = 0;
  std::error_code error;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator{tasks, error}) {
    std::istringstream schedstat{read_text((task.path() / "schedstat").string())};
    std::int64_t runtime = 0;
    if (schedstat >> runtime) total += runtime;
  }
  return total;
}

// VmHWM of `pid`, in bytes.
std::uint64_t peak_rss(pid_t pid) {
  std::istringstream status{read_text("/proc/" + std::to_string(pid) + "/status")};
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// What a run measured, for --json.
struct Figures {
  bool influx = false;
  bool quick = false;
  std::size_t frames = 0;
  std::size_t labels = 0;  // per frame
  double seconds = 0;      // from the bridge's start to the last frame stored
  double bridge_seconds = 0;
  double cpu_us_per_frame = 0;
  std::uint64_t peak_rss = 0;
};

void write_json(const std::string& path, const Figures& figures) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> out{buffer};
  const auto frames = static_cast<double>(figures.frames);
  const double rate = frames / figures.seconds;
  out.StartObject();
  out.Key("benchmark");
  out.String("archive_bench");
  out.Key("database");
  out.String(figures.influx ? "influxdb" : "mariadb");
  out.Key("quick");
  out.Bool(figures.quick);
  out.Key("frames");
  out.Uint64(figures.frames);
  out.Key("labels_per_frame");
  out.Uint64(figures.labels);
  out.Key("seconds");
  out.Double(figures.seconds);
  out.Key("frames_per_second");
  out.Double(rate);
  out.Key("label_values_per_second");
  out.Double(rate * static_cast<double>(figures.labels));
  out.Key("bridge_frames_per_second");
  out.Double(frames / figures.bridge_seconds);
  out.Key("archive_cpu_us_per_frame");
  out.Double(figures.cpu_us_per_frame);
  out.Key("archive_peak_rss_bytes");
  out.Uint64(figures.peak_rss);
  out.EndObject();
  std::ofstream file{path};
  file << buffer.GetString() << '\n';
  if (!file.flush()) throw std::runtime_error{"cannot write " + path};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 20'000;
  bool influx = false;
  bool quick = false;
  std::string json_file;  // --json: the figures there too
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--quick") {
      frames = 1'000;
      quick = true;
    } else if (argument == "--influx") {
      influx = true;
    } else if (argument == "--json" && i + 1 < argc) {
      json_file = argv[++i];
    } else if (argument.starts_with("--json=")) {
      json_file = argument.substr(7);
    } else {
      std::fprintf(stderr,
                   "archive_bench: unknown argument %s\n"
                   "usage: archive_bench [--quick] [--influx] [--json FILE]\n",
                   argv[i]);
      return 2;
    }
  }
  try {
    test::TemporaryDirectory directory{"teleinfo-archive-bench"};
    const std::string capture = directory.file("capture.txt");
    {
      const std::string once = test::read_capture(kCapture);
      std::ofstream out{capture, std::ios::binary};
      for (std::size_t i = 0; i < frames / kCaptureFrames; ++i)
        out << once;
    }
    const std::string config = directory.file("empty.conf");
    std::ofstream{config};

    // The broker queues what the archiver has not taken yet without limit: the bridge publishes
    // faster than the databases write for a while, and mosquitto's default drops beyond 1,000.
    test::BrokerOptions broker_options;
    broker_options.max_queued_messages = 0;
    test::Broker broker{broker_options};
    std::optional<test::MariaDb> mariadb;
    std::optional<test::InfluxDb> influxdb;
    std::map<std::string, std::string> environment = {{"TELEINFO_CONFIG", config}};
    std::vector<std::string> arguments = {"--mqtt-url",    broker.url(),  "--mqtt-client-id",
                                          "archive-bench", "--spool-dir", directory.file("spool")};
    if (influx) {
      influxdb.emplace();
      influxdb->create_database("bench");
      arguments.insert(arguments.end(), {"--influx-url", influxdb->url(), "--influx-db", "bench"});
    } else {
      mariadb.emplace();
      environment["TELEINFO_MYSQL_PASSWORD"] = mariadb->create_database("bench");
      arguments.emplace_back("--mysql-url");
      arguments.push_back(mariadb->url("bench"));
    }
    const auto stored = [&]() -> std::size_t {
      if (influx) {
        // {"results":[{"statement_id":0,"series":[{..."values":[[0,20000]]}]}]}. ADSC: every
        // frame of the stream has it, where the bridge holds back the indexes of a replay that
        // starts again from its first frame (the Energy dashboard's guard).
        const std::string json = influxdb->query("bench", "SELECT count(ADSC) FROM teleinfo");
        const std::size_t values = json.find("\"values\":[[");
        if (values == std::string::npos) return 0;
        const std::size_t comma = json.find(',', values);
        return std::stoul(json.substr(comma + 1));
      }
      return std::stoul(mariadb->query("SELECT COUNT(*) FROM bench.frame").at(0).at(0).value());
    };

    test::Daemon archive{kArchive, arguments, environment};
    if (!archive.wait_for_err("reading ")) throw std::runtime_error{archive.err()};

    const std::size_t labels = test::decode(test::read_capture(kCapture)).frames.at(0).size();
    std::printf(
        "teleinfo-archive end to end: %s (file, full speed) -> mosquitto -> %s -> "
        "%s (loopback)\n%zu standard frames of %zu labels (%s, 100 frames in turn), %u "
        "CPUs online\n",
        kBridge.c_str(), kArchive.c_str(), influx ? "InfluxDB 1.x" : "MariaDB", frames, labels,
        std::string{kCapture}.c_str(), std::thread::hardware_concurrency());
    std::fflush(stdout);

    const std::int64_t cpu_before = cpu_ns(archive.pid());
    const Clock::time_point start = Clock::now();
    const test::ProcessResult published = test::run_process(
        kBridge,
        {"--source", "file:" + capture, "--mqtt-url", broker.url(), "--ha-discovery=false"},
        environment);
    const Clock::time_point bridge_done = Clock::now();
    if (published.exit_status != 0) throw std::runtime_error{"the bridge failed: " + published.err};

    std::size_t rows = 0;
    const Clock::time_point failsafe = Clock::now() + std::chrono::minutes{5};
    while (rows < frames) {
      rows = stored();
      if (rows >= frames) break;
      if (Clock::now() > failsafe) {
        throw std::runtime_error{std::to_string(rows) + " frames of " + std::to_string(frames) +
                                 " after 5 minutes: " + archive.err() + broker.log()};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    const Clock::time_point end = Clock::now();
    const std::int64_t cpu = cpu_ns(archive.pid()) - cpu_before;
    const std::uint64_t rss = peak_rss(archive.pid());
    if (archive.stop(SIGTERM) != 0) throw std::runtime_error{"teleinfo-archive: " + archive.err()};

    const double seconds = std::chrono::duration<double>(end - start).count();
    const double bridge_seconds = std::chrono::duration<double>(bridge_done - start).count();
    const double rate = static_cast<double>(frames) / seconds;
    std::printf("bridge published every frame in %.2f s (%.0f frames/s)\n", bridge_seconds,
                static_cast<double>(frames) / bridge_seconds);
    if (influx) {
      const double values = rate * static_cast<double>(labels);
      std::printf("%-46s %10.0f\n", "frames/s into InfluxDB, end to end", rate);
      std::printf("%-46s %10.0f   target >= %.0f   %s\n", "label values/s into InfluxDB", values,
                  kTargetValuesPerSecond, values >= kTargetValuesPerSecond ? "PASS" : "MISS");
    } else {
      std::printf("%-46s %10.0f   target >= %.0f   %s\n", "frames/s into MariaDB, end to end", rate,
                  kTargetFramesPerSecond, rate >= kTargetFramesPerSecond ? "PASS" : "MISS");
    }
    std::printf("%-46s %10zu\n", "frames stored", rows);
    std::printf("%-46s %10.1f\n", "teleinfo-archive CPU per frame (µs)",
                static_cast<double>(cpu) / 1000.0 / static_cast<double>(frames));
    std::printf("%-46s %10.2f\n", "teleinfo-archive peak RSS (MB)", static_cast<double>(rss) / 1e6);
    if (!json_file.empty()) {
      write_json(json_file, {.influx = influx,
                             .quick = quick,
                             .frames = frames,
                             .labels = labels,
                             .seconds = seconds,
                             .bridge_seconds = bridge_seconds,
                             .cpu_us_per_frame =
                                 static_cast<double>(cpu) / 1000.0 / static_cast<double>(frames),
                             .peak_rss = rss});
    }
    return rows == frames ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "archive_bench: broken: %s\n", error.what());
    return 1;
  }
}
