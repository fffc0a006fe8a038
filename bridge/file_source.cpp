#include "bridge/file_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace bridge {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr auto kTick = std::chrono::milliseconds{20};

}  // namespace

FileSource::FileSource(const SourceSpec& spec, double speed, std::optional<tic::Mode> mode,
                       ByteSink& sink)
    : name_(spec.text), sink_(sink), speed_(speed), mode_(mode) {
  if (spec.kind == SourceSpec::Kind::Stdin) {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC);
    close_fd_ = true;
    if (fd_ < 0) {
      close_fd_ = false;
      ended_ = true;
      error_ = std::strerror(errno);
    }
  }
  last_tick_ = Clock::now();
  next_tick_ = last_tick_;
}

FileSource::~FileSource() {
  if (close_fd_) ::close(fd_);
}

int FileSource::fd() const {
  return ended_ || speed_ > 0 ? -1 : fd_;
}

Clock::time_point FileSource::deadline() const {
  return ended_ || speed_ == 0 ? Clock::time_point::max() : next_tick_;
}

std::string FileSource::state() const {
  if (!error_.empty()) return "cannot read " + name_ + ": " + error_;
  return ended_ ? name_ + " replayed" : "replaying " + name_;
}

void FileSource::end(std::string error) {
  sink_.finish(wall_clock_now());
  ended_ = true;
  error_ = std::move(error);
  if (close_fd_) ::close(fd_);
  close_fd_ = false;
}

bool FileSource::fill(std::size_t size) {
  if (buffer_at_ > 0 && buffer_at_ == buffer_.size()) {
    buffer_.clear();
    buffer_at_ = 0;
  }
  const std::size_t before = buffer_.size();
  buffer_.resize(before + size);
  for (;;) {
    const ssize_t got = ::read(fd_, buffer_.data() + before, size);
    if (got >= 0) {
      buffer_.resize(before + static_cast<std::size_t>(got));
      if (got == 0) input_ended_ = true;
      return got > 0;
    }
    if (errno == EINTR) continue;
    buffer_.resize(before);
    end(std::strerror(errno));
    return false;
  }
}

void FileSource::on_ready(short, Clock::time_point) {
  // As fast as possible: whatever read() gives, pushed at once.
  std::array<std::uint8_t, kChunk> chunk;
  for (;;) {
    const ssize_t got = ::read(fd_, chunk.data(), chunk.size());
    if (got > 0) {
      sink_.push(std::span{chunk.data(), static_cast<std::size_t>(got)}, wall_clock_now());
      return;
    }
    if (got == 0) return end({});
    if (errno != EINTR) return end(std::strerror(errno));
  }
}

double FileSource::bytes_per_second() {
  if (!mode_) {
    // The separator of the first group: HT in standard mode, SP in historic mode.
    const std::string_view pending{buffer_.data() + buffer_at_, buffer_.size() - buffer_at_};
    const std::size_t start = pending.find('\n');
    const std::size_t stop = pending.find('\r', start == std::string_view::npos ? 0 : start);
    if (start == std::string_view::npos || stop == std::string_view::npos) {
      return tic::bytes_per_second(tic::Mode::Standard) * speed_;
    }
    const std::string_view group = pending.substr(start, stop - start);
    mode_ = group.find('\t') != std::string_view::npos ? tic::Mode::Standard : tic::Mode::Historic;
  }
  return tic::bytes_per_second(*mode_) * speed_;
}

void FileSource::on_timer(Clock::time_point now) {
  if (buffer_.size() - buffer_at_ < 4096 && !input_ended_ && !fill(kChunk) && ended_) return;
  owed_ += std::chrono::duration<double>(now - last_tick_).count() * bytes_per_second();
  last_tick_ = now;
  next_tick_ = now + kTick;
  const std::size_t pending = buffer_.size() - buffer_at_;
  const std::size_t due = std::min(pending, static_cast<std::size_t>(owed_));
  if (due > 0) {
    sink_.push(std::span{reinterpret_cast<const std::uint8_t*>(buffer_.data()) + buffer_at_, due},
               wall_clock_now());
    buffer_at_ += due;
    owed_ -= static_cast<double>(due);
  }
  if (input_ended_ && buffer_at_ == buffer_.size()) end({});
}

}  // namespace bridge
