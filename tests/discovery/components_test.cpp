#include "discovery/components.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using discovery::Component;
using discovery::label_component;
using discovery::Platform;

Component of(std::string_view label) {
  const auto component = label_component(label);
  EXPECT_TRUE(component.has_value()) << label;
  return component.value_or(Component{});
}

TEST(Components, KeysAndSubtopics) {
  EXPECT_EQ(discovery::component_key("NJOURF+1"), "njourf_plus_1");
  EXPECT_EQ(discovery::component_key("SMAXSN1-1"), "smaxsn1_minus_1");
  EXPECT_EQ(discovery::component_key("EAST"), "east");
  EXPECT_EQ(discovery::label_subtopic("NJOURF+1"), "NJOURF_plus_1");
  EXPECT_EQ(discovery::label_subtopic("SMAXSN-1"), "SMAXSN-1");
  EXPECT_EQ(of("PJOURF+1").subtopic, "PJOURF_plus_1");
}

TEST(Components, EnergyIndexes) {
  for (const char* label :
       {"BASE", "HCHC", "EJPHPM", "BBRHPJR", "EAST", "EASF01", "EASD04", "EAIT"}) {
    const Component component = of(label);
    EXPECT_EQ(component.platform, Platform::Sensor) << label;
    EXPECT_EQ(component.device_class, "energy") << label;
    EXPECT_EQ(component.state_class, "total_increasing") << label;
    EXPECT_EQ(component.unit, "Wh") << label;
    EXPECT_TRUE(component.changes) << label;
    EXPECT_FALSE(component.diagnostic) << label;
  }
  EXPECT_EQ(of("HCHC").name, "Index, off-peak hours");
  EXPECT_TRUE(of("EASF06").enabled_by_default);
  EXPECT_FALSE(of("EASF07").enabled_by_default);
}

TEST(Components, ApparentPowerIsNeverWatts) {
  for (const char* label : {"PAPP", "SINSTS", "SINSTS2", "SINSTI", "SMAXSN", "SMAXIN-1"}) {
    const Component component = of(label);
    EXPECT_EQ(component.device_class, "apparent_power") << label;
    EXPECT_EQ(component.state_class, "measurement") << label;
    EXPECT_EQ(component.unit, "VA") << label;
  }
  const Component pref = of("PREF");
  EXPECT_EQ(pref.device_class, "apparent_power");
  EXPECT_EQ(pref.unit, "VA");
  EXPECT_EQ(pref.value_template, "{{ (value | int) * 1000 }}");
  EXPECT_EQ(pref.state_class, "");
  EXPECT_TRUE(pref.diagnostic);
}

TEST(Components, CurrentVoltagePowerReactive) {
  EXPECT_EQ(of("IINST").device_class, "current");
  EXPECT_EQ(of("IRMS1").unit, "A");
  EXPECT_EQ(of("IRMS1").state_class, "measurement");
  EXPECT_EQ(of("ISOUSC").unit, "A");
  EXPECT_EQ(of("ISOUSC").state_class, "");
  EXPECT_EQ(of("ADIR2").unit, "A");
  EXPECT_EQ(of("URMS1").device_class, "voltage");
  EXPECT_EQ(of("UMOY3").unit, "V");
  EXPECT_FALSE(of("UMOY3").enabled_by_default);
  EXPECT_EQ(of("CCASN").device_class, "power");
  EXPECT_EQ(of("CCAIN-1").unit, "W");
  EXPECT_EQ(of("ERQ3").device_class, "reactive_energy");
  EXPECT_EQ(of("ERQ3").unit, "varh");
  EXPECT_EQ(of("ERQ3").state_class, "total_increasing");
}

TEST(Components, EnumSensors) {
  const Component ptec = of("PTEC");
  EXPECT_EQ(ptec.device_class, "enum");
  EXPECT_EQ(ptec.state_class, "");
  EXPECT_EQ(ptec.unit, "");
  EXPECT_EQ(ptec.options.size(), 11u);
  EXPECT_EQ(ptec.options.front(), "TH");
  EXPECT_EQ(ptec.options.back(), "HPJR");
  const Component demain = of("DEMAIN");
  ASSERT_EQ(demain.options.size(), 4u);
  EXPECT_EQ(demain.options[0], "----");
  EXPECT_EQ(demain.options[2], "BLAN");
}

TEST(Components, DiagnosticsAndTexts) {
  for (const char* label :
       {"ADCO", "ADSC", "PRM", "VTIC", "NGTF", "MSG1", "OPTARIF", "MOTDETAT", "STGE", "DATE"}) {
    EXPECT_TRUE(of(label).diagnostic) << label;
    EXPECT_EQ(of(label).state_class, "") << label;
  }
  EXPECT_EQ(of("ADSC").name, "Meter address");
  EXPECT_EQ(of("DATE").device_class, "timestamp");
  EXPECT_FALSE(of("STGE").enabled_by_default);
  EXPECT_EQ(of("LTARF").device_class, "");
  EXPECT_FALSE(of("LTARF").diagnostic);
}

TEST(Components, UnknownLabelsAreDisabledText) {
  const Component component = of("NEWLBL+2");
  EXPECT_EQ(component.key, "newlbl_plus_2");
  EXPECT_EQ(component.subtopic, "NEWLBL_plus_2");
  EXPECT_EQ(component.name, "NEWLBL+2");
  EXPECT_TRUE(component.diagnostic);
  EXPECT_FALSE(component.enabled_by_default);
  EXPECT_EQ(component.device_class, "");
  EXPECT_FALSE(label_component("BAD/LABEL").has_value());
  EXPECT_FALSE(label_component("").has_value());
}

TEST(Components, StatusRegister) {
  const auto components = discovery::status_components();
  ASSERT_EQ(components.size(), 18u);
  std::set<std::string> keys;
  for (const Component& component : components) {
    keys.insert(component.key);
    EXPECT_EQ(component.subtopic, "STGE/" + component.key.substr(5));
  }
  EXPECT_EQ(keys.size(), components.size());
  const auto find = [&](std::string_view key) {
    for (const Component& component : components) {
      if (component.key == key) return component;
    }
    ADD_FAILURE() << key;
    return Component{};
  };
  const Component tempo = find("stge_tempo_today");
  EXPECT_EQ(tempo.device_class, "enum");
  EXPECT_EQ(tempo.options, (std::vector<std::string_view>{"none", "blue", "white", "red"}));
  const Component clock = find("stge_clock");
  EXPECT_EQ(clock.platform, Platform::BinarySensor);
  EXPECT_EQ(clock.device_class, "problem");
  EXPECT_EQ(clock.payload_on, "degraded");
  EXPECT_EQ(clock.payload_off, "ok");
  const Component role = find("stge_role");
  EXPECT_EQ(role.payload_on, "producer");
  EXPECT_EQ(find("stge_overvoltage").payload_on, "true");
  EXPECT_EQ(find("stge_dry_contact").payload_on, "closed");
  EXPECT_EQ(find("stge_cut_off").options.size(), 8u);
  EXPECT_EQ(find("stge_supplier_index").options.back(), "10");
}

TEST(Components, Relays) {
  const auto relays = discovery::relay_components();
  ASSERT_EQ(relays.size(), 8u);
  EXPECT_EQ(relays[0].key, "relais_1");
  EXPECT_EQ(relays[0].subtopic, "RELAIS/1");
  EXPECT_EQ(relays[0].platform, Platform::BinarySensor);
  EXPECT_EQ(relays[0].payload_on, "closed");
  EXPECT_EQ(relays[0].payload_off, "open");
  EXPECT_TRUE(relays[0].enabled_by_default);
  EXPECT_FALSE(relays[7].enabled_by_default);
  EXPECT_EQ(relays[7].subtopic, "RELAIS/8");
}

}  // namespace
