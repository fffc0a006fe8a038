// Where MQTT publications go: the broker, or standard output for a dry run.
#pragma once

#include <string_view>

namespace bridge {

class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual void publish(std::string_view topic, std::string_view payload, int qos, bool retain) = 0;
};

}  // namespace bridge
