// Publishing to the broker (DESIGN.md, "MQTT layout"): the bridge's availability (LWT), the
// retained state topics, and the frame stream with a bounded backlog while the broker is away.
//
// The readers' thread calls publish() and publish_frame(), which only store and wake the
// publisher's own thread: the readers never wait on the network. That thread owns the MQTT
// connection, reconnects with capped backoff, and sends in this order once connected: the
// bridge's `online`, the latest value of every retained topic (a broker restarted without
// persistence has lost them), then the frame stream oldest first, at most kWindow messages
// unacknowledged at a time. A message leaves the publisher only when the broker acknowledged it
// (QoS 1): what was in flight when the connection dropped is sent again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bridge/backoff.h"
#include "bridge/frame_backlog.h"
#include "bridge/mqtt_client.h"
#include "bridge/publisher.h"
#include "bridge/source.h"

namespace bridge {

struct MqttPublisherSettings {
  MqttSettings mqtt;  // its will must be set: the bridge's status topic, "offline", retained
  std::string status_topic = "teleinfo/status";
  std::size_t backlog = 100'000;  // frames
  int status_qos = 1;
  // Home Assistant's birth message: when `birth_topic` says "online", every retained topic that
  // starts with `birth_prefix` (the discovery documents) is sent again. Empty: not listened to.
  std::string birth_topic;
  std::string birth_prefix;
  FrameRenderer render = tic::write_frame_json;
};

struct MqttPublisherStats {
  std::uint64_t frames_delivered = 0;
  std::uint64_t frames_dropped = 0;  // the backlog was full
  std::uint64_t messages_delivered = 0;
  std::size_t frames_waiting = 0;
  // Frames not acknowledged yet: waiting, sent again after a lost connection, or in flight.
  std::size_t frames_unacknowledged = 0;
  std::uint64_t connections = 0;
  std::uint64_t failed_attempts = 0;
};

class MqttPublisher : public Publisher {
 public:
  static constexpr std::size_t kWindow = 20;  // libmosquitto's default inflight limit

  // Throws MqttError for settings the library refuses.
  explicit MqttPublisher(MqttPublisherSettings settings);
  ~MqttPublisher() override;

  void start();
  // Sends what is pending while the broker acknowledges it, until `grace` has passed; then
  // publishes the bridge's `offline`, disconnects and stops the thread.
  void stop(std::chrono::milliseconds grace);

  void publish(std::string_view topic, std::string_view payload, int qos, bool retain) override;
  void publish_frame(std::string_view topic, const tic::Frame& frame, int qos,
                     bool retain) override;

  // Waits until every message handed over has been acknowledged, as long as the broker keeps
  // acknowledging; false when nothing was acknowledged for `patience`.
  bool wait_delivered(std::chrono::milliseconds patience);

  bool connected() const { return connected_.load(); }
  // A few words for logs and systemd's STATUS: "MQTT connected to 127.0.0.1:1883".
  std::string state() const;
  MqttPublisherStats stats() const;

 private:
  struct Message {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retain = false;
    bool frame = false;
    int id = 0;
  };
  struct Retained {
    std::string payload;
    int qos = 1;
    bool dirty = false;
  };
  struct Stream {
    std::string topic;
    int qos = 1;
    bool retain = false;
  };

  void run();
  void wake();
  void attempt_connection(Clock::time_point now);
  void on_connected();
  void on_connect_failed(std::string_view reason);
  void on_disconnected(std::string_view reason);
  void on_delivered(int id);
  void on_message(std::string_view topic, std::string_view payload);
  void drop_client_if_done();
  // Hands pending messages to the client, up to the window.
  void pump();
  bool next_message(Message& message, tic::Frame& frame);  // under mutex_
  bool drained() const;                                    // under mutex_

  MqttPublisherSettings settings_;
  std::string address_;  // host:port, for logs
  int wake_fd_ = -1;
  std::atomic<bool> wake_pending_{false};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  Clock::time_point stop_deadline_{};

  // Shared with the readers' thread.
  mutable std::mutex mutex_;
  std::condition_variable delivered_cv_;
  std::unordered_map<std::string, Retained> retained_;
  std::deque<std::string> dirty_;  // retained topics to send, in the order they changed
  std::deque<Message> plain_;      // messages neither retained nor frames: few, bounded
  FrameBacklog backlog_;
  std::vector<Stream> streams_;
  std::deque<Message> resend_;  // in flight when the connection dropped: first to go again
  std::string state_;
  MqttPublisherStats stats_;

  // The publisher's thread only.
  std::unique_ptr<MqttClient> client_;
  bool drop_client_ = false;  // the connection ended: drop the client once its call returns
  std::atomic<bool> connected_{false};
  bool connecting_ = false;
  Clock::time_point attempt_started_{};
  Clock::time_point next_attempt_{};
  Backoff backoff_;
  std::string last_failure_;
  std::deque<Message> in_flight_;
  std::string json_;
};

}  // namespace bridge
