// A meter behind a raw TCP byte stream (ser2net, or any TCP serial server): a client that
// reconnects with backoff when the server closes or cannot be reached.
//
// Everything is non-blocking: a numeric address is used as is, a name is looked up on a thread
// of its own (getaddrinfo blocks), connect() completes under poll(), and each address the name
// has is tried in turn. TCP keepalive notices a server that vanished without closing.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridge/backoff.h"
#include "bridge/source.h"

namespace bridge {

// "host:port", with brackets around an IPv6 address: "[::1]:2000".
std::string host_and_port(const std::string& host, std::uint16_t port);

class TcpSource : public Source {
 public:
  // Starts connecting at once. `backoff` spaces the attempts after a failure; it starts over
  // after a connection that delivered bytes.
  TcpSource(std::string host, std::uint16_t port, ByteSink& sink, Backoff backoff = Backoff{});
  ~TcpSource() override;
  TcpSource(const TcpSource&) = delete;
  TcpSource& operator=(const TcpSource&) = delete;

  int fd() const override;
  short events() const override;
  Clock::time_point deadline() const override;
  void on_ready(short revents, Clock::time_point now) override;
  void on_timer(Clock::time_point now) override;
  std::string state() const override;

  // How long one address may take to answer a connection.
  static constexpr std::chrono::seconds kConnectTimeout{10};

 private:
  struct Address {
    sockaddr_storage storage{};
    socklen_t size = 0;
  };
  struct Lookup;  // a name being looked up on its own thread
  // The addresses of `host`, or why there are none. With `numeric_only`, fails at once unless
  // `host` is an IPv4 or IPv6 address.
  static std::string resolve(const std::string& host, std::uint16_t port, bool numeric_only,
                             std::vector<Address>& addresses);
  enum class Phase { Resolving, Connecting, Connected, Waiting };

  void start(Clock::time_point now);
  void lookup_done(Clock::time_point now);
  // Starts connecting to the next address left; waits for a retry when none is.
  void connect_next(Clock::time_point now);
  void connect_failed(int error, Clock::time_point now);
  void connected();
  void read_available(short revents, Clock::time_point now);
  // Closes the connection, if any, and waits before the next attempt; `line` is logged when
  // `problem` is not the one logged last.
  void wait(const std::string& problem, const std::string& line, Clock::time_point now);
  void lose(const std::string& why, Clock::time_point now);
  void close_socket();

  std::string host_;
  std::uint16_t port_;
  std::string name_;  // host:port, for messages
  ByteSink& sink_;
  Backoff backoff_;

  Phase phase_ = Phase::Waiting;
  int socket_ = -1;
  std::shared_ptr<Lookup> lookup_;
  std::vector<Address> addresses_;
  std::size_t next_address_ = 0;
  int last_error_ = 0;  // of the last address tried
  Clock::time_point connect_deadline_ = Clock::time_point::max();
  Clock::time_point retry_at_ = Clock::time_point::max();

  bool delivered_ = false;  // the current connection has delivered bytes
  bool down_ = false;       // it failed or was lost since the last connection
  std::string problem_;     // why it is waiting, for state()
  std::string logged_;      // the problem last logged, so that each is logged once per change
};

}  // namespace bridge
