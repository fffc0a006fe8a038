#include "bridge/meter.h"

#include <cinttypes>

#include "bridge/topics.h"
#include "common/log.h"
#include "tic/frame_json.h"

namespace bridge {

Meter::Meter(std::string name, tic::DecoderOptions options, std::string base_topic,
             Publisher& publisher)
    : name_(std::move(name)),
      base_topic_(std::move(base_topic)),
      publisher_(publisher),
      decoder_(std::move(options), [this](const tic::Frame& frame) { on_frame(frame); }) {
  decoder_.on_rejection([this](tic::Rejection rejection, std::string_view group) {
    LOG_DEBUG("%s: group dropped (%s): %.*s", name_.c_str(),
              std::string{tic::to_string(rejection)}.c_str(), static_cast<int>(group.size()),
              group.data());
  });
}

void Meter::on_frame(const tic::Frame& frame) {
  // Short frames come 20 to 1 during an overload and carry no index: the frame stream, which
  // archives store, keeps to whole frames.
  if (frame.kind() == tic::FrameKind::Short) {
    ++counters_.short_frames;
    return;
  }
  const std::string_view meter = frame.address();
  if (!usable_in_topic(meter)) {
    if (counters_.without_address++ == 0) {
      LOG_WARNING(
          "%s: a frame without a valid meter address (ADCO/ADSC) is not published; "
          "more are counted",
          name_.c_str());
    }
    return;
  }
  json_.clear();
  tic::write_frame_json(frame, json_);
  publisher_.publish(frame_topic(base_topic_, meter), json_, 1, false);
  ++counters_.published;
}

std::string Meter::summary() const {
  const tic::DecoderStats& s = decoder_.stats();
  char line[512];
  std::snprintf(
      line, sizeof line,
      "%s: %" PRIu64 " frames published (%" PRIu64 " without address, %" PRIu64 " short); %" PRIu64
      " groups valid, dropped: %" PRIu64 " bad checksum, %" PRIu64 " bad format, %" PRIu64
      " too long; %" PRIu64 " frames interrupted, %" PRIu64 " bytes skipped",
      name_.c_str(), counters_.published, counters_.without_address, counters_.short_frames,
      s.groups, s.bad_checksum, s.bad_format, s.too_long, s.interrupted, s.skipped_bytes);
  std::string text = line;
  if (s.unchecked > 0) text += "; " + std::to_string(s.unchecked) + " kept unchecked";
  return text;
}

}  // namespace bridge
