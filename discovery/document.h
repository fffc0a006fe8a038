// The device-based discovery document of one meter (HOMEASSISTANT.md §1.1): one retained JSON
// payload on <prefix>/device/teleinfo_<id>/config that declares the meter as a device and one
// component per topic the bridge publishes for it. Abbreviated keys throughout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "discovery/components.h"
#include "tic/labels.h"

namespace discovery {

struct DeviceInput {
  std::string meter_id;  // ADCO or ADSC as sent: "021528603314"
  tic::Mode mode = tic::Mode::Standard;
  std::vector<std::string> labels;  // labels seen, as sent ("NJOURF+1"); any order, repeats ignored
  std::string tic_version;          // VTIC's value in standard mode ("02"); unused in historic
  std::string base_topic = "teleinfo";
  std::string software_version;  // the bridge's version, for origin.sw
  std::string support_url;
  unsigned expire_after = 0;  // seconds; 0: never (otherwise on components that keep changing)
  int qos = 1;
  // Labels declared before but gone for good: their components are sent as {"p": platform} only,
  // which tells Home Assistant to remove them (a component simply left out is removed too; the
  // explicit form makes the removal visible in the payload).
  std::vector<std::string> removed_labels;
  // The bridge's counters for this meter (<base>/<id>/bridge/...), as diagnostic entities.
  bool counters = false;
};

// "<prefix>/device/teleinfo_<id>/config".
std::string config_topic(std::string_view prefix, std::string_view meter_id);

// "teleinfo_<id>": the device's identifier and the head of every unique_id.
std::string device_identifier(std::string_view meter_id);

// The components of the labels seen, in a stable order (dictionary order, then unknown labels by
// name), with STGE's and RELAIS's decoded values after STGE and RELAIS.
std::vector<Component> device_components(const DeviceInput& input);

// The discovery payload. Same input, same text.
std::string device_document(const DeviceInput& input);

}  // namespace discovery
