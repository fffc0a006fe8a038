// The systemd notify protocol (sd_notify(3)) for Type=notify units, spoken directly on the
// $NOTIFY_SOCKET datagram socket: no libsystemd needed. Without NOTIFY_SOCKET every call does
// nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/options.h"

namespace common {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET (a path, or an abstract name starting with '@'), WATCHDOG_USEC and
  // WATCHDOG_PID from `environment`.
  explicit SystemdNotifier(const Environment& environment);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  bool enabled() const;
  // How often to send WATCHDOG=1 (half of WATCHDOG_USEC), when systemd watches this process.
  std::optional<std::chrono::microseconds> watchdog_interval() const;

  void ready();                        // READY=1
  void status(std::string_view text);  // STATUS=text (one line)
  void watchdog();                     // WATCHDOG=1
  void stopping();                     // STOPPING=1
  // Sends one datagram; false when it could not be sent (never throws, never blocks).
  bool send(std::string_view message);

 private:
  std::string socket_name_;  // NOTIFY_SOCKET as given, for log lines
  std::string address_;      // the sun_path bytes: a path, or '\0' and an abstract name
  int fd_ = -1;
  bool failing_ = false;  // the last send failed (logged once until one succeeds)
  std::optional<std::chrono::microseconds> watchdog_interval_;
};

}  // namespace common
