// The payloads the Jeedom teleinfo plugin reads in its MQTT mode (PEERS.md §4):
//   - shape A, teleinfo2mqtt's: the frame JSON of DESIGN.md, meter address first, every entry an
//     object with "raw"; with --jeedom, STGE01..STGE20 and RELAIS01..RELAIS08 are added after the
//     labels as {"raw": text}, as the plugin's serial daemon names them;
//   - shape B, Tasmota's: {"TIC":{"ADCO":"...","OPTARIF":"HC..",...}}, raw values, address first.
#pragma once

#include <string>

#include "tic/frame.h"

namespace jeedom {

// The frame JSON with the plugin's STGE and RELAIS entries between the labels and TIME.
void write_frame_json_with_status(const tic::Frame& frame, std::string& out);

// {"TIC":{...}}: the meter address first, then every other label with its raw data.
void write_tasmota_json(const tic::Frame& frame, std::string& out);

}  // namespace jeedom
