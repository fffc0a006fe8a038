#include "sink/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/log.h"
#include "tic/frame_json.h"

namespace sink {
namespace {

constexpr std::size_t kReadChunk = 256 * 1024;
constexpr std::string_view kSegmentSuffix = ".jsonl";
constexpr std::size_t kSequenceDigits = 10;
constexpr const char* kRejectedFile = "rejected.jsonl";

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

unsigned long long as_ull(std::uint64_t value) {
  return static_cast<unsigned long long>(value);
}

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_;
};

// Writes all of `bytes`; false (errno set) if a write fails.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// The lines of a file between two offsets, read in chunks. A line is returned without its "\n";
// bytes after the last "\n" before `end` are not a line.
class LineReader {
 public:
  LineReader(int fd, std::uint64_t offset, std::uint64_t end, std::size_t chunk = kReadChunk)
      : fd_(fd), chunk_(chunk), base_(offset), read_at_(offset), end_(end) {}

  bool next(std::string_view& line) {
    for (;;) {
      const std::size_t newline = buffer_.find('\n', begin_);
      if (newline != std::string::npos) {
        line = std::string_view{buffer_}.substr(begin_, newline - begin_);
        line_start_ = base_ + begin_;
        begin_ = newline + 1;
        line_end_ = base_ + begin_;
        return true;
      }
      if (read_at_ >= end_) return false;
      buffer_.erase(0, begin_);
      base_ += begin_;
      begin_ = 0;
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_, end_ - read_at_));
      const std::size_t had = buffer_.size();
      buffer_.resize(had + want);
      const ssize_t got = ::pread(fd_, buffer_.data() + had, want, static_cast<off_t>(read_at_));
      if (got <= 0) {
        buffer_.resize(had);
        if (got < 0 && errno == EINTR) continue;
        error_ = got < 0 ? errno_text(errno) : "the file is shorter than expected";
        return false;
      }
      buffer_.resize(had + static_cast<std::size_t>(got));
      read_at_ += static_cast<std::uint64_t>(got);
    }
  }
  std::uint64_t line_start() const { return line_start_; }
  std::uint64_t line_end() const { return line_end_; }
  const std::string& error() const { return error_; }

 private:
  int fd_;
  std::size_t chunk_;
  std::string buffer_;
  std::size_t begin_ = 0;  // in buffer_: where the next line starts
  std::uint64_t base_;     // the file offset of buffer_[0]
  std::uint64_t read_at_;  // the file offset of the next byte to read
  std::uint64_t end_;
  std::uint64_t line_start_ = 0;
  std::uint64_t line_end_ = 0;
  std::string error_;
};

// "0000000042.jsonl" -> 42; nullopt for any other name.
std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
  if (name.size() != kSequenceDigits + kSegmentSuffix.size()) return std::nullopt;
  if (name.substr(kSequenceDigits) != kSegmentSuffix) return std::nullopt;
  std::uint64_t sequence = 0;
  for (char c : name.substr(0, kSequenceDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (sequence == 0) return std::nullopt;
  return sequence;
}

// Creates the folder and any missing parent, each 0700.
std::string make_directories(const std::filesystem::path& directory) {
  std::filesystem::path prefix;
  for (const std::filesystem::path& part : directory) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return "cannot create " + prefix.string() + ": " + errno_text(errno);
    }
  }
  struct stat status {};
  if (::stat(directory.c_str(), &status) != 0) {
    return "cannot reach " + directory.string() + ": " + errno_text(errno);
  }
  if (!S_ISDIR(status.st_mode)) return directory.string() + " is not a folder";
  return {};
}

}  // namespace

Spool::Spool(std::filesystem::path directory, std::uint64_t max_bytes, std::uint64_t segment_bytes)
    : directory_(std::move(directory)),
      max_bytes_(max_bytes),
      segment_bytes_(std::max<std::uint64_t>(1, std::min(segment_bytes, max_bytes / 4))) {
  ensure_open();
}

Spool::~Spool() {
  close_tail();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::filesystem::path Spool::segment_path(std::uint64_t sequence) const {
  char name[32];
  std::snprintf(name, sizeof name, "%010llu.jsonl", as_ull(sequence));
  return directory_ / name;
}

bool Spool::fail(std::string message, Direction direction) {
  if (!failing_ || message != error_) LOG_WARNING("%s", message.c_str());
  failing_ = direction;
  error_ = std::move(message);
  return false;
}

void Spool::succeed(Direction direction) {
  if (failing_ != direction) return;
  failing_.reset();
  error_.clear();
  LOG_INFO("spool %s: working again", directory_.c_str());
}

bool Spool::ensure_open() {
  if (opened_) return true;
  if (!open()) return false;
  opened_ = true;
  succeed();
  return true;
}

bool Spool::open() {
  const std::string problem = make_directories(directory_);
  if (!problem.empty()) return fail("spool: " + problem);
  if (lock_fd_ < 0) {
    const int fd = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail("spool: cannot open " + directory_.string() + ": " + errno_text(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EWOULDBLOCK) {
        return fail("spool " + directory_.string() + " is in use by another process");
      }
      return fail("spool: cannot lock " + directory_.string() + ": " + errno_text(error));
    }
    lock_fd_ = fd;
  }

  std::vector<std::uint64_t> sequences;
  std::error_code error;
  for (std::filesystem::directory_iterator entry{directory_, error}, end; !error && entry != end;
       entry.increment(error)) {
    const std::optional<std::uint64_t> sequence =
        parse_segment_name(entry->path().filename().native());
    if (sequence) sequences.push_back(*sequence);
  }
  if (error) return fail("spool: cannot list " + directory_.string() + ": " + error.message());
  std::sort(sequences.begin(), sequences.end());

  segments_.clear();
  frames_ = 0;
  bytes_ = 0;
  head_offset_ = 0;
  oldest_known_ = false;
  for (std::uint64_t sequence : sequences) {
    scan_segment(sequence);
    next_sequence_ = sequence + 1;
  }
  if (frames_ > 0) {
    LOG_INFO("spool %s: %llu frames waiting from an earlier run", directory_.c_str(),
             as_ull(frames_));
  }
  return true;
}

// Counts the lines of a segment left by an earlier run, and cuts off a last line with no "\n".
bool Spool::scan_segment(std::uint64_t sequence) {
  const std::filesystem::path path = segment_path(sequence);
  Fd fd{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (!fd) {
    LOG_WARNING("spool: cannot open %s: %s; left aside", path.c_str(), errno_text(errno).c_str());
    return false;
  }
  std::string chunk(kReadChunk, '\0');
  std::uint64_t size = 0;
  std::uint64_t complete = 0;  // bytes up to and with the last "\n"
  std::uint64_t lines = 0;
  for (;;) {
    const ssize_t got = ::read(fd.get(), chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      LOG_WARNING("spool: cannot read %s: %s; left aside", path.c_str(), errno_text(errno).c_str());
      return false;
    }
    if (got == 0) break;
    const std::string_view bytes{chunk.data(), static_cast<std::size_t>(got)};
    for (std::size_t at = bytes.find('\n'); at != std::string_view::npos;
         at = bytes.find('\n', at + 1)) {
      ++lines;
      complete = size + at + 1;
    }
    size += static_cast<std::uint64_t>(got);
  }
  if (complete < size) {
    // A crash cut the last write short. The bytes are cut off so that nothing follows them.
    ++unreadable_;
    LOG_WARNING(
        "spool %s: %s ended in a cut line (the process was stopped while writing it); "
        "skipped",
        directory_.c_str(), path.filename().c_str());
    if (::ftruncate(fd.get(), static_cast<off_t>(complete)) != 0) {
      LOG_WARNING("spool: cannot cut %s: %s", path.c_str(), errno_text(errno).c_str());
    }
  }
  if (lines == 0) {
    ::unlink(path.c_str());
    return true;
  }
  segments_.push_back({sequence, complete, lines});
  frames_ += lines;
  bytes_ += complete;
  return true;
}

bool Spool::start_segment() {
  close_tail();
  const std::uint64_t sequence = next_sequence_;
  const std::filesystem::path path = segment_path(sequence);
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return fail("spool: cannot create " + path.string() + ": " + errno_text(errno));
  ++next_sequence_;
  tail_fd_ = fd;
  tail_sequence_ = sequence;
  segments_.push_back({sequence, 0, 0});
  return true;
}

void Spool::close_tail() {
  if (tail_fd_ >= 0) ::close(tail_fd_);
  tail_fd_ = -1;
  tail_sequence_ = 0;
}

std::size_t Spool::append(std::span<const tic::Frame> frames) {
  if (frames.empty()) return 0;
  if (!ensure_open()) return 0;
  std::size_t done = 0;
  std::string lines;
  while (done < frames.size()) {
    if (tail_fd_ < 0 || segments_.empty() || segments_.back().sequence != tail_sequence_ ||
        segments_.back().bytes >= segment_bytes_) {
      if (!start_segment()) return done;
    }
    Segment& tail = segments_.back();
    lines.clear();
    std::size_t count = 0;
    // At least one frame, then as many as fit in the segment.
    while (done + count < frames.size() &&
           (count == 0 || tail.bytes + lines.size() < segment_bytes_)) {
      tic::write_frame_json(frames[done + count], lines);
      lines += '\n';
      ++count;
    }
    if (!write_all(tail_fd_, lines)) {
      const int error = errno;
      // Whatever part of the lines went in is cut off again: lines are whole or absent.
      if (::ftruncate(tail_fd_, static_cast<off_t>(tail.bytes)) != 0) close_tail();
      fail("spool: cannot write " + segment_path(tail.sequence).string() + ": " +
           errno_text(error));
      return done;
    }
    if (frames_ == 0) {
      oldest_time_ = frames[done].time();
      oldest_known_ = true;
    }
    tail.bytes += lines.size();
    tail.frames += count;
    bytes_ += lines.size();
    frames_ += count;
    done += count;
    enforce_limit();
  }
  succeed();
  return done;
}

void Spool::enforce_limit() {
  while (bytes_ > max_bytes_ && !segments_.empty())
    drop_oldest();
}

void Spool::drop_oldest() {
  Segment& oldest = segments_.front();
  const std::uint64_t lost = oldest.frames;
  dropped_ += lost;
  dropped_in_episode_ += lost;
  frames_ -= lost;
  oldest.frames = 0;
  if (!dropping_) {
    dropping_ = true;
    LOG_WARNING("spool %s: over its limit of %llu bytes; the oldest frames are dropped",
                directory_.c_str(), as_ull(max_bytes_));
  }
  delete_segment(0);
  pending_.clear();
  pending_consumed_ = 0;
  oldest_known_ = false;
}

void Spool::delete_segment(std::size_t index) {
  const Segment segment = segments_[index];
  // Frames still in it are lost (drop_oldest() counted them already and set none).
  dropped_ += segment.frames;
  frames_ -= std::min(frames_, segment.frames);
  bytes_ -= std::min(bytes_, segment.bytes);
  if (segment.sequence == tail_sequence_) close_tail();
  const std::filesystem::path path = segment_path(segment.sequence);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    LOG_WARNING("spool: cannot delete %s: %s", path.c_str(), errno_text(errno).c_str());
  }
  segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(index));
  if (index == 0) head_offset_ = 0;
}

Spool::Segment* Spool::find_segment(std::uint64_t sequence) {
  for (Segment& segment : segments_) {
    if (segment.sequence == sequence) return &segment;
  }
  return nullptr;
}

void Spool::advance_head(Position to) {
  while (!segments_.empty() && segments_.front().sequence < to.sequence) {
    // Read through: every line of it was consumed or found unreadable.
    delete_segment(0);
  }
  if (!segments_.empty() && segments_.front().sequence == to.sequence) {
    head_offset_ = to.offset;
    if (head_offset_ >= segments_.front().bytes) delete_segment(0);
  }
  if (frames_ == 0) {
    // What is left are lines found unreadable and counted already.
    while (!segments_.empty())
      delete_segment(0);
    if (dropping_) {
      LOG_INFO("spool %s: emptied; %llu frames had been dropped for room", directory_.c_str(),
               as_ull(dropped_in_episode_));
      dropping_ = false;
      dropped_in_episode_ = 0;
    }
  }
}

std::size_t Spool::read(std::size_t max_frames, std::vector<tic::Frame>& out) {
  out.clear();
  pending_.clear();
  pending_consumed_ = 0;
  if (!opened_ || frames_ == 0 || max_frames == 0) return 0;

  std::optional<Position> skip_to;  // unreadable lines at the head, before any frame
  bool failed = false;
  for (std::size_t index = 0; index < segments_.size() && out.size() < max_frames; ++index) {
    Segment& segment = segments_[index];
    const std::filesystem::path path = segment_path(segment.sequence);
    Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (!fd) {
      fail("spool: cannot open " + path.string() + ": " + errno_text(errno), Direction::Out);
      failed = true;
      break;
    }
    LineReader lines{fd.get(), index == 0 ? head_offset_ : 0, segment.bytes};
    std::string_view line;
    while (out.size() < max_frames && lines.next(line)) {
      const Position start{segment.sequence, lines.line_start()};
      const Position end{segment.sequence, lines.line_end()};
      tic::Frame& frame = out.emplace_back();
      const std::string reason = tic::read_frame_json(line, frame);
      if (reason.empty()) {
        pending_.push_back({end, frame.time()});
      } else {
        out.pop_back();
        if (start >= counted_until_) {
          ++unreadable_;
          segment.frames -= std::min<std::uint64_t>(segment.frames, 1);
          frames_ -= std::min<std::uint64_t>(frames_, 1);
          if (!unreadable_logged_) {
            unreadable_logged_ = true;
            LOG_WARNING("spool %s: %s holds a line that is not a frame (%s); skipped",
                        directory_.c_str(), path.filename().c_str(), reason.c_str());
          }
        }
        if (out.empty()) skip_to = end;
      }
      counted_until_ = std::max(counted_until_, end);
    }
    if (!lines.error().empty()) {
      fail("spool: cannot read " + path.string() + ": " + lines.error(), Direction::Out);
      failed = true;
      break;
    }
  }
  if (out.empty() && skip_to) advance_head(*skip_to);
  if (!out.empty()) {
    oldest_time_ = out.front().time();
    oldest_known_ = true;
  }
  if (!failed) succeed(Direction::Out);
  return out.size();
}

void Spool::consume(std::size_t count) {
  count = std::min(count, pending_.size() - pending_consumed_);
  if (count == 0) return;
  for (std::size_t i = pending_consumed_; i < pending_consumed_ + count; ++i) {
    Segment* segment = find_segment(pending_[i].end.sequence);
    if (segment != nullptr && segment->frames > 0) --segment->frames;
    if (frames_ > 0) --frames_;
  }
  pending_consumed_ += count;
  advance_head(pending_[pending_consumed_ - 1].end);
  if (pending_consumed_ < pending_.size()) {
    oldest_time_ = pending_[pending_consumed_].time;
    oldest_known_ = true;
  } else {
    oldest_known_ = false;
  }
}

std::optional<tic::Time> Spool::oldest_time() {
  if (frames_ == 0) return std::nullopt;
  if (oldest_known_) return oldest_time_;
  oldest_time_.reset();
  for (std::size_t index = 0; index < segments_.size() && !oldest_time_; ++index) {
    const Segment& segment = segments_[index];
    Fd fd{::open(segment_path(segment.sequence).c_str(), O_RDONLY | O_CLOEXEC)};
    if (!fd) return std::nullopt;
    // Small reads: one line is wanted, and a frame's line is a few kilobytes.
    LineReader lines{fd.get(), index == 0 ? head_offset_ : 0, segment.bytes, 8 * 1024};
    std::string_view line;
    tic::Frame frame;
    while (lines.next(line)) {
      if (tic::read_frame_json(line, frame).empty()) {
        oldest_time_ = frame.time();
        break;
      }
    }
  }
  oldest_known_ = oldest_time_.has_value();
  return oldest_time_;
}

bool Spool::reject(const tic::Frame& frame) {
  if (!ensure_open()) return false;
  const std::filesystem::path path = directory_ / kRejectedFile;
  Fd fd{::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR)};
  if (!fd) return fail("spool: cannot open " + path.string() + ": " + errno_text(errno));
  std::string line;
  tic::write_frame_json(frame, line);
  line += '\n';
  struct stat status {};
  const bool sized = ::fstat(fd.get(), &status) == 0;
  if (!write_all(fd.get(), line)) {
    const int error = errno;
    if (sized) (void)::ftruncate(fd.get(), status.st_size);
    return fail("spool: cannot write " + path.string() + ": " + errno_text(error));
  }
  ++rejected_;
  succeed();
  return true;
}

}  // namespace sink
