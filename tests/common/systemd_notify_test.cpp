// SystemdNotifier (common/systemd_notify.h) against datagram sockets bound here, as systemd
// binds its notify socket: the exact datagrams for each call, on a path and on an abstract name;
// the watchdog interval; nothing done without NOTIFY_SOCKET; a socket that is not there.
#include "common/systemd_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace {

using common::Environment;
using common::SystemdNotifier;
using std::chrono::microseconds;

// A datagram socket bound to a sun_path (a path, or '\0' and an abstract name).
class Receiver {
 public:
  explicit Receiver(const std::string& sun_path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0) << std::strerror(errno);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, sun_path.data(), sun_path.size());
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + sun_path.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), size), 0)
        << std::strerror(errno);
  }
  ~Receiver() { ::close(fd_); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // The next datagram; nullopt after 10 s (a failsafe: the datagram is sent before this is called).
  std::optional<std::string> receive() {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, 10000) != 1) return std::nullopt;
    char buffer[512];
    const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    if (size < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(size));
  }

  // Whether a datagram is waiting, without waiting.
  bool pending() {
    pollfd ready{fd_, POLLIN, 0};
    return ::poll(&ready, 1, 0) == 1;
  }

 private:
  int fd_ = -1;
};

// A fresh directory under the system's temporary directory, removed at the end.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "teleinfo-notify-XXXXXX");
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << std::strerror(errno);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void expect_protocol(SystemdNotifier& notifier, Receiver& receiver) {
  ASSERT_TRUE(notifier.enabled());
  notifier.ready();
  EXPECT_EQ(receiver.receive(), "READY=1");
  notifier.status("a\nb");
  EXPECT_EQ(receiver.receive(), "STATUS=a b");
  notifier.status("MQTT connected to broker:1883");
  EXPECT_EQ(receiver.receive(), "STATUS=MQTT connected to broker:1883");
  notifier.watchdog();
  EXPECT_EQ(receiver.receive(), "WATCHDOG=1");
  notifier.stopping();
  EXPECT_EQ(receiver.receive(), "STOPPING=1");
  EXPECT_TRUE(notifier.send("EXTEND_TIMEOUT_USEC=5000000"));
  EXPECT_EQ(receiver.receive(), "EXTEND_TIMEOUT_USEC=5000000");
  EXPECT_FALSE(receiver.pending());
}

TEST(SystemdNotifier, SendsToASocketPath) {
  TemporaryDirectory directory;
  const std::string path = directory.path() / "notify";
  Receiver receiver{path};
  SystemdNotifier notifier{Environment{{"NOTIFY_SOCKET", path}}};
  expect_protocol(notifier, receiver);
}

TEST(SystemdNotifier, SendsToAnAbstractSocket) {
  const std::string name = "teleinfo-notify-test-" + std::to_string(::getpid());
  Receiver receiver{std::string(1, '\0') + name};
  SystemdNotifier notifier{Environment{{"NOTIFY_SOCKET", "@" + name}}};
  expect_protocol(notifier, receiver);
}

// The abstract address is exactly the name: one byte more or less is another socket.
TEST(SystemdNotifier, AbstractNameIsExact) {
  const std::string name = "teleinfo-notify-exact-" + std::to_string(::getpid());
  Receiver longer{std::string(1, '\0') + name + std::string(1, '\0')};
  SystemdNotifier notifier{Environment{{"NOTIFY_SOCKET", "@" + name}}};
  EXPECT_FALSE(notifier.send("READY=1"));  // nothing is bound to the name alone
  EXPECT_FALSE(longer.pending());
}

TEST(SystemdNotifier, WatchdogIntervalIsHalfOfWatchdogUsec) {
  const std::string self = std::to_string(::getpid());
  const std::string other = std::to_string(::getpid() + 1);
  const auto interval = [](Environment environment) {
    environment["NOTIFY_SOCKET"] = "@teleinfo-notify-watchdog";
    return SystemdNotifier{environment}.watchdog_interval();
  };
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "2000000"}}), microseconds{1000000});
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "2000000"}, {"WATCHDOG_PID", self}}),
            microseconds{1000000});
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "60000000"}}), microseconds{30000000});
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "2000000"}, {"WATCHDOG_PID", other}}), std::nullopt);
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "2000000"}, {"WATCHDOG_PID", "x"}}), std::nullopt);
  EXPECT_EQ(interval({}), std::nullopt);
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "0"}}), std::nullopt);
  EXPECT_EQ(interval({{"WATCHDOG_USEC", ""}}), std::nullopt);
  EXPECT_EQ(interval({{"WATCHDOG_USEC", "20s"}}), std::nullopt);
  // No socket to send WATCHDOG=1 to: no watchdog either.
  const SystemdNotifier without_socket{Environment{{"WATCHDOG_USEC", "2000000"}}};
  EXPECT_EQ(without_socket.watchdog_interval(), std::nullopt);
}

TEST(SystemdNotifier, DisabledWithoutNotifySocket) {
  for (const Environment& environment :
       {Environment{}, Environment{{"NOTIFY_SOCKET", ""}},
        Environment{{"NOTIFY_SOCKET", "relative/path"}}, Environment{{"NOTIFY_SOCKET", "@"}},
        Environment{{"NOTIFY_SOCKET", "/" + std::string(200, 'x')}}}) {
    SystemdNotifier notifier{environment};
    EXPECT_FALSE(notifier.enabled());
    EXPECT_EQ(notifier.watchdog_interval(), std::nullopt);
    notifier.ready();
    notifier.status("text");
    notifier.watchdog();
    notifier.stopping();
    EXPECT_FALSE(notifier.send("READY=1"));
  }
}

TEST(SystemdNotifier, SocketNotThereFailsQuietly) {
  TemporaryDirectory directory;
  const std::string path = directory.path() / "nobody";
  SystemdNotifier notifier{Environment{{"NOTIFY_SOCKET", path}}};
  EXPECT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.send("READY=1"));
  notifier.ready();
  notifier.watchdog();
  EXPECT_FALSE(notifier.send("WATCHDOG=1"));

  // Once systemd's socket is there, the next message goes through.
  Receiver receiver{path};
  EXPECT_TRUE(notifier.send("READY=1"));
  EXPECT_EQ(receiver.receive(), "READY=1");
}

}  // namespace
