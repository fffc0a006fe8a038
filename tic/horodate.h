// Standard-mode horodates (54E §6.2.1.1): "SAAMMJJhhmmss", 13 characters.
//
//   S       season: 'H' winter (UTC+1), 'E' summer (UTC+2); lower case 'h'/'e' when the meter's
//           clock runs in degraded mode (it outlived its backup and was not set again since);
//           ' ' when no season applies (mobile-peak start and end, DPMx/FPMx)
//   AAMMJJ  year (20AA), month, day
//   hhmmss  local legal time in metropolitan France
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tic {

using Seconds = std::chrono::sys_seconds;

struct Horodate {
  static constexpr std::size_t kLength = 13;

  char season = ' ';
  std::chrono::year_month_day date;
  std::chrono::seconds time_of_day{0};

  // The instant it names. With no season letter, the offset follows the French legal time rule
  // (summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC).
  Seconds utc() const;
  bool summer() const;
  bool degraded() const { return season == 'e' || season == 'h'; }
  bool has_season() const { return season != ' '; }

  friend bool operator==(const Horodate&, const Horodate&) = default;
};

// Parses the 13 characters of a horodate; nullopt unless the season is one of "HEhe " and the date
// and time exist on the calendar.
std::optional<Horodate> parse_horodate(std::string_view text);

// Whether French legal time is summer time at this instant.
bool is_french_summer_time(Seconds utc);

// "2025-06-03T09:00:50Z", and with milliseconds "2025-06-03T09:00:52.123Z". Years 0 to 9999.
struct UtcText {
  char text[25];
  std::size_t size;
  std::string_view view() const { return {text, size}; }
};
UtcText format_utc(Seconds utc);
UtcText format_utc(std::chrono::sys_time<std::chrono::milliseconds> utc);

}  // namespace tic
