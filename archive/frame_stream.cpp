#include "archive/frame_stream.h"

#include <poll.h>

#include "common/log.h"
#include "jeedom/status_texts.h"
#include "tic/frame_json.h"

namespace archive {

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds{30};
constexpr auto kKeepaliveTick = std::chrono::seconds{1};
// QoS 1: the broker keeps what it could not deliver, and resends what was not acknowledged.
constexpr int kStreamQos = 1;

}  // namespace

FrameStream::FrameStream(const ProgramOptions& options, sink::Archive& archive)
    : options_(options),
      archive_(archive),
      subscription_(subscription(options)),
      address_(options.mqtt.settings.host + ":" + std::to_string(options.mqtt.settings.port)),
      state_("MQTT: connecting to " + address_) {
  frame_.clear();
}

FrameStream::~FrameStream() = default;

int FrameStream::fd() const {
  return client_ ? client_->socket() : -1;
}

short FrameStream::events() const {
  return static_cast<short>(POLLIN | (client_ && client_->wants_write() ? POLLOUT : 0));
}

FrameStream::Clock::time_point FrameStream::deadline() const {
  if (!client_) return next_attempt_;
  return connecting_ ? std::min(next_keepalive_, attempt_started_ + kConnectTimeout)
                     : next_keepalive_;
}

void FrameStream::on_ready(short revents, Clock::time_point now) {
  if (!client_) return;
  client_->loop(revents);
  next_keepalive_ = now + kKeepaliveTick;
  if (drop_client_) client_.reset();
  drop_client_ = false;
}

void FrameStream::on_timer(Clock::time_point now) {
  if (!client_) {
    if (now >= next_attempt_) attempt(now);
    return;
  }
  if (connecting_ && now - attempt_started_ > kConnectTimeout) {
    on_failure("cannot connect to", "no answer to CONNECT", false);
  } else if (now >= next_keepalive_) {
    client_->loop(0);
    next_keepalive_ = now + kKeepaliveTick;
  }
  if (drop_client_) client_.reset();
  drop_client_ = false;
}

void FrameStream::close() {
  if (client_ && client_->connected()) client_->disconnect();
  client_.reset();
}

void FrameStream::attempt(Clock::time_point now) {
  bridge::MqttClient::Callbacks callbacks;
  callbacks.connected = [this] { on_connected(); };
  callbacks.connect_failed = [this](std::string_view reason) {
    on_failure("cannot connect to", reason, false);
  };
  callbacks.disconnected = [this](std::string_view reason) {
    on_failure("connection lost to", reason, true);
  };
  callbacks.message = [this](std::string_view topic, std::string_view payload, int, bool) {
    on_message(topic, payload);
  };
  try {
    client_ = std::make_unique<bridge::MqttClient>(options_.mqtt.settings, std::move(callbacks));
  } catch (const bridge::MqttError& error) {
    client_.reset();
    on_failure("cannot connect to", error.what(), false);
    drop_client_ = false;
    return;
  }
  connecting_ = true;
  attempt_started_ = now;
  next_keepalive_ = now + kKeepaliveTick;
  client_->connect();  // a failure at once has called connect_failed
  if (drop_client_) client_.reset();
  drop_client_ = false;
}

void FrameStream::on_connected() {
  connecting_ = false;
  backoff_.reset();
  ++counters_.connections;
  if (!client_->subscribe(subscription_, kStreamQos)) {
    on_failure("cannot subscribe on", "SUBSCRIBE refused", true);
    return;
  }
  LOG_INFO("MQTT: connected to %s as %s, reading %s", address_.c_str(),
           options_.mqtt.settings.client_id.c_str(), subscription_.c_str());
  state_ = "MQTT: reading " + subscription_ + " on " + address_;
  last_failure_.clear();
}

void FrameStream::on_failure(std::string_view what, std::string_view reason, bool lost) {
  connecting_ = false;
  next_attempt_ = Clock::now() + backoff_.next();
  std::string failure = std::string{what} + " " + address_ + ": " + std::string{reason};
  state_ = "MQTT: " + failure;
  if (failure != last_failure_) {
    if (lost) {
      LOG_WARNING("MQTT: %s; reconnecting (the broker keeps the frames meanwhile)",
                  failure.c_str());
    } else {
      LOG_ERROR("MQTT: %s; retrying (quietly while this lasts)", failure.c_str());
    }
    last_failure_ = std::move(failure);
  }
  drop_client_ = true;
}

void FrameStream::on_message(std::string_view topic, std::string_view payload) {
  // "<base>/<meter>"; the subscription's single-level wildcard also brings "<base>/status".
  const std::string_view base = options_.mqtt.base;
  if (!topic.starts_with(base) || topic.size() <= base.size() + 1 || topic[base.size()] != '/') {
    return;
  }
  const std::string_view meter = topic.substr(base.size() + 1);
  if (meter == "status") return;

  const std::string refusal = tic::read_frame_json(payload, frame_, jeedom::is_status_text_name);
  if (!refusal.empty()) {
    ++counters_.not_frames;
    if (refusal != last_refusal_) {
      LOG_WARNING("%.*s: not a frame (%s); not archived, more are counted",
                  static_cast<int>(topic.size()), topic.data(), refusal.c_str());
      last_refusal_ = refusal;
    }
    return;
  }
  ++counters_.frames;
  archive_.archive(frame_);
}

}  // namespace archive
