// teleinfo-bridge: meters to MQTT (DESIGN.md). This version replays captures (file: and -) and
// prints what it would publish (--dry-run); the live sources and the broker come next.
#include <cstdio>
#include <deque>
#include <variant>

#include "bridge/dry_run.h"
#include "bridge/file_source.h"
#include "bridge/meter.h"
#include "bridge/options.h"
#include "common/log.h"
#include "common/options.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

int run(const bridge::BridgeOptions& options) {
  for (const bridge::SourceSpec& source : options.sources) {
    if (source.kind != bridge::SourceSpec::Kind::File &&
        source.kind != bridge::SourceSpec::Kind::Stdin) {
      LOG_ERROR("--source %s: only capture replays (file:PATH, -) are available in this version",
                source.text.c_str());
      return kExitUsage;
    }
  }
  if (!options.dry_run) {
    LOG_ERROR("MQTT publishing is not available in this version: use --dry-run");
    return kExitUsage;
  }

  // Publications go to standard output in large writes; the whole output is flushed at the end.
  static char output_buffer[1 << 16];
  std::setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);
  bridge::DryRunPublisher publisher{stdout};

  tic::DecoderOptions decoder_options;
  decoder_options.mode = options.mode;
  decoder_options.unchecked_labels = options.no_checksum;

  int status = kExitOk;
  std::deque<bridge::Meter> meters;
  for (const bridge::SourceSpec& source : options.sources) {
    bridge::Meter& meter =
        meters.emplace_back(source.text, decoder_options, options.mqtt_base, publisher);
    const std::string error = bridge::replay_file(source, meter);
    std::fflush(stdout);
    if (!error.empty()) {
      LOG_ERROR("cannot read %s: %s", source.text.c_str(), error.c_str());
      status = kExitRuntime;
      continue;
    }
    LOG_INFO("%s", meter.summary().c_str());
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_program("teleinfo-bridge");
  try {
    const auto parsed = bridge::parse_options(argc, argv, common::process_environment());
    if (const auto* exit_now = std::get_if<bridge::ExitNow>(&parsed)) {
      std::fputs(exit_now->text.c_str(), stdout);
      return kExitOk;
    }
    const auto& options = std::get<bridge::BridgeOptions>(parsed);
    common::log::set_level(options.log_level);
    return run(options);
  } catch (const common::OptionError& error) {
    LOG_ERROR("%s", error.what());
    return kExitUsage;
  }
}
