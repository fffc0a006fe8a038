// Replaying a capture (file:PATH, or - for standard input) as a source: as fast as possible, or
// at the meter's own pace (--replay-speed 1: 120 bytes/s historic, 960 bytes/s standard) or a
// multiple of it. The input ends the source at its end.
#pragma once

#include <optional>
#include <string>

#include "bridge/source.h"

namespace bridge {

class FileSource : public Source {
 public:
  // `mode` sets the pace; nullopt: told by the first group's separator. Throws nothing: an input
  // that cannot be opened ends the source with error() set.
  FileSource(const SourceSpec& spec, double speed, std::optional<tic::Mode> mode, ByteSink& sink);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  int fd() const override;
  Clock::time_point deadline() const override;
  void on_ready(short revents, Clock::time_point now) override;
  void on_timer(Clock::time_point now) override;
  bool ended() const override { return ended_; }
  std::string state() const override;

  // Why the input could not be read (strerror), or empty.
  const std::string& error() const { return error_; }

 private:
  // Reads up to `size` more bytes into buffer_; false at the end of the input or on an error.
  bool fill(std::size_t size);
  void end(std::string error);
  double bytes_per_second();

  std::string name_;
  ByteSink& sink_;
  double speed_;
  std::optional<tic::Mode> mode_;
  int fd_ = -1;
  bool close_fd_ = false;
  bool ended_ = false;
  bool input_ended_ = false;
  std::string error_;
  std::string buffer_;  // paced replay: bytes read, not yet pushed
  std::size_t buffer_at_ = 0;
  double owed_ = 0;  // paced replay: bytes due but not yet pushed (fractions carry over)
  Clock::time_point last_tick_{};
  Clock::time_point next_tick_{};
};

}  // namespace bridge
