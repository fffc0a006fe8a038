// The on-disk spool of one writer: where frames wait, oldest first, while the destination is
// away, and where they stay across a restart of the process (DESIGN.md, "Archiving").
//
// Layout of the writer's folder (created 0700; every file 0600, consumption data is private):
//
//   <spool dir>/<writer name>/       flock()ed while a Spool has it: one process at a time
//     0000000001.jsonl   segments, named by a sequence number: one frame JSON per line
//     0000000002.jsonl   (tic/frame_json.h), "\n" after each; a new one every segment_bytes
//     rejected.jsonl     frames the destination refused one by one, same format, append-only
//
// Lines are written with plain write(), no fsync: they survive a crash of the process, and an SD
// card is not worn by syncs. A line cut by a crash (no "\n" at the end of a segment) is cut off
// when the spool is opened again and counted as unreadable. Lines are read back with
// tic::read_frame_json, which checks every value again.
//
// Reading does not remove: read() gives the oldest frames, consume() removes them once written.
// Where a segment was read up to is kept in memory only: after a restart a segment partly
// consumed is read again from its start, so some frames reach the destination twice. Writers are
// idempotent (writer.h), so that leaves each stored once.
//
// Not thread-safe: one thread (the sink's) uses it. I/O errors never throw: the call fails, says
// why in error(), and logs one line when the spool goes from working to failing. Taking frames in
// and reading them back are judged apart: frames read back from a full disk do not make it work
// again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tic/frame.h"

namespace sink {

class Spool {
 public:
  static constexpr std::uint64_t kSegmentBytes = 1024 * 1024;

  // Opens (creating it if needed) the folder and reads what earlier runs left there. Segments
  // are at most a quarter of max_bytes, so that dropping one gives back a fair part of the room.
  Spool(std::filesystem::path directory, std::uint64_t max_bytes,
        std::uint64_t segment_bytes = kSegmentBytes);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  const std::filesystem::path& directory() const { return directory_; }

  // Adds frames after the newest, in order, and returns how many were added (all of them unless
  // an I/O error stopped it; the ones not added are the last ones). When the segments exceed
  // max_bytes, the oldest segments are deleted and their frames counted as dropped.
  std::size_t append(std::span<const tic::Frame> frames);

  // The oldest frames, up to max_frames, in order, replacing `out`'s contents; they stay in the
  // spool until consumed. Lines that cannot be read back are skipped and counted (once).
  std::size_t read(std::size_t max_frames, std::vector<tic::Frame>& out);
  // Removes the first `count` frames of the last read() not consumed yet (a segment file goes
  // once all of it is consumed). After frames were dropped for room, the last read() is void.
  void consume(std::size_t count);

  // Appends a frame the destination refused to rejected.jsonl, where it stays for a person to
  // look at. False on an I/O error.
  bool reject(const tic::Frame& frame);

  // The TIME of the oldest frame waiting; nullopt when none waits or it cannot be read.
  std::optional<tic::Time> oldest_time();

  bool empty() const { return frames_ == 0; }
  std::uint64_t frames() const { return frames_; }          // waiting (lines not consumed)
  std::uint64_t bytes() const { return bytes_; }            // size of the segment files
  std::uint64_t dropped() const { return dropped_; }        // deleted for room, never written
  std::uint64_t unreadable() const { return unreadable_; }  // lines skipped: cut or invalid
  std::uint64_t rejected() const { return rejected_; }      // frames put in rejected.jsonl
  // Why the last operation failed; empty when it did not.
  const std::string& error() const { return error_; }

 private:
  struct Segment {
    std::uint64_t sequence;
    std::uint64_t bytes;   // complete lines only
    std::uint64_t frames;  // lines neither consumed nor found unreadable
  };
  // A place in the spool: a segment and a byte offset in it.
  struct Position {
    std::uint64_t sequence = 0;
    std::uint64_t offset = 0;
    friend auto operator<=>(const Position&, const Position&) = default;
  };
  struct Pending {
    Position end;  // just after the frame's line
    tic::Time time;
  };

  bool ensure_open();
  bool open();
  bool scan_segment(std::uint64_t sequence);
  bool start_segment();
  void close_tail();
  void delete_segment(std::size_t index);
  void drop_oldest();
  void enforce_limit();
  void advance_head(Position to);
  Segment* find_segment(std::uint64_t sequence);
  std::filesystem::path segment_path(std::uint64_t sequence) const;
  // Frames going in (opening, creating, writing) or coming out (reading).
  enum class Direction { In, Out };
  bool fail(std::string message, Direction direction = Direction::In);
  // Clears a failure of the same direction.
  void succeed(Direction direction = Direction::In);

  std::filesystem::path directory_;
  std::uint64_t max_bytes_;
  std::uint64_t segment_bytes_;

  int lock_fd_ = -1;
  int tail_fd_ = -1;  // the newest segment, open for appending; -1 until a frame is appended
  std::uint64_t tail_sequence_ = 0;
  std::uint64_t next_sequence_ = 1;
  bool opened_ = false;

  std::deque<Segment> segments_;   // oldest first
  std::uint64_t head_offset_ = 0;  // in segments_.front(): where the next frame starts
  std::vector<Pending> pending_;   // the frames the last read() gave
  std::size_t pending_consumed_ = 0;
  Position counted_until_;  // unreadable lines before it are counted already
  std::optional<tic::Time> oldest_time_;
  bool oldest_known_ = false;

  std::uint64_t frames_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t unreadable_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t dropped_in_episode_ = 0;  // since the spool last overflowed
  bool dropping_ = false;
  bool unreadable_logged_ = false;
  std::string error_;
  std::optional<Direction> failing_;  // the direction of the last failure, while it lasts
};

}  // namespace sink
