#include "sink/archive_filter.h"

#include <array>

namespace sink {
namespace {

// Labels whose change is archived at once: the tariff period of each mode, and the status
// register.
constexpr std::array<std::string_view, 4> kWatchedLabels = {"PTEC", "NTARF", "LTARF", "STGE"};

// The value as the frame JSON shows it: the number's digits, or the text.
std::string value_of(const tic::Field& field) {
  return field.number ? std::to_string(*field.number) : std::string{field.text};
}

}  // namespace

ArchiveFilter::ArchiveFilter(std::chrono::milliseconds interval) : interval_(interval) {}

bool ArchiveFilter::keep(const tic::Frame& frame) {
  if (interval_.count() <= 0) return true;
  if (frame.kind() == tic::FrameKind::Short) return false;

  const std::string_view address = frame.address();
  auto found = meters_.find(address);
  bool keep = found == meters_.end();
  if (!keep) {
    const Meter& meter = found->second;
    keep = frame.time() < meter.last_kept || frame.time() - meter.last_kept >= interval_;
    for (std::size_t i = 0; i < kWatchedLabels.size() && !keep; ++i) {
      const std::optional<tic::Field> field = frame.find(kWatchedLabels[i]);
      if (!field) continue;
      const auto last = meter.watched.find(kWatchedLabels[i]);
      keep = last != meter.watched.end() && last->second != value_of(*field);
    }
  }
  if (!keep) return false;

  if (found == meters_.end()) found = meters_.emplace(std::string{address}, Meter{}).first;
  Meter& meter = found->second;
  meter.last_kept = frame.time();
  for (std::string_view label : kWatchedLabels) {
    const std::optional<tic::Field> field = frame.find(label);
    if (field) meter.watched.insert_or_assign(std::string{label}, value_of(*field));
  }
  return true;
}

}  // namespace sink
