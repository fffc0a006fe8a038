#include "bridge/meter.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>

#include "bridge/status_topics.h"
#include "bridge/topics.h"
#include "common/log.h"
#include "jeedom/payloads.h"
#include "tic/horodate.h"

namespace bridge {
namespace {

// The label holding the tariff period in use, by mode and contract.
constexpr std::string_view kPeriodLabels[] = {"PTEC", "LTARF", "NTARF"};
// Apparent power: SINSTS (standard) or PAPP (historic).
constexpr std::string_view kPowerLabels[] = {"SINSTS", "PAPP"};

// DPM1-3 and FPM1-3: the start and end of a mobile peak, told by their horodate; their data is
// only the peak's number.
bool mobile_peak_time(std::string_view label) {
  return label.size() == 4 && (label.starts_with("DPM") || label.starts_with("FPM"));
}

std::string_view text_of(const tic::Frame& frame, std::span<const std::string_view> labels) {
  for (const std::string_view label : labels) {
    if (const auto field = frame.find(label)) return field->raw;
  }
  return {};
}

}  // namespace

Meter::Meter(std::string name, tic::DecoderOptions options, MeterSettings settings,
             Publisher& publisher)
    : name_(std::move(name)),
      settings_(std::move(settings)),
      publisher_(publisher),
      decoder_(std::move(options), [this](const tic::Frame& frame) { on_frame(frame); }) {
  if (settings_.discovery) discovery_.emplace(*settings_.discovery);
  decoder_.on_rejection([this](tic::Rejection rejection, std::string_view group) {
    LOG_DEBUG("%s: group dropped (%s): %.*s", name_.c_str(),
              std::string{tic::to_string(rejection)}.c_str(), static_cast<int>(group.size()),
              group.data());
  });
}

void Meter::push(std::span<const std::uint8_t> bytes, tic::Time received) {
  now_ = Clock::now();
  decoder_.push(bytes, received);
}

std::optional<Clock::time_point> Meter::silence_deadline() const {
  if (!online_) return std::nullopt;
  return last_frame_ + settings_.timeout;
}

void Meter::check_silence(Clock::time_point now) {
  if (online_ && now >= last_frame_ + settings_.timeout) {
    LOG_WARNING("%s: meter %s silent for %llds: offline", name_.c_str(), address_.c_str(),
                static_cast<long long>(settings_.timeout.count()));
    publish_status(false);
  }
}

void Meter::go_offline() {
  if (!online_) return;
  publish_counters();  // their last values
  publish_status(false);
}

void Meter::publish_status(bool online) {
  online_ = online;
  publisher_.publish(meter_status_topic(settings_.base_topic, address_),
                     online ? "online" : "offline", settings_.policy.qos, true);
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
  if (meter != address_) {
    if (online_) publish_status(false);  // another meter on the same line
    if (address_.empty()) {
      LOG_INFO("%s: meter %.*s, %s mode", name_.c_str(), static_cast<int>(meter.size()),
               meter.data(), frame.mode() == tic::Mode::Historic ? "historic" : "standard");
    } else {
      LOG_WARNING("%s: the meter address changed from %s to %.*s", name_.c_str(), address_.c_str(),
                  static_cast<int>(meter.size()), meter.data());
    }
    address_ = meter;
    if (discovery_) discovery_->reset();
    guard_ = EnergyGuard{};  // another meter: its indexes start from its own values
    published_.clear();
    last_refresh_.reset();
    last_frame_published_.reset();
  }
  last_frame_ = now_ == Clock::time_point{} ? Clock::now() : now_;
  last_frame_time_ = frame.time();
  if (!online_) {
    LOG_INFO("%s: meter %s online", name_.c_str(), address_.c_str());
    publish_status(true);
  }

  // The archive keeps whole frames, every label, whatever the stream's thinning and the guard
  // (which protects Home Assistant's statistics) do.
  if (settings_.archive != nullptr) settings_.archive->archive(frame);

  guard_.check(frame, held_back_);
  if (settings_.live != nullptr) settings_.live->on_frame(settings_.live_index, frame, held_back_);
  if (discovery_) discovery_->on_frame(address_, frame, publisher_);
  publish_values(frame);

  if (!frame_due(frame)) {
    ++counters_.thinned;
    return;
  }
  const tic::Frame* stream_frame = &frame;
  if (!settings_.policy.labels.empty() || !held_back_.empty()) {
    filtered_.clear();
    filtered_.set_mode(frame.mode());
    filtered_.set_kind(frame.kind());
    filtered_.set_time(frame.time());
    const std::optional<std::size_t> address_index = frame.address_index();
    for (std::size_t i = 0; i < frame.size(); ++i) {
      const tic::Field field = frame[i];
      if (i == address_index || (wanted(field.label) && !held_back(field.label))) {
        filtered_.append(field);
      }
    }
    stream_frame = &filtered_;
  }
  publisher_.publish_frame(frame_topic(settings_.base_topic, address_), *stream_frame,
                           settings_.policy.qos, settings_.policy.retain_frames);
  if (settings_.policy.tasmota) {
    tasmota_.clear();
    jeedom::write_tasmota_json(*stream_frame, tasmota_);
    publisher_.publish(frame_topic(settings_.base_topic, address_) + "/tic", tasmota_,
                       settings_.policy.qos, false);
  }
  ++counters_.published;
}

bool Meter::held_back(std::string_view label) const {
  return std::find(held_back_.begin(), held_back_.end(), label) != held_back_.end();
}

bool Meter::wanted(std::string_view label) const {
  const std::vector<std::string>& labels = settings_.policy.labels;
  return labels.empty() || std::find(labels.begin(), labels.end(), label) != labels.end();
}

void Meter::publish_values(const tic::Frame& frame) {
  const PublishPolicy& policy = settings_.policy;
  bool refresh = false;
  bool counters = !last_refresh_;
  if (!last_refresh_ ||
      (policy.refresh.count() > 0 && last_frame_ - *last_refresh_ >= policy.refresh)) {
    refresh = last_refresh_.has_value();  // the first frame publishes everything anyway
    counters = true;
    last_refresh_ = last_frame_;
  }
  if (counters) publish_counters();
  for (const tic::Field field : frame) {
    if (!wanted(field.label) || held_back(field.label)) continue;
    std::string number;
    std::string_view value = field.text;
    if (field.horodate &&
        (mobile_peak_time(field.label) || (!field.is_number() && value.empty()))) {
      // DATE, DPMx, FPMx: the horodate is the value. (An empty retained message would delete the
      // topic.)
      number = tic::format_utc(field.horodate->utc()).view();
      value = number;
    } else if (field.is_number()) {
      number = std::to_string(*field.number);
      value = number;
    }
    publish_value(label_subtopic(field.label), value, refresh);
    for_each_decoded_value(field, [&](std::string_view subtopic, std::string_view decoded) {
      publish_value(subtopic, decoded, refresh);
    });
  }
}

void Meter::publish_counters() {
  // The bridge's own counters for this meter (diagnostic entities in Home Assistant): they change
  // with every frame, so they go out with the refresh, not on change.
  const tic::DecoderStats& stats = decoder_.stats();
  const std::pair<std::string_view, std::uint64_t> counters[] = {
      {"bridge/frames", counters_.published},    {"bridge/bad_checksum", stats.bad_checksum},
      {"bridge/bad_format", stats.bad_format},   {"bridge/too_long", stats.too_long},
      {"bridge/interrupted", stats.interrupted}, {"bridge/held_back", guard_.held_back()},
  };
  for (const auto& [subtopic, value] : counters) {
    publish_value(subtopic, std::to_string(value), true);
  }
}

void Meter::publish_value(std::string_view subtopic, std::string_view value, bool refresh) {
  auto entry = published_.find(subtopic);
  if (entry == published_.end()) {
    entry = published_.emplace(std::string{subtopic}, std::string{}).first;
  } else if (!refresh && entry->second == value) {
    return;
  }
  entry->second = value;
  std::string topic = frame_topic(settings_.base_topic, address_);
  topic += '/';
  topic += subtopic;
  publisher_.publish(topic, value, settings_.policy.qos, true);
  ++counters_.label_messages;
}

bool Meter::frame_due(const tic::Frame& frame) {
  const PublishPolicy& policy = settings_.policy;
  if (policy.frame_interval.count() == 0) return true;

  const std::string_view period = text_of(frame, kPeriodLabels);
  const std::optional<tic::Field> stge = frame.find("STGE");
  std::optional<std::uint64_t> power;
  for (const std::string_view label : kPowerLabels) {
    if (const auto field = frame.find(label); field && field->number) {
      power = field->number;
      break;
    }
  }
  bool due =
      !last_frame_published_ || last_frame_ - *last_frame_published_ >= policy.frame_interval;
  due = due || period != last_period_;
  due = due || (stge && stge->raw != last_status_);
  if (!due && power && last_power_) {
    const double before = static_cast<double>(*last_power_);
    const double moved =
        std::abs(static_cast<double>(*power) - before) * 100.0 / std::max(before, 1.0);
    due = moved > policy.power_change;
  }
  if (!due) return false;
  last_frame_published_ = last_frame_;
  last_period_ = period;
  last_status_ = stge ? std::string{stge->raw} : std::string{};
  last_power_ = power;
  return true;
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
  if (counters_.thinned > 0) text += "; " + std::to_string(counters_.thinned) + " thinned";
  if (guard_.held_back() > 0) {
    text += "; " + std::to_string(guard_.held_back()) + " index values held back";
  }
  if (guard_.jumps_accepted() > 0) {
    text += "; " + std::to_string(guard_.jumps_accepted()) + " index jumps accepted";
  }
  if (s.unchecked > 0) text += "; " + std::to_string(s.unchecked) + " kept unchecked";
  return text;
}

}  // namespace bridge
