#include "tic/status.h"

namespace tic {

std::optional<StatusRegister> parse_status_register(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  std::uint32_t bits = 0;
  for (char c : hex) {
    unsigned nibble;
    if (c >= '0' && c <= '9') {
      nibble = static_cast<unsigned>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      nibble = static_cast<unsigned>(c - 'A' + 10);
    } else if (c >= 'a' && c <= 'f') {
      nibble = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    bits = (bits << 4) | nibble;
  }
  return StatusRegister{bits};
}

std::optional<Relays> parse_relays(std::string_view digits) {
  if (digits.size() != 3) return std::nullopt;
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 255) return std::nullopt;
  return Relays{static_cast<std::uint8_t>(value)};
}

std::string_view to_string(CutOff value) {
  switch (value) {
    case CutOff::Closed:
      return "closed";
    case CutOff::OpenOverpower:
      return "open_overpower";
    case CutOff::OpenOvervoltage:
      return "open_overvoltage";
    case CutOff::OpenLoadShedding:
      return "open_load_shedding";
    case CutOff::OpenRemoteOrder:
      return "open_remote_order";
    case CutOff::OpenOverheatingHighLoad:
      return "open_overheating_high_current";
    case CutOff::OpenOverheatingLowLoad:
      return "open_overheating_low_current";
    case CutOff::Undefined:
      return "undefined";
  }
  return "undefined";
}

std::string_view to_string(TempoColour value) {
  switch (value) {
    case TempoColour::None:
      return "none";
    case TempoColour::Blue:
      return "blue";
    case TempoColour::White:
      return "white";
    case TempoColour::Red:
      return "red";
  }
  return "none";
}

std::string_view to_string(Euridis value) {
  switch (value) {
    case Euridis::Disabled:
      return "disabled";
    case Euridis::Enabled:
      return "enabled";
    case Euridis::Undefined:
      return "undefined";
    case Euridis::EnabledSecured:
      return "enabled_secured";
  }
  return "undefined";
}

std::string_view to_string(PlcStatus value) {
  switch (value) {
    case PlcStatus::NewUnlocked:
      return "new_unlocked";
    case PlcStatus::NewLocked:
      return "new_locked";
    case PlcStatus::Registered:
      return "registered";
    case PlcStatus::Undefined:
      return "undefined";
  }
  return "undefined";
}

}  // namespace tic
