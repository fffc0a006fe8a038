// The TCP source against servers the test runs on loopback: reading a capture, reconnecting after
// the server closes or refuses, IPv6, names, and the connect() in progress.
#include "bridge/tcp_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/captures.h"
#include "support/pty.h"

namespace {

using namespace std::chrono_literals;
using bridge::Clock;

// 12 frames (its first is cut).
const std::string kStandard = "lains_ticdecodecpp_continuous_linky_1P_standard_TIC_sample.bin";
const std::string kHistoric = "hallard_tinfo_replay_histo_hc.txt";  // 5 frames

// A listening socket on a loopback address; port 0 takes a free one.
class Listener {
 public:
  explicit Listener(const std::string& address = "127.0.0.1", std::uint16_t port = 0,
                    int backlog = 8) {
    sockaddr_storage storage{};
    socklen_t size = 0;
    if (address.find(':') != std::string::npos) {
      auto* ipv6 = reinterpret_cast<sockaddr_in6*>(&storage);
      ipv6->sin6_family = AF_INET6;
      ipv6->sin6_port = htons(port);
      ::inet_pton(AF_INET6, address.c_str(), &ipv6->sin6_addr);
      size = sizeof *ipv6;
    } else {
      auto* ipv4 = reinterpret_cast<sockaddr_in*>(&storage);
      ipv4->sin_family = AF_INET;
      ipv4->sin_port = htons(port);
      ::inet_pton(AF_INET, address.c_str(), &ipv4->sin_addr);
      size = sizeof *ipv4;
    }
    fd_ = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), size) != 0 ||
        ::listen(fd_, backlog) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &size) != 0) {
      throw std::runtime_error{"listen on " + address + ": " + std::strerror(errno)};
    }
    port_ =
        ntohs(storage.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  std::uint16_t port() const { return port_; }

  // The next connection, non-blocking; -1 when none came within the failsafe.
  int accept_one() {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, 10'000) != 1) return -1;
    return ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  // A connection waiting to be accepted, or -1.
  int try_accept() {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, 0) != 1) return -1;
    return ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port nobody listens on, for a while: one the kernel just gave and took back.
std::uint16_t free_port() {
  const Listener probe;
  return probe.port();
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

// Writes `capture` to the accepted connection while the source reads it.
bool feed(bridge::Source& source, int peer, const test::DecodingSink& sink,
          const std::string& capture) {
  const std::uint64_t until = sink.bytes() + capture.size();
  std::string pending = capture;
  return test::run_until(
      source, [&] { return sink.bytes() == until; }, 15s, [&] { test::write_some(peer, pending); });
}

bool connected(const bridge::TcpSource& source) {
  return source.state().starts_with("connected to ");
}

TEST(TcpSourceName, PutsIpv6AddressesInBrackets) {
  EXPECT_EQ(bridge::host_and_port("192.168.1.20", 2000), "192.168.1.20:2000");
  EXPECT_EQ(bridge::host_and_port("ser2net.lan", 3001), "ser2net.lan:3001");
  EXPECT_EQ(bridge::host_and_port("::1", 2000), "[::1]:2000");
}

TEST(TcpSource, ReadsACaptureAndReconnectsWhenTheServerCloses) {
  Listener server;
  const std::string name = "127.0.0.1:" + std::to_string(server.port());
  test::DecodingSink sink;
  bridge::TcpSource source{"127.0.0.1", server.port(), sink, bridge::Backoff{20ms, 200ms}};
  ASSERT_TRUE(test::run_until(source, [&] { return connected(source); })) << source.state();
  EXPECT_EQ(source.state(), "connected to " + name);
  EXPECT_EQ(source.events(), POLLIN);
  EXPECT_EQ(source.deadline(), Clock::time_point::max());

  const std::string capture = test::read_capture(kStandard);
  const test::Decoded expected = test::decode(capture);
  ASSERT_EQ(expected.frames.size(), 12u);
  int peer = server.accept_one();
  ASSERT_GE(peer, 0);
  ASSERT_TRUE(feed(source, peer, sink, capture));
  EXPECT_TRUE(test::without_times(sink.frames()) == test::without_times(expected.frames));

  // The server closes: the sink is told, and the source waits, then connects again.
  ::close(peer);
  ASSERT_TRUE(test::run_until(source, [&] { return sink.finishes() == 1; }));
  EXPECT_EQ(source.state(), "waiting to reconnect to " + name + " (closed by the server)");
  EXPECT_EQ(source.fd(), -1);
  EXPECT_LT(source.deadline(), Clock::time_point::max());

  ASSERT_TRUE(test::run_until(source, [&] { return connected(source); })) << source.state();
  peer = server.accept_one();
  ASSERT_GE(peer, 0);
  ASSERT_TRUE(feed(source, peer, sink, capture));
  ::close(peer);
  ASSERT_EQ(sink.frames().size(), 24u);
  const std::vector<tic::Frame> frames = test::without_times(sink.frames());
  EXPECT_TRUE(std::vector<tic::Frame>(frames.begin() + 12, frames.end()) ==
              test::without_times(expected.frames));
}

TEST(TcpSource, WaitsWhileRefusedThenConnectsWhenTheServerAppears) {
  const std::uint16_t port = free_port();
  const std::string name = "127.0.0.1:" + std::to_string(port);
  testing::internal::CaptureStderr();
  test::DecodingSink sink;
  bridge::TcpSource source{"127.0.0.1", port, sink, bridge::Backoff{20ms, 10s}};

  // Refused, again and again: each attempt waits twice as long as the one before.
  std::vector<Clock::duration> delays;
  Clock::time_point retry_at = Clock::time_point::min();
  ASSERT_TRUE(test::run_until(source, [&] {
    if (source.fd() == -1 && source.deadline() != retry_at) {
      retry_at = source.deadline();
      delays.push_back(retry_at - Clock::now());
    }
    return delays.size() >= 4;
  }));
  EXPECT_EQ(source.state(), "waiting to reconnect to " + name + " (connection refused)");
  EXPECT_GT(delays.back(), 100ms);  // the fourth delay is 160 ms

  Listener server{"127.0.0.1", port};
  ASSERT_TRUE(test::run_until(source, [&] { return connected(source); })) << source.state();
  const int peer = server.accept_one();
  ASSERT_GE(peer, 0);
  ASSERT_TRUE(feed(source, peer, sink, test::read_capture(kHistoric)));
  EXPECT_EQ(sink.frames().size(), 5u);

  // A connection that delivered bytes worked: after it, the shortest delay again.
  ::close(peer);
  ASSERT_TRUE(test::run_until(source, [&] { return sink.finishes() == 1; }));
  EXPECT_LE(source.deadline() - Clock::now(), 20ms);
  const std::string log = testing::internal::GetCapturedStderr();

  EXPECT_EQ(occurrences(log, "cannot connect to " + name + ": connection refused"), 1u) << log;
  EXPECT_EQ(occurrences(log, "connected to " + name + " again"), 1u) << log;
  EXPECT_EQ(occurrences(log, "lost connection to " + name + ": closed by the server"), 1u) << log;
}

TEST(TcpSource, CountsAConnectionClosedAtOnceAsAFailure) {
  Listener server;
  const std::string name = "127.0.0.1:" + std::to_string(server.port());
  testing::internal::CaptureStderr();
  test::DecodingSink sink;
  bridge::TcpSource source{"127.0.0.1", server.port(), sink, bridge::Backoff{10ms, 40ms}};
  // What ser2net does when its serial port is busy: accept, then close.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(test::run_until(source, [&] { return connected(source); })) << source.state();
    const int peer = server.accept_one();
    ASSERT_GE(peer, 0);
    ::close(peer);
    ASSERT_TRUE(test::run_until(source, [&] { return !connected(source); }));
    EXPECT_EQ(source.state(), "waiting to reconnect to " + name +
                                  " (closed by the server before sending anything)");
  }
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(occurrences(log, "closed by the server before sending anything"), 1u) << log;
  EXPECT_EQ(occurrences(log, "connected to " + name), 1u) << log;
}

TEST(TcpSource, ConnectsOverIpv6) {
  Listener server{"::1"};
  test::DecodingSink sink;
  bridge::TcpSource source{"::1", server.port(), sink};
  ASSERT_TRUE(test::run_until(source, [&] { return connected(source); })) << source.state();
  EXPECT_EQ(source.state(), "connected to [::1]:" + std::to_string(server.port()));
  const int peer = server.accept_one();
  ASSERT_GE(peer, 0);
  ASSERT_TRUE(feed(source, peer, sink, test::read_capture(kHistoric)));
  ::close(peer);
  EXPECT_EQ(sink.frames().size(), 5u);
}

TEST(TcpSource, LooksNamesUpWithoutBlocking) {
  Listener server{"127.0.0.1"};
  const std::string name = "localhost:" + std::to_string(server.port());
  test::DecodingSink sink;
  bridge::TcpSource source{"localhost", server.port(), sink};
  // The lookup runs on its own thread; the source waits on its descriptor meanwhile.
  EXPECT_EQ(source.state(), "connecting to " + name);
  EXPECT_GE(source.fd(), 0);
  // localhost may also name ::1, where nobody listens: the next address is tried.
  ASSERT_TRUE(test::run_until(source, [&] { return connected(source); })) << source.state();
  EXPECT_EQ(source.state(), "connected to " + name);
  const int peer = server.accept_one();
  ASSERT_GE(peer, 0);
  ASSERT_TRUE(feed(source, peer, sink, test::read_capture(kHistoric)));
  ::close(peer);
  EXPECT_EQ(sink.frames().size(), 5u);
}

TEST(TcpSource, WaitsForWritableWhileConnecting) {
  // With a backlog of 0 the accept queue holds one connection; while it is full, the kernel
  // drops the next SYN, and that connect() stays in progress until the SYN is sent again.
  Listener server{"127.0.0.1", 0, 0};
  const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof address);
  pollfd entry{filler, POLLOUT, 0};
  ASSERT_EQ(::poll(&entry, 1, 10'000), 1);

  test::DecodingSink sink;
  bridge::TcpSource source{"127.0.0.1", server.port(), sink};
  if (connected(source)) GTEST_SKIP() << "the kernel completed the connection at once";
  EXPECT_EQ(source.state(), "connecting to 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(source.events(), POLLOUT);
  EXPECT_GE(source.fd(), 0);
  EXPECT_LE(source.deadline(), Clock::now() + bridge::TcpSource::kConnectTimeout);
  EXPECT_GT(source.deadline(), Clock::now() + bridge::TcpSource::kConnectTimeout - 5s);

  // Room in the queue: the SYN sent again (after a second) gets through.
  std::vector<int> accepted;
  EXPECT_TRUE(test::run_until(source, [&] {
    for (int peer; (peer = server.try_accept()) >= 0;)
      accepted.push_back(peer);
    return connected(source);
  }));
  EXPECT_EQ(source.events(), POLLIN);
  ::close(filler);
  for (const int peer : accepted)
    ::close(peer);
}

}  // namespace
