// The TIC decoder: bytes in, frames out. Pure: no I/O and no clock (the caller says when the
// bytes arrived), so every byte-level case can be tested by pushing a string.
//
// On the wire (02E §1.5.2, 54E §5.3.6), 7 data bits, even parity:
//
//   STX  LF group CR  LF group CR  ...  LF group CR  ETX      (STX 0x02, ETX 0x03, LF, CR)
//
// EOT (0x04) interrupts a frame; the meter starts again with STX. Reading starts mid-frame,
// captures hold NULs, line-oriented tools drop STX/ETX or turn CR into LF, and lines pick up
// noise: a group's LF arrives as 0x0B, 0x0E or 0x0F, bytes arrive with bit 7 set. The decoder
// copes with all of that and counts what it drops; a group that fails any check never reaches a
// frame, and nothing is ever filled in.
//
// A frame ends at its ETX. It also ends, and is delivered only if its last group is the one that
// ends this stream's frames, at a new STX, at an address group (ADCO, ADSC) or ADIR group that
// follows other groups, at a label seen twice, and at the end of input. An address group with no
// frame open opens one: its STX was lost, or the capture never had any.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tic/frame.h"
#include "tic/labels.h"

namespace tic {

struct DecoderStats {
  std::uint64_t bytes = 0;          // bytes pushed
  std::uint64_t frames = 0;         // frames delivered, long and short
  std::uint64_t short_frames = 0;   // of which historic three-phase short frames
  std::uint64_t groups = 0;         // groups that passed every check
  std::uint64_t bad_checksum = 0;   // groups dropped: checksum mismatch
  std::uint64_t bad_format = 0;     // groups dropped: misshapen, cut, or data wrong for the label
  std::uint64_t too_long = 0;       // groups or frames dropped for exceeding their bound
  std::uint64_t interrupted = 0;    // frames dropped: EOT, or cut off before their end
  std::uint64_t skipped_bytes = 0;  // bytes that belonged to no group: noise, NULs, stray bytes
  std::uint64_t unchecked = 0;      // groups kept despite a wrong checksum (DecoderOptions)

  std::uint64_t rejected_groups() const { return bad_checksum + bad_format + too_long; }
};

struct DecoderOptions {
  // nullopt: each group's separator tells its mode (a frame keeps the mode of its first group).
  std::optional<Mode> mode;
  // Labels whose checksum is not checked: the escape hatch for meters whose firmware sends a
  // wrong checksum on one label (seen with PJOURF+1). Such groups are counted in `unchecked`.
  std::vector<std::string> unchecked_labels;
};

enum class Rejection : std::uint8_t { BadChecksum, BadFormat, TooLong };

std::string_view to_string(Rejection rejection);

class Decoder {
 public:
  using FrameHandler = std::function<void(const Frame&)>;
  // Told about each dropped group, with its bytes (for diagnostics).
  using RejectionHandler = std::function<void(Rejection, std::string_view group)>;

  static constexpr std::size_t kMaxGroupBytes = 256;  // the longest group has 125 bytes

  Decoder(DecoderOptions options, FrameHandler on_frame);

  void on_rejection(RejectionHandler handler) { on_rejection_ = std::move(handler); }

  // Decodes bytes received at `received`; frames that end in them are delivered with that time,
  // moved on by a millisecond when needed so that frame times strictly increase.
  void push(std::span<const std::uint8_t> bytes, Time received);
  void push(std::string_view bytes, Time received);

  // End of input: a last line with no line end is read, and a frame still open is delivered if
  // it ends the way the stream's frames end (see README), else counted as interrupted.
  void finish(Time received);

  const DecoderStats& stats() const { return stats_; }

 private:
  void special_byte(std::uint8_t byte, Time received);
  void append_to_group(const std::uint8_t* bytes, std::size_t size, unsigned sum);
  void start_group();
  void drop_group();
  void clear_group();
  // Checks a group and adds it to the frame; false when it was dropped.
  bool end_group(std::string_view content, Time received);
  std::string_view group_view() const { return {group_, group_size_}; }
  bool reject(Rejection rejection, std::string_view group);  // counts it; returns false
  const LabelInfo* look_up(std::string_view label);
  void accept(const Field& field, std::string_view content, Mode mode, Time received);

  void open_frame();
  enum class FrameEnd { Etx, Implicit };
  void end_frame(FrameEnd how, Time received);
  void abandon_frame();
  bool ends_like_a_frame() const;
  bool is_short_frame() const;
  bool pending_group() const { return in_group_ && (group_size_ > 0 || group_overflow_); }

  DecoderOptions options_;
  FrameHandler on_frame_;
  RejectionHandler on_rejection_;
  DecoderStats stats_;

  // The group being read: bytes after its LF, bit 7 cleared.
  bool in_group_ = false;
  bool group_overflow_ = false;
  std::size_t group_size_ = 0;
  unsigned group_sum_ = 0;  // of its bytes, for the checksum
  char group_[kMaxGroupBytes];

  bool in_frame_ = false;
  bool frame_has_other_than_adir_ = false;
  std::size_t frame_groups_ = 0;  // groups read in the frame, valid or not
  Frame frame_;
  std::string last_label_;  // the label that ended the last frame closed by ETX
  Time last_time_{};

  // The label that followed each label last time, by dictionary place; the last slot stands for
  // the start of a frame.
  static constexpr std::size_t kFrameStart = 128;
  std::array<const LabelInfo*, kFrameStart + 1> next_label_{};
  std::size_t previous_label_ = kFrameStart;
};

}  // namespace tic
