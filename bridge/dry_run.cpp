#include "bridge/dry_run.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tic/frame_json.h"

namespace bridge {

void DryRunPublisher::publish(std::string_view topic, std::string_view payload, int qos,
                              bool retain) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  writer.StartObject();
  writer.Key("topic");
  writer.String(topic.data(), static_cast<rapidjson::SizeType>(topic.size()));
  writer.Key("payload");
  writer.String(payload.data(), static_cast<rapidjson::SizeType>(payload.size()));
  writer.Key("qos");
  writer.Int(qos);
  writer.Key("retain");
  writer.Bool(retain);
  writer.EndObject();
  std::fwrite(buffer.GetString(), 1, buffer.GetSize(), out_);
  std::fputc('\n', out_);
}

void DryRunPublisher::publish_frame(std::string_view topic, const tic::Frame& frame, int qos,
                                    bool retain) {
  json_.clear();
  render_(frame, json_);
  publish(topic, json_, qos, retain);
}

}  // namespace bridge
