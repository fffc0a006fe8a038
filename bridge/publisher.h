// Where MQTT publications go: the broker, or standard output for a dry run.
#pragma once

#include <string>
#include <string_view>

#include "tic/frame.h"
#include "tic/frame_json.h"

namespace bridge {

// How a frame of the stream becomes its payload: tic::write_frame_json, or with --jeedom
// jeedom::write_frame_json_with_status.
using FrameRenderer = void (*)(const tic::Frame& frame, std::string& out);

class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual void publish(std::string_view topic, std::string_view payload, int qos, bool retain) = 0;
  // One message of the frame stream: `frame` as frame JSON (DESIGN.md) on `topic`. A publisher may
  // render it later: the broker's backlog keeps frames, which are smaller than their JSON.
  virtual void publish_frame(std::string_view topic, const tic::Frame& frame, int qos,
                             bool retain) = 0;
};

// --mqtt-url none: frames go to the archive's sinks only.
class NullPublisher : public Publisher {
 public:
  void publish(std::string_view, std::string_view, int, bool) override {}
  void publish_frame(std::string_view, const tic::Frame&, int, bool) override {}
};

}  // namespace bridge
