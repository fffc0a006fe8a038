#include "tic/field.h"

#include "tic/bytes.h"

namespace tic {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

const std::uint8_t* as_bytes(std::string_view text) {
  return reinterpret_cast<const std::uint8_t*>(text.data());
}

bool shaped_like_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength || !is_upper(label.front())) return false;
  for (char c : label) {
    if (!is_upper(c) && !is_digit(c) && c != '+' && c != '-') return false;
  }
  return true;
}

std::string_view trim(std::string_view text, bool dots) {
  auto padding = [dots](char c) { return c == ' ' || (dots && c == '.'); };
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && padding(text.back()))
    text.remove_suffix(1);
  return text;
}

// Up to 19 digits (they always fit in 64 bits), eight at a time.
bool parse_number(std::string_view digits, std::uint64_t& value) {
  if (digits.empty() || digits.size() > 19) return false;
  value = 0;
  std::size_t at = 0;
  for (; digits.size() - at >= 8; at += 8) {
    const std::int64_t eight = bytes::eight_digits(as_bytes(digits) + at);
    if (eight < 0) return false;
    value = value * 100000000 + static_cast<std::uint64_t>(eight);
  }
  for (; at < digits.size(); ++at) {
    if (!is_digit(digits[at])) return false;
    value = value * 10 + static_cast<std::uint64_t>(digits[at] - '0');
  }
  return true;
}

bool decode_data(const LabelInfo& info, std::string_view raw, Field& out) {
  // Numbers and registers have a fixed width: a digit lost or gained on the line shows here even
  // when the checksum misses it. Text and identifiers vary between meters and are not held to it.
  const bool fixed_width = info.kind == Kind::Number || info.kind == Kind::Hex;
  if (fixed_width && info.length != 0 && raw.size() != info.length) return false;
  switch (info.kind) {
    case Kind::Number: {
      std::uint64_t value;
      if (!parse_number(raw, value)) return false;
      out.number = value;
      return true;
    }
    case Kind::Hex:
      for (char c : raw) {
        if (!is_hex(c)) return false;
      }
      out.text = raw;
      return true;
    case Kind::Identifier:
      out.text = raw;
      return true;
    case Kind::Text:
      // DATE carries its information in the horodate: its data field is empty.
      if (info.length == 0 && info.horodated && !raw.empty()) return false;
      // Historic tariff codes are padded with dots: "HC..", "EJP.", "TH..".
      out.text = trim(raw, info.mode == Mode::Historic);
      return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(FieldError error) {
  switch (error) {
    case FieldError::None:
      return "ok";
    case FieldError::Label:
      return "malformed label";
    case FieldError::Horodate:
      return "bad horodate";
    case FieldError::Data:
      return "bad data";
  }
  return "?";
}

FieldError decode_field(std::string_view label, std::optional<std::string_view> horodate,
                        std::string_view raw, Field& out) {
  return decode_field(find_label(label), label, horodate, raw, out);
}

FieldError decode_field(const LabelInfo* info, std::string_view label,
                        std::optional<std::string_view> horodate, std::string_view raw,
                        Field& out) {
  out.label = label;
  out.raw = raw;
  out.info = info;
  out.horodate_raw = {};
  out.horodate.reset();
  out.number.reset();
  out.text = {};
  if (info == nullptr && !shaped_like_label(label)) return FieldError::Label;
  // Numbers and registers check their characters more strictly below.
  const bool checks_characters =
      info != nullptr && (info->kind == Kind::Number || info->kind == Kind::Hex);
  if (!checks_characters && !bytes::all_printable(as_bytes(raw), raw.size())) {
    return FieldError::Data;
  }

  if (horodate.has_value()) {
    if (info != nullptr && !info->horodated) return FieldError::Horodate;
    out.horodate = parse_horodate(*horodate);
    if (!out.horodate) return FieldError::Horodate;
    out.horodate_raw = *horodate;
  } else if (info != nullptr && info->horodated) {
    return FieldError::Horodate;
  }

  if (info == nullptr) {
    out.text = trim(raw, false);
    return FieldError::None;
  }
  return decode_data(*info, raw, out) ? FieldError::None : FieldError::Data;
}

}  // namespace tic
