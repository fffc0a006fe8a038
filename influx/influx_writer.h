// The InfluxDB writer (DESIGN.md, "Archiving"): a batch of frames is one HTTP POST of line
// protocol (line_protocol.h), precision=ms, over one kept-alive libcurl connection.
//
//   InfluxDB 1.x:     POST {url}/write?db=DB&precision=ms[&rp=RP], basic auth when a user is set
//   InfluxDB 2.x API: POST {url}/api/v2/write?org=ORG&bucket=BUCKET&precision=ms,
//                     "Authorization: Token TOKEN"
//
// A point written twice is stored once (same measurement, tag and time), so a batch written again
// after a retry is harmless. Nothing is logged per write: ThreadedSink logs state changes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "influx/influx_options.h"
#include "sink/writer.h"
#include "tic/frame.h"

namespace influx {

class InfluxWriter : public sink::Writer {
 public:
  struct Counters {
    std::uint64_t frames_written = 0;  // frames of the batches write() said Written
    std::uint64_t requests = 0;        // HTTP requests sent (answered or not)
    std::uint64_t body_bytes = 0;      // line protocol bytes sent, before compression
  };

  explicit InfluxWriter(InfluxSettings settings);
  ~InfluxWriter() override;
  InfluxWriter(const InfluxWriter&) = delete;
  InfluxWriter& operator=(const InfluxWriter&) = delete;

  std::string_view name() const override { return "influx"; }
  // Written on 2xx. Refused on 400, 413 and 422 (bad points, too large): "influx
  // http://HOST:8086/write: HTTP 400: <the server's message>". Unavailable on 401 and 403 (wrong
  // credentials: "HTTP 401 Unauthorized: <message>"), 404 (no such database or bucket), 429,
  // 5xx, time-outs and connection errors, after which the frames wait in the spool. One line,
  // never the password or the token.
  sink::WriteResult write(std::span<const tic::Frame> frames) override;
  void close() override;

  const Counters& counters() const { return counters_; }
  // The endpoint without its query, as errors show it: "http://127.0.0.1:8086/write".
  const std::string& endpoint() const { return endpoint_; }

 private:
  class Connection;
  InfluxSettings settings_;
  std::string endpoint_;  // {url}/write or {url}/api/v2/write
  std::string target_;    // endpoint_ with its query
  std::unique_ptr<Connection> connection_;
  std::string body_;        // reused across writes
  std::string compressed_;  // reused across writes
  Counters counters_;
};

// "a%20b": every byte but letters, digits and "-._~" percent-encoded, for query values.
std::string url_encode(std::string_view text);

}  // namespace influx
