#include "tic/horodate.h"

namespace tic {
namespace {

using namespace std::chrono;

int two_digits(std::string_view text, std::size_t at) {
  const char tens = text[at];
  const char units = text[at + 1];
  if (tens < '0' || tens > '9' || units < '0' || units > '9') return -1;
  return (tens - '0') * 10 + (units - '0');
}

}  // namespace

std::optional<Horodate> parse_horodate(std::string_view text) {
  if (text.size() != Horodate::kLength) return std::nullopt;
  const char season = text[0];
  if (season != 'H' && season != 'E' && season != 'h' && season != 'e' && season != ' ') {
    return std::nullopt;
  }
  const int yy = two_digits(text, 1);
  const int mo = two_digits(text, 3);
  const int dd = two_digits(text, 5);
  const int hh = two_digits(text, 7);
  const int mi = two_digits(text, 9);
  const int ss = two_digits(text, 11);
  if (yy < 0 || mo < 0 || dd < 0 || hh < 0 || mi < 0 || ss < 0) return std::nullopt;
  if (hh > 23 || mi > 59 || ss > 59) return std::nullopt;
  const year_month_day date{year{2000 + yy}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(dd)}};
  if (!date.ok()) return std::nullopt;
  return Horodate{season, date, hours{hh} + minutes{mi} + seconds{ss}};
}

bool is_french_summer_time(Seconds utc) {
  const year y = year_month_day{floor<days>(utc)}.year();
  const sys_seconds start{sys_days{y / March / Sunday[last]} + hours{1}};
  const sys_seconds end{sys_days{y / October / Sunday[last]} + hours{1}};
  return utc >= start && utc < end;
}

Seconds Horodate::utc() const {
  const Seconds as_if_utc = sys_days{date} + time_of_day;
  switch (season) {
    case 'E':
    case 'e':
      return as_if_utc - hours{2};
    case 'H':
    case 'h':
      return as_if_utc - hours{1};
    default: {
      // No season letter: summer time if the summer offset gives a summer instant. In the October
      // hour that occurs twice this picks the first; the March hour that never occurs maps to
      // winter time.
      const Seconds summer_guess = as_if_utc - hours{2};
      return is_french_summer_time(summer_guess) ? summer_guess : as_if_utc - hours{1};
    }
  }
}

bool Horodate::summer() const {
  if (season == 'E' || season == 'e') return true;
  if (season == 'H' || season == 'h') return false;
  return is_french_summer_time(utc());
}

namespace {

// "YYYY-MM-DDThh:mm:ss" into `out` (19 characters), without the cost of printf.
char* write_date_time(char* out, sys_seconds utc) {
  const sys_days day_start = floor<days>(utc);
  const year_month_day ymd{day_start};
  const hh_mm_ss<seconds> hms{utc - day_start};
  auto put = [&out](unsigned value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
      out[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out += digits;
  };
  put(static_cast<unsigned>(int{ymd.year()}), 4);
  *out++ = '-';
  put(unsigned{ymd.month()}, 2);
  *out++ = '-';
  put(unsigned{ymd.day()}, 2);
  *out++ = 'T';
  put(static_cast<unsigned>(hms.hours().count()), 2);
  *out++ = ':';
  put(static_cast<unsigned>(hms.minutes().count()), 2);
  *out++ = ':';
  put(static_cast<unsigned>(hms.seconds().count()), 2);
  return out;
}

}  // namespace

UtcText format_utc(sys_time<milliseconds> utc) {
  UtcText out;
  const sys_seconds whole = floor<seconds>(utc);
  char* end = write_date_time(out.text, whole);
  const auto ms = static_cast<unsigned>((utc - whole).count());
  *end++ = '.';
  *end++ = static_cast<char>('0' + ms / 100);
  *end++ = static_cast<char>('0' + ms / 10 % 10);
  *end++ = static_cast<char>('0' + ms % 10);
  *end++ = 'Z';
  out.size = static_cast<std::size_t>(end - out.text);
  return out;
}

UtcText format_utc(Seconds utc) {
  UtcText out;
  char* end = write_date_time(out.text, utc);
  *end++ = 'Z';
  out.size = static_cast<std::size_t>(end - out.text);
  return out;
}

}  // namespace tic
