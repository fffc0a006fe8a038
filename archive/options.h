// teleinfo-archive's options (README, "teleinfo-archive"): the broker it reads the frame stream
// from, an optional shared subscription, and the archiving options of teleinfo-bridge.
#pragma once

#include <string>
#include <variant>

#include "archive/archive_options.h"
#include "bridge/mqtt_options.h"
#include "bridge/options.h"
#include "common/log.h"

namespace archive {

struct ProgramOptions {
  bridge::MqttOptions mqtt;
  std::string share;  // --mqtt-share GROUP; empty: a subscription of its own
  ArchiveOptions archive;
  common::log::Level log_level = common::log::Level::Info;
};

// Throws common::OptionError for a bad option or value.
std::variant<ProgramOptions, bridge::ExitNow> parse_program_options(
    int argc, const char* const* argv, const common::Environment& environment);

// The subscription: "<base>/+", or "$share/<group>/<base>/+".
std::string subscription(const ProgramOptions& options);

}  // namespace archive
