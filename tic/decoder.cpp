#include "tic/decoder.h"

#include <algorithm>
#include <cstring>

#include "tic/bytes.h"
#include "tic/group.h"

namespace tic {
namespace {

constexpr std::uint8_t kNul = 0x00;
constexpr std::uint8_t kStx = 0x02;  // start of frame
constexpr std::uint8_t kEtx = 0x03;  // end of frame
constexpr std::uint8_t kEot = 0x04;  // frame interrupted
constexpr std::uint8_t kLf = 0x0A;   // start of group
constexpr std::uint8_t kCr = 0x0D;   // end of group

using bytes::is_plain;

// ADIR1-3 open a historic three-phase short frame, before its ADCO.
bool is_overload_label(std::string_view label) {
  return label == "ADIR1" || label == "ADIR2" || label == "ADIR3";
}

// The last group of a frame in each mode's tables: single-phase and three-phase historic frames,
// standard frames without and with a mobile peak announced.
bool is_last_label(std::string_view label) {
  return label == "MOTDETAT" || label == "PPOT" || label == "PJOURF+1" || label == "PPOINTE";
}

// A short frame is ADIR1-3 (some), ADCO, IINST1, IINST2, IINST3: seven groups at most.
constexpr std::size_t kMaxShortFrameGroups = 7;

}  // namespace

std::string_view to_string(Rejection rejection) {
  switch (rejection) {
    case Rejection::BadChecksum:
      return "bad checksum";
    case Rejection::BadFormat:
      return "bad format";
    case Rejection::TooLong:
      return "too long";
  }
  return "?";
}

Decoder::Decoder(DecoderOptions options, FrameHandler on_frame)
    : options_(std::move(options)), on_frame_(std::move(on_frame)) {}

void Decoder::push(std::string_view bytes, Time received) {
  push(std::span{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, received);
}

void Decoder::push(std::span<const std::uint8_t> bytes, Time received) {
  stats_.bytes += bytes.size();
  const std::uint8_t* next = bytes.data();
  const std::uint8_t* const end = next + bytes.size();
  while (next != end) {
    // Most bytes sit inside groups: find where the group stops, eight bytes at a time.
    if (in_group_) {
      unsigned run_sum = 0;
      const std::uint8_t* const stop = bytes::find_special(next, end, run_sum);
      const auto run = static_cast<std::size_t>(stop - next);
      if (stop != end && *stop == kCr && group_size_ == 0 && run > 0 && run <= kMaxGroupBytes) {
        // The whole group is in this chunk: read it where it lies.
        group_sum_ = run_sum;
        end_group({reinterpret_cast<const char*>(next), run}, received);
        next = stop + 1;
        // Usually the next group's LF follows at once.
        in_group_ = next != end && *next == kLf;
        if (in_group_) {
          clear_group();
          ++next;
        }
        continue;
      }
      append_to_group(next, run, run_sum);
      next = stop;
      if (next == end) break;
    }
    special_byte(*next++, received);
  }
}

void Decoder::finish(Time received) {
  if (pending_group()) end_group(group_view(), received);
  in_group_ = false;
  end_frame(FrameEnd::Implicit, received);
}

void Decoder::special_byte(std::uint8_t byte, Time received) {
  byte &= 0x7F;  // a 7E1 line read as 8 bits: bit 7 is the parity bit
  if (is_plain(byte)) {
    if (in_group_) {
      append_to_group(&byte, 1, byte);
    } else {
      ++stats_.skipped_bytes;
    }
    return;
  }

  // Every control byte ends the group being read, which is then checked like any other: a CR
  // lost before ETX, or turned into 0x0C on the line, costs no group.
  switch (byte) {
    case kNul:
      ++stats_.skipped_bytes;
      return;
    case kStx:
      if (pending_group()) end_group(group_view(), received);
      in_group_ = false;
      end_frame(FrameEnd::Implicit, received);  // whole only if it ends as frames do
      open_frame();
      return;
    case kEtx:
      if (pending_group()) end_group(group_view(), received);
      in_group_ = false;
      if (in_frame_) {
        end_frame(FrameEnd::Etx, received);
      } else {
        ++stats_.skipped_bytes;
      }
      return;
    case kEot:
      if (in_frame_) {
        abandon_frame();
      } else {
        drop_group();
        ++stats_.skipped_bytes;
      }
      in_group_ = false;
      return;
    case kLf:
      // A group still open lost its CR, or a line tool turned CR into LF.
      if (pending_group()) end_group(group_view(), received);
      start_group();
      return;
    case kCr:
      if (pending_group()) {
        end_group(group_view(), received);
      } else {
        ++stats_.skipped_bytes;  // a stray CR: "CR CR LF" and "STX CR LF" are both seen
      }
      in_group_ = false;
      return;
    default:
      // Noise. Between groups it is a group's LF arriving damaged (0x0B, 0x0E and 0x0F are seen
      // in the field): a group starts after it. After a group's bytes it may be that group's CR
      // damaged (or, in a capture whose CRs became LFs, its LF): if the group is valid, a group
      // starts after it too. Otherwise it cut the group, and what follows up to the CR is not a
      // group: read as one, it could pass its checksum by chance.
      ++stats_.skipped_bytes;
      if (!pending_group() || end_group(group_view(), received)) {
        start_group();
      } else {
        in_group_ = false;
      }
      return;
  }
}

// A group over the bound keeps its first kMaxGroupBytes bytes (for the rejection handler); the
// bytes past them are skipped, however they were cut into chunks.
void Decoder::append_to_group(const std::uint8_t* bytes, std::size_t size, unsigned sum) {
  const std::size_t room = kMaxGroupBytes - group_size_;
  if (size > room) {
    group_overflow_ = true;
    stats_.skipped_bytes += size - room;
    size = room;
  }
  std::memcpy(group_ + group_size_, bytes, size);
  group_size_ += size;
  group_sum_ += sum;  // meaningless once over the bound: such a group is dropped unread
}

void Decoder::start_group() {
  in_group_ = true;
  clear_group();
}

void Decoder::drop_group() {
  if (pending_group()) stats_.skipped_bytes += group_size_;
  clear_group();
}

void Decoder::clear_group() {
  group_size_ = 0;
  group_sum_ = 0;
  group_overflow_ = false;
}

bool Decoder::reject(Rejection rejection, std::string_view group) {
  switch (rejection) {
    case Rejection::BadChecksum:
      ++stats_.bad_checksum;
      break;
    case Rejection::BadFormat:
      ++stats_.bad_format;
      break;
    case Rejection::TooLong:
      ++stats_.too_long;
      break;
  }
  if (in_frame_) ++frame_groups_;
  if (on_rejection_) on_rejection_(rejection, group);
  clear_group();
  return false;
}

bool Decoder::end_group(std::string_view content, Time received) {
  if (group_overflow_ || content.size() > kMaxGroupBytes) {
    return reject(Rejection::TooLong, content);
  }

  SplitGroup group;
  if (!split_group(content, group_sum_, group)) return reject(Rejection::BadFormat, content);
  const Mode frame_mode = in_frame_ && !frame_.empty() ? frame_.mode() : group.mode;
  if (group.mode != options_.mode.value_or(frame_mode)) {
    return reject(Rejection::BadFormat, content);
  }
  if (!group.checksum_ok) {
    const auto& unchecked = options_.unchecked_labels;
    if (std::find(unchecked.begin(), unchecked.end(), group.label) == unchecked.end()) {
      return reject(Rejection::BadChecksum, content);
    }
    ++stats_.unchecked;
  }

  // A label of the dictionary is only valid in its own mode.
  const LabelInfo* const info = look_up(group.label);
  if (info != nullptr && info->mode != group.mode) return reject(Rejection::BadFormat, content);
  Field field;
  if (decode_field(info, group.label, group.horodate, group.data, field) != FieldError::None) {
    return reject(Rejection::BadFormat, content);
  }
  ++stats_.groups;
  // The label, horodate and data lie in order in `content`: the frame copies them at once.
  accept(field, content, group.mode, received);
  clear_group();
  return true;
}

// Meters send their labels in the same order frame after frame: the label that followed this
// one last time is tried before the dictionary.
const LabelInfo* Decoder::look_up(std::string_view label) {
  auto same = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  };
  const LabelInfo* const guess = next_label_[previous_label_];
  const LabelInfo* const info =
      guess != nullptr && same(guess->name, label) ? guess : find_label(label);
  if (info == nullptr) return nullptr;
  next_label_[previous_label_] = info;
  previous_label_ = label_index(*info);
  return info;
}

void Decoder::accept(const Field& field, std::string_view content, Mode mode, Time received) {
  const bool opens_frame = is_address_label(field.label) || is_overload_label(field.label);
  if (in_frame_) {
    // Only ADIR groups come before the address in a frame: an address or ADIR group after any
    // other group, or a label seen twice, means ETX and STX were lost in between.
    if ((opens_frame && frame_has_other_than_adir_) || frame_.contains(field)) {
      end_frame(FrameEnd::Implicit, received);
      open_frame();
    }
  } else if (opens_frame) {
    open_frame();  // its STX was lost, or a line tool never kept any: the first group opens it
  } else {
    return;  // valid, but part of no frame (the tail of a frame whose start was missed)
  }

  if (frame_.empty()) frame_.set_mode(mode);
  if (!frame_.append(field, content)) {
    ++stats_.too_long;
    in_frame_ = false;
    return;
  }
  ++frame_groups_;
  if (!is_overload_label(field.label)) frame_has_other_than_adir_ = true;
}

void Decoder::open_frame() {
  in_frame_ = true;
  previous_label_ = kFrameStart;
  frame_has_other_than_adir_ = false;
  frame_groups_ = 0;
  frame_.clear();
}

void Decoder::abandon_frame() {
  if (in_frame_ && (frame_groups_ > 0 || pending_group())) ++stats_.interrupted;
  in_frame_ = false;
  in_group_ = false;
  clear_group();
}

void Decoder::end_frame(FrameEnd how, Time received) {
  if (!in_frame_) return;
  in_frame_ = false;
  if (frame_.empty()) return;  // every group in it was dropped, and counted
  if (how == FrameEnd::Implicit && !ends_like_a_frame()) {
    ++stats_.interrupted;
    return;
  }

  const bool short_frame = is_short_frame();
  frame_.set_kind(short_frame ? FrameKind::Short : FrameKind::Long);
  // Learnt only from the tables' last labels: an ETX made by noise in mid-frame teaches nothing.
  const std::string_view last = frame_[frame_.size() - 1].label;
  if (how == FrameEnd::Etx && !short_frame && is_last_label(last)) last_label_ = last;

  last_time_ = std::max(received, last_time_ + std::chrono::milliseconds{1});
  frame_.set_time(last_time_);
  ++stats_.frames;
  if (short_frame) ++stats_.short_frames;
  on_frame_(frame_);
}

// A frame closed by anything but its ETX (the next STX, the next address, the end of input) is
// whole only if its last group is the one that ends this stream's frames: learnt from the last
// frame closed by ETX, or one of the tables' last labels until then.
bool Decoder::ends_like_a_frame() const {
  const std::string_view last = frame_[frame_.size() - 1].label;
  if (is_short_frame()) return last == "IINST3";
  if (!last_label_.empty()) return last == last_label_;
  return is_last_label(last);
}

// Judged on every group read, valid or not: a long frame that lost most of its groups is not
// a short frame.
bool Decoder::is_short_frame() const {
  return frame_groups_ <= kMaxShortFrameGroups && has_short_frame_labels(frame_);
}

}  // namespace tic
