// Checks generated discovery documents against Home Assistant's rules (HOMEASSISTANT.md): known
// keys only, allowed characters, units and state classes allowed for each device class, enum
// sensors, unique and stable ids, availability, topics under the base.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "discovery/document.h"
#include "tic/labels.h"

namespace {

struct KeyPair {
  std::string_view abbreviation;
  std::string_view full;
};

// HA core 2026.9.1 homeassistant/components/mqtt/abbreviations.py (ABBREVIATIONS,
// DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS), from HOMEASSISTANT-abbreviations.txt.
// 273 entries.
constexpr KeyPair kRootKeys[] = {{"act_stat_t", "activity_state_topic"},
                                 {"act_t", "action_topic"},
                                 {"act_tpl", "action_template"},
                                 {"act_val_tpl", "activity_value_template"},
                                 {"atype", "automation_type"},
                                 {"av_tones", "available_tones"},
                                 {"avty", "availability"},
                                 {"avty_mode", "availability_mode"},
                                 {"avty_t", "availability_topic"},
                                 {"avty_tpl", "availability_template"},
                                 {"b_tpl", "blue_template"},
                                 {"bri_cmd_t", "brightness_command_topic"},
                                 {"bri_cmd_tpl", "brightness_command_template"},
                                 {"bri_scl", "brightness_scale"},
                                 {"bri_stat_t", "brightness_state_topic"},
                                 {"bri_tpl", "brightness_template"},
                                 {"bri_val_tpl", "brightness_value_template"},
                                 {"cln_segmnts_cmd_t", "clean_segments_command_topic"},
                                 {"cln_segmnts_cmd_tpl", "clean_segments_command_template"},
                                 {"clr_temp_cmd_t", "color_temp_command_topic"},
                                 {"clr_temp_cmd_tpl", "color_temp_command_template"},
                                 {"clr_temp_k", "color_temp_kelvin"},
                                 {"clr_temp_stat_t", "color_temp_state_topic"},
                                 {"clr_temp_tpl", "color_temp_template"},
                                 {"clr_temp_val_tpl", "color_temp_value_template"},
                                 {"clrm_stat_t", "color_mode_state_topic"},
                                 {"clrm_val_tpl", "color_mode_value_template"},
                                 {"cmd_off_tpl", "command_off_template"},
                                 {"cmd_on_tpl", "command_on_template"},
                                 {"cmd_t", "command_topic"},
                                 {"cmd_tpl", "command_template"},
                                 {"cmps", "components"},
                                 {"cod_arm_req", "code_arm_required"},
                                 {"cod_dis_req", "code_disarm_required"},
                                 {"cod_form", "code_format"},
                                 {"cod_trig_req", "code_trigger_required"},
                                 {"cont_type", "content_type"},
                                 {"curr_hum_t", "current_humidity_topic"},
                                 {"curr_hum_tpl", "current_humidity_template"},
                                 {"curr_temp_t", "current_temperature_topic"},
                                 {"curr_temp_tpl", "current_temperature_template"},
                                 {"def_ent_id", "default_entity_id"},
                                 {"dev", "device"},
                                 {"dev_cla", "device_class"},
                                 {"dir_cmd_t", "direction_command_topic"},
                                 {"dir_cmd_tpl", "direction_command_template"},
                                 {"dir_stat_t", "direction_state_topic"},
                                 {"dir_val_tpl", "direction_value_template"},
                                 {"dock_cmd_t", "dock_command_topic"},
                                 {"dock_cmd_tpl", "dock_command_template"},
                                 {"dsp_prc", "display_precision"},
                                 {"e", "encoding"},
                                 {"en", "enabled_by_default"},
                                 {"ent_cat", "entity_category"},
                                 {"ent_pic", "entity_picture"},
                                 {"evt_typ", "event_types"},
                                 {"exp_aft", "expire_after"},
                                 {"fan_mode_cmd_t", "fan_mode_command_topic"},
                                 {"fan_mode_cmd_tpl", "fan_mode_command_template"},
                                 {"fan_mode_stat_t", "fan_mode_state_topic"},
                                 {"fan_mode_stat_tpl", "fan_mode_state_template"},
                                 {"fanspd_lst", "fan_speed_list"},
                                 {"flsh", "flash"},
                                 {"flsh_tlng", "flash_time_long"},
                                 {"flsh_tsht", "flash_time_short"},
                                 {"frc_upd", "force_update"},
                                 {"fx_cmd_t", "effect_command_topic"},
                                 {"fx_cmd_tpl", "effect_command_template"},
                                 {"fx_list", "effect_list"},
                                 {"fx_stat_t", "effect_state_topic"},
                                 {"fx_tpl", "effect_template"},
                                 {"fx_val_tpl", "effect_value_template"},
                                 {"g_tpl", "green_template"},
                                 {"grp", "group"},
                                 {"hs_cmd_t", "hs_command_topic"},
                                 {"hs_cmd_tpl", "hs_command_template"},
                                 {"hs_stat_t", "hs_state_topic"},
                                 {"hs_val_tpl", "hs_value_template"},
                                 {"hum_cmd_t", "target_humidity_command_topic"},
                                 {"hum_cmd_tpl", "target_humidity_command_template"},
                                 {"hum_stat_t", "target_humidity_state_topic"},
                                 {"hum_state_tpl", "target_humidity_state_template"},
                                 {"ic", "icon"},
                                 {"img_e", "image_encoding"},
                                 {"img_t", "image_topic"},
                                 {"init", "initial"},
                                 {"json_attr", "json_attributes"},
                                 {"json_attr_t", "json_attributes_topic"},
                                 {"json_attr_tpl", "json_attributes_template"},
                                 {"l_ver_t", "latest_version_topic"},
                                 {"l_ver_tpl", "latest_version_template"},
                                 {"lrst_val_tpl", "last_reset_value_template"},
                                 {"max", "max"},
                                 {"max_hum", "max_humidity"},
                                 {"max_k", "max_kelvin"},
                                 {"max_mirs", "max_mireds"},
                                 {"max_temp", "max_temp"},
                                 {"migr_discvry", "migrate_discovery"},
                                 {"min", "min"},
                                 {"min_hum", "min_humidity"},
                                 {"min_k", "min_kelvin"},
                                 {"min_mirs", "min_mireds"},
                                 {"min_temp", "min_temp"},
                                 {"mode", "mode"},
                                 {"mode_cmd_t", "mode_command_topic"},
                                 {"mode_cmd_tpl", "mode_command_template"},
                                 {"mode_stat_t", "mode_state_topic"},
                                 {"mode_stat_tpl", "mode_state_template"},
                                 {"modes", "modes"},
                                 {"msg_exp_int", "message_expiry_interval"},
                                 {"name", "name"},
                                 {"o", "origin"},
                                 {"off_dly", "off_delay"},
                                 {"on_cmd_type", "on_command_type"},
                                 {"ops", "options"},
                                 {"opt", "optimistic"},
                                 {"osc_cmd_t", "oscillation_command_topic"},
                                 {"osc_cmd_tpl", "oscillation_command_template"},
                                 {"osc_stat_t", "oscillation_state_topic"},
                                 {"osc_val_tpl", "oscillation_value_template"},
                                 {"p", "platform"},
                                 {"pause_cmd_t", "pause_command_topic"},
                                 {"pause_mw_cmd_tpl", "pause_command_template"},
                                 {"pct_cmd_t", "percentage_command_topic"},
                                 {"pct_cmd_tpl", "percentage_command_template"},
                                 {"pct_stat_t", "percentage_state_topic"},
                                 {"pct_val_tpl", "percentage_value_template"},
                                 {"pl", "payload"},
                                 {"pl_arm_away", "payload_arm_away"},
                                 {"pl_arm_custom_b", "payload_arm_custom_bypass"},
                                 {"pl_arm_home", "payload_arm_home"},
                                 {"pl_arm_nite", "payload_arm_night"},
                                 {"pl_arm_vacation", "payload_arm_vacation"},
                                 {"pl_avail", "payload_available"},
                                 {"pl_cln_sp", "payload_clean_spot"},
                                 {"pl_cls", "payload_close"},
                                 {"pl_disarm", "payload_disarm"},
                                 {"pl_home", "payload_home"},
                                 {"pl_inst", "payload_install"},
                                 {"pl_loc", "payload_locate"},
                                 {"pl_lock", "payload_lock"},
                                 {"pl_not_avail", "payload_not_available"},
                                 {"pl_not_home", "payload_not_home"},
                                 {"pl_off", "payload_off"},
                                 {"pl_on", "payload_on"},
                                 {"pl_open", "payload_open"},
                                 {"pl_osc_off", "payload_oscillation_off"},
                                 {"pl_osc_on", "payload_oscillation_on"},
                                 {"pl_paus", "payload_pause"},
                                 {"pl_prs", "payload_press"},
                                 {"pl_ret", "payload_return_to_base"},
                                 {"pl_rst", "payload_reset"},
                                 {"pl_rst_hum", "payload_reset_humidity"},
                                 {"pl_rst_mode", "payload_reset_mode"},
                                 {"pl_rst_pct", "payload_reset_percentage"},
                                 {"pl_rst_pr_mode", "payload_reset_preset_mode"},
                                 {"pl_stop", "payload_stop"},
                                 {"pl_stop_tilt", "payload_stop_tilt"},
                                 {"pl_strt", "payload_start"},
                                 {"pl_toff", "payload_turn_off"},
                                 {"pl_ton", "payload_turn_on"},
                                 {"pl_trig", "payload_trigger"},
                                 {"pl_unlk", "payload_unlock"},
                                 {"pos", "reports_position"},
                                 {"pos_clsd", "position_closed"},
                                 {"pos_open", "position_open"},
                                 {"pos_t", "position_topic"},
                                 {"pos_tpl", "position_template"},
                                 {"pow_cmd_t", "power_command_topic"},
                                 {"pow_cmd_tpl", "power_command_template"},
                                 {"pr_mode_cmd_t", "preset_mode_command_topic"},
                                 {"pr_mode_cmd_tpl", "preset_mode_command_template"},
                                 {"pr_mode_stat_t", "preset_mode_state_topic"},
                                 {"pr_mode_val_tpl", "preset_mode_value_template"},
                                 {"pr_modes", "preset_modes"},
                                 {"ptrn", "pattern"},
                                 {"r_tpl", "red_template"},
                                 {"rel_s", "release_summary"},
                                 {"rel_u", "release_url"},
                                 {"ret", "retain"},
                                 {"rgb_cmd_t", "rgb_command_topic"},
                                 {"rgb_cmd_tpl", "rgb_command_template"},
                                 {"rgb_stat_t", "rgb_state_topic"},
                                 {"rgb_val_tpl", "rgb_value_template"},
                                 {"rgbw_cmd_t", "rgbw_command_topic"},
                                 {"rgbw_cmd_tpl", "rgbw_command_template"},
                                 {"rgbw_stat_t", "rgbw_state_topic"},
                                 {"rgbw_val_tpl", "rgbw_value_template"},
                                 {"rgbww_cmd_t", "rgbww_command_topic"},
                                 {"rgbww_cmd_tpl", "rgbww_command_template"},
                                 {"rgbww_stat_t", "rgbww_state_topic"},
                                 {"rgbww_val_tpl", "rgbww_value_template"},
                                 {"send_cmd_t", "send_command_topic"},
                                 {"send_if_off", "send_if_off"},
                                 {"set_fan_spd_t", "set_fan_speed_topic"},
                                 {"set_pos_t", "set_position_topic"},
                                 {"set_pos_tpl", "set_position_template"},
                                 {"spd_rng_max", "speed_range_max"},
                                 {"spd_rng_min", "speed_range_min"},
                                 {"src_type", "source_type"},
                                 {"stat_cla", "state_class"},
                                 {"stat_closing", "state_closing"},
                                 {"stat_clsd", "state_closed"},
                                 {"stat_jam", "state_jammed"},
                                 {"stat_locked", "state_locked"},
                                 {"stat_locking", "state_locking"},
                                 {"stat_off", "state_off"},
                                 {"stat_on", "state_on"},
                                 {"stat_open", "state_open"},
                                 {"stat_opening", "state_opening"},
                                 {"stat_stopped", "state_stopped"},
                                 {"stat_t", "state_topic"},
                                 {"stat_tpl", "state_template"},
                                 {"stat_unlocked", "state_unlocked"},
                                 {"stat_unlocking", "state_unlocking"},
                                 {"stat_val_tpl", "state_value_template"},
                                 {"step", "step"},
                                 {"strt_mw_cmd_t", "start_mowing_command_topic"},
                                 {"strt_mw_cmd_tpl", "start_mowing_command_template"},
                                 {"stype", "subtype"},
                                 {"sug_dsp_prc", "suggested_display_precision"},
                                 {"sup_clrm", "supported_color_modes"},
                                 {"sup_dur", "support_duration"},
                                 {"sup_feat", "supported_features"},
                                 {"sup_vol", "support_volume_set"},
                                 {"swing_h_mode_cmd_t", "swing_horizontal_mode_command_topic"},
                                 {"swing_h_mode_cmd_tpl", "swing_horizontal_mode_command_template"},
                                 {"swing_h_mode_stat_t", "swing_horizontal_mode_state_topic"},
                                 {"swing_h_mode_stat_tpl", "swing_horizontal_mode_state_template"},
                                 {"swing_h_modes", "swing_horizontal_modes"},
                                 {"swing_mode_cmd_t", "swing_mode_command_topic"},
                                 {"swing_mode_cmd_tpl", "swing_mode_command_template"},
                                 {"swing_mode_stat_t", "swing_mode_state_topic"},
                                 {"swing_mode_stat_tpl", "swing_mode_state_template"},
                                 {"swing_modes", "swing_modes"},
                                 {"t", "topic"},
                                 {"temp_cmd_t", "temperature_command_topic"},
                                 {"temp_cmd_tpl", "temperature_command_template"},
                                 {"temp_hi_cmd_t", "temperature_high_command_topic"},
                                 {"temp_hi_cmd_tpl", "temperature_high_command_template"},
                                 {"temp_hi_stat_t", "temperature_high_state_topic"},
                                 {"temp_hi_stat_tpl", "temperature_high_state_template"},
                                 {"temp_lo_cmd_t", "temperature_low_command_topic"},
                                 {"temp_lo_cmd_tpl", "temperature_low_command_template"},
                                 {"temp_lo_stat_t", "temperature_low_state_topic"},
                                 {"temp_lo_stat_tpl", "temperature_low_state_template"},
                                 {"temp_stat_t", "temperature_state_topic"},
                                 {"temp_stat_tpl", "temperature_state_template"},
                                 {"temp_unit", "temperature_unit"},
                                 {"tilt_clsd_val", "tilt_closed_value"},
                                 {"tilt_cmd_t", "tilt_command_topic"},
                                 {"tilt_cmd_tpl", "tilt_command_template"},
                                 {"tilt_max", "tilt_max"},
                                 {"tilt_min", "tilt_min"},
                                 {"tilt_opnd_val", "tilt_opened_value"},
                                 {"tilt_opt", "tilt_optimistic"},
                                 {"tilt_status_t", "tilt_status_topic"},
                                 {"tilt_status_tpl", "tilt_status_template"},
                                 {"tit", "title"},
                                 {"trns", "transition"},
                                 {"tz", "timezone"},
                                 {"uniq_id", "unique_id"},
                                 {"unit_of_meas", "unit_of_measurement"},
                                 {"url_t", "url_topic"},
                                 {"url_tpl", "url_template"},
                                 {"val_tpl", "value_template"},
                                 {"vis", "visible_by_default"},
                                 {"whit_cmd_t", "white_command_topic"},
                                 {"whit_scl", "white_scale"},
                                 {"xy_cmd_t", "xy_command_topic"},
                                 {"xy_cmd_tpl", "xy_command_template"},
                                 {"xy_stat_t", "xy_state_topic"},
                                 {"xy_val_tpl", "xy_value_template"}};

// 11 entries.
constexpr KeyPair kDeviceKeys[] = {{"cns", "connections"},   {"cu", "configuration_url"},
                                   {"hw", "hw_version"},     {"ids", "identifiers"},
                                   {"mdl", "model"},         {"mdl_id", "model_id"},
                                   {"mf", "manufacturer"},   {"name", "name"},
                                   {"sa", "suggested_area"}, {"sn", "serial_number"},
                                   {"sw", "sw_version"}};

// 3 entries.
constexpr KeyPair kOriginKeys[] = {{"name", "name"}, {"sw", "sw_version"}, {"url", "support_url"}};

// Keys without an abbreviation that HA's schemas know.
constexpr std::string_view kUnabbreviatedKeys[] = {"qos", "platform", "via_device"};

template <std::size_t N>
bool known_key(const KeyPair (&table)[N], std::string_view key) {
  for (const KeyPair& pair : table) {
    if (pair.abbreviation == key || pair.full == key) return true;
  }
  for (std::string_view extra : kUnabbreviatedKeys) {
    if (extra == key) return true;
  }
  return false;
}

// HA's sensor/const.py DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES for the classes we use,
// kept to what HA versions of 2024 already accept (apparent_power: VA only).
struct SensorClass {
  std::set<std::string> units;          // empty: no unit allowed
  std::set<std::string> state_classes;  // empty: no state_class allowed
};
const std::map<std::string, SensorClass>& sensor_classes() {
  static const std::map<std::string, SensorClass> classes = {
      {"energy",
       {{"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal",
         "Gcal"},
        {"total", "total_increasing"}}},
      {"power", {{"mW", "W", "kW", "MW", "GW", "TW"}, {"measurement"}}},
      {"apparent_power", {{"VA"}, {"measurement"}}},
      {"current", {{"A", "mA"}, {"measurement"}}},
      {"voltage", {{"μV", "mV", "V", "kV", "MV"}, {"measurement"}}},
      {"reactive_energy", {{"varh", "kvarh"}, {"total", "total_increasing"}}},
      {"volume",
       {{"L", "mL", "gal", "fl. oz.", "m³", "ft³", "CCF"},
        {"measurement", "total", "total_increasing"}}},
      {"duration", {{"d", "h", "min", "s", "ms"}, {}}},
      {"enum", {{}, {}}},
      {"timestamp", {{}, {}}},
  };
  return classes;
}

const std::set<std::string> kBinarySensorClasses = {"battery",
                                                    "battery_charging",
                                                    "carbon_monoxide",
                                                    "cold",
                                                    "connectivity",
                                                    "door",
                                                    "garage_door",
                                                    "gas",
                                                    "heat",
                                                    "light",
                                                    "lock",
                                                    "moisture",
                                                    "motion",
                                                    "moving",
                                                    "occupancy",
                                                    "opening",
                                                    "plug",
                                                    "power",
                                                    "presence",
                                                    "problem",
                                                    "running",
                                                    "safety",
                                                    "smoke",
                                                    "sound",
                                                    "tamper",
                                                    "update",
                                                    "vibration",
                                                    "window"};

bool id_characters(std::string_view id) {  // discovery ids: [a-zA-Z0-9_-]
  if (id.empty()) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool entity_id_characters(std::string_view id) {  // entity object ids: [a-z0-9_]
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool topic_under(std::string_view topic, std::string_view base) {
  if (topic.substr(0, base.size() + 1) != std::string(base) + "/") return false;
  return topic.find_first_of("+#") == std::string_view::npos && topic.back() != '/';
}

std::string string_of(const rapidjson::Value& object, const char* name) {
  if (!object.HasMember(name) || !object[name].IsString()) return {};
  return object[name].GetString();
}

// Every rule broken by `document`, one line each; empty when it is valid.
std::vector<std::string> validate(const std::string& document, const std::string& base,
                                  const std::string& meter_id) {
  std::vector<std::string> problems;
  const auto fail = [&problems](std::string text) { problems.push_back(std::move(text)); };
  rapidjson::Document json;
  json.Parse(document.c_str());
  if (json.HasParseError() || !json.IsObject()) return {"not a JSON object"};

  for (const auto& member : json.GetObject()) {
    if (!known_key(kRootKeys, member.name.GetString())) {
      fail(std::string("unknown root key ") + member.name.GetString());
    }
  }
  // Device: known keys and at least one identifier.
  if (!json.HasMember("dev") || !json["dev"].IsObject()) {
    fail("no device");
  } else {
    for (const auto& member : json["dev"].GetObject()) {
      if (!known_key(kDeviceKeys, member.name.GetString())) {
        fail(std::string("unknown device key ") + member.name.GetString());
      }
    }
    if (!json["dev"].HasMember("ids") || !json["dev"]["ids"].IsArray() ||
        json["dev"]["ids"].Empty()) {
      fail("device without identifiers");
    }
  }
  // Origin: required in device discovery, with a name.
  if (!json.HasMember("o") || !json["o"].IsObject() || string_of(json["o"], "name").empty()) {
    fail("no origin name");
  } else {
    for (const auto& member : json["o"].GetObject()) {
      if (!known_key(kOriginKeys, member.name.GetString())) {
        fail(std::string("unknown origin key ") + member.name.GetString());
      }
    }
  }
  // Availability: the bridge and the meter, both required.
  if (string_of(json, "avty_mode") != "all") fail("availability_mode is not all");
  if (json.HasMember("avty_t")) fail("both availability forms");
  if (!json.HasMember("avty") || !json["avty"].IsArray() || json["avty"].Size() != 2) {
    fail("availability is not a list of two");
  } else {
    for (const auto& item : json["avty"].GetArray()) {
      for (const auto& member : item.GetObject()) {
        if (!known_key(kRootKeys, member.name.GetString())) {
          fail(std::string("unknown availability key ") + member.name.GetString());
        }
      }
      if (!topic_under(string_of(item, "t"), base)) fail("availability topic outside the base");
    }
    if (string_of(json["avty"][0], "t") != base + "/status" ||
        string_of(json["avty"][1], "t") != base + "/" + meter_id + "/status") {
      fail("availability topics are not the bridge's and the meter's status");
    }
  }

  if (!json.HasMember("cmps") || !json["cmps"].IsObject()) {
    fail("no components");
    return problems;
  }
  std::set<std::string> unique_ids;
  for (const auto& entry : json["cmps"].GetObject()) {
    const std::string id = entry.name.GetString();
    const rapidjson::Value& component = entry.value;
    const auto bad = [&fail, &id](const std::string& text) { fail(id + ": " + text); };
    if (!id_characters(id)) bad("component id with characters HA refuses");
    if (!component.IsObject()) {
      bad("not an object");
      continue;
    }
    for (const auto& member : component.GetObject()) {
      if (!known_key(kRootKeys, member.name.GetString())) {
        bad(std::string("unknown key ") + member.name.GetString());
      }
    }
    const std::string platform = string_of(component, "p");
    if (platform != "sensor" && platform != "binary_sensor") bad("platform " + platform);
    if (component.MemberCount() == 1) continue;  // a removal: the platform alone

    const std::string unique_id = string_of(component, "uniq_id");
    if (unique_id != "teleinfo_" + meter_id + "_" + id) bad("unique_id " + unique_id);
    if (!entity_id_characters(unique_id)) bad("unique_id characters");
    if (!unique_ids.insert(unique_id).second) bad("unique_id repeated");
    if (string_of(component, "def_ent_id") != platform + "." + unique_id) bad("default_entity_id");
    if (string_of(component, "name").empty()) bad("no name");
    if (!topic_under(string_of(component, "stat_t"), base + "/" + meter_id)) {
      bad("state topic outside the meter's topics");
    }
    const std::string device_class = string_of(component, "dev_cla");
    const std::string state_class = string_of(component, "stat_cla");
    const std::string unit = string_of(component, "unit_of_meas");
    const bool has_options = component.HasMember("ops");
    if (component.HasMember("ent_cat") && string_of(component, "ent_cat") != "diagnostic") {
      bad("entity_category other than diagnostic");
    }
    if (component.HasMember("en") && !component["en"].IsBool()) bad("enabled_by_default type");
    if (component.HasMember("exp_aft") &&
        (!component["exp_aft"].IsUint() || component["exp_aft"].GetUint() == 0)) {
      bad("expire_after not a positive integer");
    }
    if (platform == "binary_sensor") {
      if (!unit.empty() || !state_class.empty() || has_options) bad("binary sensor with a value");
      if (!device_class.empty() && !kBinarySensorClasses.contains(device_class)) {
        bad("binary sensor class " + device_class);
      }
      if (string_of(component, "pl_on").empty() || string_of(component, "pl_off").empty()) {
        bad("binary sensor without payload_on/payload_off");
      }
      continue;
    }
    if (component.HasMember("pl_on") || component.HasMember("pl_off")) bad("payloads on a sensor");
    if (has_options != (device_class == "enum")) bad("options without enum, or enum without");
    if (has_options && (!component["ops"].IsArray() || component["ops"].Empty())) {
      bad("empty options");
    }
    if (device_class.empty()) {
      if (!unit.empty()) bad("unit without a device class");
      continue;
    }
    const auto known = sensor_classes().find(device_class);
    if (known == sensor_classes().end()) {
      bad("device class " + device_class);
      continue;
    }
    if (known->second.units.empty() ? !unit.empty() : !known->second.units.contains(unit)) {
      bad("unit '" + unit + "' not allowed for " + device_class);
    }
    if (!state_class.empty() && !known->second.state_classes.contains(state_class)) {
      bad("state class " + state_class + " not allowed for " + device_class);
    }
  }
  return problems;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines)
    out += line + "\n";
  return out;
}

// A meter that sends every label of its mode, plus one the dictionary does not know.
discovery::DeviceInput synthetic_meter(tic::Mode mode, std::string id) {
  discovery::DeviceInput input;
  input.meter_id = std::move(id);
  input.mode = mode;
  for (const tic::LabelInfo& info : tic::all_labels()) {
    if (info.mode == mode) input.labels.emplace_back(info.name);
  }
  input.labels.emplace_back("NEWLBL+1");
  input.tic_version = "02";
  input.base_topic = "home/teleinfo";
  input.software_version = "0.1.0";
  input.expire_after = 90;
  return input;
}

TEST(DiscoveryValidator, EveryStandardLabel) {
  const auto input = synthetic_meter(tic::Mode::Standard, "061961361253");
  const std::string document = discovery::device_document(input);
  EXPECT_EQ(joined(validate(document, input.base_topic, input.meter_id)), "");
  rapidjson::Document json;
  json.Parse(document.c_str());
  // Every standard label, the unknown one, 18 STGE values and 8 relays.
  std::size_t standard = 0;
  for (const tic::LabelInfo& info : tic::all_labels())
    standard += info.mode == tic::Mode::Standard;
  EXPECT_EQ(json["cmps"].MemberCount(), standard + 1 + 18 + 8);
}

TEST(DiscoveryValidator, EveryHistoricLabel) {
  const auto input = synthetic_meter(tic::Mode::Historic, "021528603314");
  EXPECT_EQ(joined(validate(discovery::device_document(input), input.base_topic, input.meter_id)),
            "");
}

TEST(DiscoveryValidator, Goldens) {
  for (const auto& [name, id] :
       {std::pair{"standard_061961361253.json", "061961361253"},
        std::pair{"standard_triphase_031776013513.json", "031776013513"},
        std::pair{"standard_producer_123456789012.json", "123456789012"},
        std::pair{"historic_021528603314.json", "021528603314"},
        std::pair{"historic_triphase_021630015376.json", "021630015376"}}) {
    const std::string document = read_file(std::string(TELEINFO_DISCOVERY_GOLDEN) + "/" + name);
    ASSERT_FALSE(document.empty()) << name;
    EXPECT_EQ(joined(validate(document, "teleinfo", id)), "") << name;
  }
}

TEST(DiscoveryValidator, Removals) {
  auto input = synthetic_meter(tic::Mode::Standard, "061961361253");
  input.removed_labels = input.labels;
  input.labels = {"ADSC"};
  EXPECT_EQ(joined(validate(discovery::device_document(input), input.base_topic, input.meter_id)),
            "");
}

TEST(DiscoveryValidator, IdsAreStable) {
  const auto input = synthetic_meter(tic::Mode::Standard, "061961361253");
  EXPECT_EQ(discovery::device_document(input), discovery::device_document(input));
}

TEST(DiscoveryValidator, CatchesBrokenDocuments) {
  const auto input = synthetic_meter(tic::Mode::Historic, "021528603314");
  std::string document = discovery::device_document(input);
  const auto replaced = [&document](std::string_view from, std::string_view to) {
    std::string copy = document;
    copy.replace(copy.find(from), from.size(), to);
    return copy;
  };
  EXPECT_NE(joined(validate(replaced("\"unit_of_meas\":\"Wh\"", "\"unit_of_meas\":\"W\""),
                            input.base_topic, input.meter_id)),
            "");
  EXPECT_NE(joined(validate(replaced("\"avty_mode\":\"all\"", "\"avty_mode\":\"any\""),
                            input.base_topic, input.meter_id)),
            "");
  EXPECT_NE(joined(validate(replaced("\"p\":\"sensor\"", "\"p\":\"sensor\",\"bogus\":1"),
                            input.base_topic, input.meter_id)),
            "");
  EXPECT_NE(
      joined(validate(replaced("\"stat_cla\":\"total_increasing\"", "\"stat_cla\":\"measurement\""),
                      input.base_topic, input.meter_id)),
      "");
}

}  // namespace
