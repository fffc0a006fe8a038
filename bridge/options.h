// teleinfo-bridge's options (DESIGN.md, "Programs" and "Sources").
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bridge/source.h"
#include "common/log.h"
#include "common/options.h"
#include "tic/labels.h"

namespace bridge {

struct BridgeOptions {
  std::vector<SourceSpec> sources;
  std::optional<tic::Mode> mode;  // nullopt: auto
  bool dry_run = false;
  std::string mqtt_base = "teleinfo";
  std::vector<std::string> no_checksum;
  common::log::Level log_level = common::log::Level::Info;
};

// What to print before exiting at once (--help, --version).
struct ExitNow {
  std::string text;
};

// Throws common::OptionError for a bad option or value.
std::variant<BridgeOptions, ExitNow> parse_options(int argc, const char* const* argv,
                                                   const common::Environment& environment);

}  // namespace bridge
