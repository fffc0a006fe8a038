// /metrics in the Prometheus text exposition format 0.0.4:
//
//   # HELP teleinfo_bytes_read_total Bytes read from the source.
//   # TYPE teleinfo_bytes_read_total counter
//   teleinfo_bytes_read_total{source="/dev/ttyAMA0",meter="021861348497"} 10727
//
// Every family's HELP and TYPE lines come once, before its samples, and all of a family's samples
// come together (the format requires it). Label values escape backslash, double quote and line
// feed; HELP texts escape backslash and line feed. Integers are written as integers, seconds with
// three decimals; a value that is not finite is left out. Everything is appended to the caller's
// string: no other allocation.
#include "web/metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

namespace web {
namespace {

// ---- writing -------------------------------------------------------------------------------

void append_escaped(std::string& out, std::string_view text, bool escape_quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_integer(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits;
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

// Seconds with millisecond precision; values too large for that fall back to 17 digits.
void append_seconds(std::string& out, double value) {
  std::array<char, 64> text;
  auto result =
      std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed, 3);
  if (result.ec != std::errc{}) {
    result = std::to_chars(text.data(), text.data() + text.size(), value,
                           std::chars_format::general, 17);
  }
  out.append(text.data(), result.ptr);
}

void append_label(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += "=\"";
  append_escaped(out, value, true);
  out += '"';
}

void append_source_labels(std::string& out, const SourceMetrics& source) {
  append_label(out, "source", source.source);
  out += ',';
  append_label(out, "meter", source.meter);
}

// `name{source="...",meter="..."`: the caller adds labels, then ends the sample.
void begin_source_sample(std::string& out, std::string_view name, const SourceMetrics& source) {
  out += name;
  out += '{';
  append_source_labels(out, source);
}

void begin_sink_sample(std::string& out, std::string_view name, const sink::Health& health) {
  out += name;
  out += '{';
  append_label(out, "sink", health.name);
}

void end_integer_sample(std::string& out, std::uint64_t value) {
  out += "} ";
  append_integer(out, value);
  out += '\n';
}

void end_seconds_sample(std::string& out, double value) {
  out += "} ";
  append_seconds(out, value);
  out += '\n';
}

// A sample without labels.
void append_plain_sample(std::string& out, std::string_view name, std::uint64_t value) {
  out += name;
  out += ' ';
  append_integer(out, value);
  out += '\n';
}

constexpr std::string_view kCounter = "counter";
constexpr std::string_view kGauge = "gauge";

struct SourceFamily {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  std::uint64_t (*value)(const SourceMetrics&);
};

constexpr std::array kSourceFamilies{
    SourceFamily{"teleinfo_bytes_read_total", kCounter, "Bytes read from the source.",
                 [](const SourceMetrics& s) { return s.decoder.bytes; }},
    SourceFamily{"teleinfo_frames_decoded_total", kCounter,
                 "Frames decoded from the source, long and short.",
                 [](const SourceMetrics& s) { return s.decoder.frames; }},
    SourceFamily{"teleinfo_groups_decoded_total", kCounter, "Groups that passed every check.",
                 [](const SourceMetrics& s) { return s.decoder.groups; }},
};

// After teleinfo_groups_rejected_total, which has its own shape.
constexpr std::array kMoreSourceFamilies{
    SourceFamily{"teleinfo_groups_unchecked_total", kCounter,
                 "Groups kept despite a wrong checksum (--no-checksum).",
                 [](const SourceMetrics& s) { return s.decoder.unchecked; }},
    SourceFamily{"teleinfo_bytes_skipped_total", kCounter,
                 "Bytes that belonged to no group: noise, NULs, stray bytes.",
                 [](const SourceMetrics& s) { return s.decoder.skipped_bytes; }},
    SourceFamily{"teleinfo_frames_interrupted_total", kCounter,
                 "Frames dropped: interrupted by EOT, or cut off before their end.",
                 [](const SourceMetrics& s) { return s.decoder.interrupted; }},
    SourceFamily{"teleinfo_frames_published_total", kCounter, "Frames put on the frame stream.",
                 [](const SourceMetrics& s) { return s.frames_published; }},
    SourceFamily{"teleinfo_frames_thinned_total", kCounter,
                 "Frames kept off the frame stream by --frame-interval.",
                 [](const SourceMetrics& s) { return s.frames_thinned; }},
    SourceFamily{"teleinfo_frames_without_address_total", kCounter,
                 "Frames without a valid meter address (ADCO, ADSC), not published.",
                 [](const SourceMetrics& s) { return s.frames_without_address; }},
    SourceFamily{"teleinfo_energy_values_held_total", kCounter,
                 "Implausible energy indexes held back by the Energy dashboard's guard.",
                 [](const SourceMetrics& s) { return s.energy_values_held; }},
    SourceFamily{"teleinfo_source_open", kGauge,
                 "1 while the source's device or connection is open, else 0.",
                 [](const SourceMetrics& s) -> std::uint64_t { return s.open ? 1 : 0; }},
    SourceFamily{"teleinfo_meter_online", kGauge,
                 "1 while frames come within --meter-timeout, else 0.",
                 [](const SourceMetrics& s) -> std::uint64_t { return s.online ? 1 : 0; }},
};

void append_source_family(std::string& out, const SourceFamily& family,
                          const std::vector<SourceMetrics>& sources) {
  append_header(out, family.name, family.type, family.help);
  for (const SourceMetrics& source : sources) {
    begin_source_sample(out, family.name, source);
    end_integer_sample(out, family.value(source));
  }
}

void append_sources(std::string& out, const std::vector<SourceMetrics>& sources) {
  for (const SourceFamily& family : kSourceFamilies)
    append_source_family(out, family, sources);

  constexpr std::string_view kRejected = "teleinfo_groups_rejected_total";
  append_header(out, kRejected, kCounter,
                "Groups dropped, by reason: checksum mismatch, misshapen, or too long.");
  for (const SourceMetrics& source : sources) {
    const std::array<std::pair<std::string_view, std::uint64_t>, 3> kinds{{
        {"checksum", source.decoder.bad_checksum},
        {"format", source.decoder.bad_format},
        {"too_long", source.decoder.too_long},
    }};
    for (const auto& [kind, count] : kinds) {
      begin_source_sample(out, kRejected, source);
      out += ',';
      append_label(out, "kind", kind);
      end_integer_sample(out, count);
    }
  }

  for (const SourceFamily& family : kMoreSourceFamilies)
    append_source_family(out, family, sources);

  constexpr std::string_view kLastFrame = "teleinfo_meter_last_frame_timestamp_seconds";
  append_header(out, kLastFrame, kGauge, "The TIME of the meter's latest frame, Unix seconds.");
  for (const SourceMetrics& source : sources) {
    if (!source.last_frame_seconds || !std::isfinite(*source.last_frame_seconds)) continue;
    begin_source_sample(out, kLastFrame, source);
    end_seconds_sample(out, *source.last_frame_seconds);
  }
}

void append_mqtt(std::string& out, const MqttMetrics& mqtt) {
  struct Family {
    std::string_view name;
    std::string_view type;
    std::string_view help;
    std::uint64_t value;
  };
  const std::array families{
      Family{"teleinfo_mqtt_connected", kGauge, "1 while connected to the MQTT broker, else 0.",
             mqtt.connected ? 1u : 0u},
      Family{"teleinfo_mqtt_backlog_frames", kGauge, "Frames waiting for the MQTT broker.",
             mqtt.backlog_frames},
      Family{"teleinfo_mqtt_frames_delivered_total", kCounter,
             "Frames the MQTT broker acknowledged.", mqtt.frames_delivered},
      Family{"teleinfo_mqtt_frames_dropped_total", kCounter,
             "Frames dropped because the MQTT backlog was full.", mqtt.frames_dropped},
      Family{"teleinfo_mqtt_connections_total", kCounter, "Connections made to the MQTT broker.",
             mqtt.connections},
      Family{"teleinfo_mqtt_failed_connections_total", kCounter,
             "Connection attempts to the MQTT broker that failed.", mqtt.failed_connections},
  };
  for (const Family& family : families) {
    append_header(out, family.name, family.type, family.help);
    append_plain_sample(out, family.name, family.value);
  }
}

struct SinkFamily {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  std::uint64_t (*value)(const sink::Health&);
};

constexpr std::array kSinkFamilies{
    SinkFamily{"teleinfo_sink_up", kGauge, "1 when the sink's last write succeeded, else 0.",
               [](const sink::Health& h) -> std::uint64_t { return h.up ? 1 : 0; }},
    SinkFamily{"teleinfo_sink_frames_waiting", kGauge,
               "Frames accepted and not yet written, in memory or in the spool.",
               [](const sink::Health& h) { return h.waiting; }},
    SinkFamily{"teleinfo_sink_spool_frames", kGauge, "Frames waiting in the on-disk spool.",
               [](const sink::Health& h) { return h.spooled; }},
};

// After teleinfo_sink_lag_seconds.
constexpr std::array kMoreSinkFamilies{
    SinkFamily{"teleinfo_sink_frames_accepted_total", kCounter, "Frames handed to the sink.",
               [](const sink::Health& h) { return h.accepted; }},
    SinkFamily{"teleinfo_sink_frames_written_total", kCounter,
               "Frames the sink's destination took.",
               [](const sink::Health& h) { return h.written; }},
    SinkFamily{"teleinfo_sink_frames_dropped_total", kCounter,
               "Frames the sink gave up: spool full, refused, or not written at stop.",
               [](const sink::Health& h) { return h.dropped; }},
};

void append_sink_family(std::string& out, const SinkFamily& family,
                        const std::vector<sink::Health>& sinks) {
  append_header(out, family.name, family.type, family.help);
  for (const sink::Health& health : sinks) {
    begin_sink_sample(out, family.name, health);
    end_integer_sample(out, family.value(health));
  }
}

void append_sinks(std::string& out, const std::vector<sink::Health>& sinks) {
  for (const SinkFamily& family : kSinkFamilies)
    append_sink_family(out, family, sinks);

  constexpr std::string_view kLag = "teleinfo_sink_lag_seconds";
  append_header(out, kLag, kGauge, "How old (by its TIME) the oldest frame waiting is; 0 if none.");
  for (const sink::Health& health : sinks) {
    begin_sink_sample(out, kLag, health);
    end_seconds_sample(out, static_cast<double>(health.lag.count()) / 1000.0);
  }

  for (const SinkFamily& family : kMoreSinkFamilies)
    append_sink_family(out, family, sinks);
}

void append_seconds_family(std::string& out, std::string_view name, std::string_view type,
                           std::string_view help, double value) {
  append_header(out, name, type, help);
  if (!std::isfinite(value)) return;
  out += name;
  out += ' ';
  append_seconds(out, value);
  out += '\n';
}

void append_process(std::string& out, const ProcessMetrics& process) {
  append_header(out, "process_resident_memory_bytes", kGauge, "Resident memory size in bytes.");
  append_plain_sample(out, "process_resident_memory_bytes", process.resident_bytes);
  append_header(out, "process_virtual_memory_bytes", kGauge, "Virtual memory size in bytes.");
  append_plain_sample(out, "process_virtual_memory_bytes", process.virtual_bytes);
  append_seconds_family(out, "process_cpu_seconds_total", kCounter,
                        "Total user and system CPU time spent in seconds.", process.cpu_seconds);
  append_seconds_family(out, "process_start_time_seconds", kGauge,
                        "Start time of the process since unix epoch in seconds.",
                        process.start_time_seconds);
  append_header(out, "process_open_fds", kGauge, "Number of open file descriptors.");
  append_plain_sample(out, "process_open_fds", process.open_fds);
}

// ---- /proc ---------------------------------------------------------------------------------

// Reads a whole small file into `buffer`; the size read, or nullopt when it did not fit or failed.
std::optional<std::size_t> read_small_file(const char* path, char* buffer, std::size_t capacity) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::size_t size = 0;
  bool failed = false;
  for (;;) {
    if (size == capacity) {  // no room left to see the end of the file
      failed = true;
      break;
    }
    const ssize_t got = ::read(fd, buffer + size, capacity - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      failed = true;
      break;
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  if (failed) return std::nullopt;
  return size;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc{} || result.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// The boot time, Unix seconds: the "btime N" line of /proc/stat. It never changes, so it is read
// once (the file is long on machines with many CPUs and interrupts).
std::optional<std::uint64_t> boot_time() {
  static std::atomic<std::uint64_t> cached{0};
  if (const std::uint64_t known = cached.load(std::memory_order_relaxed); known != 0) return known;

  std::FILE* file = std::fopen("/proc/stat", "re");
  if (file == nullptr) return std::nullopt;
  // fgets() hands long lines (intr) over in pieces: a piece begins a line only when the previous
  // piece ended one.
  std::array<char, 256> piece;
  bool at_line_start = true;
  std::optional<std::uint64_t> found;
  while (std::fgets(piece.data(), static_cast<int>(piece.size()), file) != nullptr) {
    std::string_view text{piece.data()};
    const bool line_ends = !text.empty() && text.back() == '\n';
    if (at_line_start && text.starts_with("btime ") && line_ends) {
      text.remove_prefix(6);
      text.remove_suffix(1);
      found = parse_unsigned(text);
      break;
    }
    at_line_start = line_ends;
  }
  std::fclose(file);
  if (found && *found != 0) cached.store(*found, std::memory_order_relaxed);
  return found;
}

// Entries of /proc/self/fd, less the descriptor reading the directory.
std::optional<std::uint64_t> count_open_fds() {
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return std::nullopt;
  const int own_fd = ::dirfd(directory);
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(directory)) {
    const std::string_view name{entry->d_name};
    if (name.starts_with('.')) continue;
    const auto fd = parse_unsigned(name);
    if (fd && static_cast<int>(*fd) == own_fd) continue;
    ++count;
  }
  ::closedir(directory);
  return count;
}

}  // namespace

std::optional<ProcessMetrics> read_process_metrics() {
  // /proc/self/stat (proc(5)): "pid (comm) state ppid ...". comm is the program's name as the
  // program set it, up to 15 bytes of anything, spaces and ')' included: the fields start after
  // the last ')'. Counting from 1 at pid, the fields read are utime (14) and stime (15) in clock
  // ticks, starttime (22) in clock ticks after boot, vsize (23) in bytes, rss (24) in pages.
  std::array<char, 4096> buffer;
  const auto size = read_small_file("/proc/self/stat", buffer.data(), buffer.size());
  if (!size) return std::nullopt;
  std::string_view stat{buffer.data(), *size};
  const std::size_t comm_end = stat.rfind(')');
  if (comm_end == std::string_view::npos) return std::nullopt;
  stat.remove_prefix(comm_end + 1);

  constexpr std::size_t kFirstField = 3;  // state
  constexpr std::size_t kLastField = 24;  // rss
  std::array<std::string_view, kLastField + 1> fields{};
  std::size_t field = kFirstField;
  while (field <= kLastField) {
    if (!stat.starts_with(' ')) return std::nullopt;
    stat.remove_prefix(1);
    const std::size_t end = stat.find_first_of(" \n");
    fields[field++] = stat.substr(0, end);
    if (end == std::string_view::npos) {
      stat = {};
    } else {
      stat.remove_prefix(end);
    }
  }
  const auto utime = parse_unsigned(fields[14]);
  const auto stime = parse_unsigned(fields[15]);
  const auto start_ticks = parse_unsigned(fields[22]);
  const auto vsize = parse_unsigned(fields[23]);
  const auto rss_pages = parse_unsigned(fields[24]);
  if (!utime || !stime || !start_ticks || !vsize || !rss_pages) return std::nullopt;

  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (ticks_per_second <= 0 || page_size <= 0) return std::nullopt;
  const auto booted = boot_time();
  const auto open_fds = count_open_fds();
  if (!booted || !open_fds) return std::nullopt;

  const double ticks = static_cast<double>(ticks_per_second);
  ProcessMetrics metrics;
  metrics.resident_bytes = *rss_pages * static_cast<std::uint64_t>(page_size);
  metrics.virtual_bytes = *vsize;
  metrics.cpu_seconds = static_cast<double>(*utime + *stime) / ticks;
  metrics.start_time_seconds =
      static_cast<double>(*booted) + static_cast<double>(*start_ticks) / ticks;
  metrics.open_fds = *open_fds;
  return metrics;
}

void write_metrics(const MetricsSnapshot& snapshot, std::string& out) {
  // Room for one meter, the broker, two sinks and the process without growing.
  out.reserve(out.size() + 6144 + 1024 * snapshot.sources.size() + 512 * snapshot.sinks.size());

  append_header(out, "teleinfo_build_info", kGauge, "Always 1; the version of teleinfo-bridge.");
  out += "teleinfo_build_info{";
  append_label(out, "version", snapshot.version);
  end_integer_sample(out, 1);

  append_sources(out, snapshot.sources);
  if (snapshot.mqtt) append_mqtt(out, *snapshot.mqtt);
  append_sinks(out, snapshot.sinks);
  if (snapshot.process) append_process(out, *snapshot.process);
}

}  // namespace web
