// teleinfo-bridge running for real: a real mosquitto broker (Debian's, on a free loopback port),
// meters on pseudo-terminals standing in for serial ports, a TCP server, the simulator; checked
// by a subscriber, as a user watching `mosquitto_sub -t 'teleinfo/#' -v` would.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "support/daemon.h"
#include "support/process.h"
#include "support/pty.h"
#include "support/subscriber.h"
#include "tic/frame_json.h"

namespace {

const std::string kBridge = TELEINFO_BRIDGE;
const std::string kStandardCapture = "hallard_tinfo_replay_stand_base_long.txt";  // 100 frames
const std::string kStandardMeter = "061961361253";

std::map<std::string, std::string> environment() {
  static const std::string empty_config = [] {
    const auto file = std::filesystem::temp_directory_path() / "teleinfo-live-test-empty.conf";
    std::ofstream{file};
    return file.string();
  }();
  return {{"TELEINFO_CONFIG", empty_config}};
}

using Messages = test::Subscriber::Messages;

// Messages on `topic`, in order.
Messages on(const Messages& messages, std::string_view topic) {
  Messages result;
  for (const test::Message& message : messages) {
    if (message.topic == topic) result.push_back(message);
  }
  return result;
}

// The frame JSON without its TIME member, which depends on the clock.
std::string without_time(const std::string& payload) {
  return payload.substr(0, payload.rfind(",\"TIME\":"));
}

// Writes all of `bytes` to the pseudo-terminal's master, as fast as the reader takes them.
void send_all(test::PseudoTerminal& line, std::string_view bytes) {
  line.send(bytes);
  for (line.pump(); !line.all_sent(); line.pump()) {
    pollfd fd{line.master(), POLLOUT, 0};
    ::poll(&fd, 1, 100);
  }
}

// Frames of a capture as the frame stream must carry them, without TIME.
std::vector<std::string> expected_payloads(const std::string& capture) {
  std::vector<std::string> payloads;
  for (const tic::Frame& frame : test::decode(test::read_capture(capture)).frames) {
    payloads.push_back(without_time(tic::to_frame_json(frame)));
  }
  return payloads;
}

std::vector<std::string> payloads(const Messages& messages) {
  std::vector<std::string> result;
  for (const test::Message& message : messages)
    result.push_back(without_time(message.payload));
  return result;
}

// The frame-stream topic of the first meter that said it is online: "teleinfo/<id>".
std::string first_meter(const Messages& messages) {
  for (const test::Message& message : messages) {
    if (message.topic.ends_with("/status") && message.topic != "teleinfo/status") {
      return message.topic.substr(0, message.topic.size() - 7);
    }
  }
  return {};
}

// `mosquitto_sub -t 'teleinfo/#'` on a simulated Linky: every topic of DESIGN.md's layout.
TEST(Live, SimulatedMeterShowsEveryTopic) {
  test::Broker broker;
  test::Subscriber watcher{broker.host(), broker.port(), "teleinfo/#"};
  ASSERT_TRUE(watcher.wait_connected());
  test::Daemon bridge{
      kBridge, {"--source", "sim:standard", "--mqtt-url", broker.url()}, environment()};

  // The first frame: it comes after the first labels (about a second at 9600 Bd).
  std::string meter;
  ASSERT_TRUE(watcher.wait_for([&](const Messages& messages) {
    meter = first_meter(messages);
    return !meter.empty() && !on(messages, meter).empty() &&
           !on(messages, meter + "/STGE/tempo_today").empty();
  })) << bridge.err();
  const Messages messages = watcher.messages();

  const test::Message bridge_status = *watcher.last("teleinfo/status");
  EXPECT_EQ(bridge_status.payload, "online");
  EXPECT_TRUE(bridge_status.retain);
  EXPECT_EQ(bridge_status.qos, 1);

  const test::Message meter_status = *watcher.last(meter + "/status");
  EXPECT_EQ(meter_status.payload, "online");
  EXPECT_TRUE(meter_status.retain);

  const test::Message frame = on(messages, meter).front();
  EXPECT_FALSE(frame.retain);
  EXPECT_EQ(frame.qos, 1);
  tic::Frame decoded;
  ASSERT_EQ(tic::read_frame_json(frame.payload, decoded), "");
  EXPECT_EQ("teleinfo/" + std::string{decoded.address()}, meter);
  for (const char* label : {"ADSC", "DATE", "EAST", "EASF01", "SINSTS", "STGE", "LTARF", "NTARF"}) {
    EXPECT_TRUE(decoded.contains(label)) << label;
  }

  const test::Message east = *watcher.last(meter + "/EAST");
  EXPECT_TRUE(east.retain);
  EXPECT_EQ(east.qos, 1);
  EXPECT_EQ(east.payload, std::to_string(*decoded.find("EAST")->number));
  const std::string colour = watcher.last(meter + "/STGE/tempo_today")->payload;
  EXPECT_TRUE(colour == "blue" || colour == "white" || colour == "red") << colour;
  EXPECT_TRUE(watcher.last(meter + "/RELAIS/1").has_value());
  EXPECT_TRUE(watcher.last(meter + "/NJOURF_plus_1").has_value());

  // SIGTERM: both statuses say offline, the process ends with status 0.
  EXPECT_EQ(bridge.stop(SIGTERM), 0) << bridge.err();
  ASSERT_TRUE(watcher.wait_for([&](const Messages&) {
    return watcher.last(meter + "/status")->payload == "offline" &&
           watcher.last("teleinfo/status")->payload == "offline";
  }));
  EXPECT_TRUE(watcher.last("teleinfo/status")->retain);
  EXPECT_NE(bridge.err().find("MQTT: connected to 127.0.0.1:" + std::to_string(broker.port())),
            std::string::npos)
      << bridge.err();
  EXPECT_NE(bridge.err().find(" 0 bad checksum"), std::string::npos) << bridge.err();
}

// A meter on a serial port: the frames as the capture holds them; the dongle unplugged (the
// meter goes offline) and plugged back (online again, frames flow).
TEST(Live, SerialPortUnpluggedAndBack) {
  test::Broker broker;
  test::Subscriber watcher{broker.host(), broker.port(), "teleinfo/#"};
  ASSERT_TRUE(watcher.wait_connected());
  test::DeviceLink link;
  auto line = std::make_unique<test::PseudoTerminal>();
  link.point_at(line->slave_path());
  test::Daemon bridge{kBridge,
                      {"--source", "serial:" + link.path(), "--mode", "standard", "--meter-timeout",
                       "1", "--mqtt-url", broker.url()},
                      environment()};
  ASSERT_TRUE(bridge.wait_for_err("reading " + link.path())) << bridge.err();

  // The first 50 frames before the unplug, the other 50 after: the indexes go on growing (the
  // same frames again would go back in time, which the Energy dashboard's guard holds back).
  const std::string capture = test::read_capture(kStandardCapture);
  const std::vector<std::string> expected = expected_payloads(kStandardCapture);
  ASSERT_EQ(expected.size(), 100u);
  std::size_t half = 0;
  for (int frame = 0; frame <= 50; ++frame)
    half = capture.find('\x02', half + (frame > 0));
  const std::string topic = "teleinfo/" + kStandardMeter;
  send_all(*line, capture.substr(0, half));
  ASSERT_TRUE(watcher.wait_for_topic(topic, 50)) << bridge.err();
  EXPECT_EQ(payloads(on(watcher.messages(), topic)),
            std::vector<std::string>(expected.begin(), expected.begin() + 50));
  EXPECT_EQ(watcher.last(topic + "/status")->payload, "online");

  line->close_master();  // unplugged
  ASSERT_TRUE(watcher.wait_for([&](const Messages& messages) {
    const Messages status = on(messages, topic + "/status");
    return status.size() == 2 && status.back().payload == "offline";
  })) << bridge.err();
  ASSERT_TRUE(bridge.wait_for_err("lost " + link.path())) << bridge.err();

  line = std::make_unique<test::PseudoTerminal>();  // plugged back
  link.point_at(line->slave_path());
  ASSERT_TRUE(bridge.wait_for_err(") again, at 9600 Bd")) << bridge.err();
  send_all(*line, capture.substr(half));
  ASSERT_TRUE(watcher.wait_for_topic(topic, expected.size())) << bridge.err();
  const Messages status = on(watcher.messages(), topic + "/status");
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status.back().payload, "online");
  EXPECT_EQ(payloads(on(watcher.messages(), topic)), expected);
  EXPECT_EQ(bridge.stop(SIGTERM), 0) << bridge.err();
}

// The broker stops mid-stream (saving its sessions) and comes back: every frame of the stream
// reaches the subscriber, in order, the ones read while it was away from the bridge's backlog.
TEST(Live, BrokerRestartLosesNoFrame) {
  test::BrokerOptions persistent;
  persistent.persistence = true;
  test::Broker broker{persistent};
  bridge::MqttSettings session;
  session.host = broker.host();
  session.port = broker.port();
  session.client_id = "teleinfo-test-watcher";
  session.clean_session = false;  // the broker keeps its messages while it is away
  auto watcher = std::make_unique<test::Subscriber>(session, "teleinfo/" + kStandardMeter);
  ASSERT_TRUE(watcher->wait_connected());
  test::PseudoTerminal line;
  test::Daemon bridge{
      kBridge,
      {"--source", "serial:" + line.slave_path(), "--mode", "standard", "--mqtt-url", broker.url()},
      environment()};
  ASSERT_TRUE(bridge.wait_for_err("reading " + line.slave_path())) << bridge.err();

  const std::string capture = test::read_capture(kStandardCapture);
  const std::vector<std::string> expected = expected_payloads(kStandardCapture);
  const std::string topic = "teleinfo/" + kStandardMeter;
  // A third of the capture, then the broker stops while the second third is read.
  const std::size_t third = capture.size() / 3;
  send_all(line, capture.substr(0, third));
  ASSERT_TRUE(watcher->wait_for_topic(topic, 20)) << bridge.err();
  broker.stop();
  send_all(line, capture.substr(third, third));
  ASSERT_TRUE(bridge.wait_for_err("MQTT: connection to")) << bridge.err();
  broker.start();
  send_all(line, capture.substr(2 * third));
  ASSERT_TRUE(watcher->wait_connected(2));
  // Each frame has its own TIME: distinct payloads are distinct frames.
  ASSERT_TRUE(watcher->wait_for([&](const Messages& messages) {
    std::set<std::string> frames;
    for (const test::Message& message : on(messages, topic))
      frames.insert(message.payload);
    return frames.size() >= expected.size();
  })) << bridge.err();

  // QoS 1 is at least once: the frames in flight when the broker stopped (delivered, but not
  // acknowledged to the bridge) come again after the restart, with their own TIME. None is
  // missing, and each comes first in order.
  Messages received;
  std::set<std::string> seen;
  for (const test::Message& message : on(watcher->messages(), topic)) {
    if (seen.insert(message.payload).second) received.push_back(message);
  }
  EXPECT_EQ(payloads(received), expected);
  EXPECT_EQ(bridge.stop(SIGTERM), 0) << bridge.err();
}

// TLS with the test's own CA, and a password from a file.
TEST(Live, TlsAndPassword) {
  const test::Certificates certificates;
  test::BrokerOptions secured;
  secured.allow_anonymous = false;
  secured.users = {{"teleinfo", "bridge-secret"}, {"watcher", "watcher-secret"}};
  secured.tls = certificates.server();
  test::Broker broker{secured};
  bridge::MqttSettings watching;
  watching.host = "127.0.0.1";
  watching.port = broker.port();
  watching.tls = true;
  watching.ca_file = certificates.ca_file();
  watching.username = "watcher";
  watching.password = "watcher-secret";
  test::Subscriber watcher{watching, "teleinfo/#"};
  ASSERT_TRUE(watcher.wait_connected()) << watcher.last_error();

  const test::TemporaryDirectory directory{"teleinfo-live-test"};
  std::ofstream{directory.file("password")} << "bridge-secret\n";
  test::Daemon bridge{kBridge,
                      {"--source", "sim:historic", "--mqtt-url",
                       "mqtts://teleinfo@127.0.0.1:" + std::to_string(broker.port()), "--mqtt-ca",
                       certificates.ca_file(), "--mqtt-password-file", directory.file("password")},
                      environment()};
  ASSERT_TRUE(watcher.wait_for([](const Messages& messages) {
    const std::string meter = first_meter(messages);
    return !meter.empty() && !on(messages, meter).empty();
  })) << bridge.err();
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  EXPECT_EQ(bridge.err().find("bridge-secret"), std::string::npos) << bridge.err();
}

// A wrong password: one clear line, retried with backoff, never a crash.
TEST(Live, WrongPasswordIsReportedAndRetried) {
  test::BrokerOptions with_users;
  with_users.allow_anonymous = false;
  with_users.users = {{"teleinfo", "right"}};
  test::Broker broker{with_users};
  auto env = environment();
  env["TELEINFO_MQTT_PASSWORD"] = "wrong-pass-word";
  test::Daemon bridge{kBridge,
                      {"--source", "sim:historic", "--mqtt-url",
                       "mqtt://teleinfo@127.0.0.1:" + std::to_string(broker.port())},
                      env};
  ASSERT_TRUE(bridge.wait_for_err("not authori")) << bridge.err();
  // A second attempt (after the 1 s backoff) is refused the same way, quietly.
  const std::size_t mark = broker.log_size();
  ASSERT_TRUE(broker.wait_for_log("not authorised", mark)) << broker.log();
  EXPECT_EQ(bridge.count_in_err("not authori"), 1u) << bridge.err();
  EXPECT_EQ(bridge.err().find("wrong-pass-word"), std::string::npos) << bridge.err();
  EXPECT_EQ(bridge.stop(SIGTERM), 0) << bridge.err();
}

// Two meters in one process, each on its own topic; the simulator's frames pass every check.
TEST(Live, TwoSimulatedMetersInOneProcess) {
  test::Broker broker;
  test::Subscriber watcher{broker.host(), broker.port(), "teleinfo/+"};
  ASSERT_TRUE(watcher.wait_connected());
  test::Daemon bridge{
      kBridge,
      {"--source", "sim:historic", "--source", "sim:standard", "--mqtt-url", broker.url()},
      environment()};
  std::map<std::string, tic::Frame> frames;  // by topic
  ASSERT_TRUE(watcher.wait_for([&](const Messages& messages) {
    for (const test::Message& message : messages) {
      if (message.topic == "teleinfo/status") continue;
      tic::Frame frame;
      if (tic::read_frame_json(message.payload, frame).empty()) frames[message.topic] = frame;
    }
    return frames.size() == 2;
  })) << bridge.err();
  std::vector<std::string> address_labels;
  for (const auto& [topic, frame] : frames) {
    EXPECT_EQ(topic, "teleinfo/" + std::string{frame.address()});
    address_labels.emplace_back(frame[*frame.address_index()].label);
  }
  std::sort(address_labels.begin(), address_labels.end());
  EXPECT_EQ(address_labels, (std::vector<std::string>{"ADCO", "ADSC"}));
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  EXPECT_EQ(bridge.count_in_err(" 0 bad checksum, 0 bad format, 0 too long"), 2u) << bridge.err();
}

// ser2net and the like: a raw TCP stream, reconnected when the server drops it.
TEST(Live, TcpSourceReconnects) {
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(server, 4), 0);
  ASSERT_EQ(::getsockname(server, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));

  test::Broker broker;
  test::Subscriber watcher{broker.host(), broker.port(), "teleinfo/" + kStandardMeter};
  ASSERT_TRUE(watcher.wait_connected());
  test::Daemon bridge{
      kBridge, {"--source", "tcp://127.0.0.1:" + port, "--mqtt-url", broker.url()}, environment()};
  const std::string capture = test::read_capture(kStandardCapture);
  const std::vector<std::string> expected = expected_payloads(kStandardCapture);
  for (std::size_t round = 1; round <= 2; ++round) {
    const int client = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(client, 0);
    for (std::size_t at = 0; at < capture.size();) {
      const ssize_t sent = ::send(client, capture.data() + at, capture.size() - at, MSG_NOSIGNAL);
      ASSERT_GT(sent, 0);
      at += static_cast<std::size_t>(sent);
    }
    ASSERT_TRUE(watcher.wait_for_topic("teleinfo/" + kStandardMeter, round * expected.size()))
        << bridge.err();
    ::close(client);  // the server drops the connection: the bridge connects again
  }
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  ::close(server);
}

// systemd's notify protocol: READY once started (before any meter or broker answers), STATUS,
// WATCHDOG from the loop, STOPPING on SIGTERM.
TEST(Live, SystemdNotify) {
  const test::TemporaryDirectory directory{"teleinfo-live-notify"};
  const int socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = directory.file("notify");
  path.copy(address.sun_path, sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);

  auto env = environment();
  env["NOTIFY_SOCKET"] = path;
  env["WATCHDOG_USEC"] = "200000";
  // No broker on this port: READY must not wait for one.
  test::Daemon bridge{
      kBridge, {"--source", "sim:historic", "--mqtt-url", "mqtt://127.0.0.1:9"}, env};
  auto next = [&] {
    pollfd fd{socket, POLLIN, 0};
    if (::poll(&fd, 1, 20'000) != 1) return std::string{"(nothing)"};
    char buffer[4096];
    const ssize_t size = ::recv(socket, buffer, sizeof buffer, 0);
    return std::string{buffer, static_cast<std::size_t>(std::max<ssize_t>(size, 0))};
  };
  EXPECT_EQ(next(), "READY=1");
  const std::string status = next();
  EXPECT_TRUE(status.starts_with("STATUS=MQTT")) << status;
  std::string message;
  do {
    message = next();
  } while (message.starts_with("STATUS="));
  EXPECT_EQ(message, "WATCHDOG=1");
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  do {
    message = next();
  } while (message == "WATCHDOG=1" || message.starts_with("STATUS="));
  EXPECT_EQ(message, "STOPPING=1");
  ::close(socket);
}

// Home Assistant discovery: the device document is retained, and sent again when Home Assistant
// says it is back (its birth message on homeassistant/status).
TEST(Live, DiscoveryDocumentsComeBackWhenHomeAssistantDoes) {
  test::Broker broker;
  test::Subscriber watcher{broker.host(), broker.port(), "homeassistant/#"};
  ASSERT_TRUE(watcher.wait_connected());
  test::Daemon bridge{
      kBridge, {"--source", "sim:historic", "--mqtt-url", broker.url()}, environment()};
  std::string topic;
  ASSERT_TRUE(watcher.wait_for([&](const Messages& messages) {
    for (const test::Message& message : messages) {
      if (message.topic.ends_with("/config")) topic = message.topic;
    }
    return !topic.empty();
  })) << bridge.err();
  EXPECT_TRUE(topic.starts_with("homeassistant/device/teleinfo_")) << topic;
  const test::Message first = *watcher.last(topic);
  EXPECT_TRUE(first.retain);
  EXPECT_EQ(first.qos, 1);
  EXPECT_NE(first.payload.find("\"hchc\":{\"p\":\"sensor\""), std::string::npos);

  const test::ProcessResult birth = test::run_process(
      "/usr/bin/mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t",
                                 "homeassistant/status", "-m", "online"});
  ASSERT_EQ(birth.exit_status, 0) << birth.err;
  ASSERT_TRUE(watcher.wait_for_topic(topic, 2)) << bridge.err();
  EXPECT_EQ(watcher.last(topic)->payload, first.payload);

  // Retained: a subscriber that comes later gets it at once.
  test::Subscriber late{broker.host(), broker.port(), topic};
  ASSERT_TRUE(late.wait_for_topic(topic, 1));
  EXPECT_EQ(late.last(topic)->payload, first.payload);
  EXPECT_EQ(bridge.stop(SIGTERM), 0) << bridge.err();
}

// The Energy dashboard's guard against a real broker: a replayed capture with an 18 MWh spike in
// one frame and a new level (+50 MWh) from frame 80 on. Home Assistant's EAST never sees the spike
// and never goes down; the new level gets through after three frames.
TEST(Live, TheGuardHoldsBackASpikeAndTakesANewLevel) {
  const std::vector<tic::Frame> frames = test::decode(test::read_capture(kStandardCapture)).frames;
  auto east_text = [](std::uint64_t value) {
    std::string text = std::to_string(value);
    return text.insert(0, 9 - text.size(), '0');
  };
  const std::uint64_t spike = *test::number_of(frames[49], "EAST") + 18'000'000;
  std::string capture = test::replace_group(test::read_capture(kStandardCapture), 49, "EAST",
                                            east_text(spike), tic::Mode::Standard);
  for (std::size_t i = 79; i < 100; ++i) {
    capture = test::replace_group(capture, i, "EAST",
                                  east_text(*test::number_of(frames[i], "EAST") + 50'000'000),
                                  tic::Mode::Standard);
  }
  const test::TemporaryDirectory directory{"teleinfo-live-guard"};
  std::ofstream{directory.file("capture.txt"), std::ios::binary} << capture;

  test::Broker broker;
  test::Subscriber watcher{broker.host(), broker.port(), "teleinfo/" + kStandardMeter + "/#"};
  test::Subscriber stream{broker.host(), broker.port(), "teleinfo/" + kStandardMeter};
  ASSERT_TRUE(watcher.wait_connected());
  ASSERT_TRUE(stream.wait_connected());
  test::Daemon bridge{
      kBridge,
      {"--source", "file:" + directory.file("capture.txt"), "--mqtt-url", broker.url()},
      environment()};
  EXPECT_EQ(bridge.wait(), 0) << bridge.err();  // ends once everything is acknowledged
  ASSERT_TRUE(stream.wait_for_topic("teleinfo/" + kStandardMeter, 100)) << bridge.err();

  std::vector<std::uint64_t> east;
  for (const test::Message& message :
       on(watcher.messages(), "teleinfo/" + kStandardMeter + "/EAST")) {
    east.push_back(std::stoull(message.payload));
  }
  ASSERT_FALSE(east.empty());
  EXPECT_TRUE(std::is_sorted(east.begin(), east.end()));
  EXPECT_EQ(std::count(east.begin(), east.end(), spike), 0);
  EXPECT_EQ(east.back(), *test::number_of(frames[99], "EAST") + 50'000'000);
  const Messages published = on(stream.messages(), "teleinfo/" + kStandardMeter);
  for (std::size_t i = 0; i < published.size(); ++i) {
    const bool held = i == 49 || i == 79 || i == 80;
    EXPECT_EQ(published[i].payload.find("\"EAST\"") == std::string::npos, held) << i;
  }
  EXPECT_NE(bridge.err().find("3 index values held back"), std::string::npos) << bridge.err();
}

}  // namespace
