// The destination-specific part of a sink: how a batch of frames is written to MySQL, a CSV
// file, InfluxDB. ThreadedSink (threaded_sink.h) calls it from the sink's own thread only, with
// the queue, the spool, retries and health around it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "tic/frame.h"

namespace sink {

struct WriteResult {
  enum class Status {
    Written,      // every frame of the batch is stored (a frame stored before counts: idempotent)
    Unavailable,  // the destination is away (connection refused, lost, timed out): retry later
    Refused,      // the destination is there but refuses this batch: retry its frames one by one
  };
  Status status = Status::Written;
  std::string error{};  // one line, no secrets, when not Written

  static WriteResult written() { return {}; }
  static WriteResult unavailable(std::string error) {
    return {Status::Unavailable, std::move(error)};
  }
  static WriteResult refused(std::string error) { return {Status::Refused, std::move(error)}; }
};

class Writer {
 public:
  virtual ~Writer() = default;
  // Short and stable, for logs and spool folders: "mysql", "csv".
  virtual std::string_view name() const = 0;
  // Writes the frames, all or none, in order. Frames come from meters with an address (ADCO or
  // ADSC), possibly from several meters, and may have been written before (after a crash or a
  // retry): writing one twice must leave it stored once.
  virtual WriteResult write(std::span<const tic::Frame> frames) = 0;
  // SIGHUP. Files are reopened; connections may be left alone.
  virtual void reopen() {}
  // The sink is stopping: close connections cleanly.
  virtual void close() {}
};

}  // namespace sink
