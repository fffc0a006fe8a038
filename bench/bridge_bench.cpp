// teleinfo-bridge end to end, against the targets: the program as users run it, reading a
// pseudo-terminal that stands in for the serial port and publishing to a real mosquitto on
// loopback, with a subscriber in this process. Two runs, each with a bridge and a line of its own:
//
//   full speed    --frames frames written to the line as fast as the bridge takes them, with
//                 at most --window frames written and not yet received (see write_at_full_speed)
//   real cadence  --cadence-frames frames paced at 9600 Bd 7E1 (960 bytes/s), written in chunks of
//                 --chunk bytes, the way a UART's FIFO or a USB dongle hands them over
//
// Each run starts with --warmup frames sent at full speed and waited for (the bridge connects to
// the broker and sends its Home Assistant discovery then); what follows is measured.
//
// The frames are the 100 frames of a real Linky capture in turn, each rebuilt with its EAST group
// set to the first EAST plus the frame's sequence number (checksum included), so that every
// message of the frame stream names the frame it came from: the stream's TIME does not
// (tests/support/numbered_frames.h). Latency
// runs from the write() that carried a frame's ETX (the time taken just before the call) to the
// subscriber's reception of its message, both on this process's steady clock. CPU time is the
// bridge's, all threads, from /proc/<pid>/task/*/schedstat (nanoseconds); peak RSS is its VmHWM.
// The bridge runs as a user starts it by hand, or with --systemd as systemd's Type=notify does
// (with a NOTIFY_SOCKET, which this program reads).
//
//   cmake -S . -B build-bench2 -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-bench2 --target bridge_bench -j2
//   build-bench2/bench/bridge_bench                 # 20000 frames, then 30 at the real cadence
//   build-bench2/bench/bridge_bench --quick         # a smoke run: 500 frames, then 3
//   build-bench2/bench/bridge_bench --json out.json # the figures for bench/run's table too
//   build-bench2/bench/bridge_bench --maps          # where the bridge's memory is, file by file
//
// Memory: peak RSS is VmHWM (what the target is about); at the end of each run, PSS and USS
// (private pages: what the process alone costs) and, with --maps, Rss, Pss and USS of each mapped
// file from /proc/<pid>/smaps. RSS counts every page of a shared library the bridge touched, even
// pages all other processes share; PSS divides them among the processes mapping them.
//
// Exit status 0 whether the targets are met or not (it is a benchmark); 1 when the run broke (a
// frame lost, the bridge died or ended with an error), 2 for a bad argument.
#include <fcntl.h>
#include <poll.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bridge/mqtt_client.h"
#include "support/broker.h"
#include "support/daemon.h"
#include "support/numbered_frames.h"
#include "support/pty.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

const std::string kBuiltBridge = TELEINFO_BRIDGE;
// 9600 Bd with 10 bits a byte: start bit, 7 data bits, even parity, stop bit.
constexpr double kLineBytesPerSecond = 960.0;
// A run that receives nothing for this long is broken.
constexpr std::chrono::seconds kPatience{20};

// The targets.
constexpr double kTargetFramesPerSecond = 5000;
constexpr double kTargetCpuMicroseconds = 50;
constexpr double kTargetPeakRssBytes = 8e6;
constexpr double kTargetLatencyMilliseconds = 2;

// The run broke: frames lost, the bridge gone. Ends the benchmark with status 1.
class Broken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Arguments {
  std::size_t frames = 20'000;
  std::size_t cadence_frames = 30;
  std::size_t chunk = 16;  // a PL011 FIFO's trigger level; an FT230X's 16 ms latency timer
  std::size_t warmup = 100;
  std::size_t window = 500;  // full speed: frames written and not yet received; 0: no limit
  std::string csv;           // a file to write every measured frame's times to; empty: none
  bool systemd = false;      // the bridge gets a NOTIFY_SOCKET, as under systemd's Type=notify
  std::string bridge = kBuiltBridge;      // the program run
  std::vector<std::string> bridge_extra;  // more arguments for it (--bridge-arg)
  std::string json;                       // a file for the figures as JSON; empty: none
  bool maps = false;                      // print the memory of each mapped file
  bool quick = false;
};

constexpr std::string_view kUsage =
    "usage: bridge_bench [--frames N] [--cadence-frames N] [--chunk BYTES] [--warmup N] "
    "[--window N] [--systemd] [--csv FILE] [--json FILE] [--maps] [--bridge PATH]\n"
    "       [--bridge-arg ARG]... [--quick]\n"
    "  --frames N          frames of the full-speed run (20000)\n"
    "  --cadence-frames N  frames of the real-cadence run, about 0.9 s each (30)\n"
    "  --chunk BYTES       bytes per write at the real cadence (16)\n"
    "  --warmup N          frames sent before each run's measurement (100)\n"
    "  --window N          full speed: at most N frames written and not yet received; 0: no\n"
    "                      limit, and mosquitto drops messages past 1000 behind (500)\n"
    "  --systemd           run the bridge as systemd does, with a NOTIFY_SOCKET to notify\n"
    "  --csv FILE          write each measured frame's times there (run, sequence number,\n"
    "                      ETX written and message received in us from the run's start)\n"
    "  --json FILE         write the figures there as JSON (bench/run reads them)\n"
    "  --maps              print Rss, Pss and USS of each file the bridge maps\n"
    "  --bridge PATH       run this teleinfo-bridge (default: the one built with this program)\n"
    "  --bridge-arg ARG    one more argument for the bridge (--bridge-arg=--csv-file=/tmp/x)\n"
    "  --quick             a smoke run: --frames 500 --cadence-frames 3 --warmup 20\n";

std::size_t parse_count(std::string_view name, std::string_view text, std::size_t minimum) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < minimum) {
    throw std::invalid_argument(std::string{name} + ": not a number of at least " +
                                std::to_string(minimum) + ": '" + std::string{text} + "'");
  }
  return value;
}

Arguments parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    std::string_view name = argv[i];
    std::optional<std::string_view> value;
    if (const std::size_t equals = name.find('='); equals != std::string_view::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    if (name == "--quick" && !value) {
      arguments.frames = 500;
      arguments.cadence_frames = 3;
      arguments.warmup = 20;
      arguments.quick = true;
      continue;
    }
    if (name == "--maps" && !value) {
      arguments.maps = true;
      continue;
    }
    if (name == "--systemd" && !value) {
      arguments.systemd = true;
      continue;
    }
    if (name == "--help" && !value) {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    if (name != "--frames" && name != "--cadence-frames" && name != "--chunk" &&
        name != "--warmup" && name != "--window" && name != "--csv" && name != "--json" &&
        name != "--bridge" && name != "--bridge-arg") {
      throw std::invalid_argument("unknown argument '" + std::string{argv[i]} + "'");
    }
    if (!value) {
      if (i + 1 == argc) throw std::invalid_argument(std::string{name} + " needs a value");
      value = argv[++i];
    }
    if (name == "--frames") arguments.frames = parse_count(name, *value, 1);
    if (name == "--cadence-frames") arguments.cadence_frames = parse_count(name, *value, 1);
    if (name == "--chunk") arguments.chunk = parse_count(name, *value, 1);
    if (name == "--warmup") arguments.warmup = parse_count(name, *value, 1);
    if (name == "--window") arguments.window = parse_count(name, *value, 0);
    if (name == "--csv") arguments.csv = *value;
    if (name == "--json") arguments.json = *value;
    if (name == "--bridge") arguments.bridge = *value;
    if (name == "--bridge-arg") arguments.bridge_extra.emplace_back(*value);
  }
  return arguments;
}

// ---------------------------------------------------------------------------------------------
// The subscriber

// The frame stream's subscriber: a thread and an MQTT connection of its own, subscribed at QoS 1
// as an archiver would be, stamping each message with the steady clock as it is handed over.
class Receiver {
 public:
  Receiver(const test::Broker& broker, std::string topic, const test::NumberedFrames& maker)
      : topic_(std::move(topic)), maker_(maker) {
    bridge::MqttSettings settings;
    settings.host = broker.host();
    settings.port = broker.port();
    settings.client_id = "teleinfo-bench-" + std::to_string(::getpid());
    sync_topic_ = "teleinfo-bench/sync/" + settings.client_id;
    bridge::MqttClient::Callbacks callbacks;
    callbacks.connected = [this] { on_connected(); };
    callbacks.connect_failed = [this](std::string_view reason) { on_lost(reason); };
    callbacks.disconnected = [this](std::string_view reason) { on_lost(reason); };
    callbacks.message = [this](std::string_view from, std::string_view payload, int, bool) {
      on_message(from, payload);
    };
    client_ = std::make_unique<bridge::MqttClient>(std::move(settings), std::move(callbacks));
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw Broken("pipe2 failed");
    thread_ = std::thread([this] { run(); });
  }

  ~Receiver() {
    stopping_ = true;
    [[maybe_unused]] const ssize_t written = ::write(wake_[1], "x", 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Waits until the subscription is in place.
  bool wait_subscribed(std::chrono::seconds failsafe) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, failsafe, [this] { return subscribed_; });
  }

  // Forgets what came before: from now on, frames `first_sequence` to `first_sequence + count`
  // are expected.
  void expect(std::uint64_t first_sequence, std::size_t count) {
    std::lock_guard lock{mutex_};
    first_sequence_ = first_sequence;
    arrivals_.assign(count, TimePoint{});
    received_ = duplicates_ = 0;
  }

  // Waits until every expected frame came; false when nothing came for `patience`.
  bool wait_all(std::chrono::seconds patience) {
    std::size_t count = 0;
    {
      std::lock_guard lock{mutex_};
      count = arrivals_.size();
    }
    return wait_received(count, patience);
  }

  // Waits until `count` expected frames came; false when nothing came for `patience`.
  bool wait_received(std::size_t count, std::chrono::seconds patience) {
    std::unique_lock lock{mutex_};
    std::size_t seen = received_;
    TimePoint progress = SteadyClock::now();
    for (;;) {
      // The receiving thread notifies once `wanted_` frames came, not on every message: a
      // wake-up per message would take a CPU from the bridge.
      wanted_ = count;
      if (changed_.wait_for(lock, std::chrono::milliseconds{100},
                            [&] { return received_ >= count; })) {
        return true;
      }
      const TimePoint now = SteadyClock::now();
      if (received_ != seen) {
        seen = received_;
        progress = now;
      } else if (now - progress > patience) {
        return false;
      }
    }
  }

  // When each expected frame came; TimePoint{} for those that did not.
  std::vector<TimePoint> arrivals() const {
    std::lock_guard lock{mutex_};
    return arrivals_;
  }
  std::size_t received() const {
    std::lock_guard lock{mutex_};
    return received_;
  }
  std::size_t duplicates() const {
    std::lock_guard lock{mutex_};
    return duplicates_;
  }
  std::string last_error() const {
    std::lock_guard lock{mutex_};
    return last_error_;
  }

 private:
  void run() {
    bridge::MqttClient& client = *client_;
    TimePoint next_attempt = SteadyClock::now();
    while (!stopping_) {
      const TimePoint now = SteadyClock::now();
      if (client.socket() < 0 && now >= next_attempt) {
        next_attempt = now + std::chrono::milliseconds{100};
        client.connect();
      }
      pollfd descriptors[2] = {{wake_[0], POLLIN, 0}, {client.socket(), POLLIN, 0}};
      if (client.wants_write()) descriptors[1].events |= POLLOUT;
      const bool open = descriptors[1].fd >= 0;
      const int ready = ::poll(descriptors, 2, open ? 500 : 100);
      if (ready < 0 && errno != EINTR) break;
      if (open || client.wants_write()) client.loop(ready > 0 ? descriptors[1].revents : 0);
    }
    client.disconnect();
  }

  void on_connected() {
    client_->subscribe(topic_, 1);
    client_->subscribe(sync_topic_, 1);
    // The broker handles a connection's packets in order: this message comes back once both
    // subscriptions are in place.
    client_->publish(sync_topic_, "subscribed", 1, false);
  }

  void on_message(std::string_view topic, std::string_view payload) {
    const TimePoint now = SteadyClock::now();
    // UINT64_MAX: no frame of ours.
    const std::uint64_t sequence =
        topic == topic_ ? maker_.number_of(payload).value_or(UINT64_MAX) : UINT64_MAX;
    std::lock_guard lock{mutex_};
    if (topic == sync_topic_) {
      subscribed_ = true;
      changed_.notify_all();
      return;
    }
    // Messages of no expected frame: late ones of an earlier run.
    if (sequence == UINT64_MAX || sequence < first_sequence_ ||
        sequence - first_sequence_ >= arrivals_.size()) {
      return;
    }
    TimePoint& arrival = arrivals_[sequence - first_sequence_];
    if (arrival != TimePoint{}) {
      ++duplicates_;
      return;
    }
    arrival = now;
    if (++received_ >= wanted_) {
      wanted_ = SIZE_MAX;
      changed_.notify_all();
    }
  }

  void on_lost(std::string_view reason) {
    std::lock_guard lock{mutex_};
    last_error_ = reason;
  }

  std::string topic_;
  std::string sync_topic_;
  const test::NumberedFrames& maker_;
  std::unique_ptr<bridge::MqttClient> client_;  // the thread's once it runs
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool subscribed_ = false;
  std::uint64_t first_sequence_ = 0;
  std::vector<TimePoint> arrivals_;
  std::size_t received_ = 0;
  std::size_t wanted_ = SIZE_MAX;  // what a waiter waits for
  std::size_t duplicates_ = 0;
  std::string last_error_;
};

// ---------------------------------------------------------------------------------------------
// systemd's notification socket

// A datagram socket standing in for systemd's NOTIFY_SOCKET, read by a thread of its own so that
// the bridge's notifications (READY=1, STATUS=...) never find it full.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (fd_ < 0 || path_.size() >= sizeof address.sun_path) throw Broken("no notify socket");
    std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
      ::close(fd_);
      throw Broken("cannot bind " + path_ + ": " + std::strerror(errno));
    }
    thread_ = std::thread([this] { drain(); });
  }

  ~NotifySocket() {
    [[maybe_unused]] const ssize_t written = ::write(wake_[1], "x", 1);
    thread_.join();
    ::close(fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }

 private:
  void drain() {
    char message[4096];
    for (;;) {
      pollfd descriptors[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(descriptors, 2, -1) < 0 && errno != EINTR) return;
      if (descriptors[1].revents != 0) return;
      while (::recv(fd_, message, sizeof message, 0) >= 0) {
      }
    }
  }

  std::string path_;
  int fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// The line

// Writes bytes [from, to) of `stream` to the master, waiting for room when the line is full, and
// stamps each frame whose ETX goes out with the time just before the write() that carried it.
void write_range(int master, const test::FrameStream& stream, std::size_t from, std::size_t to,
                 std::vector<TimePoint>& etx_times, std::size_t& next_frame) {
  while (from < to) {
    const TimePoint before = SteadyClock::now();
    const ssize_t written = ::write(master, stream.bytes.data() + from, to - from);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN)
        throw Broken(std::string{"writing to the line: "} + std::strerror(errno));
      pollfd line{master, POLLOUT, 0};
      const int ready = ::poll(&line, 1, static_cast<int>(kPatience.count() * 1000));
      if (ready == 0) throw Broken("the line took no byte for 20 s: the bridge stopped reading");
      continue;
    }
    from += static_cast<std::size_t>(written);
    while (next_frame < stream.frame_ends.size() && stream.frame_ends[next_frame] <= from) {
      etx_times[next_frame++] = before;
    }
  }
}

// As fast as the line takes the bytes, but with at most `window` frames written and not yet
// received (0: no limit). mosquitto drops messages for a subscriber that is more than
// max_queued_messages (1000 by default) behind, and a bridge fed faster than it publishes only
// grows its backlog: the window keeps both away without slowing the bridge down.
// False when the frames stopped coming back (nothing for kPatience): the rest was not written.
bool write_at_full_speed(int master, const test::FrameStream& stream, Receiver& receiver,
                         std::size_t window, std::vector<TimePoint>& etx_times) {
  const std::size_t frames = stream.frame_ends.size();
  std::size_t next_frame = 0;
  std::size_t from = 0;
  while (next_frame < frames) {
    std::size_t limit = frames;
    if (window > 0) {
      limit = std::min(frames, receiver.received() + window);
      if (limit <= next_frame) {
        // Full: on again once a quarter of the window is free.
        const std::size_t resume = next_frame + std::max<std::size_t>(window / 4, 1) - window;
        if (!receiver.wait_received(resume, kPatience)) return false;
        continue;
      }
    }
    const std::size_t to = stream.frame_ends[limit - 1];
    write_range(master, stream, from, to, etx_times, next_frame);
    from = to;
  }
  return true;
}

// Each chunk goes out when the line would have delivered its last byte. A chunk never spans the
// end of a frame, so that an ETX is the last byte of its write.
void write_at_cadence(int master, const test::FrameStream& stream, std::size_t chunk,
                      std::vector<TimePoint>& etx_times) {
  const TimePoint start = SteadyClock::now();
  std::size_t next_frame = 0;
  std::size_t from = 0;
  while (from < stream.bytes.size()) {
    const std::size_t to = std::min(from + chunk, stream.frame_ends[next_frame]);
    const std::chrono::duration<double> due{static_cast<double>(to) / kLineBytesPerSecond};
    std::this_thread::sleep_until(start + std::chrono::duration_cast<SteadyClock::duration>(due));
    write_range(master, stream, from, to, etx_times, next_frame);
    from = to;
  }
}

// ---------------------------------------------------------------------------------------------
// The bridge's process

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct CpuSample {
  std::int64_t runtime_ns = 0;      // all threads, from the scheduler's accounting
  std::int64_t main_thread_ns = 0;  // the thread whose id is the process's
  std::int64_t user_ticks = 0;      // utime and stime of /proc/<pid>/stat, in clock ticks
  std::int64_t system_ticks = 0;
  std::int64_t read_calls = 0;  // syscr and syscw of /proc/<pid>/io: read() and write() calls
  std::int64_t write_calls = 0;
};

CpuSample operator-(const CpuSample& a, const CpuSample& b) {
  return {a.runtime_ns - b.runtime_ns, a.main_thread_ns - b.main_thread_ns,
          a.user_ticks - b.user_ticks, a.system_ticks - b.system_ticks,
          a.read_calls - b.read_calls, a.write_calls - b.write_calls};
}

// The CPU time a process used so far. Threads that ended are missing from the nanoseconds (the
// bridge's threads live as long as it does) but not from the ticks.
CpuSample sample_cpu(pid_t pid) {
  CpuSample sample;
  const std::filesystem::path process = "/proc/" + std::to_string(pid);
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator{process / "task", error}) {
    std::istringstream schedstat{read_text((task.path() / "schedstat").string())};
    std::int64_t runtime = 0;
    if (!(schedstat >> runtime)) continue;
    sample.runtime_ns += runtime;
    if (task.path().filename() == std::to_string(pid)) sample.main_thread_ns = runtime;
  }
  if (error) throw Broken("process " + std::to_string(pid) + " is gone");
  // Fields after the command name, which ends at the last ')': state is field 3, utime 14,
  // stime 15.
  const std::string stat = read_text((process / "stat").string());
  const std::size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) throw Broken("process " + std::to_string(pid) + " is gone");
  std::istringstream fields{stat.substr(name_end + 1)};
  std::string field;
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number == 14) sample.user_ticks = std::stoll(field);
    if (number == 15) sample.system_ticks = std::stoll(field);
  }
  std::istringstream io{read_text((process / "io").string())};
  std::string name;
  std::int64_t value = 0;
  while (io >> name >> value) {
    if (name == "syscr:") sample.read_calls = value;
    if (name == "syscw:") sample.write_calls = value;
  }
  return sample;
}

CpuSample sample_own_cpu() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto ns = [](const timeval& time) {
    return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(time.tv_usec) * 1000;
  };
  return {.runtime_ns = ns(usage.ru_utime) + ns(usage.ru_stime)};
}

// A line of /proc/<pid>/status in kB ("VmHWM:     4520 kB"), as bytes; 0 when missing.
std::uint64_t status_bytes(pid_t pid, std::string_view key) {
  std::istringstream status{read_text("/proc/" + std::to_string(pid) + "/status")};
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
      return std::stoull(line.substr(key.size() + 1)) * 1024;
    }
  }
  return 0;
}

// The memory of one mapped file, or of "[heap]", "[stack]", "[anon]" (mappings of no file), in
// bytes. Private pages (clean or dirty) are the process's alone: USS sums them.
struct Mapping {
  std::string name;
  std::uint64_t rss = 0;
  std::uint64_t pss = 0;
  std::uint64_t uss = 0;
  std::uint64_t private_dirty = 0;  // written: relocated data, heap; counted in RssAnon
};

struct Memory {
  Mapping total;
  std::vector<Mapping> mappings;  // by file, the largest RSS first
};

// /proc/<pid>/smaps, summed by file. Each mapping is a header line ("7f01...-7f02... r-xp 00000000
// 08:01 1234    /usr/lib/x86_64-linux-gnu/libc.so.6") then "Name:   value kB" lines.
Memory sample_memory(pid_t pid) {
  std::istringstream smaps{read_text("/proc/" + std::to_string(pid) + "/smaps")};
  std::map<std::string, Mapping> by_name;
  Mapping* current = nullptr;
  for (std::string line; std::getline(smaps, line);) {
    std::istringstream fields{line};
    std::string first;
    fields >> first;
    if (first.empty()) continue;
    if (first.back() != ':') {
      std::string permissions, offset, device, inode, name;
      fields >> permissions >> offset >> device >> inode >> std::ws;
      std::getline(fields, name);
      if (name.empty()) name = "[anon]";
      current = &by_name[name];
      current->name = name;
      continue;
    }
    std::uint64_t kilobytes = 0;
    if (current == nullptr || !(fields >> kilobytes)) continue;
    const std::uint64_t bytes = kilobytes * 1024;
    if (first == "Rss:") current->rss += bytes;
    if (first == "Pss:") current->pss += bytes;
    if (first == "Private_Clean:" || first == "Private_Dirty:") current->uss += bytes;
    if (first == "Private_Dirty:") current->private_dirty += bytes;
  }
  Memory memory;
  memory.total.name = "total";
  for (auto& [name, mapping] : by_name) {
    memory.total.rss += mapping.rss;
    memory.total.pss += mapping.pss;
    memory.total.uss += mapping.uss;
    memory.total.private_dirty += mapping.private_dirty;
    if (mapping.rss > 0) memory.mappings.push_back(std::move(mapping));
  }
  std::sort(memory.mappings.begin(), memory.mappings.end(),
            [](const Mapping& a, const Mapping& b) { return a.rss > b.rss; });
  return memory;
}

// Whether the process runs (exists and is not a zombie).
bool running(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t name_end = stat.rfind(')');
  return name_end != std::string::npos && name_end + 2 < stat.size() && stat[name_end + 2] != 'Z';
}

// The child of this process running `name` (the broker's mosquitto), or -1.
pid_t find_child(std::string_view name) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc", error}) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_text(entry.path().string() + "/stat");
    const std::size_t open = stat.find('(');
    const std::size_t close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    if (std::string_view{stat}.substr(open + 1, close - open - 1) != name) continue;
    std::istringstream fields{stat.substr(close + 1)};
    std::string state;
    pid_t parent = -1;
    if (fields >> state >> parent && parent == ::getpid()) return std::stoi(pid);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// A run

enum class Pace { FullSpeed, Cadence };

struct RunResult {
  std::size_t frames = 0;
  std::size_t lost = 0;
  std::size_t duplicates = 0;
  double seconds = 0;  // from the first byte written to the last frame received
  double frames_per_second = 0;
  CpuSample bridge_cpu;
  std::int64_t broker_cpu_ns = -1;   // -1: mosquitto not found
  std::int64_t own_cpu_ns = 0;       // this process: the writer and the subscriber
  std::uint64_t peak_rss = 0;        // VmHWM, bytes
  std::uint64_t rss = 0;             // VmRSS at the end
  std::uint64_t rss_anonymous = 0;   // RssAnon at the end: heap, stacks
  std::uint64_t rss_file = 0;        // RssFile at the end: the program and its libraries
  Memory memory;                     // at the end
  std::vector<double> latencies_ms;  // sorted
};

// The nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// "frames 120-135, 200 missing": the first few runs of frames that did not come.
std::string missing_ranges(const std::vector<TimePoint>& arrivals) {
  std::string text = "frames";
  int runs = 0;
  for (std::size_t i = 0; i < arrivals.size() && runs < 10; ++i) {
    if (arrivals[i] != TimePoint{}) continue;
    std::size_t end = i;
    while (end + 1 < arrivals.size() && arrivals[end + 1] == TimePoint{})
      ++end;
    text += (runs++ == 0 ? " " : ", ") + std::to_string(i);
    if (end > i) text += "-" + std::to_string(end);
    i = end;
  }
  return text + " missing";
}

// The lines of `text` that hold `word`.
std::string lines_with(const std::string& text, std::string_view word) {
  std::istringstream in{text};
  std::string result;
  for (std::string line; std::getline(in, line);) {
    if (line.find(word) != std::string::npos) result += line + "\n";
  }
  return result;
}

class Bench {
 public:
  explicit Bench(Arguments arguments)
      : arguments_(arguments),
        receiver_(broker_, "teleinfo/" + maker_.address(), maker_),
        config_(config_directory_.file("empty.conf")) {
    std::ofstream{config_};
    if (!receiver_.wait_subscribed(kPatience)) {
      throw Broken("the subscriber did not subscribe: " + receiver_.last_error());
    }
    broker_pid_ = find_child("mosquitto");
    if (!arguments_.csv.empty()) {
      csv_.open(arguments_.csv);
      if (!csv_) throw Broken("cannot write " + arguments_.csv);
      csv_ << "run,sequence,etx_written_us,received_us\n";
    }
    environment_["TELEINFO_CONFIG"] = config_;
    if (arguments_.systemd) {
      notify_socket_.emplace(config_directory_.file("notify"));
      environment_["NOTIFY_SOCKET"] = notify_socket_->path();
    }
  }

  const test::NumberedFrames& maker() const { return maker_; }

  RunResult run(Pace pace, std::size_t count) {
    test::PseudoTerminal line;
    std::vector<std::string> bridge_arguments = {"--source",   "serial:" + line.slave_path(),
                                                 "--mode",     "standard",
                                                 "--mqtt-url", broker_.url()};
    bridge_arguments.insert(bridge_arguments.end(), arguments_.bridge_extra.begin(),
                            arguments_.bridge_extra.end());
    test::Daemon bridge{arguments_.bridge, bridge_arguments, environment_};
    // The bridge flushes the port when it opens it: nothing is written before.
    if (!bridge.wait_for_err("reading " + line.slave_path())) {
      throw Broken("the bridge did not start reading " + line.slave_path() + ":\n" + bridge.err());
    }

    // Warm-up: the bridge connects, says it is online, sends its discovery documents.
    const test::FrameStream warmup = maker_.make(next_sequence_, arguments_.warmup);
    next_sequence_ += arguments_.warmup;
    std::vector<TimePoint> etx_times(arguments_.warmup);
    receiver_.expect(warmup.first, arguments_.warmup);
    if (!write_at_full_speed(line.master(), warmup, receiver_, arguments_.window, etx_times) ||
        !receiver_.wait_all(kPatience)) {
      throw Broken("warm-up: " + std::to_string(receiver_.received()) + " frames of " +
                   std::to_string(arguments_.warmup) + " received\n" + bridge.err());
    }

    const test::FrameStream stream = maker_.make(next_sequence_, count);
    next_sequence_ += count;
    etx_times.assign(count, TimePoint{});
    receiver_.expect(stream.first, count);
    const CpuSample bridge_before = sample_cpu(bridge.pid());
    const std::int64_t broker_before = broker_pid_ > 0 ? sample_cpu(broker_pid_).runtime_ns : 0;
    const std::int64_t own_before = sample_own_cpu().runtime_ns;
    const TimePoint start = SteadyClock::now();
    bool complete = true;
    if (pace == Pace::FullSpeed) {
      complete =
          write_at_full_speed(line.master(), stream, receiver_, arguments_.window, etx_times);
    } else {
      write_at_cadence(line.master(), stream, arguments_.chunk, etx_times);
    }
    complete = complete && receiver_.wait_all(kPatience);

    RunResult result;
    result.frames = count;
    result.bridge_cpu = sample_cpu(bridge.pid()) - bridge_before;
    if (broker_pid_ > 0) result.broker_cpu_ns = sample_cpu(broker_pid_).runtime_ns - broker_before;
    result.own_cpu_ns = sample_own_cpu().runtime_ns - own_before;
    result.peak_rss = status_bytes(bridge.pid(), "VmHWM");
    result.rss = status_bytes(bridge.pid(), "VmRSS");
    result.rss_anonymous = status_bytes(bridge.pid(), "RssAnon");
    result.rss_file = status_bytes(bridge.pid(), "RssFile");
    result.memory = sample_memory(bridge.pid());
    result.duplicates = receiver_.duplicates();

    const std::vector<TimePoint> arrivals = receiver_.arrivals();
    TimePoint last = start;
    for (std::size_t i = 0; i < count; ++i) {
      if (arrivals[i] == TimePoint{}) {
        ++result.lost;
        continue;
      }
      last = std::max(last, arrivals[i]);
      result.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(arrivals[i] - etx_times[i]).count());
    }
    std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
    if (csv_.is_open()) {
      auto us = [start](TimePoint time) {
        return std::chrono::duration<double, std::micro>(time - start).count();
      };
      for (std::size_t i = 0; i < count; ++i) {
        csv_ << (pace == Pace::FullSpeed ? "full speed," : "real cadence,") << stream.first + i
             << ',' << us(etx_times[i]) << ','
             << (arrivals[i] == TimePoint{} ? std::string{} : std::to_string(us(arrivals[i])))
             << '\n';
      }
      csv_.flush();
    }
    result.seconds = std::chrono::duration<double>(last - start).count();
    result.frames_per_second = static_cast<double>(count - result.lost) / result.seconds;

    const bool bridge_ran = running(bridge.pid());
    const int status = bridge.stop(SIGTERM);
    if (!complete || result.lost > 0) {
      const std::string subscriber_error = receiver_.last_error();
      const std::string drops = lines_with(broker_.log(), "dropped");
      throw Broken(std::to_string(result.lost) + " frames of " + std::to_string(count) +
                   " lost (none came for " + std::to_string(kPatience.count()) +
                   " s): " + missing_ranges(arrivals) + (bridge_ran ? "" : "\nthe bridge is gone") +
                   "\nthe subscriber's last error: " +
                   (subscriber_error.empty() ? "none" : subscriber_error) +
                   "\nmosquitto's drops: " + (drops.empty() ? "none\n" : "\n" + drops) +
                   "the bridge said:\n" + bridge.err());
    }
    if (status != 0) {
      throw Broken("the bridge ended with status " + std::to_string(status) + ":\n" + bridge.err());
    }
    return result;
  }

 private:
  Arguments arguments_;
  test::NumberedFrames maker_;
  test::Broker broker_;
  Receiver receiver_;
  test::TemporaryDirectory config_directory_{"teleinfo-bench"};
  std::string config_;  // an empty configuration file: /etc/teleinfo is not read
  std::optional<NotifySocket> notify_socket_;
  std::map<std::string, std::string> environment_;  // the bridge's, and nothing else
  std::ofstream csv_;
  pid_t broker_pid_ = -1;
  std::uint64_t next_sequence_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The report

// `value` with `decimals` decimals, then `unit`.
std::string fixed(double value, int decimals, std::string_view unit = {}) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text + std::string{unit};
}

double per_frame_us(std::int64_t ns, std::size_t frames) {
  return static_cast<double>(ns) / 1000.0 / static_cast<double>(frames);
}

void print_row(std::string_view name, const std::string& full, const std::string& cadence) {
  std::printf("  %-44s %16s %16s\n", std::string{name}.c_str(), full.c_str(), cadence.c_str());
}

std::string user_system_split(const CpuSample& cpu) {
  const std::int64_t ticks = cpu.user_ticks + cpu.system_ticks;
  if (ticks < 20) return "-";  // too few clock ticks to say
  const double user = 100.0 * static_cast<double>(cpu.user_ticks) / static_cast<double>(ticks);
  return fixed(user, 0, "%") + " / " + fixed(100.0 - user, 0, "%");
}

void print_report(const RunResult& full, const RunResult& cadence, double writes_per_frame) {
  print_row("", "full speed", "real cadence");
  print_row("frames measured (lost)",
            std::to_string(full.frames) + " (" + std::to_string(full.lost) + ")",
            std::to_string(cadence.frames) + " (" + std::to_string(cadence.lost) + ")");
  print_row("duplicates (QoS 1)", std::to_string(full.duplicates),
            std::to_string(cadence.duplicates));
  print_row("first byte written to last frame received", fixed(full.seconds, 3, " s"),
            fixed(cadence.seconds, 3, " s"));
  print_row("frames/s, none lost", fixed(full.frames_per_second, 0),
            fixed(cadence.frames_per_second, 2));
  print_row("bridge CPU per frame (all threads)",
            fixed(per_frame_us(full.bridge_cpu.runtime_ns, full.frames), 1, " us"),
            fixed(per_frame_us(cadence.bridge_cpu.runtime_ns, cadence.frames), 1, " us"));
  print_row("  user / system", user_system_split(full.bridge_cpu),
            user_system_split(cadence.bridge_cpu));
  auto threads = [](const RunResult& run) {
    const std::int64_t main = run.bridge_cpu.main_thread_ns;
    return fixed(per_frame_us(main, run.frames), 1) + " / " +
           fixed(per_frame_us(run.bridge_cpu.runtime_ns - main, run.frames), 1);
  };
  print_row("  reading thread / others (MQTT), us", threads(full), threads(cadence));
  auto calls = [](const RunResult& run) {
    const auto frames = static_cast<double>(run.frames);
    return fixed(static_cast<double>(run.bridge_cpu.read_calls) / frames, 1) + " / " +
           fixed(static_cast<double>(run.bridge_cpu.write_calls) / frames, 1);
  };
  print_row("  read() / write() calls per frame", calls(full), calls(cadence));
  auto broker = [](const RunResult& run) {
    return run.broker_cpu_ns < 0 ? std::string{"-"}
                                 : fixed(per_frame_us(run.broker_cpu_ns, run.frames), 1, " us");
  };
  print_row("mosquitto CPU per frame", broker(full), broker(cadence));
  print_row("this process (line writer, subscriber)",
            fixed(per_frame_us(full.own_cpu_ns, full.frames), 1, " us"),
            fixed(per_frame_us(cadence.own_cpu_ns, cadence.frames), 1, " us"));
  print_row("bridge peak RSS (VmHWM)", fixed(static_cast<double>(full.peak_rss) / 1e6, 2, " MB"),
            fixed(static_cast<double>(cadence.peak_rss) / 1e6, 2, " MB"));
  print_row("bridge RSS at the end", fixed(static_cast<double>(full.rss) / 1e6, 2, " MB"),
            fixed(static_cast<double>(cadence.rss) / 1e6, 2, " MB"));
  auto split = [](const RunResult& run) {
    return fixed(static_cast<double>(run.rss_anonymous) / 1e6, 2) + " / " +
           fixed(static_cast<double>(run.rss_file) / 1e6, 2);
  };
  print_row("  anonymous / files (program, libraries), MB", split(full), split(cadence));
  auto megabytes = [](std::uint64_t bytes) { return fixed(static_cast<double>(bytes) / 1e6, 2); };
  print_row("bridge PSS / USS at the end, MB",
            megabytes(full.memory.total.pss) + " / " + megabytes(full.memory.total.uss),
            megabytes(cadence.memory.total.pss) + " / " + megabytes(cadence.memory.total.uss));
  print_row("latency, ETX written to message received", "", "");
  for (const auto& [name, fraction] :
       {std::pair{"  p50", 0.50}, std::pair{"  p99", 0.99}, std::pair{"  max", 1.0}}) {
    print_row(name, fixed(percentile(full.latencies_ms, fraction), 3, " ms"),
              fixed(percentile(cadence.latencies_ms, fraction), 3, " ms"));
  }
  std::printf(
      "  (at full speed the latency is mostly queueing: the frames of the window wait in the "
      "line, the bridge and the broker;\n"
      "   at the real cadence the CPU time goes mostly to waking up for each write: %.0f a "
      "frame)\n\n",
      writes_per_frame);

  auto verdict = [](bool pass, const std::string& what, const std::string& figure) {
    std::printf("%s  %-52s %s\n", pass ? "PASS" : "FAIL", what.c_str(), figure.c_str());
  };
  const double cpu = per_frame_us(full.bridge_cpu.runtime_ns, full.frames);
  const double rss = static_cast<double>(std::max(full.peak_rss, cadence.peak_rss));
  const double p50 = percentile(cadence.latencies_ms, 0.5);
  verdict(full.frames_per_second >= kTargetFramesPerSecond,
          "sustained frames/s at full speed, none lost (>= 5000)",
          fixed(full.frames_per_second, 0, " frames/s"));
  verdict(cpu <= kTargetCpuMicroseconds, "bridge CPU per frame at full speed (<= 50 us)",
          fixed(cpu, 1, " us"));
  verdict(rss <= kTargetPeakRssBytes, "bridge peak RSS (<= 8 MB)", fixed(rss / 1e6, 2, " MB"));
  verdict(p50 <= kTargetLatencyMilliseconds, "p50 latency at the real cadence (<= 2 ms)",
          fixed(p50, 3, " ms"));
}

// --maps: each mapped file's share of the memory at the end of a run, the largest RSS first.
void print_maps(const Memory& memory) {
  std::printf("\nthe bridge's memory by mapped file at the end of the full-speed run (kB):\n");
  std::printf("  %8s %8s %8s %8s  %s\n", "Rss", "Pss", "USS", "Dirty", "file");
  auto line = [](const Mapping& mapping) {
    std::printf(
        "  %8llu %8llu %8llu %8llu  %s\n", static_cast<unsigned long long>(mapping.rss / 1024),
        static_cast<unsigned long long>(mapping.pss / 1024),
        static_cast<unsigned long long>(mapping.uss / 1024),
        static_cast<unsigned long long>(mapping.private_dirty / 1024), mapping.name.c_str());
  };
  for (const Mapping& mapping : memory.mappings)
    line(mapping);
  line(memory.total);
}

// --json: the figures of both runs, in the units their names say.
void write_json(const std::string& path, const Arguments& arguments, const RunResult& full,
                const RunResult& cadence) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> out{buffer};
  auto number = [&](const char* key, double value) {
    out.Key(key);
    out.Double(value);
  };
  auto count = [&](const char* key, std::uint64_t value) {
    out.Key(key);
    out.Uint64(value);
  };
  auto mapping = [&](const Mapping& memory) {
    out.StartObject();
    out.Key("name");
    out.String(memory.name.c_str());
    count("rss_bytes", memory.rss);
    count("pss_bytes", memory.pss);
    count("uss_bytes", memory.uss);
    count("private_dirty_bytes", memory.private_dirty);
    out.EndObject();
  };
  auto run = [&](const char* key, const RunResult& result) {
    out.Key(key);
    out.StartObject();
    count("frames", result.frames);
    count("lost", result.lost);
    count("duplicates", result.duplicates);
    number("seconds", result.seconds);
    number("frames_per_second", result.frames_per_second);
    const std::int64_t main = result.bridge_cpu.main_thread_ns;
    number("cpu_us_per_frame", per_frame_us(result.bridge_cpu.runtime_ns, result.frames));
    number("reading_thread_cpu_us_per_frame", per_frame_us(main, result.frames));
    number("other_threads_cpu_us_per_frame",
           per_frame_us(result.bridge_cpu.runtime_ns - main, result.frames));
    if (result.broker_cpu_ns >= 0) {
      number("mosquitto_cpu_us_per_frame", per_frame_us(result.broker_cpu_ns, result.frames));
    }
    count("peak_rss_bytes", result.peak_rss);
    count("rss_bytes", result.rss);
    count("rss_anonymous_bytes", result.rss_anonymous);
    count("rss_file_bytes", result.rss_file);
    count("pss_bytes", result.memory.total.pss);
    count("uss_bytes", result.memory.total.uss);
    out.Key("latency_ms");
    out.StartObject();
    number("p50", percentile(result.latencies_ms, 0.5));
    number("p99", percentile(result.latencies_ms, 0.99));
    number("max", percentile(result.latencies_ms, 1.0));
    out.EndObject();
    out.Key("mappings");
    out.StartArray();
    for (const Mapping& each : result.memory.mappings)
      mapping(each);
    out.EndArray();
    out.EndObject();
  };
  out.StartObject();
  out.Key("benchmark");
  out.String("bridge_bench");
  out.Key("bridge");
  out.String(arguments.bridge.c_str());
  out.Key("bridge_arguments");
  out.StartArray();
  for (const std::string& argument : arguments.bridge_extra)
    out.String(argument.c_str());
  out.EndArray();
  out.Key("quick");
  out.Bool(arguments.quick);
  out.Key("systemd");
  out.Bool(arguments.systemd);
  count("window", arguments.window);
  count("chunk_bytes", arguments.chunk);
  run("full_speed", full);
  run("real_cadence", cadence);
  number("peak_rss_bytes", static_cast<double>(std::max(full.peak_rss, cadence.peak_rss)));
  out.EndObject();
  std::ofstream file{path};
  file << buffer.GetString() << '\n';
  if (!file.flush()) throw Broken("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  try {
    arguments = parse_arguments(argc, argv);
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "bridge_bench: %s\n%s", error.what(), kUsage.data());
    return 2;
  }
  try {
    Bench bench{arguments};
    const test::NumberedFrames& maker = bench.maker();
    std::printf(
        "teleinfo-bridge end to end: pseudo-terminal -> %s -> mosquitto (loopback) -> subscriber "
        "(QoS 1)\n",
        arguments.bridge.c_str());
    std::printf(
        "standard frames of meter %s (%s, %zu frames in turn, %.0f bytes a frame), %u CPUs "
        "online, %s\n",
        maker.address().c_str(), std::string{test::NumberedFrames::kCapture}.c_str(),
        maker.distinct_frames(), maker.bytes_per_frame(), std::thread::hardware_concurrency(),
        bridge::MqttClient::library_version().c_str());
    std::printf(
        "each run: %zu warm-up frames, then the frames measured; full speed: at most %s frames "
        "in flight; real cadence: 960 bytes/s in chunks of %zu bytes\n"
        "the bridge runs %s\n\n",
        arguments.warmup,
        arguments.window > 0 ? std::to_string(arguments.window).c_str() : "(no limit)",
        arguments.chunk,
        arguments.systemd ? "as systemd does (NOTIFY_SOCKET set)" : "by hand (no NOTIFY_SOCKET)");
    if (!arguments.bridge_extra.empty()) {
      std::printf("the bridge's own arguments, after --source and --mqtt-url:");
      for (const std::string& argument : arguments.bridge_extra)
        std::printf(" %s", argument.c_str());
      std::printf("\n\n");
    }
    std::fflush(stdout);

    const RunResult full = bench.run(Pace::FullSpeed, arguments.frames);
    const RunResult cadence = bench.run(Pace::Cadence, arguments.cadence_frames);
    print_report(full, cadence,
                 std::ceil(maker.bytes_per_frame() / static_cast<double>(arguments.chunk)));
    if (arguments.maps) print_maps(full.memory);
    if (!arguments.json.empty()) write_json(arguments.json, arguments, full, cadence);
  } catch (const Broken& error) {
    std::fprintf(stderr, "bridge_bench: BROKEN: %s\n", error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bridge_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
