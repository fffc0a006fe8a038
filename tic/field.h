// One information group, decoded: the checks and conversions a data field goes through, shared
// by the byte decoder and the frame-JSON reader so that both accept exactly the same values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tic/horodate.h"
#include "tic/labels.h"

namespace tic {

struct Field {
  std::string_view label;
  std::string_view raw;             // the data field exactly as received
  const LabelInfo* info = nullptr;  // nullptr: a label the dictionary does not know (kept as text)
  std::string_view horodate_raw;    // the 13 horodate characters, empty when there is none
  std::optional<Horodate> horodate;
  std::optional<std::uint64_t> number;  // the value of a Kind::Number label
  std::string_view text;                // the value of any other label: `raw` trimmed, or as is

  // The value shown to users: trimmed text, the identifier as sent, or the number's digits.
  bool is_number() const { return number.has_value(); }
};

enum class FieldError : std::uint8_t {
  None,
  Label,     // not shaped like a label
  Horodate,  // missing where the label has one, present where it has none, or not a valid date
  Data,      // wrong length or characters for the label
};

std::string_view to_string(FieldError error);

inline constexpr std::size_t kMaxLabelLength = 16;

// Checks label, horodate and data against the dictionary and fills `out` (whose views point into
// the arguments). Unknown labels are accepted when shaped like one: an upper-case letter, then
// upper-case letters, digits, '+' or '-'.
FieldError decode_field(std::string_view label, std::optional<std::string_view> horodate,
                        std::string_view raw, Field& out);

// The same, for a label already looked up: `info` is find_label(label).
FieldError decode_field(const LabelInfo* info, std::string_view label,
                        std::optional<std::string_view> horodate, std::string_view raw, Field& out);

}  // namespace tic
