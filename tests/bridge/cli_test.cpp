// teleinfo-bridge as a user runs it: options, exit statuses, error lines, and the --dry-run
// contract of DESIGN.md on every capture of tests/data/frames.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/captures.h"
#include "support/process.h"
#include "tic/frame_json.h"

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
  for (const char* option : {"--source", "--mode", "--dry-run", "--mqtt-base", "--no-checksum",
                             "--log-level", "--config", "--help", "--version"}) {
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

TEST(Cli, UnknownKeyInConfigFile) {
  const auto file = std::filesystem::temp_directory_path() / "teleinfo-cli-test-bad.conf";
  std::ofstream{file} << "source = file:x\nbogus = 1\n";
  expect_one_error_line(bridge({"--config", file.string()}), 2, "bogus");
}

TEST(Cli, LiveSourcesAndBrokerAreNotInThisVersion) {
  const std::string capture = "file:" + kFrames + "hallard_tinfo_replay_histo_hc.txt";
  expect_one_error_line(bridge({"--source", capture}), 2, "--dry-run");
  expect_one_error_line(bridge({"--source", "/dev/ttyAMA0", "--dry-run"}), 2, "/dev/ttyAMA0");
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
  const std::vector<Publication> published = publications(result.out);
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
  const std::vector<Publication> published = publications(result.out);
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
    const std::vector<Publication> published = publications(result.out);
    ASSERT_EQ(published.size(), expected.at(name));

    std::vector<tic::Frame> frames;
    for (tic::Frame& frame : test::decode(test::read_capture(name)).frames) {
      if (!frame.address().empty()) frames.push_back(std::move(frame));
    }
    ASSERT_EQ(frames.size(), published.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(published[i].topic, "teleinfo/" + std::string{frames[i].address()});
      EXPECT_EQ(without_time(published[i].payload), without_time(tic::to_frame_json(frames[i])));
    }
  }
}

TEST(Cli, StandardInputAndBaseTopic) {
  const std::string capture = test::read_capture("lains_ticdecodecpp_linky_1P_midnight.bin");
  const test::ProcessResult result =
      bridge({"--dry-run", "--source", "-", "--mqtt-base", "home/linky"}, {}, capture);
  EXPECT_EQ(result.exit_status, 0);
  const std::vector<Publication> published = publications(result.out);
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
    const std::vector<Publication> published = publications(result.out);
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
  const std::vector<Publication> published = publications(result.out);
  ASSERT_EQ(published.size(), 52u);
  EXPECT_EQ(published[0].topic, "teleinfo/123456891234");
  EXPECT_NE(result.err.find("53 kept unchecked"), std::string::npos) << result.err;
}

}  // namespace
