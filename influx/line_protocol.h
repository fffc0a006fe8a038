// Frames as InfluxDB line protocol (DESIGN.md, "Archiving"): one point per frame,
//
//   teleinfo,meter=061961361253
//   EAST=2188830i,LTARF="BASE",SMAXSN=924i,SMAXSN_time=1619138422i,DATE_time=1619142022i
//   1748941252123
//
// measurement, the tag `meter` (the address, ADCO or ADSC), one field per label (numbers as
// integers, every other label as a string), `<LABEL>_time` (UTC epoch seconds) for a label with a
// horodate, and the frame's time in milliseconds (written with precision=ms). A label's type is
// fixed by the dictionary, so a field never changes type within a measurement.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "tic/frame.h"

namespace influx {

// Appends the frame's line, '\n' ended, to `out`. No allocation beyond growing `out`. False, and
// nothing appended, for a frame without a field (which a line cannot carry).
bool append_point(const tic::Frame& frame, std::string_view measurement, std::string& out);

// Appends every frame's line.
void append_points(std::span<const tic::Frame> frames, std::string_view measurement,
                   std::string& out);

// The escapes of the line-protocol spec, appended to `out`.
void append_measurement(std::string_view name, std::string& out);   // ',' and ' '
void append_key(std::string_view key, std::string& out);            // ',', '=' and ' '
void append_string_value(std::string_view text, std::string& out);  // "quoted", '"' and '\'

}  // namespace influx
