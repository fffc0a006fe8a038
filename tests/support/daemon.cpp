#include "support/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

#include "support/process.h"

namespace test {

Daemon::Daemon(const std::string& program, const std::vector<std::string>& arguments,
               const std::map<std::string, std::string>& environment) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const Command command{program, arguments, environment};

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // The program ends with the test, even a killed one (when the thread that started it ends).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    // The test runner may block signals in its threads: the program starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    command.exec();
  }
  ::close(out[1]);
  ::close(err[1]);
  collector_ = std::thread{[this, o = out[0], e = err[0]] { collect(o, e); }};
}

Daemon::~Daemon() {
  if (!exited_) stop(SIGKILL);
  if (collector_.joinable()) collector_.join();
}

void Daemon::collect(int out_fd, int err_fd) {
  int fds_open = 2;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  char buffer[16384];
  while (fds_open > 0) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (pollfd& fd : fds) {
      if (fd.fd < 0 || (fd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t size = ::read(fd.fd, buffer, sizeof buffer);
      if (size > 0) {
        const std::lock_guard lock{mutex_};
        (fd.fd == out_fd ? out_ : err_).append(buffer, static_cast<std::size_t>(size));
      } else {
        ::close(fd.fd);
        fd.fd = -1;
        --fds_open;
      }
    }
    changed_.notify_all();
  }
  const std::lock_guard lock{mutex_};
  outputs_ended_ = true;
  changed_.notify_all();
}

int Daemon::stop(int signal, std::chrono::seconds failsafe) {
  if (!exited_) ::kill(pid_, signal);
  return wait(failsafe);
}

int Daemon::wait(std::chrono::seconds failsafe) {
  if (exited_) return exit_status_;
  // Standard error closes when the program ends (the bridge starts no child).
  {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, failsafe, [&] { return outputs_ended_; });
    if (!outputs_ended_) return -1;
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return exit_status_;
}

std::string Daemon::err() const {
  const std::lock_guard lock{mutex_};
  return err_;
}

std::string Daemon::out() const {
  const std::lock_guard lock{mutex_};
  return out_;
}

bool Daemon::wait_for_err(std::string_view text, std::chrono::seconds failsafe) const {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, failsafe, [&] {
    return err_.find(text) != std::string::npos || outputs_ended_;
  }) && err_.find(text) != std::string::npos;
}

std::size_t Daemon::count_in_err(std::string_view text) const {
  const std::lock_guard lock{mutex_};
  std::size_t count = 0;
  for (std::size_t at = err_.find(text); at != std::string::npos; at = err_.find(text, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace test
