#include "support/process.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

namespace test {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string{what} + " failed");
}

// A program built with a sanitizer reports the way the test running it was told to: where the
// reports go and whether the first one ends it (tests/CMakeLists.txt).
constexpr const char* kSanitizerSettings[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS",
                                              "TSAN_OPTIONS"};

}  // namespace

Command::Command(const std::string& program, const std::vector<std::string>& arguments,
                 const std::map<std::string, std::string>& environment)
    : program_(program), arguments_(arguments) {
  for (const auto& [name, value] : environment)
    environment_.push_back(name + "=" + value);
  for (const char* name : kSanitizerSettings) {
    const char* value = std::getenv(name);
    if (value != nullptr && !environment.contains(name))
      environment_.push_back(std::string{name} + "=" + value);
  }
  // The pointers go into the strings above, which no longer move.
  argv_.push_back(program_.data());
  for (std::string& argument : arguments_)
    argv_.push_back(argument.data());
  argv_.push_back(nullptr);
  for (std::string& entry : environment_)
    envp_.push_back(entry.data());
  envp_.push_back(nullptr);
}

void Command::exec() const {
  ::execve(program_.c_str(), argv_.data(), envp_.data());
  ::_exit(127);
}

ProcessResult run_process(const std::string& program, const std::vector<std::string>& arguments,
                          const std::map<std::string, std::string>& environment,
                          const std::string& input) {
  int in[2], out[2], err[2];
  check(::pipe(in) == 0 && ::pipe(out) == 0 && ::pipe(err) == 0, "pipe");

  const Command command{program, arguments, environment};

  const pid_t pid = ::fork();
  check(pid >= 0, "fork");
  if (pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      ::close(fd);
    command.exec();
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);

  // Feed standard input and drain both outputs together, so that no pipe fills up and blocks.
  std::signal(SIGPIPE, SIG_IGN);
  ProcessResult result;
  std::size_t written = 0;
  if (input.empty()) {
    ::close(in[1]);
    in[1] = -1;
  }
  int open_outputs = 2;
  char buffer[65536];
  while (open_outputs > 0) {
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    if (::poll(fds, in[1] >= 0 ? 3 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("poll failed");
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      const ssize_t size = ::read(fds[i].fd, buffer, sizeof buffer);
      if (size > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(size));
      } else {
        ::close(i == 0 ? out[0] : err[0]);
        (i == 0 ? out[0] : err[0]) = -1;
        --open_outputs;
      }
    }
    if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t size = ::write(in[1], input.data() + written, input.size() - written);
      if (size > 0) written += static_cast<std::size_t>(size);
      if (size <= 0 || written == input.size()) {
        ::close(in[1]);
        in[1] = -1;
      }
    }
  }
  if (in[1] >= 0) ::close(in[1]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    result.push_back(
        text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return result;
}

}  // namespace test
