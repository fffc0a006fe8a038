// The --dry-run contract (DESIGN.md): one JSON object per line on standard output for every
// publication the bridge would make, in order:
//   {"topic":"teleinfo/021728123456","payload":"{\"ADSC\":{...},...}","qos":1,"retain":false}
#pragma once

#include <cstdio>
#include <string>

#include "bridge/publisher.h"

namespace bridge {

class DryRunPublisher : public Publisher {
 public:
  explicit DryRunPublisher(std::FILE* out, FrameRenderer render = tic::write_frame_json)
      : out_(out), render_(render) {}
  void publish(std::string_view topic, std::string_view payload, int qos, bool retain) override;
  void publish_frame(std::string_view topic, const tic::Frame& frame, int qos,
                     bool retain) override;

 private:
  std::FILE* out_;
  FrameRenderer render_;
  std::string json_;  // reused from frame to frame
};

}  // namespace bridge
