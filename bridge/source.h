// Where a meter's bytes come from: the --source forms of DESIGN.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tic/labels.h"

namespace bridge {

struct SourceSpec {
  enum class Kind { Serial, Tcp, File, Stdin, Simulator };
  Kind kind;
  std::string text;  // as given, for messages: "file:capture.txt"
  std::string path;  // Serial, File
  std::string host;  // Tcp
  std::uint16_t port = 0;
  tic::Mode simulated_mode = tic::Mode::Standard;  // Simulator
};

// "/dev/ttyAMA0", "serial:/dev/ttyAMA0", "tcp://host:port", "file:PATH", "-", "sim:historic",
// "sim:standard". Throws common::OptionError naming the bad value.
SourceSpec parse_source(std::string_view text);

}  // namespace bridge
