// The README's performance table from the benchmarks' own JSON output, with the machine it was
// measured on: what bench/run prints. Each figure, its target (the issues' targets, the same as
// the benchmarks' own PASS/FAIL lines), the value measured and whether it meets the target.
//
//   bench_report [--tic FILE] [--bridge FILE] [--mariadb FILE] [--influxdb FILE] [--quick]
//                [--load-before "1.02 0.80 0.75"] [--json FILE]
//
// --tic is Google Benchmark's JSON (tic_bench --benchmark_out_format=json), --bridge
// bridge_bench --json, --mariadb and --influxdb archive_bench --json. A file not given leaves its
// rows out. --load-before is /proc/loadavg's first three fields when the benchmarks started: a busy
// machine is said under the table. Exit status 0 whether the targets are met or not; 1 when a file
// cannot be read or lacks a figure; 2 for a bad argument.
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

// The issues' targets.
constexpr double kTargetDecoderMegabytesPerSecond = 500;
constexpr double kTargetDecodeToJsonMicroseconds = 5;
constexpr double kTargetBridgeFramesPerSecond = 5000;
constexpr double kTargetBridgeCpuMicroseconds = 50;
constexpr double kTargetBridgePeakRssMegabytes = 8;
constexpr double kTargetLatencyMilliseconds = 2;
constexpr double kTargetArchiveFramesPerSecond = 5000;
constexpr double kTargetInfluxValuesPerSecond = 100'000;

constexpr std::string_view kUsage =
    "usage: bench_report [--tic FILE] [--bridge FILE] [--mariadb FILE] [--influxdb FILE] "
    "[--quick] [--load-before LOADAVG] [--json FILE]\n";

// A file that cannot be read, or lacks what a row needs.
class BadInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Row {
  std::string figure;
  std::string target;  // empty: none
  std::string measured;
  std::optional<bool> met;  // nullopt: no target
};

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  if (!in) throw BadInput{"cannot read " + path};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

rapidjson::Document read_json(const std::string& path) {
  rapidjson::Document document;
  const std::string text = read_text(path);
  document.Parse(text.c_str(), text.size());
  if (document.HasParseError() || !document.IsObject()) throw BadInput{path + ": not JSON"};
  return document;
}

// The number at `path` ("full_speed.latency_ms.p50") in `object`.
double number(const rapidjson::Value& object, std::string_view path, const std::string& file) {
  const rapidjson::Value* value = &object;
  std::string_view rest = path;
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    const std::string key{rest.substr(0, dot)};
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    if (!value->IsObject() || !value->HasMember(key.c_str())) {
      throw BadInput{file + ": no " + std::string{path}};
    }
    value = &(*value)[key.c_str()];
  }
  if (!value->IsNumber()) throw BadInput{file + ": " + std::string{path} + " is not a number"};
  return value->GetDouble();
}

// `value` with `decimals` decimals and thousands separated by commas: 16,106.
std::string format(double value, int decimals) {
  char text[64];
  const int length = std::snprintf(text, sizeof text, "%.*f", decimals, value);
  const std::size_t size =
      length < 0 ? 0 : std::min(static_cast<std::size_t>(length), sizeof text - 1);
  const std::string_view digits{text, size};
  const std::size_t sign = digits.starts_with('-') ? 1 : 0;
  const std::size_t point = std::min(digits.find('.'), digits.size());
  std::string result{digits.substr(0, sign)};
  for (std::size_t at = sign; at < point; ++at) {
    if (at > sign && (point - at) % 3 == 0) result += ',';
    result += digits[at];
  }
  result += digits.substr(point);
  return result;
}

// Google Benchmark's figures of one benchmark: its median over the repetitions, with the
// minimum and maximum (tic_bench's _min and _max aggregates), or the one run without repetitions.
struct Spread {
  double median = 0;
  std::optional<double> low;
  std::optional<double> high;
};

Spread counter(const rapidjson::Document& tic, std::string_view benchmark, const char* name,
               const std::string& file) {
  std::map<std::string, double> by_aggregate;
  for (const rapidjson::Value& run : tic["benchmarks"].GetArray()) {
    if (!run.IsObject() || !run.HasMember("run_name") || !run["run_name"].IsString() ||
        run["run_name"].GetString() != benchmark || !run.HasMember(name) || !run[name].IsNumber()) {
      continue;
    }
    const std::string aggregate =
        run.HasMember("aggregate_name") && run["aggregate_name"].IsString()
            ? run["aggregate_name"].GetString()
            : "";
    by_aggregate[aggregate] = run[name].GetDouble();
  }
  Spread spread;
  if (const auto median = by_aggregate.find("median"); median != by_aggregate.end()) {
    spread.median = median->second;
    if (by_aggregate.contains("min")) spread.low = by_aggregate["min"];
    if (by_aggregate.contains("max")) spread.high = by_aggregate["max"];
  } else if (const auto single = by_aggregate.find(""); single != by_aggregate.end()) {
    spread.median = single->second;
  } else {
    throw BadInput{file + ": no " + std::string{name} + " for " + std::string{benchmark}};
  }
  return spread;
}

// "565 [550 – 570]": the median, and the spread when there is one. `scale` converts units.
std::string spread_text(const Spread& spread, double scale, int decimals) {
  std::string text = format(spread.median * scale, decimals);
  if (spread.low && spread.high) {
    text += " [" + format(*spread.low * scale, decimals) + " – " +
            format(*spread.high * scale, decimals) + "]";
  }
  return text;
}

void add_decoder_rows(const std::string& file, std::vector<Row>& rows) {
  const rapidjson::Document tic = read_json(file);
  if (!tic.HasMember("benchmarks") || !tic["benchmarks"].IsArray()) {
    throw BadInput{file + ": no benchmarks"};
  }
  // The min and max of a rate and of a time per frame come from different repetitions, so the
  // slowest MB/s is not the slowest time per frame: each column has its own spread.
  for (const auto& [stream, name] : {std::pair{"standard", "standard frames (865 B)"},
                                     std::pair{"historic", "historic frames (170 B)"}}) {
    const std::string benchmark = std::string{"BM_Decode/"} + stream;
    const Spread rate = counter(tic, benchmark, "bytes_per_second", file);
    const Spread frame = counter(tic, benchmark, "frame_time", file);
    rows.push_back({std::string{"decoder alone, "} + name + ", MB/s (µs a frame)",
                    "≥ " + format(kTargetDecoderMegabytesPerSecond, 0),
                    spread_text(rate, 1e-6, 0) + " (" + spread_text(frame, 1e6, 2) + ")",
                    rate.median / 1e6 >= kTargetDecoderMegabytesPerSecond});
  }
  const Spread to_json = counter(tic, "BM_DecodeToJson/standard", "frame_time", file);
  rows.push_back({"decoder + frame JSON, a standard frame, µs",
                  "< " + format(kTargetDecodeToJsonMicroseconds, 0), spread_text(to_json, 1e6, 2),
                  to_json.median * 1e6 < kTargetDecodeToJsonMicroseconds});
}

void add_bridge_rows(const std::string& file, std::vector<Row>& rows) {
  const rapidjson::Document bridge = read_json(file);
  auto get = [&](std::string_view path) { return number(bridge, path, file); };
  const double frames_per_second = get("full_speed.frames_per_second");
  rows.push_back({"bridge: standard frames/s at full speed, none lost",
                  "≥ " + format(kTargetBridgeFramesPerSecond, 0), format(frames_per_second, 0),
                  frames_per_second >= kTargetBridgeFramesPerSecond});
  const double cpu = get("full_speed.cpu_us_per_frame");
  rows.push_back({"bridge: CPU per frame at full speed (all threads), µs",
                  "≤ " + format(kTargetBridgeCpuMicroseconds, 0),
                  format(cpu, 1) + " (reading " +
                      format(get("full_speed.reading_thread_cpu_us_per_frame"), 1) + ", MQTT " +
                      format(get("full_speed.other_threads_cpu_us_per_frame"), 1) + ")",
                  cpu <= kTargetBridgeCpuMicroseconds});
  const double rss = get("peak_rss_bytes") / 1e6;
  rows.push_back({"bridge: peak RSS (VmHWM), MB", "≤ " + format(kTargetBridgePeakRssMegabytes, 0),
                  format(rss, 2), rss <= kTargetBridgePeakRssMegabytes});
  rows.push_back({"bridge: PSS / USS after the full-speed run, MB", "",
                  format(get("full_speed.pss_bytes") / 1e6, 2) + " / " +
                      format(get("full_speed.uss_bytes") / 1e6, 2),
                  std::nullopt});
  const double p50 = get("real_cadence.latency_ms.p50");
  rows.push_back(
      {"bridge: latency at 9600 Bd, last byte of a frame to the subscriber, p50 / p99, "
       "ms",
       "p50 ≤ " + format(kTargetLatencyMilliseconds, 0),
       format(p50, 2) + " / " + format(get("real_cadence.latency_ms.p99"), 2),
       p50 <= kTargetLatencyMilliseconds});
}

void add_archive_rows(const std::string& mariadb_file, const std::string& influxdb_file,
                      std::vector<Row>& rows) {
  std::optional<rapidjson::Document> mariadb, influxdb;
  if (!mariadb_file.empty()) mariadb = read_json(mariadb_file);
  if (!influxdb_file.empty()) influxdb = read_json(influxdb_file);
  if (mariadb) {
    const double rate = number(*mariadb, "frames_per_second", mariadb_file);
    rows.push_back({"archive: standard frames/s into MariaDB, end to end (bridge's rate)",
                    "≥ " + format(kTargetArchiveFramesPerSecond, 0),
                    format(rate, 0) + " (" +
                        format(number(*mariadb, "bridge_frames_per_second", mariadb_file), 0) + ")",
                    rate >= kTargetArchiveFramesPerSecond});
  }
  if (influxdb) {
    const double values = number(*influxdb, "label_values_per_second", influxdb_file);
    rows.push_back({"archive: label values/s into InfluxDB, end to end (frames/s)",
                    "≥ " + format(kTargetInfluxValuesPerSecond, 0),
                    format(values, 0) + " (" +
                        format(number(*influxdb, "frames_per_second", influxdb_file), 0) + ")",
                    values >= kTargetInfluxValuesPerSecond});
  }
  // teleinfo-archive's own costs, for MariaDB then InfluxDB.
  std::string cpu, rss;
  for (const auto& [document, file] :
       {std::pair{&mariadb, &mariadb_file}, std::pair{&influxdb, &influxdb_file}}) {
    if (!*document) continue;
    if (!cpu.empty()) {
      cpu += " / ";
      rss += " / ";
    }
    cpu += format(number(**document, "archive_cpu_us_per_frame", *file), 1);
    rss += format(number(**document, "archive_peak_rss_bytes", *file) / 1e6, 1);
  }
  if (cpu.empty()) return;
  const std::string which = mariadb && influxdb ? "MariaDB / InfluxDB"
                            : mariadb           ? "MariaDB"
                                                : "InfluxDB";
  rows.push_back({"teleinfo-archive CPU per frame, " + which + ", µs", "", cpu, std::nullopt});
  rows.push_back({"teleinfo-archive peak RSS, " + which + ", MB", "", rss, std::nullopt});
}

// ---------------------------------------------------------------------------------------------
// The machine

// The value of the first "key : value" line of /proc/cpuinfo or /proc/meminfo with this key.
std::optional<std::string> field_of(const std::string& text, std::string_view key) {
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string_view name = std::string_view{line}.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
      name.remove_suffix(1);
    if (name != key) continue;
    const std::size_t value = line.find_first_not_of(" \t", colon + 1);
    return value == std::string::npos ? std::string{} : line.substr(value);
  }
  return std::nullopt;
}

// The first line of a file, or `otherwise`.
std::string first_line(const std::string& path, std::string otherwise) {
  std::ifstream in{path};
  std::string line;
  return std::getline(in, line) ? line : otherwise;
}

// PRETTY_NAME of /etc/os-release ("Debian GNU/Linux 12 (bookworm)"), without its quotes.
std::string system_name() {
  std::ifstream in{"/etc/os-release"};
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("PRETTY_NAME=")) continue;
    std::string name = line.substr(12);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    return name;
  }
  return "unknown system";
}

std::string file_or_empty(const std::string& path) {
  try {
    return read_text(path);
  } catch (const BadInput&) {
    return {};
  }
}

using Facts = std::vector<std::pair<std::string, std::string>>;

// /proc/loadavg's first three fields: the load averages over 1, 5 and 15 minutes.
std::string load_average() {
  std::istringstream load{first_line("/proc/loadavg", "? ? ?")};
  std::string one, five, fifteen;
  load >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

Facts machine(const std::string& load_before) {
  Facts facts;
  const std::string cpuinfo = file_or_empty("/proc/cpuinfo");
  // x86 says "model name"; ARM says "Model" (the board) or nothing but "CPU part".
  const std::string model =
      field_of(cpuinfo, "model name").value_or(field_of(cpuinfo, "Model").value_or("?"));
  std::string cpu = std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " × " + model;
  if (const auto mhz = field_of(cpuinfo, "cpu MHz")) cpu += ", " + *mhz + " MHz";
  if (const auto flags = field_of(cpuinfo, "flags");
      flags && (" " + *flags + " ").find(" hypervisor ") != std::string::npos) {
    cpu += ", a virtual machine";
  }
  facts.emplace_back("CPU", cpu);
  if (const auto total = field_of(file_or_empty("/proc/meminfo"), "MemTotal")) {
    facts.emplace_back("memory", format(std::stod(*total) / 1024 / 1024, 1) + " GiB");
  }
  utsname system{};
  if (::uname(&system) == 0) {
    facts.emplace_back("kernel",
                       std::string{system.sysname} + " " + system.release + " " + system.machine);
  }
  facts.emplace_back("system",
                     system_name() + ", Debian " + first_line("/etc/debian_version", "?"));
#if defined(__clang__)
  facts.emplace_back("compiler", std::string{"clang "} + __clang_version__);
#elif defined(__GNUC__)
  facts.emplace_back("compiler", std::string{"g++ "} + __VERSION__);
#endif
  // The flags of the build folder bench/run used: the benchmarks and this program share them.
  facts.emplace_back("build", std::string{TELEINFO_BUILD_TYPE} + ": " + TELEINFO_CXX_FLAGS);
  if (!load_before.empty()) {
    facts.emplace_back("load average (1, 5, 15 min) before the benchmarks", load_before);
  }
  facts.emplace_back("load average (1, 5, 15 min) after them", load_average());
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  facts.emplace_back("date", date);
  return facts;
}

// ---------------------------------------------------------------------------------------------
// The output

std::string verdict(const std::optional<bool>& met) {
  if (!met) return "";
  return *met ? "pass" : "**miss**";
}

// A machine busy with other work when the benchmarks started: its load average over a minute
// above half its CPUs.
bool busy(const std::string& load_before) {
  double one_minute = 0;
  std::istringstream{load_before} >> one_minute;
  return one_minute > 0.5 * static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
}

void print_table(const std::vector<Row>& rows, const Facts& facts, bool quick,
                 const std::string& load_before) {
  if (quick) {
    std::printf(
        "Quick run (--quick: a smoke test, small runs dominated by start-up): the figures are "
        "not comparable with the targets.\n\n");
  }
  std::printf("| figure | target | measured | result |\n|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf("| %s | %s | %s | %s |\n", row.figure.c_str(), row.target.c_str(),
                row.measured.c_str(), verdict(row.met).c_str());
  }
  if (busy(load_before)) {
    std::printf(
        "\nThe machine was busy when the benchmarks started (load average %s over 1, 5 and 15 "
        "minutes, %ld CPUs): throughput and latency are lower and noisier than on a quiet "
        "machine. Memory figures are not affected.\n",
        load_before.c_str(), ::sysconf(_SC_NPROCESSORS_ONLN));
  }
  std::printf("\nMachine:\n\n");
  for (const auto& [name, value] : facts)
    std::printf("- %s: %s\n", name.c_str(), value.c_str());
}

void write_json(const std::string& path, const std::vector<Row>& rows, const Facts& facts,
                bool quick) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> out{buffer};
  out.StartObject();
  out.Key("quick");
  out.Bool(quick);
  out.Key("figures");
  out.StartArray();
  for (const Row& row : rows) {
    out.StartObject();
    out.Key("figure");
    out.String(row.figure.c_str());
    out.Key("target");
    out.String(row.target.c_str());
    out.Key("measured");
    out.String(row.measured.c_str());
    out.Key("met");
    if (row.met) {
      out.Bool(*row.met);
    } else {
      out.Null();
    }
    out.EndObject();
  }
  out.EndArray();
  out.Key("machine");
  out.StartObject();
  for (const auto& [name, value] : facts) {
    out.Key(name.c_str());
    out.String(value.c_str());
  }
  out.EndObject();
  out.EndObject();
  std::ofstream file{path};
  file << buffer.GetString() << '\n';
  if (!file.flush()) throw BadInput{"cannot write " + path};
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> files;  // --tic, --bridge, --mariadb, --influxdb, --json
  std::string load_before;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    std::string name = argument;
    if (name == "--quick") {
      quick = true;
      continue;
    }
    std::string value;
    if (const std::size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    if (name == "--load-before") {
      load_before = value;
      continue;
    }
    if (name != "--tic" && name != "--bridge" && name != "--mariadb" && name != "--influxdb" &&
        name != "--json") {
      std::fprintf(stderr, "bench_report: unknown argument %s\n%s", argument.c_str(),
                   kUsage.data());
      return 2;
    }
    if (value.empty()) {
      std::fprintf(stderr, "bench_report: %s needs a file\n%s", name.c_str(), kUsage.data());
      return 2;
    }
    files[name.substr(2)] = value;
  }
  try {
    std::vector<Row> rows;
    if (files.contains("tic")) add_decoder_rows(files["tic"], rows);
    if (files.contains("bridge")) add_bridge_rows(files["bridge"], rows);
    add_archive_rows(files["mariadb"], files["influxdb"], rows);
    const Facts facts = machine(load_before);
    print_table(rows, facts, quick, load_before);
    if (files.contains("json")) write_json(files["json"], rows, facts, quick);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_report: %s\n", error.what());
    return 1;
  }
  return 0;
}
