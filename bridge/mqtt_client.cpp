// bridge::MqttClient on libmosquitto 2.0: the only file of the project that includes
// <mosquitto.h>.
//
// The library's own loop thread (mosquitto_loop_start) gives up for good after an authentication,
// TLS or name-resolution error, and it resends a previous connection's messages by itself. So the
// owner's poll loop drives the socket here through mosquitto_loop_read/write/misc, every connect()
// makes a fresh `struct mosquitto`, and a lost connection destroys it at once.
//
// libmosquitto calls back from inside its functions; those calls only queue events here, which
// dispatch() hands to the owner's callbacks once the library has returned. The owner's callbacks
// can then do anything, connect() included, without pulling the library's state from under it.
#include "bridge/mqtt_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/log.h"

namespace bridge {
namespace {

void initialise_library() {
  static const bool initialised = [] {
    mosquitto_lib_init();
    // libmosquitto sends with MSG_NOSIGNAL, but OpenSSL writes with write(): a broker that went
    // away in the middle of a TLS write would raise SIGPIPE and end the process.
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
      std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  static_cast<void>(initialised);
}

// "teleinfo-<hostname>-<pid>"; a second client of the same process gets "-2" after it, so that
// two clients of one process never take each other's place at the broker.
std::string make_client_id() {
  static std::atomic<int> made{0};
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string id = "teleinfo-";
  if (host[0] != '\0') id += std::string{host} + "-";
  id += std::to_string(::getpid());
  const int number = ++made;
  if (number > 1) id += "-" + std::to_string(number);
  return id;
}

// Library texts are sentences ("Connection Refused: not authorised."); reasons are phrases.
std::string as_phrase(std::string text) {
  while (!text.empty() && (text.back() == '.' || text.back() == ' ' || text.back() == '\n'))
    text.pop_back();
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      std::islower(static_cast<unsigned char>(text[1])))
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string cannot_read(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file != nullptr) {
    std::fclose(file);
    return {};
  }
  return std::string{"cannot be read ("} + std::strerror(errno) + ")";
}

struct ConnectedEvent {};
struct ConnectFailedEvent {
  std::string reason;
};
struct DisconnectedEvent {
  std::string reason;
};
struct DeliveredEvent {
  int message_id;
};
struct MessageEvent {
  std::string topic;
  std::string payload;
  int qos;
  bool retain;
};
using Event = std::variant<ConnectedEvent, ConnectFailedEvent, DisconnectedEvent, DeliveredEvent,
                           MessageEvent>;

}  // namespace

struct MqttClient::Impl {
  enum class State { Idle, Connecting, Connected };

  MqttSettings settings;
  Callbacks callbacks;
  std::string client_id;
  mosquitto* session = nullptr;  // the current connection's; null when Idle
  State state = State::Idle;
  std::optional<std::string> refusal;  // the broker's CONNACK refused this connection
  std::string library_error;           // the first error line the library logged for it
  std::deque<Event> events;

  Impl(MqttSettings settings_in, Callbacks callbacks_in)
      : settings(std::move(settings_in)), callbacks(std::move(callbacks_in)) {}
  ~Impl() { end_session(); }

  // Applies the settings to a fresh session: empty, or one line naming the setting refused.
  std::string configure(mosquitto* target);
  void end_session();
  // The connection attempt or the connection is over: one callback, and socket() is -1.
  void lose(int rc, int saved_errno);
  std::string describe(int rc, int saved_errno) const;
  std::string masked(std::string text) const;
  void dispatch();

  static void on_connect(mosquitto*, void* self, int code, int flags, const mosquitto_property*);
  static void on_publish(mosquitto*, void* self, int message_id, int code,
                         const mosquitto_property*);
  static void on_message(mosquitto*, void* self, const mosquitto_message* message,
                         const mosquitto_property*);
  static void on_log(mosquitto*, void* self, int level, const char* line);
};

std::string MqttClient::Impl::configure(mosquitto* target) {
  const MqttSettings& s = settings;
  const int version = s.protocol_version == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311;
  if (mosquitto_int_option(target, MOSQ_OPT_PROTOCOL_VERSION, version) != MOSQ_ERR_SUCCESS)
    return "MQTT protocol version " + std::to_string(s.protocol_version) + ": refused";

  if (!s.username.empty()) {
    const int rc = mosquitto_username_pw_set(target, s.username.c_str(),
                                             s.password.empty() ? nullptr : s.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS)
      return "MQTT username '" + s.username + "': refused (" + as_phrase(mosquitto_strerror(rc)) +
             ")";
  }

  if (s.tls) {
    for (const auto& [name, path] :
         {std::pair{"CA file", &s.ca_file}, std::pair{"client certificate", &s.cert_file},
          std::pair{"client key", &s.key_file}}) {
      if (path->empty()) continue;
      const std::string problem = cannot_read(*path);
      if (!problem.empty()) return std::string{"MQTT TLS "} + name + " " + *path + ": " + problem;
    }
    // libmosquitto wants a CA file or directory with a client certificate: the system's
    // directory when the system's CAs are used.
    if (!s.ca_file.empty() || !s.cert_file.empty()) {
      const int rc = mosquitto_tls_set(target, s.ca_file.empty() ? nullptr : s.ca_file.c_str(),
                                       s.ca_file.empty() ? "/etc/ssl/certs" : nullptr,
                                       s.cert_file.empty() ? nullptr : s.cert_file.c_str(),
                                       s.key_file.empty() ? nullptr : s.key_file.c_str(), nullptr);
      if (rc != MOSQ_ERR_SUCCESS)
        return "MQTT TLS files: refused (" + as_phrase(mosquitto_strerror(rc)) + ")";
    }
    if (s.ca_file.empty() &&
        mosquitto_int_option(target, MOSQ_OPT_TLS_USE_OS_CERTS, 1) != MOSQ_ERR_SUCCESS)
      return "MQTT TLS: the system's CA certificates cannot be used";
    if (s.insecure) {
      // cert_reqs 0 is OpenSSL's SSL_VERIFY_NONE: no certificate check at all, and
      // tls_insecure_set(true) skips the host name check too.
      if (mosquitto_tls_opts_set(target, 0, nullptr, nullptr) != MOSQ_ERR_SUCCESS ||
          mosquitto_tls_insecure_set(target, true) != MOSQ_ERR_SUCCESS)
        return "MQTT TLS insecure mode: refused";
    }
  }

  if (s.will) {
    const MqttSettings::Will& will = *s.will;
    const int rc =
        mosquitto_will_set(target, will.topic.c_str(), static_cast<int>(will.payload.size()),
                           will.payload.data(), will.qos, will.retain);
    if (rc != MOSQ_ERR_SUCCESS)
      return "MQTT will on topic '" + will.topic + "': refused (" +
             as_phrase(mosquitto_strerror(rc)) + ")";
  }

  mosquitto_connect_v5_callback_set(target, &Impl::on_connect);
  mosquitto_publish_v5_callback_set(target, &Impl::on_publish);
  mosquitto_message_v5_callback_set(target, &Impl::on_message);
  mosquitto_log_callback_set(target, &Impl::on_log);
  return {};
}

void MqttClient::Impl::end_session() {
  if (session != nullptr) mosquitto_destroy(session);  // closes the socket: no DISCONNECT
  session = nullptr;
  state = State::Idle;
  refusal.reset();
  library_error.clear();
}

void MqttClient::Impl::lose(int rc, int saved_errno) {
  const bool was_connected = state == State::Connected;
  std::string reason = describe(rc, saved_errno);
  end_session();
  if (was_connected)
    events.emplace_back(DisconnectedEvent{std::move(reason)});
  else
    events.emplace_back(ConnectFailedEvent{std::move(reason)});
}

std::string MqttClient::Impl::describe(int rc, int saved_errno) const {
  if (refusal) return *refusal;
  switch (rc) {
    case MOSQ_ERR_SUCCESS:
    case MOSQ_ERR_CONN_LOST:
    case MOSQ_ERR_NO_CONN:
      return state == State::Connected ? "connection lost" : "connection closed by the broker";
    case MOSQ_ERR_ERRNO:
      if (saved_errno != 0) return as_phrase(std::strerror(saved_errno));
      return "connection lost";
    case MOSQ_ERR_KEEPALIVE:
      return "no answer from the broker within " + std::to_string(settings.keepalive_seconds) +
             " s";
    case MOSQ_ERR_EAI:
      return "cannot resolve " + settings.host;
    case MOSQ_ERR_TLS:
    case MOSQ_ERR_TLS_HANDSHAKE:
      return "TLS: " + (library_error.empty() ? std::string{"handshake failed"} : library_error);
    default:
      if (!library_error.empty()) return library_error;
      return as_phrase(mosquitto_strerror(rc));
  }
}

std::string MqttClient::Impl::masked(std::string text) const {
  if (settings.password.empty()) return text;
  for (std::size_t at = text.find(settings.password); at != std::string::npos;
       at = text.find(settings.password, at))
    text.replace(at, settings.password.size(), "***");
  return text;
}

void MqttClient::Impl::dispatch() {
  // Callbacks may call publish(), connect()... which may queue more events: take one at a time.
  while (!events.empty()) {
    Event event = std::move(events.front());
    events.pop_front();
    std::visit(
        [this](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, ConnectedEvent>) {
            if (callbacks.connected) callbacks.connected();
          } else if constexpr (std::is_same_v<T, ConnectFailedEvent>) {
            if (callbacks.connect_failed) callbacks.connect_failed(e.reason);
          } else if constexpr (std::is_same_v<T, DisconnectedEvent>) {
            if (callbacks.disconnected) callbacks.disconnected(e.reason);
          } else if constexpr (std::is_same_v<T, DeliveredEvent>) {
            if (callbacks.delivered) callbacks.delivered(e.message_id);
          } else {
            if (callbacks.message) callbacks.message(e.topic, e.payload, e.qos, e.retain);
          }
        },
        event);
  }
}

void MqttClient::Impl::on_connect(mosquitto*, void* self, int code, int,
                                  const mosquitto_property*) {
  Impl& impl = *static_cast<Impl*>(self);
  if (code == 0) {
    impl.state = State::Connected;
    impl.events.emplace_back(ConnectedEvent{});
    return;
  }
  // MQTT 3.1.1 CONNACK return codes are 1-5, MQTT 5 reason codes 128 and up.
  const char* text = impl.settings.protocol_version == 5 ? mosquitto_reason_string(code)
                                                         : mosquitto_connack_string(code);
  std::string reason = text;
  if (reason.rfind("Connection Refused: ", 0) == 0) reason.erase(0, 20);
  impl.refusal = "refused by the broker: " + as_phrase(reason);
}

void MqttClient::Impl::on_publish(mosquitto*, void* self, int message_id, int,
                                  const mosquitto_property*) {
  static_cast<Impl*>(self)->events.emplace_back(DeliveredEvent{message_id});
}

void MqttClient::Impl::on_message(mosquitto*, void* self, const mosquitto_message* message,
                                  const mosquitto_property*) {
  std::string payload;
  if (message->payload != nullptr && message->payloadlen > 0)
    payload.assign(static_cast<const char*>(message->payload),
                   static_cast<std::size_t>(message->payloadlen));
  static_cast<Impl*>(self)->events.emplace_back(
      MessageEvent{message->topic, std::move(payload), message->qos, message->retain});
}

void MqttClient::Impl::on_log(mosquitto*, void* self, int level, const char* line) {
  Impl& impl = *static_cast<Impl*>(self);
  if ((level & MOSQ_LOG_ERR) != 0 && impl.library_error.empty()) {
    // "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed": the last
    // field says it. "Error: Unable to load CA certificates...": the sentence says it.
    std::string text = line;
    if (text.rfind("OpenSSL Error", 0) == 0) {
      text = text.substr(text.rfind(':') + 1);
      while (!text.empty() && text.front() == ' ')
        text.erase(0, 1);
    } else if (text.rfind("Error: ", 0) == 0) {
      text.erase(0, 7);
    }
    impl.library_error = impl.masked(as_phrase(text));
  }
  LOG_DEBUG("mqtt %s: %s", impl.settings.host.c_str(), impl.masked(line).c_str());
}

MqttClient::MqttClient(MqttSettings settings, Callbacks callbacks)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(callbacks))) {
  initialise_library();
  const MqttSettings& s = impl_->settings;
  if (s.host.empty()) throw MqttError("MQTT host: empty");
  if (s.port == 0) throw MqttError("MQTT port 0: not a port");
  if (s.protocol_version != 4 && s.protocol_version != 5)
    throw MqttError("MQTT protocol version " + std::to_string(s.protocol_version) +
                    ": use 4 (MQTT 3.1.1) or 5 (MQTT 5)");
  if (s.keepalive_seconds != 0 && (s.keepalive_seconds < 5 || s.keepalive_seconds > 65535))
    throw MqttError("MQTT keepalive " + std::to_string(s.keepalive_seconds) +
                    " s: use 0 or 5 to 65535");
  if (!s.clean_session && s.protocol_version == 5)
    throw MqttError("MQTT persistent session: needs MQTT 3.1.1 (protocol version 4)");
  if (s.tls && s.cert_file.empty() != s.key_file.empty())
    throw MqttError("MQTT TLS client certificate and key: give both or neither");
  if (s.will && (s.will->qos < 0 || s.will->qos > 2))
    throw MqttError("MQTT will QoS " + std::to_string(s.will->qos) + ": use 0, 1 or 2");
  impl_->client_id = s.client_id.empty() ? make_client_id() : s.client_id;

  // A session that never connects, so that the library checks the settings once, here.
  mosquitto* probe = mosquitto_new(impl_->client_id.c_str(), s.clean_session, impl_.get());
  if (probe == nullptr) throw MqttError("MQTT client: out of memory");
  const std::string error = impl_->configure(probe);
  mosquitto_destroy(probe);
  if (!error.empty()) throw MqttError(impl_->masked(error));
}

MqttClient::~MqttClient() = default;

bool MqttClient::connect() {
  Impl& impl = *impl_;
  impl.end_session();
  impl.session = mosquitto_new(impl.client_id.c_str(), impl.settings.clean_session, &impl);
  std::string error = impl.session == nullptr ? "out of memory" : impl.configure(impl.session);
  if (error.empty()) {
    // Name resolution may wait; the TCP connection and the TLS handshake go on in loop().
    errno = 0;
    const int rc =
        mosquitto_connect_bind_async(impl.session, impl.settings.host.c_str(), impl.settings.port,
                                     impl.settings.keepalive_seconds, nullptr);
    const int saved_errno = errno;
    if (rc == MOSQ_ERR_SUCCESS) {
      impl.state = Impl::State::Connecting;
      return true;
    }
    error = impl.describe(rc, saved_errno);
  }
  impl.end_session();
  impl.events.emplace_back(ConnectFailedEvent{impl.masked(error)});
  impl.dispatch();
  return false;
}

void MqttClient::disconnect() {
  Impl& impl = *impl_;
  if (impl.state == Impl::State::Connected) {
    // The DISCONNECT is written at once unless the socket's buffer is full: then wait a little
    // for it to drain, or the broker would send the will.
    mosquitto_disconnect(impl.session);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (mosquitto_socket(impl.session) >= 0 && mosquitto_want_write(impl.session) &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd descriptor{mosquitto_socket(impl.session), POLLOUT, 0};
      if (::poll(&descriptor, 1, 100) < 0 && errno != EINTR) break;
      if (mosquitto_loop_write(impl.session, 1) != MOSQ_ERR_SUCCESS) break;
    }
  }
  impl.end_session();
  impl.dispatch();
}

bool MqttClient::connected() const {
  return impl_->state == Impl::State::Connected;
}

int MqttClient::socket() const {
  return impl_->session == nullptr ? -1 : mosquitto_socket(impl_->session);
}

bool MqttClient::wants_write() const {
  return !impl_->events.empty() ||
         (impl_->session != nullptr && mosquitto_want_write(impl_->session));
}

void MqttClient::loop(short revents) {
  Impl& impl = *impl_;
  if (impl.session != nullptr) {
    int rc = MOSQ_ERR_SUCCESS;
    int saved_errno = 0;
    const auto open = [&impl] { return mosquitto_socket(impl.session) >= 0; };
    errno = 0;
    if ((revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
      rc = mosquitto_loop_read(impl.session, 1);
      saved_errno = errno;
    }
    if (rc == MOSQ_ERR_SUCCESS && !impl.refusal && open() && (revents & POLLOUT) != 0) {
      rc = mosquitto_loop_write(impl.session, 1);
      saved_errno = errno;
    }
    if (rc == MOSQ_ERR_SUCCESS && !impl.refusal && open()) {
      rc = mosquitto_loop_misc(impl.session);
      saved_errno = errno;
    }
    if (rc != MOSQ_ERR_SUCCESS || impl.refusal || !open()) impl.lose(rc, saved_errno);
  }
  impl.dispatch();
}

std::optional<int> MqttClient::publish(std::string_view topic, std::string_view payload, int qos,
                                       bool retain) {
  Impl& impl = *impl_;
  // Only on an accepted connection: the library would otherwise keep QoS 1 messages for later.
  if (impl.state != Impl::State::Connected || payload.size() > INT_MAX) return std::nullopt;
  int message_id = 0;
  const std::string topic_text{topic};
  const int rc = mosquitto_publish(impl.session, &message_id, topic_text.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), qos, retain);
  // A write that failed leaves the socket in error: the next loop() reports the loss.
  if (rc != MOSQ_ERR_SUCCESS) return std::nullopt;
  return message_id;
}

bool MqttClient::subscribe(std::string_view pattern, int qos, bool retain_as_published) {
  Impl& impl = *impl_;
  if (impl.state != Impl::State::Connected) return false;
  if (retain_as_published && impl.settings.protocol_version != 5) return false;
  const std::string pattern_text{pattern};
  return mosquitto_subscribe_v5(impl.session, nullptr, pattern_text.c_str(), qos,
                                retain_as_published ? MQTT_SUB_OPT_RETAIN_AS_PUBLISHED : 0,
                                nullptr) == MOSQ_ERR_SUCCESS;
}

std::string MqttClient::library_version() {
  int major = 0, minor = 0, revision = 0;
  mosquitto_lib_version(&major, &minor, &revision);
  return "libmosquitto " + std::to_string(major) + "." + std::to_string(minor) + "." +
         std::to_string(revision);
}

}  // namespace bridge
