// A frame: the valid groups of one STX..ETX block, decoded, in the order the meter sent them.
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tic/field.h"
#include "tic/labels.h"

namespace tic {

using Time = std::chrono::sys_time<std::chrono::milliseconds>;

enum class FrameKind : std::uint8_t {
  Long,   // a frame as the tables list it (groups that failed their checks are missing)
  Short,  // historic three-phase overload frame: ADIR1-3, ADCO, IINST1-3 (02E §2.5.4)
};

// A value type: a copy owns its bytes. Fields are returned as views into the frame.
class Frame {
 public:
  Mode mode() const { return mode_; }
  FrameKind kind() const { return kind_; }
  // When the frame's end was received (TIME in the frame JSON).
  Time time() const { return time_; }

  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  Field operator[](std::size_t index) const;
  std::optional<Field> find(std::string_view label) const;
  bool contains(std::string_view label) const;
  bool contains(const Field& field) const;  // a field with the same label
  // The meter address (ADCO or ADSC) as sent; empty when that group was not valid.
  std::string_view address() const;
  std::optional<std::size_t> address_index() const;
  // The bytes of its labels, horodates and data (and, for fields read off the wire, the
  // separators between them).
  std::size_t text_size() const { return bytes_.size(); }

  class Iterator {
   public:
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const Frame* frame, std::size_t index) : frame_(frame), index_(index) {}
    Field operator*() const { return (*frame_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const Iterator&) const = default;

   private:
    const Frame* frame_ = nullptr;
    std::size_t index_ = 0;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, slots_.size()}; }

  // Building, for the decoder and the frame-JSON reader. Capacity is kept across clear().
  void clear();
  void set_mode(Mode mode) { mode_ = mode; }
  void set_kind(FrameKind kind) { kind_ = kind; }
  void set_time(Time time) { time_ = time; }
  // Copies a decoded field in. False, and nothing added, past kMaxFields or kMaxBytes. `source`,
  // if given, is the buffer the field was decoded from: when its parts lie there in order they are
  // copied in one piece.
  bool append(const Field& field, std::string_view source = {});

  static constexpr std::size_t kMaxFields = 128;
  static constexpr std::size_t kMaxBytes = 32 * 1024;

  // Same mode, kind, time, and fields with the same labels, horodates and data.
  friend bool operator==(const Frame& a, const Frame& b);

 private:
  // A field, as offsets into bytes_: label, then horodate, then data.
  struct Slot {
    const LabelInfo* info;
    std::optional<std::uint64_t> number;
    std::optional<Horodate> horodate;
    std::uint16_t label_at;
    std::uint16_t horodate_at;
    std::uint16_t raw_at;
    std::uint16_t text_at;  // the decoded text: a part of the data
    std::uint8_t label_size;
    std::uint8_t horodate_size;
    std::uint8_t raw_size;
    std::uint8_t text_size;
  };

  std::string_view view(std::size_t at, std::size_t size) const {
    return std::string_view{bytes_}.substr(at, size);
  }

  std::string bytes_;
  std::vector<Slot> slots_;
  std::bitset<128> known_labels_;  // dictionary labels present, by their place in the table
  Mode mode_ = Mode::Historic;
  FrameKind kind_ = FrameKind::Long;
  Time time_{};
};

// Whether the frame holds only what a historic three-phase short frame holds: ADIR1-3 (some),
// ADCO, IINST1-3. Such frames come 20 to 1 with long frames while a phase is overloaded, and lack
// the indexes by design.
bool has_short_frame_labels(const Frame& frame);

}  // namespace tic
