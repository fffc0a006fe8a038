#include "discovery/meter_model.h"

#include <gtest/gtest.h>

namespace {

using discovery::decode_meter_address;

TEST(MeterModel, DecodesALinkyAddress) {
  const auto model = decode_meter_address("061961361253");
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->manufacturer_code, "06");
  EXPECT_EQ(model->manufacturer, "Itron");
  EXPECT_EQ(model->year, 2019);
  EXPECT_EQ(model->type_code, "61");
  EXPECT_EQ(model->model, "Linky single-phase 60 A, G3");
  EXPECT_EQ(model->serial, "361253");
}

TEST(MeterModel, DecodesAHistoricMeterAddress) {
  const auto model = decode_meter_address("021528603314");
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->manufacturer, "Sagem / Sagemcom");
  EXPECT_EQ(model->year, 2015);
  EXPECT_EQ(model->type_code, "28");
  EXPECT_EQ(model->model, "Blue single-phase multi-tariff meter, 2007 series, 3rd generation");
  EXPECT_EQ(model->serial, "603314");
}

TEST(MeterModel, ThreePhaseLinkyAndNineties) {
  EXPECT_EQ(decode_meter_address("811863000001")->model, "Linky three-phase 60 A, G1");
  EXPECT_EQ(decode_meter_address("029801000001")->year, 1998);
}

TEST(MeterModel, UnknownCodesAreNamedByTheirCode) {
  const auto model = decode_meter_address("451999123456");
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->manufacturer, "code 45");
  EXPECT_EQ(model->model, "type 99");
  const auto hex = decode_meter_address("0219aa123456");
  ASSERT_TRUE(hex.has_value());
  EXPECT_EQ(hex->type_code, "AA");
}

TEST(MeterModel, RefusesMalformedAddresses) {
  EXPECT_FALSE(decode_meter_address(""));
  EXPECT_FALSE(decode_meter_address("06196136125"));
  EXPECT_FALSE(decode_meter_address("0619613612534"));
  EXPECT_FALSE(decode_meter_address("0A1961361253"));
  EXPECT_FALSE(decode_meter_address("06196136125X"));
  EXPECT_FALSE(decode_meter_address("0619G1361253"));
}

}  // namespace
