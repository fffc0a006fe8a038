// A program of ours left running in the background during a test (the bridge against a broker):
// its standard error is collected by a thread, so a test can wait for a log line, then stop it
// with a signal and read its exit status.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace test {

class Daemon {
 public:
  static constexpr std::chrono::seconds kFailsafe{20};

  // Starts `program` with `arguments` and exactly `environment`; standard input is /dev/null,
  // standard output is collected too. It is killed when the thread that started it ends.
  Daemon(const std::string& program, const std::vector<std::string>& arguments,
         const std::map<std::string, std::string>& environment);
  ~Daemon();  // SIGKILL if still running
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` and waits for the end: the exit status, -1 when killed by a signal or still
  // running after the failsafe.
  int stop(int signal, std::chrono::seconds failsafe = kFailsafe);
  // Waits for the program to end by itself.
  int wait(std::chrono::seconds failsafe = kFailsafe);

  std::string err() const;
  std::string out() const;
  // Waits until standard error holds `text`. False after the failsafe or if the program ended
  // without writing it.
  bool wait_for_err(std::string_view text, std::chrono::seconds failsafe = kFailsafe) const;
  // How many times standard error holds `text`.
  std::size_t count_in_err(std::string_view text) const;

 private:
  void collect(int out_fd, int err_fd);

  pid_t pid_ = -1;
  int exit_status_ = -1;
  bool exited_ = false;
  std::thread collector_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string out_;
  std::string err_;
  bool outputs_ended_ = false;
};

}  // namespace test
