#include "tic/frame_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <chrono>
#include <cstring>

namespace tic {
namespace {

// Writes JSON into a buffer sized beforehand. The frame JSON is written by hand rather than with
// RapidJSON's Writer: its text is printable ASCII by construction, so only '"' and '\\' need
// escaping, and it runs for every frame (README, "Dependencies", has the figures).
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
    bool plain = true;
    for (char c : text)
      plain &= (c != '"') & (c != '\\');
    if (plain) {
      put(text);
    } else {
      for (char c : text) {
        if (c == '"' || c == '\\') put('\\');
        put(c);
      }
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

// The most a frame's JSON can take: its text four times over (raw and value, every character
// escaped), plus the fixed text of each field,
// `"":{"raw":"","value":"","timestamp":{"raw":"","date":"YYYY-MM-DDThh:mm:ssZ","dst":"summer",
// "degraded":true}},`, and of TIME.
std::size_t bound(const Frame& frame) {
  return 4 * frame.text_size() + 160 * frame.size() + 96;
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

std::string_view as_view(const rapidjson::Value& string) {
  return {string.GetString(), string.GetStringLength()};
}

// Members are walked by index: RapidJSON's iterator comparisons are ambiguous under C++20's
// rewritten operators (clang warns). The index is the iterator's own type: int on 32-bit ARM.
using MemberIndex = rapidjson::Value::ConstMemberIterator::DifferenceType;

MemberIndex member_count(const rapidjson::Value& object) {
  return static_cast<MemberIndex>(object.MemberCount());
}

// Finds a member by name. Objects here have three members.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  const auto members = object.MemberBegin();
  for (MemberIndex i = 0; i < member_count(object); ++i) {
    if (as_view(members[i].name) == name) return &members[i].value;
  }
  return nullptr;
}

// A key as an error message may show it: printable, at most 32 characters.
std::string shown(std::string_view key) {
  std::string text;
  for (char c : key.substr(0, 32)) {
    if (c >= 0x20 && c <= 0x7E) {
      text += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(c);
      text += "\\x";
      text += kHex[byte >> 4];
      text += kHex[byte & 0xF];
    }
  }
  if (key.size() > 32) text += "...";
  return text;
}

}  // namespace

void write_frame_json(const Frame& frame, std::string& out) {
  // Written into a scratch buffer that only ever grows, then appended: sizing `out` itself for the
  // bound would clear four times the bytes written, every frame.
  thread_local std::string scratch;
  const std::size_t most = bound(frame);
  if (scratch.size() < most) scratch.resize(most);

  Cursor cursor{scratch.data()};
  cursor.put('{');
  // The address first: the Jeedom plugin ignores what comes before it.
  const std::optional<std::size_t> address = frame.address_index();
  if (address) {
    write_field(cursor, frame[*address]);
    cursor.put(',');
  }
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (i == address) continue;
    write_field(cursor, frame[i]);
    cursor.put(',');
  }
  cursor.put(R"("TIME":{"raw":")");
  cursor.put(format_utc(frame.time()).view());
  cursor.put(R"(","value":)");
  const std::int64_t ms = frame.time().time_since_epoch().count();
  if (ms < 0) cursor.put('-');
  cursor.number(ms < 0 ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms));
  cursor.put("}}");
  out.append(scratch.data(), static_cast<std::size_t>(cursor.at() - scratch.data()));
}

std::string to_frame_json(const Frame& frame) {
  std::string out;
  write_frame_json(frame, out);
  return out;
}

std::string read_frame_json(std::string_view json, Frame& frame,
                            bool (*added)(std::string_view key)) {
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
  const auto entries = document.MemberBegin();
  for (MemberIndex i = 0; i < member_count(document); ++i) {
    const std::string_view key = as_view(entries[i].name);
    const rapidjson::Value& value = entries[i].value;
    if (added != nullptr && added(key)) continue;
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
      return shown(key) + ": expected an object with a string \"raw\"";
    }
    std::optional<std::string_view> horodate;
    if (const rapidjson::Value* timestamp = member(value, "timestamp")) {
      const rapidjson::Value* horodate_raw =
          timestamp->IsObject() ? member(*timestamp, "raw") : nullptr;
      if (horodate_raw == nullptr || !horodate_raw->IsString()) {
        return shown(key) + ": expected a timestamp with a string \"raw\"";
      }
      horodate = as_view(*horodate_raw);
    }

    Field field;
    const FieldError error = decode_field(key, horodate, as_view(*raw), field);
    if (error != FieldError::None) return shown(key) + ": " + std::string{to_string(error)};
    if (frame.contains(key)) return shown(key) + ": appears twice";
    if (field.info != nullptr) {
      if (!has_mode) {
        frame.set_mode(field.info->mode);
        has_mode = true;
      } else if (field.info->mode != frame.mode()) {
        return shown(key) + ": a " + std::string{to_string(field.info->mode)} + " label in a " +
               std::string{to_string(frame.mode())} + " frame";
      }
    }
    if (!frame.append(field)) return "frame JSON holds more labels than a frame can";
  }

  if (!has_time) return "TIME is missing";
  if (frame.address().empty()) return "no meter address (ADCO or ADSC)";
  return {};  // the frame stream carries long frames only
}

}  // namespace tic
