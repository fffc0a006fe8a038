// The CSV file sink's writer (sink/csv_writer.h) on real files in a temporary folder, fed with the
// first frames of real captures: the exact bytes written for a historic and a standard meter,
// quoting, a new label's header row, logrotate (rename and reopen, copytruncate), continuing an
// existing file, duplicates skipped, errors as Unavailable.
#include "sink/csv_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"
#include "support/captures.h"
#include "tic/frame.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tic::Mode;

// A fresh directory, removed with what it holds.
struct TempDir {
  test::TemporaryDirectory directory{"teleinfo-sink-test"};
  fs::path path() const { return directory.path(); }
};

constexpr std::string_view kHistoric = "hallard_tinfo_replay_histo_hc.txt";
constexpr std::string_view kHistoricTri = "hallard_tinfo_replay_histo_base_tri.txt";
constexpr std::string_view kStandard =
    "lains_ticdecodecpp_continuous_linky_1P_standard_TIC_sample.bin";

constexpr std::string_view kHistoricHeader =
    "meter,TIME,ADCO,OPTARIF,ISOUSC,HCHC,HCHP,PTEC,IINST,IMAX,PAPP,HHPHC,MOTDETAT\n";
// The first frame of kHistoric without its time.
constexpr std::string_view kHistoricValues =
    "021528603314,HC,15,837362,2035628,HP,1,2,190,A,000000";

constexpr std::string_view kStandardHeader =
    "meter,TIME,ADSC,VTIC,DATE,NGTF,LTARF,EAST,EASF01,EASF02,EASF03,EASF04,EASF05,EASF06,EASF07,"
    "EASF08,EASF09,EASF10,EASD01,EASD02,EASD03,EASD04,IRMS1,URMS1,PREF,PCOUP,SINSTS,SMAXSN,"
    "SMAXSN_DATE,SMAXSN-1,SMAXSN-1_DATE,CCASN,CCASN_DATE,CCASN-1,CCASN-1_DATE,UMOY1,UMOY1_DATE,"
    "STGE,MSG1,PRM,RELAIS,NTARF,NJOURF,NJOURF+1,PJOURF+1\n";
constexpr std::string_view kStandardLine =
    "064468368739,2025-01-01T00:00:00.000Z,064468368739,02,2023-03-01T08:18:34Z,BASE,BASE,"
    "11887649,11887649,0,0,0,0,0,0,0,0,0,11887649,0,0,0,1,230,4,4,240,1024,2023-03-01T05:52:53Z,"
    "795,2023-02-28T10:18:14Z,170,2023-03-01T08:00:00Z,162,2023-03-01T07:30:00Z,229,"
    "2023-03-01T08:10:00Z,003A0001,PAS DE          MESSAGE,31051967533895,0,1,0,0,"
    "00008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
    "NONUTILE\n";

// The first frame of a capture, received `at` after test_time().
tic::Frame first_frame(std::string_view capture, std::chrono::milliseconds at = 0ms) {
  tic::Frame frame = test::decode(test::read_capture(capture)).frames.at(0);
  frame.set_time(test::test_time() + at);
  return frame;
}

// A line of kHistoric's first frame received `seconds` after test_time().
std::string historic_line(int seconds) {
  char time[32];
  std::snprintf(time, sizeof time, "2025-01-01T00:00:%02d.000Z", seconds);
  return "021528603314," + std::string{time} + "," + std::string{kHistoricValues} + "\n";
}

std::string file_text(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out{path, std::ios::binary};
  out << text;
}

sink::WriteResult write(sink::CsvWriter& writer, const std::vector<tic::Frame>& frames) {
  return writer.write(frames);
}

TEST(CsvWriter, HistoricFirstFrame) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  EXPECT_EQ(writer.name(), "csv");
  EXPECT_FALSE(fs::exists(path));  // opened by the first write
  const sink::WriteResult result = write(writer, {first_frame(kHistoric)});
  EXPECT_EQ(result.status, sink::WriteResult::Status::Written);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(file_text(path), std::string{kHistoricHeader} + historic_line(0));
  EXPECT_EQ(fs::status(path).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(CsvWriter, StandardFirstFrame) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kStandard)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path), std::string{kStandardHeader} + std::string{kStandardLine});
}

TEST(CsvWriter, AValueWithACommaOrAQuoteIsQuoted) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  // The capture starts in the middle of a frame that has MSG1: the first frame's is the second.
  const std::string bytes =
      test::replace_group(test::read_capture(kStandard), 1, "MSG1",
                          "PAS, DE \"MSG\"                   ", Mode::Standard);
  tic::Frame frame = test::decode(bytes).frames.at(0);
  ASSERT_EQ(frame.find("MSG1")->text, "PAS, DE \"MSG\"");
  frame.set_time(test::test_time());
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {frame}).status, sink::WriteResult::Status::Written);
  std::string line{kStandardLine};
  const std::string_view message = "PAS DE          MESSAGE";
  line.replace(line.find(message), message.size(), "\"PAS, DE \"\"MSG\"\"\"");
  EXPECT_EQ(file_text(path), std::string{kStandardHeader} + line);
}

TEST(CsvWriter, ANewLabelGetsANewHeaderRowWithEveryColumn) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 0s)}).status, sink::WriteResult::Status::Written);
  // Another meter, three-phase: BASE, IINST1-3, IMAX1-3, PMAX, PPOT are new.
  ASSERT_EQ(write(writer, {first_frame(kHistoricTri, 1s), first_frame(kHistoric, 2s)}).status,
            sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path),
            std::string{kHistoricHeader} + historic_line(0) +
                "meter,TIME,ADCO,OPTARIF,ISOUSC,HCHC,HCHP,PTEC,IINST,IMAX,PAPP,HHPHC,MOTDETAT,"
                "BASE,IINST1,IINST2,IINST3,IMAX1,IMAX2,IMAX3,PMAX,PPOT\n"
                "021630015376,2025-01-01T00:00:01.000Z,021630015376,BASE,20,,,TH,,,1116,,000000,"
                "27986573,2,2,2,15,13,12,8450,00\n" +
                historic_line(2).substr(0, historic_line(2).size() - 1) + ",,,,,,,,,\n");
  EXPECT_EQ(writer.columns().size(), 20u);
}

TEST(CsvWriter, ReopenAfterLogrotateMovedTheFile) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 0s)}).status, sink::WriteResult::Status::Written);
  fs::rename(path, temp.path() / "teleinfo.csv.1");
  writer.reopen();
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 1s)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(temp.path() / "teleinfo.csv.1"),
            std::string{kHistoricHeader} + historic_line(0));
  EXPECT_EQ(file_text(path), std::string{kHistoricHeader} + historic_line(1));
}

TEST(CsvWriter, AFileAfterAReopenHasItsFirstFramesColumns) {
  // The new file reads on its own: its header is its first frame's, not the old file's columns.
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 0s)}).status, sink::WriteResult::Status::Written);
  fs::rename(path, temp.path() / "teleinfo.csv.1");
  writer.reopen();
  ASSERT_EQ(write(writer, {first_frame(kStandard)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path), std::string{kStandardHeader} + std::string{kStandardLine});
}

TEST(CsvWriter, AFileEmptiedUnderItStartsAgainWithAHeader) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 0s)}).status, sink::WriteResult::Status::Written);
  fs::resize_file(path, 0);  // logrotate's copytruncate
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 1s)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path), std::string{kHistoricHeader} + historic_line(1));
}

TEST(CsvWriter, AnExistingFileGoesOnWithItsLastHeaderRow) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  const std::string before =
      "meter,TIME,ADCO\n"
      "021528603314,2025-01-01T00:00:00.000Z,021528603314\n"
      "meter,TIME,MOTDETAT,HHPHC,PAPP,IMAX,IINST,PTEC,HCHP,HCHC,ISOUSC,OPTARIF,ADCO\n"
      "021528603314,2025-01-01T00:00:01.000Z,000000,A,190,2,1,HP,2035628,837362,15,HC,"
      "021528603314\n";
  write_file(path, before);
  sink::CsvWriter writer{path};
  // The frame at 1 s is in the file already: skipped.
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 1s), first_frame(kHistoric, 2s)}).status,
            sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path), before +
                                 "021528603314,2025-01-01T00:00:02.000Z,000000,A,190,2,1,HP,"
                                 "2035628,837362,15,HC,021528603314\n");
  EXPECT_EQ(writer.duplicates(), 1u);
}

TEST(CsvWriter, AHeaderRowFarBeforeTheEndIsFound) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  // An older header row, then the last one, then 5 MiB of another meter's lines: more than the
  // end the writer reads for times.
  std::string before = "meter,TIME,ADCO\n021528603314,2024-01-01T00:00:00.000Z,021528603314\n";
  before += kHistoricHeader;
  const std::string other =
      "099999999999,2024-01-01T00:00:00.000Z,099999999999,BASE,30,,,TH,,,"
      "500,,000000\n";
  while (before.size() < 5 * 1024 * 1024)
    before += other;
  write_file(path, before);
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 3s)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(fs::file_size(path), before.size() + historic_line(3).size());
  EXPECT_EQ(file_text(path).substr(before.size()), historic_line(3));
}

TEST(CsvWriter, ALastLineCutShortIsEnded) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  const std::string before = std::string{kHistoricHeader} + "021528603314,2025-01-01T00:00:0";
  write_file(path, before);
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 4s)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path), before + "\n" + historic_line(4));
}

TEST(CsvWriter, AFrameNotAfterTheLastOfItsMeterIsSkipped) {
  TempDir temp;
  const fs::path path = temp.path() / "teleinfo.csv";
  sink::CsvWriter writer{path};
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 0s), first_frame(kHistoric, 1s)}).status,
            sink::WriteResult::Status::Written);
  // A spool replay: 1 s and 0 s again, then 2 s; another meter's frame at 0 s is its first.
  ASSERT_EQ(write(writer, {first_frame(kHistoric, 1s), first_frame(kHistoric, 0s),
                           first_frame(kHistoric, 2s), first_frame(kStandard, 0s)})
                .status,
            sink::WriteResult::Status::Written);
  const std::string text = file_text(path);
  EXPECT_EQ(text.substr(0, kHistoricHeader.size() + 3 * historic_line(0).size()),
            std::string{kHistoricHeader} + historic_line(0) + historic_line(1) + historic_line(2));
  EXPECT_NE(text.find("\n064468368739,2025-01-01T00:00:00.000Z,"), std::string::npos);
  EXPECT_EQ(writer.duplicates(), 2u);
}

TEST(CsvWriter, AFileThatCannotBeOpenedIsUnavailable) {
  TempDir temp;
  const fs::path path = temp.path() / "missing" / "teleinfo.csv";
  sink::CsvWriter writer{path};
  const sink::WriteResult result = write(writer, {first_frame(kHistoric)});
  EXPECT_EQ(result.status, sink::WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "cannot open " + path.string() + ": No such file or directory");
  // Once the folder is there, the same writer goes on.
  fs::create_directory(temp.path() / "missing");
  ASSERT_EQ(write(writer, {first_frame(kHistoric)}).status, sink::WriteResult::Status::Written);
  EXPECT_EQ(file_text(path), std::string{kHistoricHeader} + historic_line(0));
}

TEST(CsvWriter, AFullDiskIsUnavailable) {
  sink::CsvWriter writer{"/dev/full"};
  const sink::WriteResult result = write(writer, {first_frame(kHistoric)});
  EXPECT_EQ(result.status, sink::WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "cannot write /dev/full: No space left on device");
  EXPECT_EQ(writer.columns().size(), 0u);  // nothing taken from the batch that failed
}

}  // namespace
