// MQTT topic names (DESIGN.md, "MQTT layout"), base topic `teleinfo` by default.
#pragma once

#include <string>
#include <string_view>

namespace bridge {

// "teleinfo/021728123456": the frame stream of a meter.
std::string frame_topic(std::string_view base, std::string_view meter);

// "NJOURF_plus_1": a label's topic below its meter's. MQTT forbids '+' and '#' in topic names;
// labels only ever hold '+'. (discovery::label_subtopic spells it the same way for Home
// Assistant's state topics; a test holds the two together.)
std::string label_subtopic(std::string_view label);

// "teleinfo/status": the bridge's own availability (LWT).
std::string bridge_status_topic(std::string_view base);

// "teleinfo/021728123456/status": online while valid frames arrive from that meter.
std::string meter_status_topic(std::string_view base, std::string_view meter);

// Whether a meter address can name topics: letters and digits only (ADCO/ADSC are 12 digits).
bool usable_in_topic(std::string_view meter);

// Whether a base topic is valid: not empty, no wildcard, no leading or trailing '/', no NUL.
bool valid_base_topic(std::string_view base);

}  // namespace bridge
