// ThreadedSink (sink/threaded_sink.h) around a scripted Writer: a test double of the writer
// interface that the test makes take frames, say the destination is away, refuse a frame, or
// hold a write until released. The spool is real, in a temporary folder. Tests wait on
// conditions (health() polled, with a 20 s failsafe), never on a fixed time.
#include "sink/threaded_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "support/eventually.h"
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

// Frames of a real capture, numbered by their TIME: frame i is test_time() + i seconds.
std::vector<tic::Frame> frames(std::size_t count, std::size_t first = 0) {
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

std::int64_t number(const tic::Frame& frame) {
  return std::chrono::duration_cast<std::chrono::seconds>(frame.time() - test::test_time()).count();
}

std::vector<std::int64_t> numbers(std::size_t count, std::size_t first = 0) {
  std::vector<std::int64_t> out;
  for (std::size_t i = first; i < first + count; ++i)
    out.push_back(static_cast<std::int64_t>(i));
  return out;
}

// What the destination does, set by the test; what it saw, read by the test. Shared with the
// writer, which the sink owns.
struct Destination {
  std::mutex mutex;
  std::condition_variable changed;
  bool available = true;
  bool held = false;  // write() waits while set
  std::function<bool(std::int64_t)> refuses = [](std::int64_t) { return false; };
  std::vector<std::vector<std::int64_t>> calls;  // the frames of every write(), by number
  std::vector<int> reopens_before_call;          // reopens, when each write() was called
  std::vector<std::int64_t> stored;
  int writes_waiting = 0;
  int reopens = 0;
  int closes = 0;
  std::thread::id writer_thread;
  std::thread::id reopen_thread;

  void hold() {
    const std::lock_guard lock{mutex};
    held = true;
  }
  void release() {
    {
      const std::lock_guard lock{mutex};
      held = false;
    }
    changed.notify_all();
  }
  void set_available(bool value) {
    const std::lock_guard lock{mutex};
    available = value;
  }
  // Waits until a write() is held.
  bool wait_for_held_write() {
    std::unique_lock lock{mutex};
    return changed.wait_for(lock, 20s, [this] { return writes_waiting > 0; });
  }
  std::vector<std::int64_t> stored_numbers() {
    const std::lock_guard lock{mutex};
    return stored;
  }
  std::vector<std::vector<std::int64_t>> calls_made() {
    const std::lock_guard lock{mutex};
    return calls;
  }
};

class ScriptedWriter : public sink::Writer {
 public:
  explicit ScriptedWriter(std::shared_ptr<Destination> destination)
      : destination_(std::move(destination)) {}
  std::string_view name() const override { return "mysql"; }

  sink::WriteResult write(std::span<const tic::Frame> frames) override {
    Destination& d = *destination_;
    std::unique_lock lock{d.mutex};
    d.writer_thread = std::this_thread::get_id();
    std::vector<std::int64_t> call;
    for (const tic::Frame& frame : frames)
      call.push_back(number(frame));
    d.calls.push_back(call);
    d.reopens_before_call.push_back(d.reopens);
    ++d.writes_waiting;
    d.changed.notify_all();
    d.changed.wait(lock, [&d] { return !d.held; });
    --d.writes_waiting;
    if (!d.available) return sink::WriteResult::unavailable("connection refused (test)");
    for (std::int64_t n : call) {
      if (d.refuses(n)) return sink::WriteResult::refused("a value out of range (test)");
    }
    d.stored.insert(d.stored.end(), call.begin(), call.end());
    return sink::WriteResult::written();
  }
  void reopen() override {
    const std::lock_guard lock{destination_->mutex};
    ++destination_->reopens;
    destination_->reopen_thread = std::this_thread::get_id();
    destination_->changed.notify_all();
  }
  void close() override {
    const std::lock_guard lock{destination_->mutex};
    ++destination_->closes;
  }

 private:
  std::shared_ptr<Destination> destination_;
};

using test::eventually;

// Quick retries: the outcome of every test is the same whatever the backoff; only its length
// would change.
sink::ThreadedSinkSettings quick(std::optional<fs::path> spool_directory = std::nullopt) {
  sink::ThreadedSinkSettings settings;
  if (spool_directory) settings.spool = sink::SpoolSettings{*spool_directory, 64 * 1024 * 1024};
  settings.first_retry = 1ms;
  settings.last_retry = 4ms;
  settings.spool_interval = 1ms;
  return settings;
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in{path};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

TEST(ThreadedSink, BatchesByCountAndByTime) {
  // A batch waits for batch_size frames or for its first frame to be `linger` old; stop() writes
  // what waits at once.
  auto destination = std::make_shared<Destination>();
  sink::ThreadedSinkSettings settings = quick();
  settings.batch_size = 5;
  settings.linger = 1h;
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), settings};
  const std::vector<tic::Frame> seven = frames(7);
  for (const tic::Frame& frame : std::span{seven}.first(5))
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return sink.health().written == 5; }));
  for (const tic::Frame& frame : std::span{seven}.subspan(5))
    sink.accept(frame);
  EXPECT_EQ(sink.health().waiting, 2u);
  sink.stop(20s);
  EXPECT_EQ(destination->calls_made(),
            (std::vector<std::vector<std::int64_t>>{{0, 1, 2, 3, 4}, {5, 6}}));
}

TEST(ThreadedSink, WritesEveryFrameInOrder) {
  auto destination = std::make_shared<Destination>();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  for (const tic::Frame& frame : frames(1000))
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return sink.health().written == 1000; }));
  EXPECT_EQ(destination->stored_numbers(), numbers(1000));
  const sink::Health health = sink.health();
  EXPECT_EQ(health.name, "mysql");
  EXPECT_TRUE(health.up);
  EXPECT_EQ(health.problem, "");
  EXPECT_EQ(health.accepted, 1000u);
  EXPECT_EQ(health.waiting, 0u);
  EXPECT_EQ(health.spooled, 0u);
  EXPECT_EQ(health.dropped, 0u);
  EXPECT_EQ(health.lag, 0ms);
  sink.stop(20s);
  EXPECT_EQ(destination->closes, 1);
  sink.stop(20s);  // again: nothing more
  EXPECT_EQ(destination->closes, 1);
}

TEST(ThreadedSink, WhileTheDestinationIsAwayFramesGoToTheSpoolThenAreWrittenInOrderOnce) {
  TempDir temp;
  auto destination = std::make_shared<Destination>();
  destination->set_available(false);
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick(temp.path())};
  EXPECT_EQ(sink.spool_directory(), temp.path() / "mysql");
  const std::vector<tic::Frame> all = frames(300);
  for (const tic::Frame& frame : all)
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return sink.health().spooled == 300; }));
  sink::Health health = sink.health();
  EXPECT_FALSE(health.up);
  EXPECT_EQ(health.problem, "connection refused (test)");
  EXPECT_EQ(health.accepted, 300u);
  EXPECT_EQ(health.waiting, 300u);
  EXPECT_EQ(health.written, 0u);
  EXPECT_TRUE(fs::exists(temp.path() / "mysql" / "0000000001.jsonl"));

  destination->set_available(true);
  ASSERT_TRUE(eventually([&] { return sink.health().written == 300; }));
  EXPECT_EQ(destination->stored_numbers(), numbers(300));
  health = sink.health();
  EXPECT_TRUE(health.up);
  EXPECT_EQ(health.problem, "");
  EXPECT_EQ(health.waiting, 0u);
  EXPECT_EQ(health.spooled, 0u);
  EXPECT_EQ(health.dropped, 0u);
  EXPECT_FALSE(fs::exists(temp.path() / "mysql" / "0000000001.jsonl"));
}

TEST(ThreadedSink, WithoutASpoolFramesWaitInMemoryWhileTheDestinationIsAway) {
  auto destination = std::make_shared<Destination>();
  destination->set_available(false);
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  for (const tic::Frame& frame : frames(50))
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return !sink.health().up; }));
  EXPECT_EQ(sink.health().waiting, 50u);
  EXPECT_EQ(sink.health().spooled, 0u);
  destination->set_available(true);
  ASSERT_TRUE(eventually([&] { return sink.health().written == 50; }));
  EXPECT_EQ(destination->stored_numbers(), numbers(50));
}

TEST(ThreadedSink, StopWhileAwayLeavesTheSpoolForTheNextRunWhichWritesItFirst) {
  TempDir temp;
  {
    auto destination = std::make_shared<Destination>();
    destination->set_available(false);
    sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick(temp.path())};
    for (const tic::Frame& frame : frames(40))
      sink.accept(frame);
    ASSERT_TRUE(eventually([&] { return !sink.health().up; }));
    sink.stop(0ms);
    const sink::Health health = sink.health();
    EXPECT_EQ(health.spooled, 40u);
    EXPECT_EQ(health.waiting, 40u);
    EXPECT_EQ(health.dropped, 0u);
    EXPECT_EQ(destination->stored_numbers(), std::vector<std::int64_t>{});
    sink.accept(frames(1, 40).front());  // after stop: dropped
    EXPECT_EQ(sink.health().dropped, 1u);
  }
  auto destination = std::make_shared<Destination>();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick(temp.path())};
  for (const tic::Frame& frame : frames(10, 40))
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return sink.health().written == 50; }));
  EXPECT_EQ(destination->stored_numbers(), numbers(50));
  EXPECT_EQ(sink.health().waiting, 0u);
}

TEST(ThreadedSink, StopWritesWhatWaitsWhenTheDestinationTakesIt) {
  auto destination = std::make_shared<Destination>();
  destination->hold();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  sink.accept(frames(1).front());
  ASSERT_TRUE(destination->wait_for_held_write());
  for (const tic::Frame& frame : frames(99, 1))
    sink.accept(frame);
  destination->release();
  sink.stop(20s);
  EXPECT_EQ(destination->stored_numbers(), numbers(100));
  EXPECT_EQ(sink.health().written, 100u);
  EXPECT_EQ(sink.health().dropped, 0u);
}

TEST(ThreadedSink, StopWithoutSpoolCountsWhatIsLeftDropped) {
  auto destination = std::make_shared<Destination>();
  destination->set_available(false);
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  for (const tic::Frame& frame : frames(30))
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return !sink.health().up; }));
  sink.stop(0ms);
  const sink::Health health = sink.health();
  EXPECT_EQ(health.dropped, 30u);
  EXPECT_EQ(health.waiting, 0u);
  EXPECT_EQ(destination->closes, 1);
}

TEST(ThreadedSink, ARefusedBatchIsSplitAndTheRefusedFrameSetAside) {
  TempDir temp;
  auto destination = std::make_shared<Destination>();
  destination->refuses = [](std::int64_t n) { return n == 5; };
  destination->hold();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick(temp.path())};
  const std::vector<tic::Frame> all = frames(10);
  sink.accept(all[0]);
  ASSERT_TRUE(destination->wait_for_held_write());
  for (std::size_t i = 1; i < all.size(); ++i)
    sink.accept(all[i]);
  destination->release();
  ASSERT_TRUE(eventually([&] { return sink.health().waiting == 0; }));

  EXPECT_EQ(destination->stored_numbers(), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9}));
  EXPECT_EQ(destination->calls_made(),
            (std::vector<std::vector<std::int64_t>>{
                {0}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}}));
  const sink::Health health = sink.health();
  EXPECT_EQ(health.written, 9u);
  EXPECT_EQ(health.dropped, 1u);
  EXPECT_TRUE(health.up);
  EXPECT_EQ(lines_of(temp.path() / "mysql" / "rejected.jsonl"),
            std::vector<std::string>{tic::to_frame_json(all[5])});
}

TEST(ThreadedSink, ARefusedFrameWithoutASpoolIsDroppedAndCounted) {
  auto destination = std::make_shared<Destination>();
  destination->refuses = [](std::int64_t n) { return n == 2; };
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  for (const tic::Frame& frame : frames(4))
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return sink.health().waiting == 0; }));
  EXPECT_EQ(destination->stored_numbers(), (std::vector<std::int64_t>{0, 1, 3}));
  EXPECT_EQ(sink.health().dropped, 1u);
  EXPECT_EQ(sink.health().written, 3u);
}

TEST(ThreadedSink, AcceptNeverWaitsForABlockedWrite) {
  auto destination = std::make_shared<Destination>();
  destination->hold();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  const std::vector<tic::Frame> all = frames(10001);
  sink.accept(all[0]);
  ASSERT_TRUE(destination->wait_for_held_write());
  // The write is held for as long as the test likes: were accept() to wait for it, the test
  // would never get past this loop.
  for (std::size_t i = 1; i < all.size(); ++i)
    sink.accept(all[i]);
  const sink::Health held = sink.health();
  EXPECT_EQ(held.accepted, 10001u);
  EXPECT_EQ(held.waiting, 10001u);
  EXPECT_EQ(held.written, 0u);
  destination->release();
  ASSERT_TRUE(eventually([&] { return sink.health().written == 10001; }));
  EXPECT_EQ(destination->stored_numbers(), numbers(10001));
  // Batches of at most 256 frames.
  for (const auto& call : destination->calls_made())
    EXPECT_LE(call.size(), 256u);
}

TEST(ThreadedSink, WithoutASpoolMemoryDropsTheOldestBeyondTenTimesItsBound) {
  auto destination = std::make_shared<Destination>();
  destination->hold();
  sink::ThreadedSinkSettings settings = quick();
  settings.memory_bound = 10;
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), settings};
  const std::vector<tic::Frame> all = frames(151);
  sink.accept(all[0]);
  ASSERT_TRUE(destination->wait_for_held_write());
  for (std::size_t i = 1; i < all.size(); ++i)
    sink.accept(all[i]);
  EXPECT_EQ(sink.health().dropped, 50u);
  EXPECT_EQ(sink.health().waiting, 101u);  // the one being written and 100 in memory
  destination->release();
  ASSERT_TRUE(eventually([&] { return sink.health().written == 101; }));
  std::vector<std::int64_t> expected{0};
  for (std::int64_t n = 51; n <= 150; ++n)
    expected.push_back(n);
  EXPECT_EQ(destination->stored_numbers(), expected);
}

TEST(ThreadedSink, AboveItsMemoryBoundTheQueueMovesToTheSpool) {
  TempDir temp;
  auto destination = std::make_shared<Destination>();
  destination->hold();
  sink::ThreadedSinkSettings settings = quick(temp.path());
  settings.memory_bound = 10;
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), settings};
  sink.accept(frames(1).front());
  ASSERT_TRUE(destination->wait_for_held_write());
  for (const tic::Frame& frame : frames(59, 1))
    sink.accept(frame);
  destination->release();
  ASSERT_TRUE(eventually([&] { return sink.health().written == 60; }));
  EXPECT_EQ(destination->stored_numbers(), numbers(60));
  EXPECT_EQ(sink.health().dropped, 0u);
}

TEST(ThreadedSink, LagIsTheAgeOfTheOldestFrameWaiting) {
  auto destination = std::make_shared<Destination>();
  destination->hold();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  const std::vector<tic::Frame> all = frames(2);
  sink.accept(all[0]);
  ASSERT_TRUE(destination->wait_for_held_write());
  sink.accept(all[1]);
  const auto before = std::chrono::system_clock::now();
  const sink::Health health = sink.health();
  const auto after = std::chrono::system_clock::now();
  // Frame 0, being written, is the oldest: 2025-01-01T00:00:00Z.
  EXPECT_GE(health.lag,
            std::chrono::duration_cast<std::chrono::milliseconds>(before - all[0].time()));
  EXPECT_LE(health.lag,
            std::chrono::duration_cast<std::chrono::milliseconds>(after - all[0].time()) + 1ms);
  destination->release();
  ASSERT_TRUE(eventually([&] { return sink.health().written == 2; }));
  EXPECT_EQ(sink.health().lag, 0ms);
}

TEST(ThreadedSink, LagCountsFramesInTheSpool) {
  TempDir temp;
  auto destination = std::make_shared<Destination>();
  destination->set_available(false);
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick(temp.path())};
  const std::vector<tic::Frame> all = frames(3);
  for (const tic::Frame& frame : all)
    sink.accept(frame);
  ASSERT_TRUE(eventually([&] { return sink.health().spooled == 3; }));
  const auto before = std::chrono::system_clock::now();
  const sink::Health health = sink.health();
  EXPECT_GE(health.lag,
            std::chrono::duration_cast<std::chrono::milliseconds>(before - all[0].time()));
  EXPECT_LT(health.lag,
            std::chrono::duration_cast<std::chrono::milliseconds>(before - all[0].time()) + 20s);
}

TEST(ThreadedSink, ReopenCallsTheWriterOnTheSinksThread) {
  auto destination = std::make_shared<Destination>();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  sink.accept(frames(1).front());
  ASSERT_TRUE(eventually([&] { return sink.health().written == 1; }));
  sink.reopen();  // idle: at once
  ASSERT_TRUE(eventually([&] {
    const std::lock_guard lock{destination->mutex};
    return destination->reopens == 1;
  }));
  const std::lock_guard lock{destination->mutex};
  EXPECT_EQ(destination->reopen_thread, destination->writer_thread);
  EXPECT_NE(destination->reopen_thread, std::this_thread::get_id());
}

TEST(ThreadedSink, ReopenHappensBeforeTheNextWrite) {
  auto destination = std::make_shared<Destination>();
  destination->hold();
  sink::ThreadedSink sink{std::make_unique<ScriptedWriter>(destination), quick()};
  sink.accept(frames(1).front());
  ASSERT_TRUE(destination->wait_for_held_write());
  sink.reopen();
  sink.accept(frames(1, 1).front());
  {
    const std::lock_guard lock{destination->mutex};
    EXPECT_EQ(destination->reopens, 0);  // the thread is in write()
  }
  destination->release();
  ASSERT_TRUE(eventually([&] { return sink.health().written == 2; }));
  const std::lock_guard lock{destination->mutex};
  EXPECT_EQ(destination->reopens, 1);
  EXPECT_EQ(destination->reopens_before_call, (std::vector<int>{0, 1}));
}

}  // namespace
