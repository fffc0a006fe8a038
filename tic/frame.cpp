#include "tic/frame.h"

#include <algorithm>
#include <cassert>

namespace tic {

Field Frame::operator[](std::size_t index) const {
  const Slot& slot = slots_[index];
  Field field;
  field.label = view(slot.label_at, slot.label_size);
  field.raw = view(slot.raw_at, slot.raw_size);
  field.info = slot.info;
  field.horodate_raw = view(slot.horodate_at, slot.horodate_size);
  field.horodate = slot.horodate;
  field.number = slot.number;
  field.text = view(slot.raw_at + slot.text_at, slot.text_size);
  return field;
}

std::optional<Field> Frame::find(std::string_view label) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (view(slots_[i].label_at, slots_[i].label_size) == label) return (*this)[i];
  }
  return std::nullopt;
}

bool Frame::contains(std::string_view label) const {
  if (const LabelInfo* info = find_label(label)) return known_labels_.test(label_index(*info));
  return find(label).has_value();
}

bool Frame::contains(const Field& field) const {
  if (field.info != nullptr) return known_labels_.test(label_index(*field.info));
  return find(field.label).has_value();
}

std::optional<std::size_t> Frame::address_index() const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (is_address_label(view(slots_[i].label_at, slots_[i].label_size))) return i;
  }
  return std::nullopt;
}

std::string_view Frame::address() const {
  const std::optional<std::size_t> index = address_index();
  return index ? view(slots_[*index].raw_at, slots_[*index].raw_size) : std::string_view{};
}

void Frame::clear() {
  bytes_.clear();
  slots_.clear();
  known_labels_.reset();
  mode_ = Mode::Historic;
  kind_ = FrameKind::Long;
  time_ = Time{};
}

bool Frame::append(const Field& field, std::string_view source) {
  if (slots_.size() >= kMaxFields) return false;
  if (field.label.size() > 255 || field.horodate_raw.size() > 255 || field.raw.size() > 255) {
    return false;
  }

  // When the label, horodate and data lie in that order in `source`, as they do in a group read
  // off the wire ("LABEL SEP [HORODATE SEP] DATA"), the span from label to data is copied at once.
  const auto address = [](const char* at) { return reinterpret_cast<std::uintptr_t>(at); };
  const std::uintptr_t source_begin = address(source.data());
  const std::uintptr_t source_end = source_begin + source.size();
  const std::uintptr_t label_begin = address(field.label.data());
  const std::uintptr_t raw_end = address(field.raw.data()) + field.raw.size();
  const bool horodate_in_order =
      field.horodate_raw.empty() ||
      (address(field.horodate_raw.data()) >= label_begin + field.label.size() &&
       address(field.horodate_raw.data()) + field.horodate_raw.size() <= address(field.raw.data()));
  const bool in_order = !source.empty() && label_begin >= source_begin && raw_end <= source_end &&
                        address(field.raw.data()) >= label_begin + field.label.size() &&
                        horodate_in_order;
  const std::size_t span = in_order
                               ? raw_end - label_begin
                               : field.label.size() + field.horodate_raw.size() + field.raw.size();
  if (bytes_.size() + span > kMaxBytes) return false;

  Slot& slot = slots_.emplace_back();
  slot.info = field.info;
  slot.number = field.number;
  slot.horodate = field.horodate;
  const auto base = static_cast<std::uint16_t>(bytes_.size());
  if (in_order) bytes_.append(field.label.data(), span);
  auto place = [&](std::string_view part, std::uint16_t& at, std::uint8_t& size) {
    if (part.empty()) {
      at = base;  // an empty part may view nothing at all
    } else if (in_order) {
      at = static_cast<std::uint16_t>(base + (address(part.data()) - label_begin));
    } else {
      at = static_cast<std::uint16_t>(bytes_.size());
      bytes_.append(part);
    }
    size = static_cast<std::uint8_t>(part.size());
  };
  place(field.label, slot.label_at, slot.label_size);
  place(field.horodate_raw, slot.horodate_at, slot.horodate_size);
  place(field.raw, slot.raw_at, slot.raw_size);
  // The decoded text is the data or a part of it (decode_field makes it so).
  if (!field.text.empty()) {
    assert(address(field.text.data()) >= address(field.raw.data()) &&
           address(field.text.data()) + field.text.size() <= raw_end);
    slot.text_at = static_cast<std::uint16_t>(field.text.data() - field.raw.data());
    slot.text_size = static_cast<std::uint8_t>(field.text.size());
  }
  if (field.info != nullptr) known_labels_.set(label_index(*field.info));
  return true;
}

bool has_short_frame_labels(const Frame& frame) {
  auto in_short_frame = [](const Field& field) {
    const std::string_view label = field.label;
    return label == "ADIR1" || label == "ADIR2" || label == "ADIR3" || label == "ADCO" ||
           label == "IINST1" || label == "IINST2" || label == "IINST3";
  };
  return frame.mode() == Mode::Historic && frame.contains("IINST1") &&
         std::all_of(frame.begin(), frame.end(), in_short_frame);
}

bool operator==(const Frame& a, const Frame& b) {
  if (a.mode_ != b.mode_ || a.kind_ != b.kind_ || a.time_ != b.time_ || a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Field x = a[i];
    const Field y = b[i];
    if (x.label != y.label || x.raw != y.raw || x.horodate_raw != y.horodate_raw) return false;
  }
  return true;
}

}  // namespace tic
