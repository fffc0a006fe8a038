// The frame JSON of the MQTT frame stream (DESIGN.md, "Frame JSON"): teleinfo2mqtt's shape, which
// the Jeedom plugin reads, with horodates in UTC and the reception time.
//
//   {"ADSC":{"raw":"021728123456","value":"021728123456"},
//    "SMAXSN":{"raw":"02740","value":2740,
//              "timestamp":{"raw":"E250603080531","date":"2025-06-03T06:05:31Z","dst":"summer"}},
//    ...,
//    "TIME":{"raw":"2025-06-03T09:00:52.123Z","value":1748941252123}}
//
// The meter address comes first (the Jeedom plugin ignores keys before it), then the other labels
// in the meter's order, then TIME.
#pragma once

#include <string>
#include <string_view>

#include "tic/frame.h"

namespace tic {

// Appends the frame's JSON to `out`. A caller that reuses `out` does not allocate once warm.
void write_frame_json(const Frame& frame, std::string& out);
std::string to_frame_json(const Frame& frame);

// Rebuilds a frame from its JSON. Values are decoded again from "raw" with the same checks as on
// the wire (the "value" members are not trusted). On failure returns a one-line reason and leaves
// `frame` unspecified; on success returns an empty string.
// `added`, when given, names members a producer adds beside the labels (the Jeedom layout's
// STGE01..STGE20): they are passed over.
std::string read_frame_json(std::string_view json, Frame& frame,
                            bool (*added)(std::string_view key) = nullptr);

// The largest frame JSON the reader accepts: ten times the largest real frame.
inline constexpr std::size_t kMaxFrameJsonBytes = 64 * 1024;

// TIME values the reader accepts: from 1970 to the last millisecond of 9999.
inline constexpr std::int64_t kMaxTimeMilliseconds = 253402300799999;

}  // namespace tic
