// Running a program of ours in a test: arguments, environment and standard input in; exit
// status, standard output and standard error out.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace test {

struct ProcessResult {
  int exit_status = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// A program, its arguments and exactly `environment`, ready for execve() in a child; only the
// sanitizers' settings of the test itself (ASAN_OPTIONS, TSAN_OPTIONS...) are passed on too.
class Command {
 public:
  Command(const std::string& program, const std::vector<std::string>& arguments,
          const std::map<std::string, std::string>& environment);
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;
  // In the forked child: execve(), or _exit(127) if that fails.
  [[noreturn]] void exec() const;

 private:
  std::string program_;
  std::vector<std::string> arguments_;
  std::vector<std::string> environment_;  // "NAME=value"
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

// Runs `program` with `arguments` and exactly `environment` (nothing inherited but the
// sanitizers' settings), feeding `input` to its standard input. Waits for it to end.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& arguments,
                          const std::map<std::string, std::string>& environment = {},
                          const std::string& input = {});

// The lines of a text, without their '\n'.
std::vector<std::string> lines(const std::string& text);

}  // namespace test
