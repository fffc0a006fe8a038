#include "bridge/status_topics.h"

#include <string>

#include "tic/status.h"

namespace bridge {
namespace {

std::string_view yes_no(bool value) {
  return value ? "true" : "false";
}
std::string_view open_closed(bool open) {
  return open ? "open" : "closed";
}

// 0: none, 1-3: PM1-PM3 (mobile peak periods announced or in progress).
std::string_view mobile_peak(unsigned value) {
  static constexpr std::string_view kNames[] = {"none", "PM1", "PM2", "PM3"};
  return kNames[value & 3u];
}

void emit_status_register(const tic::StatusRegister& stge,
                          const std::function<void(std::string_view, std::string_view)>& emit) {
  emit("STGE/dry_contact", open_closed(stge.dry_contact_open()));
  emit("STGE/cut_off", tic::to_string(stge.cut_off()));
  emit("STGE/terminal_cover", open_closed(stge.terminal_cover_open()));
  emit("STGE/overvoltage", yes_no(stge.overvoltage()));
  emit("STGE/power_exceeded", yes_no(stge.reference_power_exceeded()));
  emit("STGE/role", stge.producer() ? "producer" : "consumer");
  emit("STGE/injecting", yes_no(stge.injecting()));
  emit("STGE/supplier_index", std::to_string(stge.supplier_index()));
  emit("STGE/distributor_index", std::to_string(stge.distributor_index()));
  emit("STGE/clock", stge.clock_degraded() ? "degraded" : "ok");
  emit("STGE/tic_mode", stge.standard_mode() ? "standard" : "historic");
  emit("STGE/euridis", tic::to_string(stge.euridis()));
  emit("STGE/plc", tic::to_string(stge.plc_status()));
  emit("STGE/plc_synchronised", yes_no(stge.plc_synchronised()));
  emit("STGE/tempo_today", tic::to_string(stge.tempo_today()));
  emit("STGE/tempo_tomorrow", tic::to_string(stge.tempo_tomorrow()));
  emit("STGE/mobile_peak_notice", mobile_peak(stge.mobile_peak_notice()));
  emit("STGE/mobile_peak", mobile_peak(stge.mobile_peak()));
}

}  // namespace

void for_each_decoded_value(const tic::Field& field,
                            const std::function<void(std::string_view, std::string_view)>& emit) {
  if (field.label == "STGE") {
    if (const auto stge = tic::parse_status_register(field.raw)) emit_status_register(*stge, emit);
  } else if (field.label == "RELAIS") {
    if (const auto relays = tic::parse_relays(field.raw)) {
      std::string subtopic = "RELAIS/0";
      for (unsigned relay = 1; relay <= 8; ++relay) {
        subtopic.back() = static_cast<char>('0' + relay);
        emit(subtopic, relays->closed(relay) ? "closed" : "open");
      }
    }
  }
}

}  // namespace bridge
