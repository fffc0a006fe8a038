// The label dictionary of both TIC modes: what each label means, how its data is written and
// which meters send it. Sources: Enedis-NOI-CPT_02E (historic meters) tables 2-5 and
// Enedis-NOI-CPT_54E (Linky) §6.1-6.2; summarised in PROTOCOL.md §2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tic {

enum class Mode : std::uint8_t { Historic, Standard };

std::string_view to_string(Mode mode);

// The line speed of a mode: 1200 Bd historic, 9600 Bd standard (PROTOCOL.md §1).
constexpr unsigned baud_rate(Mode mode) {
  return mode == Mode::Historic ? 1200 : 9600;
}

// Bytes a second on the line: 7E1 spends 10 bits on a byte (start, 7 data, parity, stop).
constexpr unsigned bytes_per_second(Mode mode) {
  return baud_rate(mode) / 10;
}

// How the data field is written, and so how it is decoded.
enum class Kind : std::uint8_t {
  Number,      // unsigned decimal, zero padded to the label's length: decoded to an integer
  Text,        // free text padded with spaces (or dots in historic mode): decoded by trimming
  Identifier,  // a code whose every character matters (address, PRM, version): kept as is
  Hex,         // a register in hexadecimal digits (STGE, PPOT): kept as is, decoded on demand
};

enum class Unit : std::uint8_t { None, Wh, VArh, VA, kVA, W, A, V, Minute, Decalitre };

std::string_view to_string(Unit unit);

// Which meters send the label.
enum class Scope : std::uint8_t {
  All,
  SinglePhase,  // historic single-phase meters only
  ThreePhase,   // three-phase meters only
  Producer,     // Linky in producer mode only
  Concentrator  // historic téléreport concentrators only
};

struct LabelInfo {
  std::string_view name;
  Mode mode;
  Kind kind;
  Unit unit;
  std::uint8_t length;  // characters of the data field; 0 when the specifications leave it open
  bool horodated;       // standard mode: a horodate sits between the label and the data
  Scope scope;
  std::string_view meaning;

  // An index: a counter that only grows (energy, gas volume).
  bool is_index() const {
    return kind == Kind::Number &&
           (unit == Unit::Wh || unit == Unit::VArh || unit == Unit::Decalitre);
  }
};

namespace detail {
extern const LabelInfo kLabels[];
extern const std::size_t kLabelCount;
}  // namespace detail

// Every label of both modes, in the order meters send them.
inline std::span<const LabelInfo> all_labels() {
  return {detail::kLabels, detail::kLabelCount};
}

// The place of a dictionary entry in all_labels().
inline std::size_t label_index(const LabelInfo& info) {
  return static_cast<std::size_t>(&info - detail::kLabels);
}

// The dictionary entry of a label, or nullptr for a label the specifications do not name.
// Labels must match whole: SMAXSN, SMAXSN1, SMAXSN-1 and SMAXSN1-1 are four labels.
const LabelInfo* find_label(std::string_view name);

// ADCO (historic) and ADSC (standard) carry the meter address and open every long frame.
inline bool is_address_label(std::string_view name) {
  return name.size() == 4 && name[0] == 'A' && name[1] == 'D' &&
         ((name[2] == 'C' && name[3] == 'O') || (name[2] == 'S' && name[3] == 'C'));
}

}  // namespace tic
