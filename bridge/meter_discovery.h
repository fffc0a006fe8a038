// Home Assistant discovery for one meter (DESIGN.md, "Home Assistant"): its device document is
// published (retained) at the first frame, again whenever a label appears, and with the
// components of labels gone for good removed. The documents themselves come from discovery/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/publisher.h"
#include "tic/frame.h"

namespace bridge {

struct DiscoverySettings {
  std::string prefix = "homeassistant";
  std::string base_topic = "teleinfo";
  unsigned expire_after = 0;  // seconds; 0: never
  int qos = 1;
  std::vector<std::string> labels;  // --labels: only these are declared; empty: all
};

class MeterDiscovery {
 public:
  // A label not seen for this many frames in a row is gone for good (a new contract, another
  // mode), unless it only comes now and then (ADPS, ADIR1-3, DPM/FPM, PPOINTE, MSG2).
  static constexpr std::uint64_t kFramesToVanish = 100;

  explicit MeterDiscovery(DiscoverySettings settings) : settings_(std::move(settings)) {}

  // After each whole frame of meter `meter`.
  void on_frame(std::string_view meter, const tic::Frame& frame, Publisher& publisher);
  // Another meter on the same source: start again.
  void reset();

  std::uint64_t documents() const { return documents_; }

 private:
  struct Seen {
    std::string label;
    std::uint64_t last_frame = 0;
  };
  void publish(std::string_view meter, const tic::Frame& frame, Publisher& publisher,
               const std::vector<std::string>& removed);

  DiscoverySettings settings_;
  std::vector<Seen> seen_;
  std::uint64_t frames_ = 0;
  std::uint64_t documents_ = 0;
  std::string tic_version_;
};

}  // namespace bridge
