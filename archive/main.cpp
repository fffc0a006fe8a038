// teleinfo-archive: the MQTT frame stream to MySQL/MariaDB and CSV (DESIGN.md, "Programs").
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "archive/frame_stream.h"
#include "archive/options.h"
#include "common/log.h"
#include "common/shared_library.h"
#include "common/systemd_notify.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

// On SIGTERM the sinks get this long to write what they hold; the rest goes to the spool.
constexpr auto kStopGrace = std::chrono::milliseconds{2000};

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);  // reopen the CSV file (logrotate)
  return set;
}

int run(const archive::ProgramOptions& options, const common::Environment& environment) {
  const sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the sinks' threads start
  ::signal(SIGPIPE, SIG_IGN);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  common::SystemdNotifier notifier{environment};

  std::unique_ptr<sink::Archive> archive = archive::make_archive(options.archive);
  archive::FrameStream stream{options, *archive};

  notifier.ready();
  std::string status;
  const auto watchdog = notifier.watchdog_interval();
  using Clock = archive::FrameStream::Clock;
  Clock::time_point next_watchdog = Clock::now();
  Clock::time_point next_status = Clock::now();
  for (;;) {
    Clock::time_point now = Clock::now();
    if (watchdog && now >= next_watchdog) {
      notifier.watchdog();
      next_watchdog = now + *watchdog;
    }
    if (now >= next_status) {
      if (std::string text = stream.state() + "; " + archive::status_line(*archive);
          text != status && notifier.enabled()) {
        status = std::move(text);
        notifier.status(status);
      }
      next_status = now + std::chrono::seconds{1};
    }
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {stream.fd(), stream.events(), 0}};
    Clock::time_point wake = std::min(next_status, stream.deadline());
    if (watchdog) wake = std::min(wake, next_watchdog);
    const auto wait =
        std::chrono::ceil<std::chrono::milliseconds>(std::max(wake - now, Clock::duration{0}));
    const int ready = ::poll(fds, stream.fd() >= 0 ? 2 : 1,
                             static_cast<int>(std::min<long long>(wait.count(), 60'000)));
    if (ready < 0 && errno != EINTR) LOG_ERROR("poll: %s", std::strerror(errno));
    now = Clock::now();
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP) {
          LOG_INFO("Hangup: reopening the archive's files");
          archive->reopen();
        } else {
          LOG_INFO("%s: stopping", strsignal(static_cast<int>(info.ssi_signo)));
          notifier.stopping();
          break;
        }
      }
    }
    if (fds[1].fd >= 0 && fds[1].revents != 0) stream.on_ready(fds[1].revents, now);
    if (stream.deadline() <= now) stream.on_timer(now);
  }

  // No more frames come in; what the sinks hold is written, or waits in their spools.
  stream.close();
  archive->stop(kStopGrace);
  const archive::StreamCounters& counters = stream.counters();
  LOG_INFO("%llu frames read from the stream, %llu messages that were not frames",
           static_cast<unsigned long long>(counters.frames),
           static_cast<unsigned long long>(counters.not_frames));
  archive::log_summary(*archive);
  ::close(signal_fd);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_program("teleinfo-archive");
  const common::Environment environment = common::process_environment();
  try {
    const auto parsed = archive::parse_program_options(argc, argv, environment);
    if (const auto* exit_now = std::get_if<bridge::ExitNow>(&parsed)) {
      std::fputs(exit_now->text.c_str(), stdout);
      return kExitOk;
    }
    const auto& options = std::get<archive::ProgramOptions>(parsed);
    common::log::set_level(options.log_level);
    return run(options, environment);
  } catch (const common::OptionError& error) {
    LOG_ERROR("%s", error.what());
    return kExitUsage;
  } catch (const common::LibraryError& error) {  // libmariadb or libcurl, for a writer
    LOG_ERROR("%s", error.what());
    return kExitRuntime;
  }
}
