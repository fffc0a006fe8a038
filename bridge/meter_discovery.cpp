#include "bridge/meter_discovery.h"

#include <algorithm>
#include <array>

#include "common/log.h"
#include "discovery/document.h"

namespace bridge {
namespace {

// Labels a meter sends only at times: their absence says nothing.
bool intermittent(std::string_view label) {
  static constexpr std::array<std::string_view, 12> kLabels = {"ADPS", "ADIR1", "ADIR2",   "ADIR3",
                                                               "DPM1", "DPM2",  "DPM3",    "FPM1",
                                                               "FPM2", "FPM3",  "PPOINTE", "MSG2"};
  return std::find(kLabels.begin(), kLabels.end(), label) != kLabels.end();
}

}  // namespace

void MeterDiscovery::reset() {
  seen_.clear();
  frames_ = 0;
  tic_version_.clear();
}

void MeterDiscovery::on_frame(std::string_view meter, const tic::Frame& frame,
                              Publisher& publisher) {
  ++frames_;
  bool changed = seen_.empty();
  const std::vector<std::string>& wanted = settings_.labels;
  // A meter sends its labels in the same order every frame: each is looked for first where the
  // one before it was found.
  std::size_t next = 0;
  for (const tic::Field field : frame) {
    if (field.label == "VTIC") tic_version_ = field.text;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), field.label) == wanted.end()) {
      continue;
    }
    auto found = seen_.begin() + static_cast<std::ptrdiff_t>(next);
    if (next >= seen_.size() || found->label != field.label) {
      found = std::find_if(seen_.begin(), seen_.end(),
                           [&](const Seen& seen) { return seen.label == field.label; });
    }
    if (found != seen_.end()) {
      found->last_frame = frames_;
      next = static_cast<std::size_t>(found - seen_.begin()) + 1;
    } else {
      seen_.push_back({std::string{field.label}, frames_});
      changed = true;
    }
  }
  std::vector<std::string> removed;
  for (auto seen = seen_.begin(); seen != seen_.end();) {
    if (frames_ - seen->last_frame >= kFramesToVanish && !intermittent(seen->label)) {
      LOG_INFO("meter %.*s: %s not seen for %llu frames: its Home Assistant entity is removed",
               static_cast<int>(meter.size()), meter.data(), seen->label.c_str(),
               static_cast<unsigned long long>(kFramesToVanish));
      removed.push_back(std::move(seen->label));
      seen = seen_.erase(seen);
    } else {
      ++seen;
    }
  }
  if (changed || !removed.empty()) publish(meter, frame, publisher, removed);
}

void MeterDiscovery::publish(std::string_view meter, const tic::Frame& frame, Publisher& publisher,
                             const std::vector<std::string>& removed) {
  discovery::DeviceInput input;
  input.meter_id = meter;
  input.mode = frame.mode();
  for (const Seen& seen : seen_)
    input.labels.push_back(seen.label);
  input.tic_version = tic_version_;
  input.base_topic = settings_.base_topic;
  input.software_version = TELEINFO_VERSION;
  input.support_url = "https://github.com/teleinfo/teleinfo";
  input.expire_after = settings_.expire_after;
  input.qos = settings_.qos;
  input.removed_labels = removed;
  input.counters = true;
  publisher.publish(discovery::config_topic(settings_.prefix, meter),
                    discovery::device_document(input), settings_.qos, true);
  ++documents_;
}

}  // namespace bridge
