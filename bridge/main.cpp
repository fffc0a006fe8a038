// teleinfo-bridge: meters to MQTT (DESIGN.md).
#include <cstdio>
#include <memory>
#include <variant>

#include "archive/archive_options.h"
#include "bridge/dry_run.h"
#include "bridge/event_loop.h"
#include "bridge/mqtt_publisher.h"
#include "bridge/options.h"
#include "bridge/topics.h"
#include "common/log.h"
#include "common/options.h"
#include "common/shared_library.h"
#include "common/systemd_notify.h"
#include "jeedom/payloads.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

// SIGTERM: everything sent and `offline` published within a second (systemd waits 90 s, but a
// quick stop is what users see).
constexpr auto kStopGrace = std::chrono::milliseconds{700};
// End of the captures: wait for the broker as long as it keeps acknowledging.
constexpr auto kDeliveryPatience = std::chrono::seconds{5};
constexpr auto kArchivePatience = std::chrono::seconds{60};

int run(const bridge::BridgeOptions& options, const common::Environment& environment) {
  bridge::EventLoop::block_stop_signals();  // before any thread starts
  common::SystemdNotifier notifier{environment};

  const bridge::FrameRenderer render =
      options.jeedom ? jeedom::write_frame_json_with_status : tic::write_frame_json;
  std::unique_ptr<bridge::Publisher> publisher;
  bridge::MqttPublisher* broker = nullptr;
  static char output_buffer[1 << 16];
  if (!options.mqtt_enabled && !options.dry_run) {
    publisher = std::make_unique<bridge::NullPublisher>();
  } else if (options.dry_run) {
    // Publications go to standard output in large writes, flushed at the end.
    std::setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);
    publisher = std::make_unique<bridge::DryRunPublisher>(stdout, render);
  } else {
    bridge::MqttPublisherSettings settings;
    settings.mqtt = options.mqtt;
    settings.status_topic = bridge::bridge_status_topic(options.mqtt_base);
    settings.backlog = options.mqtt_backlog;
    settings.status_qos = options.policy.qos;
    settings.render = render;
    if (options.ha_discovery) {
      settings.birth_topic = options.ha_prefix + "/status";
      settings.birth_prefix = options.ha_prefix + "/device/teleinfo_";
    }
    auto mqtt = std::make_unique<bridge::MqttPublisher>(std::move(settings));
    broker = mqtt.get();
    publisher = std::move(mqtt);
    broker->start();
  }

  // In-process sinks (MySQL, CSV): a single Pi with no broker, or both at once.
  std::unique_ptr<sink::Archive> archive;
  if (options.archive.sinks() > 0) archive = archive::make_archive(options.archive);

  // The web page: its state is fed by the loop, its server runs threads of its own.
  std::unique_ptr<web::LiveState> live;
  std::unique_ptr<web::HttpServer> server;
  if (options.http) {
    live = std::make_unique<web::LiveState>(options.http_points);
    web::ServerSources sources;
    sources.version = TELEINFO_VERSION;
    if (broker != nullptr) {
      sources.mqtt = [broker] {
        const bridge::MqttPublisherStats stats = broker->stats();
        return std::optional<web::MqttMetrics>{web::MqttMetrics{
            .connected = broker->connected(),
            .backlog_frames = stats.frames_waiting,
            .frames_delivered = stats.frames_delivered,
            .frames_dropped = stats.frames_dropped,
            .connections = stats.connections,
            .failed_connections = stats.failed_attempts,
        }};
      };
    }
    sources.archive = archive.get();
    sources.mysql = options.archive.mysql;
    server = std::make_unique<web::HttpServer>(*options.http, *live, std::move(sources));
  }

  bridge::EventLoop loop{options, *publisher, broker, archive.get(), live.get(), notifier};
  if (server) {
    std::string error;
    if (!server->start(error)) {
      LOG_ERROR("%s", error.c_str());
      if (archive) archive->stop(kStopGrace);
      if (broker != nullptr) broker->stop(kStopGrace);
      return kExitRuntime;
    }
    if (!web::is_loopback(*options.http)) {
      LOG_WARNING(
          "--http %s: the web page and its API are open to the network, without a "
          "password",
          options.http->text().c_str());
    }
    LOG_INFO("web page on http://%s/", options.http->text().c_str());
  }
  const bool signalled = loop.run();
  if (server) server->stop();
  loop.meters_offline();
  if (archive) {
    // At the end of a capture every frame is written; on a signal what is left goes to the spool.
    archive->stop(signalled ? kStopGrace : kArchivePatience);
    archive::log_summary(*archive);
  }
  if (broker != nullptr) {
    if (!signalled && !broker->wait_delivered(kDeliveryPatience)) {
      LOG_WARNING("MQTT: %zu frames not delivered: the broker stopped acknowledging",
                  broker->stats().frames_waiting);
    }
    broker->stop(kStopGrace);
    // A stop does not wait for a broker that is away: what the backlog held is lost, and said so.
    if (const std::size_t left = broker->stats().frames_unacknowledged; signalled && left > 0) {
      LOG_WARNING("MQTT: %zu frames not delivered before the stop", left);
    }
  }
  std::fflush(stdout);

  int status = kExitOk;
  for (std::size_t i = 0; i < loop.meters().size(); ++i) {
    if (const std::optional<std::string> failure = loop.failure(i)) {
      LOG_ERROR("%s", failure->c_str());
      status = kExitRuntime;
    } else {
      LOG_INFO("%s", loop.meters()[i].summary().c_str());
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_program("teleinfo-bridge");
  const common::Environment environment = common::process_environment();
  try {
    const auto parsed = bridge::parse_options(argc, argv, environment);
    if (const auto* exit_now = std::get_if<bridge::ExitNow>(&parsed)) {
      std::fputs(exit_now->text.c_str(), stdout);
      return kExitOk;
    }
    const auto& options = std::get<bridge::BridgeOptions>(parsed);
    common::log::set_level(options.log_level);
    return run(options, environment);
  } catch (const common::OptionError& error) {
    LOG_ERROR("%s", error.what());
    return kExitUsage;
  } catch (const bridge::MqttError& error) {
    LOG_ERROR("%s", error.what());
    return kExitUsage;
  } catch (const common::LibraryError& error) {  // libmariadb or libcurl, for a writer
    LOG_ERROR("%s", error.what());
    return kExitRuntime;
  }
}
