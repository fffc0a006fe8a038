#include "bridge/simulator.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "tic/group.h"
#include "tic/horodate.h"

namespace bridge {
namespace {

using namespace std::chrono_literals;
namespace chr = std::chrono;

constexpr char kStx = 0x02;
constexpr char kEtx = 0x03;
constexpr char kLf = 0x0A;
constexpr char kCr = 0x0D;

// 9 kVA: ISOUSC 45 A in historic mode (PREF / 200 V, 54E §6.1.1), PREF 09 in standard mode.
constexpr unsigned kSubscribedVa = 9000;
constexpr unsigned kNominalVolts = 230;  // current = apparent power / 230 V, as Linky reports it
constexpr std::uint64_t kVaMsPerWh = 3'600'000;
constexpr chr::milliseconds kCurvePeriod = 30min;    // CCASN, as the mono captures show
constexpr chr::milliseconds kVoltagePeriod = 10min;  // UMOY1 (54E: the regulatory period)

// What hash() numbers are for: each purpose draws its own sequence from the seed.
enum Purpose : std::uint64_t {
  kAddress = 1,
  kPrm,
  kIndexes,
  kNoise,
  kTempo,
  kWaterHeater,
  kYesterdayPeak,
};

// SplitMix64's finaliser: a good 64-bit mix, enough to spread seeds and dates.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15u;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
  return x ^ (x >> 31);
}

double unit_interval(std::uint64_t random) {
  return static_cast<double>(random >> 11) * 0x1.0p-53;
}

// `value` as `width` decimal digits, zero padded (the digits that fit: indexes roll over).
std::string digits(std::uint64_t value, std::size_t width) {
  std::string text(width, '0');
  for (std::size_t i = width; i > 0 && value != 0; --i) {
    text[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return text;
}

// Text centred in `width` spaces, the extra space on the right: "    HP  BLEU    ",
// "   HC  BLANC    ", "     TEMPO      " as real meters send them.
std::string centred(std::string_view text, std::size_t width) {
  const std::size_t left = (width - text.size()) / 2;
  std::string padded(left, ' ');
  padded += text;
  padded.resize(width, ' ');
  return padded;
}

std::string hex8(std::uint32_t value) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string text(8, '0');
  for (std::size_t i = 8; i > 0; --i) {
    text[i - 1] = kHexDigits[value & 0xFu];
    value >>= 4;
  }
  return text;
}

std::uint64_t rounded_division(std::uint64_t numerator, std::uint64_t denominator) {
  return (numerator + denominator / 2) / denominator;
}

tic::Time floor_to(tic::Time at, chr::milliseconds step) {
  chr::milliseconds into = at.time_since_epoch() % step;
  if (into < 0ms) into += step;
  return at - into;
}

// French legal time: UTC+2 in summer, UTC+1 in winter.
chr::hours utc_offset(tic::Time utc) {
  return tic::is_french_summer_time(chr::floor<chr::seconds>(utc)) ? 2h : 1h;
}

struct LocalTime {
  chr::sys_days date;
  chr::milliseconds time_of_day;
};

LocalTime local_time(tic::Time utc) {
  const tic::Time local = utc + utc_offset(utc);
  const chr::sys_days date = chr::floor<chr::days>(local);
  return {date, local - date};
}

// The instant of a local time; in the October hour that occurs twice, the first.
tic::Time utc_of_local(chr::sys_days date, chr::milliseconds time_of_day) {
  const tic::Time as_if_utc = tic::Time{date} + time_of_day;
  const tic::Time summer = as_if_utc - 2h;
  return tic::is_french_summer_time(chr::floor<chr::seconds>(summer)) ? summer : as_if_utc - 1h;
}

bool off_peak(const LocalTime& local) {
  return local.time_of_day < 6h || local.time_of_day >= 22h;
}

// "SAAMMJJhhmmss" (54E §6.2.1.1): the season letter and the local time of `utc`, to the second.
std::string horodate(tic::Time utc) {
  const LocalTime local = local_time(chr::floor<chr::seconds>(utc));
  const chr::year_month_day ymd{local.date};
  const chr::hh_mm_ss<chr::milliseconds> clock{local.time_of_day};
  std::string text(1, utc_offset(utc) == 2h ? 'E' : 'H');
  text += digits(static_cast<unsigned>(static_cast<int>(ymd.year()) % 100), 2);
  text += digits(static_cast<unsigned>(ymd.month()), 2);
  text += digits(static_cast<unsigned>(ymd.day()), 2);
  text += digits(static_cast<std::uint64_t>(clock.hours().count()), 2);
  text += digits(static_cast<std::uint64_t>(clock.minutes().count()), 2);
  text += digits(static_cast<std::uint64_t>(clock.seconds().count()), 2);
  return text;
}

std::string_view colour_word(tic::TempoColour colour) {
  switch (colour) {
    case tic::TempoColour::White:
      return "BLANC";
    case tic::TempoColour::Red:
      return "ROUGE";
    default:
      return "BLEU";
  }
}

// STX, then LF group CR for each group, then ETX.
class FrameWriter {
 public:
  FrameWriter(tic::Mode mode, std::size_t capacity) : mode_(mode) {
    bytes_.reserve(capacity);
    bytes_ += kStx;
  }

  void add(std::string_view label, std::string_view data,
           std::optional<std::string_view> horodate = std::nullopt) {
    bytes_ += kLf;
    bytes_ += tic::encode_group(mode_, label, data, horodate);
    bytes_ += kCr;
  }

  std::string finish() && {
    bytes_ += kEtx;
    return std::move(bytes_);
  }

 private:
  tic::Mode mode_;
  std::string bytes_;
};

}  // namespace

Simulator::Simulator(tic::Mode mode, std::uint64_t seed)
    : mode_(mode), seed_(seed), random_(mix(seed ^ mix(kNoise))) {
  // A Linky serial number (54E §2.2): maker (02 Sagemcom, 04 Landis+Gyr, 06 Itron), year of
  // make, type (61, 64, 75: single-phase Linky G3), then a 6-digit serial.
  static constexpr std::array<unsigned, 3> kMakers{2, 4, 6};
  static constexpr std::array<unsigned, 3> kTypes{61, 64, 75};
  std::uint64_t draw = hash(kAddress, 0);
  address_ = digits(kMakers[static_cast<std::size_t>(draw % 3)], 2);
  draw /= 3;
  address_ += digits(16 + draw % 8, 2);
  draw /= 8;
  address_ += digits(kTypes[static_cast<std::size_t>(draw % 3)], 2);
  draw /= 3;
  address_ += digits(draw % 1'000'000, 6);
  prm_ = digits(hash(kPrm, 0) % 100'000'000'000'000u, 14);

  // The indexes of a meter that has run a few years, shared out as such a household's would be.
  const std::uint64_t total_wh = 8'000'000 + hash(kIndexes, 0) % 30'000'000;
  if (mode_ == tic::Mode::Historic) {
    supplier_wh_[0] = total_wh * 38 / 100;
    supplier_wh_[1] = total_wh - supplier_wh_[0];
  } else {
    // HC/HP blue, HC/HP white, HC/HP red, in hundredths.
    static constexpr std::array<std::uint64_t, 6> kShares{28, 50, 5, 8, 3, 6};
    for (std::size_t i = 0; i < kShares.size(); ++i) {
      supplier_wh_[i] = total_wh * kShares[i] / 100;
    }
  }
}

tic::Mode Simulator::mode() const {
  return mode_;
}

const std::string& Simulator::address() const {
  return address_;
}

std::string Simulator::frame(tic::Time now) {
  if (!started_) {
    start(now);
  } else {
    now = std::max(now, last_);
    const chr::milliseconds elapsed = now - last_;
    accumulate(now);
    change_day(now);
    draw_load(now, elapsed);
    last_ = now;
  }
  if (power_va_ > peak_today_.va) peak_today_ = {power_va_, now};
  return mode_ == tic::Mode::Historic ? historic_frame(now) : standard_frame(now);
}

void Simulator::start(tic::Time now) {
  started_ = true;
  last_ = now;
  slow_noise_ = 0.15 * normal();
  voltage_drift_ = 2.0 * normal();
  draw_load(now, 0ms);

  // The periods in progress began before the first frame: take them as drawn at its power.
  const tic::Time curve_start = floor_to(now, kCurvePeriod);
  const tic::Time voltage_start = floor_to(now, kVoltagePeriod);
  curve_va_ms_ = std::uint64_t{power_va_} * static_cast<std::uint64_t>((now - curve_start).count());
  voltage_v_ms_ =
      std::uint64_t{voltage_} * static_cast<std::uint64_t>((now - voltage_start).count());
  // The points before it, from the shape of the day.
  curve_ = {static_cast<unsigned>(std::lround(expected_load(curve_start - kCurvePeriod / 2))),
            curve_start};
  curve_before_ = {
      static_cast<unsigned>(std::lround(expected_load(curve_start - kCurvePeriod * 3 / 2))),
      curve_start - kCurvePeriod};
  mean_voltage_ = {voltage_, voltage_start};

  // Today's peak so far is this frame's power; yesterday's was in the evening.
  peak_today_ = {power_va_, now};
  const LocalTime local = local_time(now);
  const std::uint64_t draw = hash(kYesterdayPeak, local.date.time_since_epoch().count());
  peak_yesterday_ = {static_cast<unsigned>(3000 + draw % 3500),
                     utc_of_local(local.date - chr::days{1},
                                  18h + chr::seconds{static_cast<long>(draw / 3500 % 10800)})};
}

void Simulator::accumulate(tic::Time now) {
  // In steps that end on the mean voltage's ten minutes, which also end the load curve's half
  // hours and the tariff periods (06:00 and 22:00 local time are whole hours in UTC).
  tic::Time at = last_;
  while (at < now) {
    const tic::Time period_end = floor_to(at, kVoltagePeriod) + kVoltagePeriod;
    const tic::Time until = std::min(now, period_end);
    const auto ms = static_cast<std::uint64_t>((until - at).count());
    const std::uint64_t va_ms = std::uint64_t{power_va_} * ms;
    carry_va_ms_ += va_ms;
    supplier_wh_[supplier_index(at) - 1] += carry_va_ms_ / kVaMsPerWh;
    carry_va_ms_ %= kVaMsPerWh;
    curve_va_ms_ += va_ms;
    voltage_v_ms_ += std::uint64_t{voltage_} * ms;
    if (until == period_end) {
      mean_voltage_ = {static_cast<unsigned>(rounded_division(
                           voltage_v_ms_, static_cast<std::uint64_t>(kVoltagePeriod.count()))),
                       period_end};
      voltage_v_ms_ = 0;
      if (floor_to(period_end, kCurvePeriod) == period_end) {
        curve_before_ = curve_;
        curve_ = {static_cast<unsigned>(rounded_division(
                      curve_va_ms_, static_cast<std::uint64_t>(kCurvePeriod.count()))),
                  period_end};
        curve_va_ms_ = 0;
      }
    }
    at = until;
  }
}

void Simulator::change_day(tic::Time now) {
  // Maxima are per local day. Through midnight the load was the held power.
  const chr::sys_days today = local_time(now).date;
  const chr::sys_days previous = local_time(last_).date;
  if (today == previous) return;
  if (today == previous + chr::days{1}) {
    peak_yesterday_ = peak_today_;
  } else {
    peak_yesterday_ = {power_va_, utc_of_local(today - chr::days{1}, 0ms)};
  }
  peak_today_ = {power_va_, utc_of_local(today, 0ms)};
}

void Simulator::draw_load(tic::Time now, chr::milliseconds elapsed) {
  const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
  // Slow noise: Ornstein-Uhlenbeck processes, so that frames close in time stay close (15 % of
  // the load over about 15 minutes, 2 V over about 30 minutes).
  const double keep = std::exp(-seconds / 900.0);
  slow_noise_ = slow_noise_ * keep + 0.15 * std::sqrt(1.0 - keep * keep) * normal();
  const double keep_volts = std::exp(-seconds / 1800.0);
  voltage_drift_ =
      voltage_drift_ * keep_volts + 2.0 * std::sqrt(1.0 - keep_volts * keep_volts) * normal();

  // Appliances switched on now and then, one at a time, mostly in the day.
  if (appliance_va_ != 0 && now >= appliance_until_) appliance_va_ = 0;
  if (appliance_va_ == 0 && seconds > 0) {
    const chr::milliseconds time_of_day = local_time(now).time_of_day;
    const double per_hour = time_of_day >= 7h && time_of_day < 23h ? 1.2 : 0.15;
    if (uniform() < 1.0 - std::exp(-per_hour * seconds / 3600.0)) {
      struct Appliance {
        unsigned va;
        double shortest_minutes;
        double longest_minutes;
      };
      static constexpr std::array<Appliance, 5> kAppliances{{
          {2000, 2, 4},    // kettle
          {1100, 2, 6},    // microwave oven
          {2300, 25, 50},  // oven
          {1900, 15, 30},  // washing machine heating its water
          {1500, 3, 8},    // iron, hair dryer
      }};
      const Appliance& appliance =
          kAppliances[static_cast<std::size_t>(uniform() * kAppliances.size())];
      const double minutes = appliance.shortest_minutes +
                             uniform() * (appliance.longest_minutes - appliance.shortest_minutes);
      appliance_va_ = appliance.va;
      appliance_until_ = now + chr::milliseconds{std::lround(minutes * 60'000.0)};
    }
  }

  const double expected = expected_load(now);
  const double va = expected * std::max(0.2, 1.0 + slow_noise_) + appliance_va_ +
                    normal() * (15.0 + 0.02 * expected);
  auto power = static_cast<unsigned>(std::lround(std::clamp(va, 0.0, double{kSubscribedVa})));
  // Historic meters send PAPP in tens of VA: integrate what the frame says.
  if (mode_ == tic::Mode::Historic) power = std::min((power + 5) / 10 * 10, kSubscribedVa);
  power_va_ = power;

  // The voltage sags a little with the load.
  const double volts = 236.0 + voltage_drift_ - power / 1000.0 * 0.8 + 0.6 * normal();
  voltage_ = static_cast<unsigned>(std::lround(std::clamp(volts, 226.0, 244.0)));
}

double Simulator::expected_load(tic::Time at) const {
  const LocalTime local = local_time(at);
  const double hour = static_cast<double>(local.time_of_day.count()) / 3'600'000.0;
  const chr::weekday weekday{local.date};
  const bool weekend = weekday == chr::Saturday || weekday == chr::Sunday;
  auto bump = [hour](double centre, double width) {
    const double x = (hour - centre) / width;
    return std::exp(-0.5 * x * x);
  };
  double va = 300.0;                                                  // fridge, freezer, standby
  va += weekend ? 1300.0 * bump(9.0, 1.0) : 1700.0 * bump(7.3, 0.6);  // breakfast, showers
  va += (weekend ? 1500.0 : 600.0) * bump(12.6, 0.7);                 // lunch
  va += 2300.0 * bump(19.8, 1.1);                                     // cooking, lights
  // Electric heating, by month, lower at night.
  static constexpr std::array<double, 12> kHeating{1.0, 0.9, 0.6, 0.25, 0,   0,
                                                   0,   0,   0,   0.2,  0.6, 0.95};
  const unsigned month = static_cast<unsigned>(chr::year_month_day{local.date}.month());
  va += kHeating[month - 1] * (hour >= 6.0 && hour < 23.0 ? 1300.0 : 400.0);
  if (water_heater_on(at)) va += 2200.0;
  return va;
}

bool Simulator::water_heater_on(tic::Time at) const {
  // The tank heats from the start of off-peak hours, 22:00, for 1 to 2.5 hours by night.
  const LocalTime local = local_time(at);
  chr::sys_days night;
  chr::milliseconds since_start;
  if (local.time_of_day >= 22h) {
    night = local.date;
    since_start = local.time_of_day - 22h;
  } else if (local.time_of_day < 6h) {
    night = local.date - chr::days{1};
    since_start = local.time_of_day + 2h;
  } else {
    return false;
  }
  const chr::minutes heating{60 + hash(kWaterHeater, night.time_since_epoch().count()) % 91};
  return since_start < heating;
}

tic::TempoColour Simulator::tempo_colour(chr::sys_days day) const {
  // About 300 blue days a year, 43 white, 22 red: red on weekdays from November to March only,
  // white on any day but Sunday, mostly in winter. Sundays are blue.
  const chr::weekday weekday{day};
  if (weekday == chr::Sunday) return tic::TempoColour::Blue;
  const unsigned month = static_cast<unsigned>(chr::year_month_day{day}.month());
  const bool winter = month >= 11 || month <= 3;
  const double draw = unit_interval(hash(kTempo, day.time_since_epoch().count()));
  if (winter && weekday != chr::Saturday) {
    if (draw < 0.20) return tic::TempoColour::Red;
    if (draw < 0.42) return tic::TempoColour::White;
  } else if (draw < (winter ? 0.22 : 0.08)) {
    return tic::TempoColour::White;
  }
  return tic::TempoColour::Blue;
}

tic::TempoColour Simulator::colour_today(tic::Time at) const {
  const LocalTime local = local_time(at);
  return tempo_colour(local.time_of_day < 6h ? local.date - chr::days{1} : local.date);
}

tic::TempoColour Simulator::colour_tomorrow(tic::Time at) const {
  // Real meters announce it at about 20:00 (reports in Zlinky_TIC #218 and linkytic #12).
  const LocalTime local = local_time(at);
  if (local.time_of_day >= 20h) return tempo_colour(local.date + chr::days{1});
  if (local.time_of_day < 6h) return tempo_colour(local.date);
  return tic::TempoColour::None;
}

unsigned Simulator::supplier_index(tic::Time at) const {
  const unsigned hc_or_hp = off_peak(local_time(at)) ? 1 : 2;
  if (mode_ == tic::Mode::Historic) return hc_or_hp;
  // Tempo (54E §6.1.1): 1-2 HC/HP blue, 3-4 white, 5-6 red.
  return 2 * (static_cast<unsigned>(colour_today(at)) - 1) + hc_or_hp;
}

std::uint64_t Simulator::hash(std::uint64_t purpose, std::int64_t value) const {
  return mix(mix(seed_ ^ mix(purpose)) ^ static_cast<std::uint64_t>(value));
}

double Simulator::uniform() {
  return unit_interval(random_());
}

double Simulator::normal() {
  // Box-Muller, with our own uniform numbers: the same on every standard library.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  return radius * std::cos(2.0 * 3.14159265358979323846 * uniform());
}

std::string Simulator::historic_frame(tic::Time now) const {
  // The order of 02E table 3 and of real Linky frames in historic mode; 170 bytes or so.
  FrameWriter frame{tic::Mode::Historic, 192};
  frame.add("ADCO", address_);
  frame.add("OPTARIF", "HC..");
  frame.add("ISOUSC", digits(kSubscribedVa / 200, 2));
  frame.add("HCHC", digits(supplier_wh_[0], 9));
  frame.add("HCHP", digits(supplier_wh_[1], 9));
  frame.add("PTEC", supplier_index(now) == 1 ? "HC.." : "HP..");
  frame.add("IINST", digits((power_va_ + kNominalVolts / 2) / kNominalVolts, 3));
  frame.add("IMAX", "090");  // Linky always sends 90 A
  frame.add("PAPP", digits(power_va_, 5));
  frame.add("HHPHC", "A");
  frame.add("MOTDETAT", "000000");
  return std::move(frame).finish();
}

std::string Simulator::standard_frame(tic::Time now) const {
  // The order of 54E §6.2.2 and of real single-phase Linky frames.
  const unsigned index = supplier_index(now);
  const bool peak = index % 2 == 0;
  const tic::TempoColour today = colour_today(now);
  const tic::TempoColour tomorrow = colour_tomorrow(now);
  std::uint64_t total_wh = 0;
  for (std::uint64_t wh : supplier_wh_)
    total_wh += wh;

  // STGE (54E §6.2.3.14): the dry contact (bit 0) is open in peak hours and closed off-peak, as
  // Tempo meters have it for water heaters; the supplier index in use (bits 10-13); standard
  // TIC, Euridis enabled with security, CPL New/Lock (0x3A in bits 16-23, as every capture
  // has); today's and tomorrow's Tempo colours (bits 24-27).
  std::uint32_t status = peak ? 1u : 0u;
  status |= (index - 1) << 10;
  status |= 0x3Au << 16;
  status |= static_cast<std::uint32_t>(today) << 24;
  status |= static_cast<std::uint32_t>(tomorrow) << 26;

  // Tomorrow's day profile (54E §6.2.3.22): 00:00 HC, 06:00 HP, 22:00 HC, on the indexes of
  // tomorrow's colour once announced (blue before); 0x4000: the Tempo dry-contact setting.
  const unsigned tomorrow_hc =
      2 * (static_cast<unsigned>(tomorrow == tic::TempoColour::None ? tic::TempoColour::Blue
                                                                    : tomorrow) -
           1) +
      1;
  std::string profile = "0000400" + std::to_string(tomorrow_hc) + " 0600400" +
                        std::to_string(tomorrow_hc + 1) + " 2200400" + std::to_string(tomorrow_hc);
  for (int unused = 0; unused < 8; ++unused)
    profile += " NONUTILE";

  const std::string label = std::string{peak ? "HP  " : "HC  "} + std::string{colour_word(today)};

  FrameWriter frame{tic::Mode::Standard, 960};
  frame.add("ADSC", address_);
  frame.add("VTIC", "02");
  const std::string date = horodate(now);
  frame.add("DATE", "", date);
  frame.add("NGTF", centred("TEMPO", 16));
  frame.add("LTARF", centred(label, 16));
  frame.add("EAST", digits(total_wh, 9));
  static constexpr std::array<std::string_view, 10> kSupplierLabels{
      "EASF01", "EASF02", "EASF03", "EASF04", "EASF05",
      "EASF06", "EASF07", "EASF08", "EASF09", "EASF10"};
  for (std::size_t i = 0; i < kSupplierLabels.size(); ++i) {
    frame.add(kSupplierLabels[i], digits(supplier_wh_[i], 9));
  }
  // One distributor index, as on the Tempo capture: everything on EASD01.
  frame.add("EASD01", digits(total_wh, 9));
  frame.add("EASD02", digits(0, 9));
  frame.add("EASD03", digits(0, 9));
  frame.add("EASD04", digits(0, 9));
  frame.add("IRMS1", digits((power_va_ + kNominalVolts / 2) / kNominalVolts, 3));
  frame.add("URMS1", digits(voltage_, 3));
  frame.add("PREF", digits(kSubscribedVa / 1000, 2));
  frame.add("PCOUP", digits(kSubscribedVa / 1000, 2));
  frame.add("SINSTS", digits(power_va_, 5));
  frame.add("SMAXSN", digits(peak_today_.va, 5), horodate(peak_today_.at));
  frame.add("SMAXSN-1", digits(peak_yesterday_.va, 5), horodate(peak_yesterday_.at));
  frame.add("CCASN", digits(curve_.value, 5), horodate(curve_.end));
  frame.add("CCASN-1", digits(curve_before_.value, 5), horodate(curve_before_.end));
  frame.add("UMOY1", digits(mean_voltage_.value, 3), horodate(mean_voltage_.end));
  frame.add("STGE", hex8(status));
  frame.add("MSG1", "PAS DE          MESSAGE         ");
  frame.add("PRM", prm_);
  frame.add("RELAIS", peak ? "000" : "001");  // relay 1 is the dry contact: closed off-peak
  frame.add("NTARF", digits(index, 2));
  frame.add("NJOURF", "00");
  frame.add("NJOURF+1", "00");
  frame.add("PJOURF+1", profile);
  return std::move(frame).finish();
}

}  // namespace bridge
