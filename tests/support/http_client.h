// A test's HTTP client (libcurl) for the bridge's web server, and a raw one for requests no
// well-behaved client would send.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace test {

struct HttpResponse {
  long status = 0;  // 0: no answer (connection refused, timeout)
  std::string content_type;
  std::string body;
};

// GET `url` (or another method), following no redirects, within 10 s.
HttpResponse http_get(const std::string& url, const std::string& method = "GET");

// Sends `request` as is to 127.0.0.1:`port` and returns every byte of the answer until the server
// closes the connection (within 10 s): a well-formed request should say `Connection: close`. The
// connection is not half-closed after the request: a server may take that for a client gone.
std::string raw_http(std::uint16_t port, std::string_view request);

}  // namespace test
