// /metrics: the Prometheus text that web::write_metrics() makes, checked by a parser of the text
// exposition format 0.0.4 written here (promtool is not installed); the process's figures from
// /proc; and the real teleinfo-bridge --http fed a capture through a pseudo-terminal, its counters
// compared with a decoder's.
#include "web/metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/web_bridge.h"
#include "tic/decoder.h"

namespace {

// ---- a parser of the text exposition format 0.0.4 ----------------------------------------------

using Labels = std::map<std::string, std::string>;

struct Sample {
  Labels labels;
  std::string value_text;  // as written
  double value = 0;
};

struct Family {
  std::string type;  // counter, gauge, histogram, summary, untyped; empty when no TYPE line
  std::optional<std::string> help;
  std::vector<Sample> samples;
};

struct Exposition {
  std::vector<std::string> order;  // family names, as they first appear
  std::map<std::string, Family> families;
};

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// A metric or label name at the front of `text`, taken off it; empty when there is none.
std::string take_name(std::string_view& text) {
  std::size_t size = 0;
  if (!text.empty() && is_name_start(text[0])) {
    while (size < text.size() && is_name_char(text[size]))
      ++size;
  }
  std::string name{text.substr(0, size)};
  text.remove_prefix(size);
  return name;
}

// A float as the format writes them: Go's ParseFloat forms, and NaN, +Inf, -Inf.
std::optional<double> parse_value(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text.starts_with('+')) text.remove_prefix(1);
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || result.ec != std::errc{} || result.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// The text with its escapes undone: \\ and \n, and \" when `quotes`; nullopt on another escape.
std::optional<std::string> unescape(std::string_view text, bool quotes) {
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      result += text[i];
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    if (text[i] == '\\') {
      result += '\\';
    } else if (text[i] == 'n') {
      result += '\n';
    } else if (text[i] == '"' && quotes) {
      result += '"';
    } else {
      return std::nullopt;
    }
  }
  return result;
}

// `{name="value",...}` at the front of `text`, taken off it; an error text when it is misshapen.
std::string take_labels(std::string_view& text, Labels& labels) {
  text.remove_prefix(1);  // {
  for (;;) {
    if (text.starts_with('}')) {
      text.remove_prefix(1);
      return "";
    }
    const std::string name = take_name(text);
    if (name.empty()) return "a label without a name";
    if (!text.starts_with("=\"")) return "label " + name + " without =\"";
    text.remove_prefix(2);
    std::size_t end = 0;  // the closing quote: the first one not escaped
    while (end < text.size() && text[end] != '"') {
      end += text[end] == '\\' ? std::size_t{2} : std::size_t{1};
    }
    if (end >= text.size()) return "label " + name + " not closed";
    const auto value = unescape(text.substr(0, end), true);
    if (!value) return "label " + name + " has a bad escape";
    if (!labels.emplace(name, *value).second) return "label " + name + " twice";
    text.remove_prefix(end + 1);
    if (text.starts_with(',')) {
      text.remove_prefix(1);
    } else if (!text.starts_with('}')) {
      return "label " + name + " followed by neither , nor }";
    }
  }
}

// Parses `text` into `exposition`; an error text naming the line, empty when the text is valid:
// every line ends with a line feed; at most one HELP and exactly one TYPE per family, both before
// its samples; a family's lines all together; no series twice; values are numbers.
std::string parse(std::string_view text, Exposition& exposition) {
  if (!text.empty() && !text.ends_with('\n')) return "the text does not end with a line feed";
  std::string current;  // the family of the previous line
  std::set<std::string> seen_series;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t line_end = text.find('\n');
    std::string_view line = text.substr(0, line_end);
    text.remove_prefix(line_end + 1);
    const std::string where =
        "line " + std::to_string(++number) + " \"" + std::string{line} + "\": ";
    if (line.empty()) continue;

    std::string name;
    bool help = false;
    bool type = false;
    if (line.starts_with('#')) {
      help = line.starts_with("# HELP ");
      type = line.starts_with("# TYPE ");
      if (!help && !type) continue;  // a comment
      line.remove_prefix(7);
      name = take_name(line);
      if (name.empty()) return where + "no metric name";
    } else {
      name = take_name(line);
      if (name.empty()) return where + "no metric name";
    }

    // Families are not interleaved: a family seen before cannot come back after another.
    if (name != current) {
      if (exposition.families.contains(name)) return where + "family " + name + " interleaved";
      exposition.order.push_back(name);
      current = name;
    }
    Family& family = exposition.families[name];

    if (help) {
      if (family.help) return where + "a second HELP";
      if (!family.samples.empty()) return where + "HELP after samples";
      if (!line.empty() && !line.starts_with(' ')) return where + "no space after the name";
      if (!line.empty()) line.remove_prefix(1);
      family.help = unescape(line, false);
      if (!family.help) return where + "bad escape in HELP";
    } else if (type) {
      if (!family.type.empty()) return where + "a second TYPE";
      if (!family.samples.empty()) return where + "TYPE after samples";
      if (!line.starts_with(' ')) return where + "no type";
      line.remove_prefix(1);
      if (line != "counter" && line != "gauge" && line != "histogram" && line != "summary" &&
          line != "untyped") {
        return where + "unknown type";
      }
      family.type = line;
    } else {
      if (family.type.empty()) return where + "a sample before its family's TYPE";
      Sample sample;
      if (line.starts_with('{')) {
        const std::string error = take_labels(line, sample.labels);
        if (!error.empty()) return where + error;
      }
      if (!line.starts_with(' ')) return where + "no space before the value";
      line.remove_prefix(1);
      const std::string_view value_text = line.substr(0, line.find(' '));
      const auto value = parse_value(value_text);
      if (!value) return where + "the value is not a number";
      line.remove_prefix(value_text.size());
      if (!line.empty()) {  // a timestamp, in milliseconds
        std::int64_t timestamp = 0;
        line.remove_prefix(1);
        const auto result = std::from_chars(line.data(), line.data() + line.size(), timestamp);
        if (result.ec != std::errc{} || result.ptr != line.data() + line.size()) {
          return where + "a bad timestamp";
        }
      }
      sample.value_text = value_text;
      sample.value = *value;
      std::string series = name;
      for (const auto& [label, label_value] : sample.labels)
        series += '\x01' + label + '\x02' + label_value;
      if (!seen_series.insert(series).second) return where + "the same series twice";
      family.samples.push_back(std::move(sample));
    }
  }
  return "";
}

// Our own rules on top of the format: every family has HELP and TYPE, counters and only counters
// end in _total, and no value is NaN or infinite.
std::string conventions(const Exposition& exposition) {
  for (const auto& [name, family] : exposition.families) {
    if (!family.help || family.help->empty()) return name + " has no HELP";
    if (family.type != "counter" && family.type != "gauge") return name + " is " + family.type;
    if ((family.type == "counter") != name.ends_with("_total")) {
      return name + " is a " + family.type + (name.ends_with("_total") ? " named" : " not named") +
             " *_total";
    }
    for (const Sample& sample : family.samples) {
      if (!std::isfinite(sample.value)) return name + " has the value " + sample.value_text;
    }
  }
  return "";
}

// The value of the series `name{labels}` as written; "absent" when there is no such series.
std::string text_of(const Exposition& exposition, const std::string& name,
                    const Labels& labels = {}) {
  const auto family = exposition.families.find(name);
  if (family == exposition.families.end()) return "absent";
  for (const Sample& sample : family->second.samples) {
    if (sample.labels == labels) return sample.value_text;
  }
  return "absent";
}

std::size_t samples_of(const Exposition& exposition, const std::string& name) {
  const auto family = exposition.families.find(name);
  return family == exposition.families.end() ? 0 : family->second.samples.size();
}

Exposition parsed(const std::string& text) {
  Exposition exposition;
  const std::string error = parse(text, exposition);
  EXPECT_EQ(error, "") << text;
  EXPECT_EQ(conventions(exposition), "") << text;
  return exposition;
}

// ---- write_metrics ---------------------------------------------------------------------------

const std::string kOddSource = "file:my \"odd\" C:\\captures\\\nlast.txt";

Labels source_labels(const std::string& source, const std::string& meter) {
  return {{"source", source}, {"meter", meter}};
}

const Labels kLinky = source_labels("/dev/ttyAMA0", "021861348497");
const Labels kOdd = source_labels(kOddSource, "");

// Two meters (one with a name no file should have, before its first frame), a broker, two
// sinks (one failing) and the process.
web::MetricsSnapshot example_snapshot() {
  web::MetricsSnapshot snapshot;
  snapshot.version = "0.1.0";

  web::SourceMetrics linky;
  linky.source = "/dev/ttyAMA0";
  linky.meter = "021861348497";
  linky.open = true;
  linky.online = true;
  linky.last_frame_seconds = 1748941252.123;
  linky.decoder.bytes = 10727;
  linky.decoder.frames = 12;
  linky.decoder.groups = 204;
  linky.decoder.bad_checksum = 3;
  linky.decoder.bad_format = 2;
  linky.decoder.too_long = 1;
  linky.decoder.interrupted = 4;
  linky.decoder.skipped_bytes = 77;
  linky.decoder.unchecked = 5;
  linky.frames_published = 11;
  linky.frames_thinned = 6;
  linky.frames_without_address = 1;
  linky.energy_values_held = 2;
  snapshot.sources.push_back(linky);

  web::SourceMetrics odd;
  odd.source = kOddSource;
  odd.decoder.bytes = 3;
  odd.decoder.skipped_bytes = 3;
  snapshot.sources.push_back(odd);

  web::MqttMetrics mqtt;
  mqtt.connected = true;
  mqtt.backlog_frames = 7;
  mqtt.frames_delivered = 1234;
  mqtt.frames_dropped = 5;
  mqtt.connections = 2;
  mqtt.failed_connections = 9;
  snapshot.mqtt = mqtt;

  sink::Health mysql;
  mysql.name = "mysql";
  mysql.up = false;
  mysql.problem = "Can't connect to server on '127.0.0.1' (111)";
  mysql.accepted = 100;
  mysql.written = 80;
  mysql.waiting = 20;
  mysql.spooled = 15;
  mysql.dropped = 0;
  mysql.lag = std::chrono::milliseconds{61234};
  snapshot.sinks.push_back(mysql);
  sink::Health csv;
  csv.name = "csv";
  csv.accepted = 100;
  csv.written = 99;
  csv.waiting = 1;
  csv.dropped = 3;
  snapshot.sinks.push_back(csv);

  web::ProcessMetrics process;
  process.resident_bytes = 5341184;
  process.virtual_bytes = 28672000;
  process.cpu_seconds = 1.5;
  process.start_time_seconds = 1748941000.25;
  process.open_fds = 9;
  snapshot.process = process;
  return snapshot;
}

std::string written(const web::MetricsSnapshot& snapshot) {
  std::string text;
  web::write_metrics(snapshot, text);
  return text;
}

TEST(MetricsParser, RejectsWhatTheFormatForbids) {
  Exposition exposition;
  EXPECT_EQ(parse("# TYPE a gauge\na 1\n", exposition), "");
  const std::map<std::string, std::string> invalid = {
      {"a 1\n", "a sample before its family's TYPE"},
      {"# TYPE a gauge\na 1", "the text does not end with a line feed"},
      {"# TYPE a gauge\n# TYPE b gauge\nb 1\na 2\n", "family a interleaved"},
      {"# TYPE a gauge\na 1\n# TYPE a gauge\n", "a second TYPE"},
      {"# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n", "the same series twice"},
      {"# TYPE a gauge\na{x=\"\\t\"} 1\n", "label x has a bad escape"},
      {"# TYPE a gauge\na{x=\"1} 1\n", "label x not closed"},
      {"# TYPE a gauge\na one\n", "the value is not a number"},
      {"# TYPE a gauge\n# HELP a x\\\"\n", "bad escape in HELP"},
  };
  for (const auto& [text, error] : invalid) {
    Exposition rejected;
    const std::string found = parse(text, rejected);
    EXPECT_NE(found.find(error), std::string::npos) << text << " gave: " << found;
  }
  Exposition counter;
  ASSERT_EQ(parse("# HELP a_count x\n# TYPE a_count counter\na_count 1\n", counter), "");
  EXPECT_EQ(conventions(counter), "a_count is a counter not named *_total");
  Exposition not_a_number;
  ASSERT_EQ(parse("# HELP a x\n# TYPE a gauge\na NaN\n", not_a_number), "");
  EXPECT_EQ(conventions(not_a_number), "a has the value NaN");
}

TEST(MetricsText, EveryFamilyInItsPlace) {
  const std::string text = written(example_snapshot());
  const Exposition exposition = parsed(text);
  const std::vector<std::string> expected = {
      "teleinfo_build_info",
      "teleinfo_bytes_read_total",
      "teleinfo_frames_decoded_total",
      "teleinfo_groups_decoded_total",
      "teleinfo_groups_rejected_total",
      "teleinfo_groups_unchecked_total",
      "teleinfo_bytes_skipped_total",
      "teleinfo_frames_interrupted_total",
      "teleinfo_frames_published_total",
      "teleinfo_frames_thinned_total",
      "teleinfo_frames_without_address_total",
      "teleinfo_energy_values_held_total",
      "teleinfo_source_open",
      "teleinfo_meter_online",
      "teleinfo_meter_last_frame_timestamp_seconds",
      "teleinfo_mqtt_connected",
      "teleinfo_mqtt_backlog_frames",
      "teleinfo_mqtt_frames_delivered_total",
      "teleinfo_mqtt_frames_dropped_total",
      "teleinfo_mqtt_connections_total",
      "teleinfo_mqtt_failed_connections_total",
      "teleinfo_sink_up",
      "teleinfo_sink_frames_waiting",
      "teleinfo_sink_spool_frames",
      "teleinfo_sink_lag_seconds",
      "teleinfo_sink_frames_accepted_total",
      "teleinfo_sink_frames_written_total",
      "teleinfo_sink_frames_dropped_total",
      "process_resident_memory_bytes",
      "process_virtual_memory_bytes",
      "process_cpu_seconds_total",
      "process_start_time_seconds",
      "process_open_fds",
  };
  EXPECT_EQ(exposition.order, expected);

  // One sample per source, three for the rejections, one per sink; the last frame only where
  // there was one.
  EXPECT_EQ(samples_of(exposition, "teleinfo_build_info"), 1u);
  EXPECT_EQ(samples_of(exposition, "teleinfo_bytes_read_total"), 2u);
  EXPECT_EQ(samples_of(exposition, "teleinfo_groups_rejected_total"), 6u);
  EXPECT_EQ(samples_of(exposition, "teleinfo_meter_online"), 2u);
  EXPECT_EQ(samples_of(exposition, "teleinfo_meter_last_frame_timestamp_seconds"), 1u);
  EXPECT_EQ(samples_of(exposition, "teleinfo_mqtt_connected"), 1u);
  EXPECT_EQ(samples_of(exposition, "teleinfo_sink_lag_seconds"), 2u);
  EXPECT_EQ(samples_of(exposition, "process_open_fds"), 1u);
  EXPECT_EQ(exposition.families.at("teleinfo_bytes_read_total").type, "counter");
  EXPECT_EQ(exposition.families.at("teleinfo_sink_lag_seconds").type, "gauge");
  EXPECT_EQ(exposition.families.at("process_cpu_seconds_total").type, "counter");

  // The lines as a scraper sees them.
  EXPECT_TRUE(text.starts_with("# HELP teleinfo_build_info ")) << text;
  EXPECT_NE(text.find("\n# TYPE teleinfo_build_info gauge\n"
                      "teleinfo_build_info{version=\"0.1.0\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nteleinfo_bytes_read_total{source=\"/dev/ttyAMA0\",meter=\"021861348497\"}"
                      " 10727\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nteleinfo_groups_rejected_total{source=\"/dev/ttyAMA0\",meter="
                      "\"021861348497\",kind=\"too_long\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nteleinfo_sink_up{sink=\"mysql\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_open_fds 9\n"), std::string::npos) << text;
}

TEST(MetricsText, SampleValues) {
  const Exposition exposition = parsed(written(example_snapshot()));
  EXPECT_EQ(text_of(exposition, "teleinfo_build_info", {{"version", "0.1.0"}}), "1");

  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_read_total", kLinky), "10727");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_decoded_total", kLinky), "12");
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_decoded_total", kLinky), "204");
  Labels rejected = kLinky;
  rejected["kind"] = "checksum";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected), "3");
  rejected["kind"] = "format";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected), "2");
  rejected["kind"] = "too_long";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_unchecked_total", kLinky), "5");
  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_skipped_total", kLinky), "77");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_interrupted_total", kLinky), "4");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_published_total", kLinky), "11");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_thinned_total", kLinky), "6");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_without_address_total", kLinky), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_energy_values_held_total", kLinky), "2");
  EXPECT_EQ(text_of(exposition, "teleinfo_source_open", kLinky), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_meter_online", kLinky), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_meter_last_frame_timestamp_seconds", kLinky),
            "1748941252.123");

  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_read_total", kOdd), "3");
  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_skipped_total", kOdd), "3");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_decoded_total", kOdd), "0");
  rejected = kOdd;
  rejected["kind"] = "format";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_source_open", kOdd), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_meter_online", kOdd), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_meter_last_frame_timestamp_seconds", kOdd), "absent");

  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_connected"), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_backlog_frames"), "7");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_frames_delivered_total"), "1234");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_frames_dropped_total"), "5");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_connections_total"), "2");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_failed_connections_total"), "9");

  const Labels mysql = {{"sink", "mysql"}};
  const Labels csv = {{"sink", "csv"}};
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_up", mysql), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_up", csv), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_waiting", mysql), "20");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_spool_frames", mysql), "15");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_spool_frames", csv), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_lag_seconds", mysql), "61.234");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_lag_seconds", csv), "0.000");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_accepted_total", mysql), "100");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_written_total", mysql), "80");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_written_total", csv), "99");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_dropped_total", csv), "3");

  EXPECT_EQ(text_of(exposition, "process_resident_memory_bytes"), "5341184");
  EXPECT_EQ(text_of(exposition, "process_virtual_memory_bytes"), "28672000");
  EXPECT_EQ(text_of(exposition, "process_cpu_seconds_total"), "1.500");
  EXPECT_EQ(text_of(exposition, "process_start_time_seconds"), "1748941000.250");
  EXPECT_EQ(text_of(exposition, "process_open_fds"), "9");
}

// Backslash, double quote and line feed escaped in the text, and back as they were once parsed.
TEST(MetricsText, LabelValuesEscaped) {
  web::MetricsSnapshot snapshot = example_snapshot();
  snapshot.sinks[1].name = "csv \"daily\"\\\n";
  const std::string text = written(snapshot);
  EXPECT_NE(text.find("teleinfo_bytes_read_total{source=\"file:my \\\"odd\\\" "
                      "C:\\\\captures\\\\\\nlast.txt\",meter=\"\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("teleinfo_sink_up{sink=\"csv \\\"daily\\\"\\\\\\n\"} 1\n"), std::string::npos)
      << text;

  const Exposition exposition = parsed(text);
  std::set<std::string> sources;
  for (const Sample& sample : exposition.families.at("teleinfo_frames_published_total").samples)
    sources.insert(sample.labels.at("source"));
  EXPECT_EQ(sources, (std::set<std::string>{"/dev/ttyAMA0", kOddSource}));
  EXPECT_EQ(
      text_of(exposition, "teleinfo_sink_frames_dropped_total", {{"sink", "csv \"daily\"\\\n"}}),
      "3");
  // The one line feed of each sample is its end: the one in the name is escaped.
  EXPECT_EQ(text.find("\nlast.txt"), std::string::npos) << text;
}

// No broker, no sink, no source, /proc unreadable: the families that remain are well formed.
TEST(MetricsText, OnlyWhatTheBridgeHas) {
  web::MetricsSnapshot snapshot;
  snapshot.version = "0.1.0";
  const std::string text = written(snapshot);
  const Exposition exposition = parsed(text);
  EXPECT_EQ(text.find("teleinfo_mqtt_"), std::string::npos) << text;
  EXPECT_EQ(text.find("process_"), std::string::npos) << text;
  EXPECT_EQ(text_of(exposition, "teleinfo_build_info", {{"version", "0.1.0"}}), "1");
  std::size_t samples = 0;
  for (const auto& [name, family] : exposition.families)
    samples += family.samples.size();
  EXPECT_EQ(samples, 1u);

  // The broker's families come with a broker, the process's with /proc.
  snapshot.mqtt = web::MqttMetrics{};
  const Exposition with_broker = parsed(written(snapshot));
  EXPECT_EQ(text_of(with_broker, "teleinfo_mqtt_connected"), "0");
  EXPECT_EQ(text_of(with_broker, "teleinfo_mqtt_frames_delivered_total"), "0");
  EXPECT_FALSE(with_broker.families.contains("process_open_fds"));
}

TEST(MetricsText, AppendsAndKeepsExtremes) {
  web::MetricsSnapshot snapshot = example_snapshot();
  snapshot.sources[0].decoder.bytes = std::numeric_limits<std::uint64_t>::max();
  snapshot.sources[0].last_frame_seconds = std::numeric_limits<double>::quiet_NaN();
  snapshot.process->cpu_seconds = std::numeric_limits<double>::infinity();
  std::string text = "# before\n";
  web::write_metrics(snapshot, text);
  EXPECT_TRUE(text.starts_with("# before\n# HELP teleinfo_build_info ")) << text;
  const Exposition exposition = parsed(text);
  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_read_total", kLinky), "18446744073709551615");
  // A value that is not a number is left out, never written as NaN.
  EXPECT_EQ(samples_of(exposition, "teleinfo_meter_last_frame_timestamp_seconds"), 0u);
  EXPECT_EQ(samples_of(exposition, "process_cpu_seconds_total"), 0u);
  EXPECT_EQ(text.find(" nan\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(" inf\n"), std::string::npos) << text;

  // Appending again gives the same families twice: the caller clears between scrapes.
  const std::size_t once = text.size() - 9;
  web::write_metrics(snapshot, text);
  EXPECT_EQ(text.size(), 9 + 2 * once);
}

// ---- read_process_metrics --------------------------------------------------------------------

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double process_cpu_seconds() {
  timespec cpu{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  return static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) / 1e9;
}

TEST(MetricsProcess, PlausibleFigures) {
  const auto process = web::read_process_metrics();
  ASSERT_TRUE(process.has_value());
  EXPECT_GT(process->resident_bytes, 1u << 20);
  EXPECT_LT(process->resident_bytes, 1u << 30);
  EXPECT_GE(process->virtual_bytes, process->resident_bytes);
  EXPECT_GE(process->open_fds, 3u);  // standard input, output and error at least
  const double now = now_seconds();
  EXPECT_LE(process->start_time_seconds, now + 1);  // boot time is rounded to the second
  EXPECT_GT(process->start_time_seconds, now - 3600);
  EXPECT_GE(process->cpu_seconds, 0.0);
}

// The program's name in /proc/self/stat is between parentheses and may hold spaces, parentheses
// and digits: the fields are read after the last ')'.
TEST(MetricsProcess, ProgramNameWithParentheses) {
  std::array<char, 17> name{};
  ASSERT_EQ(::prctl(PR_GET_NAME, name.data()), 0);
  const auto before = web::read_process_metrics();
  ASSERT_EQ(::prctl(PR_SET_NAME, ") 1 2 (3) 4 5) "), 0);
  const auto renamed = web::read_process_metrics();
  ::prctl(PR_SET_NAME, name.data());
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(renamed.has_value());
  EXPECT_EQ(renamed->start_time_seconds, before->start_time_seconds);
  EXPECT_EQ(renamed->virtual_bytes, before->virtual_bytes);
  EXPECT_GT(renamed->resident_bytes, 1u << 20);
  EXPECT_GE(renamed->cpu_seconds, before->cpu_seconds);
  EXPECT_EQ(renamed->open_fds, before->open_fds);
}

TEST(MetricsProcess, OpenFdsFollowOpenFiles) {
  const auto before = web::read_process_metrics();
  ASSERT_TRUE(before.has_value());
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const auto opened = web::read_process_metrics();
  ::close(fd);
  const auto closed = web::read_process_metrics();
  ASSERT_TRUE(opened.has_value());
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(opened->open_fds, before->open_fds + 1);
  EXPECT_EQ(closed->open_fds, before->open_fds);
}

TEST(MetricsProcess, CpuSecondsGrowWithWork) {
  const auto before = web::read_process_metrics();
  ASSERT_TRUE(before.has_value());
  // Clock ticks are 10 ms: burn CPU until the figure moves, within a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  volatile std::uint64_t burnt = 0;
  std::optional<web::ProcessMetrics> after = before;
  while (after && after->cpu_seconds <= before->cpu_seconds &&
         std::chrono::steady_clock::now() < deadline) {
    for (std::uint64_t i = 0; i < 1'000'000; ++i)
      burnt = burnt + i * i;
    after = web::read_process_metrics();
  }
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(after->cpu_seconds, before->cpu_seconds);

  // The same figure as the kernel's precise clock, to a few ticks.
  const double precise_before = process_cpu_seconds();
  const auto read = web::read_process_metrics();
  const double precise_after = process_cpu_seconds();
  ASSERT_TRUE(read.has_value());
  EXPECT_GE(read->cpu_seconds, precise_before - 0.05);
  EXPECT_LE(read->cpu_seconds, precise_after + 0.05);
}

// The resident size is counted in bytes: touching 16 MiB of fresh pages adds 16 MiB (a little more
// under AddressSanitizer, which writes shadow memory; several times more under ThreadSanitizer,
// whose shadow is larger than the pages: no upper bound then). The pages come straight from
// mmap(): memory malloc() got back earlier may still be resident.
TEST(MetricsProcess, ResidentMemoryFollowsTouchedPages) {
  constexpr std::size_t kSize = 16u << 20;
  void* mapped = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  const auto before = web::read_process_metrics();
  std::memset(mapped, 1, kSize);
  const auto touched = web::read_process_metrics();
  ::munmap(mapped, kSize);
  const auto unmapped = web::read_process_metrics();
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(touched.has_value());
  ASSERT_TRUE(unmapped.has_value());
  EXPECT_GE(touched->resident_bytes, before->resident_bytes + (15u << 20));
#if !defined(__SANITIZE_THREAD__)
  EXPECT_LE(touched->resident_bytes, before->resident_bytes + (24u << 20));
#endif
  EXPECT_LE(unmapped->resident_bytes, touched->resident_bytes - (15u << 20));
  EXPECT_GE(touched->virtual_bytes, unmapped->virtual_bytes + kSize);
}

// ---- teleinfo-bridge --http ------------------------------------------------------------------

const std::string kBridge = TELEINFO_BRIDGE;
const std::string kHistoricCapture = "hallard_tinfo_replay_histo_hc.txt";
const std::string kHistoricMeter = "021528603314";

// A meter on a serial port, read by the bridge: /metrics counts what a decoder counts on the same
// bytes, exactly, and the whole answer is valid Prometheus text.
TEST(MetricsBridge, CountersMatchTheDecoder) {
  // The capture as a noisy line gives it: bytes before the first frame, a group whose checksum
  // no longer matches (IMAX's A turned B in the fourth frame), and a group whose checksum is right
  // but whose data is wrong for its label (IINST 0X1 in the second frame).
  std::string capture = test::read_capture(kHistoricCapture);
  capture = test::replace_group(capture, 1, "IINST", "0X1", tic::Mode::Historic);
  std::size_t imax = 0;
  for (int frame = 0; frame < 4; ++frame)
    imax = capture.find("\nIMAX 002 A\r", imax + 1);
  ASSERT_NE(imax, std::string::npos);
  capture[imax + 10] = 'B';
  capture.insert(0, std::string{"\0\0noise\r\n", 9});

  // What the bridge's decoder sees: the capture with --mode historic, and no end of input (the
  // port stays open).
  tic::DecoderStats expected;
  {
    tic::DecoderOptions options;
    options.mode = tic::Mode::Historic;
    tic::Decoder decoder{options, [](const tic::Frame&) {}};
    decoder.push(capture, test::test_time());
    expected = decoder.stats();
  }
  EXPECT_EQ(expected.frames, 5u);
  EXPECT_EQ(expected.bad_checksum, 1u);
  EXPECT_EQ(expected.bad_format, 1u);
  EXPECT_EQ(expected.skipped_bytes, 8u);  // the NULs, "noise" and CR; the LF opens a group
  // The capture ends with an ETX: ending the input changes nothing.
  EXPECT_EQ(test::describe(test::decode(capture).stats), test::describe(expected));

  test::WebBridge bridge{kBridge, {"historic"}};
  bridge.send(0, capture);

  const std::string url = bridge.url("/metrics");
  const Labels source = source_labels(bridge.line(0), kHistoricMeter);
  const std::string frames = std::to_string(expected.frames);
  test::HttpResponse response;
  Exposition exposition;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  for (;;) {
    response = test::http_get(url);
    exposition = {};
    if (response.status == 200 && parse(response.body, exposition).empty() &&
        text_of(exposition, "teleinfo_frames_decoded_total", source) == frames) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << response.status << "\n"
                                                          << response.body << "\n"
                                                          << bridge.daemon().err();
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }

  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  exposition = parsed(response.body);
  EXPECT_EQ(text_of(exposition, "teleinfo_build_info", {{"version", "0.1.0"}}), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_read_total", source),
            std::to_string(capture.size()));
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_decoded_total", source),
            std::to_string(expected.groups));
  Labels rejected = source;
  rejected["kind"] = "checksum";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected),
            std::to_string(expected.bad_checksum));
  rejected["kind"] = "format";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected),
            std::to_string(expected.bad_format));
  rejected["kind"] = "too_long";
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_rejected_total", rejected),
            std::to_string(expected.too_long));
  EXPECT_EQ(text_of(exposition, "teleinfo_bytes_skipped_total", source),
            std::to_string(expected.skipped_bytes));
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_interrupted_total", source),
            std::to_string(expected.interrupted));
  EXPECT_EQ(text_of(exposition, "teleinfo_groups_unchecked_total", source), "0");
  // Every frame has an address and no --frame-interval thins them.
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_published_total", source), frames);
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_thinned_total", source), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_frames_without_address_total", source), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_source_open", source), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_meter_online", source), "1");
  // The last frame's TIME is when the bridge read it: within the last minute.
  const std::string last_frame =
      text_of(exposition, "teleinfo_meter_last_frame_timestamp_seconds", source);
  ASSERT_NE(last_frame, "absent");
  EXPECT_NEAR(std::stod(last_frame), now_seconds(), 60.0);

  // --mqtt-url none: no broker families; no sink.
  EXPECT_EQ(response.body.find("teleinfo_mqtt_"), std::string::npos) << response.body;
  EXPECT_EQ(samples_of(exposition, "teleinfo_sink_up"), 0u);
  // The bridge's own process.
  ASSERT_NE(text_of(exposition, "process_open_fds"), "absent");
  EXPECT_GE(std::stod(text_of(exposition, "process_open_fds")), 4.0);  // and the port, at least
  const double resident = std::stod(text_of(exposition, "process_resident_memory_bytes"));
  EXPECT_GT(resident, 1 << 20);
  EXPECT_LT(resident, 1 << 30);
  EXPECT_NEAR(std::stod(text_of(exposition, "process_start_time_seconds")), now_seconds(), 120.0);

  EXPECT_EQ(bridge.daemon().stop(SIGTERM), 0) << bridge.daemon().err();
}

// What the server's thread reads from the bridge's other threads while frames flow: the MQTT
// publisher's figures (kept by its thread) and a sink's (kept by its writer's thread), scraped
// while the bridge publishes to a real broker and writes a CSV file. Under ThreadSanitizer, this is
// where the four threads meet.
TEST(MetricsBridge, BrokerAndSinkFiguresWhileFramesFlow) {
  test::Broker broker;
  const test::TemporaryDirectory folder{"teleinfo-metrics-"};
  const std::string csv_file = folder.file("frames.csv");
  test::WebBridge bridge{
      kBridge, {"historic"}, {"--mqtt-url", broker.url(), "--csv-file", csv_file}};

  const std::string capture = test::read_capture(kHistoricCapture);
  tic::DecoderOptions historic;
  historic.mode = tic::Mode::Historic;
  const std::size_t frames_per_capture = test::decode(capture, 0, historic).frames.size();
  ASSERT_EQ(frames_per_capture, 5u);
  constexpr std::size_t kRounds = 10;
  const std::string url = bridge.url("/metrics");
  for (std::size_t round = 0; round < kRounds; ++round) {
    bridge.send(0, capture);
    // Scraped while the publisher and the sink still handle the frames just read.
    const test::HttpResponse response = test::http_get(url);
    ASSERT_EQ(response.status, 200) << bridge.err();
    parsed(response.body);
  }

  // Every frame counted by the loop (its figures are refreshed every second), acknowledged by the
  // broker and written to the file.
  const std::string frames = std::to_string(kRounds * frames_per_capture);
  const Labels source = source_labels(bridge.line(0), kHistoricMeter);
  const Labels csv = {{"sink", "csv"}};
  Exposition exposition;
  const bool settled = test::eventually(
      [&] {
        const test::HttpResponse response = test::http_get(url);
        exposition = {};
        return response.status == 200 && parse(response.body, exposition).empty() &&
               text_of(exposition, "teleinfo_frames_decoded_total", source) == frames &&
               text_of(exposition, "teleinfo_mqtt_frames_delivered_total") == frames &&
               text_of(exposition, "teleinfo_sink_frames_written_total", csv) == frames;
      },
      std::chrono::seconds{60});
  ASSERT_TRUE(settled) << text_of(exposition, "teleinfo_frames_decoded_total", source)
                       << " frames decoded, "
                       << text_of(exposition, "teleinfo_mqtt_frames_delivered_total")
                       << " delivered, "
                       << text_of(exposition, "teleinfo_sink_frames_written_total", csv)
                       << " written, of " << frames << "\n"
                       << bridge.err();
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_connected"), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_connections_total"), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_failed_connections_total"), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_frames_dropped_total"), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_mqtt_backlog_frames"), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_up", csv), "1");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_accepted_total", csv), frames);
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_waiting", csv), "0");
  EXPECT_EQ(text_of(exposition, "teleinfo_sink_frames_dropped_total", csv), "0");

  EXPECT_EQ(bridge.stop(), 0) << bridge.err();
  // The file holds them all: a header row, then a row a frame.
  std::ifstream file{csv_file};
  std::size_t rows = 0;
  for (std::string row; std::getline(file, row);)
    ++rows;
  EXPECT_EQ(rows, 1 + kRounds * frames_per_capture);
}

}  // namespace
