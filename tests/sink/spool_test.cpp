// The on-disk spool (sink/spool.h) on real files in a temporary folder, with frames of a real
// capture: order across segments, a restart resuming, a line cut by a crash, the size limit
// dropping the oldest segments and counting exactly their frames, file modes, rejected.jsonl.
#include "sink/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "tic/frame.h"
#include "tic/frame_json.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A fresh directory, removed with what it holds.
struct TempDir {
  test::TemporaryDirectory directory{"teleinfo-sink-test"};
  fs::path path() const { return directory.path(); }
};

// `count` copies of the first frame of a historic capture, a second apart: their JSON lines all
// have the same length, so segments hold a known number of them.
std::vector<tic::Frame> frames(std::size_t count, std::size_t first = 1) {
  const tic::Frame model =
      test::decode(test::read_capture("hallard_tinfo_replay_histo_hc.txt")).frames.at(0);
  std::vector<tic::Frame> out;
  for (std::size_t i = first; i < first + count; ++i) {
    tic::Frame frame = model;
    frame.set_time(test::test_time() + std::chrono::seconds{i});
    out.push_back(frame);
  }
  return out;
}

std::uint64_t line_bytes() {
  return tic::to_frame_json(frames(1).front()).size() + 1;
}

std::vector<tic::Frame> read_all(sink::Spool& spool) {
  std::vector<tic::Frame> out;
  spool.read(1000000, out);
  return out;
}

std::vector<std::string> segment_names(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator{directory}) {
    const std::string name = entry.path().filename().string();
    if (name != "rejected.jsonl") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string file_text(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned mode_of(const fs::path& path) {
  struct stat status {};
  EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
  return status.st_mode & 07777;
}

TEST(Spool, AppendReadConsumeInOrderAcrossSegments) {
  TempDir temp;
  const fs::path directory = temp.path() / "mysql";
  const std::vector<tic::Frame> all = frames(10);
  sink::Spool spool{directory, 100 * line_bytes(), 3 * line_bytes()};
  EXPECT_TRUE(spool.empty());
  EXPECT_EQ(spool.append(std::span{all}.first(4)), 4u);
  EXPECT_EQ(spool.append(std::span{all}.subspan(4)), 6u);
  EXPECT_EQ(spool.frames(), 10u);
  EXPECT_EQ(spool.bytes(), 10 * line_bytes());
  EXPECT_EQ(spool.error(), "");
  // Three frames a segment: 1-3, 4-6, 7-9, 10.
  EXPECT_EQ(segment_names(directory),
            (std::vector<std::string>{"0000000001.jsonl", "0000000002.jsonl", "0000000003.jsonl",
                                      "0000000004.jsonl"}));
  ASSERT_EQ(spool.oldest_time(), all[0].time());

  std::vector<tic::Frame> batch;
  ASSERT_EQ(spool.read(4, batch), 4u);
  EXPECT_EQ(batch, std::vector<tic::Frame>(all.begin(), all.begin() + 4));
  spool.consume(2);
  EXPECT_EQ(spool.frames(), 8u);
  EXPECT_EQ(spool.oldest_time(), all[2].time());

  ASSERT_EQ(spool.read(4, batch), 4u);
  EXPECT_EQ(batch, std::vector<tic::Frame>(all.begin() + 2, all.begin() + 6));
  spool.consume(4);
  // Segments 1 and 2 are read through: deleted.
  EXPECT_EQ(segment_names(directory),
            (std::vector<std::string>{"0000000003.jsonl", "0000000004.jsonl"}));
  EXPECT_EQ(spool.bytes(), 4 * line_bytes());

  EXPECT_EQ(read_all(spool), std::vector<tic::Frame>(all.begin() + 6, all.end()));
  spool.consume(4);
  EXPECT_TRUE(spool.empty());
  EXPECT_EQ(spool.frames(), 0u);
  EXPECT_EQ(spool.bytes(), 0u);
  EXPECT_EQ(spool.oldest_time(), std::nullopt);
  EXPECT_TRUE(segment_names(directory).empty());
  EXPECT_EQ(spool.dropped(), 0u);
  EXPECT_EQ(spool.unreadable(), 0u);
}

TEST(Spool, ConsumeInStepsAfterOneRead) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(5);
  sink::Spool spool{temp.path(), 100 * line_bytes(), 2 * line_bytes()};
  spool.append(all);
  std::vector<tic::Frame> batch;
  ASSERT_EQ(spool.read(5, batch), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    spool.consume(1);
    EXPECT_EQ(spool.frames(), 4 - i);
  }
  spool.consume(1);  // nothing left of that read
  EXPECT_TRUE(spool.empty());
  EXPECT_TRUE(segment_names(temp.path()).empty());
}

TEST(Spool, ANewSpoolOnTheFolderResumesIt) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(8);
  {
    sink::Spool spool{temp.path(), 100 * line_bytes(), 3 * line_bytes()};
    spool.append(std::span{all}.first(7));
    std::vector<tic::Frame> batch;
    spool.read(4, batch);
    spool.consume(4);  // segment 1 (1-3) gone, frame 4 of segment 2 consumed
    EXPECT_EQ(spool.frames(), 3u);
  }
  sink::Spool spool{temp.path(), 100 * line_bytes(), 3 * line_bytes()};
  // Segment 2 is read again from its start: frame 4 comes again (writers are idempotent).
  EXPECT_EQ(spool.frames(), 4u);
  EXPECT_EQ(spool.oldest_time(), all[3].time());
  EXPECT_EQ(spool.append(std::span{all}.subspan(7)), 1u);
  EXPECT_EQ(segment_names(temp.path()),
            (std::vector<std::string>{"0000000002.jsonl", "0000000003.jsonl", "0000000004.jsonl"}));
  EXPECT_EQ(read_all(spool), std::vector<tic::Frame>(all.begin() + 3, all.end()));
  EXPECT_EQ(spool.unreadable(), 0u);
}

TEST(Spool, ALineCutByACrashIsSkippedAndCounted) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(6);
  {
    sink::Spool spool{temp.path(), 100 * line_bytes(), 3 * line_bytes()};
    spool.append(std::span{all}.first(5));
  }
  const fs::path last = temp.path() / "0000000002.jsonl";
  const std::string whole = tic::to_frame_json(all[5]);
  {
    std::ofstream out{last, std::ios::binary | std::ios::app};
    out << whole.substr(0, whole.size() / 2);
  }
  ASSERT_EQ(fs::file_size(last), 2 * line_bytes() + whole.size() / 2);

  sink::Spool spool{temp.path(), 100 * line_bytes(), 3 * line_bytes()};
  EXPECT_EQ(spool.unreadable(), 1u);
  EXPECT_EQ(spool.frames(), 5u);
  EXPECT_EQ(fs::file_size(last), 2 * line_bytes());  // cut back to its last whole line
  EXPECT_EQ(spool.append(std::span{all}.subspan(5)), 1u);
  EXPECT_EQ(read_all(spool), all);
}

TEST(Spool, ALineThatIsNotAFrameIsSkippedAndCountedOnce) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(2);
  {
    std::ofstream out{temp.path() / "0000000001.jsonl", std::ios::binary};
    out << tic::to_frame_json(all[0])
        << "\n"
        // Valid JSON, but PAPP's data is not a number: the reader checks every value again.
        << R"({"ADCO":{"raw":"021528603314","value":"021528603314"},)"
        << R"("PAPP":{"raw":"0X190","value":190},"TIME":{"raw":"2025-01-01T00:00:00.000Z",)"
        << R"("value":1735689600000}})"
        << "\n"
        << tic::to_frame_json(all[1]) << "\n";
  }
  sink::Spool spool{temp.path(), 1000 * line_bytes()};
  EXPECT_EQ(spool.frames(), 3u);  // lines, until read
  EXPECT_EQ(read_all(spool), all);
  EXPECT_EQ(spool.unreadable(), 1u);
  EXPECT_EQ(spool.frames(), 2u);
  EXPECT_EQ(read_all(spool), all);  // read again: not counted again
  EXPECT_EQ(spool.unreadable(), 1u);
  spool.consume(2);
  EXPECT_TRUE(spool.empty());
  EXPECT_TRUE(segment_names(temp.path()).empty());
}

TEST(Spool, OnlyUnreadableLinesLeftEmptiesTheSpool) {
  TempDir temp;
  {
    std::ofstream out{temp.path() / "0000000007.jsonl", std::ios::binary};
    out << "not a frame\n{}\n";
  }
  sink::Spool spool{temp.path(), 1024 * 1024};
  EXPECT_EQ(spool.frames(), 2u);
  std::vector<tic::Frame> batch;
  EXPECT_EQ(spool.read(10, batch), 0u);
  EXPECT_EQ(spool.unreadable(), 2u);
  EXPECT_TRUE(spool.empty());
  EXPECT_TRUE(segment_names(temp.path()).empty());
  // Numbering goes on after the segments found.
  spool.append(frames(1));
  EXPECT_EQ(segment_names(temp.path()), std::vector<std::string>{"0000000008.jsonl"});
}

TEST(Spool, OverItsLimitTheOldestSegmentsAreDroppedAndTheirFramesCounted) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(20);
  const std::uint64_t line = line_bytes();
  // Twelve frames' room; segments are a quarter of that (the default 1 MiB is more): three frames.
  sink::Spool spool{temp.path(), 12 * line};
  for (const tic::Frame& frame : all)
    ASSERT_EQ(spool.append(std::span{&frame, 1}), 1u);
  // Frame 13 overflows: 1-3 dropped; 16: 4-6; 19: 7-9.
  EXPECT_EQ(spool.dropped(), 9u);
  EXPECT_EQ(spool.frames(), 11u);
  EXPECT_EQ(spool.bytes(), 11 * line);
  EXPECT_EQ(read_all(spool), std::vector<tic::Frame>(all.begin() + 9, all.end()));
}

TEST(Spool, DroppingAPartlyConsumedSegmentCountsOnlyWhatWasLeftOfIt) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(14);
  sink::Spool spool{temp.path(), 12 * line_bytes(), 3 * line_bytes()};
  spool.append(std::span{all}.first(12));
  std::vector<tic::Frame> batch;
  spool.read(2, batch);
  spool.consume(2);  // segment 1 holds frame 3 only
  EXPECT_EQ(spool.frames(), 10u);
  spool.read(2, batch);  // frames 3 and 4, not consumed: the drop below voids this read
  spool.append(std::span{all}.subspan(12));  // 14 lines > 12: segment 1 goes
  EXPECT_EQ(spool.dropped(), 1u);
  EXPECT_EQ(spool.frames(), 11u);
  spool.consume(2);  // void
  EXPECT_EQ(spool.frames(), 11u);
  EXPECT_EQ(read_all(spool), std::vector<tic::Frame>(all.begin() + 3, all.end()));
}

TEST(Spool, FolderIsPrivateAndFilesToo) {
  TempDir temp;
  const fs::path directory = temp.path() / "spool" / "mysql";
  sink::Spool spool{directory, 1024 * 1024};
  spool.append(frames(1));
  ASSERT_TRUE(spool.reject(frames(1).front()));
  EXPECT_EQ(mode_of(temp.path() / "spool"), 0700u);
  EXPECT_EQ(mode_of(directory), 0700u);
  EXPECT_EQ(mode_of(directory / "0000000001.jsonl"), 0600u);
  EXPECT_EQ(mode_of(directory / "rejected.jsonl"), 0600u);
}

TEST(Spool, RefusedFramesAreKeptInRejectedJsonl) {
  TempDir temp;
  const std::vector<tic::Frame> all = frames(2);
  {
    sink::Spool spool{temp.path(), 1024 * 1024};
    ASSERT_TRUE(spool.reject(all[0]));
    ASSERT_TRUE(spool.reject(all[1]));
    EXPECT_EQ(spool.rejected(), 2u);
    EXPECT_TRUE(spool.empty());
  }
  const std::string expected =
      tic::to_frame_json(all[0]) + "\n" + tic::to_frame_json(all[1]) + "\n";
  EXPECT_EQ(file_text(temp.path() / "rejected.jsonl"), expected);
  // Not taken for a segment after a restart; appended to, never rewritten.
  sink::Spool spool{temp.path(), 1024 * 1024};
  EXPECT_TRUE(spool.empty());
  ASSERT_TRUE(spool.reject(all[0]));
  EXPECT_EQ(spool.rejected(), 1u);
  EXPECT_EQ(file_text(temp.path() / "rejected.jsonl"),
            expected + tic::to_frame_json(all[0]) + "\n");
}

// Frames going in and coming out fail apart: reading back the frames spooled before the disk
// filled up does not make the spool work again (and log so) while new ones cannot go in.
TEST(Spool, ReadingBackDoesNotEndAWriteFailure) {
  TempDir dir;
  sink::Spool spool{dir.path() / "mysql", 1 << 20, 2 * line_bytes()};
  ASSERT_EQ(spool.append(frames(2)), 2u);  // the first segment is full
  // The next segment cannot be made.
  fs::create_directory(dir.path() / "mysql" / "0000000002.jsonl");
  EXPECT_EQ(spool.append(frames(1, 3)), 0u);
  EXPECT_NE(spool.error().find("cannot create"), std::string::npos) << spool.error();
  std::vector<tic::Frame> out;
  EXPECT_EQ(spool.read(10, out), 2u);
  EXPECT_NE(spool.error().find("cannot create"), std::string::npos) << spool.error();
  fs::remove(dir.path() / "mysql" / "0000000002.jsonl");
  EXPECT_EQ(spool.append(frames(1, 3)), 1u);
  EXPECT_EQ(spool.error(), "");
}

TEST(Spool, OneProcessAtATime) {
  TempDir temp;
  auto first = std::make_unique<sink::Spool>(temp.path(), 1024 * 1024);
  sink::Spool second{temp.path(), 1024 * 1024};
  EXPECT_EQ(second.error(), "spool " + temp.path().string() + " is in use by another process");
  EXPECT_EQ(second.append(frames(1)), 0u);
  first.reset();
  EXPECT_EQ(second.append(frames(1)), 1u);
  EXPECT_EQ(second.error(), "");
}

TEST(Spool, AFolderThatCannotBeMadeIsAOneLineError) {
  TempDir temp;
  { std::ofstream{temp.path() / "file"} << "x"; }
  sink::Spool spool{temp.path() / "file" / "mysql", 1024 * 1024};
  EXPECT_EQ(spool.error(), "spool: cannot create " + (temp.path() / "file" / "mysql").string() +
                               ": Not a directory");
  EXPECT_EQ(spool.append(frames(1)), 0u);
  EXPECT_FALSE(spool.reject(frames(1).front()));
  std::vector<tic::Frame> batch;
  EXPECT_EQ(spool.read(10, batch), 0u);
  EXPECT_TRUE(spool.empty());
}

}  // namespace
