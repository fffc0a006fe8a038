// teleinfo-bridge as a user runs it: options, exit statuses, error lines, and the --dry-run
// contract of DESIGN.md on every capture of tests/data/frames.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/captures.h"
#include "support/daemon.h"
#include "support/process.h"
#include "tic/frame_json.h"
#include "tic/group.h"
#include "tic/horodate.h"

namespace {

const std::string kBridge = TELEINFO_BRIDGE;
const std::string kFrames = std::string{TELEINFO_TEST_DATA} + "/frames/";

// An empty config file, so that an installed /etc/teleinfo/teleinfo.conf never leaks in.
std::string empty_config() {
  static const std::string path = [] {
    const auto file = std::filesystem::temp_directory_path() / "teleinfo-cli-test-empty.conf";
    std::ofstream{file};
    return file.string();
  }();
  return path;
}

test::ProcessResult bridge(std::vector<std::string> arguments,
                           std::map<std::string, std::string> environment = {},
                           const std::string& input = {}) {
  environment.emplace("TELEINFO_CONFIG", empty_config());
  return test::run_process(kBridge, arguments, environment, input);
}

struct Publication {
  std::string topic;
  std::string payload;
  int qos = -1;
  bool retain = true;
};

// Parses the dry-run output; fails the test on any line that is not the contract's shape.
std::vector<Publication> publications(const std::string& out) {
  std::vector<Publication> result;
  for (const std::string& line : test::lines(out)) {
    rapidjson::Document document;
    document.Parse(line.c_str(), line.size());
    EXPECT_FALSE(document.HasParseError()) << line;
    if (document.HasParseError() || !document.IsObject()) continue;
    EXPECT_EQ(document.MemberCount(), 4u) << line;
    EXPECT_TRUE(document["topic"].IsString() && document["payload"].IsString() &&
                document["qos"].IsInt() && document["retain"].IsBool())
        << line;
    result.push_back({document["topic"].GetString(), document["payload"].GetString(),
                      document["qos"].GetInt(), document["retain"].GetBool()});
  }
  return result;
}

// The frame stream: the publications that are not retained (status and label topics are).
std::vector<Publication> stream(const std::string& out) {
  std::vector<Publication> frames;
  for (Publication& publication : publications(out)) {
    if (!publication.retain) frames.push_back(std::move(publication));
  }
  return frames;
}

// The last value published on each retained topic, and how many times each was published.
struct Retained {
  std::map<std::string, std::string> value;
  std::map<std::string, int> count;
};
Retained retained(const std::string& out) {
  Retained result;
  for (const Publication& publication : publications(out)) {
    if (!publication.retain) continue;
    result.value[publication.topic] = publication.payload;
    ++result.count[publication.topic];
  }
  return result;
}

// The frame JSON without its TIME member, which depends on the clock.
std::string without_time(const std::string& payload) {
  const std::size_t time = payload.rfind(",\"TIME\":");
  return payload.substr(0, time);
}

void expect_one_error_line(const test::ProcessResult& result, int status,
                           const std::string& mention) {
  EXPECT_EQ(result.exit_status, status);
  EXPECT_EQ(result.out, "");
  const std::vector<std::string> err = test::lines(result.err);
  ASSERT_EQ(err.size(), 1u) << result.err;
  EXPECT_TRUE(err[0].starts_with("teleinfo-bridge: error: ")) << err[0];
  EXPECT_NE(err[0].find(mention), std::string::npos) << err[0];
}

TEST(Cli, VersionMatchesTheProject) {
  const test::ProcessResult result = bridge({"--version"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "teleinfo-bridge " TELEINFO_VERSION "\n");
  EXPECT_EQ(result.err, "");
}

TEST(Cli, HelpListsEveryOption) {
  const test::ProcessResult result = bridge({"--help"});
  EXPECT_EQ(result.exit_status, 0);
  for (const char* option : {"--source",        "--mode",           "--dry-run",
                             "--mqtt-url",      "--mqtt-user",      "--mqtt-password-file",
                             "--mqtt-ca",       "--mqtt-cert",      "--mqtt-key",
                             "--mqtt-insecure", "--mqtt-client-id", "--mqtt-version",
                             "--mqtt-qos",      "--mqtt-retain",    "--mqtt-base",
                             "--mqtt-backlog",  "--refresh",        "--frame-interval",
                             "--power-change",  "--labels",         "--meter-timeout",
                             "--replay-speed",  "--jeedom",         "--jeedom-tasmota",
                             "--ha-discovery",  "--ha-prefix",      "--no-checksum",
                             "--log-level",     "--config",         "--print-config",
                             "--help",          "--version"}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option;
  }
}

TEST(Cli, BadOptionsGiveOneLineAndStatus2) {
  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  expect_one_error_line(bridge({"--frobnicate"}), 2, "--frobnicate");
  expect_one_error_line(bridge({"--dry-run"}), 2, "--source");
  expect_one_error_line(bridge({"--source", capture, "--mode", "fast"}), 2, "--mode fast");
  expect_one_error_line(bridge({"--source", capture, "--mqtt-base", "a/#"}), 2, "--mqtt-base");
  expect_one_error_line(bridge({"--source", capture, "--mqtt-base", "/a"}), 2, "--mqtt-base");
  expect_one_error_line(bridge({"--source", capture, "--log-level", "loud"}), 2, "--log-level");
  expect_one_error_line(bridge({"--source", "tcp://host:0"}), 2, "tcp://host:0");
  expect_one_error_line(bridge({"--source", "tcp://host"}), 2, "tcp://host");
  expect_one_error_line(bridge({"--source", "ftp://x"}), 2, "ftp://x");
  expect_one_error_line(bridge({"--source", "file:"}), 2, "file:");
  expect_one_error_line(bridge({"--source", capture}, {{"TELEINFO_MQTT_BAS", "x"}}), 2,
                        "TELEINFO_MQTT_BAS");
  expect_one_error_line(bridge({"--source", capture}, {{"TELEINFO_MODE", "fast"}}), 2, "fast");
  expect_one_error_line(bridge({"--source", capture, "--config", "/nonexistent.conf"}), 2,
                        "/nonexistent.conf");
}

// What the config fuzzer found: TELEINFO_ alone once ended the program with an exception Boost
// threw (every option matched the empty name), and a line break in a value split the message.
TEST(Cli, OddEnvironmentGivesOneLineAndStatus2) {
  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  expect_one_error_line(bridge({"--source", capture}, {{"TELEINFO_", "x"}}), 2,
                        "unknown environment variable TELEINFO_");
  expect_one_error_line(bridge({"--source", capture}, {{"TIC_MODE", "his\ntoric"}}), 2,
                        "TIC_MODE=his toric: not a valid value");
  expect_one_error_line(bridge({"--source", capture}, {{"TELEINFO_MQTT_BASE", "a\r\n/#"}}), 2,
                        "--mqtt-base a  /#");
  expect_one_error_line(bridge({"--source", capture, "--log-level", "very\nloud"}), 2,
                        "--log-level very loud");
}

// Boost reads an empty boolean as true, and wraps a negative count around: both refused.
TEST(Cli, EmptyBooleansAndNegativeCountsAreRefused) {
  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  expect_one_error_line(bridge({"--dry-run", "--source", capture}, {{"TELEINFO_JEEDOM", ""}}), 2,
                        "in the environment: --jeedom: expected true or false, not an empty value");
  expect_one_error_line(bridge({"--dry-run", "--source", capture, "--mqtt-backlog", "-1"}), 2,
                        "--mqtt-backlog -1: expected a whole number, 0 or more");
  const auto file = std::filesystem::temp_directory_path() / "teleinfo-cli-test-values.conf";
  std::ofstream{file} << "source = " << capture << "\ndry-run = true\nmqtt-insecure =\n";
  expect_one_error_line(bridge({"--config", file.string()}), 2,
                        file.string() + ": --mqtt-insecure: expected true or false");
  std::ofstream{file} << "source = " << capture << "\ndry-run = true\nhttp-points = -5\n";
  expect_one_error_line(bridge({"--config", file.string()}), 2,
                        file.string() + ": --http-points -5: expected a whole number");
}

// Boost makes its messages by filling placeholders (%value%...) until none is left: text holding
// one hung the program as it started. The config fuzzer found it.
TEST(Cli, PlaceholdersInWhatIsGivenEndInOneLine) {
  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  const auto file = std::filesystem::temp_directory_path() / "teleinfo-cli-test-placeholder.conf";
  std::ofstream{file} << "source = " << capture << "\n%invalid_line%\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--source", capture, "--mqtt-qos", "%value%"},
       "the argument ('%25value%25') for option '--mqtt-qos' is invalid"},
      {{"--source", capture, "--x%canonical_option%"},
       "unrecognised option '--x%25canonical_option%25'"},
      {{"--config", file.string()},
       file.string() + ": the options configuration file contains an invalid line "
                       "'%25invalid_line%25'"},
  };
  for (const auto& [arguments, message] : cases) {
    test::Daemon program{kBridge, arguments, {{"TELEINFO_CONFIG", empty_config()}}};
    EXPECT_EQ(program.wait(std::chrono::seconds{10}), 2) << message;
    EXPECT_EQ(program.err(), "teleinfo-bridge: error: " + message + "\n");
  }
}

TEST(Cli, UnknownKeyInConfigFile) {
  const auto file = std::filesystem::temp_directory_path() / "teleinfo-cli-test-bad.conf";
  std::ofstream{file} << "source = file:x\nbogus = 1\n";
  expect_one_error_line(bridge({"--config", file.string()}), 2, "bogus");
}

TEST(Cli, UnreadableFileGivesOneLineAndStatus1) {
  expect_one_error_line(bridge({"--dry-run", "--source", "file:/nonexistent/capture.txt"}), 1,
                        "/nonexistent/capture.txt: No such file or directory");
  expect_one_error_line(bridge({"--dry-run", "--source", "file:/"}), 1, "Is a directory");
}

TEST(Cli, DryRunHistoricCapture) {
  const test::ProcessResult result =
      bridge({"--dry-run", "--source", "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt"});
  EXPECT_EQ(result.exit_status, 0);
  const std::vector<Publication> published = stream(result.out);
  ASSERT_EQ(published.size(), 5u);
  for (const Publication& publication : published) {
    EXPECT_EQ(publication.topic, "teleinfo/021528603314");
    EXPECT_EQ(publication.qos, 1);
    EXPECT_FALSE(publication.retain);
  }
  // The first frame, as the capture has it.
  EXPECT_TRUE(published[0].payload.starts_with(
      R"({"ADCO":{"raw":"021528603314","value":"021528603314"},)"
      R"("OPTARIF":{"raw":"HC..","value":"HC"},"ISOUSC":{"raw":"15","value":15},)"
      R"("HCHC":{"raw":"000837362","value":837362},"HCHP":{"raw":"002035628","value":2035628},)"
      R"("PTEC":{"raw":"HP..","value":"HP"},"IINST":{"raw":"001","value":1},)"
      R"("IMAX":{"raw":"002","value":2},"PAPP":{"raw":"00190","value":190},)"
      R"("HHPHC":{"raw":"A","value":"A"},"MOTDETAT":{"raw":"000000","value":"000000"},)"
      R"("TIME":{"raw":")"))
      << published[0].payload;
  // The summary line on standard error.
  EXPECT_NE(result.err.find("5 frames published"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("55 groups valid"), std::string::npos) << result.err;
}

TEST(Cli, DryRunTimesStrictlyIncrease) {
  const test::ProcessResult result = bridge(
      {"--dry-run", "--source", "file:" + kFrames + "hallard_tinfo_replay_stand_base_long.txt"});
  const std::vector<Publication> published = stream(result.out);
  ASSERT_EQ(published.size(), 100u);
  std::int64_t previous = 0;
  for (const Publication& publication : published) {
    tic::Frame frame;
    ASSERT_EQ(tic::read_frame_json(publication.payload, frame), "");
    const std::int64_t time = frame.time().time_since_epoch().count();
    EXPECT_GT(time, previous);
    previous = time;
  }
}

// Every capture: the publications are the frames the library decodes, those with a valid meter
// address, in order, on that meter's topic.
TEST(Cli, DryRunOfEveryCapture) {
  // Frames published per capture. Zero where the capture's ADCO/ADSC was anonymised and fails its
  // checksum, and for the capture with no complete frame.
  const std::map<std::string, std::size_t> expected = {
      {"destroyedlolo_TeleInfod_trame_historique.txt", 0},
      {"destroyedlolo_TeleInfod_trame_standard.txt", 0},
      {"gaetronik_teleinfo-nom_message.txt", 1},
      {"gaetronik_teleinfo-nom_message_standard.txt", 1},
      {"gaetronik_teleinfo-nom_stream_legacy_complete.txt", 1},
      {"gaetronik_teleinfo-nom_stream_legacy_incomplete.txt", 0},
      {"gaetronik_teleinfo-nom_stream_legacy_raw.txt", 1},
      {"gaetronik_teleinfo-nom_stream_standard_complete.txt", 1},
      {"gbredz1_TeleinfoMQTT_teleinfo-dump.txt", 82},
      {"hallard_tinfo_replay_histo_base.txt", 10},
      {"hallard_tinfo_replay_histo_base_tri.txt", 5},
      {"hallard_tinfo_replay_histo_hc.txt", 5},
      {"hallard_tinfo_replay_stand_base.txt", 0},
      {"hallard_tinfo_replay_stand_base_long.txt", 100},
      {"hallard_tinfo_replay_stand_base_tri.txt", 5},
      {"hallard_tinfo_replay_stand_base_tri_short.txt", 1},
      {"lains_ticdecodecpp_continuous_linky_1P_standard_TIC_sample.bin", 12},
      {"lains_ticdecodecpp_continuous_linky_3P_historical_TIC_2024_sample.bin", 4},
      {"lains_ticdecodecpp_continuous_linky_3P_historical_TIC_sample.bin", 6},
      {"lains_ticdecodecpp_linky_1P_midnight.bin", 12},
      {"nokyyz_teleinfo_historic_HC_mono_stream-1.raw.txt", 13},
      {"nokyyz_teleinfo_historic_HC_mono_stream-2.raw.txt", 124},
      {"nokyyz_teleinfo_historic_HC_mono_stream-3.raw.txt", 198},
      {"openhab_openhab-addons_linky-tic-mode-standard-single-phase-prod.RECONSTRUCTED.raw", 1},
      {"seed_TeleInfoMonitor_teleinfo_sample.txt", 0},
      {"seed_TeleInfoMonitor_teleinfo_sample_ADCOfixed_DERIVED.txt", 52},
  };
  ASSERT_EQ(test::capture_names().size(), expected.size());
  for (const std::string& name : test::capture_names()) {
    SCOPED_TRACE(name);
    const test::ProcessResult result = bridge({"--dry-run", "--source", "file:" + kFrames + name});
    EXPECT_EQ(result.exit_status, 0);
    const std::vector<Publication> published = stream(result.out);
    ASSERT_EQ(published.size(), expected.at(name));

    std::vector<tic::Frame> frames;
    for (tic::Frame& frame : test::decode(test::read_capture(name)).frames) {
      if (!frame.address().empty() && frame.kind() == tic::FrameKind::Long) {
        frames.push_back(std::move(frame));
      }
    }
    ASSERT_EQ(frames.size(), published.size());
    // gbredz1's capture is spliced: its last frame's indexes jump 8.8 MWh in 1.5 s. The Energy
    // dashboard's guard holds them back; every other value of every capture goes out.
    const bool spliced = name == "gbredz1_TeleinfoMQTT_teleinfo-dump.txt";
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(published[i].topic, "teleinfo/" + std::string{frames[i].address()});
      if (spliced && i + 1 == frames.size()) {
        tic::Frame expected_frame;
        for (const tic::Field field : frames[i]) {
          if (field.label != "HCHC" && field.label != "HCHP") expected_frame.append(field);
        }
        EXPECT_EQ(without_time(published[i].payload),
                  without_time(tic::to_frame_json(expected_frame)));
        continue;
      }
      EXPECT_EQ(without_time(published[i].payload), without_time(tic::to_frame_json(frames[i])));
    }
    EXPECT_EQ(result.err.find("held back") != std::string::npos, spliced) << result.err;
  }
}

TEST(Cli, StandardInputAndBaseTopic) {
  const std::string capture = test::read_capture("lains_ticdecodecpp_linky_1P_midnight.bin");
  const test::ProcessResult result =
      bridge({"--dry-run", "--source", "-", "--mqtt-base", "home/linky"}, {}, capture);
  EXPECT_EQ(result.exit_status, 0);
  const std::vector<Publication> published = stream(result.out);
  ASSERT_EQ(published.size(), 12u);
  EXPECT_EQ(published[0].topic, "home/linky/064468368739");
}

// Flag over environment over config file over default.
TEST(Cli, OptionPrecedence) {
  const auto config = std::filesystem::temp_directory_path() / "teleinfo-cli-test-precedence.conf";
  std::ofstream{config} << "source = file:" << kFrames << "hallard_tinfo_replay_histo_hc.txt\n"
                        << "dry-run = true\n"
                        << "mqtt-base = from/file\n";
  auto topic = [&](std::vector<std::string> arguments, std::map<std::string, std::string> env) {
    env["TELEINFO_CONFIG"] = config.string();
    const test::ProcessResult result = test::run_process(kBridge, arguments, env);
    const std::vector<Publication> published = stream(result.out);
    return published.empty() ? std::string{} : published[0].topic;
  };
  EXPECT_EQ(topic({}, {}), "from/file/021528603314");
  EXPECT_EQ(topic({}, {{"TELEINFO_MQTT_BASE", "from/env"}}), "from/env/021528603314");
  EXPECT_EQ(topic({"--mqtt-base", "from/flag"}, {{"TELEINFO_MQTT_BASE", "from/env"}}),
            "from/flag/021528603314");
}

// The escape hatch for meters that send a wrong checksum on one label: the anonymised seed capture
// (its ADCO fails the checksum in every frame) is published only with --no-checksum ADCO.
TEST(Cli, NoChecksumKeepsTheNamedLabels) {
  const std::string capture = "file:" + kFrames + "seed_TeleInfoMonitor_teleinfo_sample.txt";
  EXPECT_EQ(publications(bridge({"--dry-run", "--source", capture}).out).size(), 0u);
  const test::ProcessResult result =
      bridge({"--dry-run", "--source", capture, "--no-checksum", "ADCO"});
  const std::vector<Publication> published = stream(result.out);
  ASSERT_EQ(published.size(), 52u);
  EXPECT_EQ(published[0].topic, "teleinfo/123456891234");
  EXPECT_NE(result.err.find("53 kept unchecked"), std::string::npos) << result.err;
}

// DESIGN.md's MQTT layout: the meter's status, then one retained topic per label (on change),
// the frame stream, and `offline` when the input ends.
TEST(Cli, DryRunPublishesStatusAndLabelTopics) {
  const test::ProcessResult result =
      bridge({"--dry-run", "--source", "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt"});
  EXPECT_EQ(result.exit_status, 0);
  const std::vector<Publication> published = publications(result.out);
  ASSERT_GE(published.size(), 2u);
  EXPECT_EQ(published.front().topic, "teleinfo/021528603314/status");
  EXPECT_EQ(published.front().payload, "online");
  EXPECT_EQ(published.front().qos, 1);
  EXPECT_TRUE(published.front().retain);
  EXPECT_EQ(published.back().topic, "teleinfo/021528603314/status");
  EXPECT_EQ(published.back().payload, "offline");
  EXPECT_TRUE(published.back().retain);

  const Retained labels = retained(result.out);
  const std::string meter = "teleinfo/021528603314/";
  EXPECT_EQ(labels.value.at(meter + "ADCO"), "021528603314");
  EXPECT_EQ(labels.value.at(meter + "OPTARIF"), "HC");
  EXPECT_EQ(labels.value.at(meter + "ISOUSC"), "15");
  EXPECT_EQ(labels.value.at(meter + "PTEC"), "HP");
  EXPECT_EQ(labels.value.at(meter + "HHPHC"), "A");
  EXPECT_EQ(labels.value.at(meter + "MOTDETAT"), "000000");
  // Unchanged values go out once (the refresh period is not reached in a fast replay).
  EXPECT_EQ(labels.count.at(meter + "ADCO"), 1);
  EXPECT_EQ(labels.count.at(meter + "OPTARIF"), 1);
  // The bridge's counters for the meter, at the start and when it stops.
  EXPECT_EQ(labels.value.at(meter + "bridge/frames"), "5");
  EXPECT_EQ(labels.value.at(meter + "bridge/bad_checksum"), "0");
  EXPECT_EQ(labels.value.at(meter + "bridge/held_back"), "0");
  EXPECT_EQ(labels.count.at(meter + "bridge/frames"), 2);
  // 11 labels, 6 counters, the status and the discovery document; no decoded STGE topics in
  // historic mode.
  EXPECT_EQ(labels.value.size(), 19u);
  EXPECT_EQ(labels.count.at("homeassistant/device/teleinfo_021528603314/config"), 1);
}

TEST(Cli, DryRunStandardLabelsAndDecodedStatus) {
  const std::string name = "hallard_tinfo_replay_stand_base_long.txt";
  const test::ProcessResult result = bridge({"--dry-run", "--source", "file:" + kFrames + name});
  EXPECT_EQ(result.exit_status, 0);
  const Retained labels = retained(result.out);
  const std::string meter = "teleinfo/061961361253/";
  // STGE 003A0001 (54E §6.2.3.14): dry contact open, cut-off device closed, TIC in standard mode,
  // Euridis enabled and secured, CPL new/locked, no Tempo colour, first tariff indexes.
  EXPECT_EQ(labels.value.at(meter + "STGE"), "003A0001");
  EXPECT_EQ(labels.value.at(meter + "STGE/dry_contact"), "open");
  EXPECT_EQ(labels.value.at(meter + "STGE/cut_off"), "closed");
  EXPECT_EQ(labels.value.at(meter + "STGE/terminal_cover"), "closed");
  EXPECT_EQ(labels.value.at(meter + "STGE/tic_mode"), "standard");
  EXPECT_EQ(labels.value.at(meter + "STGE/euridis"), "enabled_secured");
  EXPECT_EQ(labels.value.at(meter + "STGE/plc"), "new_locked");
  EXPECT_EQ(labels.value.at(meter + "STGE/clock"), "ok");
  EXPECT_EQ(labels.value.at(meter + "STGE/role"), "consumer");
  EXPECT_EQ(labels.value.at(meter + "STGE/tempo_today"), "none");
  EXPECT_EQ(labels.value.at(meter + "STGE/tempo_tomorrow"), "none");
  EXPECT_EQ(labels.value.at(meter + "STGE/supplier_index"), "1");
  EXPECT_EQ(labels.value.at(meter + "STGE/mobile_peak"), "none");
  for (int relay = 1; relay <= 8; ++relay) {
    EXPECT_EQ(labels.value.at(meter + "RELAIS/" + std::to_string(relay)), "open");
  }
  EXPECT_EQ(labels.value.at(meter + "LTARF"), "BASE");
  EXPECT_EQ(labels.value.at(meter + "MSG1"), "PAS DE          MESSAGE");
  EXPECT_EQ(labels.value.at(meter + "NJOURF_plus_1"), "0");
  EXPECT_EQ(labels.value.at(meter + "PREF"), "6");
  EXPECT_EQ(labels.count.at(meter + "PRM"), 1);
  // DATE carries no data: its topic holds the meter's clock in UTC (E: UTC+2). The last frame's.
  const tic::Frame last = test::decode(test::read_capture(name)).frames.back();
  EXPECT_EQ(labels.value.at(meter + "DATE"),
            std::string{tic::format_utc(last.find("DATE")->horodate->utc()).view()});

  // SINSTS goes out each time it changes, and only then.
  int changes = 0;
  std::optional<std::uint64_t> previous;
  for (const tic::Frame& frame : test::decode(test::read_capture(name)).frames) {
    const std::uint64_t power = *frame.find("SINSTS")->number;
    if (previous != power) ++changes;
    previous = power;
  }
  EXPECT_EQ(labels.count.at(meter + "SINSTS"), changes);
  EXPECT_GT(changes, 10);
}

TEST(Cli, FrameIntervalThinsTheStream) {
  const std::string name = "hallard_tinfo_replay_stand_base_long.txt";
  const std::string source = "file:" + kFrames + name;
  // The replay takes milliseconds: only the first frame is due by time, and nothing else changes
  // enough (tariff period and STGE stay; power moves by less than 1000 %).
  const test::ProcessResult quiet = bridge(
      {"--dry-run", "--source", source, "--frame-interval", "3600", "--power-change", "1000"});
  EXPECT_EQ(stream(quiet.out).size(), 1u);
  EXPECT_NE(quiet.err.find("1 frames published"), std::string::npos) << quiet.err;
  EXPECT_NE(quiet.err.find("99 thinned"), std::string::npos) << quiet.err;

  // Any power change publishes at once.
  std::size_t expected = 0;
  std::optional<std::uint64_t> previous;
  for (const tic::Frame& frame : test::decode(test::read_capture(name)).frames) {
    const std::uint64_t power = *frame.find("SINSTS")->number;
    if (previous != power) ++expected;
    previous = power;
  }
  const test::ProcessResult moving =
      bridge({"--dry-run", "--source", source, "--frame-interval", "3600", "--power-change", "0"});
  EXPECT_EQ(stream(moving.out).size(), expected);
}

TEST(Cli, LabelsLimitWhatIsPublished) {
  const test::ProcessResult result = bridge(
      {"--dry-run", "--source", "file:" + kFrames + "hallard_tinfo_replay_stand_base_long.txt",
       "--labels", "EAST, SINSTS"});
  const std::vector<Publication> frames = stream(result.out);
  ASSERT_EQ(frames.size(), 100u);
  for (const Publication& publication : frames) {
    rapidjson::Document frame;
    frame.Parse(publication.payload.c_str());
    std::vector<std::string> keys;
    for (const auto& member : frame.GetObject())
      keys.emplace_back(member.name.GetString());
    EXPECT_EQ(keys, (std::vector<std::string>{"ADSC", "EAST", "SINSTS", "TIME"}));
  }
  std::vector<std::string> topics;
  for (const auto& [topic, value] : retained(result.out).value)
    topics.push_back(topic);
  const std::string meter = "teleinfo/061961361253/";
  EXPECT_EQ(topics,
            (std::vector<std::string>{
                "homeassistant/device/teleinfo_061961361253/config", meter + "EAST",
                meter + "SINSTS", meter + "bridge/bad_checksum", meter + "bridge/bad_format",
                meter + "bridge/frames", meter + "bridge/held_back", meter + "bridge/interrupted",
                meter + "bridge/too_long", meter + "status"}));
  // Home Assistant is told of those two labels only.
  const std::string document =
      retained(result.out).value.at("homeassistant/device/teleinfo_061961361253/config");
  EXPECT_NE(document.find("\"east\":{"), std::string::npos) << document;
  EXPECT_NE(document.find("\"sinsts\":{"), std::string::npos) << document;
  EXPECT_EQ(document.find("\"easf01\":{"), std::string::npos) << document;
  EXPECT_EQ(document.find("\"adsc\":{"), std::string::npos) << document;
}

TEST(Cli, PrintConfigMasksTheSecret) {
  const test::ProcessResult result =
      bridge({"--print-config", "--source", "/dev/ttyUSB0", "--mqtt-url", "mqtts://bob@broker.lan",
              "--refresh", "120"},
             {{"TELEINFO_MQTT_PASSWORD", "s3cret-pa55"}});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out.find("s3cret-pa55"), std::string::npos) << result.out;
  EXPECT_EQ(result.err.find("s3cret-pa55"), std::string::npos) << result.err;
  const std::vector<std::string> lines = test::lines(result.out);
  auto has = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(has("source = /dev/ttyUSB0")) << result.out;
  EXPECT_TRUE(has("mqtt-url = mqtts://bob@broker.lan")) << result.out;
  EXPECT_TRUE(has("refresh = 120")) << result.out;
  EXPECT_TRUE(has("mode = auto")) << result.out;
  EXPECT_TRUE(has("# broker password: ******** (from TELEINFO_MQTT_PASSWORD)")) << result.out;
}

// A teleinfo2mqtt compose file keeps working: its variables set our options, below our own
// TELEINFO_ variables and flags, above the config file.
TEST(Cli, Teleinfo2mqttEnvironment) {
  const auto config = std::filesystem::temp_directory_path() / "teleinfo-cli-test-t2m.conf";
  std::ofstream{config} << "mqtt-base = from/file\nrefresh = 30\n";
  std::map<std::string, std::string> t2m = {
      {"TELEINFO_CONFIG", config.string()},
      {"SERIAL", "/dev/ttyUSB1"},
      {"TIC_MODE", "history"},
      {"MQTT_URL", "mqtt://my_mqtt_broker:1884"},
      {"MQTT_USER", "my-user"},
      {"MQTT_PASSWORD", "my-secret-password"},
      {"MQTT_BASE_TOPIC", "custom-teleinfo-topic"},
      {"EMIT_INTERVAL", "5"},
      {"HASS_DISCOVERY", "FALSE"},
      {"HASS_DISCOVERY_PREFIX", "ha"},
      {"MQTT_TLS_REJECT_UNAUTHORIZED", "false"},
      {"LOG_LEVEL", "warn"},
  };
  auto config_lines = [&](std::vector<std::string> arguments,
                          std::map<std::string, std::string> environment) {
    arguments.push_back("--print-config");
    const test::ProcessResult result = test::run_process(kBridge, arguments, environment);
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.out.find("my-secret-password"), std::string::npos);
    return test::lines(result.out);
  };
  auto has = [](const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  const std::vector<std::string> lines = config_lines({}, t2m);
  EXPECT_TRUE(has(lines, "source = /dev/ttyUSB1"));
  EXPECT_TRUE(has(lines, "mode = historic"));
  EXPECT_TRUE(has(lines, "mqtt-url = mqtt://my_mqtt_broker:1884"));
  EXPECT_TRUE(has(lines, "mqtt-user = my-user"));
  EXPECT_TRUE(has(lines, "mqtt-base = custom-teleinfo-topic"));
  EXPECT_TRUE(has(lines, "frame-interval = 5"));
  EXPECT_TRUE(has(lines, "ha-discovery = false"));
  EXPECT_TRUE(has(lines, "ha-prefix = ha"));
  EXPECT_TRUE(has(lines, "mqtt-insecure = true"));
  EXPECT_TRUE(has(lines, "log-level = warning"));
  EXPECT_TRUE(has(lines, "refresh = 30"));  // from the file: teleinfo2mqtt has no such variable
  EXPECT_TRUE(has(lines, "# broker password: ******** (from MQTT_PASSWORD)"));

  auto ours = t2m;
  ours["TELEINFO_MQTT_BASE"] = "from/env";
  EXPECT_TRUE(has(config_lines({}, ours), "mqtt-base = from/env"));
  EXPECT_TRUE(has(config_lines({"--mqtt-base", "from/flag"}, ours), "mqtt-base = from/flag"));

  auto bad = t2m;
  bad["TIC_MODE"] = "turbo";
  const test::ProcessResult result = test::run_process(kBridge, {}, bad);
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("TIC_MODE=turbo"), std::string::npos) << result.err;
}

TEST(Cli, BadBrokerOptionsGiveOneLineAndStatus2) {
  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> arguments = {"--source", capture};
    arguments.insert(arguments.end(), more.begin(), more.end());
    return bridge(arguments);
  };
  expect_one_error_line(with({"--mqtt-url", "ftp://broker"}), 2, "--mqtt-url ftp://broker");
  expect_one_error_line(with({"--mqtt-url", "mqtt://bob:pw@broker"}), 2, "--mqtt-password-file");
  expect_one_error_line(with({"--mqtt-url", "mqtt://broker:99999"}), 2, "--mqtt-url");
  expect_one_error_line(with({"--mqtt-qos", "3"}), 2, "--mqtt-qos 3");
  expect_one_error_line(with({"--mqtt-version", "4.0"}), 2, "--mqtt-version 4.0");
  expect_one_error_line(with({"--refresh", "-1"}), 2, "--refresh -1");
  expect_one_error_line(with({"--frame-interval", "soon"}), 2, "--frame-interval");
  expect_one_error_line(with({"--replay-speed", "-2"}), 2, "--replay-speed -2");
  expect_one_error_line(with({"--meter-timeout", "0"}), 2, "--meter-timeout 0");
  expect_one_error_line(with({"--mqtt-ca", "/nonexistent/ca.pem"}), 2, "/nonexistent/ca.pem");
  expect_one_error_line(with({"--mqtt-cert", kFrames + "README.md"}), 2, "--mqtt-key");
  expect_one_error_line(with({"--mqtt-password-file", "/nonexistent/pw"}), 2, "/nonexistent/pw");
  expect_one_error_line(with({"--mode", "historic,standard"}), 2, "one per --source");
  expect_one_error_line(with({"--ha-discovery=maybe"}), 2, "--ha-discovery");
  const test::ProcessResult password_without_user =
      bridge({"--source", capture}, {{"TELEINFO_MQTT_PASSWORD", "pw"}});
  expect_one_error_line(password_without_user, 2, "--mqtt-user");
  EXPECT_EQ(password_without_user.err.find("pw\n"), std::string::npos);
}

// --replay-speed 10: a historic frame (170 bytes at 120 bytes/s, 1.4 s on the line) comes about
// 0.14 s after the one before. Only a lower bound is checked: a slow machine can only add to it.
TEST(Cli, ReplaySpeedPacesTheCapture) {
  const test::ProcessResult result =
      bridge({"--dry-run", "--source", "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt",
              "--replay-speed", "10"});
  EXPECT_EQ(result.exit_status, 0);
  const std::vector<Publication> frames = stream(result.out);
  ASSERT_EQ(frames.size(), 5u);
  std::optional<tic::Time> previous;
  for (const Publication& publication : frames) {
    tic::Frame frame;
    ASSERT_EQ(tic::read_frame_json(publication.payload, frame), "");
    if (previous) {
      EXPECT_GE(frame.time() - *previous, std::chrono::milliseconds{70});
    }
    previous = frame.time();
  }
}

// The Energy dashboard's guard on a real capture: EAST of the 50th frame made 18 MWh higher (with
// a valid checksum, as two swapped digits would be). That value is held back from the label topic
// and from the frame stream; everything else goes out.
TEST(Cli, AnIndexSpikeIsHeldBack) {
  const std::string name = "hallard_tinfo_replay_stand_base_long.txt";
  const std::vector<tic::Frame> frames = test::decode(test::read_capture(name)).frames;
  auto east_text = [](std::uint64_t value) {
    std::string text = std::to_string(value);
    return text.insert(0, 9 - text.size(), '0');
  };
  // Frame 50: 18 MWh too many, once. Frames 80 to 99: 50 MWh more, and it stays (a new meter).
  std::string capture = test::replace_group(
      test::read_capture(name), 49, "EAST",
      east_text(*test::number_of(frames[49], "EAST") + 18'000'000), tic::Mode::Standard);
  for (std::size_t i = 79; i < 100; ++i) {
    capture = test::replace_group(capture, i, "EAST",
                                  east_text(*test::number_of(frames[i], "EAST") + 50'000'000),
                                  tic::Mode::Standard);
  }

  const test::ProcessResult result = bridge({"--dry-run", "--source", "-"}, {}, capture);
  EXPECT_EQ(result.exit_status, 0);
  const std::vector<Publication> stream_frames = stream(result.out);
  ASSERT_EQ(stream_frames.size(), 100u);
  for (std::size_t i = 0; i < stream_frames.size(); ++i) {
    const bool held = i == 49 || i == 79 || i == 80;
    EXPECT_EQ(stream_frames[i].payload.find("\"EAST\"") == std::string::npos, held) << i;
  }
  std::vector<std::uint64_t> east;
  for (const Publication& publication : publications(result.out)) {
    if (publication.topic == "teleinfo/061961361253/EAST") {
      east.push_back(std::stoull(publication.payload));
    }
  }
  ASSERT_FALSE(east.empty());
  EXPECT_TRUE(std::is_sorted(east.begin(), east.end()));
  EXPECT_EQ(east.back(), *test::number_of(frames[99], "EAST") + 50'000'000);
  for (const std::uint64_t value : east) {
    EXPECT_NE(value, *test::number_of(frames[49], "EAST") + 18'000'000);
  }
  EXPECT_NE(result.err.find("3 index values held back"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("1 index jumps accepted"), std::string::npos) << result.err;
}

// Home Assistant discovery (DESIGN.md, "Home Assistant"): one retained device document for the
// meter, the one tests/discovery checks against Home Assistant's rules.
TEST(Cli, DryRunDeclaresTheMeterToHomeAssistant) {
  const std::string source = "file:" + kFrames + "hallard_tinfo_replay_stand_base_long.txt";
  const std::string topic = "homeassistant/device/teleinfo_061961361253/config";
  std::vector<Publication> documents;
  for (Publication& publication : publications(bridge({"--dry-run", "--source", source}).out)) {
    if (publication.topic.starts_with("homeassistant/")) documents.push_back(publication);
  }
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].topic, topic);
  EXPECT_TRUE(documents[0].retain);
  EXPECT_EQ(documents[0].qos, 1);
  std::ifstream golden{std::string{TELEINFO_TEST_DATA} +
                       "/../discovery/golden/standard_061961361253.json"};
  std::string expected{std::istreambuf_iterator<char>{golden}, {}};
  while (!expected.empty() && expected.back() == '\n')
    expected.pop_back();
  const std::string version = "\"o\":{\"name\":\"teleinfo\",\"sw\":\"";
  const std::size_t at = expected.find(version) + version.size();
  expected.replace(at, expected.find('"', at) - at, TELEINFO_VERSION);
  EXPECT_EQ(documents[0].payload, expected);

  const Retained prefixed =
      retained(bridge({"--dry-run", "--source", source, "--ha-prefix", "ha/discovery"}).out);
  EXPECT_EQ(prefixed.count.count("ha/discovery/device/teleinfo_061961361253/config"), 1u);
  for (const auto& [published, value] :
       retained(bridge({"--dry-run", "--source", source, "--ha-discovery=false"}).out).value) {
    EXPECT_FALSE(published.starts_with("homeassistant/")) << published;
  }
}

// A historic meter whose contract goes from BASE to HC (same address): once BASE has not been
// seen for 100 frames, its component is removed from the device document; HCHC and HCHP come in
// as soon as they appear.
TEST(Cli, AContractChangeRemovesTheOldComponents) {
  auto frame = [](const std::vector<std::pair<std::string, std::string>>& groups) {
    std::string bytes = "\x02";
    for (const auto& [label, data] : groups) {
      bytes += '\n' + tic::encode_group(tic::Mode::Historic, label, data) + '\r';
    }
    return bytes + "\x03";
  };
  std::string stream;
  for (int i = 0; i < 3; ++i) {
    stream += frame({{"ADCO", "021528603314"},
                     {"OPTARIF", "BASE"},
                     {"ISOUSC", "30"},
                     {"BASE", "001000000"},
                     {"PTEC", "TH.."},
                     {"PAPP", "00500"},
                     {"MOTDETAT", "000000"}});
  }
  for (int i = 0; i < 101; ++i) {
    stream += frame({{"ADCO", "021528603314"},
                     {"OPTARIF", "HC.."},
                     {"ISOUSC", "30"},
                     {"HCHC", "000000100"},
                     {"HCHP", "000000200"},
                     {"PTEC", "HC.."},
                     {"PAPP", "00500"},
                     {"MOTDETAT", "000000"}});
  }
  std::vector<std::string> documents;
  for (const Publication& publication :
       publications(bridge({"--dry-run", "--source", "-"}, {}, stream).out)) {
    if (publication.topic == "homeassistant/device/teleinfo_021528603314/config") {
      documents.push_back(publication.payload);
    }
  }
  // BASE's frames, then HC's first frame (two labels more), then BASE gone.
  ASSERT_EQ(documents.size(), 3u);
  EXPECT_NE(documents[0].find("\"base\":{\"p\":\"sensor\",\"name\""), std::string::npos);
  EXPECT_EQ(documents[0].find("\"hchc\""), std::string::npos);
  EXPECT_NE(documents[1].find("\"hchc\":{\"p\":\"sensor\",\"name\""), std::string::npos);
  EXPECT_NE(documents[1].find("\"base\":{\"p\":\"sensor\",\"name\""), std::string::npos);
  EXPECT_NE(documents[2].find("\"base\":{\"p\":\"sensor\"}"), std::string::npos) << documents[2];
  EXPECT_NE(documents[2].find("\"hchp\":{\"p\":\"sensor\",\"name\""), std::string::npos);
}

// DPMx/FPMx: the start and end of a mobile peak are their horodates, which have no season letter
// (54E): 06:00 French time on 14 February 2020 is 05:00 UTC.
TEST(Cli, MobilePeakTimesArePublishedInUtc) {
  const Retained labels =
      retained(bridge({"--dry-run", "--source",
                       "file:" + kFrames + "gaetronik_teleinfo-nom_message_standard.txt"})
                   .out);
  EXPECT_EQ(labels.value.at("teleinfo/041776199277/DPM1"), "2020-02-14T05:00:00Z");
  EXPECT_EQ(labels.value.at("teleinfo/041776199277/FPM1"), "2020-02-15T05:00:00Z");
}

// The Jeedom teleinfo plugin: --jeedom adds its STGE/RELAIS entries to the frame stream,
// --jeedom-tasmota also publishes the Tasmota shape on <base>/<id>/tic; no topic holds "wifiTIC".
TEST(Cli, JeedomLayouts) {
  const std::string source = "file:" + kFrames + "hallard_tinfo_replay_stand_base_long.txt";
  const std::vector<Publication> plain = stream(bridge({"--dry-run", "--source", source}).out);
  ASSERT_EQ(plain.size(), 100u);
  EXPECT_EQ(plain[0].payload.find("STGE01"), std::string::npos);

  const test::ProcessResult result =
      bridge({"--dry-run", "--source", source, "--jeedom", "--jeedom-tasmota"});
  std::vector<Publication> frames, tasmota;
  for (Publication& publication : stream(result.out)) {
    (publication.topic.ends_with("/tic") ? tasmota : frames).push_back(std::move(publication));
  }
  ASSERT_EQ(frames.size(), 100u);
  ASSERT_EQ(tasmota.size(), 100u);
  EXPECT_EQ(frames[0].topic, "teleinfo/061961361253");
  EXPECT_NE(frames[0].payload.find(R"("STGE01":{"raw":"Ouvert"},"STGE02":{"raw":"Ferme"})"),
            std::string::npos)
      << frames[0].payload;
  EXPECT_NE(frames[0].payload.find(R"("RELAIS08":{"raw":"Ouvert"},"TIME":)"), std::string::npos);
  EXPECT_EQ(tasmota[0].topic, "teleinfo/061961361253/tic");
  EXPECT_TRUE(tasmota[0].payload.starts_with(R"({"TIC":{"ADSC":"061961361253","VTIC":"02",)"))
      << tasmota[0].payload;
  EXPECT_FALSE(tasmota[0].retain);

  expect_one_error_line(bridge({"--source", source, "--mqtt-base", "home/wifiTIC"}), 2,
                        "--mqtt-base home/wifiTIC");
}

}  // namespace
