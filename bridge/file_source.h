// Replaying a capture: a file, or standard input, read to its end.
#pragma once

#include <string>

#include "bridge/meter.h"
#include "bridge/source.h"

namespace bridge {

// Reads the whole input into the meter, each chunk stamped with the time it was read, then ends
// the meter's input. Returns an empty string, or why the input could not be read (strerror).
std::string replay_file(const SourceSpec& source, Meter& meter);

}  // namespace bridge
