#include "tic/frame_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <chrono>
#include <cstring>

namespace tic {
namespace {

// Writes JSON into a buffer sized beforehand. The frame JSON is written by hand rather than with
// RapidJSON's Writer: its text is known to be printable ASCII, so only '"' and '\\' need escaping,
// and this runs for every frame (README, "Performance", has the figures).
class Cursor {
 public:
  explicit Cursor(char* at) : at_(at) {}
  char* at() const { return at_; }

  void put(char c) { *at_++ = c; }
  void put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void quoted(std::string_view text) {
    put('"');
    for (char c : text) {
      if (c == '"' || c == '\\') put('\\');
      put(c);
    }
    put('"');
  }
  void number(std::uint64_t value) {
    char digits[20];
    std::size_t count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (count > 0)
      put(digits[--count]);
  }

 private:
  char* at_;
};

// The most a field can take: its strings twice over (every character escaped), plus the fixed
// text of `"L":{"raw":"","value":"","timestamp":{"raw":"","date":"","dst":"summer",...}},`.
std::size_t bound(const Field& field) {
  return 2 * (field.label.size() + 2 * field.raw.size() + field.horodate_raw.size()) + 160;
}

void write_field(Cursor& out, const Field& field) {
  out.quoted(field.label);
  out.put(R"(:{"raw":)");
  out.quoted(field.raw);
  out.put(R"(,"value":)");
  if (field.number) {
    out.number(*field.number);
  } else {
    out.quoted(field.text);
  }
  if (field.horodate) {
    out.put(R"(,"timestamp":{"raw":)");
    out.quoted(field.horodate_raw);
    out.put(R"(,"date":")");
    out.put(format_utc(field.horodate->utc()).view());
    out.put(field.horodate->summer() ? R"(","dst":"summer")" : R"(","dst":"winter")");
    if (field.horodate->degraded()) out.put(R"(,"degraded":true)");
    out.put('}');
  }
  out.put('}');
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  const auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

std::string_view as_view(const rapidjson::Value& string) {
  return {string.GetString(), string.GetStringLength()};
}

}  // namespace

void write_frame_json(const Frame& frame, std::string& out) {
  std::size_t most = 80;  // braces and TIME
  for (const Field& field : frame)
    most += bound(field);
  const std::size_t start = out.size();
  out.resize(start + most);

  Cursor cursor{out.data() + start};
  cursor.put('{');
  // The address first: the Jeedom plugin ignores what comes before it.
  for (const Field& field : frame) {
    if (is_address_label(field.label)) {
      write_field(cursor, field);
      cursor.put(',');
    }
  }
  for (const Field& field : frame) {
    if (!is_address_label(field.label)) {
      write_field(cursor, field);
      cursor.put(',');
    }
  }
  cursor.put(R"("TIME":{"raw":")");
  cursor.put(format_utc(frame.time()).view());
  cursor.put(R"(","value":)");
  const std::int64_t ms = frame.time().time_since_epoch().count();
  if (ms < 0) cursor.put('-');
  cursor.number(ms < 0 ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms));
  cursor.put("}}");
  out.resize(static_cast<std::size_t>(cursor.at() - out.data()));
}

std::string to_frame_json(const Frame& frame) {
  std::string out;
  write_frame_json(frame, out);
  return out;
}

std::string read_frame_json(std::string_view json, Frame& frame) {
  frame.clear();
  if (json.size() > kMaxFrameJsonBytes) return "frame JSON larger than 64 KiB";

  rapidjson::Document document;
  // Iterative parsing: nesting depth cannot exhaust the stack.
  document.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (document.HasParseError()) {
    return std::string{"malformed JSON at byte "} + std::to_string(document.GetErrorOffset()) +
           ": " + rapidjson::GetParseError_En(document.GetParseError());
  }
  if (!document.IsObject()) return "frame JSON is not an object";

  bool has_time = false;
  bool has_mode = false;
  for (const auto& entry : document.GetObject()) {
    const std::string_view key = as_view(entry.name);
    const rapidjson::Value& value = entry.value;
    if (key == "TIME") {
      const rapidjson::Value* ms = value.IsObject() ? member(value, "value") : nullptr;
      if (ms == nullptr || !ms->IsInt64() || ms->GetInt64() < 0 ||
          ms->GetInt64() > kMaxTimeMilliseconds) {
        return "TIME: expected {\"value\": milliseconds since 1970}";
      }
      frame.set_time(Time{std::chrono::milliseconds{ms->GetInt64()}});
      has_time = true;
      continue;
    }

    const rapidjson::Value* raw = value.IsObject() ? member(value, "raw") : nullptr;
    if (raw == nullptr || !raw->IsString()) {
      return std::string{key} + ": expected an object with a string \"raw\"";
    }
    std::optional<std::string_view> horodate;
    if (const rapidjson::Value* timestamp = member(value, "timestamp")) {
      const rapidjson::Value* horodate_raw =
          timestamp->IsObject() ? member(*timestamp, "raw") : nullptr;
      if (horodate_raw == nullptr || !horodate_raw->IsString()) {
        return std::string{key} + ": expected a timestamp with a string \"raw\"";
      }
      horodate = as_view(*horodate_raw);
    }

    Field field;
    const FieldError error = decode_field(key, horodate, as_view(*raw), field);
    if (error != FieldError::None) return std::string{key} + ": " + std::string{to_string(error)};
    if (frame.contains(key)) return std::string{key} + ": appears twice";
    if (field.info != nullptr) {
      if (!has_mode) {
        frame.set_mode(field.info->mode);
        has_mode = true;
      } else if (field.info->mode != frame.mode()) {
        return std::string{key} + ": a " + std::string{to_string(field.info->mode)} +
               " label in a " + std::string{to_string(frame.mode())} + " frame";
      }
    }
    if (!frame.append(field)) return "frame JSON holds more labels than a frame can";
  }

  if (!has_time) return "TIME is missing";
  if (frame.address().empty()) return "no meter address (ADCO or ADSC)";
  if (has_short_frame_labels(frame)) frame.set_kind(FrameKind::Short);
  return {};
}

}  // namespace tic
