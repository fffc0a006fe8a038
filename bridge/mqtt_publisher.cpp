#include "bridge/mqtt_publisher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "tic/frame_json.h"

namespace bridge {
namespace {

constexpr std::size_t kMaxPlainMessages = 1000;
// A broker that accepted the TCP connection but never answered CONNECT.
constexpr auto kConnectTimeout = std::chrono::seconds{30};
constexpr auto kKeepaliveTick = std::chrono::milliseconds{1000};

}  // namespace

MqttPublisher::MqttPublisher(MqttPublisherSettings settings)
    : settings_(std::move(settings)), backlog_(settings_.backlog) {
  address_ = settings_.mqtt.host + ":" + std::to_string(settings_.mqtt.port);
  // Build a client once now so that settings the library refuses are reported at start-up.
  MqttClient check{settings_.mqtt, {}};
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw MqttError{std::string{"eventfd: "} + std::strerror(errno)};
  state_ = "MQTT: connecting to " + address_;
}

MqttPublisher::~MqttPublisher() {
  if (thread_.joinable()) stop(std::chrono::milliseconds{0});
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void MqttPublisher::start() {
  thread_ = std::thread{[this] { run(); }};
}

void MqttPublisher::stop(std::chrono::milliseconds grace) {
  if (!thread_.joinable()) return;
  stop_deadline_ = Clock::now() + grace;
  stopping_ = true;
  wake();
  thread_.join();
}

void MqttPublisher::wake() {
  if (wake_pending_.exchange(true)) return;  // one write per wake-up is enough
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void MqttPublisher::publish(std::string_view topic, std::string_view payload, int qos,
                            bool retain) {
  {
    const std::lock_guard lock{mutex_};
    if (retain) {
      Retained& entry = retained_[std::string{topic}];
      entry.payload = payload;
      entry.qos = qos;
      if (!entry.dirty) {
        entry.dirty = true;
        dirty_.emplace_back(topic);
      }
    } else {
      if (plain_.size() >= kMaxPlainMessages) plain_.pop_front();
      plain_.push_back({std::string{topic}, std::string{payload}, qos, false, false, 0});
    }
  }
  wake();
}

void MqttPublisher::publish_frame(std::string_view topic, const tic::Frame& frame, int qos,
                                  bool retain) {
  {
    const std::lock_guard lock{mutex_};
    auto stream = std::find_if(streams_.begin(), streams_.end(),
                               [&](const Stream& s) { return s.topic == topic; });
    if (stream == streams_.end()) {
      streams_.push_back({std::string{topic}, qos, retain});
      stream = streams_.end() - 1;
    }
    const auto index = static_cast<std::uint32_t>(stream - streams_.begin());
    if (backlog_.push(index, frame) && stats_.frames_dropped++ == 0) {
      LOG_WARNING("MQTT: the backlog is full (%zu frames): the oldest frames are dropped",
                  backlog_.capacity());
    }
  }
  wake();
}

bool MqttPublisher::drained() const {
  return dirty_.empty() && plain_.empty() && backlog_.size() == 0 && resend_.empty() &&
         in_flight_.empty();
}

bool MqttPublisher::wait_delivered(std::chrono::milliseconds patience) {
  std::unique_lock lock{mutex_};
  for (;;) {
    if (drained()) return true;
    const std::uint64_t before = stats_.messages_delivered;
    delivered_cv_.wait_for(lock, patience,
                           [&] { return drained() || stats_.messages_delivered != before; });
    if (!drained() && stats_.messages_delivered == before) return false;
  }
}

std::string MqttPublisher::state() const {
  const std::lock_guard lock{mutex_};
  return state_;
}

MqttPublisherStats MqttPublisher::stats() const {
  const std::lock_guard lock{mutex_};
  MqttPublisherStats stats = stats_;
  stats.frames_waiting = backlog_.size();
  const auto frames = [](const std::deque<Message>& messages) {
    return static_cast<std::size_t>(
        std::count_if(messages.begin(), messages.end(), [](const Message& m) { return m.frame; }));
  };
  stats.frames_unacknowledged = stats.frames_waiting + frames(resend_) + frames(in_flight_);
  return stats;
}

void MqttPublisher::run() {
  bool offline_sent = false;
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!client_ && now >= next_attempt_ && !stopping_) attempt_connection(now);
    if (connecting_ && now - attempt_started_ > kConnectTimeout) {
      on_connect_failed("no answer to CONNECT");
      drop_client_if_done();
    }

    if (stopping_) {
      bool done;
      {
        const std::lock_guard lock{mutex_};
        done = !connected_ || drained() || now >= stop_deadline_;
      }
      if (done && connected_ && !offline_sent) {
        // The bridge's own `offline`, sent explicitly: a clean DISCONNECT does not fire the will.
        publish(settings_.status_topic, "offline", settings_.status_qos, true);
        offline_sent = true;
        stop_deadline_ = std::max(stop_deadline_, now) + std::chrono::milliseconds{200};
        done = false;
      }
      if (done) break;
    }
    if (connected_) pump();

    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {-1, 0, 0}};
    nfds_t count = 1;
    if (client_ && client_->socket() >= 0) {
      fds[1] = {client_->socket(),
                static_cast<short>(POLLIN | (client_->wants_write() ? POLLOUT : 0)), 0};
      count = 2;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(kKeepaliveTick);
    if (!client_) {
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now),
                        std::chrono::milliseconds{0}, wait);
    }
    if (stopping_) {
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(stop_deadline_ - now),
                        std::chrono::milliseconds{0}, wait);
    }
    const int ready = ::poll(fds, count, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) {
      LOG_ERROR("MQTT: poll: %s", std::strerror(errno));
    }
    if (fds[0].revents & POLLIN) {
      std::uint64_t value;
      wake_pending_ = false;
      [[maybe_unused]] const ssize_t got = ::read(wake_fd_, &value, sizeof value);
    }
    if (client_) client_->loop(count == 2 ? fds[1].revents : 0);
    drop_client_if_done();
  }
  if (client_) client_->disconnect();
  client_.reset();
  connected_ = false;
}

void MqttPublisher::attempt_connection(Clock::time_point now) {
  MqttClient::Callbacks callbacks;
  callbacks.connected = [this] { on_connected(); };
  callbacks.connect_failed = [this](std::string_view reason) { on_connect_failed(reason); };
  callbacks.disconnected = [this](std::string_view reason) { on_disconnected(reason); };
  callbacks.delivered = [this](int id) { on_delivered(id); };
  callbacks.message = [this](std::string_view topic, std::string_view payload, int, bool) {
    on_message(topic, payload);
  };
  try {
    client_ = std::make_unique<MqttClient>(settings_.mqtt, std::move(callbacks));
  } catch (const MqttError& error) {
    on_connect_failed(error.what());
    drop_client_if_done();
    return;
  }
  connecting_ = true;
  attempt_started_ = now;
  client_->connect();  // a failure at once has called on_connect_failed
  drop_client_if_done();
}

void MqttPublisher::drop_client_if_done() {
  // Not from inside the client's callbacks: the client is still running then.
  if (drop_client_) client_.reset();
  drop_client_ = false;
}

void MqttPublisher::on_connected() {
  connecting_ = false;
  connected_ = true;
  backoff_.reset();
  {
    const std::lock_guard lock{mutex_};
    ++stats_.connections;
    if (stats_.failed_attempts > 0) {
      LOG_INFO("MQTT: connected to %s (after %llu failed attempts)", address_.c_str(),
               static_cast<unsigned long long>(stats_.failed_attempts));
    } else {
      LOG_INFO("MQTT: connected to %s", address_.c_str());
    }
    stats_.failed_attempts = 0;
    state_ = "MQTT connected to " + address_;
    last_failure_.clear();
    // What was in flight goes again first, then every retained topic's latest value.
    while (!in_flight_.empty()) {
      resend_.push_front(std::move(in_flight_.back()));
      in_flight_.pop_back();
    }
    dirty_.clear();
    for (auto& [topic, entry] : retained_) {
      entry.dirty = true;
      dirty_.push_back(topic);
    }
  }
  client_->publish(settings_.status_topic, "online", settings_.status_qos, true);
  if (!settings_.birth_topic.empty()) client_->subscribe(settings_.birth_topic, 1);
}

void MqttPublisher::on_message(std::string_view topic, std::string_view payload) {
  if (topic != settings_.birth_topic || payload != "online") return;
  {
    const std::lock_guard lock{mutex_};
    std::size_t count = 0;
    for (auto& [retained_topic, entry] : retained_) {
      if (!retained_topic.starts_with(settings_.birth_prefix) || entry.dirty) continue;
      entry.dirty = true;
      dirty_.push_back(retained_topic);
      ++count;
    }
    LOG_INFO("MQTT: %s says online: %zu discovery documents sent again",
             settings_.birth_topic.c_str(), count);
  }
  wake();
}

void MqttPublisher::on_connect_failed(std::string_view reason) {
  const Clock::time_point now = Clock::now();
  connecting_ = false;
  connected_ = false;
  const auto delay = backoff_.next();
  next_attempt_ = now + delay;
  std::string failure{reason};
  {
    const std::lock_guard lock{mutex_};
    ++stats_.failed_attempts;
    state_ = "MQTT: cannot connect to " + address_ + " (" + failure + ")";
  }
  if (failure != last_failure_) {
    LOG_ERROR("MQTT: cannot connect to %s: %s; retrying (quietly while this lasts)",
              address_.c_str(), failure.c_str());
    last_failure_ = failure;
  }
  drop_client_ = true;
}

void MqttPublisher::on_disconnected(std::string_view reason) {
  connected_ = false;
  connecting_ = false;
  next_attempt_ = Clock::now() + backoff_.next();
  {
    const std::lock_guard lock{mutex_};
    state_ = "MQTT: connection to " + address_ + " lost (" + std::string{reason} + ")";
    while (!in_flight_.empty()) {
      resend_.push_front(std::move(in_flight_.back()));
      in_flight_.pop_back();
    }
  }
  if (!stopping_) {
    LOG_WARNING("MQTT: connection to %s lost: %.*s; reconnecting", address_.c_str(),
                static_cast<int>(reason.size()), reason.data());
  }
  last_failure_.clear();
  drop_client_ = true;
}

void MqttPublisher::on_delivered(int id) {
  {
    const std::lock_guard lock{mutex_};
    const auto found = std::find_if(in_flight_.begin(), in_flight_.end(),
                                    [&](const Message& m) { return m.id == id; });
    if (found == in_flight_.end()) return;  // the `online` of this connection
    ++stats_.messages_delivered;
    if (found->frame) ++stats_.frames_delivered;
    in_flight_.erase(found);
  }
  delivered_cv_.notify_all();
}

bool MqttPublisher::next_message(Message& message, tic::Frame& frame) {
  if (!resend_.empty()) {
    message = std::move(resend_.front());
    resend_.pop_front();
    return true;
  }
  while (!dirty_.empty()) {
    const auto entry = retained_.find(dirty_.front());
    dirty_.pop_front();
    if (entry == retained_.end() || !entry->second.dirty) continue;
    entry->second.dirty = false;
    message = {entry->first, entry->second.payload, entry->second.qos, true, false, 0};
    return true;
  }
  if (!plain_.empty()) {
    message = std::move(plain_.front());
    plain_.pop_front();
    return true;
  }
  std::uint32_t stream = 0;
  if (backlog_.pop(stream, frame)) {
    const Stream& s = streams_[stream];
    message = {s.topic, {}, s.qos, s.retain, true, 0};
    return true;
  }
  return false;
}

void MqttPublisher::pump() {
  tic::Frame frame;
  for (;;) {
    Message message;
    {
      const std::lock_guard lock{mutex_};
      if (in_flight_.size() >= kWindow || !next_message(message, frame)) return;
    }
    if (message.frame && message.payload.empty()) {
      // Rendered here, off the readers' thread, and kept as text while in flight.
      json_.clear();
      settings_.render(frame, json_);
      message.payload = json_;
    }
    const std::optional<int> id =
        client_ ? client_->publish(message.topic, message.payload, message.qos, message.retain)
                : std::nullopt;
    const std::lock_guard lock{mutex_};
    if (!id) {
      // Not connected after all: it goes first next time.
      resend_.push_front(std::move(message));
      return;
    }
    message.id = *id;
    in_flight_.push_back(std::move(message));
  }
}

}  // namespace bridge
