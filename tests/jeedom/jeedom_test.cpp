// The Jeedom teleinfo plugin's layouts: the STGE/RELAIS texts of its serial daemon, golden frames,
// and our output read the way the plugin's MQTT daemon reads it (PEERS.md §4).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "jeedom/payloads.h"
#include "jeedom/status_texts.h"
#include "support/captures.h"
#include "tic/frame_json.h"

namespace {

using Entries = std::map<std::string, std::string>;

// A frame of a capture: the first whole one with a meter address.
tic::Frame first_frame(const std::string& capture) {
  for (tic::Frame& frame : test::decode(test::read_capture(capture)).frames) {
    if (!frame.address().empty()) return std::move(frame);
  }
  ADD_FAILURE() << capture << " has no frame";
  return {};
}

Entries status_texts(const tic::Frame& frame) {
  Entries entries;
  jeedom::for_each_status_text(
      frame, [&](std::string_view name, std::string_view text) { entries.emplace(name, text); });
  return entries;
}

// What the plugin's MQTT daemon makes of a payload, as PEERS.md §4 describes teleinfo_mqtt.py:
// json.loads; shape A, keys before ADCO/ADSC skipped, then x[key]["raw"] for every key; shape B, a
// wrapper whose value is a flat object starting with ADCO/ADSC. '.' and ')' are stripped from PTEC
// and OPTARIF. The result also holds "device", the address. Empty when the plugin would read
// nothing.
Entries read_as_the_plugin(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  Entries entries;
  if (document.HasParseError() || !document.IsObject()) return entries;
  auto take = [&](std::string key, std::string value) {
    if (key == "PTEC" || key == "OPTARIF") {
      std::erase(value, '.');
      std::erase(value, ')');
    }
    entries[key] = value;
  };
  const rapidjson::Value* flat = nullptr;
  for (const auto& member : document.GetObject()) {
    if (!member.value.IsObject() || member.value.MemberCount() == 0) continue;
    const std::string first = member.value.MemberBegin()->name.GetString();
    if ((first == "ADCO" || first == "ADSC") && member.value.MemberBegin()->value.IsString()) {
      flat = &member.value;  // shape B
    }
  }
  bool started = false;
  if (flat != nullptr) {
    for (const auto& member : flat->GetObject()) {
      const std::string key = member.name.GetString();
      if (!started && key != "ADCO" && key != "ADSC") continue;
      if (!started) entries["device"] = member.value.GetString();
      started = true;
      take(key, member.value.GetString());
    }
    return entries;
  }
  for (const auto& member : document.GetObject()) {
    const std::string key = member.name.GetString();
    if (!started && key != "ADCO" && key != "ADSC") continue;
    if (!member.value.IsObject() || !member.value.HasMember("raw") ||
        !member.value["raw"].IsString()) {
      ADD_FAILURE() << key << " is not an object with a raw string: the plugin would fail on it";
      continue;
    }
    if (!started) entries["device"] = member.value["raw"].GetString();
    started = true;
    take(key, member.value["raw"].GetString());
  }
  return entries;
}

// STGE 003A0001 (a Linky BASE): contact open, standard mode, Euridis secured, CPL new/locked.
TEST(JeedomStatusTexts, StandardBaseMeter) {
  const Entries texts = status_texts(first_frame("hallard_tinfo_replay_stand_base_long.txt"));
  const Entries expected = {
      {"STGE01", "Ouvert"},
      {"STGE02", "Ferme"},
      {"STGE03", "Ferme"},
      {"STGE04", "Toujours a 0"},
      {"STGE05", "Pas de surtension"},
      {"STGE06", "Pas de depassement"},
      {"STGE07", "Consommateur"},
      {"STGE08", "Energie active positive"},
      {"STGE09", "Energie ventilee sur Index 1"},
      {"STGE10", "Energie ventilee sur Index 1"},
      {"STGE11", "Horloge correcte"},
      {"STGE12", "Mode Standard"},
      {"STGE13", "Non utilise"},
      {"STGE14", "Activee avec securite"},
      {"STGE15", "New/Lock"},
      {"STGE16", "Compteur non synchronise"},
      {"STGE17", "Pas d\u2018annonce"},
      {"STGE18", "Pas d\u2018annonce"},
      {"STGE19", "Pas de preavis en cours"},
      {"STGE20", "Pas de pointe mobile"},
      {"RELAIS01", "Ouvert"},
      {"RELAIS02", "Ouvert"},
      {"RELAIS03", "Ouvert"},
      {"RELAIS04", "Ouvert"},
      {"RELAIS05", "Ouvert"},
      {"RELAIS06", "Ouvert"},
      {"RELAIS07", "Ouvert"},
      {"RELAIS08", "Ouvert"},
  };
  EXPECT_EQ(texts, expected);
}

// STGE 463A0800 (a three-phase Tempo Linky): white today, blue tomorrow, supplier index 3, PM1 in
// progress; RELAIS 001: relay 1 closed.
TEST(JeedomStatusTexts, ThreePhaseTempoMeter) {
  const Entries texts =
      status_texts(first_frame("gaetronik_teleinfo-nom_stream_standard_complete.txt"));
  EXPECT_EQ(texts.at("STGE09"), "Energie ventilee sur Index 3");
  EXPECT_EQ(texts.at("STGE17"), "Blanc");
  EXPECT_EQ(texts.at("STGE18"), "Bleu");
  EXPECT_EQ(texts.at("STGE20"), "PM1 en cours");
  EXPECT_EQ(texts.at("RELAIS01"), "Ferme");
  EXPECT_EQ(texts.at("RELAIS02"), "Ouvert");
}

TEST(JeedomStatusTexts, NothingForHistoricFrames) {
  EXPECT_TRUE(status_texts(first_frame("hallard_tinfo_replay_histo_hc.txt")).empty());
}

// The captures the goldens and the reader run on: historic HC and Tempo, standard mono, three-phase
// Tempo, and a producer.
const std::vector<std::string> kCaptures = {
    "hallard_tinfo_replay_histo_hc.txt",
    "gaetronik_teleinfo-nom_stream_legacy_complete.txt",
    "hallard_tinfo_replay_stand_base_long.txt",
    "gaetronik_teleinfo-nom_stream_standard_complete.txt",
    "openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw",
};

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

// tests/jeedom/golden/<capture>.<kind>.json; TELEINFO_UPDATE_GOLDEN=1 writes them.
void expect_golden(const std::string& capture, const std::string& kind, const std::string& text) {
  const std::string path =
      std::string{TELEINFO_TEST_DATA} + "/../jeedom/golden/" + capture + "." + kind + ".json";
  if (std::getenv("TELEINFO_UPDATE_GOLDEN") != nullptr) {
    std::ofstream{path, std::ios::binary} << text << '\n';
  }
  EXPECT_EQ(read_file(path), text + '\n') << path;
}

TEST(JeedomPayloads, Goldens) {
  for (const std::string& capture : kCaptures) {
    SCOPED_TRACE(capture);
    const tic::Frame frame = first_frame(capture);
    std::string plain, with_status, tasmota;
    tic::write_frame_json(frame, plain);
    jeedom::write_frame_json_with_status(frame, with_status);
    jeedom::write_tasmota_json(frame, tasmota);
    expect_golden(capture, "frame", plain);
    expect_golden(capture, "jeedom", with_status);
    expect_golden(capture, "tasmota", tasmota);
  }
}

// Every label reaches the plugin with its raw data, from the address on; PTEC and OPTARIF as the
// plugin strips them; with --jeedom, the 28 entries of its serial daemon too. In both shapes.
TEST(JeedomPayloads, ThePluginReadsEveryLabel) {
  for (const std::string& capture : kCaptures) {
    SCOPED_TRACE(capture);
    const tic::Frame frame = first_frame(capture);
    Entries expected{{"device", std::string{frame.address()}}};
    for (const tic::Field field : frame) {
      std::string raw{field.raw};
      if (field.label == "PTEC" || field.label == "OPTARIF") {
        std::erase(raw, '.');
        std::erase(raw, ')');
      }
      expected.emplace(field.label, raw);
    }
    std::string plain, with_status, tasmota;
    tic::write_frame_json(frame, plain);
    jeedom::write_frame_json_with_status(frame, with_status);
    jeedom::write_tasmota_json(frame, tasmota);

    Entries read = read_as_the_plugin(plain);
    // TIME is an object with raw: the plugin takes it as one more command.
    ASSERT_EQ(read.count("TIME"), 1u);
    read.erase("TIME");
    EXPECT_EQ(read, expected);

    Entries read_with_status = read_as_the_plugin(with_status);
    read_with_status.erase("TIME");
    Entries expected_with_status = expected;
    for (const auto& [name, text] : status_texts(frame))
      expected_with_status.emplace(name, text);
    EXPECT_EQ(read_with_status, expected_with_status);

    Entries expected_tasmota = expected;
    if (const auto date = frame.find("DATE")) {
      expected_tasmota["DATE"] = std::string{date->horodate_raw};
    }
    EXPECT_EQ(read_as_the_plugin(tasmota), expected_tasmota);
  }
}

TEST(JeedomPayloads, HistoricTariffsAsThePluginWantsThem) {
  const Entries hc =
      read_as_the_plugin(tic::to_frame_json(first_frame("hallard_tinfo_replay_histo_hc.txt")));
  EXPECT_EQ(hc.at("OPTARIF"), "HC");
  EXPECT_EQ(hc.at("PTEC"), "HP");
  const Entries tempo = read_as_the_plugin(
      tic::to_frame_json(first_frame("gaetronik_teleinfo-nom_stream_legacy_complete.txt")));
  EXPECT_EQ(tempo.at("OPTARIF"), "BBR(");  // the plugin strips ')' only
  EXPECT_EQ(tempo.at("PTEC"), "HPJB");
  EXPECT_EQ(tempo.at("DEMAIN"), "BLEU");
}

}  // namespace
