#include "jeedom/payloads.h"

#include "jeedom/status_texts.h"
#include "tic/frame_json.h"

namespace jeedom {
namespace {

// A JSON string. TIC text is printable ASCII, and the plugin's texts are UTF-8: only '"' and '\'
// need escaping.
void append_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

void write_frame_json_with_status(const tic::Frame& frame, std::string& out) {
  const std::size_t start = out.size();
  tic::write_frame_json(frame, out);
  std::string entries;
  for_each_status_text(frame, [&](std::string_view name, std::string_view text) {
    entries += ',';
    append_string(entries, name);
    entries += ":{\"raw\":";
    append_string(entries, text);
    entries += '}';
  });
  if (entries.empty()) return;
  // TIME is always the frame JSON's last member.
  const std::size_t time = out.rfind(",\"TIME\":");
  if (time == std::string::npos || time < start) return;
  out.insert(time, entries);
}

void write_tasmota_json(const tic::Frame& frame, std::string& out) {
  out += "{\"TIC\":{";
  bool first = true;
  auto member = [&](const tic::Field& field) {
    if (!first) out += ',';
    first = false;
    append_string(out, field.label);
    out += ':';
    // DATE has no data: its horodate is its value, as Tasmota sends it.
    append_string(out, field.raw.empty() ? field.horodate_raw : field.raw);
  };
  const std::optional<std::size_t> address = frame.address_index();
  if (address) member(frame[*address]);
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (i != address) member(frame[i]);
  }
  out += "}}";
}

}  // namespace jeedom
