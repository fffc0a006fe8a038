#include "web/live_state.h"

#include <algorithm>
#include <array>

#include "tic/horodate.h"

namespace web {

namespace {

using std::chrono::hours;

// French legal time: UTC+1, UTC+2 in summer (the rule of tic::is_french_summer_time).
hours french_offset(tic::Seconds utc) {
  return hours{tic::is_french_summer_time(utc) ? 2 : 1};
}

constexpr std::array<std::string_view, 11> kHistoricConsumptionIndexes = {
    "BASE",    "HCHC",    "HCHP",    "EJPHN",   "EJPHPM", "BBRHCJB",
    "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR"};

}  // namespace

void PointRing::add(Point point) {
  if (capacity_ == 0) return;
  if (points_.size() == capacity_) points_.pop_front();
  points_.push_back(point);
}

std::chrono::sys_days french_day(tic::Time time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  return std::chrono::floor<std::chrono::days>(seconds + french_offset(seconds));
}

tic::Time french_midnight(std::chrono::sys_days day) {
  // Summer time starts and ends at 01:00 UTC, never near midnight: the offset an hour before
  // midnight (UTC+1 read) is the offset at midnight.
  const tic::Seconds as_if_utc{day};
  return as_if_utc - french_offset(as_if_utc - hours{2});
}

bool is_consumption_index(tic::Mode mode, std::string_view label) {
  if (mode == tic::Mode::Standard) return label == "EAST";
  return std::find(kHistoricConsumptionIndexes.begin(), kHistoricConsumptionIndexes.end(), label) !=
         kHistoricConsumptionIndexes.end();
}

void LiveState::add_meter(std::string source) {
  const std::lock_guard lock{mutex_};
  MeterState& meter = meters_.emplace_back();
  meter.metrics.source = source;
  meter.source = std::move(source);
}

void LiveState::on_frame(std::size_t index, const tic::Frame& frame,
                         std::span<const std::string_view> held_back) {
  const auto is_held = [&](std::string_view label) {
    return std::find(held_back.begin(), held_back.end(), label) != held_back.end();
  };
  const std::int64_t time_ms = frame.time().time_since_epoch().count();

  const std::lock_guard lock{mutex_};
  MeterState& meter = meters_.at(index);
  if (meter.address != frame.address()) {
    // Another meter on the line: nothing of the previous one applies.
    meter.history.clear();
    meter.indexes.clear();
    meter.energy = {};
    meter.day.reset();
    meter.day_start_index.reset();
    meter.address = frame.address();
    meter.frames = 0;
  }
  ++meter.frames;
  meter.metrics.online = true;  // the loop says when it goes offline
  if (!meter.frame) meter.frame.emplace();
  tic::Frame& latest = *meter.frame;
  latest.clear();
  latest.set_mode(frame.mode());
  latest.set_kind(frame.kind());
  latest.set_time(frame.time());
  for (const tic::Field field : frame) {
    if (is_held(field.label)) continue;
    latest.append(field);
    if (!field.number) continue;
    auto ring = meter.history.find(field.label);
    if (ring == meter.history.end()) {
      ring = meter.history.emplace(std::string{field.label}, PointRing{points_}).first;
    }
    ring->second.add({time_ms, *field.number});
  }
  add_energy(meter, latest, held_back);
}

void LiveState::add_energy(MeterState& meter, const tic::Frame& frame,
                           std::span<const std::string_view> /*held_back: already left out*/) {
  bool any = false;
  for (const tic::Field field : frame) {
    if (!field.number || !is_consumption_index(frame.mode(), field.label)) continue;
    any = true;
    const auto [known, added] = meter.indexes.try_emplace(std::string{field.label}, *field.number);
    known->second = *field.number;
    // An index first seen now (its group failed its checks so far) counts from now on.
    if (added && meter.day_start_index) *meter.day_start_index += *field.number;
  }
  if (!any) return;
  std::uint64_t total = 0;
  for (const auto& [label, value] : meter.indexes)
    total += value;

  DailyEnergy& energy = meter.energy;
  const std::chrono::sys_days day = french_day(frame.time());
  if (!meter.day || day != *meter.day) {
    // A new day. Yesterday is known when the bridge saw the day before begin too, and the day
    // just ended is yesterday only when no day passed unseen.
    const bool saw_previous_day = meter.day && *meter.day + std::chrono::days{1} == day;
    energy.yesterday_wh.reset();
    if (saw_previous_day && energy.today_complete && meter.day_start_index &&
        total >= *meter.day_start_index) {
      energy.yesterday_wh = total - *meter.day_start_index;
    }
    energy.today_complete = saw_previous_day;
    energy.today_since = saw_previous_day ? french_midnight(day) : frame.time();
    meter.day = day;
    meter.day_start_index = total;
  }
  energy.index_wh = total;
  energy.today_wh = total >= *meter.day_start_index
                        ? std::optional<std::uint64_t>{total - *meter.day_start_index}
                        : std::nullopt;
}

void LiveState::update(std::size_t index, const SourceMetrics& metrics, std::string source_state) {
  const std::lock_guard lock{mutex_};
  MeterState& meter = meters_.at(index);
  meter.metrics = metrics;
  meter.source_state = std::move(source_state);
}

void LiveState::heartbeat(std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock{mutex_};
  heartbeat_ = now;
}

std::chrono::steady_clock::time_point LiveState::last_heartbeat() const {
  const std::lock_guard lock{mutex_};
  return heartbeat_;
}

}  // namespace web
