#include "influx/line_protocol.h"

#include <charconv>
#include <cstdint>

#include "tic/horodate.h"

namespace influx {
namespace {

// Appends `text`, each character of `special` preceded by a backslash.
void append_escaped(std::string_view text, std::string_view special, std::string& out) {
  std::size_t start = 0;
  for (std::size_t at = text.find_first_of(special); at != std::string_view::npos;
       at = text.find_first_of(special, at + 1)) {
    out.append(text, start, at - start);
    out += '\\';
    out += text[at];
    start = at + 1;
  }
  out.append(text, start);
}

template <typename Integer>
void append_integer(Integer value, std::string& out) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace

void append_measurement(std::string_view name, std::string& out) {
  append_escaped(name, ", ", out);
}

void append_key(std::string_view key, std::string& out) {
  append_escaped(key, ",= ", out);
}

void append_string_value(std::string_view text, std::string& out) {
  out += '"';
  append_escaped(text, "\"\\", out);
  out += '"';
}

bool append_point(const tic::Frame& frame, std::string_view measurement, std::string& out) {
  const std::size_t start = out.size();
  append_measurement(measurement, out);
  // An empty tag value is not allowed: a frame without its address has no tag (the writer is
  // only given frames with one).
  if (const std::string_view meter = frame.address(); !meter.empty()) {
    out += ",meter=";
    append_key(meter, out);
  }
  char separator = ' ';
  for (const tic::Field field : frame) {
    const bool only_time = field.horodate && !field.is_number() && field.text.empty();
    if (!only_time) {
      out += separator;
      separator = ',';
      append_key(field.label, out);
      out += '=';
      if (field.is_number()) {
        append_integer(*field.number, out);
        out += 'i';
      } else {
        append_string_value(field.text, out);
      }
    }
    if (field.horodate) {
      out += separator;
      separator = ',';
      append_key(field.label, out);
      out += "_time=";
      append_integer(field.horodate->utc().time_since_epoch().count(), out);
      out += 'i';
    }
  }
  // A line without a field would be refused. Frames hold at least their address, so this
  // cannot happen; should it, the frame has nothing to store.
  if (separator == ' ') {
    out.resize(start);
    return false;
  }
  out += ' ';
  append_integer(frame.time().time_since_epoch().count(), out);
  out += '\n';
  return true;
}

void append_points(std::span<const tic::Frame> frames, std::string_view measurement,
                   std::string& out) {
  for (const tic::Frame& frame : frames)
    append_point(frame, measurement, out);
}

}  // namespace influx
