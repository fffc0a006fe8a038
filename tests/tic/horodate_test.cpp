// Standard-mode horodates (tic/horodate.h): parse_horodate on the 54E examples, degraded
// (lower-case) seasons, the space season and its French legal time rule, invalid dates,
// rollovers, and format_utc.
#include "tic/horodate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono;
using tic::Horodate;

// The UTC text of a horodate, or "invalid".
std::string utc_of(std::string_view text) {
  const std::optional<Horodate> horodate = tic::parse_horodate(text);
  if (!horodate) return "invalid";
  return std::string{tic::format_utc(horodate->utc()).view()};
}

sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(Horodate, SpecExampleWinter) {
  const std::optional<Horodate> h = tic::parse_horodate("H081225223518");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->season, 'H');
  EXPECT_EQ(h->date, year{2008} / December / 25);
  EXPECT_EQ(h->time_of_day, hours{22} + minutes{35} + seconds{18});
  EXPECT_FALSE(h->summer());
  EXPECT_FALSE(h->degraded());
  EXPECT_TRUE(h->has_season());
  // Winter time is UTC+1.
  EXPECT_EQ(h->utc(), at(2008, 12, 25, 21, 35, 18));
  EXPECT_EQ(utc_of("H081225223518"), "2008-12-25T21:35:18Z");
}

TEST(Horodate, SpecExampleSummer) {
  const std::optional<Horodate> h = tic::parse_horodate("E090714074553");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->season, 'E');
  EXPECT_EQ(h->date, year{2009} / July / 14);
  EXPECT_EQ(h->time_of_day, hours{7} + minutes{45} + seconds{53});
  EXPECT_TRUE(h->summer());
  EXPECT_FALSE(h->degraded());
  // Summer time is UTC+2.
  EXPECT_EQ(utc_of("E090714074553"), "2009-07-14T05:45:53Z");
}

// The DESIGN.md example.
TEST(Horodate, DesignExample) {
  EXPECT_EQ(utc_of("E250603110050"), "2025-06-03T09:00:50Z");
  EXPECT_EQ(utc_of("E250603080531"), "2025-06-03T06:05:31Z");
}

// Lower case: the meter's clock is degraded; the letter still gives the offset.
TEST(Horodate, LowerCaseSeasonsAreDegraded) {
  const std::optional<Horodate> winter = tic::parse_horodate("h081225223518");
  ASSERT_TRUE(winter.has_value());
  EXPECT_TRUE(winter->degraded());
  EXPECT_TRUE(winter->has_season());
  EXPECT_FALSE(winter->summer());
  EXPECT_EQ(utc_of("h081225223518"), "2008-12-25T21:35:18Z");

  const std::optional<Horodate> summer = tic::parse_horodate("e090714074553");
  ASSERT_TRUE(summer.has_value());
  EXPECT_TRUE(summer->degraded());
  EXPECT_TRUE(summer->summer());
  EXPECT_EQ(utc_of("e090714074553"), "2009-07-14T05:45:53Z");

  // A degraded horodate is not the same horodate as a healthy one.
  EXPECT_NE(*tic::parse_horodate("h081225223518"), *tic::parse_horodate("H081225223518"));
}

// The letter wins over the calendar: a meter may say H in May (a clock set wrong, or an edited
// capture); the offset follows the letter.
TEST(Horodate, LetterGivesOffset) {
  EXPECT_EQ(utc_of("H240513120000"), "2024-05-13T11:00:00Z");
  EXPECT_EQ(utc_of("E240113120000"), "2024-01-13T10:00:00Z");
}

// A space season (DPMx/FPMx) follows French legal time: summer from the last Sunday of March to
// the last Sunday of October, both at 01:00 UTC.
TEST(Horodate, SpaceSeason) {
  const std::optional<Horodate> winter = tic::parse_horodate(" 200214060000");
  ASSERT_TRUE(winter.has_value());
  EXPECT_FALSE(winter->has_season());
  EXPECT_FALSE(winter->degraded());
  EXPECT_FALSE(winter->summer());
  EXPECT_EQ(utc_of(" 200214060000"), "2020-02-14T05:00:00Z");

  const std::optional<Horodate> summer = tic::parse_horodate(" 200714060000");
  ASSERT_TRUE(summer.has_value());
  EXPECT_TRUE(summer->summer());
  EXPECT_EQ(utc_of(" 200714060000"), "2020-07-14T04:00:00Z");
}

// 2024: summer time began on Sunday 31 March (02:00 local became 03:00) and ended on Sunday
// 27 October (03:00 local became 02:00).
TEST(Horodate, SpaceSeasonMarchEdge) {
  EXPECT_EQ(utc_of(" 240330120000"), "2024-03-30T11:00:00Z");  // Saturday: winter
  EXPECT_EQ(utc_of(" 240331015959"), "2024-03-31T00:59:59Z");  // last winter second
  EXPECT_EQ(utc_of(" 240331030000"), "2024-03-31T01:00:00Z");  // first summer second
  EXPECT_FALSE(tic::parse_horodate(" 240331015959")->summer());
  EXPECT_TRUE(tic::parse_horodate(" 240331030000")->summer());
  // 02:30 does not exist that night; it is read as winter time.
  EXPECT_EQ(utc_of(" 240331023000"), "2024-03-31T01:30:00Z");
  // The last Sunday of March is not always the 31st: 2025-03-30.
  EXPECT_EQ(utc_of(" 250330015959"), "2025-03-30T00:59:59Z");
  EXPECT_EQ(utc_of(" 250330030000"), "2025-03-30T01:00:00Z");
  EXPECT_EQ(utc_of(" 250323120000"), "2025-03-23T11:00:00Z");  // a Sunday, not the last
}

TEST(Horodate, SpaceSeasonOctoberEdge) {
  EXPECT_EQ(utc_of(" 241026120000"), "2024-10-26T10:00:00Z");  // Saturday: summer
  EXPECT_EQ(utc_of(" 241027015959"), "2024-10-26T23:59:59Z");  // summer: UTC+2
  EXPECT_EQ(utc_of(" 241027030000"), "2024-10-27T02:00:00Z");  // winter
  EXPECT_TRUE(tic::parse_horodate(" 241027015959")->summer());
  EXPECT_FALSE(tic::parse_horodate(" 241027030000")->summer());
  // 02:00-02:59 happens twice that night; without a letter the first (summer) one is taken.
  EXPECT_EQ(utc_of(" 241027023000"), "2024-10-27T00:30:00Z");
  EXPECT_TRUE(tic::parse_horodate(" 241027023000")->summer());
  // With a letter the repeated hour is not ambiguous.
  EXPECT_EQ(utc_of("E241027023000"), "2024-10-27T00:30:00Z");
  EXPECT_EQ(utc_of("H241027023000"), "2024-10-27T01:30:00Z");
  // 2025-10-26.
  EXPECT_EQ(utc_of(" 251026015959"), "2025-10-25T23:59:59Z");
  EXPECT_EQ(utc_of(" 251026030000"), "2025-10-26T02:00:00Z");
  EXPECT_EQ(utc_of(" 251019120000"), "2025-10-19T10:00:00Z");  // a Sunday, not the last
}

TEST(Horodate, IsFrenchSummerTime) {
  EXPECT_FALSE(tic::is_french_summer_time(at(2024, 3, 31, 0, 59, 59)));
  EXPECT_TRUE(tic::is_french_summer_time(at(2024, 3, 31, 1, 0, 0)));
  EXPECT_TRUE(tic::is_french_summer_time(at(2024, 10, 27, 0, 59, 59)));
  EXPECT_FALSE(tic::is_french_summer_time(at(2024, 10, 27, 1, 0, 0)));
  EXPECT_FALSE(tic::is_french_summer_time(at(2024, 1, 1, 0, 0, 0)));
  EXPECT_TRUE(tic::is_french_summer_time(at(2024, 7, 1, 0, 0, 0)));
  EXPECT_FALSE(tic::is_french_summer_time(at(2024, 12, 31, 23, 59, 59)));
}

TEST(Horodate, InvalidDates) {
  EXPECT_EQ(tic::parse_horodate("H240230120000"), std::nullopt);  // 30 February
  EXPECT_EQ(tic::parse_horodate("H230229120000"), std::nullopt);  // 2023 is not a leap year
  EXPECT_TRUE(tic::parse_horodate("H240229120000").has_value());  // 2024 is
  EXPECT_EQ(tic::parse_horodate("H240431120000"), std::nullopt);  // 31 April
  EXPECT_EQ(tic::parse_horodate("H241301120000"), std::nullopt);  // month 13
  EXPECT_EQ(tic::parse_horodate("H240001120000"), std::nullopt);  // month 0
  EXPECT_EQ(tic::parse_horodate("H240100120000"), std::nullopt);  // day 0
  EXPECT_EQ(tic::parse_horodate("H240132120000"), std::nullopt);  // day 32
  EXPECT_EQ(tic::parse_horodate("H240101240000"), std::nullopt);  // hour 24
  EXPECT_EQ(tic::parse_horodate("H240101236000"), std::nullopt);  // minute 60
  EXPECT_EQ(tic::parse_horodate("H240101235960"), std::nullopt);  // second 60
  EXPECT_TRUE(tic::parse_horodate("H240101235959").has_value());
  EXPECT_TRUE(tic::parse_horodate("H000101000000").has_value());  // year 2000
}

TEST(Horodate, NonDigits) {
  EXPECT_EQ(tic::parse_horodate("H24O101120000"), std::nullopt);  // letter O
  EXPECT_EQ(tic::parse_horodate("H2401011200 0"), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H24010112000-"), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H-24101120000"), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H24010112:000"), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H2401011200/0"), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H24010\t120000"), std::nullopt);
}

TEST(Horodate, WrongLength) {
  EXPECT_EQ(tic::parse_horodate(""), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H"), std::nullopt);
  EXPECT_EQ(tic::parse_horodate("H24010112000"), std::nullopt);     // 12
  EXPECT_EQ(tic::parse_horodate("H2401011200000"), std::nullopt);   // 14
  EXPECT_EQ(tic::parse_horodate("240101120000"), std::nullopt);     // no season
  EXPECT_EQ(tic::parse_horodate("H20240101120000"), std::nullopt);  // four-digit year
}

TEST(Horodate, BadSeasonLetter) {
  for (char season : std::string_view{"SWAXs0\t.-G"}) {
    std::string text = "H240101120000";
    text[0] = season;
    EXPECT_EQ(tic::parse_horodate(text), std::nullopt) << text;
  }
  EXPECT_EQ(tic::parse_horodate(std::string_view{"\0"
                                                 "240101120000",
                                                 13}),
            std::nullopt);
}

TEST(Horodate, DayRollover) {
  const auto before = tic::parse_horodate("H240513235959");
  const auto after = tic::parse_horodate("H240514000000");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->utc() - before->utc(), seconds{1});
  EXPECT_EQ(utc_of("H240513235959"), "2024-05-13T22:59:59Z");
  EXPECT_EQ(utc_of("H240514000000"), "2024-05-13T23:00:00Z");
}

TEST(Horodate, MonthAndYearRollover) {
  EXPECT_EQ(
      tic::parse_horodate("H240201000000")->utc() - tic::parse_horodate("H240131235959")->utc(),
      seconds{1});
  EXPECT_EQ(
      tic::parse_horodate("H240301000000")->utc() - tic::parse_horodate("H240229235959")->utc(),
      seconds{1});
  EXPECT_EQ(utc_of("H241231235959"), "2024-12-31T22:59:59Z");
  EXPECT_EQ(utc_of("H250101000000"), "2024-12-31T23:00:00Z");
  // Local midnight of New Year is still last year in UTC.
  EXPECT_EQ(utc_of("H250101003000"), "2024-12-31T23:30:00Z");
  // Local 01:00 on the first of a month is the last day of the month before in summer.
  EXPECT_EQ(utc_of("E240701013000"), "2024-06-30T23:30:00Z");
}

// At the end of October the meter's clock goes from E 02:59:59 back to H 02:00:00: one second
// later, not an hour earlier. In March it goes from H 01:59:59 to E 03:00:00.
TEST(Horodate, SeasonRollover) {
  const auto summer_end = tic::parse_horodate("E241027025959");
  const auto winter_start = tic::parse_horodate("H241027020000");
  ASSERT_TRUE(summer_end && winter_start);
  EXPECT_EQ(utc_of("E241027025959"), "2024-10-27T00:59:59Z");
  EXPECT_EQ(utc_of("H241027020000"), "2024-10-27T01:00:00Z");
  EXPECT_EQ(winter_start->utc() - summer_end->utc(), seconds{1});
  EXPECT_TRUE(summer_end->summer());
  EXPECT_FALSE(winter_start->summer());

  const auto winter_end = tic::parse_horodate("H240331015959");
  const auto summer_start = tic::parse_horodate("E240331030000");
  ASSERT_TRUE(winter_end && summer_start);
  EXPECT_EQ(summer_start->utc() - winter_end->utc(), seconds{1});
}

TEST(Horodate, FormatUtcSeconds) {
  EXPECT_EQ(tic::format_utc(at(2025, 6, 3, 9, 0, 50)).view(), "2025-06-03T09:00:50Z");
  EXPECT_EQ(tic::format_utc(sys_seconds{}).view(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(tic::format_utc(at(9999, 12, 31, 23, 59, 59)).view(), "9999-12-31T23:59:59Z");
  EXPECT_EQ(tic::format_utc(at(2000, 2, 29, 7, 8, 9)).view(), "2000-02-29T07:08:09Z");
}

TEST(Horodate, FormatUtcMilliseconds) {
  using Ms = sys_time<milliseconds>;
  EXPECT_EQ(tic::format_utc(Ms{milliseconds{1748941252123}}).view(), "2025-06-03T09:00:52.123Z");
  EXPECT_EQ(tic::format_utc(Ms{milliseconds{0}}).view(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(tic::format_utc(Ms{milliseconds{7}}).view(), "1970-01-01T00:00:00.007Z");
  EXPECT_EQ(tic::format_utc(Ms{milliseconds{1735689600050}}).view(), "2025-01-01T00:00:00.050Z");
  EXPECT_EQ(tic::format_utc(Ms{milliseconds{253402300799999}}).view(), "9999-12-31T23:59:59.999Z");
}

}  // namespace
