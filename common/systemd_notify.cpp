#include "common/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/log.h"

namespace common {
namespace {

std::optional<std::string> variable(const Environment& environment, const char* name) {
  const auto found = environment.find(name);
  if (found == environment.end()) return std::nullopt;
  return found->second;
}

// A decimal number and nothing else.
std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

SystemdNotifier::SystemdNotifier(const Environment& environment) {
  const std::optional<std::string> socket = variable(environment, "NOTIFY_SOCKET");
  if (!socket || socket->empty()) return;
  socket_name_ = *socket;

  // sun_path holds a filesystem path (NUL-terminated), or for an abstract socket a NUL byte then
  // the name, its length given by the address length alone. systemd writes the abstract name
  // with '@' in place of that NUL.
  constexpr std::size_t kPathSize = sizeof(sockaddr_un::sun_path);
  if (socket->front() == '/' && socket->size() < kPathSize) {
    address_ = *socket;
  } else if (socket->front() == '@' && socket->size() > 1 && socket->size() <= kPathSize) {
    address_ = *socket;
    address_[0] = '\0';
  } else {
    LOG_WARNING("systemd: NOTIFY_SOCKET %s is not a socket path this program can use",
                socket->c_str());
    return;
  }

  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    LOG_WARNING("systemd: cannot open a socket to notify %s: %s", socket->c_str(),
                std::strerror(errno));
    return;
  }

  // The watchdog applies to this process only: WATCHDOG_PID, when set, names the one watched.
  const std::optional<std::string> usec = variable(environment, "WATCHDOG_USEC");
  const std::optional<std::string> pid = variable(environment, "WATCHDOG_PID");
  if (!usec || (pid && parse_unsigned(*pid) != static_cast<std::uint64_t>(::getpid()))) return;
  if (const std::optional<std::uint64_t> period = parse_unsigned(*usec); period && *period > 0) {
    watchdog_interval_ = std::chrono::microseconds{static_cast<std::int64_t>(*period / 2)};
  }
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

bool SystemdNotifier::enabled() const {
  return fd_ >= 0;
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_interval() const {
  return watchdog_interval_;
}

void SystemdNotifier::ready() {
  send("READY=1");
}

void SystemdNotifier::status(std::string_view text) {
  if (!enabled()) return;
  // One assignment per line: a newline in the text would start another.
  std::string message = "STATUS=";
  message.append(text);
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  send(message);
}

void SystemdNotifier::watchdog() {
  send("WATCHDOG=1");
}

void SystemdNotifier::stopping() {
  send("STOPPING=1");
}

bool SystemdNotifier::send(std::string_view message) {
  if (!enabled()) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, address_.data(), address_.size());
  // A path counts its terminating NUL (zeroed above); an abstract name is exactly its bytes.
  const std::size_t path_size = address_.front() == '\0' ? address_.size() : address_.size() + 1;
  const auto address_size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_size);

  ssize_t sent;
  do {
    sent = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&address), address_size);
  } while (sent < 0 && errno == EINTR);

  if (sent != static_cast<ssize_t>(message.size())) {
    if (!failing_) {
      LOG_WARNING("systemd: cannot notify %s: %s", socket_name_.c_str(),
                  sent < 0 ? std::strerror(errno) : "message cut short");
    }
    failing_ = true;
    return false;
  }
  if (failing_) LOG_INFO("systemd: notifying %s again", socket_name_.c_str());
  failing_ = false;
  return true;
}

}  // namespace common
