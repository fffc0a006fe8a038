// The frame backlog (bridge/frame_backlog.h): real captures in and the same frames out, decoded
// values and all; streams interleaved; frames whose fields come and go between frames; overflow
// dropping exactly the oldest; and the memory a day of frames takes.
#include "bridge/frame_backlog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/captures.h"
#include "tic/field.h"
#include "tic/frame.h"

namespace {

using bridge::FrameBacklog;
using tic::Frame;
using tic::FrameKind;
using tic::Mode;
using tic::Time;

constexpr std::string_view kHistoric = "nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt";
constexpr std::string_view kStandard = "hallard_tinfo_replay_stand_base_long.txt";
constexpr std::string_view kStandardTri = "hallard_tinfo_replay_stand_base_tri.txt";

std::vector<Frame> frames_of(std::string_view capture) {
  return test::decode(test::read_capture(capture)).frames;
}

// Equal as Frame's operator== sees it, and decoded to the same values.
void expect_same_frame(const Frame& popped, const Frame& pushed) {
  ASSERT_EQ(popped, pushed);
  for (std::size_t i = 0; i < pushed.size(); ++i) {
    const tic::Field a = popped[i];
    const tic::Field b = pushed[i];
    EXPECT_EQ(a.info, b.info) << b.label;
    EXPECT_EQ(a.number, b.number) << b.label;
    EXPECT_EQ(a.text, b.text) << b.label;
    EXPECT_EQ(a.horodate, b.horodate) << b.label;
  }
}

// Pushes every frame on `stream`, then pops them all.
void expect_round_trip(const std::vector<Frame>& frames, std::uint32_t stream) {
  FrameBacklog backlog{frames.size()};
  for (const Frame& frame : frames) {
    EXPECT_FALSE(backlog.push(stream, frame));
  }
  EXPECT_EQ(backlog.size(), frames.size());
  for (const Frame& expected : frames) {
    std::uint32_t popped_stream = 999;
    Frame popped;
    ASSERT_TRUE(backlog.pop(popped_stream, popped));
    EXPECT_EQ(popped_stream, stream);
    expect_same_frame(popped, expected);
  }
  EXPECT_EQ(backlog.size(), 0u);
  EXPECT_EQ(backlog.dropped(), 0u);
}

struct Group {
  std::string_view label;
  std::string_view data;
  std::optional<std::string_view> horodate = std::nullopt;
};

Frame frame_of(Mode mode, const std::vector<Group>& groups, std::int64_t ms,
               FrameKind kind = FrameKind::Long) {
  Frame frame;
  frame.set_mode(mode);
  frame.set_kind(kind);
  frame.set_time(Time{std::chrono::milliseconds{ms}});
  for (const Group& group : groups) {
    tic::Field field;
    EXPECT_EQ(tic::decode_field(group.label, group.horodate, group.data, field),
              tic::FieldError::None)
        << group.label;
    EXPECT_TRUE(frame.append(field)) << group.label;
  }
  return frame;
}

TEST(FrameBacklog, HistoricCaptureRoundTrips) {
  const std::vector<Frame> frames = frames_of(kHistoric);
  ASSERT_EQ(frames.size(), 198u);
  expect_round_trip(frames, 0);
}

TEST(FrameBacklog, StandardCapturesRoundTrip) {
  const std::vector<Frame> frames = frames_of(kStandard);
  ASSERT_EQ(frames.size(), 100u);
  expect_round_trip(frames, 0);
  expect_round_trip(frames_of(kStandardTri), 3);
}

// Every capture, among them frames missing groups that failed their checksum and a producer meter.
TEST(FrameBacklog, EveryCaptureRoundTrips) {
  for (const std::string& name : test::capture_names()) {
    SCOPED_TRACE(name);
    expect_round_trip(frames_of(name), 1);
  }
}

// Pops as it pushes, as a backlog that drains while frames keep coming does.
TEST(FrameBacklog, PopsBetweenPushesRoundTrip) {
  const std::vector<Frame> frames = frames_of(kStandard);
  FrameBacklog backlog{frames.size()};
  std::size_t next = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    backlog.push(0, frames[i]);
    if (i % 3 == 2) continue;  // the backlog grows by one frame in three
    std::uint32_t stream = 0;
    Frame popped;
    ASSERT_TRUE(backlog.pop(stream, popped));
    expect_same_frame(popped, frames[next++]);
  }
  std::uint32_t stream = 0;
  Frame popped;
  while (backlog.pop(stream, popped)) {
    expect_same_frame(popped, frames[next++]);
  }
  EXPECT_EQ(next, frames.size());
  EXPECT_EQ(backlog.dropped(), 0u);
}

// Three meters in an irregular order; stream 70 does not fit the entry header's six bits.
TEST(FrameBacklog, InterleavedStreamsRoundTrip) {
  const std::vector<std::vector<Frame>> captures = {frames_of(kHistoric), frames_of(kStandard),
                                                    frames_of(kStandardTri)};
  const std::uint32_t streams[] = {0, 1, 70};
  struct Pushed {
    std::uint32_t stream;
    const Frame* frame;
  };
  std::vector<Pushed> order;
  std::size_t next[3] = {0, 0, 0};
  unsigned state = 12345;
  for (;;) {
    state = state * 1103515245u + 12345u;  // a fixed pseudo-random order
    std::size_t which = (state >> 16) % 3;
    for (int tries = 0; tries < 3 && next[which] == captures[which].size(); ++tries) {
      which = (which + 1) % 3;
    }
    if (next[which] == captures[which].size()) break;
    order.push_back({streams[which], &captures[which][next[which]++]});
  }
  ASSERT_EQ(order.size(), 198u + 100u + 5u);

  FrameBacklog backlog{order.size()};
  for (const Pushed& pushed : order) {
    backlog.push(pushed.stream, *pushed.frame);
  }
  for (const Pushed& expected : order) {
    std::uint32_t stream = 0;
    Frame popped;
    ASSERT_TRUE(backlog.pop(stream, popped));
    EXPECT_EQ(stream, expected.stream);
    expect_same_frame(popped, *expected.frame);
  }
}

// Frames of one stream whose fields come, go, move and change their horodate.
TEST(FrameBacklog, ChangingFieldSetsRoundTrip) {
  const std::vector<Frame> frames = {
      frame_of(Mode::Standard,
               {{"ADSC", "061961361253"},
                {"DATE", "", "E210423054022"},
                {"EAST", "002188830"},
                {"SMAXSN", "00924", "E210423051903"},
                {"STGE", "003A0001"}},
               1000),
      // the same, DATE one second on
      frame_of(Mode::Standard,
               {{"ADSC", "061961361253"},
                {"DATE", "", "E210423054023"},
                {"EAST", "002188830"},
                {"SMAXSN", "00924", "E210423051903"},
                {"STGE", "003A0001"}},
               2000),
      // EAST missing (its checksum failed), a new maximum with its horodate
      frame_of(Mode::Standard,
               {{"ADSC", "061961361253"},
                {"DATE", "", "E210423054024"},
                {"SMAXSN", "00931", "E210423054024"},
                {"STGE", "003A0001"}},
               3000),
      // EAST back, an extra label, and labels no dictionary knows: one plain, one horodated
      frame_of(Mode::Standard,
               {{"ADSC", "061961361253"},
                {"DATE", "", "E210423054025"},
                {"EAST", "002188831"},
                {"SINSTS", "00394"},
                {"NEWLBL", " NEW TEXT "},
                {"NEWHOR", "12", "H210101000000"},
                {"SMAXSN", "00931", "E210423054024"},
                {"STGE", "003A0001"}},
               4000),
      // the unknown labels again, the horodated one now without a horodate; order changed
      frame_of(Mode::Standard,
               {{"DATE", "", "E210423054026"},
                {"ADSC", "061961361253"},
                {"NEWHOR", "12"},
                {"NEWLBL", " NEW TEXT "},
                {"STGE", "003A0002"},
                {"EAST", "002188831"}},
               3500),  // time may go back
      // a frame holding only DATE, then an empty frame
      frame_of(Mode::Standard, {{"DATE", "", "E210423054027"}}, 5000),
      frame_of(Mode::Standard, {}, 6000),
      // a historic frame on the same stream: labels no standard frame had
      frame_of(Mode::Historic, {{"ADCO", "021528603314"}, {"PTEC", "HP.."}, {"PAPP", "00190"}},
               7000),
      frame_of(Mode::Historic, {{"ADCO", "021528603314"}, {"PTEC", "HC.."}, {"PAPP", "00170"}},
               8000),
  };
  expect_round_trip(frames, 2);
}

// Historic three-phase short frames come between long ones; each kind is its own chain.
TEST(FrameBacklog, ShortFramesRoundTrip) {
  const std::vector<Group> long_groups = {
      {"ADCO", "021528603314"}, {"OPTARIF", "BASE"}, {"ISOUSC", "15"},      {"BASE", "002035628"},
      {"IINST1", "031"},        {"IINST2", "002"},   {"IINST3", "001"},     {"IMAX1", "060"},
      {"PMAX", "06000"},        {"PAPP", "07200"},   {"MOTDETAT", "000000"}};
  std::vector<Frame> frames;
  for (int i = 0; i < 6; ++i) {
    frames.push_back(frame_of(Mode::Historic, long_groups, 1000 * i));
    frames.push_back(frame_of(Mode::Historic,
                              {{"ADIR1", "031"},
                               {"ADCO", "021528603314"},
                               {"IINST1", i % 2 == 0 ? "031" : "032"},
                               {"IINST2", "002"},
                               {"IINST3", "001"}},
                              1000 * i + 500, FrameKind::Short));
  }
  expect_round_trip(frames, 0);
}

// A frame put together by hand may hold fields that decode_field refuses: their text comes back.
TEST(FrameBacklog, HandMadeFieldsKeepTheirText) {
  Frame frame;
  frame.set_mode(Mode::Standard);
  frame.set_time(Time{std::chrono::milliseconds{42}});
  tic::Field field;
  field.label = "EAST";
  field.raw = "12";  // EAST has 9 digits
  field.info = tic::find_label("EAST");
  field.number = 12;
  ASSERT_TRUE(frame.append(field));

  FrameBacklog backlog{4};
  backlog.push(0, frame);
  backlog.push(0, frame);
  for (int i = 0; i < 2; ++i) {
    std::uint32_t stream = 1;
    Frame popped;
    ASSERT_TRUE(backlog.pop(stream, popped));
    EXPECT_EQ(popped, frame);
    EXPECT_EQ(popped[0].raw, "12");
  }
}

TEST(FrameBacklog, OverflowDropsTheOldest) {
  const std::vector<Frame> historic = frames_of(kHistoric);
  const std::vector<Frame> standard = frames_of(kStandard);
  FrameBacklog backlog{10};
  EXPECT_EQ(backlog.capacity(), 10u);
  struct Pushed {
    std::uint32_t stream;
    const Frame* frame;
  };
  std::vector<Pushed> pushed;
  for (std::size_t i = 0; i < 25; ++i) {
    const Pushed next = i % 3 == 0 ? Pushed{4, &standard[i]} : Pushed{0, &historic[i]};
    pushed.push_back(next);
    EXPECT_EQ(backlog.push(next.stream, *next.frame), i >= 10) << i;
    EXPECT_EQ(backlog.size(), std::min<std::size_t>(i + 1, 10));
  }
  EXPECT_EQ(backlog.dropped(), 15u);

  for (std::size_t i = 15; i < 25; ++i) {
    std::uint32_t stream = 0;
    Frame popped;
    ASSERT_TRUE(backlog.pop(stream, popped));
    EXPECT_EQ(stream, pushed[i].stream) << i;
    expect_same_frame(popped, *pushed[i].frame);
  }
  std::uint32_t stream = 0;
  Frame popped;
  EXPECT_FALSE(backlog.pop(stream, popped));
  EXPECT_EQ(backlog.dropped(), 15u);

  // The chains go on from the dropped frames: frames pushed now still come back whole.
  backlog.push(0, historic[30]);
  backlog.push(4, standard[30]);
  ASSERT_TRUE(backlog.pop(stream, popped));
  EXPECT_EQ(stream, 0u);
  expect_same_frame(popped, historic[30]);
  ASSERT_TRUE(backlog.pop(stream, popped));
  EXPECT_EQ(stream, 4u);
  expect_same_frame(popped, standard[30]);
}

TEST(FrameBacklog, ZeroCapacityDropsEveryFrame) {
  const std::vector<Frame> frames = frames_of(kStandard);
  FrameBacklog backlog{0};
  EXPECT_TRUE(backlog.push(0, frames[0]));
  EXPECT_TRUE(backlog.push(0, frames[1]));
  EXPECT_EQ(backlog.size(), 0u);
  EXPECT_EQ(backlog.dropped(), 2u);
  std::uint32_t stream = 0;
  Frame popped;
  EXPECT_FALSE(backlog.pop(stream, popped));
}

TEST(FrameBacklog, EmptyPopReturnsFalse) {
  FrameBacklog backlog{5};
  std::uint32_t stream = 7;
  Frame frame;
  EXPECT_FALSE(backlog.pop(stream, frame));
  EXPECT_EQ(stream, 7u);
  EXPECT_EQ(backlog.size(), 0u);
  EXPECT_EQ(backlog.bytes(), 0u);

  const std::vector<Frame> frames = frames_of(kHistoric);
  backlog.push(0, frames[0]);
  EXPECT_GT(backlog.bytes(), 0u);
  ASSERT_TRUE(backlog.pop(stream, frame));
  EXPECT_FALSE(backlog.pop(stream, frame));
  EXPECT_EQ(backlog.size(), 0u);
}

// The frames of a day: a capture's frames over and over, with the time, the date and the index
// moving on as a meter's do. Frame n of the day is the same whenever it is built; it is built in
// one Frame reused (the test runs a hundred thousand of them, under the sanitizers too).
class Day {
 public:
  Day(std::string_view capture, std::vector<std::string_view> indexes, std::int64_t period_ms)
      : frames_(frames_of(capture)), indexes_(std::move(indexes)), period_ms_(period_ms) {
    for (const Frame& frame : frames_) {
      fields_.emplace_back(frame.begin(), frame.end());  // views into frames_, which stays put
    }
  }

  const Frame& frame(std::size_t n) {
    const Frame& model = frames_[n % frames_.size()];
    const std::int64_t ms = 1745372422000 + static_cast<std::int64_t>(n) * period_ms_ +
                            static_cast<std::int64_t>(n * 37 % 100);  // the bytes' arrival jitters
    Frame& frame = frame_;
    frame.clear();
    frame.set_mode(model.mode());
    frame.set_kind(model.kind());
    frame.set_time(Time{std::chrono::milliseconds{ms}});
    for (const tic::Field& field : fields_[n % frames_.size()]) {
      std::string_view raw = field.raw;
      std::optional<std::string_view> horodate;
      if (!field.horodate_raw.empty()) horodate = field.horodate_raw;
      bool changed = false;
      for (const std::string_view index : indexes_) {
        if (field.label != index) continue;
        // 400 W: a watt-hour every 9 s.
        std::snprintf(index_, sizeof index_, "%09llu",
                      static_cast<unsigned long long>(2188830 + ms / 9000 % 1000000));
        raw = index_;
        changed = true;
      }
      if (field.label == "DATE") {
        horodate = date_of(ms);
        changed = true;
      }
      if (!changed) {
        frame.append(field);
        continue;
      }
      tic::Field out;
      EXPECT_EQ(tic::decode_field(field.label, horodate, raw, out), tic::FieldError::None);
      frame.append(out);
    }
    return frame;
  }

 private:
  // The meter's summer-time clock: "E" and local time, UTC+2.
  std::string_view date_of(std::int64_t ms) {
    using namespace std::chrono;
    const sys_seconds local = floor<seconds>(sys_time<milliseconds>{milliseconds{ms}}) + hours{2};
    const year_month_day day{floor<days>(local)};
    const hh_mm_ss clock{local - floor<days>(local)};
    std::snprintf(
        date_, sizeof date_, "E%02d%02u%02u%02d%02d%02d", int{day.year()} % 100,
        unsigned{day.month()}, unsigned{day.day()}, static_cast<int>(clock.hours().count()),
        static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
    return date_;
  }

  std::vector<Frame> frames_;
  std::vector<std::vector<tic::Field>> fields_;
  Frame frame_;
  std::vector<std::string_view> indexes_;
  std::int64_t period_ms_;
  char index_[24] = {};
  char date_[48] = {};  // room for any int the compiler cannot bound
};

constexpr std::size_t kDayFrames = 100000;

// Pushes a day of frames, checks the memory held, then pops them all back.
std::size_t bytes_for_a_day(Day& day) {
  FrameBacklog backlog{kDayFrames};
  for (std::size_t n = 0; n < kDayFrames; ++n) {
    backlog.push(0, day.frame(n));
  }
  EXPECT_EQ(backlog.size(), kDayFrames);
  EXPECT_EQ(backlog.dropped(), 0u);
  const std::size_t bytes = backlog.bytes();

  std::uint32_t stream = 0;
  Frame popped;
  for (std::size_t n = 0; n < kDayFrames; ++n) {
    if (!backlog.pop(stream, popped)) {
      ADD_FAILURE() << "frame " << n << " missing";
      break;
    }
    if (n % 997 == 0) {
      EXPECT_EQ(popped, day.frame(n)) << n;  // the whole chain decoded
    }
  }
  EXPECT_FALSE(backlog.pop(stream, popped));
  EXPECT_LE(backlog.bytes(), 20000u);  // one block kept
  return bytes;
}

// A Linky in standard mode sends a 865-byte frame about every 1.2 s: 100,000 frames are 33 hours.
// Measured: 1,691,672 bytes, 16.9 a frame (the entry: its length, header and time, 4 bytes; DATE's
// last digits; SINSTS, IRMS1, URMS1 and UMOY1 as the capture changes them; EAST, EASF01 and EASD01
// every 9 s; runs of unchanged fields between them). The input is the same at every run, so the
// figure is too: the bound, 20 bytes a frame, leaves room for a change of encoding, not for noise.
TEST(FrameBacklog, DayOfStandardFramesFitsInTwoMegabytes) {
  Day day{kStandard, {"EAST", "EASF01", "EASD01"}, 1200};
  const std::size_t bytes = bytes_for_a_day(day);
  RecordProperty("bytes_per_frame", static_cast<int>(bytes / kDayFrames));
  EXPECT_LT(bytes, 2u * 1000 * 1000);
}

// A historic meter sends a 170-byte frame about every 1.5 s: 100,000 frames are 42 hours.
// Measured: 870,472 bytes, 8.7 a frame (PAPP and IINST as the capture changes them, HCHP every
// 9 s); the bound is 10 bytes a frame.
TEST(FrameBacklog, DayOfHistoricFramesFitsInOneMegabyte) {
  Day day{kHistoric, {"HCHP"}, 1500};
  const std::size_t bytes = bytes_for_a_day(day);
  RecordProperty("bytes_per_frame", static_cast<int>(bytes / kDayFrames));
  EXPECT_LT(bytes, 1000u * 1000);
}

}  // namespace
