// The spool's disk fills up (an SD card full of logs) while the database is away: a tmpfs of 1 MiB
// mounted by the test (as root) holds the spool. The bridge keeps running, frames wait in memory
// (20,000 at most, 5.5 hours of a Linky), then the oldest of those are dropped, counted and logged
// once; when room comes back they go to the spool, and to the database when it returns.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "faults/rig.h"
#include "support/eventually.h"
#include "support/metrics_text.h"

namespace {

using faults::Numbers;
using faults::range;

// A tmpfs mounted on a folder of its own for the test's life. In a mount namespace of this
// process's own when it can make one, so that even a test killed outright leaves no mount
// behind; unmounted at the end all the same.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    if (::unshare(CLONE_NEWNS) == 0) {
      ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr);  // nothing leaks out
    }
    if (::mount("tmpfs", directory_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                ("size=" + size + ",mode=0700").c_str()) != 0) {
      throw std::runtime_error("mount -t tmpfs " + directory_.path() + ": " + std::strerror(errno));
    }
  }
  ~SmallDisk() { ::umount2(directory_.path().c_str(), MNT_DETACH); }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  // mount -o remount,size=...: room comes back.
  void resize(const std::string& size) {
    if (::mount("tmpfs", directory_.path().c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV,
                ("size=" + size + ",mode=0700").c_str()) != 0) {
      throw std::runtime_error("remount " + directory_.path() + ": " + std::strerror(errno));
    }
  }
  // A file of `bytes` zeros: the disk's room taken by something else.
  void fill(std::size_t bytes) const {
    const std::string path = directory_.file("filler");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    const std::string zeros(bytes, '\0');
    const bool written =
        fd >= 0 && ::write(fd, zeros.data(), zeros.size()) == static_cast<ssize_t>(zeros.size());
    if (fd >= 0) ::close(fd);
    if (!written) throw std::runtime_error("cannot fill " + path);
  }
  std::string file(std::string_view name) const { return directory_.file(name); }

 private:
  test::TemporaryDirectory directory_{"teleinfo-faults-disk"};
};

constexpr std::size_t kMemoryFrames = 20'000;  // ThreadedSink: ten times its memory bound
const std::map<std::string, std::string> kInflux = {{"sink", "influx"}};

TEST(Faults, SpoolDiskFull) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounts a tmpfs: needs root";
  SmallDisk disk{"1m"};
  disk.fill(960 * 1024);  // 64 KiB left: some 27 frames of 2.3 KB
  faults::Rig rig{{.broker = false,
                   .influx = true,
                   .spool_dir = disk.file("spool"),
                   .bridge_options = {"--influx-flush-interval", "0"}}};
  rig.start_bridge();
  rig.send(0, 100);
  // Written, and known to be: a write whose answer was lost is written again, which would move
  // the frames below.
  ASSERT_TRUE(rig.wait_metric("teleinfo_sink_frames_written_total", kInflux, 100))
      << rig.bridge_err();

  // The database goes away; its frames fill the spool's disk, then wait in memory.
  rig.influxdb().stop();
  rig.send(100, 100);
  ASSERT_TRUE(rig.bridge().wait_for_err("No space left on device")) << rig.bridge_err();
  // More than memory holds: the oldest in memory are dropped.
  constexpr std::uint64_t kSent = 200 + kMemoryFrames + 2'000;
  rig.send(200, kSent - 200);
  ASSERT_TRUE(rig.wait_metric("teleinfo_sink_frames_accepted_total", kInflux, kSent))
      << rig.metrics() << rig.bridge_err();
  ASSERT_TRUE(rig.bridge().wait_for_err("the oldest are dropped")) << rig.bridge_err();
  const auto metric = [&](std::string_view name, const std::string& text) {
    return static_cast<std::uint64_t>(test::metric_value(text, name, kInflux).value_or(0));
  };
  const std::string full = rig.metrics();  // one answer: figures of one moment
  const std::uint64_t spooled = metric("teleinfo_sink_spool_frames", full);
  const std::uint64_t dropped = metric("teleinfo_sink_frames_dropped_total", full);
  const std::uint64_t waiting = metric("teleinfo_sink_frames_waiting", full);
  std::printf("disk full: %llu frames in the spool, %llu in memory, %llu dropped\n",
              static_cast<unsigned long long>(spooled),
              static_cast<unsigned long long>(waiting - spooled),
              static_cast<unsigned long long>(dropped));
  EXPECT_LT(spooled, 100u) << full;  // whole lines only: a line that does not fit is cut off
  EXPECT_GT(dropped, 0u) << full;
  EXPECT_EQ(metric("teleinfo_sink_frames_written_total", full), 100u) << full;
  EXPECT_EQ(100 + waiting + dropped, kSent) << full;  // every frame accounted for
  EXPECT_EQ(metric("teleinfo_sink_frames_accepted_total", full), kSent) << full;
  EXPECT_TRUE(rig.wait_metric("teleinfo_frames_published_total", {}, kSent)) << rig.metrics();
  // Logged once each time the spool goes from working to failing, however often it was tried. It
  // works again now and then while the disk still takes a frame where a larger write did not fit:
  // at most once per frame it took.
  EXPECT_EQ(rig.count_in_err("No space left on device"), rig.count_in_err("working again") + 1)
      << rig.bridge_err();
  EXPECT_LE(rig.count_in_err("working again"), spooled) << rig.bridge_err();
  EXPECT_EQ(rig.count_in_err("the oldest are dropped"), 1u) << rig.bridge_err();

  // Room comes back: memory goes to the spool; then the database, and the spool to it.
  disk.resize("256m");
  ASSERT_TRUE(rig.bridge().wait_for_err("working again")) << rig.bridge_err();
  ASSERT_TRUE(test::eventually([&] {
    return metric("teleinfo_sink_spool_frames", rig.metrics()) == waiting;
  })) << rig.metrics();
  rig.influxdb().start();
  // The dropped frames are the oldest of those that waited in memory: just after the spool's.
  Numbers stored = range(0, 100 + spooled);
  const Numbers newest = range(100 + spooled + dropped, kSent - (100 + spooled + dropped));
  stored.insert(newest.begin(), newest.end());
  ASSERT_TRUE(rig.wait_points(stored, std::chrono::seconds{180})) << rig.bridge_err();
  EXPECT_EQ(rig.point_count(), stored.size());
  ASSERT_TRUE(rig.wait_metric("teleinfo_sink_frames_waiting", kInflux, 0)) << rig.metrics();
  const std::string after = rig.metrics();
  EXPECT_EQ(metric("teleinfo_sink_frames_dropped_total", after), dropped);
  EXPECT_EQ(metric("teleinfo_sink_frames_written_total", after), kSent - dropped);
  EXPECT_NE(rig.bridge_err().find("influx: memory has room again; " + std::to_string(dropped) +
                                  " frames were dropped"),
            std::string::npos)
      << rig.bridge_err();
  EXPECT_EQ(rig.stop_bridge(), 0) << rig.bridge_err();
  EXPECT_NE(rig.bridge_err().find("influx: " + std::to_string(kSent - dropped) +
                                  " frames written, 0 waiting (0 in the spool), " +
                                  std::to_string(dropped) + " dropped"),
            std::string::npos)
      << rig.bridge_err();
}

}  // namespace
