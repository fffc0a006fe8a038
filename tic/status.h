// Bit fields packed into standard-mode data: the status register STGE (54E §6.2.3.14) and the
// relay states RELAIS (54E §6.2.3.19).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tic {

enum class CutOff : std::uint8_t {
  Closed,
  OpenOverpower,
  OpenOvervoltage,
  OpenLoadShedding,
  OpenRemoteOrder,          // CPL or Euridis order
  OpenOverheatingHighLoad,  // overheating, current above the maximum switching current
  OpenOverheatingLowLoad,   // overheating, current below the maximum switching current
  Undefined,                // 7: not given a meaning by the specification
};

enum class TempoColour : std::uint8_t { None, Blue, White, Red };

enum class Euridis : std::uint8_t { Disabled, Enabled, Undefined, EnabledSecured };

enum class PlcStatus : std::uint8_t { NewUnlocked, NewLocked, Registered, Undefined };

// STGE: 8 hexadecimal digits, most significant byte first.
//
//   bit  0      dry contact: 0 closed, 1 open
//   bits 1-3    cut-off device (CutOff)
//   bit  4      distributor terminal cover: 0 closed, 1 open
//   bit  6      overvoltage on a phase
//   bit  7      reference power exceeded
//   bit  8      producer (0: consumer)
//   bit  9      active energy negative (injecting)
//   bits 10-13  supplier tariff index in use, minus one (0..9)
//   bits 14-15  distributor tariff index in use, minus one (0..3)
//   bit  16     clock degraded
//   bit  17     TIC output in standard mode (0: historic)
//   bits 19-20  Euridis output
//   bits 21-22  CPL status
//   bit  23     CPL synchronised
//   bits 24-25  Tempo colour of today, bits 26-27 of tomorrow
//   bits 28-29  mobile peak notice (0 none, 1-3: PM1-PM3), bits 30-31 mobile peak in progress
struct StatusRegister {
  std::uint32_t bits = 0;

  bool dry_contact_open() const { return bit(0); }
  CutOff cut_off() const { return static_cast<CutOff>(field(1, 3)); }
  bool terminal_cover_open() const { return bit(4); }
  bool overvoltage() const { return bit(6); }
  bool reference_power_exceeded() const { return bit(7); }
  bool producer() const { return bit(8); }
  bool injecting() const { return bit(9); }
  unsigned supplier_index() const { return field(10, 4) + 1; }  // 1..10 (11..16 undefined)
  unsigned distributor_index() const { return field(14, 2) + 1; }
  bool clock_degraded() const { return bit(16); }
  bool standard_mode() const { return bit(17); }
  Euridis euridis() const { return static_cast<Euridis>(field(19, 2)); }
  PlcStatus plc_status() const { return static_cast<PlcStatus>(field(21, 2)); }
  bool plc_synchronised() const { return bit(23); }
  TempoColour tempo_today() const { return static_cast<TempoColour>(field(24, 2)); }
  TempoColour tempo_tomorrow() const { return static_cast<TempoColour>(field(26, 2)); }
  unsigned mobile_peak_notice() const { return field(28, 2); }  // 0 none, else PM1..PM3
  unsigned mobile_peak() const { return field(30, 2); }

 private:
  bool bit(unsigned n) const { return (bits >> n) & 1u; }
  unsigned field(unsigned first, unsigned width) const {
    return (bits >> first) & ((1u << width) - 1u);
  }
};

// Exactly 8 hexadecimal digits (either case), else nullopt.
std::optional<StatusRegister> parse_status_register(std::string_view hex);

// RELAIS: bit n-1 is relay n (relay 1 is real, 2 to 8 virtual), 1 when its contact is closed.
struct Relays {
  std::uint8_t bits = 0;
  bool closed(unsigned relay) const {
    return relay >= 1 && relay <= 8 && ((bits >> (relay - 1)) & 1u);
  }
};

// The three decimal digits of RELAIS (000-255), else nullopt.
std::optional<Relays> parse_relays(std::string_view digits);

std::string_view to_string(CutOff value);
std::string_view to_string(TempoColour value);
std::string_view to_string(Euridis value);
std::string_view to_string(PlcStatus value);

}  // namespace tic
