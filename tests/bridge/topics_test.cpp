// Topic names of DESIGN.md's MQTT layout.
#include "bridge/topics.h"

#include <gtest/gtest.h>

#include "discovery/components.h"
#include "tic/labels.h"

namespace {

TEST(Topics, LabelSubtopics) {
  EXPECT_EQ(bridge::label_subtopic("EAST"), "EAST");
  EXPECT_EQ(bridge::label_subtopic("NJOURF+1"), "NJOURF_plus_1");
  EXPECT_EQ(bridge::label_subtopic("SMAXSN-1"), "SMAXSN-1");
}

// Home Assistant's state topics name the topics the bridge publishes: the two spellings agree on
// every label of the dictionary.
TEST(Topics, DiscoveryNamesTheSameTopics) {
  for (const tic::LabelInfo& info : tic::all_labels()) {
    EXPECT_EQ(bridge::label_subtopic(info.name), discovery::label_subtopic(info.name)) << info.name;
  }
}

TEST(Topics, StatusAndFrameTopics) {
  EXPECT_EQ(bridge::frame_topic("teleinfo", "021728123456"), "teleinfo/021728123456");
  EXPECT_EQ(bridge::meter_status_topic("teleinfo", "021728123456"), "teleinfo/021728123456/status");
  EXPECT_EQ(bridge::bridge_status_topic("home/linky"), "home/linky/status");
}

}  // namespace
