// An MQTT subscriber for tests, on bridge::MqttClient and a thread of its own: it records every
// message of a topic pattern in order, and reconnects by itself when the broker goes away.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bridge/mqtt_client.h"

namespace test {

struct Message {
  std::string topic{};
  std::string payload{};
  int qos = 0;
  bool retain = false;  // as the publisher set it (retain_as_published), or "a stored message"
  bool operator==(const Message&) const = default;
};

// {"topic", "payload", qos 1, retained}: readable test failures.
inline std::ostream& operator<<(std::ostream& out, const Message& message) {
  return out << "{\"" << message.topic << "\", \"" << message.payload << "\", qos " << message.qos
             << (message.retain ? ", retained}" : "}");
}

struct SubscriberOptions {
  int qos = 2;  // messages then arrive with the QoS their publisher chose
  // MQTT 5's subscription option: live messages keep the publisher's retain flag (otherwise the
  // broker clears it, and only stored messages sent at subscription time carry it).
  bool retain_as_published = true;
  // Called on the subscriber's thread with each message of the pattern, in order, before
  // wait_for() predicates are asked again.
  std::function<void(const Message&)> observer{};
  // Keeps every message for messages(), last(), wait_for()...; a long run that only observes
  // keeps none.
  bool keep_messages = true;
};

class Subscriber {
 public:
  using Messages = std::vector<Message>;
  static constexpr std::chrono::seconds kFailsafe{20};

  // Anonymous, plain MQTT.
  Subscriber(const std::string& host, std::uint16_t port, std::string pattern,
             SubscriberOptions options = {});
  // TLS, credentials...: `settings` as given, except MQTT 5 when retain_as_published, and a
  // client id of its own when it has none. A persistent session (clean_session false) stays on
  // MQTT 3.1.1, without retain_as_published. Throws bridge::MqttError like MqttClient.
  Subscriber(bridge::MqttSettings settings, std::string pattern, SubscriberOptions options = {});
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Waits until the subscription is in place (the broker has handled it) for the `times`-th
  // time since the start, and the connection is up.
  bool wait_connected(int times = 1, std::chrono::seconds failsafe = kFailsafe) const;
  // Waits until `done` holds for the messages received so far; it is asked again on each new
  // message, and may call the methods below. False after the failsafe.
  bool wait_for(const std::function<bool(const Messages&)>& done,
                std::chrono::seconds failsafe = kFailsafe) const;
  // Waits for `count` messages on `topic`.
  bool wait_for_topic(std::string_view topic, std::size_t count = 1,
                      std::chrono::seconds failsafe = kFailsafe) const;

  Messages messages() const;
  std::optional<Message> last(std::string_view topic) const;
  std::size_t count(std::string_view topic) const;
  void clear();
  // The reason of the last failed attempt or lost connection ("" when none).
  std::string last_error() const;

 private:
  void run();
  void on_connected();
  void on_message(std::string_view topic, std::string_view payload, int qos, bool retain);
  void on_lost(std::string_view reason);

  std::string pattern_;
  SubscriberOptions options_;
  // A topic of this subscriber alone: the broker handles packets of a connection in order, so
  // a message published there after the SUBSCRIBE says the subscription is in place. "#" does
  // not match topics that start with '$'.
  std::string sync_topic_;
  std::unique_ptr<bridge::MqttClient> client_;  // used by the thread alone once it runs
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point next_attempt_;  // the thread's

  // Recursive: a wait_for() predicate may call last(), count()... while wait_for() holds it.
  mutable std::recursive_mutex mutex_;
  mutable std::condition_variable_any changed_;
  Messages messages_;
  bool connected_ = false;
  int subscriptions_ = 0;
  std::string last_error_;

  std::thread thread_;
};

}  // namespace test
