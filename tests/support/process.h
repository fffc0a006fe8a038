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

// Runs `program` with `arguments` and exactly `environment` (nothing inherited), feeding
// `input` to its standard input. Waits for it to end.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& arguments,
                          const std::map<std::string, std::string>& environment = {},
                          const std::string& input = {});

// The lines of a text, without their '\n'.
std::vector<std::string> lines(const std::string& text);

}  // namespace test
