// The label dictionary (tic/labels.h): every label of PROTOCOL.md §2.1 (historic) and §2.2
// (standard) with its mode, kind, unit, data length, horodate and scope; full-label lookup;
// address labels; label_index. The expectation table below was written from PROTOCOL.md and the
// Enedis specifications, not from labels.cpp.
#include "tic/labels.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using tic::Kind;
using tic::LabelInfo;
using tic::Mode;
using tic::Scope;
using tic::Unit;

struct Expected {
  std::string_view name;
  Mode mode;
  Kind kind;
  Unit unit;
  unsigned length;
  bool horodated;
  Scope scope;
};

constexpr Mode H = Mode::Historic;
constexpr Mode S = Mode::Standard;

// clang-format off
const Expected kHistoric[] = {
    // PROTOCOL.md §2.1, in table order.
    {"ADCO",     H, Kind::Identifier, Unit::None,      12, false, Scope::All},
    {"OPTARIF",  H, Kind::Text,       Unit::None,       4, false, Scope::All},
    {"ISOUSC",   H, Kind::Number,     Unit::A,          2, false, Scope::All},
    {"BASE",     H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"HCHC",     H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"HCHP",     H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"EJPHN",    H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"EJPHPM",   H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"BBRHCJB",  H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"BBRHPJB",  H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"BBRHCJW",  H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"BBRHPJW",  H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"BBRHCJR",  H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"BBRHPJR",  H, Kind::Number,     Unit::Wh,         9, false, Scope::All},
    {"PEJP",     H, Kind::Number,     Unit::Minute,     2, false, Scope::All},
    {"PTEC",     H, Kind::Text,       Unit::None,       4, false, Scope::All},
    {"DEMAIN",   H, Kind::Text,       Unit::None,       4, false, Scope::All},
    {"IINST",    H, Kind::Number,     Unit::A,          3, false, Scope::SinglePhase},
    {"ADPS",     H, Kind::Number,     Unit::A,          3, false, Scope::SinglePhase},
    {"IMAX",     H, Kind::Number,     Unit::A,          3, false, Scope::SinglePhase},
    {"IINST1",   H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"IINST2",   H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"IINST3",   H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"IMAX1",    H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"IMAX2",    H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"IMAX3",    H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"PMAX",     H, Kind::Number,     Unit::W,          5, false, Scope::ThreePhase},
    {"PAPP",     H, Kind::Number,     Unit::VA,         5, false, Scope::All},
    {"HHPHC",    H, Kind::Text,       Unit::None,       1, false, Scope::All},
    {"MOTDETAT", H, Kind::Identifier, Unit::None,       6, false, Scope::All},
    {"PPOT",     H, Kind::Hex,        Unit::None,       2, false, Scope::ThreePhase},
    {"ADIR1",    H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"ADIR2",    H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    {"ADIR3",    H, Kind::Number,     Unit::A,          3, false, Scope::ThreePhase},
    // 02E Tableau 1 (téléreport concentrator): GAZ and AUTRE are 7 characters, in decalitres.
    {"GAZ",      H, Kind::Number,     Unit::Decalitre,  7, false, Scope::Concentrator},
    {"AUTRE",    H, Kind::Number,     Unit::Decalitre,  7, false, Scope::Concentrator},
};

const Expected kStandard[] = {
    // PROTOCOL.md §2.2, in table order (= emission order).
    {"ADSC",      S, Kind::Identifier, Unit::None, 12, false, Scope::All},
    {"VTIC",      S, Kind::Identifier, Unit::None,  2, false, Scope::All},
    {"DATE",      S, Kind::Text,       Unit::None,  0, true,  Scope::All},
    {"NGTF",      S, Kind::Text,       Unit::None, 16, false, Scope::All},
    {"LTARF",     S, Kind::Text,       Unit::None, 16, false, Scope::All},
    {"EAST",      S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF01",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF02",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF03",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF04",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF05",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF06",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF07",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF08",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF09",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASF10",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASD01",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASD02",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASD03",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EASD04",    S, Kind::Number,     Unit::Wh,    9, false, Scope::All},
    {"EAIT",      S, Kind::Number,     Unit::Wh,    9, false, Scope::Producer},
    {"ERQ1",      S, Kind::Number,     Unit::VArh,  9, false, Scope::Producer},
    {"ERQ2",      S, Kind::Number,     Unit::VArh,  9, false, Scope::Producer},
    {"ERQ3",      S, Kind::Number,     Unit::VArh,  9, false, Scope::Producer},
    {"ERQ4",      S, Kind::Number,     Unit::VArh,  9, false, Scope::Producer},
    {"IRMS1",     S, Kind::Number,     Unit::A,     3, false, Scope::All},
    {"IRMS2",     S, Kind::Number,     Unit::A,     3, false, Scope::ThreePhase},
    {"IRMS3",     S, Kind::Number,     Unit::A,     3, false, Scope::ThreePhase},
    {"URMS1",     S, Kind::Number,     Unit::V,     3, false, Scope::All},
    {"URMS2",     S, Kind::Number,     Unit::V,     3, false, Scope::ThreePhase},
    {"URMS3",     S, Kind::Number,     Unit::V,     3, false, Scope::ThreePhase},
    {"PREF",      S, Kind::Number,     Unit::kVA,   2, false, Scope::All},
    {"PCOUP",     S, Kind::Number,     Unit::kVA,   2, false, Scope::All},
    {"SINSTS",    S, Kind::Number,     Unit::VA,    5, false, Scope::All},
    {"SINSTS1",   S, Kind::Number,     Unit::VA,    5, false, Scope::ThreePhase},
    {"SINSTS2",   S, Kind::Number,     Unit::VA,    5, false, Scope::ThreePhase},
    {"SINSTS3",   S, Kind::Number,     Unit::VA,    5, false, Scope::ThreePhase},
    {"SMAXSN",    S, Kind::Number,     Unit::VA,    5, true,  Scope::All},
    {"SMAXSN1",   S, Kind::Number,     Unit::VA,    5, true,  Scope::ThreePhase},
    {"SMAXSN2",   S, Kind::Number,     Unit::VA,    5, true,  Scope::ThreePhase},
    {"SMAXSN3",   S, Kind::Number,     Unit::VA,    5, true,  Scope::ThreePhase},
    {"SMAXSN-1",  S, Kind::Number,     Unit::VA,    5, true,  Scope::All},
    {"SMAXSN1-1", S, Kind::Number,     Unit::VA,    5, true,  Scope::ThreePhase},
    {"SMAXSN2-1", S, Kind::Number,     Unit::VA,    5, true,  Scope::ThreePhase},
    {"SMAXSN3-1", S, Kind::Number,     Unit::VA,    5, true,  Scope::ThreePhase},
    {"SINSTI",    S, Kind::Number,     Unit::VA,    5, false, Scope::Producer},
    {"SMAXIN",    S, Kind::Number,     Unit::VA,    5, true,  Scope::Producer},
    {"SMAXIN-1",  S, Kind::Number,     Unit::VA,    5, true,  Scope::Producer},
    {"CCASN",     S, Kind::Number,     Unit::W,     5, true,  Scope::All},
    {"CCASN-1",   S, Kind::Number,     Unit::W,     5, true,  Scope::All},
    {"CCAIN",     S, Kind::Number,     Unit::W,     5, true,  Scope::Producer},
    {"CCAIN-1",   S, Kind::Number,     Unit::W,     5, true,  Scope::Producer},
    {"UMOY1",     S, Kind::Number,     Unit::V,     3, true,  Scope::All},
    {"UMOY2",     S, Kind::Number,     Unit::V,     3, true,  Scope::ThreePhase},
    {"UMOY3",     S, Kind::Number,     Unit::V,     3, true,  Scope::ThreePhase},
    {"STGE",      S, Kind::Hex,        Unit::None,  8, false, Scope::All},
    {"DPM1",      S, Kind::Number,     Unit::None,  2, true,  Scope::All},
    {"FPM1",      S, Kind::Number,     Unit::None,  2, true,  Scope::All},
    {"DPM2",      S, Kind::Number,     Unit::None,  2, true,  Scope::All},
    {"FPM2",      S, Kind::Number,     Unit::None,  2, true,  Scope::All},
    {"DPM3",      S, Kind::Number,     Unit::None,  2, true,  Scope::All},
    {"FPM3",      S, Kind::Number,     Unit::None,  2, true,  Scope::All},
    {"MSG1",      S, Kind::Text,       Unit::None, 32, false, Scope::All},
    {"MSG2",      S, Kind::Text,       Unit::None, 16, false, Scope::All},
    {"PRM",       S, Kind::Identifier, Unit::None, 14, false, Scope::All},
    {"RELAIS",    S, Kind::Number,     Unit::None,  3, false, Scope::All},
    {"NTARF",     S, Kind::Number,     Unit::None,  2, false, Scope::All},
    {"NJOURF",    S, Kind::Number,     Unit::None,  2, false, Scope::All},
    {"NJOURF+1",  S, Kind::Number,     Unit::None,  2, false, Scope::All},
    {"PJOURF+1",  S, Kind::Text,       Unit::None, 98, false, Scope::All},
    {"PPOINTE",   S, Kind::Text,       Unit::None, 98, false, Scope::All},
};
// clang-format on

void expect_entry(const Expected& expected) {
  SCOPED_TRACE(std::string{expected.name});
  const LabelInfo* info = tic::find_label(expected.name);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, expected.name);
  EXPECT_EQ(info->mode, expected.mode);
  EXPECT_EQ(info->kind, expected.kind);
  EXPECT_EQ(info->unit, expected.unit);
  EXPECT_EQ(info->length, expected.length);
  EXPECT_EQ(info->horodated, expected.horodated);
  EXPECT_EQ(info->scope, expected.scope);
  EXPECT_FALSE(info->meaning.empty());
}

TEST(Labels, EveryHistoricLabelIsKnown) {
  for (const Expected& expected : kHistoric)
    expect_entry(expected);
}

TEST(Labels, EveryStandardLabelIsKnown) {
  for (const Expected& expected : kStandard)
    expect_entry(expected);
}

// The dictionary holds the labels of both tables and nothing else.
TEST(Labels, DictionaryHoldsExactlyTheTables) {
  std::set<std::string_view> expected;
  for (const Expected& e : kHistoric)
    expected.insert(e.name);
  for (const Expected& e : kStandard)
    expected.insert(e.name);
  EXPECT_EQ(expected.size(), std::size(kHistoric) + std::size(kStandard));  // no duplicate

  std::set<std::string_view> actual;
  for (const LabelInfo& info : tic::all_labels())
    actual.insert(info.name);
  EXPECT_EQ(actual.size(), tic::all_labels().size());  // no label listed twice
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(tic::all_labels().size(), 36u + 71u);
}

// all_labels() lists the standard labels in the order meters send them (54E §6.2.2).
TEST(Labels, StandardLabelsInEmissionOrder) {
  std::vector<std::string_view> order;
  for (const LabelInfo& info : tic::all_labels()) {
    if (info.mode == Mode::Standard) order.push_back(info.name);
  }
  std::vector<std::string_view> expected;
  for (const Expected& e : kStandard)
    expected.push_back(e.name);
  EXPECT_EQ(order, expected);
}

TEST(Labels, IsIndex) {
  EXPECT_TRUE(tic::find_label("BASE")->is_index());
  EXPECT_TRUE(tic::find_label("EAST")->is_index());
  EXPECT_TRUE(tic::find_label("ERQ3")->is_index());  // VArh
  EXPECT_TRUE(tic::find_label("GAZ")->is_index());   // decalitres
  EXPECT_FALSE(tic::find_label("PAPP")->is_index());
  EXPECT_FALSE(tic::find_label("SINSTS")->is_index());
  EXPECT_FALSE(tic::find_label("CCASN")->is_index());  // W: a power, not an energy
  EXPECT_FALSE(tic::find_label("ADCO")->is_index());
}

// The four SMAXSN labels share prefixes; each must find its own entry.
TEST(Labels, FullLabelMatching) {
  const LabelInfo* smaxsn = tic::find_label("SMAXSN");
  const LabelInfo* smaxsn1 = tic::find_label("SMAXSN1");
  const LabelInfo* smaxsn_1 = tic::find_label("SMAXSN-1");
  const LabelInfo* smaxsn1_1 = tic::find_label("SMAXSN1-1");
  ASSERT_NE(smaxsn, nullptr);
  ASSERT_NE(smaxsn1, nullptr);
  ASSERT_NE(smaxsn_1, nullptr);
  ASSERT_NE(smaxsn1_1, nullptr);
  EXPECT_EQ(smaxsn->name, "SMAXSN");
  EXPECT_EQ(smaxsn1->name, "SMAXSN1");
  EXPECT_EQ(smaxsn_1->name, "SMAXSN-1");
  EXPECT_EQ(smaxsn1_1->name, "SMAXSN1-1");
  EXPECT_EQ(smaxsn->scope, Scope::All);
  EXPECT_EQ(smaxsn1->scope, Scope::ThreePhase);
  EXPECT_EQ(smaxsn_1->scope, Scope::All);
  EXPECT_EQ(smaxsn1_1->scope, Scope::ThreePhase);

  EXPECT_EQ(tic::find_label("SMAXS"), nullptr);
  EXPECT_EQ(tic::find_label("SMAXSN-"), nullptr);
  EXPECT_EQ(tic::find_label("SMAXSN1-"), nullptr);
  EXPECT_EQ(tic::find_label("SMAXSN1-11"), nullptr);
  EXPECT_EQ(tic::find_label("SMAXSN4"), nullptr);
  EXPECT_EQ(tic::find_label("IINST4"), nullptr);
  EXPECT_EQ(tic::find_label("IINST")->name, "IINST");
  EXPECT_EQ(tic::find_label("IINST1")->name, "IINST1");
  EXPECT_EQ(tic::find_label("EASF1"), nullptr);  // EASF01 is the label
  EXPECT_EQ(tic::find_label("EASF11"), nullptr);
  EXPECT_EQ(tic::find_label("NJOURF+1")->name, "NJOURF+1");
  EXPECT_EQ(tic::find_label("NJOURF+2"), nullptr);
  EXPECT_EQ(tic::find_label("PJOURF"), nullptr);
}

TEST(Labels, UnknownLabelsGiveNullptr) {
  EXPECT_EQ(tic::find_label(""), nullptr);
  EXPECT_EQ(tic::find_label("adco"), nullptr);  // labels are upper case
  EXPECT_EQ(tic::find_label("Adco"), nullptr);
  EXPECT_EQ(tic::find_label("ADCO "), nullptr);
  EXPECT_EQ(tic::find_label(" ADCO"), nullptr);
  EXPECT_EQ(tic::find_label("ADC"), nullptr);
  EXPECT_EQ(tic::find_label("XYZZY"), nullptr);
  EXPECT_EQ(tic::find_label("ADPS032"), nullptr);             // openHAB's glued ADPS group
  EXPECT_EQ(tic::find_label("PJOURF+1PJOURF+1"), nullptr);    // 16 characters
  EXPECT_EQ(tic::find_label("SMAXSN1-1SMAXSN1-1"), nullptr);  // 18 characters
  EXPECT_EQ(tic::find_label(std::string(1000, 'A')), nullptr);
}

// A label is its exact bytes: trailing NULs do not make another spelling of a known label.
TEST(Labels, TrailingNulIsNotTheLabel) {
  EXPECT_EQ(tic::find_label(std::string_view{"ADCO\0", 5}), nullptr);
  EXPECT_EQ(tic::find_label(std::string_view{"EAST\0\0\0", 7}), nullptr);
  EXPECT_EQ(tic::find_label(std::string_view{"\0ADCO", 5}), nullptr);
}

TEST(Labels, IsAddressLabel) {
  EXPECT_TRUE(tic::is_address_label("ADCO"));
  EXPECT_TRUE(tic::is_address_label("ADSC"));
  EXPECT_FALSE(tic::is_address_label("ADC"));
  EXPECT_FALSE(tic::is_address_label("ADCOX"));
  EXPECT_FALSE(tic::is_address_label("ADSC1"));
  EXPECT_FALSE(tic::is_address_label("adco"));
  EXPECT_FALSE(tic::is_address_label("ADSO"));
  EXPECT_FALSE(tic::is_address_label("ADCC"));
  EXPECT_FALSE(tic::is_address_label("ADIR1"));
  EXPECT_FALSE(tic::is_address_label("ADPS"));
  EXPECT_FALSE(tic::is_address_label("PRM"));
  EXPECT_FALSE(tic::is_address_label(""));
}

TEST(Labels, LabelIndexRoundTrips) {
  const auto labels = tic::all_labels();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    SCOPED_TRACE(std::string{labels[i].name});
    EXPECT_EQ(tic::label_index(labels[i]), i);
    const LabelInfo* found = tic::find_label(labels[i].name);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found, &labels[i]);
    EXPECT_EQ(tic::label_index(*found), i);
  }
  // Frame keeps one bit per dictionary label.
  EXPECT_LE(labels.size(), 128u);
}

TEST(Labels, ToString) {
  EXPECT_EQ(tic::to_string(Mode::Historic), "historic");
  EXPECT_EQ(tic::to_string(Mode::Standard), "standard");
  EXPECT_EQ(tic::to_string(Unit::None), "");
  EXPECT_EQ(tic::to_string(Unit::Wh), "Wh");
  EXPECT_EQ(tic::to_string(Unit::VArh), "VArh");
  EXPECT_EQ(tic::to_string(Unit::VA), "VA");
  EXPECT_EQ(tic::to_string(Unit::kVA), "kVA");
  EXPECT_EQ(tic::to_string(Unit::W), "W");
  EXPECT_EQ(tic::to_string(Unit::A), "A");
  EXPECT_EQ(tic::to_string(Unit::V), "V");
  EXPECT_EQ(tic::to_string(Unit::Minute), "min");
  EXPECT_EQ(tic::to_string(Unit::Decalitre), "daL");
}

}  // namespace
