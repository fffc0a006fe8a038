#include "discovery/components.h"

#include <array>
#include <cctype>

namespace discovery {
namespace {

// Which components start disabled in Home Assistant (the user can enable them), and why:
//
//   labels                           why disabled
//   EASF07-EASF10                    no offer of today uses more than six supplier indexes
//   SMAXSN-1.., SMAXIN-1             yesterday's maximum: today's says the same a day earlier
//   CCASN, CCASN-1, CCAIN, CCAIN-1   load curve points: the meter's own averages, 10 or 30 min old
//   UMOY1-3                          mean voltages, beside the live URMS1-3
//   DPM1-3, FPM1-3, PPOINTE          mobile peak schedule, only on mobile peak offers
//   NJOURF, NJOURF+1, PJOURF+1       supplier calendar day profiles: codes for programmers
//   MSG2, HHPHC, PPOT, STGE, RELAIS  raw registers and rarely used texts; STGE and RELAIS are
//                                    decoded into their own components
//   GAZ, AUTRE                       concentrators' other meters, rarely wired
//   STGE/terminal_cover, role,       fixed for a given installation or only for the utility
//   injecting, tic_mode, euridis,
//   plc, plc_synchronised,
//   mobile_peak_notice, mobile_peak
//   RELAIS/2-8                       the Linky's virtual relays; only relay 1 is wired
constexpr std::array kDisabledLabels = {
    "EASF07",    "EASF08",   "EASF09", "EASF10",   "SMAXSN-1", "SMAXSN1-1", "SMAXSN2-1",
    "SMAXSN3-1", "SMAXIN-1", "CCASN",  "CCASN-1",  "CCAIN",    "CCAIN-1",   "UMOY1",
    "UMOY2",     "UMOY3",    "DPM1",   "FPM1",     "DPM2",     "FPM2",      "DPM3",
    "FPM3",      "PPOINTE",  "NJOURF", "NJOURF+1", "PJOURF+1", "MSG2",      "HHPHC",
    "PPOT",      "STGE",     "RELAIS", "GAZ",      "AUTRE"};

// Identifiers, contract data and raw registers: entity_category diagnostic.
constexpr std::array kDiagnosticLabels = {
    "ADCO",     "ADSC",     "VTIC",    "PRM",  "NGTF",  "OPTARIF", "MOTDETAT", "DATE",  "MSG1",
    "MSG2",     "STGE",     "RELAIS",  "PPOT", "HHPHC", "ISOUSC",  "PREF",     "PCOUP", "NJOURF",
    "NJOURF+1", "PJOURF+1", "PPOINTE", "DPM1", "FPM1",  "DPM2",    "FPM2",     "DPM3",  "FPM3"};

template <std::size_t N>
bool contains(const std::array<const char*, N>& names, std::string_view name) {
  for (const char* entry : names) {
    if (name == entry) return true;
  }
  return false;
}

// Historic PTEC as published: the dots of "HC.." and "TH.." are trimmed (README, "Values").
constexpr std::array<std::string_view, 11> kTariffPeriods = {
    "TH", "HC", "HP", "HN", "PM", "HCJB", "HCJW", "HCJR", "HPJB", "HPJW", "HPJR"};
// Historic DEMAIN: "----" while tomorrow's colour is not known yet.
constexpr std::array<std::string_view, 4> kTomorrowColours = {"----", "BLEU", "BLAN", "ROUG"};

std::string capitalised(std::string_view text) {
  std::string out(text);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The readable name of a dictionary label: its meaning, with the phase or day it names.
std::string label_name(const tic::LabelInfo& info) {
  if (tic::is_address_label(info.name)) return "Meter address";
  return capitalised(info.meaning);
}

// Sets device_class, state_class, unit and value_template from the label's unit.
void classify_by_unit(const tic::LabelInfo& info, Component& component) {
  using tic::Unit;
  const std::string_view label = info.name;
  if (info.kind != tic::Kind::Number) return;
  switch (info.unit) {
    case Unit::Wh:
      // Energy dashboard source: energy + total_increasing + Wh, integer Wh as sent.
      component.device_class = "energy";
      component.state_class = "total_increasing";
      component.unit = "Wh";
      component.changes = true;
      return;
    case Unit::VArh:
      component.device_class = "reactive_energy";
      component.state_class = "total_increasing";
      component.unit = "varh";  // HA's spelling; "VArh" is refused as ambiguous
      component.changes = true;
      return;
    case Unit::Decalitre:
      // Published in decalitres; HA's volume class has no decalitre.
      component.device_class = "volume";
      component.state_class = "total_increasing";
      component.unit = "L";
      component.value_template = "{{ (value | int) * 10 }}";
      component.changes = true;
      return;
    case Unit::VA:
      component.device_class = "apparent_power";
      component.state_class = "measurement";
      component.unit = "VA";
      component.changes = true;
      return;
    case Unit::kVA:
      // PREF, PCOUP: the topic holds kVA ("6"); shown in VA, which every HA version accepts
      // for apparent_power (kVA only since 2025). A contract value: no statistics.
      component.device_class = "apparent_power";
      component.unit = "VA";
      component.value_template = "{{ (value | int) * 1000 }}";
      return;
    case Unit::W:
      component.device_class = "power";
      component.state_class = "measurement";
      component.unit = "W";
      component.changes = true;
      return;
    case Unit::A:
      component.device_class = "current";
      component.unit = "A";
      if (label == "ISOUSC") return;  // the subscribed current: a contract value
      component.state_class = "measurement";
      component.changes = true;
      return;
    case Unit::V:
      component.device_class = "voltage";
      component.state_class = "measurement";
      component.unit = "V";
      component.changes = true;
      return;
    case Unit::Minute:
      component.device_class = "duration";
      component.unit = "min";
      component.changes = true;
      return;
    case Unit::None:
      // NTARF, NJOURF, DPM1...: numbers naming something, not quantities: no state_class.
      if (label == "NTARF") component.changes = true;
      return;
  }
}

bool is_valid_label(std::string_view label) {
  if (label.empty()) return false;
  for (char c : label) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Component status_component(std::string_view name, std::string readable) {
  Component component;
  component.key = "stge_" + std::string(name);
  component.subtopic = "STGE/" + std::string(name);
  component.name = std::move(readable);
  return component;
}

Component binary(Component component, std::string_view on, std::string_view off,
                 std::string_view device_class = {}) {
  component.platform = Platform::BinarySensor;
  component.payload_on = on;
  component.payload_off = off;
  component.device_class = device_class;
  return component;
}

Component choice(Component component, std::vector<std::string_view> options) {
  component.device_class = "enum";
  component.options = std::move(options);
  return component;
}

Component diagnostic(Component component, bool enabled) {
  component.diagnostic = true;
  component.enabled_by_default = enabled;
  return component;
}

}  // namespace

std::string_view to_string(Platform platform) {
  return platform == Platform::BinarySensor ? "binary_sensor" : "sensor";
}

std::string component_key(std::string_view label) {
  std::string key;
  for (char c : label) {
    if (c == '+') {
      key += "_plus_";
    } else if (c == '-') {
      key += "_minus_";
    } else {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return key;
}

std::string label_subtopic(std::string_view label) {
  std::string topic;
  for (char c : label) {
    if (c == '+') {
      topic += "_plus_";
    } else {
      topic += c;
    }
  }
  return topic;
}

std::optional<Component> label_component(std::string_view label) {
  if (!is_valid_label(label)) return std::nullopt;
  Component component;
  component.key = component_key(label);
  component.subtopic = label_subtopic(label);
  component.enabled_by_default = !contains(kDisabledLabels, label);
  component.diagnostic = contains(kDiagnosticLabels, label);

  const tic::LabelInfo* info = tic::find_label(label);
  if (info == nullptr) {
    // A label the specifications do not name: published as trimmed text.
    component.name = std::string(label);
    component.diagnostic = true;
    component.enabled_by_default = false;
    return component;
  }
  component.name = label_name(*info);
  classify_by_unit(*info, component);

  if (label == "PTEC") {
    component = choice(std::move(component), {kTariffPeriods.begin(), kTariffPeriods.end()});
    component.changes = true;
  } else if (label == "DEMAIN") {
    component = choice(std::move(component), {kTomorrowColours.begin(), kTomorrowColours.end()});
  } else if (label == "LTARF") {
    component.changes = true;
  } else if (label == "DATE") {
    // The bridge publishes the meter's clock in UTC: "2021-04-23T03:40:22Z".
    component.device_class = "timestamp";
    component.changes = true;
  } else if (label.size() == 4 && (label.starts_with("DPM") || label.starts_with("FPM"))) {
    // The start or end of a mobile peak: the bridge publishes its horodate in UTC.
    component.device_class = "timestamp";
  }
  return component;
}

std::vector<Component> status_components() {
  std::vector<Component> out;
  out.push_back(binary(status_component("dry_contact", "Dry contact"), "closed", "open"));
  out.push_back(choice(
      status_component("cut_off", "Cut-off device"),
      {"closed", "open_overpower", "open_overvoltage", "open_load_shedding", "open_remote_order",
       "open_overheating_high_current", "open_overheating_low_current", "undefined"}));
  out.push_back(diagnostic(
      binary(status_component("terminal_cover", "Terminal cover"), "open", "closed", "opening"),
      false));
  out.push_back(diagnostic(
      binary(status_component("overvoltage", "Overvoltage"), "true", "false", "problem"), true));
  out.push_back(binary(status_component("power_exceeded", "Reference power exceeded"), "true",
                       "false", "problem"));
  out.push_back(
      diagnostic(binary(status_component("role", "Producer"), "producer", "consumer"), false));
  out.push_back(
      diagnostic(binary(status_component("injecting", "Injecting"), "true", "false"), false));
  out.push_back(choice(status_component("supplier_index", "Supplier tariff index"),
                       {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  out.push_back(choice(status_component("distributor_index", "Distributor tariff index"),
                       {"1", "2", "3", "4"}));
  out.push_back(diagnostic(
      binary(status_component("clock", "Clock degraded"), "degraded", "ok", "problem"), true));
  out.push_back(diagnostic(
      choice(status_component("tic_mode", "TIC mode"), {"historic", "standard"}), false));
  out.push_back(diagnostic(choice(status_component("euridis", "Euridis link"),
                                  {"disabled", "enabled", "undefined", "enabled_secured"}),
                           false));
  out.push_back(diagnostic(choice(status_component("plc", "PLC status"),
                                  {"new_unlocked", "new_locked", "registered", "undefined"}),
                           false));
  out.push_back(diagnostic(
      binary(status_component("plc_synchronised", "PLC synchronised"), "true", "false"), false));
  out.push_back(choice(status_component("tempo_today", "Tempo colour today"),
                       {"none", "blue", "white", "red"}));
  out.push_back(choice(status_component("tempo_tomorrow", "Tempo colour tomorrow"),
                       {"none", "blue", "white", "red"}));
  Component notice = choice(status_component("mobile_peak_notice", "Mobile peak notice"),
                            {"none", "PM1", "PM2", "PM3"});
  notice.enabled_by_default = false;
  out.push_back(std::move(notice));
  Component peak =
      choice(status_component("mobile_peak", "Mobile peak"), {"none", "PM1", "PM2", "PM3"});
  peak.enabled_by_default = false;
  out.push_back(std::move(peak));
  return out;
}

std::vector<Component> relay_components() {
  std::vector<Component> out;
  for (int relay = 1; relay <= 8; ++relay) {
    Component component;
    component.key = "relais_" + std::to_string(relay);
    component.subtopic = "RELAIS/" + std::to_string(relay);
    component.name = "Relay " + std::to_string(relay);
    component.platform = Platform::BinarySensor;
    component.payload_on = "closed";
    component.payload_off = "open";
    component.enabled_by_default = relay == 1;
    out.push_back(std::move(component));
  }
  return out;
}

std::vector<Component> counter_components() {
  struct Counter {
    std::string_view name;
    std::string_view title;
  };
  static constexpr Counter kCounters[] = {
      {"frames", "Frames published"},
      {"bad_checksum", "Groups with a bad checksum"},
      {"bad_format", "Groups with a bad format"},
      {"too_long", "Groups too long"},
      {"interrupted", "Frames interrupted"},
      {"held_back", "Index values held back"},
  };
  std::vector<Component> out;
  for (const Counter& counter : kCounters) {
    Component component;
    component.key = "bridge_" + std::string{counter.name};
    component.subtopic = "bridge/" + std::string{counter.name};
    component.name = counter.title;
    component.state_class = "total_increasing";
    component.diagnostic = true;
    out.push_back(std::move(component));
  }
  return out;
}

}  // namespace discovery
