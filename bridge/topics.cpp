#include "bridge/topics.h"

#include <algorithm>

namespace bridge {

std::string frame_topic(std::string_view base, std::string_view meter) {
  std::string topic{base};
  topic += '/';
  topic += meter;
  return topic;
}

std::string label_subtopic(std::string_view label) {
  std::string topic;
  for (char c : label) {
    if (c == '+') {
      topic += "_plus_";
    } else {
      topic += c;
    }
  }
  return topic;
}

std::string bridge_status_topic(std::string_view base) {
  std::string topic{base};
  topic += "/status";
  return topic;
}

std::string meter_status_topic(std::string_view base, std::string_view meter) {
  std::string topic = frame_topic(base, meter);
  topic += "/status";
  return topic;
}

bool usable_in_topic(std::string_view meter) {
  return !meter.empty() && meter.size() <= 32 &&
         std::all_of(meter.begin(), meter.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
         });
}

bool valid_base_topic(std::string_view base) {
  if (base.empty() || base.front() == '/' || base.back() == '/') return false;
  return base.find_first_of(std::string_view{"+#\0", 3}) == std::string_view::npos;
}

}  // namespace bridge
