// Frame-stream messages waiting for the broker, oldest first, bounded. A day of frames must fit
// on a Pi Zero, so frames are kept compactly: each one as the fields that differ from the frame
// its stream pushed before it (a meter repeats most of its labels unchanged from frame to frame).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tic/field.h"
#include "tic/frame.h"

namespace bridge {

class FrameBacklog {
 public:
  // At most `capacity` frames; pushing one more drops the oldest.
  explicit FrameBacklog(std::size_t capacity);

  // Adds a frame of `stream` (an index the owner gives each meter's frame topic). True when the
  // oldest frame had to be dropped to make room.
  bool push(std::uint32_t stream, const tic::Frame& frame);
  // Takes the oldest frame out: its stream and the frame as pushed (same fields, mode, kind and
  // time). False when empty.
  bool pop(std::uint32_t& stream, tic::Frame& frame);

  std::size_t size() const;
  std::size_t capacity() const;
  std::size_t bytes() const;      // memory held by the stored frames
  std::uint64_t dropped() const;  // frames dropped because the backlog was full

 private:
  // The text of a frame's fields (label, horodate, data), as the pushing end remembers the last
  // frame it encoded: all the encoder compares, without a tic::Frame's decoded values.
  class FrameText {
   public:
    void clear();
    void add(const tic::Field& field);
    std::size_t size() const { return fields_.size(); }
    std::string_view label(std::size_t i) const { return part(i, 0, fields_[i].label); }
    std::string_view horodate(std::size_t i) const {
      return part(i, fields_[i].label, fields_[i].horodate);
    }
    std::string_view raw(std::size_t i) const {
      return part(i, fields_[i].label + fields_[i].horodate, fields_[i].raw);
    }

   private:
    struct Sizes {
      std::uint32_t at;
      std::uint8_t label, horodate, raw;
    };
    std::string_view part(std::size_t i, std::size_t skip, std::size_t size) const {
      return std::string_view{bytes_}.substr(fields_[i].at + skip, size);
    }
    std::string bytes_;
    std::vector<Sizes> fields_;
  };
  // Each end of a stream's chain of differences remembers the last frame of each kind (long,
  // short) that went through it, and the time of the last frame. Both ends see the same frames
  // in the same order: what the pushing end encoded against, the popping end decodes against.
  struct Pushed {
    std::array<FrameText, 2> previous;
    tic::Time time{};
  };
  struct Popped {
    std::array<tic::Frame, 2> previous;
    tic::Time time{};
  };
  struct Stream {
    Pushed pushed;
    Popped popped;
  };
  // Entries are appended to blocks of kBlockBytes and never split across two, so a block is
  // freed whole once read (an entry larger than a block gets a block of its own).
  struct Block {
    std::string bytes;
    std::size_t read = 0;
  };
  static constexpr std::size_t kBlockBytes = 16 * 1024;

  void encode(std::uint32_t stream, const tic::Frame& frame);
  void store(std::string_view entry);
  bool take(std::uint32_t& stream, tic::Frame& frame);

  std::size_t capacity_;
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
  std::size_t bytes_ = 0;  // block capacities
  std::deque<Block> blocks_;
  std::map<std::uint32_t, Stream> streams_;
  std::string entry_;         // the entry being encoded, reused
  FrameText text_;            // the text of the frame being encoded, reused
  std::string part_;          // data being rebuilt, reused
  std::string horodate_;      // a horodate being rebuilt, reused
  tic::Frame dropped_frame_;  // where a dropped entry is decoded
};

}  // namespace bridge
