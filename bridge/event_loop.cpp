#include "bridge/event_loop.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "archive/archive_options.h"
#include "bridge/file_source.h"
#include "bridge/serial_source.h"
#include "bridge/simulator_source.h"
#include "bridge/tcp_source.h"
#include "common/log.h"

namespace bridge {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);  // reopen the archive's files (logrotate)
  return set;
}

// `index` is the source's place on the command line: simulated meters get different addresses.
std::unique_ptr<Source> make_source(const SourceSpec& spec, std::size_t index,
                                    std::optional<tic::Mode> mode, double replay_speed,
                                    ByteSink& sink) {
  switch (spec.kind) {
    case SourceSpec::Kind::Serial:
      return std::make_unique<SerialSource>(SerialOptions{.path = spec.path, .mode = mode}, sink);
    case SourceSpec::Kind::Tcp:
      return std::make_unique<TcpSource>(spec.host, spec.port, sink);
    case SourceSpec::Kind::File:
    case SourceSpec::Kind::Stdin:
      return std::make_unique<FileSource>(spec, replay_speed, mode, sink);
    case SourceSpec::Kind::Simulator:
      return std::make_unique<SimulatorSource>(spec.simulated_mode, sink, index + 1);
  }
  return nullptr;
}

}  // namespace

void EventLoop::block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a peer gone is an error return, not a death
}

EventLoop::EventLoop(const BridgeOptions& options, Publisher& publisher, MqttPublisher* broker,
                     sink::Archive* archive, web::LiveState* live,
                     common::SystemdNotifier& notifier)
    : broker_(broker), archive_(archive), live_(live), notifier_(notifier) {
  const sigset_t set = stop_signals();
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  for (std::size_t i = 0; i < options.sources.size(); ++i) {
    const SourceSpec& spec = options.sources[i];
    tic::DecoderOptions decoder;
    decoder.mode = options.modes[i];
    decoder.unchecked_labels = options.no_checksum;
    MeterSettings settings{
        options.mqtt_base, options.policy, options.meter_timeout, {}, archive, live, i};
    if (live != nullptr) live->add_meter(spec.text);
    if (options.ha_discovery) {
      // Home Assistant marks an entity unavailable after expire_after without a message: values
      // come at least every --refresh seconds while the meter talks.
      const auto refresh = static_cast<unsigned>(options.policy.refresh.count());
      settings.discovery = DiscoverySettings{options.ha_prefix, options.mqtt_base, 3 * refresh,
                                             options.policy.qos, options.policy.labels};
    }
    Meter& meter = meters_.emplace_back(spec.text, decoder, std::move(settings), publisher);
    sources_.push_back(make_source(spec, i, options.modes[i], options.replay_speed, meter));
  }
}

EventLoop::~EventLoop() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

std::optional<std::string> EventLoop::failure(std::size_t i) const {
  const auto* file = dynamic_cast<const FileSource*>(sources_.at(i).get());
  if (file == nullptr || file->error().empty()) return std::nullopt;
  return file->state();
}

void EventLoop::meters_offline() {
  for (Meter& meter : meters_)
    meter.go_offline();
}

std::string EventLoop::status_text() const {
  std::string text;
  if (broker_ != nullptr) text = broker_->state();
  if (archive_ != nullptr && !archive_->empty()) {
    if (!text.empty()) text += "; ";
    text += archive::status_line(*archive_);
  }
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (!text.empty()) text += "; ";
    const Meter& meter = meters_[i];
    if (!meter.address().empty()) {
      text += "meter " + meter.address() + (meter.online() ? " online, " : " offline, ");
    }
    text += sources_[i]->state();
  }
  return text;
}

void EventLoop::refresh_live(Clock::time_point now) {
  if (live_ == nullptr) return;
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const Meter& meter = meters_[i];
    web::SourceMetrics metrics;
    metrics.source = meter.name();
    metrics.meter = meter.address();
    metrics.open = sources_[i]->is_open();
    metrics.online = meter.online();
    if (const std::optional<tic::Time> last = meter.last_frame_time()) {
      metrics.last_frame_seconds = std::chrono::duration<double>(last->time_since_epoch()).count();
    }
    metrics.decoder = meter.decoder_stats();
    metrics.frames_published = meter.counters().published;
    metrics.frames_thinned = meter.counters().thinned;
    metrics.frames_without_address = meter.counters().without_address;
    metrics.energy_values_held = meter.guard().held_back();
    live_->update(i, metrics, sources_[i]->state());
  }
  live_->heartbeat(now);
}

bool EventLoop::run() {
  refresh_live(Clock::now());
  notifier_.ready();
  std::string status = status_text();
  notifier_.status(status);
  const auto watchdog = notifier_.watchdog_interval();
  Clock::time_point next_watchdog = Clock::now();
  constexpr auto kStatusCheck = std::chrono::seconds{1};
  Clock::time_point next_status_check = Clock::now() + kStatusCheck;

  std::vector<pollfd> fds;
  std::vector<Source*> polled;
  for (;;) {
    Clock::time_point now = Clock::now();
    if (watchdog && now >= next_watchdog) {
      notifier_.watchdog();  // from the loop itself: a stuck loop stops the pings
      next_watchdog = now + *watchdog;
    }
    if (now >= next_status_check) {
      refresh_live(now);
      if (std::string text = notifier_.enabled() ? status_text() : std::string{}; text != status) {
        status = std::move(text);
        notifier_.status(status);
      }
      next_status_check = now + kStatusCheck;
    }

    if (std::all_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->ended(); })) {
      refresh_live(now);
      return false;
    }

    fds.clear();
    polled.clear();
    fds.push_back({signal_fd_, POLLIN, 0});
    Clock::time_point wake = next_status_check;
    if (watchdog) wake = std::min(wake, next_watchdog);
    for (const auto& source : sources_) {
      if (source->ended()) continue;
      if (source->fd() >= 0) {
        fds.push_back({source->fd(), source->events(), 0});
        polled.push_back(source.get());
      }
      wake = std::min(wake, source->deadline());
    }
    for (const Meter& meter : meters_) {
      if (const auto deadline = meter.silence_deadline()) wake = std::min(wake, *deadline);
    }
    const auto wait =
        std::chrono::ceil<std::chrono::milliseconds>(std::max(wake - now, Clock::duration{0}));
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(wait.count(), 60'000)));
    if (ready < 0 && errno != EINTR) {
      LOG_ERROR("poll: %s", std::strerror(errno));
      continue;
    }
    now = Clock::now();
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd_, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP) {
          LOG_INFO("Hangup: reopening the archive's files");
          if (archive_ != nullptr) archive_->reopen();
        } else {
          LOG_INFO("%s: stopping", strsignal(static_cast<int>(info.ssi_signo)));
          refresh_live(now);
          notifier_.stopping();
          return true;
        }
      }
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (fds[i + 1].revents != 0) polled[i]->on_ready(fds[i + 1].revents, now);
    }
    for (const auto& source : sources_) {
      if (!source->ended() && source->deadline() <= now) source->on_timer(now);
    }
    for (Meter& meter : meters_)
      meter.check_silence(now);
  }
}

}  // namespace bridge
