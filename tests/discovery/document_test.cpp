#include "discovery/document.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include "tic/labels.h"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The labels of a capture: the first word of every group line (separated by a space in historic
// mode, a tab in standard mode), kept when the dictionary knows it.
std::vector<std::string> capture_labels(const std::string& name) {
  const std::string bytes = read_file(std::string(TELEINFO_TEST_DATA) + "/frames/" + name);
  EXPECT_FALSE(bytes.empty()) << name;
  std::set<std::string> labels;
  std::istringstream lines(bytes);
  std::string line;
  while (std::getline(lines, line)) {
    line.erase(0, line.find_first_not_of("\x02\x03\n\r"));
    const std::string label = line.substr(0, line.find_first_of(" \t"));
    if (tic::find_label(label) != nullptr) labels.insert(label);
  }
  return {labels.begin(), labels.end()};
}

discovery::DeviceInput standard_meter() {
  discovery::DeviceInput input;
  input.meter_id = "061961361253";
  input.mode = tic::Mode::Standard;
  input.labels = capture_labels("hallard_tinfo_replay_stand_base_long.txt");
  input.tic_version = "02";
  input.software_version = "0.1.0";
  input.support_url = "https://github.com/teleinfo/teleinfo";
  input.expire_after = 180;
  input.counters = true;
  return input;
}

discovery::DeviceInput historic_meter() {
  discovery::DeviceInput input;
  input.meter_id = "021528603314";
  input.mode = tic::Mode::Historic;
  input.labels = capture_labels("hallard_tinfo_replay_histo_hc.txt");
  input.software_version = "0.1.0";
  input.support_url = "https://github.com/teleinfo/teleinfo";
  input.expire_after = 180;
  input.counters = true;
  return input;
}

// Another capture's meter, with the settings of the two above.
discovery::DeviceInput meter_of(const std::string& capture, const std::string& id, tic::Mode mode) {
  discovery::DeviceInput input = mode == tic::Mode::Standard ? standard_meter() : historic_meter();
  input.meter_id = id;
  input.labels = capture_labels(capture);
  return input;
}

// Compares with tests/discovery/golden/<name>; TELEINFO_UPDATE_GOLDEN=1 rewrites the file.
void expect_golden(const std::string& name, const std::string& document) {
  const std::string path = std::string(TELEINFO_DISCOVERY_GOLDEN) + "/" + name;
  if (std::getenv("TELEINFO_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << document << '\n';
  }
  EXPECT_EQ(read_file(path), document + '\n') << "golden " << path;
}

TEST(DeviceDocument, ConfigTopic) {
  EXPECT_EQ(discovery::config_topic("homeassistant", "061961361253"),
            "homeassistant/device/teleinfo_061961361253/config");
  EXPECT_EQ(discovery::config_topic("ha/test", "1"), "ha/test/device/teleinfo_1/config");
}

TEST(DeviceDocument, CaptureLabels) {
  EXPECT_EQ(historic_meter().labels,
            (std::vector<std::string>{"ADCO", "HCHC", "HCHP", "HHPHC", "IINST", "IMAX", "ISOUSC",
                                      "MOTDETAT", "OPTARIF", "PAPP", "PTEC"}));
  const auto standard = standard_meter().labels;
  EXPECT_TRUE(std::find(standard.begin(), standard.end(), "NJOURF+1") != standard.end());
  EXPECT_TRUE(std::find(standard.begin(), standard.end(), "STGE") != standard.end());
  EXPECT_TRUE(std::find(standard.begin(), standard.end(), "RELAIS") != standard.end());
}

TEST(DeviceDocument, StandardMonoGolden) {
  expect_golden("standard_061961361253.json", discovery::device_document(standard_meter()));
}

TEST(DeviceDocument, HistoricHcGolden) {
  expect_golden("historic_021528603314.json", discovery::device_document(historic_meter()));
}

TEST(DeviceDocument, StandardTriphaseGolden) {
  expect_golden("standard_triphase_031776013513.json",
                discovery::device_document(meter_of("hallard_tinfo_replay_stand_base_tri.txt",
                                                    "031776013513", tic::Mode::Standard)));
}

TEST(DeviceDocument, StandardProducerGolden) {
  expect_golden(
      "standard_producer_123456789012.json",
      discovery::device_document(meter_of(
          "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw",
          "123456789012", tic::Mode::Standard)));
}

TEST(DeviceDocument, HistoricTriphaseGolden) {
  expect_golden("historic_triphase_021630015376.json",
                discovery::device_document(meter_of("hallard_tinfo_replay_histo_base_tri.txt",
                                                    "021630015376", tic::Mode::Historic)));
}

TEST(DeviceDocument, DeviceBlock) {
  rapidjson::Document json;
  json.Parse(discovery::device_document(historic_meter()).c_str());
  ASSERT_FALSE(json.HasParseError());
  const auto& device = json["dev"];
  EXPECT_STREQ(device["ids"][0].GetString(), "teleinfo_021528603314");
  EXPECT_STREQ(device["mf"].GetString(), "Enedis");
  EXPECT_STREQ(device["mdl_id"].GetString(), "28");
  EXPECT_STREQ(device["sn"].GetString(), "021528603314");
  EXPECT_STREQ(device["sw"].GetString(), "historic");
  EXPECT_STREQ(json["o"]["name"].GetString(), "teleinfo");
  EXPECT_STREQ(json["avty"][0]["t"].GetString(), "teleinfo/status");
  EXPECT_STREQ(json["avty"][1]["t"].GetString(), "teleinfo/021528603314/status");
  EXPECT_STREQ(json["avty_mode"].GetString(), "all");
  const auto& hchc = json["cmps"]["hchc"];
  EXPECT_STREQ(hchc["uniq_id"].GetString(), "teleinfo_021528603314_hchc");
  EXPECT_STREQ(hchc["def_ent_id"].GetString(), "sensor.teleinfo_021528603314_hchc");
  EXPECT_STREQ(hchc["stat_t"].GetString(), "teleinfo/021528603314/HCHC");
  EXPECT_EQ(hchc["exp_aft"].GetUint(), 180u);
  EXPECT_FALSE(json["cmps"]["adco"].HasMember("exp_aft"));
}

TEST(DeviceDocument, StandardHasDecodedStatusAndRelays) {
  rapidjson::Document json;
  json.Parse(discovery::device_document(standard_meter()).c_str());
  ASSERT_FALSE(json.HasParseError());
  EXPECT_STREQ(json["dev"]["sw"].GetString(), "TIC 02");
  EXPECT_STREQ(json["dev"]["name"].GetString(), "Linky 061961361253");
  const auto& cmps = json["cmps"];
  EXPECT_STREQ(cmps["stge_tempo_today"]["stat_t"].GetString(),
               "teleinfo/061961361253/STGE/tempo_today");
  EXPECT_STREQ(cmps["relais_3"]["p"].GetString(), "binary_sensor");
  EXPECT_STREQ(cmps["njourf_plus_1"]["stat_t"].GetString(), "teleinfo/061961361253/NJOURF_plus_1");
}

TEST(DeviceDocument, SameLabelsInAnyOrderGiveTheSameText) {
  discovery::DeviceInput input = standard_meter();
  const std::string first = discovery::device_document(input);
  std::reverse(input.labels.begin(), input.labels.end());
  input.labels.push_back(input.labels.front());
  EXPECT_EQ(discovery::device_document(input), first);
}

TEST(DeviceDocument, RemovedLabelsKeepOnlyTheirPlatform) {
  discovery::DeviceInput input = historic_meter();
  input.labels.erase(std::find(input.labels.begin(), input.labels.end(), "PTEC"));
  input.removed_labels = {"PTEC", "HCHC", "RELAIS"};  // HCHC is still seen: not removed
  rapidjson::Document json;
  json.Parse(discovery::device_document(input).c_str());
  ASSERT_FALSE(json.HasParseError());
  const auto& cmps = json["cmps"];
  ASSERT_TRUE(cmps.HasMember("ptec"));
  EXPECT_EQ(cmps["ptec"].MemberCount(), 1u);
  EXPECT_STREQ(cmps["ptec"]["p"].GetString(), "sensor");
  EXPECT_EQ(cmps["relais_8"].MemberCount(), 1u);
  EXPECT_STREQ(cmps["relais_8"]["p"].GetString(), "binary_sensor");
  EXPECT_TRUE(cmps["hchc"].HasMember("uniq_id"));
}

TEST(DeviceDocument, NoExpiryWhenZero) {
  discovery::DeviceInput input = historic_meter();
  input.expire_after = 0;
  EXPECT_EQ(discovery::device_document(input).find("exp_aft"), std::string::npos);
}

}  // namespace
