#include "web/api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <cstdio>

#include "tic/frame_json.h"
#include "tic/horodate.h"
#include "tic/status.h"

namespace web {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// The length of the UTF-8 sequence `text` starts with; 0 when it starts none (Unicode's table of
// well-formed byte sequences: no overlong form, no surrogate, nothing past U+10FFFF).
std::size_t utf8_sequence(std::string_view text) {
  const auto byte = [&](std::size_t i, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return i < text.size() && static_cast<unsigned char>(text[i]) >= low &&
           static_cast<unsigned char>(text[i]) <= high;
  };
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return byte(1) ? 2 : 0;
  if (lead == 0xE0) return byte(1, 0xA0) && byte(2) ? 3 : 0;
  if (lead == 0xED) return byte(1, 0x80, 0x9F) && byte(2) ? 3 : 0;
  if (lead >= 0xE1 && lead <= 0xEF) return byte(1) && byte(2) ? 3 : 0;
  if (lead == 0xF0) return byte(1, 0x90) && byte(2) && byte(3) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3) return byte(1) && byte(2) && byte(3) ? 4 : 0;
  if (lead == 0xF4) return byte(1, 0x80, 0x8F) && byte(2) && byte(3) ? 4 : 0;
  return 0;
}

// JSON text is UTF-8, and what a request names (a meter, a parameter) comes back in answers as
// any bytes it sent: a byte that starts no UTF-8 sequence is written as U+FFFD.
void write_string(JsonWriter& json, std::string_view text) {
  std::string valid;       // made at the first byte replaced
  std::size_t copied = 0;  // the bytes of `text` in `valid`
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t size = utf8_sequence(text.substr(i)); size > 0) {
      i += size;
      continue;
    }
    valid.append(text.substr(copied, i - copied)).append("\xEF\xBF\xBD");
    copied = ++i;
  }
  if (copied > 0) text = valid.append(text.substr(copied));
  json.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_time(JsonWriter& json, tic::Time time) {
  write_string(json, tic::format_utc(time).view());
}

void write_optional_time(JsonWriter& json, const std::optional<tic::Time>& time) {
  if (time) {
    write_time(json, *time);
  } else {
    json.Null();
  }
}

void write_optional_number(JsonWriter& json, const std::optional<std::uint64_t>& value) {
  if (value) {
    json.Uint64(*value);
  } else {
    json.Null();
  }
}

Response json_response(const rapidjson::StringBuffer& buffer, int status = 200) {
  Response response;
  response.status = status;
  response.body.assign(buffer.GetString(), buffer.GetSize());
  return response;
}

std::string_view mode_name(tic::Mode mode) {
  return mode == tic::Mode::Historic ? "historic" : "standard";
}

// What every meter answer starts with.
void write_meter_members(JsonWriter& json, const MeterState& meter) {
  json.Key("id");
  if (meter.address.empty()) {
    json.Null();
  } else {
    write_string(json, meter.address);
  }
  json.Key("source");
  write_string(json, meter.source);
  json.Key("source_state");
  write_string(json, meter.source_state);
  json.Key("online");
  json.Bool(meter.metrics.online);
  json.Key("mode");
  if (meter.frame) {
    write_string(json, mode_name(meter.frame->mode()));
  } else {
    json.Null();
  }
  json.Key("last_frame");
  write_optional_time(json, meter.frame ? std::optional{meter.frame->time()} : std::nullopt);
  json.Key("frames");
  json.Uint64(meter.frames);
}

void write_labelled(JsonWriter& json, const tic::Field& field) {
  json.StartObject();
  json.Key("label");
  write_string(json, field.label);
  json.Key("value");
  if (field.number) {
    json.Uint64(*field.number);
  } else {
    write_string(json, field.text);
  }
  if (field.info != nullptr && field.info->unit != tic::Unit::None) {
    json.Key("unit");
    write_string(json, tic::to_string(field.info->unit));
  }
  json.EndObject();
}

void write_field_or_null(JsonWriter& json, const tic::Frame& frame, std::string_view label) {
  if (const std::optional<tic::Field> field = frame.find(label)) {
    write_labelled(json, *field);
  } else {
    json.Null();
  }
}

// Historic Tempo: PTEC names today's colour (HCJB, HPJW...), DEMAIN tomorrow's (BLEU, BLAN, ROUG,
// or ---- before 20:00).
std::optional<std::string_view> historic_colour(std::string_view text) {
  if (text == "BLEU" || text.ends_with("JB")) return "blue";
  if (text == "BLAN" || text.ends_with("JW")) return "white";
  if (text == "ROUG" || text.ends_with("JR")) return "red";
  return std::nullopt;
}

void write_colour(JsonWriter& json, std::optional<std::string_view> colour) {
  if (colour) {
    write_string(json, *colour);
  } else {
    json.Null();
  }
}

std::optional<std::string_view> colour_name(tic::TempoColour colour) {
  if (colour == tic::TempoColour::None) return std::nullopt;
  return tic::to_string(colour);
}

void write_tempo(JsonWriter& json, const tic::Frame& frame) {
  std::optional<std::string_view> today, tomorrow;
  bool tempo = false;
  if (frame.mode() == tic::Mode::Standard) {
    if (const std::optional<tic::Field> stge = frame.find("STGE")) {
      if (const auto status = tic::parse_status_register(stge->raw)) {
        today = colour_name(status->tempo_today());
        tomorrow = colour_name(status->tempo_tomorrow());
        tempo = today || tomorrow;
      }
    }
  } else {
    const std::optional<tic::Field> period = frame.find("PTEC");
    const std::optional<tic::Field> next = frame.find("DEMAIN");
    const std::optional<tic::Field> contract = frame.find("OPTARIF");
    if (period) today = historic_colour(period->text);
    if (next) tomorrow = historic_colour(next->text);
    tempo = today || next || (contract && contract->text.starts_with("BBR"));
  }
  if (!tempo) {
    json.Null();
    return;
  }
  json.StartObject();
  json.Key("today");
  write_colour(json, today);
  json.Key("tomorrow");
  write_colour(json, tomorrow);
  json.EndObject();
}

void write_warnings(JsonWriter& json, const tic::Frame& frame) {
  json.StartArray();
  if (frame.mode() == tic::Mode::Standard) {
    const std::optional<tic::Field> stge = frame.find("STGE");
    const auto status = stge ? tic::parse_status_register(stge->raw) : std::nullopt;
    if (status) {
      if (status->cut_off() != tic::CutOff::Closed) {
        write_string(json, "cut-off device: " + std::string{tic::to_string(status->cut_off())});
      }
      if (status->reference_power_exceeded()) write_string(json, "reference power exceeded");
      if (status->overvoltage()) write_string(json, "overvoltage");
      if (status->terminal_cover_open()) write_string(json, "terminal cover open");
      if (status->clock_degraded()) write_string(json, "meter clock degraded");
    }
  } else {
    // ADPS (ADIR1-3 on three-phase meters): the subscribed current is exceeded.
    for (const std::string_view label : {"ADPS", "ADIR1", "ADIR2", "ADIR3"}) {
      if (frame.contains(label)) {
        write_string(json, "subscribed current exceeded");
        break;
      }
    }
  }
  json.EndArray();
}

void write_live(JsonWriter& json, const MeterState& meter) {
  const tic::Frame& frame = *meter.frame;
  const bool standard = frame.mode() == tic::Mode::Standard;
  json.StartObject();
  json.Key("power");
  write_field_or_null(json, frame, standard ? "SINSTS" : "PAPP");
  json.Key("currents");
  json.StartArray();
  static constexpr std::array<std::string_view, 3> kStandardCurrents = {"IRMS1", "IRMS2", "IRMS3"};
  static constexpr std::array<std::string_view, 4> kHistoricCurrents = {"IINST", "IINST1", "IINST2",
                                                                        "IINST3"};
  const std::span<const std::string_view> currents =
      standard ? std::span<const std::string_view>{kStandardCurrents}
               : std::span<const std::string_view>{kHistoricCurrents};
  for (const std::string_view label : currents) {
    if (const std::optional<tic::Field> field = frame.find(label)) write_labelled(json, *field);
  }
  json.EndArray();
  json.Key("period");
  write_field_or_null(json, frame, standard ? "LTARF" : "PTEC");
  json.Key("tempo");
  write_tempo(json, frame);

  const DailyEnergy& energy = meter.energy;
  json.Key("energy");
  json.StartObject();
  json.Key("index_wh");
  write_optional_number(json, energy.index_wh);
  json.Key("today_wh");
  write_optional_number(json, energy.today_wh);
  json.Key("today_since");
  write_optional_time(json, energy.today_since);
  json.Key("today_complete");
  json.Bool(energy.today_complete);
  json.Key("yesterday_wh");
  write_optional_number(json, energy.yesterday_wh);
  json.EndObject();

  json.Key("warnings");
  write_warnings(json, frame);
  json.EndObject();
}

const MeterState* find_meter(const std::deque<MeterState>& meters, std::string_view id) {
  for (const MeterState& meter : meters) {
    if (!meter.address.empty() && meter.address == id) return &meter;
  }
  return nullptr;
}

// A decimal number of at most 18 digits, nothing else.
std::optional<std::int64_t> parse_count(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// YYYY-MM-DD, a day that exists.
std::optional<std::chrono::sys_days> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = parse_count(text.substr(0, 4));
  const auto month = parse_count(text.substr(5, 2));
  const auto day = parse_count(text.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *year < 2000) return std::nullopt;
  return std::chrono::sys_days{date};
}

}  // namespace

Response error_response(int status, std::string_view message) {
  rapidjson::StringBuffer buffer;
  JsonWriter json{buffer};
  json.StartObject();
  json.Key("error");
  write_string(json, message);
  json.EndObject();
  return json_response(buffer, status);
}

Response meters_response(const LiveState& live, bool day_history) {
  rapidjson::StringBuffer buffer;
  JsonWriter json{buffer};
  json.StartObject();
  json.Key("meters");
  json.StartArray();
  live.read([&](const std::deque<MeterState>& meters) {
    for (const MeterState& meter : meters) {
      json.StartObject();
      write_meter_members(json, meter);
      json.EndObject();
    }
  });
  json.EndArray();
  json.Key("points");
  json.Uint64(live.points());
  json.Key("day_history");
  json.Bool(day_history);
  json.EndObject();
  return json_response(buffer);
}

Response meter_response(const LiveState& live, std::string_view id) {
  rapidjson::StringBuffer buffer;
  JsonWriter json{buffer};
  std::string frame_json;
  const bool found = live.read([&](const std::deque<MeterState>& meters) {
    const MeterState* meter = find_meter(meters, id);
    if (meter == nullptr || !meter->frame) return false;
    json.StartObject();
    write_meter_members(json, *meter);
    json.Key("frame");
    tic::write_frame_json(*meter->frame, frame_json);
    json.RawValue(frame_json.data(), frame_json.size(), rapidjson::kObjectType);
    json.Key("live");
    write_live(json, *meter);
    json.EndObject();
    return true;
  });
  if (!found) return error_response(404, "no meter " + std::string{id});
  return json_response(buffer);
}

std::variant<HistoryQuery, Response> parse_history_query(const Params& params) {
  HistoryQuery query;
  for (const auto& [name, value] : params) {
    if (params.count(name) > 1) return error_response(400, "parameter " + name + " given twice");
    if (name == "meter") {
      query.meter = value;
    } else if (name == "label") {
      query.label = value;
    } else if (name == "points") {
      const std::optional<std::int64_t> points = parse_count(value);
      if (!points || *points < 1) return error_response(400, "points: expected a count, 1 or more");
      query.points = static_cast<std::size_t>(*points);
    } else if (name == "since") {
      query.since = parse_count(value);
      if (!query.since) return error_response(400, "since: expected Unix milliseconds");
    } else if (name == "day") {
      query.day = parse_day(value);
      if (!query.day) return error_response(400, "day: expected a date, YYYY-MM-DD");
    } else {
      return error_response(400, "unknown parameter " + name);
    }
  }
  if (query.meter.empty()) return error_response(400, "meter: missing");
  if (query.label.empty()) return error_response(400, "label: missing");
  return query;
}

namespace {

void write_points(std::string& out, const std::vector<Point>& points) {
  out += '[';
  char number[24];
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out += ',';
    out += '[';
    auto end = std::to_chars(number, number + sizeof number, points[i].time_ms).ptr;
    out.append(number, end);
    out += ',';
    end = std::to_chars(number, number + sizeof number, points[i].value).ptr;
    out.append(number, end);
    out += ']';
  }
  out += ']';
}

}  // namespace

Response history_response(const HistorySeries& series) {
  rapidjson::StringBuffer buffer;
  JsonWriter json{buffer};
  json.StartObject();
  json.Key("meter");
  write_string(json, series.meter);
  json.Key("label");
  write_string(json, series.label);
  json.Key("unit");
  write_string(json, series.unit);
  json.Key("source");
  write_string(json, series.source);
  if (series.day) {
    const std::chrono::year_month_day date{*series.day};
    char text[16];
    const int size =
        std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    json.Key("day");
    json.String(text, static_cast<rapidjson::SizeType>(size));
  }
  if (series.bucket_seconds) {
    json.Key("bucket_seconds");
    json.Int64(*series.bucket_seconds);
  }
  json.Key("points");
  std::string list;
  write_points(list, series.points);
  json.RawValue(list.data(), list.size(), rapidjson::kArrayType);
  json.EndObject();
  return json_response(buffer);
}

Response memory_history_response(const LiveState& live, const HistoryQuery& query) {
  std::vector<Point> points;
  std::string unit;
  enum class Found { Meter, Label, Points } found = Found::Meter;
  live.read([&](const std::deque<MeterState>& meters) {
    const MeterState* meter = find_meter(meters, query.meter);
    if (meter == nullptr) return;
    const auto ring = meter->history.find(query.label);
    if (ring == meter->history.end()) {
      found = Found::Label;
      return;
    }
    found = Found::Points;
    const std::deque<Point>& kept = ring->second.points();
    auto first = kept.begin();
    if (query.since) {
      first = std::upper_bound(
          kept.begin(), kept.end(), *query.since,
          [](std::int64_t since, const Point& point) { return since < point.time_ms; });
    }
    if (query.points > 0 && static_cast<std::size_t>(kept.end() - first) > query.points) {
      first = kept.end() - static_cast<std::ptrdiff_t>(query.points);
    }
    points.assign(first, kept.end());
    if (const tic::LabelInfo* info = tic::find_label(query.label)) {
      unit = tic::to_string(info->unit);
    }
  });
  if (found == Found::Meter) return error_response(404, "no meter " + query.meter);
  if (found == Found::Label) {
    return error_response(404, "meter " + query.meter + " sent no number labelled " + query.label);
  }
  return history_response({.meter = query.meter,
                           .label = query.label,
                           .unit = unit,
                           .source = "memory",
                           .day = std::nullopt,
                           .bucket_seconds = std::nullopt,
                           .points = points});
}

Response health_response(const LiveState& live, std::chrono::steady_clock::time_point now,
                         std::chrono::seconds stall) {
  const bool alive = now - live.last_heartbeat() < stall;
  std::size_t count = 0, online = 0;
  live.read([&](const std::deque<MeterState>& meters) {
    count = meters.size();
    for (const MeterState& meter : meters)
      online += meter.metrics.online ? 1 : 0;
  });
  rapidjson::StringBuffer buffer;
  JsonWriter json{buffer};
  json.StartObject();
  json.Key("status");
  write_string(json, alive ? "ok" : "stalled");
  json.Key("meters");
  json.Uint64(count);
  json.Key("meters_online");
  json.Uint64(online);
  json.EndObject();
  return json_response(buffer, alive ? 200 : 503);
}

}  // namespace web
