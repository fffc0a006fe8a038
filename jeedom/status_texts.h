// What the Jeedom teleinfo plugin's own serial daemon (NextDom/plugin-teleinfo, teleinfo.py) makes
// of STGE and RELAIS: STGE01 to STGE20 and RELAIS01 to RELAIS08, in its French words. A user moving
// from a serial modem to this bridge keeps the commands and scenarios built on them.
#pragma once

#include <functional>
#include <string_view>

#include "tic/frame.h"

namespace jeedom {

// Calls `emit(name, text)` for STGE01..STGE20 (from a valid STGE) and RELAIS01..RELAIS08 (from a
// valid RELAIS) of `frame`, in that order. Nothing for a frame without them.
void for_each_status_text(const tic::Frame& frame,
                          const std::function<void(std::string_view, std::string_view)>& emit);

// Whether `key` is one of the names above (STGE01..STGE20, RELAIS01..RELAIS08): a reader of the
// frame stream passes over them.
bool is_status_text_name(std::string_view key);

}  // namespace jeedom
