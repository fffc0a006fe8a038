// The serial source on pseudo-terminals: what it reads, the line settings it leaves, the lock,
// unplugs and replugs behind a /dev/serial/by-id-like link, and the automatic speed switch (a
// pseudo-terminal records speeds without enforcing them, which is all these tests need).
#include "bridge/serial_source.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/captures.h"
#include "support/pty.h"

namespace {

using namespace std::chrono_literals;
using bridge::Clock;

const std::string kStandard = "hallard_tinfo_replay_stand_base_long.txt";  // 100 frames
const std::string kHistoric = "hallard_tinfo_replay_histo_hc.txt";         // 5 frames

bridge::SerialOptions serial_options(const std::string& path,
                                     std::optional<tic::Mode> mode = tic::Mode::Standard) {
  bridge::SerialOptions options;
  options.path = path;
  options.mode = mode;
  options.first_retry = 20ms;
  options.max_retry = 200ms;
  return options;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

speed_t input_speed(const test::PseudoTerminal& pty) {
  const termios line = pty.settings();
  return cfgetispeed(&line);
}

bool starts_with(const std::string& text, const std::string& start) {
  return text.rfind(start, 0) == 0;
}

// Sends `capture` through the pseudo-terminal and runs the source until the sink has read it.
bool feed(bridge::Source& source, test::PseudoTerminal& pty, const test::DecodingSink& sink,
          const std::string& capture) {
  const std::uint64_t until = sink.bytes() + capture.size();
  pty.send(capture);
  return test::run_until(
      source, [&] { return sink.bytes() == until; }, 15s, [&] { pty.pump(); });
}

TEST(SerialSourceHint, SaysWhatToDo) {
  EXPECT_EQ(bridge::serial_open_hint(ENOENT, "/dev/ttyUSB0"),
            "cannot open /dev/ttyUSB0: not found; is the dongle plugged in? A USB dongle is best "
            "named by its stable link, /dev/serial/by-id/...");
  EXPECT_EQ(bridge::serial_open_hint(EACCES, "/dev/ttyUSB0"),
            "cannot open /dev/ttyUSB0: permission denied: add the user to the dialout group "
            "(usermod -aG dialout USER)");
  EXPECT_EQ(bridge::serial_open_hint(EBUSY, "/dev/serial0"),
            "cannot open /dev/serial0: in use by another program: a serial console or getty on "
            "this port? On a Raspberry Pi (ttyAMA0, ttyS0, serial0) turn the login shell off in "
            "raspi-config, Interface Options, Serial Port");
  EXPECT_EQ(bridge::serial_open_hint(ENOTTY, "/dev/null"),
            "cannot open /dev/null: not a serial port? It refuses serial settings");
  EXPECT_EQ(bridge::serial_open_hint(EIO, "/dev/ttyUSB0"),
            "cannot open /dev/ttyUSB0: input/output error");
}

TEST(SerialSourceHint, NamesEachFaultInAFewWords) {
  EXPECT_EQ(bridge::serial_error_words(ENOENT), "not found");
  EXPECT_EQ(bridge::serial_error_words(ENODEV), "not found");
  EXPECT_EQ(bridge::serial_error_words(EACCES), "permission denied");
  EXPECT_EQ(bridge::serial_error_words(EBUSY), "in use by another program");
  EXPECT_EQ(bridge::serial_error_words(EWOULDBLOCK), "in use by another program");
  EXPECT_EQ(bridge::serial_error_words(ENOTTY), "not a serial port");
  EXPECT_EQ(bridge::serial_error_words(EIO), "input/output error");
}

TEST(SerialSource, ReadsAStandardCaptureAsTheDecoderDoes) {
  test::PseudoTerminal pty;
  test::DecodingSink sink;
  bridge::SerialSource source{serial_options(pty.slave_path()), sink};
  ASSERT_GE(source.fd(), 0) << source.state();
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 9600 Bd");
  EXPECT_EQ(source.events(), POLLIN);
  EXPECT_EQ(source.deadline(), Clock::time_point::max());

  const std::string capture = test::read_capture(kStandard);
  ASSERT_TRUE(feed(source, pty, sink, capture));

  const test::Decoded expected = test::decode(capture);
  ASSERT_EQ(expected.frames.size(), 100u);
  EXPECT_EQ(sink.frames().size(), 100u);
  EXPECT_TRUE(test::without_times(sink.frames()) == test::without_times(expected.frames));
  EXPECT_EQ(sink.valid_groups(), expected.stats.groups);
  EXPECT_EQ(sink.finishes(), 0u);
  EXPECT_EQ(sink.frames().front().address(), "061961361253");
}

TEST(SerialSource, ReadsAHistoricCaptureAt1200Bd) {
  test::PseudoTerminal pty;
  test::DecodingSink sink;
  bridge::SerialSource source{serial_options(pty.slave_path(), tic::Mode::Historic), sink};
  ASSERT_GE(source.fd(), 0) << source.state();
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 1200 Bd");
  EXPECT_EQ(input_speed(pty), B1200);

  const std::string capture = test::read_capture(kHistoric);
  ASSERT_TRUE(feed(source, pty, sink, capture));

  const test::Decoded expected = test::decode(capture);
  ASSERT_EQ(expected.frames.size(), 5u);
  EXPECT_TRUE(test::without_times(sink.frames()) == test::without_times(expected.frames));
  EXPECT_EQ(sink.frames().front().mode(), tic::Mode::Historic);
}

TEST(SerialSourceSettings, MakesACookedLineRaw7E1) {
  termios cooked{};  // what a terminal starts with (stty sane), at 8N1 with flow control
  cooked.c_iflag = ICRNL | IXON | IXANY | IMAXBEL | IUTF8 | BRKINT | ISTRIP | INLCR | IUCLC;
  cooked.c_oflag = OPOST | ONLCR;
  cooked.c_cflag = CS8 | CREAD | HUPCL | PARODD | CSTOPB | CRTSCTS;
  cooked.c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE;
  cooked.c_cc[VMIN] = 1;
  cooked.c_cc[VTIME] = 5;
  cfsetispeed(&cooked, B38400);
  cfsetospeed(&cooked, B38400);

  for (const tic::Mode mode : {tic::Mode::Historic, tic::Mode::Standard}) {
    const termios line = bridge::serial_settings(cooked, mode);
    EXPECT_EQ(line.c_cflag & CSIZE, static_cast<tcflag_t>(CS7));
    EXPECT_NE(line.c_cflag & PARENB, 0u);
    EXPECT_EQ(line.c_cflag & (PARODD | CMSPAR | CSTOPB | CRTSCTS), 0u);
    EXPECT_EQ(line.c_cflag & (CREAD | CLOCAL), static_cast<tcflag_t>(CREAD | CLOCAL));
    EXPECT_EQ(line.c_iflag, static_cast<tcflag_t>(INPCK));
    EXPECT_EQ(line.c_oflag & OPOST, 0u);
    EXPECT_EQ(line.c_lflag & (ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHONL), 0u);
    EXPECT_EQ(line.c_cc[VMIN], 1);
    EXPECT_EQ(line.c_cc[VTIME], 0);
    const speed_t speed = mode == tic::Mode::Historic ? B1200 : B9600;
    EXPECT_EQ(cfgetispeed(&line), speed);
    EXPECT_EQ(cfgetospeed(&line), speed);
  }
}

// A pseudo-terminal keeps the settings a serial port would, but for the character size and
// parity: its driver forces 8 bits without parity (the test above checks those).
TEST(SerialSource, LeavesTheLineRawAndPutsTheOldSettingsBack) {
  test::PseudoTerminal pty;
  const termios before = pty.settings();
  ASSERT_NE(before.c_lflag & ICANON, 0u);  // a new terminal is cooked
  {
    test::DecodingSink sink;
    bridge::SerialSource source{serial_options(pty.slave_path()), sink};
    ASSERT_GE(source.fd(), 0) << source.state();
    const termios line = pty.settings();
    EXPECT_EQ(line.c_iflag, static_cast<tcflag_t>(INPCK));
    EXPECT_EQ(line.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0u);
    EXPECT_EQ(line.c_oflag & OPOST, 0u);
    EXPECT_EQ(line.c_cflag & (CSTOPB | CRTSCTS), 0u);
    EXPECT_EQ(line.c_cc[VMIN], 1);
    EXPECT_EQ(line.c_cc[VTIME], 0);
    EXPECT_EQ(cfgetispeed(&line), B9600);
    EXPECT_EQ(cfgetospeed(&line), B9600);
  }
  const termios after = pty.settings();
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
  EXPECT_EQ(after.c_cflag, before.c_cflag);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(cfgetispeed(&after), cfgetispeed(&before));
}

TEST(SerialSource, ASecondSourceFindsThePortBusy) {
  test::PseudoTerminal pty;
  test::DecodingSink first_sink;
  test::DecodingSink second_sink;
  auto first = std::make_unique<bridge::SerialSource>(serial_options(pty.slave_path()), first_sink);
  ASSERT_GE(first->fd(), 0) << first->state();

  bridge::SerialSource second{serial_options(pty.slave_path()), second_sink};
  EXPECT_EQ(second.fd(), -1);
  EXPECT_EQ(second.state(), "waiting for " + pty.slave_path() + " (in use by another program)");
  EXPECT_LT(second.deadline(), Clock::time_point::max());

  ASSERT_TRUE(feed(*first, pty, first_sink, test::read_capture(kHistoric)));
  EXPECT_EQ(first_sink.frames().size(), 5u);
  EXPECT_EQ(second_sink.bytes(), 0u);

  // Once the first lets go, the second gets the port at its next attempt.
  first.reset();
  ASSERT_TRUE(test::run_until(second, [&] { return second.fd() >= 0; })) << second.state();
  EXPECT_EQ(second.state(), "reading " + pty.slave_path() + " at 9600 Bd");
}

TEST(SerialSource, SaysWhatIsNotASerialPort) {
  test::DecodingSink sink;
  bridge::SerialSource source{serial_options("/dev/null"), sink};
  EXPECT_EQ(source.fd(), -1);
  EXPECT_EQ(source.state(), "waiting for /dev/null (not a serial port)");
}

TEST(SerialSource, WaitsForADeviceToAppear) {
  test::DeviceLink link;  // not there yet
  test::DecodingSink sink;
  bridge::SerialSource source{serial_options(link.path()), sink};
  EXPECT_EQ(source.fd(), -1);
  EXPECT_EQ(source.state(), "waiting for " + link.path() + " (not found)");
  EXPECT_LT(source.deadline(), Clock::time_point::max());

  test::PseudoTerminal pty;
  link.point_at(pty.slave_path());
  ASSERT_TRUE(test::run_until(source, [&] { return source.fd() >= 0; })) << source.state();
  EXPECT_EQ(source.state(), "reading " + link.path() + " at 9600 Bd");
  ASSERT_TRUE(feed(source, pty, sink, test::read_capture(kStandard)));
  EXPECT_EQ(sink.frames().size(), 100u);
}

TEST(SerialSource, ComesBackAfterAnUnplugAndLogsEachChangeOnce) {
  test::DeviceLink link;
  auto pty = std::make_unique<test::PseudoTerminal>();
  link.point_at(pty->slave_path());
  const std::string first_device = pty->slave_path();
  const std::string capture = test::read_capture(kStandard);
  const test::Decoded expected = test::decode(capture);

  testing::internal::CaptureStderr();
  test::DecodingSink sink;
  bridge::SerialSource source{serial_options(link.path()), sink};
  ASSERT_GE(source.fd(), 0) << source.state();
  ASSERT_TRUE(feed(source, *pty, sink, capture));
  ASSERT_EQ(sink.frames().size(), 100u);

  // Unplugged: the sink is told, the port closed, and the source waits.
  pty->close_master();
  ASSERT_TRUE(test::run_until(source, [&] { return sink.finishes() == 1; }));
  EXPECT_EQ(source.fd(), -1);
  EXPECT_TRUE(starts_with(source.state(), "waiting for " + link.path() + " (")) << source.state();
  EXPECT_LT(source.deadline(), Clock::time_point::max());

  // The link leads nowhere for a few attempts, as /dev/serial/by-id does while unplugged.
  link.point_at(link.path() + ".gone");
  std::vector<Clock::time_point> attempts{source.deadline()};
  ASSERT_TRUE(test::run_until(source, [&] {
    if (source.deadline() != attempts.back()) attempts.push_back(source.deadline());
    return attempts.size() >= 4;
  }));
  EXPECT_EQ(source.state(), "waiting for " + link.path() + " (not found)");

  // Plugged in again: a new terminal behind the link, and frames flow again.
  pty = std::make_unique<test::PseudoTerminal>();
  link.point_at(pty->slave_path());
  ASSERT_TRUE(test::run_until(source, [&] { return source.fd() >= 0; })) << source.state();
  EXPECT_EQ(source.state(), "reading " + link.path() + " at 9600 Bd");
  ASSERT_TRUE(feed(source, *pty, sink, capture));
  const std::string log = testing::internal::GetCapturedStderr();

  ASSERT_EQ(sink.frames().size(), 200u);
  const std::vector<tic::Frame> frames = test::without_times(sink.frames());
  const std::vector<tic::Frame> once = test::without_times(expected.frames);
  EXPECT_TRUE(std::vector<tic::Frame>(frames.begin(), frames.begin() + 100) == once);
  EXPECT_TRUE(std::vector<tic::Frame>(frames.begin() + 100, frames.end()) == once);

  // Each change of state once, however many attempts: the resolved device when opened, the
  // loss, the device missing, and its return.
  EXPECT_EQ(occurrences(log, "reading " + link.path() + " ("), 2u) << log;
  EXPECT_EQ(occurrences(log, "lost " + link.path()), 1u) << log;
  EXPECT_EQ(occurrences(log, "cannot open " + link.path() + ": not found"), 1u) << log;
  EXPECT_EQ(occurrences(log, " again, at 9600 Bd"), 1u) << log;
  EXPECT_EQ(occurrences(log, "reading " + link.path() + " (" + first_device + ") at 9600 Bd"), 1u)
      << log;
}

TEST(SerialSource, AutoModeSwitchesTo1200BdThenStays) {
  test::PseudoTerminal pty;
  test::DecodingSink sink;
  bridge::SerialOptions options = serial_options(pty.slave_path(), std::nullopt);
  options.detect_after = 100ms;
  bridge::SerialSource source{options, sink};
  ASSERT_GE(source.fd(), 0) << source.state();
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 9600 Bd (detecting the speed)");
  EXPECT_EQ(input_speed(pty), B9600);
  EXPECT_LT(source.deadline(), Clock::time_point::max());

  // What a historic meter looks like at 9600 Bd: bytes, no valid group.
  pty.send(std::string(200, '\xf8'));
  ASSERT_TRUE(test::run_until(
      source, [&] { return source.state().find("1200 Bd") != std::string::npos; }, 15s,
      [&] { pty.pump(); }));
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 1200 Bd (detecting the speed)");
  EXPECT_EQ(input_speed(pty), B1200);
  EXPECT_EQ(sink.valid_groups(), 0u);

  // Valid groups at 1200 Bd: the speed is found, and kept.
  const std::string capture = test::read_capture(kHistoric);
  ASSERT_TRUE(feed(source, pty, sink, capture));
  EXPECT_EQ(sink.frames().size(), 5u);
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 1200 Bd");
  EXPECT_EQ(source.deadline(), Clock::time_point::max());
  source.on_timer(Clock::now() + 1h);
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 1200 Bd");
  EXPECT_EQ(input_speed(pty), B1200);
}

TEST(SerialSource, AutoModeKeepsTrying9600And1200BdInTurn) {
  test::PseudoTerminal pty;
  test::DecodingSink sink;
  bridge::SerialOptions options = serial_options(pty.slave_path(), std::nullopt);
  options.detect_after = 30ms;
  bridge::SerialSource source{options, sink};
  ASSERT_GE(source.fd(), 0) << source.state();

  std::vector<speed_t> speeds{input_speed(pty)};
  ASSERT_TRUE(test::run_until(source, [&] {
    if (input_speed(pty) != speeds.back()) speeds.push_back(input_speed(pty));
    return speeds.size() >= 5;
  }));
  EXPECT_EQ(speeds, (std::vector<speed_t>{B9600, B1200, B9600, B1200, B9600}));
  EXPECT_GE(source.fd(), 0);
}

TEST(SerialSource, AutoModeStaysAt9600BdWhenAStandardMeterTalks) {
  test::PseudoTerminal pty;
  test::DecodingSink sink;
  bridge::SerialSource source{serial_options(pty.slave_path(), std::nullopt), sink};
  ASSERT_GE(source.fd(), 0) << source.state();
  ASSERT_TRUE(feed(source, pty, sink, test::read_capture(kStandard)));
  EXPECT_EQ(sink.frames().size(), 100u);
  EXPECT_EQ(source.state(), "reading " + pty.slave_path() + " at 9600 Bd");
  EXPECT_EQ(source.deadline(), Clock::time_point::max());
}

}  // namespace
