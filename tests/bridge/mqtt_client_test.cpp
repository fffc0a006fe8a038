// bridge::MqttClient against Debian's real mosquitto broker on loopback: publications and their
// acknowledgements, the will, refused and lost connections, TLS and MQTT 5. The client is driven
// from the test thread the way the bridge drives it: poll() on socket(), then loop().
#include "bridge/mqtt_client.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/subscriber.h"

namespace {

using test::Message;
using namespace std::chrono_literals;

constexpr const char* kPassword = "Secret-Pa55word";

// Everything the client reported, in order.
struct Reports {
  int connected = 0;
  std::vector<std::string> failures;
  std::vector<std::string> disconnections;
  std::vector<int> delivered;
  std::vector<Message> messages;

  std::vector<std::string> reasons() const {
    std::vector<std::string> all = failures;
    all.insert(all.end(), disconnections.begin(), disconnections.end());
    return all;
  }
};

// A client driven from the test thread.
class Driven {
 public:
  explicit Driven(bridge::MqttSettings settings)
      : client(
            std::move(settings),
            bridge::MqttClient::Callbacks{
                .connected = [this] { ++reports.connected; },
                .connect_failed =
                    [this](std::string_view reason) { reports.failures.emplace_back(reason); },
                .disconnected =
                    [this](std::string_view reason) {
                      reports.disconnections.emplace_back(reason);
                    },
                .delivered = [this](int message_id) { reports.delivered.push_back(message_id); },
                .message =
                    [this](std::string_view topic, std::string_view payload, int qos, bool retain) {
                      reports.messages.push_back(
                          {std::string{topic}, std::string{payload}, qos, retain});
                    },
            }) {}

  // Polls and loops until `done` holds; false when it does not within the failsafe, or when
  // nothing can happen any more (no connection, nothing pending).
  bool run_until(const std::function<bool()>& done, std::chrono::seconds failsafe = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + failsafe;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd descriptor{client.socket(), POLLIN, 0};
      if (descriptor.fd < 0) {
        if (!client.wants_write()) return false;
        client.loop(0);
        continue;
      }
      if (client.wants_write()) descriptor.events |= POLLOUT;
      const int ready = ::poll(&descriptor, 1, 100);
      client.loop(ready > 0 ? descriptor.revents : 0);
    }
    return true;
  }

  bool connect() {
    const int before = reports.connected;
    client.connect();
    return run_until([&] { return reports.connected > before; });
  }

  Reports reports;  // before the client, whose callbacks write here
  bridge::MqttClient client;
};

bridge::MqttSettings settings_for(const test::Broker& broker, std::string client_id = {}) {
  bridge::MqttSettings settings;
  settings.host = broker.host();
  settings.port = broker.port();
  settings.client_id = std::move(client_id);
  return settings;
}

bridge::MqttSettings::Will offline_will() {
  return {.topic = "test/meter/status", .payload = "offline", .qos = 1, .retain = true};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class MqttClientTest : public ::testing::Test {
 protected:
  test::Broker broker;
  test::Subscriber subscriber{broker.host(), broker.port(), "test/#"};
  void SetUp() override { ASSERT_TRUE(subscriber.wait_connected()); }
};

TEST_F(MqttClientTest, PublishesQos1RetainedAndNotRetained) {
  Driven driven{settings_for(broker)};
  ASSERT_TRUE(driven.connect());
  EXPECT_TRUE(driven.client.connected());
  EXPECT_GE(driven.client.socket(), 0);

  const std::optional<int> retained = driven.client.publish("test/meter/state", "on", 1, true);
  const std::optional<int> live =
      driven.client.publish("test/meter/frame", R"({"ADCO":{"raw":"1"}})", 1, false);
  ASSERT_TRUE(retained && live);
  EXPECT_NE(*retained, *live);
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.delivered.size() == 2; }));
  std::vector<int> delivered = driven.reports.delivered;
  std::sort(delivered.begin(), delivered.end());
  EXPECT_EQ(delivered, (std::vector<int>{std::min(*retained, *live), std::max(*retained, *live)}));

  ASSERT_TRUE(subscriber.wait_for([](const auto& m) { return m.size() == 2; }));
  EXPECT_EQ(subscriber.messages(),
            (std::vector<Message>{{"test/meter/state", "on", 1, true},
                                  {"test/meter/frame", R"({"ADCO":{"raw":"1"}})", 1, false}}));

  // A subscriber that comes later gets the retained message alone, marked retained.
  test::SubscriberOptions plain;
  plain.retain_as_published = false;
  test::Subscriber late{broker.host(), broker.port(), "test/#", plain};
  ASSERT_TRUE(late.wait_connected());
  EXPECT_EQ(late.messages(), (std::vector<Message>{{"test/meter/state", "on", 1, true}}));
  EXPECT_TRUE(driven.reports.failures.empty());
  EXPECT_TRUE(driven.reports.disconnections.empty());
}

TEST_F(MqttClientTest, Qos0IsDeliveredOnceWritten) {
  Driven driven{settings_for(broker)};
  ASSERT_TRUE(driven.connect());
  const std::optional<int> id = driven.client.publish("test/meter/power", "1230", 0, false);
  ASSERT_TRUE(id);
  // Reported by the next loop(), which wants_write() asks for.
  EXPECT_TRUE(driven.client.wants_write());
  ASSERT_TRUE(driven.run_until([&] { return !driven.reports.delivered.empty(); }));
  EXPECT_EQ(driven.reports.delivered, std::vector<int>{*id});
  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/power"));
  EXPECT_EQ(subscriber.last("test/meter/power"), (Message{"test/meter/power", "1230", 0, false}));
}

TEST_F(MqttClientTest, PublishesNothingWhileNotConnected) {
  Driven driven{settings_for(broker)};
  EXPECT_EQ(driven.client.publish("test/early", "before connect", 1, false), std::nullopt);
  EXPECT_EQ(driven.client.socket(), -1);
  EXPECT_FALSE(driven.client.connected());

  ASSERT_TRUE(driven.client.connect());
  // The CONNACK is read by loop() alone: not connected yet.
  EXPECT_FALSE(driven.client.connected());
  EXPECT_EQ(driven.client.publish("test/early", "before CONNACK", 1, false), std::nullopt);
  EXPECT_FALSE(driven.client.subscribe("test/#", 1));
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.connected == 1; }));

  EXPECT_EQ(driven.client.publish("test/bad/#", "a wildcard", 1, false), std::nullopt);
  ASSERT_TRUE(driven.client.publish("test/marker", "connected", 1, false));
  ASSERT_TRUE(subscriber.wait_for_topic("test/marker"));
  // Nothing refused earlier went out with it.
  EXPECT_EQ(subscriber.messages(), (std::vector<Message>{{"test/marker", "connected", 1, false}}));

  driven.client.disconnect();
  EXPECT_FALSE(driven.client.connected());
  EXPECT_EQ(driven.client.socket(), -1);
  EXPECT_EQ(driven.client.publish("test/late", "after disconnect", 1, false), std::nullopt);
  EXPECT_TRUE(driven.reports.disconnections.empty());  // asked for: no callback
}

TEST_F(MqttClientTest, WillIsPublishedWhenTheConnectionDrops) {
  bridge::MqttSettings settings = settings_for(broker);
  settings.will = offline_will();
  Driven driven{settings};
  ASSERT_TRUE(driven.connect());
  ASSERT_TRUE(driven.client.publish("test/meter/status", "online", 1, true));
  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/status"));

  // The connection ends without a DISCONNECT, as when the network goes away.
  ASSERT_EQ(::shutdown(driven.client.socket(), SHUT_RDWR), 0);
  ASSERT_TRUE(driven.run_until([&] { return !driven.reports.disconnections.empty(); }));
  EXPECT_EQ(driven.client.socket(), -1);
  EXPECT_FALSE(driven.client.connected());
  for (int i = 0; i < 3; ++i)
    driven.client.loop(0);
  EXPECT_EQ(driven.reports.disconnections.size(), 1u);
  EXPECT_TRUE(driven.reports.failures.empty());

  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/status", 2));
  EXPECT_EQ(subscriber.last("test/meter/status"),
            (Message{"test/meter/status", "offline", 1, true}));
}

TEST_F(MqttClientTest, WillIsPublishedWhenDestroyedWithoutDisconnect) {
  bridge::MqttSettings settings = settings_for(broker);
  settings.will = offline_will();
  auto driven = std::make_unique<Driven>(settings);
  ASSERT_TRUE(driven->connect());
  driven.reset();
  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/status"));
  EXPECT_EQ(subscriber.messages(),
            (std::vector<Message>{{"test/meter/status", "offline", 1, true}}));

  test::Subscriber late{broker.host(), broker.port(), "test/meter/status"};
  ASSERT_TRUE(late.wait_connected());
  EXPECT_EQ(late.messages(), (std::vector<Message>{{"test/meter/status", "offline", 1, true}}));
}

TEST_F(MqttClientTest, NoWillAfterDisconnect) {
  bridge::MqttSettings settings = settings_for(broker, "will-test-client");
  settings.will = offline_will();
  Driven driven{settings};
  ASSERT_TRUE(driven.connect());
  driven.client.disconnect();
  EXPECT_EQ(driven.client.socket(), -1);
  // The broker sends a will (or not) as it handles the end of the connection, before it logs
  // it: a message published after that line reaches the subscriber after any will.
  ASSERT_TRUE(broker.wait_for_log("Client will-test-client disconnected."));
  Driven other{settings_for(broker)};
  ASSERT_TRUE(other.connect());
  ASSERT_TRUE(other.client.publish("test/marker", "after", 1, false));
  ASSERT_TRUE(subscriber.wait_for_topic("test/marker"));
  EXPECT_EQ(subscriber.messages(), (std::vector<Message>{{"test/marker", "after", 1, false}}));
}

TEST_F(MqttClientTest, BrokerKilledThenRestarted) {
  Driven driven{settings_for(broker)};
  ASSERT_TRUE(driven.connect());
  broker.kill();
  ASSERT_TRUE(driven.run_until([&] { return !driven.reports.disconnections.empty(); }));
  EXPECT_EQ(driven.client.socket(), -1);
  EXPECT_FALSE(driven.client.connected());
  for (int i = 0; i < 3; ++i)
    driven.client.loop(0);
  EXPECT_EQ(driven.reports.disconnections.size(), 1u);
  EXPECT_TRUE(driven.reports.failures.empty());
  EXPECT_EQ(driven.client.publish("test/meter/frame", "lost", 1, false), std::nullopt);

  // While the broker is down, attempts fail.
  driven.client.connect();
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.failures.size() == 1; }));
  EXPECT_EQ(driven.reports.failures[0], "connection refused");
  EXPECT_EQ(driven.client.socket(), -1);

  broker.restart();
  ASSERT_TRUE(driven.connect());
  EXPECT_EQ(driven.reports.connected, 2);
  ASSERT_TRUE(subscriber.wait_connected(2));
  ASSERT_TRUE(driven.client.publish("test/meter/frame", "back", 1, false));
  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/frame"));
  EXPECT_EQ(subscriber.messages(), (std::vector<Message>{{"test/meter/frame", "back", 1, false}}));
  EXPECT_EQ(driven.reports.disconnections.size(), 1u);
}

TEST_F(MqttClientTest, ReceivesItsOwnSubscriptions) {
  for (const int version : {4, 5}) {
    SCOPED_TRACE(version);
    bridge::MqttSettings settings = settings_for(broker);
    settings.protocol_version = version;
    Driven driven{settings};
    ASSERT_TRUE(driven.connect());
    const bool retain_as_published = version == 5;
    const std::string topic = "test/echo/" + std::to_string(version);
    ASSERT_TRUE(driven.client.subscribe(topic + "/#", 1, retain_as_published));
    // Retain as published needs MQTT 5.
    EXPECT_EQ(driven.client.subscribe("test/other", 1, true), version == 5);
    // The SUBSCRIBE went out first: the broker has it when it handles the PUBLISH.
    ASSERT_TRUE(driven.client.publish(topic + "/ping", "ping", 1, true));
    ASSERT_TRUE(driven.run_until([&] { return !driven.reports.messages.empty(); }));
    EXPECT_EQ(driven.reports.messages,
              (std::vector<Message>{{topic + "/ping", "ping", 1, retain_as_published}}));
  }
}

TEST_F(MqttClientTest, Mqtt5Publishes) {
  bridge::MqttSettings settings = settings_for(broker);
  settings.protocol_version = 5;
  settings.will = offline_will();
  Driven driven{settings};
  ASSERT_TRUE(driven.connect());
  const std::optional<int> retained = driven.client.publish("test/meter/status", "online", 1, true);
  const std::optional<int> live = driven.client.publish("test/meter/frame", "{}", 1, false);
  ASSERT_TRUE(retained && live);
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.delivered.size() == 2; }));
  ASSERT_TRUE(subscriber.wait_for([](const auto& m) { return m.size() == 2; }));
  EXPECT_EQ(subscriber.messages(), (std::vector<Message>{{"test/meter/status", "online", 1, true},
                                                         {"test/meter/frame", "{}", 1, false}}));
  ASSERT_EQ(::shutdown(driven.client.socket(), SHUT_RDWR), 0);
  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/status", 2));
  EXPECT_EQ(subscriber.last("test/meter/status"),
            (Message{"test/meter/status", "offline", 1, true}));
}

TEST_F(MqttClientTest, PersistentSessionKeepsMessagesWhileAway) {
  bridge::MqttSettings settings = settings_for(broker, "persistent-client");
  settings.clean_session = false;
  Driven away{settings};
  ASSERT_TRUE(away.connect());
  ASSERT_TRUE(away.client.subscribe("test/queued", 1));
  // The SUBSCRIBE is handled before this PUBLISH, which comes back: the subscription is in place.
  ASSERT_TRUE(away.client.publish("test/queued", "first", 1, false));
  ASSERT_TRUE(away.run_until([&] { return away.reports.messages.size() == 1; }));
  away.client.disconnect();

  Driven publisher{settings_for(broker)};
  ASSERT_TRUE(publisher.connect());
  ASSERT_TRUE(publisher.client.publish("test/queued", "while away", 1, false));
  ASSERT_TRUE(publisher.run_until([&] { return publisher.reports.delivered.size() == 1; }));

  // Back on the same session, without subscribing again.
  ASSERT_TRUE(away.connect());
  ASSERT_TRUE(away.run_until([&] { return away.reports.messages.size() == 2; }));
  EXPECT_EQ(away.reports.messages[1], (Message{"test/queued", "while away", 1, false}));
}

TEST(MqttClientBroker, PersistenceKeepsRetainedMessagesAcrossARestart) {
  test::BrokerOptions options;
  options.persistence = true;
  test::Broker broker{options};
  Driven driven{settings_for(broker)};
  ASSERT_TRUE(driven.connect());
  ASSERT_TRUE(driven.client.publish("test/meter/status", "online", 1, true));
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.delivered.size() == 1; }));
  broker.restart();
  test::Subscriber subscriber{broker.host(), broker.port(), "test/#"};
  ASSERT_TRUE(subscriber.wait_connected());
  EXPECT_EQ(subscriber.messages(),
            (std::vector<Message>{{"test/meter/status", "online", 1, true}}));
}

TEST_F(MqttClientTest, ConnectionRefusedWithoutBroker) {
  broker.stop();
  Driven driven{settings_for(broker)};
  for (int attempt = 1; attempt <= 2; ++attempt) {
    driven.client.connect();
    ASSERT_TRUE(driven.run_until(
        [&] { return driven.reports.failures.size() == static_cast<std::size_t>(attempt); }));
    EXPECT_EQ(driven.reports.failures.back(), "connection refused");
    EXPECT_EQ(driven.client.socket(), -1);
  }
  EXPECT_EQ(driven.reports.connected, 0);
  EXPECT_TRUE(driven.reports.disconnections.empty());
}

TEST_F(MqttClientTest, MadeUpClientIdNamesHostAndProcess) {
  Driven driven{settings_for(broker)};
  const std::size_t from = broker.log_size();
  ASSERT_TRUE(driven.connect());
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  // "New client connected from 127.0.0.1:40000 as teleinfo-HOST-PID (p2, c1, k60)."
  EXPECT_TRUE(broker.wait_for_log(
      " as teleinfo-" + std::string{host} + "-" + std::to_string(::getpid()), from))
      << broker.log();
}

TEST(MqttClientLibrary, SaysItsVersion) {
  // "libmosquitto 2.0.11" on Debian 12.
  const std::string version = bridge::MqttClient::library_version();
  EXPECT_EQ(version.rfind("libmosquitto 2.", 0), 0u) << version;
  EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 2) << version;
  EXPECT_EQ(version.find_first_not_of("0123456789.", 13), std::string::npos) << version;
}

class MqttClientAuth : public ::testing::Test {
 protected:
  test::Broker broker{[] {
    test::BrokerOptions options;
    options.allow_anonymous = false;
    options.users = {{"teleinfo", kPassword}};
    return options;
  }()};

  bridge::MqttSettings settings(std::string password, int version = 4) {
    bridge::MqttSettings result = settings_for(broker);
    result.username = "teleinfo";
    result.password = std::move(password);
    result.protocol_version = version;
    return result;
  }
};

TEST_F(MqttClientAuth, RightPasswordConnects) {
  for (const int version : {4, 5}) {
    Driven driven{settings(kPassword, version)};
    EXPECT_TRUE(driven.connect()) << version;
  }
}

TEST_F(MqttClientAuth, WrongPasswordIsRefusedEveryTime) {
  const std::string wrong = "Wrong-Pa55word";
  for (const int version : {4, 5}) {
    SCOPED_TRACE(version);
    Driven driven{settings(wrong, version)};
    for (std::size_t attempt = 1; attempt <= 2; ++attempt) {
      driven.client.connect();
      ASSERT_TRUE(driven.run_until([&] { return driven.reports.failures.size() == attempt; }));
      const std::string& reason = driven.reports.failures.back();
      EXPECT_TRUE(contains(lower(reason), "not authori")) << reason;
      EXPECT_TRUE(contains(reason, "refused by the broker")) << reason;
      EXPECT_EQ(driven.client.socket(), -1);
      EXPECT_FALSE(driven.client.connected());
      EXPECT_FALSE(driven.client.wants_write());
    }
    EXPECT_EQ(driven.reports.connected, 0);
    EXPECT_TRUE(driven.reports.disconnections.empty());
    for (const std::string& reason : driven.reports.reasons()) {
      EXPECT_FALSE(contains(reason, wrong)) << reason;
      EXPECT_FALSE(contains(reason, kPassword)) << reason;
    }
  }
}

TEST_F(MqttClientAuth, AnonymousIsRefused) {
  Driven driven{settings_for(broker)};
  driven.client.connect();
  ASSERT_TRUE(driven.run_until([&] { return !driven.reports.failures.empty(); }));
  EXPECT_TRUE(contains(lower(driven.reports.failures[0]), "not authori"))
      << driven.reports.failures[0];
}

class MqttClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certificates = std::make_unique<test::Certificates>(); }
  static void TearDownTestSuite() { certificates.reset(); }

  static bridge::MqttSettings settings(const test::Broker& broker, bool with_ca = true) {
    bridge::MqttSettings result = settings_for(broker);
    result.tls = true;
    if (with_ca) result.ca_file = certificates->ca_file();
    return result;
  }

  static test::BrokerOptions tls_options(bool require_certificate = false) {
    test::BrokerOptions options;
    options.tls = certificates->server();
    options.require_certificate = require_certificate;
    return options;
  }

  static std::unique_ptr<test::Certificates> certificates;
};

std::unique_ptr<test::Certificates> MqttClientTls::certificates;

TEST_F(MqttClientTls, ConnectsWithTheCaFile) {
  test::Broker broker{tls_options()};
  EXPECT_EQ(broker.url(), "mqtts://127.0.0.1:" + std::to_string(broker.port()));
  test::Subscriber subscriber{settings(broker), "test/#"};
  ASSERT_TRUE(subscriber.wait_connected());
  Driven driven{settings(broker)};
  ASSERT_TRUE(driven.connect());
  ASSERT_TRUE(driven.client.publish("test/meter/state", "over TLS", 1, true));
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.delivered.size() == 1; }));
  ASSERT_TRUE(subscriber.wait_for_topic("test/meter/state"));
  EXPECT_EQ(subscriber.messages(),
            (std::vector<Message>{{"test/meter/state", "over TLS", 1, true}}));
}

TEST_F(MqttClientTls, FailsWithoutTheCa) {
  test::Broker broker{tls_options()};
  // No CA file: the system's CAs, which do not know the test CA.
  Driven driven{settings(broker, false)};
  for (std::size_t attempt = 1; attempt <= 2; ++attempt) {
    driven.client.connect();
    ASSERT_TRUE(driven.run_until([&] { return driven.reports.failures.size() == attempt; }));
    EXPECT_EQ(driven.reports.failures.back(), "TLS: certificate verify failed");
    EXPECT_EQ(driven.client.socket(), -1);
  }
  EXPECT_EQ(driven.reports.connected, 0);
}

TEST_F(MqttClientTls, InsecureConnectsWithoutTheCa) {
  test::Broker broker{tls_options()};
  bridge::MqttSettings insecure = settings(broker, false);
  insecure.insecure = true;
  Driven driven{insecure};
  ASSERT_TRUE(driven.connect());
  EXPECT_TRUE(driven.client.publish("test/x", "y", 1, false));
}

TEST_F(MqttClientTls, MutualTls) {
  test::Broker broker{tls_options(true)};
  bridge::MqttSettings with_certificate = settings(broker);
  with_certificate.cert_file = certificates->client_cert_file();
  with_certificate.key_file = certificates->client_key_file();
  Driven driven{with_certificate};
  ASSERT_TRUE(driven.connect());
  ASSERT_TRUE(driven.client.publish("test/x", "y", 1, false));
  ASSERT_TRUE(driven.run_until([&] { return driven.reports.delivered.size() == 1; }));

  // Without one, the broker ends the handshake.
  Driven refused{settings(broker)};
  refused.client.connect();
  ASSERT_TRUE(refused.run_until([&] {
    return !refused.reports.failures.empty() || !refused.reports.disconnections.empty();
  }));
  EXPECT_EQ(refused.reports.connected, 0);
  ASSERT_EQ(refused.reports.failures.size(), 1u);
  EXPECT_FALSE(refused.reports.failures[0].empty());
  EXPECT_EQ(refused.client.socket(), -1);
}

TEST(MqttClientSettings, RefusedSettingsThrowOneLineNamingThem) {
  bridge::MqttSettings base;
  base.username = "teleinfo";
  base.password = kPassword;
  const auto error_of = [](const bridge::MqttSettings& settings) -> std::string {
    try {
      bridge::MqttClient client{settings, {}};
    } catch (const bridge::MqttError& error) {
      return error.what();
    }
    return "(no error)";
  };

  bridge::MqttSettings unreadable_ca = base;
  unreadable_ca.tls = true;
  unreadable_ca.ca_file = "/nonexistent/teleinfo/ca.crt";
  EXPECT_EQ(error_of(unreadable_ca),
            "MQTT TLS CA file /nonexistent/teleinfo/ca.crt: cannot be read (No such file or "
            "directory)");

  bridge::MqttSettings unreadable_key = base;
  unreadable_key.tls = true;
  unreadable_key.cert_file = "/dev/null";
  unreadable_key.key_file = "/nonexistent/client.key";
  EXPECT_EQ(error_of(unreadable_key),
            "MQTT TLS client key /nonexistent/client.key: cannot be read (No such file or "
            "directory)");

  bridge::MqttSettings certificate_alone = base;
  certificate_alone.tls = true;
  certificate_alone.cert_file = "/dev/null";
  EXPECT_EQ(error_of(certificate_alone),
            "MQTT TLS client certificate and key: give both or neither");

  bridge::MqttSettings version = base;
  version.protocol_version = 3;
  EXPECT_EQ(error_of(version), "MQTT protocol version 3: use 4 (MQTT 3.1.1) or 5 (MQTT 5)");

  bridge::MqttSettings persistent5 = base;
  persistent5.protocol_version = 5;
  persistent5.clean_session = false;
  EXPECT_EQ(error_of(persistent5),
            "MQTT persistent session: needs MQTT 3.1.1 (protocol version 4)");

  bridge::MqttSettings keepalive = base;
  keepalive.keepalive_seconds = 2;
  EXPECT_EQ(error_of(keepalive), "MQTT keepalive 2 s: use 0 or 5 to 65535");

  bridge::MqttSettings will = base;
  will.will = offline_will();
  will.will->topic = "teleinfo/#";
  EXPECT_EQ(error_of(will),
            "MQTT will on topic 'teleinfo/#': refused (invalid function arguments provided)");

  for (const auto& settings : {unreadable_ca, unreadable_key, version, will})
    EXPECT_FALSE(contains(error_of(settings), kPassword));
}

}  // namespace
