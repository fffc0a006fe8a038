#include "support/http_recorder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <list>
#include <stdexcept>

namespace test {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equal_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

struct HttpRecorder::Client {
  int fd;
  std::size_t number;
  std::string buffer;  // bytes received and not yet part of an answered request
};

HttpRecorder::HttpRecorder() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("HttpRecorder: socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int pipe_fds[2];
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0 ||
      ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(listener_);
    throw std::runtime_error(std::string{"HttpRecorder: cannot listen: "} + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  wake_read_ = pipe_fds[0];
  wake_write_ = pipe_fds[1];
  thread_ = std::thread([this] { run(); });
}

HttpRecorder::~HttpRecorder() {
  const char byte = 0;
  [[maybe_unused]] const ssize_t written = ::write(wake_write_, &byte, 1);
  thread_.join();
  ::close(wake_read_);
  ::close(wake_write_);
  ::close(listener_);
}

std::string HttpRecorder::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void HttpRecorder::respond(int status, std::string body) {
  std::lock_guard lock{mutex_};
  status_ = status;
  body_ = std::move(body);
}

bool HttpRecorder::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock{mutex_};
  return recorded_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

std::vector<HttpRequest> HttpRecorder::requests() const {
  std::lock_guard lock{mutex_};
  return requests_;
}

std::size_t HttpRecorder::connections() const {
  std::lock_guard lock{mutex_};
  return connections_;
}

void HttpRecorder::run() {
  std::list<Client> clients;
  std::vector<pollfd> polled;
  for (;;) {
    polled.assign({{wake_read_, POLLIN, 0}, {listener_, POLLIN, 0}});
    for (const Client& client : clients)
      polled.push_back({client.fd, POLLIN, 0});
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (polled[0].revents != 0) break;
    if (polled[1].revents != 0) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        std::lock_guard lock{mutex_};
        clients.push_back({fd, ++connections_, {}});
      }
    }
    // The clients polled are the first polled.size() - 2 of the list (one may have been added).
    auto client = clients.begin();
    for (std::size_t i = 2; i < polled.size(); ++i) {
      bool open = true;
      if (polled[i].revents != 0) {
        char bytes[16384];
        const ssize_t got = ::recv(client->fd, bytes, sizeof bytes, 0);
        if (got > 0) {
          client->buffer.append(bytes, static_cast<std::size_t>(got));
          open = serve(*client);
        } else if (!(got < 0 && errno == EINTR)) {
          open = false;
        }
      }
      if (open) {
        ++client;
      } else {
        ::close(client->fd);
        client = clients.erase(client);
      }
    }
  }
  for (const Client& client : clients)
    ::close(client.fd);
}

bool HttpRecorder::serve(Client& client) {
  for (;;) {
    // Request line and headers end with an empty line; the body follows, Content-Length long.
    const std::size_t head_end = client.buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) return true;
    const std::string_view head = std::string_view{client.buffer}.substr(0, head_end);
    HttpRequest request;
    request.connection = client.number;
    std::size_t content_length = 0;
    bool close = false;
    std::size_t line_start = 0;
    for (bool first = true; line_start <= head.size(); first = false) {
      std::size_t line_end = head.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = head.size();
      const std::string_view line = head.substr(line_start, line_end - line_start);
      line_start = line_end + 2;
      if (first) {
        // "POST /write?db=x HTTP/1.1"
        const std::size_t space = line.find(' ');
        const std::size_t last = line.rfind(' ');
        if (space == std::string_view::npos || last == space) return false;
        request.method = line.substr(0, space);
        request.target = line.substr(space + 1, last - space - 1);
        continue;
      }
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return false;
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = trimmed(line.substr(colon + 1));
      if (equal_ignoring_case(name, "Content-Length")) {
        const auto result =
            std::from_chars(value.data(), value.data() + value.size(), content_length);
        if (result.ec != std::errc{}) return false;
      } else if (equal_ignoring_case(name, "Connection") && equal_ignoring_case(value, "close")) {
        close = true;
      }
      request.headers.emplace_back(name, value);
    }
    const std::size_t body_start = head_end + 4;
    if (client.buffer.size() < body_start + content_length) return true;
    request.body = client.buffer.substr(body_start, content_length);
    client.buffer.erase(0, body_start + content_length);

    std::string answer;
    {
      std::lock_guard lock{mutex_};
      answer = "HTTP/1.1 " + std::to_string(status_) + " " + std::string{reason(status_)} + "\r\n";
      if (status_ != 204) {
        if (!body_.empty()) answer += "Content-Type: application/json\r\n";
        answer += "Content-Length: " + std::to_string(body_.size()) + "\r\n\r\n" + body_;
      } else {
        answer += "\r\n";
      }
      requests_.push_back(std::move(request));
    }
    recorded_.notify_all();
    if (!send_all(client.fd, answer) || close) return false;
  }
}

}  // namespace test
