// A small HTTP/1.1 server for tests of HTTP clients: on a free loopback port, on its own thread,
// it records every request and answers each with the scripted status and body (204 and no body
// unless told). Connections are kept alive (bodies sized by Content-Length; chunked bodies are not
// understood), so a client reusing its connection is seen to.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace test {

struct HttpRequest {
  std::string method;  // "POST"
  std::string target;  // "/api/v2/write?org=home&bucket=tic&precision=ms"
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  std::size_t connection = 0;  // 1 for requests on the first connection accepted, and so on

  // The value of the first header of that name (case-insensitive), nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

class HttpRecorder {
 public:
  // Listens and starts the thread; throws std::runtime_error when it cannot listen.
  HttpRecorder();
  ~HttpRecorder();
  HttpRecorder(const HttpRecorder&) = delete;
  HttpRecorder& operator=(const HttpRecorder&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT".
  std::string url() const;

  // The answer to every request from now on (Content-Type: application/json when a body is set).
  void respond(int status, std::string body = {});

  // Waits until `count` requests have been recorded, at most `timeout`; whether they were.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;
  std::vector<HttpRequest> requests() const;
  std::size_t connections() const;

 private:
  struct Client;
  void run();
  // Records and answers the complete requests at the head of the client's buffer; false when the
  // connection is to be closed.
  bool serve(Client& client);

  int listener_ = -1;
  int wake_read_ = -1, wake_write_ = -1;
  std::uint16_t port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable recorded_;
  std::vector<HttpRequest> requests_;
  std::size_t connections_ = 0;
  int status_ = 204;
  std::string body_;

  std::thread thread_;
};

}  // namespace test
