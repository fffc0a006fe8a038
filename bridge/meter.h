// One meter (one source): its decoder, and the publications its frames become (DESIGN.md, "MQTT
// layout"): the meter's status, one retained topic per label and per decoded STGE/RELAIS value,
// and the frame stream, under the publish policy of the options.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "bridge/energy_guard.h"
#include "bridge/meter_discovery.h"
#include "bridge/options.h"
#include "bridge/publisher.h"
#include "bridge/source.h"
#include "sink/archive.h"
#include "tic/decoder.h"
#include "tic/frame.h"
#include "web/live_state.h"

namespace bridge {

struct MeterCounters {
  std::uint64_t published = 0;        // frames published on the frame stream
  std::uint64_t thinned = 0;          // frames --frame-interval kept off the stream
  std::uint64_t without_address = 0;  // frames whose ADCO/ADSC failed its checks: not published
  std::uint64_t short_frames = 0;     // historic three-phase short frames: not on the stream
  std::uint64_t label_messages = 0;   // retained label and decoded-value messages
};

struct MeterSettings {
  std::string base_topic = "teleinfo";
  PublishPolicy policy;
  std::chrono::seconds timeout{30};  // silence after which the meter's status says offline
  std::optional<DiscoverySettings> discovery;  // Home Assistant discovery, when on
  sink::Archive* archive = nullptr;            // in-process sinks (MySQL, CSV), when any
  web::LiveState* live = nullptr;              // the web page's state (--http), when on
  std::size_t live_index = 0;                  // this meter's number there
};

class Meter : public ByteSink {
 public:
  // `name` names the source in logs ("file:capture.txt").
  Meter(std::string name, tic::DecoderOptions options, MeterSettings settings,
        Publisher& publisher);
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  void push(std::span<const std::uint8_t> bytes, tic::Time received) override;
  void finish(tic::Time received) override { decoder_.finish(received); }
  std::uint64_t valid_groups() const override { return decoder_.stats().groups; }

  // When the meter's silence should be checked next: the last frame plus the timeout. nullopt
  // while it is not online.
  std::optional<Clock::time_point> silence_deadline() const;
  // Publishes `offline` if no valid frame came for the timeout.
  void check_silence(Clock::time_point now);
  // Publishes `offline` now, if online (the bridge is stopping).
  void go_offline();

  const std::string& name() const { return name_; }
  // The meter address of its frames; empty until the first one.
  const std::string& address() const { return address_; }
  bool online() const { return online_; }
  // The TIME of its last frame with an address.
  std::optional<tic::Time> last_frame_time() const { return last_frame_time_; }
  const tic::DecoderStats& decoder_stats() const { return decoder_.stats(); }
  const MeterCounters& counters() const { return counters_; }
  const EnergyGuard& guard() const { return guard_; }

  // One line: what was decoded, published and dropped.
  std::string summary() const;

 private:
  void on_frame(const tic::Frame& frame);
  void publish_status(bool online);
  void publish_values(const tic::Frame& frame);
  void publish_counters();
  // Publishes `value` on the retained topic `subtopic` below the meter when it changed, or when
  // `refresh` says every value goes out again.
  void publish_value(std::string_view subtopic, std::string_view value, bool refresh);
  bool frame_due(const tic::Frame& frame);
  bool wanted(std::string_view label) const;
  bool held_back(std::string_view label) const;

  std::string name_;
  MeterSettings settings_;
  Publisher& publisher_;
  tic::Decoder decoder_;
  MeterCounters counters_;

  std::string address_;
  bool online_ = false;
  Clock::time_point last_frame_{};
  std::optional<tic::Time> last_frame_time_;
  Clock::time_point now_{};  // when the bytes being decoded were read

  // Looked up by string_view without building a string.
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  // subtopic → value last published
  std::unordered_map<std::string, std::string, TransparentHash, std::equal_to<>> published_;
  // On the monotonic clock, as the frames' reading (last_frame_): a TIME that is held back after
  // the wall clock went back would hold back the refresh with it.
  std::optional<Clock::time_point> last_refresh_;

  // The frame stream's thinning (--frame-interval): what the last published frame had.
  std::optional<Clock::time_point> last_frame_published_;
  std::string last_period_;
  std::string last_status_;
  std::optional<std::uint64_t> last_power_;

  std::string tasmota_;  // scratch for --jeedom-tasmota
  tic::Frame filtered_;  // scratch for --labels and the guard

  EnergyGuard guard_;
  std::optional<MeterDiscovery> discovery_;
  std::vector<std::string_view> held_back_;  // this frame's indexes the guard held back
};

}  // namespace bridge
