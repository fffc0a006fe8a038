// The fan-out (sink/archive.h) with two real CSV sinks, each a ThreadedSink around a CsvWriter
// writing a file in a temporary folder: the filter's choice reaches both, frames without an
// address are counted and go nowhere, health per sink, reopen for logrotate, stop.
#include "sink/archive.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sink/csv_writer.h"
#include "sink/threaded_sink.h"
#include "support/broker.h"
#include "support/captures.h"
#include "tic/frame.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A fresh directory, removed with what it holds.
struct TempDir {
  test::TemporaryDirectory directory{"teleinfo-sink-test"};
  fs::path path() const { return directory.path(); }
};

constexpr std::string_view kHeader =
    "meter,TIME,ADCO,OPTARIF,ISOUSC,HCHC,HCHP,PTEC,IINST,IMAX,PAPP,HHPHC,MOTDETAT\n";

tic::Frame historic(std::chrono::seconds at) {
  tic::Frame frame =
      test::decode(test::read_capture("hallard_tinfo_replay_histo_hc.txt")).frames.at(0);
  frame.set_time(test::test_time() + at);
  return frame;
}

std::string line(int seconds) {
  char time[32];
  std::snprintf(time, sizeof time, "2025-01-01T00:00:%02d.000Z", seconds);
  return "021528603314," + std::string{time} +
         ",021528603314,HC,15,837362,2035628,HP,1,2,190,A,000000\n";
}

std::string file_text(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::unique_ptr<sink::Sink> csv_sink(const fs::path& path) {
  return std::make_unique<sink::ThreadedSink>(std::make_unique<sink::CsvWriter>(path));
}

TEST(Archive, KeptFramesReachEverySink) {
  TempDir temp;
  sink::Archive archive{10s};
  EXPECT_TRUE(archive.empty());
  archive.add(csv_sink(temp.path() / "a.csv"));
  archive.add(csv_sink(temp.path() / "b.csv"));
  EXPECT_FALSE(archive.empty());
  for (int second = 0; second < 12; ++second)
    archive.archive(historic(std::chrono::seconds{second}));
  // Its ADCO (anonymised by the capture's project) fails its checksum: no address.
  const tic::Frame anonymous =
      test::decode(test::read_capture("destroyedlolo_TeleInfod_trame_historique.txt")).frames.at(0);
  ASSERT_EQ(anonymous.address(), "");
  archive.archive(anonymous);

  EXPECT_EQ(archive.kept(), 2u);
  EXPECT_EQ(archive.skipped(), 10u);
  EXPECT_EQ(archive.without_address(), 1u);
  archive.stop(20s);
  const std::string expected = std::string{kHeader} + line(0) + line(10);
  EXPECT_EQ(file_text(temp.path() / "a.csv"), expected);
  EXPECT_EQ(file_text(temp.path() / "b.csv"), expected);
  const std::vector<sink::Health> health = archive.health();
  ASSERT_EQ(health.size(), 2u);
  for (const sink::Health& one : health) {
    EXPECT_EQ(one.name, "csv");
    EXPECT_TRUE(one.up);
    EXPECT_EQ(one.accepted, 2u);
    EXPECT_EQ(one.written, 2u);
    EXPECT_EQ(one.waiting, 0u);
    EXPECT_EQ(one.dropped, 0u);
  }
  archive.stop(20s);  // again: nothing
}

TEST(Archive, ReopenGoesToEverySink) {
  TempDir temp;
  sink::Archive archive;
  archive.add(csv_sink(temp.path() / "a.csv"));
  archive.add(csv_sink(temp.path() / "b.csv"));
  archive.archive(historic(0s));
  ASSERT_TRUE(eventually([&] {
    for (const sink::Health& one : archive.health()) {
      if (one.written != 1) return false;
    }
    return true;
  }));
  fs::rename(temp.path() / "a.csv", temp.path() / "a.csv.1");
  fs::rename(temp.path() / "b.csv", temp.path() / "b.csv.1");
  archive.reopen();
  archive.archive(historic(1s));
  archive.stop(20s);
  for (const char* name : {"a.csv", "b.csv"}) {
    EXPECT_EQ(file_text(temp.path() / (std::string{name} + ".1")), std::string{kHeader} + line(0));
    EXPECT_EQ(file_text(temp.path() / name), std::string{kHeader} + line(1));
  }
}

TEST(Archive, WithoutSinksFramesAreStillCounted) {
  sink::Archive archive;
  EXPECT_TRUE(archive.empty());
  archive.archive(historic(0s));
  archive.archive(historic(1s));
  EXPECT_EQ(archive.kept(), 2u);
  EXPECT_EQ(archive.skipped(), 0u);
  EXPECT_TRUE(archive.health().empty());
  archive.stop(0s);
}

}  // namespace
