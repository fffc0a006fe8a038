#include "support/subscriber.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace test {
namespace {

// A broker that went away is tried again this often (loopback only, while the test lasts).
constexpr std::chrono::milliseconds kRetry{100};

std::string make_client_id() {
  static std::atomic<int> made{0};
  return "test-subscriber-" + std::to_string(::getpid()) + "-" + std::to_string(++made);
}

bridge::MqttSettings plain_settings(const std::string& host, std::uint16_t port) {
  bridge::MqttSettings settings;
  settings.host = host;
  settings.port = port;
  return settings;
}

}  // namespace

Subscriber::Subscriber(const std::string& host, std::uint16_t port, std::string pattern,
                       SubscriberOptions options)
    : Subscriber(plain_settings(host, port), std::move(pattern), options) {}

Subscriber::Subscriber(bridge::MqttSettings settings, std::string pattern,
                       SubscriberOptions options)
    : pattern_(std::move(pattern)), options_(options) {
  if (settings.client_id.empty()) settings.client_id = make_client_id();
  if (!settings.clean_session) options_.retain_as_published = false;
  if (options_.retain_as_published) settings.protocol_version = 5;
  sync_topic_ = "$teleinfo-test/sync/" + settings.client_id;
  bridge::MqttClient::Callbacks callbacks;
  callbacks.connected = [this] { on_connected(); };
  callbacks.connect_failed = [this](std::string_view reason) { on_lost(reason); };
  callbacks.disconnected = [this](std::string_view reason) { on_lost(reason); };
  callbacks.message = [this](std::string_view topic, std::string_view payload, int qos,
                             bool retain) { on_message(topic, payload, qos, retain); };
  client_ = std::make_unique<bridge::MqttClient>(std::move(settings), std::move(callbacks));
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::runtime_error(std::string{"eventfd: "} + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

Subscriber::~Subscriber() {
  stopping_ = true;
  const std::uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // The counter cannot overflow here; nothing else can fail.
  }
  thread_.join();
  ::close(wake_fd_);
}

void Subscriber::run() {
  bridge::MqttClient& client = *client_;
  next_attempt_ = std::chrono::steady_clock::now();
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    if (client.socket() < 0 && now >= next_attempt_) {
      next_attempt_ = now + kRetry;  // used when this attempt fails
      client.connect();
    }
    pollfd descriptors[2] = {{wake_fd_, POLLIN, 0}, {client.socket(), POLLIN, 0}};
    if (client.wants_write()) descriptors[1].events |= POLLOUT;
    const bool open = descriptors[1].fd >= 0;
    const auto wait = open ? std::chrono::milliseconds(500)
                           : std::chrono::ceil<std::chrono::milliseconds>(
                                 std::max(next_attempt_ - now, std::chrono::nanoseconds(0)));
    const int ready = ::poll(descriptors, open ? 2 : 1, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (descriptors[0].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      if (::read(wake_fd_, &count, sizeof count) < 0) {
        // Nothing to drain: another wake-up took it.
      }
    }
    if (open || client.wants_write()) client.loop(ready > 0 ? descriptors[1].revents : 0);
  }
  client.disconnect();
}

void Subscriber::on_connected() {
  bridge::MqttClient& client = *client_;
  client.subscribe(pattern_, options_.qos, options_.retain_as_published);
  client.subscribe(sync_topic_, 1);
  client.publish(sync_topic_, "subscribed", 1, false);
}

void Subscriber::on_message(std::string_view topic, std::string_view payload, int qos,
                            bool retain) {
  std::lock_guard lock{mutex_};
  if (topic == sync_topic_) {
    connected_ = true;
    ++subscriptions_;
  } else {
    Message message{std::string{topic}, std::string{payload}, qos, retain};
    if (options_.observer) options_.observer(message);
    if (options_.keep_messages) messages_.push_back(std::move(message));
  }
  changed_.notify_all();
}

void Subscriber::on_lost(std::string_view reason) {
  next_attempt_ = std::chrono::steady_clock::now() + kRetry;
  std::lock_guard lock{mutex_};
  connected_ = false;
  last_error_ = reason;
  changed_.notify_all();
}

bool Subscriber::wait_connected(int times, std::chrono::seconds failsafe) const {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, failsafe, [&] { return connected_ && subscriptions_ >= times; });
}

bool Subscriber::wait_for(const std::function<bool(const Messages&)>& done,
                          std::chrono::seconds failsafe) const {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, failsafe, [&] { return done(messages_); });
}

bool Subscriber::wait_for_topic(std::string_view topic, std::size_t count,
                                std::chrono::seconds failsafe) const {
  return wait_for(
      [&](const Messages& messages) {
        return static_cast<std::size_t>(std::count_if(
                   messages.begin(), messages.end(),
                   [&](const Message& message) { return message.topic == topic; })) >= count;
      },
      failsafe);
}

Subscriber::Messages Subscriber::messages() const {
  std::lock_guard lock{mutex_};
  return messages_;
}

std::optional<Message> Subscriber::last(std::string_view topic) const {
  std::lock_guard lock{mutex_};
  for (auto message = messages_.rbegin(); message != messages_.rend(); ++message)
    if (message->topic == topic) return *message;
  return std::nullopt;
}

std::size_t Subscriber::count(std::string_view topic) const {
  std::lock_guard lock{mutex_};
  return static_cast<std::size_t>(std::count_if(
      messages_.begin(), messages_.end(), [&](const Message& m) { return m.topic == topic; }));
}

void Subscriber::clear() {
  std::lock_guard lock{mutex_};
  messages_.clear();
}

std::string Subscriber::last_error() const {
  std::lock_guard lock{mutex_};
  return last_error_;
}

}  // namespace test
