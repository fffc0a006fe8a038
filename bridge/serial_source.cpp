#include "bridge/serial_source.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/log.h"

namespace bridge {
namespace {

speed_t speed_constant(tic::Mode speed) {
  return speed == tic::Mode::Historic ? B1200 : B9600;
}

tic::Mode other(tic::Mode speed) {
  return speed == tic::Mode::Historic ? tic::Mode::Standard : tic::Mode::Historic;
}

// strerror's text with a lower-case first letter, to sit inside a sentence.
std::string error_text(int error) {
  std::string text = std::strerror(error);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

// The device a symlink such as /dev/serial0 or /dev/serial/by-id/... leads to, for the log;
// empty when `path` is not a symlink.
std::string resolved_device(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_symlink(path, error)) return {};
  const std::filesystem::path device = std::filesystem::canonical(path, error);
  return error ? std::string{} : device.string();
}

}  // namespace

termios serial_settings(const termios& current, tic::Mode speed) {
  termios settings = current;
  // INPCK without IGNPAR or PARMRK: a byte with a parity error (or a framing error, at the wrong
  // speed) is read as NUL. The decoder drops a group cut by a control byte, while a byte simply
  // left out (IGNPAR) could leave a group whose checksum still passes.
  settings.c_iflag &=
      ~static_cast<tcflag_t>(IGNBRK | BRKINT | IGNPAR | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                             IUCLC | IXON | IXOFF | IXANY | IMAXBEL | IUTF8);
  settings.c_iflag |= INPCK;
  settings.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  settings.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL |
                                             ECHOKE | ISIG | IEXTEN | NOFLSH | TOSTOP);
  // 7 data bits, even parity (PARENB without PARODD or CMSPAR), 1 stop bit, no flow control,
  // modem lines ignored: the TIC has only a data line.
  settings.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARODD | CMSPAR | CRTSCTS);
  settings.c_cflag |= CS7 | PARENB | CREAD | CLOCAL;
  // With O_NONBLOCK and VMIN=1, read() returns what is there, fails with EAGAIN when nothing is,
  // and returns 0 only once the line is hung up. VMIN=0 would return 0 for "nothing yet" too.
  settings.c_cc[VMIN] = 1;
  settings.c_cc[VTIME] = 0;
  cfsetispeed(&settings, speed_constant(speed));
  cfsetospeed(&settings, speed_constant(speed));
  return settings;
}

std::string serial_error_words(int error) {
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return "not found";
    case EACCES:
    case EPERM:
      return "permission denied";
    case EBUSY:
    case EWOULDBLOCK:
      return "in use by another program";
    case ENOTTY:
    case EINVAL:
      return "not a serial port";
    default:
      return error_text(error);
  }
}

std::string serial_open_hint(int error, std::string_view path) {
  std::string line = "cannot open " + std::string{path} + ": " + serial_error_words(error);
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      line +=
          "; is the dongle plugged in? A USB dongle is best named by its stable link, "
          "/dev/serial/by-id/...";
      break;
    case EACCES:
    case EPERM:
      line += ": add the user to the dialout group (usermod -aG dialout USER)";
      break;
    case EBUSY:
    case EWOULDBLOCK:
      line +=
          ": a serial console or getty on this port? On a Raspberry Pi (ttyAMA0, ttyS0, serial0) "
          "turn the login shell off in raspi-config, Interface Options, Serial Port";
      break;
    case ENOTTY:
    case EINVAL:
      line += "? It refuses serial settings";
      break;
    default:
      break;
  }
  return line;
}

SerialSource::SerialSource(SerialOptions options, ByteSink& sink)
    : options_(std::move(options)),
      sink_(sink),
      backoff_(options_.first_retry, options_.max_retry),
      speed_(options_.mode.value_or(tic::Mode::Standard)) {
  try_open(Clock::now());
}

SerialSource::~SerialSource() {
  close_port();
}

int SerialSource::fd() const {
  return fd_;
}

Clock::time_point SerialSource::deadline() const {
  if (fd_ < 0) return retry_at_;
  return detecting() ? detect_deadline_ : Clock::time_point::max();
}

std::string SerialSource::state() const {
  if (fd_ < 0) {
    const std::string why = lost_ && error_ == 0 ? "lost" : serial_error_words(error_);
    return "waiting for " + options_.path + " (" + why + ")";
  }
  std::string state =
      "reading " + options_.path + " at " + std::to_string(baud_rate(speed_)) + " Bd";
  if (detecting()) state += " (detecting the speed)";
  return state;
}

void SerialSource::on_timer(Clock::time_point now) {
  if (fd_ < 0) {
    if (now >= retry_at_) try_open(now);
    return;
  }
  if (detecting() && now >= detect_deadline_) {
    if (sink_.valid_groups() > groups_at_switch_) {
      speed_detected();
    } else {
      switch_speed(now);
    }
  }
}

void SerialSource::on_ready(short revents, Clock::time_point now) {
  if (fd_ < 0) return;
  // A few reads at most: at 9600 Bd a meter sends under a kilobyte a second, so one read
  // normally drains the port, and a flood must not hold the loop.
  std::array<std::uint8_t, 4096> buffer;
  bool drained = false;
  for (int reads = 0; reads < 16 && !drained; ++reads) {
    const ssize_t size = ::read(fd_, buffer.data(), buffer.size());
    if (size > 0) {
      sink_.push(std::span{buffer.data(), static_cast<std::size_t>(size)}, wall_clock_now());
      read_since_open_ = true;
    } else if (size == 0) {
      // Nothing there is EAGAIN (O_NONBLOCK, VMIN=1): 0 is a hang-up.
      lose("hung up", now);
      return;
    } else if (errno == EAGAIN) {
      drained = true;
    } else if (errno != EINTR) {
      lose(error_text(errno), now);  // EIO: the USB dongle was unplugged
      return;
    }
  }
  if (drained && (revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
    lose((revents & POLLHUP) != 0 ? "hung up" : "error on the line", now);
    return;
  }
  if (detecting() && sink_.valid_groups() > groups_at_switch_) speed_detected();
}

void SerialSource::try_open(Clock::time_point now) {
  const int error = open_port();
  if (error != 0) {
    open_failed(error, now);
    return;
  }
  std::string device = resolved_device(options_.path);
  if (!device.empty()) device = " (" + device + ")";
  if (!opened_once_) {
    const char* mode = !options_.mode                          ? ", speed chosen by auto mode"
                       : *options_.mode == tic::Mode::Historic ? ", historic mode"
                                                               : ", standard mode";
    LOG_INFO("reading %s%s at %u Bd%s", options_.path.c_str(), device.c_str(), baud_rate(speed_),
             mode);
  } else {
    LOG_INFO("reading %s%s again, at %u Bd", options_.path.c_str(), device.c_str(),
             baud_rate(speed_));
  }
  opened_once_ = true;
  error_ = 0;
  logged_error_ = 0;
  lost_ = false;
  read_since_open_ = false;
  retry_at_ = Clock::time_point::max();
  if (!options_.mode) start_detection(now);
}

int SerialSource::open_port() {
  // O_NONBLOCK: neither open() (waiting for carrier) nor read() ever blocks. Read-only: the meter
  // only talks.
  const int fd = ::open(options_.path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  int error = 0;
  termios settings{};
  if (!::isatty(fd)) {
    error = ENOTTY;
  } else if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    // Another reader holds it (ebusd, another bridge, a second --source on the same port).
    error = errno == EWOULDBLOCK ? EBUSY : errno;
  } else if (::tcgetattr(fd, &saved_) != 0) {
    error = errno;
  } else {
    settings = serial_settings(saved_, speed_);
    if (::tcsetattr(fd, TCSANOW, &settings) != 0) error = errno;
  }
  if (error != 0) {
    ::close(fd);
    return error;
  }

  // tcsetattr succeeds when any one setting took; some USB adapters cannot do 7 bits, and a
  // pseudo-terminal forces 8 bits without parity. Reading 8N1 still works (the decoder clears
  // bit 7), without the parity check.
  termios applied{};
  if (!warned_no_parity_ && ::tcgetattr(fd, &applied) == 0 &&
      ((applied.c_cflag & CSIZE) != CS7 || (applied.c_cflag & PARENB) == 0)) {
    warned_no_parity_ = true;
    LOG_WARNING(
        "%s: the port does not take 7 bits with even parity; reading without the parity "
        "check",
        options_.path.c_str());
  }
  // Refuses other opens of the tty, root's excepted; flock above is the lock that counts.
  ::ioctl(fd, TIOCEXCL);
  // Bytes received before now were read at some other speed, or are stale.
  ::tcflush(fd, TCIFLUSH);
  fd_ = fd;
  return 0;
}

void SerialSource::close_port() {
  if (fd_ < 0) return;
  ::ioctl(fd_, TIOCNXCL);
  ::tcsetattr(fd_, TCSANOW, &saved_);  // fails when the device is gone: nothing to restore
  ::close(fd_);                        // releases the flock
  fd_ = -1;
}

bool SerialSource::apply_speed(tic::Mode speed) {
  termios settings{};
  if (::tcgetattr(fd_, &settings) != 0) return false;
  cfsetispeed(&settings, speed_constant(speed));
  cfsetospeed(&settings, speed_constant(speed));
  if (::tcsetattr(fd_, TCSANOW, &settings) != 0) return false;
  ::tcflush(fd_, TCIFLUSH);
  speed_ = speed;
  return true;
}

void SerialSource::open_failed(int error, Clock::time_point now) {
  error_ = error;
  retry_at_ = now + backoff_.next();
  if (error != logged_error_) {
    LOG_WARNING("%s; retrying", serial_open_hint(error, options_.path).c_str());
    logged_error_ = error;
  } else {
    LOG_DEBUG("%s: still %s", options_.path.c_str(), serial_error_words(error).c_str());
  }
}

void SerialSource::lose(const std::string& why, Clock::time_point now) {
  close_port();
  sink_.finish(wall_clock_now());
  LOG_WARNING("lost %s (%s); reopening it when it is back", options_.path.c_str(), why.c_str());
  // A port that delivered bytes worked: come back quickly. One that fails as soon as it is
  // opened is retried less and less often.
  if (read_since_open_) backoff_.reset();
  lost_ = true;
  error_ = 0;
  logged_error_ = 0;
  detected_ = false;
  detect_deadline_ = Clock::time_point::max();
  retry_at_ = now + backoff_.next();
}

void SerialSource::start_detection(Clock::time_point now) {
  detected_ = false;
  groups_at_switch_ = sink_.valid_groups();
  detect_deadline_ = now + options_.detect_after;
}

void SerialSource::speed_detected() {
  detected_ = true;
  detect_deadline_ = Clock::time_point::max();
  LOG_INFO("%s: valid groups at %u Bd, %s mode", options_.path.c_str(), baud_rate(speed_),
           speed_ == tic::Mode::Historic ? "historic" : "standard");
}

void SerialSource::switch_speed(Clock::time_point now) {
  const tic::Mode from = speed_;
  if (!apply_speed(other(from))) {
    lose("cannot change its speed: " + error_text(errno), now);
    return;
  }
  // Bytes read at the wrong speed are noise: the decoder starts afresh.
  sink_.finish(wall_clock_now());
  ++switches_;
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.detect_after).count();
  if (switches_ == 1) {
    LOG_INFO("%s: no valid group at %u Bd in %lld ms; trying %u Bd", options_.path.c_str(),
             baud_rate(from), static_cast<long long>(waited), baud_rate(speed_));
  } else if (switches_ == 2) {
    LOG_INFO(
        "%s: no valid group at %u Bd either; trying both speeds in turn (further switches "
        "logged at debug level). Is the meter wired to I1 and I2, its TIC on?",
        options_.path.c_str(), baud_rate(from));
  } else {
    LOG_DEBUG("%s: no valid group at %u Bd; trying %u Bd", options_.path.c_str(), baud_rate(from),
              baud_rate(speed_));
  }
  start_detection(now);
}

}  // namespace bridge
