// A connection to an MQTT broker: the only part of the project that sees libmosquitto.
//
// The owner's thread drives it: poll() on socket() for POLLIN (and POLLOUT when wants_write()),
// then loop() with what poll() reported, at least once a second for keepalive. Every call comes
// from that one thread and callbacks run inside those calls. Each connect() starts from a fresh
// session: the client keeps no messages across connections (the owner's backlog does).
//
// Callbacks run once libmosquitto has returned, so they may call anything here (publish,
// disconnect, connect) but must not destroy the client. What happens inside publish() (a QoS 0
// message written at once) is reported by the next loop(): wants_write() stays true until then.
// The first client made ignores SIGPIPE for the process if nothing else handles it: a TLS write
// to a broker that went away would otherwise end the program.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bridge {

struct MqttSettings {
  std::string host = "localhost";
  std::uint16_t port = 1883;
  bool tls = false;         // mqtts://
  std::string ca_file{};    // TLS: CA certificates to check the broker with; empty: the system's
  std::string cert_file{};  // TLS: client certificate, with key_file (mutual TLS)
  std::string key_file{};
  bool insecure = false;     // TLS: accept any broker certificate and host name
  std::string username{};    // empty: no authentication
  std::string password{};    // never logged
  std::string client_id{};   // empty: a unique one is made up
  int protocol_version = 4;  // 4: MQTT 3.1.1, 5: MQTT 5
  int keepalive_seconds = 60;
  // false: the broker keeps the session (subscriptions, QoS 1 messages not yet sent) while the
  // client is away. MQTT 3.1.1 only: libmosquitto's non-blocking connect cannot send MQTT 5's
  // session expiry, without which an MQTT 5 session ends with its connection.
  bool clean_session = true;
  struct Will {
    std::string topic{};
    std::string payload{};
    int qos = 1;
    bool retain = true;
  };
  std::optional<Will> will{};
};

// Settings the library refuses (an unreadable certificate, say). One line.
class MqttError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MqttClient {
 public:
  struct Callbacks {
    std::function<void()> connected{};  // the broker accepted the connection (CONNACK success)
    // A connection attempt failed: refused by the broker (bad password, ...) or the network. One
    // line, that names the cause ("not authorised", "connection refused").
    std::function<void(std::string_view reason)> connect_failed{};
    // A connection that had been accepted is lost or closed.
    std::function<void(std::string_view reason)> disconnected{};
    // A publication is done with: QoS 0 written to the socket, QoS 1 acknowledged by the broker.
    std::function<void(int message_id)> delivered{};
    std::function<void(std::string_view topic, std::string_view payload, int qos, bool retain)>
        message{};
  };

  // Throws MqttError for settings the library refuses.
  MqttClient(MqttSettings settings, Callbacks callbacks);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Starts a connection attempt without waiting for the broker (name resolution may wait). False
  // when it failed at once; connect_failed has then been called. A connection still open is
  // dropped first, without DISCONNECT or callback.
  bool connect();
  // Ends the connection with a DISCONNECT: the broker does not send the will. No callback. The
  // destructor sends no DISCONNECT: the broker sends the will.
  void disconnect();
  bool connected() const;  // CONNACK received and the connection not lost since
  int socket() const;      // -1 when there is no connection
  bool wants_write() const;
  // Handles what poll() reported on socket() (0 when it timed out), and keepalive.
  void loop(short revents);

  // Queues a publication on the current connection: its message id, or nullopt (nothing queued)
  // when not connected or the library refused it.
  std::optional<int> publish(std::string_view topic, std::string_view payload, int qos,
                             bool retain);
  // Subscribes on the current connection (false when not connected or refused). With
  // retain_as_published (MQTT 5 only), live messages keep the retain flag their publisher set.
  bool subscribe(std::string_view pattern, int qos, bool retain_as_published = false);

  // "libmosquitto 2.0.11"
  static std::string library_version();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bridge
