// decode_field (tic/field.h): the checks a data field goes through before it reaches a frame —
// numbers, historic dot padding, text trimming, identifiers, STGE hex, DATE, horodates, unknown
// labels and non-printable data.
#include "tic/field.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using tic::Field;
using tic::FieldError;
using tic::Kind;
using tic::LabelInfo;
using tic::Mode;
using tic::Scope;
using tic::Unit;

FieldError decode(std::string_view label, std::string_view raw, Field& out,
                  std::optional<std::string_view> horodate = std::nullopt) {
  return tic::decode_field(label, horodate, raw, out);
}

FieldError error_of(std::string_view label, std::string_view raw,
                    std::optional<std::string_view> horodate = std::nullopt) {
  Field field;
  return tic::decode_field(label, horodate, raw, field);
}

TEST(Field, NumberDropsLeadingZeros) {
  Field field;
  ASSERT_EQ(decode("EAST", "012345678", field), FieldError::None);
  EXPECT_EQ(field.label, "EAST");
  EXPECT_EQ(field.raw, "012345678");
  ASSERT_NE(field.info, nullptr);
  EXPECT_EQ(field.info->name, "EAST");
  EXPECT_TRUE(field.is_number());
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{12345678});
  EXPECT_TRUE(field.horodate_raw.empty());
  EXPECT_FALSE(field.horodate.has_value());

  ASSERT_EQ(decode("IINST", "002", field), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{2});
  ASSERT_EQ(decode("HCHC", "000000000", field), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{0});
  ASSERT_EQ(decode("BASE", "999999999", field), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{999999999});
  ASSERT_EQ(decode("PREF", "09", field), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{9});
  ASSERT_EQ(decode("NJOURF+1", "00", field), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{0});
}

TEST(Field, NumberWrongLengthRejected) {
  EXPECT_EQ(error_of("EAST", "12345678"), FieldError::Data);    // 8 of 9 digits
  EXPECT_EQ(error_of("EAST", "0012345678"), FieldError::Data);  // 10 of 9
  EXPECT_EQ(error_of("EASD02", "00134230"), FieldError::Data);  // esphome #4690: a digit lost
  EXPECT_EQ(error_of("IINST", "02"), FieldError::Data);
  EXPECT_EQ(error_of("IINST", "0002"), FieldError::Data);
  EXPECT_EQ(error_of("PAPP", ""), FieldError::Data);
  EXPECT_EQ(error_of("ADPS", "032 "), FieldError::Data);
}

TEST(Field, NumberNonDigitRejected) {
  EXPECT_EQ(error_of("EAST", "01234567A"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", "A12345678"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", " 12345678"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", "-12345678"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", "+12345678"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", "0123 5678"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", "01234567\t"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", std::string_view{"0123\0"
                                              "5678",
                                              9}),
            FieldError::Data);
  EXPECT_EQ(error_of("IINST", "0x1"), FieldError::Data);
  EXPECT_EQ(error_of("IINST", "00/"), FieldError::Data);  // '/' and ':' frame the digits
  EXPECT_EQ(error_of("IINST", "00:"), FieldError::Data);
  // Bytes a digit check by nibbles could take for digits: 0x3A-0x3F and 0x30 + 0x80.
  EXPECT_EQ(error_of("EAST", "0123456?8"), FieldError::Data);
  EXPECT_EQ(error_of("EAST", "01234567;"), FieldError::Data);
  EXPECT_EQ(error_of("EAST",
                     "\xB0"
                     "12345678"),
            FieldError::Data);
  EXPECT_EQ(error_of("EAST",
                     "0\xB9"
                     "2345678"),
            FieldError::Data);
}

// Numbers are read eight digits at a time: 8 digits is one word, 9 a word and one digit, 19 the
// most that fits in 64 bits. No dictionary label has 8 or 19 digits, so these use their own entry.
TEST(Field, NumberWidths) {
  auto number_of = [](std::uint8_t length, std::string_view raw) -> std::optional<std::uint64_t> {
    const LabelInfo info{"TEST", Mode::Standard, Kind::Number, Unit::None,
                         length, false,          Scope::All,   "test"};
    Field field;
    if (tic::decode_field(&info, "TEST", std::nullopt, raw, field) != FieldError::None) {
      return std::nullopt;
    }
    return field.number;
  };
  EXPECT_EQ(number_of(8, "12345678"), std::optional<std::uint64_t>{12345678});
  EXPECT_EQ(number_of(8, "00000001"), std::optional<std::uint64_t>{1});
  EXPECT_EQ(number_of(8, "1234567A"), std::nullopt);
  EXPECT_EQ(number_of(8, "A2345678"), std::nullopt);
  EXPECT_EQ(number_of(9, "123456789"), std::optional<std::uint64_t>{123456789});
  EXPECT_EQ(number_of(9, "12345678A"), std::nullopt);
  EXPECT_EQ(number_of(16, "1234567890123456"), std::optional<std::uint64_t>{1234567890123456});
  EXPECT_EQ(number_of(16, "123456789012345X"), std::nullopt);
  EXPECT_EQ(number_of(19, "9999999999999999999"),
            std::optional<std::uint64_t>{9999999999999999999ull});
  EXPECT_EQ(number_of(19, "0000000000000000001"), std::optional<std::uint64_t>{1});
  EXPECT_EQ(number_of(19, "999999999999999999X"), std::nullopt);
  // Length 0: any width up to 19 digits; 20 would not always fit.
  EXPECT_EQ(number_of(0, "7"), std::optional<std::uint64_t>{7});
  EXPECT_EQ(number_of(0, "18446744073709551615"), std::nullopt);
  EXPECT_EQ(number_of(0, "00000000000000000000"), std::nullopt);
  EXPECT_EQ(number_of(0, ""), std::nullopt);
}

TEST(Field, HistoricDotPaddingTrimmed) {
  Field field;
  ASSERT_EQ(decode("OPTARIF", "HC..", field), FieldError::None);
  EXPECT_EQ(field.text, "HC");
  EXPECT_FALSE(field.is_number());
  EXPECT_EQ(field.raw, "HC..");
  ASSERT_EQ(decode("OPTARIF", "EJP.", field), FieldError::None);
  EXPECT_EQ(field.text, "EJP");
  ASSERT_EQ(decode("OPTARIF", "BASE", field), FieldError::None);
  EXPECT_EQ(field.text, "BASE");
  // Tempo: the fourth character is a bit field, here '(' (0x28): programme A for circuit 1.
  ASSERT_EQ(decode("OPTARIF", "BBR(", field), FieldError::None);
  EXPECT_EQ(field.text, "BBR(");
  ASSERT_EQ(decode("PTEC", "TH..", field), FieldError::None);
  EXPECT_EQ(field.text, "TH");
  ASSERT_EQ(decode("PTEC", "HP..", field), FieldError::None);
  EXPECT_EQ(field.text, "HP");
  ASSERT_EQ(decode("PTEC", "HCJB", field), FieldError::None);
  EXPECT_EQ(field.text, "HCJB");
  ASSERT_EQ(decode("DEMAIN", "----", field), FieldError::None);
  EXPECT_EQ(field.text, "----");
  ASSERT_EQ(decode("HHPHC", "A", field), FieldError::None);
  EXPECT_EQ(field.text, "A");
}

// Standard text: spaces trimmed at both ends, inner spaces kept, dots are text.
TEST(Field, StandardTextTrimmed) {
  Field field;
  ASSERT_EQ(decode("LTARF", " HEURE  CREUSE  ", field), FieldError::None);
  EXPECT_EQ(field.text, "HEURE  CREUSE");
  EXPECT_EQ(field.raw, " HEURE  CREUSE  ");
  EXPECT_FALSE(field.is_number());
  ASSERT_EQ(decode("NGTF", "     TEMPO      ", field), FieldError::None);
  EXPECT_EQ(field.text, "TEMPO");
  ASSERT_EQ(decode("LTARF", "    HP  BLEU    ", field), FieldError::None);
  EXPECT_EQ(field.text, "HP  BLEU");
  ASSERT_EQ(decode("MSG1", "     PAS DE          MESSAGE    ", field), FieldError::None);
  EXPECT_EQ(field.text, "PAS DE          MESSAGE");
  ASSERT_EQ(decode("LTARF", "HC..", field), FieldError::None);
  EXPECT_EQ(field.text, "HC..");
  ASSERT_EQ(decode("NGTF", "                ", field), FieldError::None);
  EXPECT_EQ(field.text, "");
  // The text is a view into the data.
  ASSERT_EQ(decode("LTARF", " HEURE  CREUSE  ", field), FieldError::None);
  EXPECT_EQ(field.text.data(), field.raw.data() + 1);
}

TEST(Field, IdentifiersKeptWhole) {
  Field field;
  ASSERT_EQ(decode("ADSC", "021728123456", field), FieldError::None);
  EXPECT_EQ(field.text, "021728123456");
  EXPECT_FALSE(field.is_number());
  ASSERT_EQ(decode("ADCO", "031328187235", field), FieldError::None);
  EXPECT_EQ(field.text, "031328187235");
  ASSERT_EQ(decode("VTIC", "02", field), FieldError::None);
  EXPECT_EQ(field.text, "02");
  ASSERT_EQ(decode("PRM", "09876543210123", field), FieldError::None);
  EXPECT_EQ(field.text, "09876543210123");
  ASSERT_EQ(decode("MOTDETAT", "000000", field), FieldError::None);
  EXPECT_EQ(field.text, "000000");
}

TEST(Field, StatusRegisterHexChecked) {
  Field field;
  ASSERT_EQ(decode("STGE", "003A0001", field), FieldError::None);
  EXPECT_EQ(field.text, "003A0001");
  EXPECT_FALSE(field.is_number());
  ASSERT_EQ(decode("STGE", "463a0800", field), FieldError::None);
  EXPECT_EQ(field.text, "463a0800");
  EXPECT_EQ(error_of("STGE", "003A000"), FieldError::Data);
  EXPECT_EQ(error_of("STGE", "003A00010"), FieldError::Data);
  EXPECT_EQ(error_of("STGE", "00"), FieldError::Data);  // the cut STGE of the hallard capture
  EXPECT_EQ(error_of("STGE", "003G0001"), FieldError::Data);
  EXPECT_EQ(error_of("STGE", "003A 001"), FieldError::Data);
  EXPECT_EQ(error_of("STGE",
                     "003A\x7F"
                     "001"),
            FieldError::Data);
  ASSERT_EQ(decode("PPOT", "00", field), FieldError::None);
  EXPECT_EQ(field.text, "00");
  ASSERT_EQ(decode("PPOT", "0E", field), FieldError::None);
  EXPECT_EQ(error_of("PPOT", "0"), FieldError::Data);
  EXPECT_EQ(error_of("PPOT", "0X"), FieldError::Data);
}

TEST(Field, DateHasEmptyDataAndAHorodate) {
  Field field;
  ASSERT_EQ(decode("DATE", "", field, "E210423054022"), FieldError::None);
  EXPECT_EQ(field.raw, "");
  EXPECT_EQ(field.text, "");
  EXPECT_FALSE(field.is_number());
  EXPECT_EQ(field.horodate_raw, "E210423054022");
  ASSERT_TRUE(field.horodate.has_value());
  EXPECT_EQ(field.horodate->season, 'E');
  EXPECT_EQ(field.horodate->date, std::chrono::year{2021} / 4 / 23);
  EXPECT_EQ(field.horodate->time_of_day, std::chrono::seconds{5 * 3600 + 40 * 60 + 22});

  EXPECT_EQ(error_of("DATE", "X", "E210423054022"), FieldError::Data);
  EXPECT_EQ(error_of("DATE", " ", "E210423054022"), FieldError::Data);
  EXPECT_EQ(error_of("DATE", ""), FieldError::Horodate);
  EXPECT_EQ(error_of("DATE", "", "E210423054060"), FieldError::Horodate);
}

TEST(Field, HorodatedNumber) {
  Field field;
  ASSERT_EQ(decode("SMAXSN", "02740", field, "E250603080531"), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{2740});
  EXPECT_EQ(field.horodate_raw, "E250603080531");
  ASSERT_TRUE(field.horodate.has_value());
  EXPECT_EQ(field.horodate->utc(), std::chrono::sys_days{std::chrono::year{2025} / 6 / 3} +
                                       std::chrono::hours{6} + std::chrono::minutes{5} +
                                       std::chrono::seconds{31});
  // Mobile peak start: season is a space.
  ASSERT_EQ(decode("DPM1", "00", field, " 200214060000"), FieldError::None);
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{0});
  EXPECT_FALSE(field.horodate->has_season());
}

TEST(Field, HorodateWhereNotAllowed) {
  EXPECT_EQ(error_of("EAST", "012345678", "E250603080531"), FieldError::Horodate);
  EXPECT_EQ(error_of("ADSC", "021728123456", "E250603080531"), FieldError::Horodate);
  EXPECT_EQ(error_of("ADCO", "031328187235", "E250603080531"), FieldError::Horodate);
  EXPECT_EQ(error_of("LTARF", " HEURE  CREUSE  ", "E250603080531"), FieldError::Horodate);
}

TEST(Field, HorodateMissingWhereRequired) {
  EXPECT_EQ(error_of("SMAXSN", "02740"), FieldError::Horodate);
  EXPECT_EQ(error_of("SMAXSN-1", "09562"), FieldError::Horodate);
  EXPECT_EQ(error_of("CCASN", "00786"), FieldError::Horodate);
  EXPECT_EQ(error_of("UMOY1", "231"), FieldError::Horodate);
  EXPECT_EQ(error_of("DPM1", "00"), FieldError::Horodate);
}

TEST(Field, InvalidHorodateRejected) {
  EXPECT_EQ(error_of("SMAXSN", "02740", "E250631080531"), FieldError::Horodate);  // June 31
  EXPECT_EQ(error_of("SMAXSN", "02740", "X250603080531"), FieldError::Horodate);
  EXPECT_EQ(error_of("SMAXSN", "02740", "E25060308053"), FieldError::Horodate);
  EXPECT_EQ(error_of("SMAXSN", "02740", ""), FieldError::Horodate);
}

TEST(Field, UnknownLabelsShapedLikeALabel) {
  Field field;
  ASSERT_EQ(decode("NEWLABEL", "  SOME TEXT ", field), FieldError::None);
  EXPECT_EQ(field.info, nullptr);
  EXPECT_EQ(field.label, "NEWLABEL");
  EXPECT_EQ(field.raw, "  SOME TEXT ");
  EXPECT_EQ(field.text, "SOME TEXT");
  EXPECT_FALSE(field.is_number());
  // Unknown labels are kept as text, even when the data looks like a number.
  ASSERT_EQ(decode("X1+-", "0042", field), FieldError::None);
  EXPECT_EQ(field.text, "0042");
  EXPECT_FALSE(field.is_number());
  // An unknown label may carry a horodate; it is checked like any other.
  ASSERT_EQ(decode("SMAXSN4", "01234", field, "H240101000000"), FieldError::None);
  EXPECT_EQ(field.horodate_raw, "H240101000000");
  ASSERT_TRUE(field.horodate.has_value());
  EXPECT_EQ(error_of("SMAXSN4", "01234", "H240101240000"), FieldError::Horodate);
  ASSERT_EQ(decode("ABCDEFGHIJKLMNOP", "", field), FieldError::None);  // 16 characters

  EXPECT_EQ(error_of("", "1"), FieldError::Label);
  EXPECT_EQ(error_of("newlabel", "1"), FieldError::Label);
  EXPECT_EQ(error_of("Adco", "031328187235"), FieldError::Label);
  EXPECT_EQ(error_of("1ABC", "1"), FieldError::Label);
  EXPECT_EQ(error_of("+ABC", "1"), FieldError::Label);
  EXPECT_EQ(error_of("AB C", "1"), FieldError::Label);
  EXPECT_EQ(error_of("AB_C", "1"), FieldError::Label);
  EXPECT_EQ(error_of("AB.C", "1"), FieldError::Label);
  EXPECT_EQ(error_of("AB\tC", "1"), FieldError::Label);
  EXPECT_EQ(error_of("ABCDEFGHIJKLMNOPQ", "1"), FieldError::Label);  // 17 characters
  EXPECT_EQ(error_of(std::string_view{"AB\0C", 4}, "1"), FieldError::Label);
}

TEST(Field, NonPrintableDataRejected) {
  EXPECT_EQ(error_of("LTARF", " HEURE\tCREUSE   "), FieldError::Data);
  EXPECT_EQ(error_of("LTARF",
                     " HEURE\x01"
                     "CREUSE   "),
            FieldError::Data);
  EXPECT_EQ(error_of("LTARF",
                     " HEURE\x7F"
                     "CREUSE   "),
            FieldError::Data);
  EXPECT_EQ(error_of("LTARF",
                     " HEURE\xC3\xA9"
                     "CREUSE  "),
            FieldError::Data);
  EXPECT_EQ(error_of("MSG1", std::string(31, ' ') + '\n'), FieldError::Data);
  EXPECT_EQ(error_of("OPTARIF", "HC.\r"), FieldError::Data);
  EXPECT_EQ(error_of("ADSC", "02172812345\x80"), FieldError::Data);
  EXPECT_EQ(error_of("ADCO", std::string_view{"03132818723\0", 12}), FieldError::Data);
  EXPECT_EQ(error_of("NEWLABEL",
                     "A\x1B"
                     "B"),
            FieldError::Data);
  EXPECT_EQ(error_of("NEWLABEL", "\t"), FieldError::Data);
  // Long data takes the word-at-a-time path: a bad byte at any place is found.
  const std::string profile =
      "00008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE "
      "NONUTILE";
  ASSERT_EQ(profile.size(), 98u);
  EXPECT_EQ(error_of("PJOURF+1", profile), FieldError::None);
  for (std::size_t at = 0; at < profile.size(); ++at) {
    std::string bad = profile;
    bad[at] = '\x1F';
    EXPECT_EQ(error_of("PJOURF+1", bad), FieldError::Data) << at;
    bad[at] = '\t';
    EXPECT_EQ(error_of("PJOURF+1", bad), FieldError::Data) << at;
  }
}

// Decoding into a Field used before leaves nothing of the earlier value.
TEST(Field, OutputReset) {
  Field field;
  ASSERT_EQ(decode("SMAXSN", "02740", field, "E250603080531"), FieldError::None);
  ASSERT_EQ(decode("LTARF", " HEURE  CREUSE  ", field), FieldError::None);
  EXPECT_FALSE(field.number.has_value());
  EXPECT_FALSE(field.horodate.has_value());
  EXPECT_TRUE(field.horodate_raw.empty());
  ASSERT_EQ(decode("EAST", "000000001", field), FieldError::None);
  EXPECT_TRUE(field.text.empty());
  EXPECT_EQ(field.number, std::optional<std::uint64_t>{1});
}

TEST(Field, ToString) {
  EXPECT_EQ(tic::to_string(FieldError::None), "ok");
  EXPECT_EQ(tic::to_string(FieldError::Label), "malformed label");
  EXPECT_EQ(tic::to_string(FieldError::Horodate), "bad horodate");
  EXPECT_EQ(tic::to_string(FieldError::Data), "bad data");
}

}  // namespace
