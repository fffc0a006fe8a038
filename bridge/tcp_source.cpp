#include "bridge/tcp_source.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/log.h"

namespace bridge {
namespace {

// A connection closed before any byte came: ser2net does that when its serial port is busy or
// missing. Such attempts count as failures, and only the first is logged.
constexpr std::string_view kClosedAtOnce = "closed by the server before sending anything";

// Text with a lower-case first letter, to sit inside a sentence.
std::string in_sentence(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

std::string error_text(int error) {
  return in_sentence(std::strerror(error));
}

// A server that vanished without closing (a ser2net box unplugged) sends nothing, which is also
// what a live server with a silent meter does: keepalive probes tell the two apart, after about
// 60 s of silence here.
void enable_keepalive(int socket) {
  const int on = 1;
  const int idle_seconds = 30;
  const int interval_seconds = 10;
  const int probes = 3;
  ::setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(socket, IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds, sizeof idle_seconds);
  ::setsockopt(socket, IPPROTO_TCP, TCP_KEEPINTVL, &interval_seconds, sizeof interval_seconds);
  ::setsockopt(socket, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

}  // namespace

// Shared by the source and the lookup thread, so that either may go first: the thread fills it
// in, then wakes the source through the eventfd, which the source polls meanwhile.
struct TcpSource::Lookup {
  explicit Lookup(int event) : event_fd(event) {}
  ~Lookup() { ::close(event_fd); }
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;

  const int event_fd;
  std::mutex mutex;
  bool done = false;
  std::string error;
  std::vector<Address> addresses;
};

std::string host_and_port(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string TcpSource::resolve(const std::string& host, std::uint16_t port, bool numeric_only,
                               std::vector<Address>& addresses) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
  addrinfo* list = nullptr;
  const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  if (status == EAI_SYSTEM) return error_text(errno);
  if (status != 0) return in_sentence(::gai_strerror(status));
  for (const addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Address address;
    std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
    address.size = entry->ai_addrlen;
    addresses.push_back(address);
  }
  ::freeaddrinfo(list);
  return addresses.empty() ? "no address" : "";
}

TcpSource::TcpSource(std::string host, std::uint16_t port, ByteSink& sink, Backoff backoff)
    : host_(std::move(host)),
      port_(port),
      name_(host_and_port(host_, port_)),
      sink_(sink),
      backoff_(backoff) {
  start(Clock::now());
}

TcpSource::~TcpSource() {
  close_socket();
}

int TcpSource::fd() const {
  switch (phase_) {
    case Phase::Resolving:
      return lookup_->event_fd;
    case Phase::Connecting:
    case Phase::Connected:
      return socket_;
    case Phase::Waiting:
      break;
  }
  return -1;
}

short TcpSource::events() const {
  return phase_ == Phase::Connecting ? POLLOUT : POLLIN;
}

Clock::time_point TcpSource::deadline() const {
  switch (phase_) {
    case Phase::Connecting:
      return connect_deadline_;
    case Phase::Waiting:
      return retry_at_;
    case Phase::Resolving:
    case Phase::Connected:
      break;
  }
  return Clock::time_point::max();
}

std::string TcpSource::state() const {
  switch (phase_) {
    case Phase::Resolving:
    case Phase::Connecting:
      return "connecting to " + name_;
    case Phase::Connected:
      return "connected to " + name_;
    case Phase::Waiting:
      break;
  }
  return "waiting to reconnect to " + name_ + " (" + problem_ + ")";
}

void TcpSource::on_ready(short revents, Clock::time_point now) {
  switch (phase_) {
    case Phase::Resolving:
      lookup_done(now);
      break;
    case Phase::Connecting: {
      // The outcome of a non-blocking connect() is in SO_ERROR once the socket is writable.
      int error = 0;
      socklen_t size = sizeof error;
      if (::getsockopt(socket_, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
      if (error == 0 && (revents & POLLOUT) != 0) {
        connected();
      } else if (error != 0 || (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
        connect_failed(error != 0 ? error : ECONNABORTED, now);
      }
      break;
    }
    case Phase::Connected:
      read_available(revents, now);
      break;
    case Phase::Waiting:
      break;
  }
}

void TcpSource::on_timer(Clock::time_point now) {
  if (phase_ == Phase::Waiting && now >= retry_at_) {
    start(now);
  } else if (phase_ == Phase::Connecting && now >= connect_deadline_) {
    connect_failed(ETIMEDOUT, now);
  }
}

void TcpSource::start(Clock::time_point now) {
  addresses_.clear();
  next_address_ = 0;
  last_error_ = 0;
  retry_at_ = Clock::time_point::max();
  // An address needs no lookup: used as is, at once.
  if (resolve(host_, port_, true, addresses_).empty()) {
    connect_next(now);
    return;
  }
  addresses_.clear();

  // A name: getaddrinfo may wait seconds on DNS, so it runs on a thread of its own.
  const int event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event < 0) {
    const std::string why = "cannot look " + host_ + " up: " + error_text(errno);
    wait(why, "cannot connect to " + name_ + ": " + why + "; retrying", now);
    return;
  }
  auto lookup = std::make_shared<Lookup>(event);
  try {
    std::thread{[lookup, host = host_, port = port_] {
      std::vector<Address> addresses;
      std::string error = resolve(host, port, false, addresses);
      {
        const std::lock_guard lock{lookup->mutex};
        lookup->error = std::move(error);
        lookup->addresses = std::move(addresses);
        lookup->done = true;
      }
      ::eventfd_write(lookup->event_fd, 1);
    }}.detach();
  } catch (const std::system_error& error) {
    const std::string why = "cannot look " + host_ + " up: " + error.what();
    wait(why, "cannot connect to " + name_ + ": " + why + "; retrying", now);
    return;
  }
  lookup_ = std::move(lookup);
  phase_ = Phase::Resolving;
}

void TcpSource::lookup_done(Clock::time_point now) {
  std::string error;
  {
    const std::lock_guard lock{lookup_->mutex};
    if (!lookup_->done) return;
    error = std::move(lookup_->error);
    addresses_ = std::move(lookup_->addresses);
  }
  lookup_.reset();
  if (!error.empty()) {
    const std::string why = "cannot look " + host_ + " up: " + error;
    wait(why, "cannot connect to " + name_ + ": " + why + "; retrying", now);
    return;
  }
  connect_next(now);
}

void TcpSource::connect_next(Clock::time_point now) {
  while (next_address_ < addresses_.size()) {
    const Address& address = addresses_[next_address_++];
    const int socket =
        ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (socket < 0) {
      last_error_ = errno;
      continue;
    }
    enable_keepalive(socket);
    if (::connect(socket, reinterpret_cast<const sockaddr*>(&address.storage), address.size) == 0) {
      socket_ = socket;
      connected();
      return;
    }
    if (errno == EINPROGRESS || errno == EINTR) {  // completes in the background either way
      socket_ = socket;
      phase_ = Phase::Connecting;
      connect_deadline_ = now + kConnectTimeout;
      return;
    }
    last_error_ = errno;
    ::close(socket);
  }
  const std::string why = error_text(last_error_ != 0 ? last_error_ : EHOSTUNREACH);
  wait(why, "cannot connect to " + name_ + ": " + why + "; retrying", now);
}

void TcpSource::connect_failed(int error, Clock::time_point now) {
  close_socket();
  last_error_ = error;
  connect_next(now);
}

void TcpSource::connected() {
  phase_ = Phase::Connected;
  connect_deadline_ = Clock::time_point::max();
  delivered_ = false;
  if (logged_ == kClosedAtOnce) {
    LOG_DEBUG("connected to %s", name_.c_str());
  } else {
    LOG_INFO("connected to %s%s", name_.c_str(), down_ ? " again" : "");
    logged_.clear();
  }
  down_ = false;
  problem_.clear();
}

void TcpSource::read_available(short revents, Clock::time_point now) {
  std::array<std::uint8_t, 4096> buffer;
  bool drained = false;
  for (int reads = 0; reads < 16 && !drained; ++reads) {
    const ssize_t size = ::recv(socket_, buffer.data(), buffer.size(), 0);
    if (size > 0) {
      if (!delivered_ && logged_ == kClosedAtOnce) {
        LOG_INFO("connected to %s, receiving", name_.c_str());
        logged_.clear();
      }
      delivered_ = true;
      sink_.push(std::span{buffer.data(), static_cast<std::size_t>(size)}, wall_clock_now());
    } else if (size == 0) {
      lose("closed by the server", now);
      return;
    } else if (errno == EAGAIN) {
      drained = true;
    } else if (errno != EINTR) {
      lose(error_text(errno), now);
      return;
    }
  }
  if (drained && (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(socket_, SOL_SOCKET, SO_ERROR, &error, &size);
    lose(error != 0 ? error_text(error) : "hung up", now);
  }
}

void TcpSource::lose(const std::string& why, Clock::time_point now) {
  close_socket();
  sink_.finish(wall_clock_now());
  if (!delivered_) {
    wait(std::string{kClosedAtOnce},
         "lost connection to " + name_ + ": " + std::string{kClosedAtOnce} + "; reconnecting", now);
    return;
  }
  // This connection worked: the next attempt comes after the shortest delay.
  backoff_.reset();
  wait(why, "lost connection to " + name_ + ": " + why + "; reconnecting", now);
}

void TcpSource::wait(const std::string& problem, const std::string& line, Clock::time_point now) {
  close_socket();
  lookup_.reset();
  phase_ = Phase::Waiting;
  down_ = true;
  problem_ = problem;
  retry_at_ = now + backoff_.next();
  if (problem != logged_) {
    LOG_WARNING("%s", line.c_str());
    logged_ = problem;
  } else {
    LOG_DEBUG("%s", line.c_str());
  }
}

void TcpSource::close_socket() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  connect_deadline_ = Clock::time_point::max();
}

}  // namespace bridge
