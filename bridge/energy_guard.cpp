#include "bridge/energy_guard.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"

namespace bridge {
namespace {

// Twice what the subscribed power can draw: a meter lets a contract be exceeded for a while
// before it cuts, and frames are not evenly spaced.
constexpr double kPowerMargin = 2.0;
// Indexes are whole Wh and frames come every second or two: a few Wh of rounding.
constexpr double kRoundingWh = 10.0;

bool bounded_by_power(const tic::LabelInfo& info) {
  return info.unit == tic::Unit::Wh || info.unit == tic::Unit::VArh;
}

}  // namespace

std::optional<double> EnergyGuard::subscribed_power(const tic::Frame& frame) {
  if (const auto pref = frame.find("PREF"); pref && pref->number) {
    return static_cast<double>(*pref->number) * 1000.0;
  }
  if (const auto isousc = frame.find("ISOUSC"); isousc && isousc->number) {
    const double phases = frame.contains("IINST3") ? 3.0 : 1.0;
    return static_cast<double>(*isousc->number) * 200.0 * phases;
  }
  return std::nullopt;
}

void EnergyGuard::check(const tic::Frame& frame, std::vector<std::string_view>& held_back) {
  held_back.clear();
  if (const auto power = subscribed_power(frame)) power_va_ = power;

  // The time since the previous frame: by the clock, but never less than the frame took on the
  // line, so that a capture replayed at full speed is judged at the meter's pace.
  const double line_seconds =
      static_cast<double>(frame.text_size()) / tic::bytes_per_second(frame.mode());
  double seconds = line_seconds;
  if (last_time_) {
    seconds = std::max(seconds, std::chrono::duration<double>(frame.time() - *last_time_).count());
  }
  last_time_ = frame.time();
  const double hours = seconds / 3600.0;

  for (const tic::Field field : frame) {
    if (field.info == nullptr || !field.info->is_index() || !field.number) continue;
    const std::uint64_t value = *field.number;
    const auto found = std::find_if(indexes_.begin(), indexes_.end(),
                                    [&](const Index& index) { return index.label == field.label; });
    if (found == indexes_.end()) {  // the first value of an index is taken as it is
      Index& added = indexes_.emplace_back();
      added.label = field.label;
      added.value = value;
      continue;
    }
    Index& entry = *found;
    entry.elapsed_hours += hours;
    const bool power_bound = bounded_by_power(*field.info) && power_va_.has_value();
    const auto allowed = [&](std::uint64_t from, double elapsed) {
      return !power_bound ||
             static_cast<double>(value - from) <= *power_va_ * elapsed * kPowerMargin + kRoundingWh;
    };
    if (value >= entry.value && allowed(entry.value, entry.elapsed_hours)) {
      entry.value = value;
      entry.elapsed_hours = 0;
      entry.candidate.reset();
      continue;
    }

    // Held back. A new level that the next frames confirm is taken (a meter replaced).
    if (entry.candidate && value >= *entry.candidate && allowed(*entry.candidate, hours)) {
      ++entry.candidate_frames;
    } else {
      entry.candidate_frames = 1;
    }
    entry.candidate = value;
    if (entry.candidate_frames >= kFramesToAcceptAJump) {
      LOG_WARNING("%.*s went from %llu to %llu and stayed there %u frames: accepted (a new meter?)",
                  static_cast<int>(field.label.size()), field.label.data(),
                  static_cast<unsigned long long>(entry.value),
                  static_cast<unsigned long long>(value), entry.candidate_frames);
      entry.value = value;
      entry.elapsed_hours = 0;
      entry.candidate.reset();
      ++jumps_accepted_;
      continue;
    }
    if (held_back_++ == 0) {
      LOG_WARNING("%.*s %llu held back: not plausible after %llu; more are counted",
                  static_cast<int>(field.label.size()), field.label.data(),
                  static_cast<unsigned long long>(value),
                  static_cast<unsigned long long>(entry.value));
    }
    held_back.push_back(field.label);
  }
}

}  // namespace bridge
