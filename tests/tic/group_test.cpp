// Information groups (tic/group.h): split_group reads a group from its end and checks its
// checksum by the rule of its mode (historic "mode 1": LABEL SP DATA; standard "mode 2":
// LABEL HT [HORODATE HT] DATA HT), checksum() and encode_group. The groups are real ones from the
// captures in tests/data/frames.
#include "tic/group.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/captures.h"

namespace {

using tic::Mode;
using tic::SplitGroup;

SplitGroup split(std::string_view content) {
  SplitGroup group{};
  EXPECT_TRUE(tic::split_group(content, group)) << content;
  return group;
}

bool splits(std::string_view content) {
  SplitGroup group{};
  return tic::split_group(content, group);
}

// Sums written out: "IINST 002" = 73+73+78+83+84 + 32 + 48+48+50 = 569; 569 & 0x3F = 57;
// 57 + 0x20 = 89 = 'Y'.
TEST(Checksum, HistoricIinst) {
  EXPECT_EQ(tic::checksum("IINST 002"), 'Y');
  const SplitGroup group = split("IINST 002 Y");
  EXPECT_EQ(group.mode, Mode::Historic);
  EXPECT_EQ(group.label, "IINST");
  EXPECT_EQ(group.data, "002");
  EXPECT_FALSE(group.horodate.has_value());
  EXPECT_TRUE(group.checksum_ok);
}

// "PTEC HP.." sums to 576 = 9 * 64: the checksum is 0 + 0x20, a space, right after the separator.
TEST(Checksum, HistoricChecksumIsASpace) {
  EXPECT_EQ(tic::checksum("PTEC HP.."), ' ');
  const SplitGroup group = split("PTEC HP..  ");
  EXPECT_EQ(group.mode, Mode::Historic);
  EXPECT_EQ(group.label, "PTEC");
  EXPECT_EQ(group.data, "HP..");
  EXPECT_TRUE(group.checksum_ok);
}

// Standard mode sums the final HT too: "EASD01 HT 000000000 HT" = 832 = 13 * 64: a space.
TEST(Checksum, StandardChecksumIsASpace) {
  EXPECT_EQ(tic::checksum("EASD01\t000000000\t"), ' ');
  const SplitGroup group = split("EASD01\t000000000\t ");
  EXPECT_EQ(group.mode, Mode::Standard);
  EXPECT_EQ(group.label, "EASD01");
  EXPECT_EQ(group.data, "000000000");
  EXPECT_FALSE(group.horodate.has_value());
  EXPECT_TRUE(group.checksum_ok);
}

// DATE has an empty data field: two HTs in a row. "DATE HT E210423054022 HT HT" sums to 983;
// 983 & 0x3F = 23; 23 + 0x20 = '7'.
TEST(Checksum, StandardDateWithEmptyData) {
  EXPECT_EQ(tic::checksum("DATE\tE210423054022\t\t"), '7');
  const SplitGroup group = split("DATE\tE210423054022\t\t7");
  EXPECT_EQ(group.mode, Mode::Standard);
  EXPECT_EQ(group.label, "DATE");
  ASSERT_TRUE(group.horodate.has_value());
  EXPECT_EQ(*group.horodate, "E210423054022");
  EXPECT_EQ(group.data, "");
  EXPECT_TRUE(group.checksum_ok);
}

// A horodate whose season is a space (mobile peak start), and a checksum '\': 1020 & 0x3F = 60,
// 60 + 0x20 = 0x5C.
TEST(Checksum, StandardHorodateWithSpaceSeason) {
  EXPECT_EQ(tic::checksum("DPM1\t 200214060000\t00\t"), '\\');
  const SplitGroup group = split("DPM1\t 200214060000\t00\t\\");
  EXPECT_EQ(group.label, "DPM1");
  ASSERT_TRUE(group.horodate.has_value());
  EXPECT_EQ(*group.horodate, " 200214060000");
  EXPECT_EQ(group.data, "00");
  EXPECT_TRUE(group.checksum_ok);
}

// A horodated group whose checksum is a space: 1536 = 24 * 64.
TEST(Checksum, StandardHorodatedChecksumIsASpace) {
  const SplitGroup group = split("SMAXSN-1\tH200213085118\t09562\t ");
  EXPECT_EQ(group.label, "SMAXSN-1");
  EXPECT_EQ(group.horodate, std::optional<std::string_view>{"H200213085118"});
  EXPECT_EQ(group.data, "09562");
  EXPECT_TRUE(group.checksum_ok);
}

TEST(Checksum, StandardDataWithSpaces) {
  const SplitGroup msg = split("MSG1\tPAS DE          MESSAGE         \t<");
  EXPECT_EQ(msg.label, "MSG1");
  EXPECT_EQ(msg.data, "PAS DE          MESSAGE         ");
  EXPECT_FALSE(msg.horodate.has_value());
  EXPECT_TRUE(msg.checksum_ok);

  const SplitGroup profile = split(
      "PJOURF+1\t00008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
      "NONUTILE NONUTILE NONUTILE\t9");
  EXPECT_EQ(profile.label, "PJOURF+1");
  EXPECT_EQ(profile.data.size(), 98u);
  EXPECT_TRUE(profile.checksum_ok);

  const SplitGroup ltarf = split("LTARF\t      BASE      \tF");
  EXPECT_EQ(ltarf.data, "      BASE      ");
  EXPECT_TRUE(ltarf.checksum_ok);
}

// The other mode's rule gives another character: with a final SP the sum gains 0x20 (bit 5 of the
// 6-bit result flips), with a final HT it gains 9.
TEST(Checksum, OtherModesRuleFails) {
  // Historic group with the mode-2 checksum: "IINST 002 " sums to 601 -> '9'.
  EXPECT_EQ(tic::checksum("IINST 002 "), '9');
  const SplitGroup historic = split("IINST 002 9");
  EXPECT_EQ(historic.mode, Mode::Historic);
  EXPECT_FALSE(historic.checksum_ok);
  // Standard group with the mode-1 checksum: "EASD01 HT 000000000" sums to 823 -> 'W'.
  EXPECT_EQ(tic::checksum("EASD01\t000000000"), 'W');
  const SplitGroup standard = split("EASD01\t000000000\tW");
  EXPECT_EQ(standard.mode, Mode::Standard);
  EXPECT_FALSE(standard.checksum_ok);
}

// Every valid group of every capture passes its own mode's rule and fails the other one.
TEST(Checksum, RealGroupsPassOnlyTheirModesRule) {
  std::size_t historic = 0;
  std::size_t standard = 0;
  for (const std::string& name : test::capture_names()) {
    const std::string bytes = test::read_capture(name);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= bytes.size(); ++i) {
      const bool boundary = i == bytes.size() || bytes[i] == '\r' || bytes[i] == '\n' ||
                            bytes[i] == '\x02' || bytes[i] == '\x03';
      if (!boundary) continue;
      const std::string_view content = std::string_view{bytes}.substr(start, i - start);
      start = i + 1;
      SplitGroup group{};
      if (!tic::split_group(content, group) || !group.checksum_ok) continue;
      const char check = content.back();
      const std::string_view with_separator = content.substr(0, content.size() - 1);
      const std::string_view without_separator = content.substr(0, content.size() - 2);
      if (group.mode == Mode::Historic) {
        ++historic;
        EXPECT_EQ(tic::checksum(without_separator), check) << name << ": " << content;
        EXPECT_NE(tic::checksum(with_separator), check) << name << ": " << content;
      } else {
        ++standard;
        EXPECT_EQ(tic::checksum(with_separator), check) << name << ": " << content;
        EXPECT_NE(tic::checksum(without_separator), check) << name << ": " << content;
      }
    }
  }
  // PROTOCOL.md §0 counts about 6,100 historic and 6,400 standard groups over a larger set.
  EXPECT_GT(historic, 5000u);
  EXPECT_GT(standard, 4000u);
}

TEST(Checksum, AlwaysFrom0x20To0x5F) {
  for (int byte = 0; byte < 256; ++byte) {
    const std::string zone(1, static_cast<char>(byte));
    const char c = tic::checksum(zone);
    EXPECT_GE(c, 0x20);
    EXPECT_LE(c, 0x5F);
    EXPECT_EQ(static_cast<unsigned char>(c), (byte & 0x3F) + 0x20);
  }
  EXPECT_EQ(tic::checksum(""), ' ');
  // The sum is not bounded to a byte: 300 'z' = 36600; 36600 & 0x3F = 56 -> 'X'.
  EXPECT_EQ(tic::checksum(std::string(300, 'z')), 'X');
}

TEST(Checksum, WrongChecksumDetected) {
  EXPECT_FALSE(split("IINST 002 Z").checksum_ok);
  EXPECT_FALSE(split("IINST 003 Y").checksum_ok);
  EXPECT_FALSE(split("PTEC HP.. !").checksum_ok);
  EXPECT_FALSE(split("EASD01\t000000001\t ").checksum_ok);
  EXPECT_FALSE(split("DATE\tE210423054023\t\t7").checksum_ok);
}

TEST(SplitGroup, TooShort) {
  EXPECT_FALSE(splits(""));
  EXPECT_FALSE(splits("A"));
  EXPECT_FALSE(splits("A "));
  EXPECT_FALSE(splits("A A"));
  EXPECT_FALSE(splits("\t\t"));
}

// The shortest group: a one-letter label and empty data, "L SEP SEP CHK".
TEST(SplitGroup, ShortestGroup) {
  // Historic: 'A' + SP = 97; 97 & 0x3F = 33; 33 + 0x20 = 'A'.
  const SplitGroup historic = split("A  A");
  EXPECT_EQ(historic.mode, Mode::Historic);
  EXPECT_EQ(historic.label, "A");
  EXPECT_EQ(historic.data, "");
  EXPECT_TRUE(historic.checksum_ok);
  // Standard: 'A' + HT + HT = 83 -> 19 -> '3'.
  const SplitGroup standard = split("A\t\t3");
  EXPECT_EQ(standard.mode, Mode::Standard);
  EXPECT_EQ(standard.label, "A");
  EXPECT_EQ(standard.data, "");
  EXPECT_TRUE(standard.checksum_ok);
}

TEST(SplitGroup, NoSeparatorBeforeChecksum) {
  EXPECT_FALSE(splits("IINST002Y"));
  EXPECT_FALSE(splits("IINST 002"));     // checksum lost: '0' where the separator should be
  EXPECT_FALSE(splits("IINST 002\rY"));  // a control byte where the separator should be
  EXPECT_FALSE(splits("IINST 002_Y"));
  EXPECT_FALSE(splits("PMAX 17480:"));  // domoticz #1713: separator lost
}

TEST(SplitGroup, NoSeparatorAfterLabel) {
  EXPECT_FALSE(splits("IINSTXX Y"));
  // Separators of both modes mixed: the final one decides, and the label has no such separator.
  EXPECT_FALSE(splits("IINST\t002 Y"));
  EXPECT_FALSE(splits("EAST 000000000\tX"));
}

TEST(SplitGroup, SeparatorAsFirstByte) {
  EXPECT_FALSE(splits(" 002 Y"));
  EXPECT_FALSE(splits("  Y"));
  EXPECT_FALSE(splits("\t000000000\t "));
  EXPECT_FALSE(splits("\tE210423054022\t\t7"));
}

// Historic lines split at the first SP: the data keeps any later SP.
TEST(SplitGroup, HistoricSplitsAtFirstSeparator) {
  const std::string group = tic::encode_group(Mode::Historic, "MOTDETAT", "00 000");
  const SplitGroup split_ = split(group);
  EXPECT_EQ(split_.label, "MOTDETAT");
  EXPECT_EQ(split_.data, "00 000");
  EXPECT_TRUE(split_.checksum_ok);
}

// A horodate is recognised by its place (13 characters then HT), in standard mode only.
TEST(SplitGroup, HorodateByPlace) {
  // 13 characters of data with nothing after: data, not a horodate.
  const std::string thirteen = tic::encode_group(Mode::Standard, "XYZ", "H200213085118");
  SplitGroup group = split(thirteen);
  EXPECT_FALSE(group.horodate.has_value());
  EXPECT_EQ(group.data, "H200213085118");
  EXPECT_TRUE(group.checksum_ok);
  // 12 characters then HT: the HT stays in the data, which the field checks then refuse.
  group = split("XYZ\tH20021308511\t09562\tC");
  EXPECT_FALSE(group.horodate.has_value());
  EXPECT_EQ(group.data, "H20021308511\t09562");
  // Historic mode never has a horodate.
  const std::string historic = tic::encode_group(Mode::Historic, "XYZ", "H200213085118 09562");
  group = split(historic);
  EXPECT_EQ(group.mode, Mode::Historic);
  EXPECT_FALSE(group.horodate.has_value());
  EXPECT_EQ(group.data, "H200213085118 09562");
  EXPECT_TRUE(group.checksum_ok);
}

// The decoder passes the sum it made while finding the group; the result is the same.
TEST(SplitGroup, GivenSumMatches) {
  const std::string_view content = "SMAXSN-1\tH200213085118\t09562\t ";
  unsigned sum = 0;
  for (char c : content)
    sum += static_cast<unsigned char>(c);
  SplitGroup group{};
  ASSERT_TRUE(tic::split_group(content, sum, group));
  EXPECT_TRUE(group.checksum_ok);
  EXPECT_EQ(group.label, "SMAXSN-1");
  ASSERT_TRUE(tic::split_group(content, sum + 1, group));
  EXPECT_FALSE(group.checksum_ok);
}

TEST(EncodeGroup, ReproducesRealGroups) {
  EXPECT_EQ(tic::encode_group(Mode::Historic, "IINST", "002"), "IINST 002 Y");
  EXPECT_EQ(tic::encode_group(Mode::Historic, "PTEC", "HP.."), "PTEC HP..  ");
  EXPECT_EQ(tic::encode_group(Mode::Historic, "ADCO", "031328187235"), "ADCO 031328187235 B");
  EXPECT_EQ(tic::encode_group(Mode::Standard, "EASD01", "000000000"), "EASD01\t000000000\t ");
  EXPECT_EQ(tic::encode_group(Mode::Standard, "STGE", "003A0001"), "STGE\t003A0001\t:");
  EXPECT_EQ(tic::encode_group(Mode::Standard, "DATE", "", "E210423054022"),
            "DATE\tE210423054022\t\t7");
  EXPECT_EQ(tic::encode_group(Mode::Standard, "DPM1", "00", " 200214060000"),
            "DPM1\t 200214060000\t00\t\\");
  EXPECT_EQ(tic::encode_group(Mode::Standard, "SMAXSN-1", "09562", "H200213085118"),
            "SMAXSN-1\tH200213085118\t09562\t ");
}

TEST(EncodeGroup, RoundTrip) {
  struct Case {
    Mode mode;
    std::string_view label;
    std::string_view data;
    std::optional<std::string_view> horodate;
  };
  const Case cases[] = {
      {Mode::Historic, "HCHC", "006906827", std::nullopt},
      {Mode::Historic, "OPTARIF", "BBR(", std::nullopt},
      {Mode::Historic, "PTEC", "HP..", std::nullopt},
      {Mode::Standard, "LTARF", " HEURE  CREUSE  ", std::nullopt},
      {Mode::Standard, "MSG1", "PAS DE          MESSAGE         ", std::nullopt},
      {Mode::Standard, "DATE", "", "E250603110050"},
      {Mode::Standard, "SMAXSN", "02740", "e250603080531"},
      {Mode::Standard, "FPM1", "00", " 200214080000"},
  };
  for (const Case& c : cases) {
    const std::string group = tic::encode_group(c.mode, c.label, c.data, c.horodate);
    SCOPED_TRACE(group);
    const SplitGroup back = split(group);
    EXPECT_EQ(back.mode, c.mode);
    EXPECT_EQ(back.label, c.label);
    EXPECT_EQ(back.horodate, c.horodate);
    EXPECT_EQ(back.data, c.data);
    EXPECT_TRUE(back.checksum_ok);
  }
}

}  // namespace
