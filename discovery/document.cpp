#include "discovery/document.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <limits>
#include <set>

#include "discovery/meter_model.h"

namespace discovery {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(Writer& writer, std::string_view name) {
  writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

void string(Writer& writer, std::string_view value) {
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void member(Writer& writer, std::string_view name, std::string_view value) {
  key(writer, name);
  string(writer, value);
}

// Writes the member only when the value is not empty.
void optional_member(Writer& writer, std::string_view name, std::string_view value) {
  if (!value.empty()) member(writer, name, value);
}

// Dictionary labels first, in the order meters send them, then unknown labels by name.
std::vector<std::string> ordered_labels(const std::vector<std::string>& labels) {
  std::vector<std::string> out(labels);
  const auto rank = [](const std::string& label) {
    const tic::LabelInfo* info = tic::find_label(label);
    return info != nullptr ? tic::label_index(*info) : std::numeric_limits<std::size_t>::max();
  };
  std::sort(out.begin(), out.end(), [&rank](const std::string& a, const std::string& b) {
    const std::size_t rank_a = rank(a);
    const std::size_t rank_b = rank(b);
    return rank_a != rank_b ? rank_a < rank_b : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Component> components_of(const std::vector<std::string>& labels) {
  std::vector<Component> out;
  for (const std::string& label : ordered_labels(labels)) {
    std::optional<Component> component = label_component(label);
    if (!component) continue;
    out.push_back(std::move(*component));
    if (label == "STGE") {
      for (Component& status : status_components())
        out.push_back(std::move(status));
    } else if (label == "RELAIS") {
      for (Component& relay : relay_components())
        out.push_back(std::move(relay));
    }
  }
  return out;
}

void write_device(Writer& writer, const DeviceInput& input) {
  key(writer, "dev");
  writer.StartObject();
  key(writer, "ids");
  writer.StartArray();
  string(writer, device_identifier(input.meter_id));
  writer.EndArray();

  const std::optional<MeterModel> model = decode_meter_address(input.meter_id);
  const bool linky = model && model->model.starts_with("Linky");
  member(writer, "name", (linky ? "Linky " : "Meter ") + input.meter_id);
  member(writer, "mf", "Enedis");
  if (model) {
    // The maker and the year are in the address too; HA has one manufacturer field, kept for the
    // network operator, so they go with the model.
    member(writer, "mdl",
           model->model + " (" + model->manufacturer + ", " + std::to_string(model->year) + ")");
    member(writer, "mdl_id", model->type_code);
  }
  member(writer, "sn", input.meter_id);
  // The TIC's version: VTIC in standard mode; historic mode has none.
  if (input.mode == tic::Mode::Standard) {
    member(writer, "sw", input.tic_version.empty() ? "standard" : "TIC " + input.tic_version);
  } else {
    member(writer, "sw", "historic");
  }
  writer.EndObject();
}

void write_origin(Writer& writer, const DeviceInput& input) {
  key(writer, "o");
  writer.StartObject();
  member(writer, "name", "teleinfo");
  optional_member(writer, "sw", input.software_version);
  optional_member(writer, "url", input.support_url);
  writer.EndObject();
}

// Both must be online: the bridge (its will says offline) and the meter (offline after a silence).
void write_availability(Writer& writer, const DeviceInput& input) {
  key(writer, "avty");
  writer.StartArray();
  for (const std::string& topic :
       {input.base_topic + "/status", input.base_topic + "/" + input.meter_id + "/status"}) {
    writer.StartObject();
    member(writer, "t", topic);
    member(writer, "pl_avail", "online");
    member(writer, "pl_not_avail", "offline");
    writer.EndObject();
  }
  writer.EndArray();
  member(writer, "avty_mode", "all");
}

void write_component(Writer& writer, const DeviceInput& input, const Component& component) {
  key(writer, component.key);
  writer.StartObject();
  member(writer, "p", to_string(component.platform));
  member(writer, "name", component.name);
  const std::string unique_id = device_identifier(input.meter_id) + "_" + component.key;
  member(writer, "uniq_id", unique_id);
  member(writer, "def_ent_id", std::string(to_string(component.platform)) + "." + unique_id);
  member(writer, "stat_t", input.base_topic + "/" + input.meter_id + "/" + component.subtopic);
  optional_member(writer, "dev_cla", component.device_class);
  optional_member(writer, "stat_cla", component.state_class);
  optional_member(writer, "unit_of_meas", component.unit);
  optional_member(writer, "val_tpl", component.value_template);
  if (!component.options.empty()) {
    key(writer, "ops");
    writer.StartArray();
    for (std::string_view option : component.options)
      string(writer, option);
    writer.EndArray();
  }
  optional_member(writer, "pl_on", component.payload_on);
  optional_member(writer, "pl_off", component.payload_off);
  if (component.diagnostic) member(writer, "ent_cat", "diagnostic");
  if (!component.enabled_by_default) {
    key(writer, "en");
    writer.Bool(false);
  }
  if (component.changes && input.expire_after > 0) {
    key(writer, "exp_aft");
    writer.Uint(input.expire_after);
  }
  writer.EndObject();
}

}  // namespace

std::string config_topic(std::string_view prefix, std::string_view meter_id) {
  std::string topic(prefix);
  topic += "/device/";
  topic += device_identifier(meter_id);
  topic += "/config";
  return topic;
}

std::string device_identifier(std::string_view meter_id) {
  return "teleinfo_" + std::string(meter_id);
}

std::vector<Component> device_components(const DeviceInput& input) {
  std::vector<Component> components = components_of(input.labels);
  if (input.counters) {
    for (Component& counter : counter_components())
      components.push_back(std::move(counter));
  }
  return components;
}

std::string device_document(const DeviceInput& input) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  write_device(writer, input);
  write_origin(writer, input);
  write_availability(writer, input);
  key(writer, "qos");
  writer.Int(input.qos);

  key(writer, "cmps");
  writer.StartObject();
  const std::vector<Component> components = device_components(input);
  std::set<std::string> declared;
  for (const Component& component : components) {
    write_component(writer, input, component);
    declared.insert(component.key);
  }
  // Removal: the component id with its platform alone.
  for (const Component& component : components_of(input.removed_labels)) {
    if (declared.contains(component.key)) continue;
    key(writer, component.key);
    writer.StartObject();
    member(writer, "p", to_string(component.platform));
    writer.EndObject();
  }
  writer.EndObject();

  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace discovery
