#include "bridge/frame_backlog.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace bridge {
namespace {

// An entry holds one frame as the difference from the previous frame of the same kind (long or
// short) that its stream pushed; against the first, an empty frame:
//
//   entry  := length header [stream] time token*     length: varint, of what follows it
//   header := bit 0 standard mode, bit 1 short frame, bits 2-7 the stream (63: the stream follows
//             as a varint)
//   time   := milliseconds since the previous frame of the stream, zigzag varint
//   token  := 0x00-0x7F         the next 1-128 fields of the previous frame, unchanged
//           | 0x80 count        the next `count` fields of the previous frame are not in this one
//           | 0x81 label horodate data      a field the previous frame has not (each part: its
//                                           length, one byte, then its bytes; a horodate of
//                                           length 0 is no horodate)
//           | 0x82 data-diff                the previous frame's next field, with new data
//           | 0x83 horodate-diff            ... with a new horodate
//           | 0x84 horodate-diff data-diff  ... with both new
//   diff   := shared suffix-length suffix   the first `shared` bytes of the previous part, then
//                                           the suffix (an index or a horodate changes at its end)
//
// Every length is one byte: Frame keeps labels, horodates and data under 256 bytes and frames
// under 129 fields. A field of the frame matches the first field of the previous frame with its
// label at or after the place where the last match ended: a group missing from one frame (a bad
// checksum) costs a skip, not a resend of the rest of the frame.
constexpr unsigned char kMaxRun = 0x80;
constexpr unsigned char kSkip = 0x80;
constexpr unsigned char kNewField = 0x81;
constexpr unsigned char kNewData = 0x82;
constexpr unsigned char kNewHorodate = 0x83;
constexpr unsigned char kNewHorodateAndData = 0x84;
constexpr std::uint32_t kStreamFollows = 63;

std::size_t kind_index(tic::FrameKind kind) {
  return kind == tic::FrameKind::Short ? 1 : 0;
}

void put_byte(std::string& out, std::uint64_t value) {
  out.push_back(static_cast<char>(static_cast<unsigned char>(value)));
}

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    put_byte(out, (value & 0x7F) | 0x80);
    value >>= 7;
  }
  put_byte(out, value);
}

void put_part(std::string& out, std::string_view part) {
  put_byte(out, part.size());
  out.append(part);
}

void put_diff(std::string& out, std::string_view before, std::string_view after) {
  std::size_t shared = 0;
  while (shared < before.size() && shared < after.size() && before[shared] == after[shared]) {
    ++shared;
  }
  put_byte(out, shared);
  put_part(out, after.substr(shared));
}

// Reads what the put_* functions wrote; entries are written by this file only.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return at_ >= bytes_.size(); }
  std::size_t byte() { return static_cast<unsigned char>(bytes_[at_++]); }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      const std::size_t next = byte();
      value |= static_cast<std::uint64_t>(next & 0x7F) << shift;
      if ((next & 0x80) == 0) return value;
    }
  }
  std::string_view part() {
    const std::size_t size = byte();
    const std::string_view out = bytes_.substr(at_, size);
    at_ += size;
    return out;
  }
  // The diff of `before`, rebuilt into `out`.
  std::string_view diff(std::string_view before, std::string& out) {
    const std::size_t shared = byte();
    out.assign(before.substr(0, shared));
    out.append(part());
    return out;
  }
  std::size_t position() const { return at_; }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

// Adds a field rebuilt from its text, decoded again as the decoder did.
void append_field(tic::Frame& frame, std::string_view label, std::string_view horodate,
                  std::string_view raw) {
  tic::Field field;
  const std::optional<std::string_view> horodate_if_any =
      horodate.empty() ? std::nullopt : std::optional<std::string_view>{horodate};
  if (tic::decode_field(label, horodate_if_any, raw, field) != tic::FieldError::None) {
    // Only a frame built by hand has fields that fail: keep their text as pushed.
    field = tic::Field{};
    field.label = label;
    field.raw = raw;
    field.info = tic::find_label(label);
    field.horodate_raw = horodate;
    field.text = raw;
  }
  frame.append(field);
}

}  // namespace

FrameBacklog::FrameBacklog(std::size_t capacity) : capacity_(capacity) {}

bool FrameBacklog::push(std::uint32_t stream, const tic::Frame& frame) {
  encode(stream, frame);
  store(entry_);
  ++size_;
  bool dropped = false;
  while (size_ > capacity_) {
    // The oldest frame is decoded all the same: the frames after it on its stream are
    // differences from it.
    std::uint32_t its_stream = 0;
    take(its_stream, dropped_frame_);
    ++dropped_;
    dropped = true;
  }
  return dropped;
}

bool FrameBacklog::pop(std::uint32_t& stream, tic::Frame& frame) {
  return take(stream, frame);
}

std::size_t FrameBacklog::size() const {
  return size_;
}

std::size_t FrameBacklog::capacity() const {
  return capacity_;
}

std::size_t FrameBacklog::bytes() const {
  return bytes_;
}

std::uint64_t FrameBacklog::dropped() const {
  return dropped_;
}

void FrameBacklog::FrameText::clear() {
  bytes_.clear();
  fields_.clear();
}

void FrameBacklog::FrameText::add(const tic::Field& field) {
  fields_.push_back({static_cast<std::uint32_t>(bytes_.size()),
                     static_cast<std::uint8_t>(field.label.size()),
                     static_cast<std::uint8_t>(field.horodate_raw.size()),
                     static_cast<std::uint8_t>(field.raw.size())});
  bytes_.append(field.label);
  bytes_.append(field.horodate_raw);
  bytes_.append(field.raw);
}

void FrameBacklog::encode(std::uint32_t stream, const tic::Frame& frame) {
  Pushed& end = streams_[stream].pushed;
  FrameText& previous = end.previous[kind_index(frame.kind())];

  entry_.clear();
  const std::size_t flags = (frame.mode() == tic::Mode::Standard ? 1 : 0) |
                            (frame.kind() == tic::FrameKind::Short ? 2 : 0);
  put_byte(entry_, flags | (std::min(stream, kStreamFollows) << 2));
  if (stream >= kStreamFollows) put_varint(entry_, stream);
  put_varint(entry_, zigzag((frame.time() - end.time).count()));

  text_.clear();
  std::size_t cursor = 0;  // the previous frame's next field
  std::size_t run = 0;     // unchanged fields not written yet
  const auto end_run = [&] {
    if (run > 0) put_byte(entry_, run - 1);
    run = 0;
  };
  for (const tic::Field field : frame) {
    text_.add(field);
    // The first field of the previous frame from the cursor on with this label.
    std::size_t match = cursor;
    while (match < previous.size() && previous.label(match) != field.label) {
      ++match;
    }
    if (match == previous.size()) {
      end_run();
      put_byte(entry_, kNewField);
      put_part(entry_, field.label);
      put_part(entry_, field.horodate_raw);
      put_part(entry_, field.raw);
      continue;
    }
    if (match > cursor) {
      end_run();
      put_byte(entry_, kSkip);
      put_byte(entry_, match - cursor);
    }
    cursor = match + 1;
    const std::string_view horodate_before = previous.horodate(match);
    const std::string_view raw_before = previous.raw(match);
    const bool same_horodate = field.horodate_raw == horodate_before;
    const bool same_data = field.raw == raw_before;
    if (same_horodate && same_data) {
      if (++run == kMaxRun) end_run();
      continue;
    }
    end_run();
    if (same_horodate) {
      put_byte(entry_, kNewData);
    } else {
      put_byte(entry_, same_data ? kNewHorodate : kNewHorodateAndData);
      put_diff(entry_, horodate_before, field.horodate_raw);
    }
    if (!same_data) put_diff(entry_, raw_before, field.raw);
  }
  end_run();

  std::swap(previous, text_);
  end.time = frame.time();
}

void FrameBacklog::store(std::string_view entry) {
  std::string length;
  put_varint(length, entry.size());
  const std::size_t needed = length.size() + entry.size();
  if (blocks_.empty() || blocks_.back().bytes.capacity() - blocks_.back().bytes.size() < needed) {
    Block& block = blocks_.emplace_back();
    block.bytes.reserve(std::max(kBlockBytes, needed));
    bytes_ += block.bytes.capacity() + sizeof(Block);
  }
  std::string& bytes = blocks_.back().bytes;
  bytes.append(length);
  bytes.append(entry);
}

bool FrameBacklog::take(std::uint32_t& stream, tic::Frame& frame) {
  if (size_ == 0) return false;
  Block& block = blocks_.front();
  Reader block_reader{std::string_view{block.bytes}.substr(block.read)};
  const auto length = static_cast<std::size_t>(block_reader.varint());  // one entry's size
  const std::size_t entry_at = block.read + block_reader.position();
  Reader reader{std::string_view{block.bytes}.substr(entry_at, length)};

  const std::size_t header = reader.byte();
  stream = static_cast<std::uint32_t>(header >> 2);
  if (stream == kStreamFollows) stream = static_cast<std::uint32_t>(reader.varint());
  const tic::FrameKind kind = (header & 2) != 0 ? tic::FrameKind::Short : tic::FrameKind::Long;
  Popped& end = streams_[stream].popped;
  tic::Frame& previous = end.previous[kind_index(kind)];
  end.time += std::chrono::milliseconds{unzigzag(reader.varint())};

  frame.clear();
  frame.set_mode((header & 1) != 0 ? tic::Mode::Standard : tic::Mode::Historic);
  frame.set_kind(kind);
  frame.set_time(end.time);
  std::size_t cursor = 0;
  while (!reader.done()) {
    const std::size_t token = reader.byte();
    if (token < kMaxRun) {
      for (std::size_t i = 0; i <= token; ++i) {
        frame.append(previous[cursor++]);
      }
    } else if (token == kSkip) {
      cursor += reader.byte();
    } else if (token == kNewField) {
      const std::string_view label = reader.part();
      const std::string_view horodate = reader.part();
      append_field(frame, label, horodate, reader.part());
    } else {
      const tic::Field before = previous[cursor++];
      const std::string_view horodate =
          token == kNewData ? before.horodate_raw : reader.diff(before.horodate_raw, horodate_);
      const std::string_view raw =
          token == kNewHorodate ? before.raw : reader.diff(before.raw, part_);
      append_field(frame, before.label, horodate, raw);
    }
  }
  previous = frame;

  block.read = entry_at + length;
  --size_;
  if (block.read == block.bytes.size()) {
    if (blocks_.size() > 1) {
      bytes_ -= block.bytes.capacity() + sizeof(Block);
      blocks_.pop_front();
    } else {
      block.bytes.clear();  // the last block is kept for the next frames
      block.read = 0;
    }
  }
  return true;
}

}  // namespace bridge
