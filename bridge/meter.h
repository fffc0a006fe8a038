// One meter (one source): its decoder, and the publications its frames become.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bridge/publisher.h"
#include "tic/decoder.h"
#include "tic/frame.h"

namespace bridge {

struct MeterCounters {
  std::uint64_t published = 0;        // frames published on the frame stream
  std::uint64_t without_address = 0;  // frames whose ADCO/ADSC failed its checks: not published
  std::uint64_t short_frames = 0;     // historic three-phase short frames: not on the stream
};

class Meter {
 public:
  // `name` names the source in logs ("file:capture.txt").
  Meter(std::string name, tic::DecoderOptions options, std::string base_topic,
        Publisher& publisher);
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  void push(std::span<const std::uint8_t> bytes, tic::Time received) {
    decoder_.push(bytes, received);
  }
  void finish(tic::Time received) { decoder_.finish(received); }

  const std::string& name() const { return name_; }
  const tic::DecoderStats& decoder_stats() const { return decoder_.stats(); }
  const MeterCounters& counters() const { return counters_; }

  // One line: what was decoded, published and dropped.
  std::string summary() const;

 private:
  void on_frame(const tic::Frame& frame);

  std::string name_;
  std::string base_topic_;
  Publisher& publisher_;
  tic::Decoder decoder_;
  MeterCounters counters_;
  std::string json_;  // reused from frame to frame
};

}  // namespace bridge
