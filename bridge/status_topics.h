// The decoded values of STGE and RELAIS, each published as its own retained topic below the
// label's: teleinfo/<id>/STGE/tempo_tomorrow = "blue", teleinfo/<id>/RELAIS/1 = "closed".
// Values are lower-case words or numbers, stable: Home Assistant and scripts match on them.
#pragma once

#include <functional>
#include <string_view>

#include "tic/field.h"

namespace bridge {

// Calls `emit(subtopic, value)` for each value decoded from an STGE or RELAIS field, subtopic
// being "STGE/cut_off", "RELAIS/3", ... Does nothing for other labels or malformed data.
void for_each_decoded_value(const tic::Field& field,
                            const std::function<void(std::string_view, std::string_view)>& emit);

}  // namespace bridge
