// What Home Assistant entity each published topic is: platform, classes, unit, category, options.
// One Component per label topic (teleinfo/<id>/<LABEL>) and per decoded STGE or RELAIS subtopic
// (teleinfo/<id>/STGE/tempo_today, teleinfo/<id>/RELAIS/3). Rules: HOMEASSISTANT.md §1.5-1.7.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tic/labels.h"

namespace discovery {

enum class Platform : unsigned char { Sensor, BinarySensor };

std::string_view to_string(Platform platform);  // "sensor", "binary_sensor"

struct Component {
  std::string key;       // the component id in "cmps" and the unique_id's tail: "njourf_plus_1"
  std::string subtopic;  // below <base>/<id>/: "NJOURF_plus_1", "STGE/tempo_today", "RELAIS/3"
  Platform platform = Platform::Sensor;
  std::string name;                 // "Index, base option"
  std::string_view device_class;    // empty: none
  std::string_view state_class;     // empty: none
  std::string_view unit;            // empty: none
  std::string_view value_template;  // empty: the payload as is
  bool diagnostic = false;          // entity_category "diagnostic"
  bool enabled_by_default = true;
  bool changes = false;                   // changes with the load or the clock: gets expire_after
  std::vector<std::string_view> options;  // enum sensors: every value the bridge publishes
  std::string_view payload_on;            // binary sensors
  std::string_view payload_off;
};

// The component key of a label: lower case, '+' spelt "_plus_", '-' spelt "_minus_"
// (NJOURF+1 → njourf_plus_1, SMAXSN-1 → smaxsn_minus_1). Labels hold only A-Z, 0-9, '+', '-'.
std::string component_key(std::string_view label);

// The topic of a label below <base>/<id>/, as the bridge spells it: '+' becomes "_plus_".
std::string label_subtopic(std::string_view label);

// The component of a label topic. STGE and RELAIS themselves are raw diagnostic sensors (their
// decoded values are below). Labels outside the dictionary (Enedis adds some) become a plain text
// sensor, diagnostic and disabled. nullopt only for a label with a character outside A-Z, 0-9, '+'
// and '-', which the decoder never lets through.
std::optional<Component> label_component(std::string_view label);

// The components of STGE's decoded subtopics (STGE/dry_contact ... STGE/mobile_peak).
std::vector<Component> status_components();

// The components of RELAIS/1 ... RELAIS/8.
std::vector<Component> relay_components();

// The bridge's own counters for a meter, below <base>/<id>/bridge/: frames published, groups
// dropped by cause, frames interrupted, index values held back by the Energy dashboard's guard.
// Diagnostic; they count from the bridge's start (total_increasing takes the restart).
std::vector<Component> counter_components();

}  // namespace discovery
