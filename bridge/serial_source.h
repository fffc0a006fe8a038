// A meter on a serial port (PiTInfo on /dev/ttyAMA0, µTeleinfo on /dev/ttyUSB0): 7 data bits,
// even parity, 1 stop bit, at 1200 Bd (historic) or 9600 Bd (standard). See DEPLOY.md §4.
//
// The port is opened non-blocking and locked (flock, and TIOCEXCL), set raw, and its previous
// settings are restored when it is closed. When it cannot be opened, or is lost (a USB dongle
// unplugged), the source says why once, with a hint, and tries again with backoff.
#pragma once

#include <termios.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/backoff.h"
#include "bridge/source.h"

namespace bridge {

struct SerialOptions {
  std::string path;               // /dev/ttyAMA0, /dev/serial0, /dev/serial/by-id/...
  std::optional<tic::Mode> mode;  // nullopt: auto, try one speed then the other
  // Auto mode: switch speed after this long without a valid group.
  std::chrono::milliseconds detect_after = std::chrono::seconds{5};
  // Reopening a port that failed or was lost: the first delay, doubling up to the cap.
  std::chrono::milliseconds first_retry = std::chrono::seconds{1};
  std::chrono::milliseconds max_retry = std::chrono::seconds{60};
};

// The line settings a port is given, from its `current` ones: raw 7E1 at the mode's speed.
// Nothing is changed or eaten by the line discipline: with ICANON or ISIG on, ETX (0x03, VINTR)
// and EOT (0x04, VEOF) would be taken as control characters; ICRNL would turn the CR ending each
// group into LF; IUCLC would lower-case labels. cfmakeraw is not used: it sets CS8 and clears
// PARENB, the opposite of what the meter sends.
termios serial_settings(const termios& current, tic::Mode speed);

// Why a port could not be opened, in a few words: "not found", "permission denied", "in use by
// another program", "not a serial port", else strerror's text. `error` is the errno of the step
// that failed; EBUSY also stands for the lock held by another program, ENOTTY for a device that
// refused the serial settings.
std::string serial_error_words(int error);

// The line logged when `path` cannot be opened: what went wrong and what to do about it, e.g.
// "cannot open /dev/ttyUSB0: not found; is the dongle plugged in? ...".
std::string serial_open_hint(int error, std::string_view path);

class SerialSource : public Source {
 public:
  // Tries to open the port at once; when that fails, fd() is -1 and deadline() says when the
  // next attempt is due.
  SerialSource(SerialOptions options, ByteSink& sink);
  ~SerialSource() override;
  SerialSource(const SerialSource&) = delete;
  SerialSource& operator=(const SerialSource&) = delete;

  int fd() const override;
  Clock::time_point deadline() const override;
  void on_ready(short revents, Clock::time_point now) override;
  void on_timer(Clock::time_point now) override;
  std::string state() const override;

 private:
  bool detecting() const { return fd_ >= 0 && !options_.mode && !detected_; }
  void try_open(Clock::time_point now);
  // Opens, locks and configures the port into fd_; returns 0 or the errno of the failed step.
  int open_port();
  void close_port();
  bool apply_speed(tic::Mode speed);
  void open_failed(int error, Clock::time_point now);
  void lose(const std::string& why, Clock::time_point now);
  void start_detection(Clock::time_point now);
  void speed_detected();
  void switch_speed(Clock::time_point now);

  SerialOptions options_;
  ByteSink& sink_;
  Backoff backoff_;

  int fd_ = -1;
  termios saved_{};  // the port's settings before we opened it, put back on close
  // The speed the port is set to, or will be when it opens: fixed by the mode, or in auto mode
  // the one being tried (first 9600 Bd: Linky in standard mode is the common case now).
  tic::Mode speed_ = tic::Mode::Standard;

  // Auto mode: valid groups seen at this speed since it was set, and when to give up on it.
  bool detected_ = false;
  std::uint64_t groups_at_switch_ = 0;
  Clock::time_point detect_deadline_ = Clock::time_point::max();
  unsigned switches_ = 0;  // over the source's life, to log the first round only at info

  Clock::time_point retry_at_ = Clock::time_point::max();
  bool read_since_open_ = false;  // bytes came: the port works, the backoff starts over
  bool opened_once_ = false;
  bool warned_no_parity_ = false;
  int error_ = 0;         // why the port is closed (errno of the failed step), 0 while open
  bool lost_ = false;     // it was open and went away
  int logged_error_ = 0;  // the failure last logged, so that each is logged once per change
};

}  // namespace bridge
