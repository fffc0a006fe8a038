// teleinfo-archive's input: the bridge's MQTT frame stream (DESIGN.md, "MQTT layout"), read
// through a session the broker keeps while the archiver is away, each message rebuilt into a frame
// with the frame-JSON reader (every value checked again) and handed to the archive's sinks.
//
// Driven by the program's poll loop, like the bridge's sources: fd(), events(), deadline(), then
// on_ready() and on_timer().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "archive/options.h"
#include "bridge/backoff.h"
#include "bridge/mqtt_client.h"
#include "sink/archive.h"
#include "tic/frame.h"

namespace archive {

struct StreamCounters {
  std::uint64_t frames = 0;      // messages that were frames, handed to the archive
  std::uint64_t not_frames = 0;  // messages on a meter's topic that the reader refused
  std::uint64_t connections = 0;
};

class FrameStream {
 public:
  using Clock = std::chrono::steady_clock;

  FrameStream(const ProgramOptions& options, sink::Archive& archive);
  ~FrameStream();
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  int fd() const;  // -1 while not connected
  short events() const;
  Clock::time_point deadline() const;
  void on_ready(short revents, Clock::time_point now);
  void on_timer(Clock::time_point now);
  // Sends DISCONNECT: the broker keeps the session and queues the frames that come meanwhile.
  void close();

  std::string state() const { return state_; }
  const StreamCounters& counters() const { return counters_; }

  // Handles one message of the stream: a frame JSON on "<base>/<meter>". Public for tests.
  void on_message(std::string_view topic, std::string_view payload);

 private:
  void attempt(Clock::time_point now);
  void on_connected();
  void on_failure(std::string_view what, std::string_view reason, bool lost);

  const ProgramOptions& options_;
  sink::Archive& archive_;
  std::string subscription_;
  std::string address_;  // host:port, for logs
  std::unique_ptr<bridge::MqttClient> client_;
  bool drop_client_ = false;  // set inside the client's callbacks, done after them
  bool connecting_ = false;
  Clock::time_point attempt_started_{};
  Clock::time_point next_attempt_{};
  Clock::time_point next_keepalive_{};
  bridge::Backoff backoff_;
  std::string state_;
  std::string last_failure_;
  std::string last_refusal_;  // the reader's last reason for a message that was not a frame
  StreamCounters counters_;
  tic::Frame frame_;  // reused
};

}  // namespace archive
