// The simulated meter (bridge/simulator.h): its frames, made over simulated days and decoded by
// the real decoder, pass every check; indexes grow by the energy drawn; tariff periods switch at
// 22:00 and 06:00 French legal time, in winter, in summer and across the changes of time; Tempo
// colours, STGE, NTARF, LTARF and PJOURF+1 agree; the load stays believable and within the
// subscription; the same seed gives the same bytes.
#include "bridge/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tic/decoder.h"
#include "tic/field.h"
#include "tic/frame.h"
#include "tic/horodate.h"
#include "tic/status.h"

namespace {

using namespace std::chrono_literals;
namespace chr = std::chrono;
using bridge::Simulator;
using tic::Frame;
using tic::Mode;
using tic::TempoColour;
using tic::Time;

constexpr std::uint64_t kVaMsPerWh = 3'600'000;

Time utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  return Time{chr::sys_days{chr::year{y} / chr::month{m} / chr::day{d}}} + chr::hours{hh} +
         chr::minutes{mm};
}

// French legal time, from the rule tic::is_french_summer_time states (tested on its own).
Time local(Time at) {
  return at + (tic::is_french_summer_time(chr::floor<chr::seconds>(at)) ? 2h : 1h);
}
chr::minutes local_time_of_day(Time at) {
  const Time here = local(at);
  return chr::floor<chr::minutes>(here - chr::floor<chr::days>(here));
}
chr::sys_days local_date(Time at) {
  return chr::floor<chr::days>(local(at));
}

struct RunTotals {
  tic::DecoderStats stats;
  std::uint64_t frames_made = 0;
  std::uint64_t frames_seen = 0;
  std::uint64_t bytes = 0;
  std::size_t largest = 0;
};

// Frames of a meter simulated from `from` to `to` (excluded), one every `step`, decoded by the
// real decoder as they are made: `check` sees each decoded frame with the time it was made.
template <typename Check>
RunTotals simulate(Mode mode, std::uint64_t seed, Time from, Time to, chr::milliseconds step,
                   Check check) {
  RunTotals totals;
  Simulator simulator{mode, seed};
  Time made{};
  tic::Decoder decoder{{}, [&](const Frame& frame) {
                         ++totals.frames_seen;
                         check(frame, made);
                       }};
  for (made = from; made < to; made += step) {
    const std::string bytes = simulator.frame(made);
    ++totals.frames_made;
    totals.bytes += bytes.size();
    totals.largest = std::max(totals.largest, bytes.size());
    decoder.push(bytes, made);
  }
  decoder.finish(to);
  totals.stats = decoder.stats();
  return totals;
}

void expect_clean(const RunTotals& totals) {
  EXPECT_EQ(totals.frames_seen, totals.frames_made);
  EXPECT_EQ(totals.stats.frames, totals.frames_made);
  EXPECT_EQ(totals.stats.rejected_groups(), 0u);
  EXPECT_EQ(totals.stats.skipped_bytes, 0u);
  EXPECT_EQ(totals.stats.interrupted, 0u);
  EXPECT_EQ(totals.stats.unchecked, 0u);
  EXPECT_EQ(totals.stats.bytes, totals.bytes);
}

std::uint64_t number(const Frame& frame, std::string_view label) {
  const std::optional<tic::Field> field = frame.find(label);
  if (!field || !field->number) {
    ADD_FAILURE() << "no number " << label;
    return 0;
  }
  return *field->number;
}

std::string text(const Frame& frame, std::string_view label) {
  const std::optional<tic::Field> field = frame.find(label);
  if (!field) {
    ADD_FAILURE() << "no " << label;
    return {};
  }
  return std::string{field->text};
}

std::string raw(const Frame& frame, std::string_view label) {
  const std::optional<tic::Field> field = frame.find(label);
  return field ? std::string{field->raw} : std::string{};
}

Time stamp(const Frame& frame, std::string_view label) {
  const std::optional<tic::Field> field = frame.find(label);
  if (!field || !field->horodate) {
    ADD_FAILURE() << "no horodate on " << label;
    return {};
  }
  return field->horodate->utc();
}

std::vector<std::string> labels_of(const Frame& frame) {
  std::vector<std::string> labels;
  for (const tic::Field field : frame)
    labels.emplace_back(field.label);
  return labels;
}

const std::vector<std::string> kHistoricLabels{"ADCO", "OPTARIF", "ISOUSC",  "HCHC",
                                               "HCHP", "PTEC",    "IINST",   "IMAX",
                                               "PAPP", "HHPHC",   "MOTDETAT"};

// The order of a real single-phase Linky (54E §6.2.2): SMAXSN-1 after SMAXSN, PJOURF+1 last.
const std::vector<std::string> kStandardLabels{
    "ADSC",   "VTIC",   "DATE",     "NGTF",   "LTARF",    "EAST",    "EASF01", "EASF02",
    "EASF03", "EASF04", "EASF05",   "EASF06", "EASF07",   "EASF08",  "EASF09", "EASF10",
    "EASD01", "EASD02", "EASD03",   "EASD04", "IRMS1",    "URMS1",   "PREF",   "PCOUP",
    "SINSTS", "SMAXSN", "SMAXSN-1", "CCASN",  "CCASN-1",  "UMOY1",   "STGE",   "MSG1",
    "PRM",    "RELAIS", "NTARF",    "NJOURF", "NJOURF+1", "PJOURF+1"};

// LTARF of the Tempo meter, trimmed: "HP  BLEU", "HC  BLANC", "HP  ROUGE".
struct Tariff {
  bool off_peak = false;
  TempoColour colour = TempoColour::None;
};

Tariff tariff_of(const Frame& frame) {
  const std::string label = text(frame, "LTARF");
  Tariff tariff;
  EXPECT_TRUE(label.starts_with("HC  ") || label.starts_with("HP  ")) << label;
  tariff.off_peak = label.starts_with("HC");
  const std::string colour = label.size() > 4 ? label.substr(4) : std::string{};
  if (colour == "BLEU") tariff.colour = TempoColour::Blue;
  if (colour == "BLANC") tariff.colour = TempoColour::White;
  if (colour == "ROUGE") tariff.colour = TempoColour::Red;
  EXPECT_NE(tariff.colour, TempoColour::None) << label;
  return tariff;
}

unsigned tempo_index(TempoColour colour, bool off_peak) {
  return 2 * (static_cast<unsigned>(colour) - 1) + (off_peak ? 1 : 2);
}

tic::StatusRegister status_of(const Frame& frame) {
  const std::optional<tic::StatusRegister> status = tic::parse_status_register(text(frame, "STGE"));
  EXPECT_TRUE(status.has_value());
  return status.value_or(tic::StatusRegister{});
}

std::uint64_t supplier_total(const Frame& frame) {
  static constexpr std::string_view kLabels[] = {"EASF01", "EASF02", "EASF03", "EASF04", "EASF05",
                                                 "EASF06", "EASF07", "EASF08", "EASF09", "EASF10"};
  std::uint64_t total = 0;
  for (std::string_view label : kLabels)
    total += number(frame, label);
  return total;
}

std::string supplier_label(unsigned index) {
  return index < 10 ? "EASF0" + std::to_string(index) : "EASF" + std::to_string(index);
}

// --- Every frame decodes, with the labels a real meter sends ------------------------------------

TEST(SimulatorHistoric, DecodesWithoutARejectedGroupOverAWinterDay) {
  const std::string address = Simulator{Mode::Historic, 3}.address();
  const RunTotals totals = simulate(Mode::Historic, 3, utc(2025, 1, 15), utc(2025, 1, 16), 1min,
                                    [&](const Frame& frame, Time) {
                                      EXPECT_EQ(frame.mode(), Mode::Historic);
                                      EXPECT_EQ(labels_of(frame), kHistoricLabels);
                                      EXPECT_EQ(frame.address(), address);
                                      EXPECT_EQ(raw(frame, "OPTARIF"), "HC..");
                                      EXPECT_EQ(number(frame, "ISOUSC"), 45u);
                                      EXPECT_EQ(number(frame, "IMAX"), 90u);
                                      EXPECT_EQ(text(frame, "HHPHC"), "A");
                                      EXPECT_EQ(text(frame, "MOTDETAT"), "000000");
                                      const std::string period = raw(frame, "PTEC");
                                      EXPECT_TRUE(period == "HC.." || period == "HP..") << period;
                                    });
  EXPECT_EQ(totals.frames_made, 1440u);
  expect_clean(totals);
}

TEST(SimulatorStandard, DecodesWithoutARejectedGroupOverAWinterDay) {
  const std::string address = Simulator{Mode::Standard, 3}.address();
  const RunTotals totals = simulate(
      Mode::Standard, 3, utc(2025, 1, 15), utc(2025, 1, 16), 1min, [&](const Frame& frame, Time) {
        EXPECT_EQ(frame.mode(), Mode::Standard);
        EXPECT_EQ(labels_of(frame), kStandardLabels);
        EXPECT_EQ(frame.address(), address);
        EXPECT_EQ(text(frame, "VTIC"), "02");
        EXPECT_EQ(raw(frame, "NGTF"), "     TEMPO      ");
        EXPECT_EQ(raw(frame, "LTARF").size(), 16u);
        EXPECT_EQ(raw(frame, "MSG1"), "PAS DE          MESSAGE         ");
        EXPECT_EQ(raw(frame, "PRM").size(), 14u);
        EXPECT_EQ(number(frame, "PREF"), 9u);
        EXPECT_EQ(number(frame, "PCOUP"), 9u);
        EXPECT_EQ(raw(frame, "NJOURF"), "00");
        EXPECT_EQ(raw(frame, "NJOURF+1"), "00");
        EXPECT_EQ(raw(frame, "PJOURF+1").size(), 98u);
      });
  EXPECT_EQ(totals.frames_made, 1440u);
  expect_clean(totals);
}

TEST(Simulator, DecodesAcrossBothChangesOfTime) {
  // 30 March 2025 and 26 October 2025, 01:00 UTC: the season letter of DATE changes with them,
  // and DATE always names the instant the frame was made.
  struct Change {
    Time at;
    char before;
    char after;
  };
  for (const Change change :
       {Change{utc(2025, 3, 30, 1), 'H', 'E'}, Change{utc(2025, 10, 26, 1), 'E', 'H'}}) {
    for (Mode mode : {Mode::Historic, Mode::Standard}) {
      const RunTotals totals = simulate(
          mode, 11, change.at - 12h, change.at + 12h, 30s, [&](const Frame& frame, Time made) {
            if (mode == Mode::Historic) {
              EXPECT_EQ(labels_of(frame), kHistoricLabels);
              return;
            }
            const std::optional<tic::Field> date = frame.find("DATE");
            ASSERT_TRUE(date && date->horodate);
            EXPECT_EQ(date->horodate->season, made < change.at ? change.before : change.after);
            EXPECT_EQ(date->horodate->utc(), chr::floor<chr::seconds>(made));
          });
      EXPECT_EQ(totals.frames_made, 2880u);
      expect_clean(totals);
    }
  }
}

// --- Indexes
// --------------------------------------------------------------------------------------

TEST(SimulatorHistoric, IndexesGrowByTheEnergyOfThePowerSent) {
  // A frame every 2 s for a day: the power each frame sends is drawn until the next one.
  std::optional<std::uint64_t> first_total;
  std::uint64_t previous_hc = 0;
  std::uint64_t previous_hp = 0;
  std::uint64_t previous_power = 0;
  std::string previous_period;
  Time previous_time{};
  std::uint64_t drawn_va_ms = 0;
  std::uint64_t hc_steps = 0;
  std::uint64_t hp_steps = 0;
  const RunTotals totals = simulate(
      Mode::Historic, 5, utc(2025, 1, 15, 12), utc(2025, 1, 16, 12), 2s,
      [&](const Frame& frame, Time made) {
        const std::uint64_t hc = number(frame, "HCHC");
        const std::uint64_t hp = number(frame, "HCHP");
        const std::string period = text(frame, "PTEC");
        if (first_total) {
          drawn_va_ms +=
              previous_power * static_cast<std::uint64_t>((made - previous_time).count());
          ASSERT_GE(hc, previous_hc);
          ASSERT_GE(hp, previous_hp);
          // Frames fall on the switches: a step belongs to the period of the frame before it.
          if (previous_period == "HC") {
            EXPECT_EQ(hp, previous_hp) << tic::format_utc(chr::floor<chr::seconds>(made)).view();
            hc_steps += hc > previous_hc;
          } else {
            EXPECT_EQ(hc, previous_hc) << tic::format_utc(chr::floor<chr::seconds>(made)).view();
            hp_steps += hp > previous_hp;
          }
          const std::uint64_t grown = hc + hp - *first_total;
          const std::uint64_t expected = drawn_va_ms / kVaMsPerWh;
          ASSERT_LE(grown, expected + 1);
          ASSERT_GE(grown + 1, expected);
        } else {
          first_total = hc + hp;
        }
        previous_hc = hc;
        previous_hp = hp;
        previous_power = number(frame, "PAPP");
        previous_period = period;
        previous_time = made;
      });
  expect_clean(totals);
  EXPECT_GT(hc_steps, 1000u);
  EXPECT_GT(hp_steps, 1000u);
  // A winter day of a heated home: tens of kWh.
  EXPECT_GT(drawn_va_ms / kVaMsPerWh, 15'000u);
  EXPECT_LT(drawn_va_ms / kVaMsPerWh, 80'000u);
}

TEST(SimulatorStandard, IndexesGrowByTheEnergyOfThePowerSent) {
  std::optional<Frame> previous;
  Time previous_time{};
  std::uint64_t first_total = 0;
  std::uint64_t drawn_va_ms = 0;
  std::set<std::uint64_t> grown_indexes;
  // Tuesday 14 January 2025 from 21:00 to 07:00 local time, a frame every 3 s: blue HP, blue
  // HC from 22:00, then at 06:00 the red day this seed's calendar has on the 15th.
  const RunTotals totals =
      simulate(Mode::Standard, 6, utc(2025, 1, 14, 20), utc(2025, 1, 15, 6), 3s,
               [&](const Frame& frame, Time made) {
                 const std::uint64_t total = number(frame, "EAST");
                 ASSERT_EQ(total, supplier_total(frame));
                 ASSERT_EQ(number(frame, "EASD01"), total);
                 for (std::string_view zero :
                      {"EASF07", "EASF08", "EASF09", "EASF10", "EASD02", "EASD03", "EASD04"}) {
                   ASSERT_EQ(number(frame, zero), 0u) << zero;
                 }
                 if (previous) {
                   drawn_va_ms += number(*previous, "SINSTS") *
                                  static_cast<std::uint64_t>((made - previous_time).count());
                   const std::uint64_t index_before = number(*previous, "NTARF");
                   for (unsigned index = 1; index <= 10; ++index) {
                     const std::uint64_t now = number(frame, supplier_label(index));
                     const std::uint64_t before = number(*previous, supplier_label(index));
                     ASSERT_GE(now, before);
                     if (index != index_before) {
                       ASSERT_EQ(now, before) << supplier_label(index);
                     }
                     if (now > before) grown_indexes.insert(index);
                   }
                   const std::uint64_t expected = drawn_va_ms / kVaMsPerWh;
                   ASSERT_LE(total - first_total, expected + 1);
                   ASSERT_GE(total - first_total + 1, expected);
                 } else {
                   first_total = total;
                 }
                 previous = frame;
                 previous_time = made;
               });
  expect_clean(totals);
  EXPECT_EQ(grown_indexes, (std::set<std::uint64_t>{1, 2, 6}));  // HC blue, HP blue, HP red
}

// --- Tariff periods
// -------------------------------------------------------------------------------

struct Switch {
  Time at;
  std::string to;
  friend bool operator==(const Switch&, const Switch&) = default;
};

std::ostream& operator<<(std::ostream& out, const Switch& change) {
  return out << tic::format_utc(chr::floor<chr::seconds>(change.at)).view() << " " << change.to;
}

// The instants PTEC (historic) or the HC/HP half of LTARF (standard) changes, frame by frame.
std::vector<Switch> switches(Mode mode, Time from, Time to) {
  std::vector<Switch> found;
  std::string previous;
  const RunTotals totals = simulate(mode, 2, from, to, 1min, [&](const Frame& frame, Time made) {
    const std::string period =
        mode == Mode::Historic ? text(frame, "PTEC") : text(frame, "LTARF").substr(0, 2);
    if (!previous.empty() && period != previous) found.push_back({made, period});
    previous = period;
  });
  expect_clean(totals);
  return found;
}

TEST(SimulatorHistoric, SwitchesAt22And06FrenchTime) {
  // Winter: 22:00 and 06:00 local time are 21:00 and 05:00 UTC.
  EXPECT_EQ(switches(Mode::Historic, utc(2025, 1, 14, 12), utc(2025, 1, 15, 12)),
            (std::vector<Switch>{{utc(2025, 1, 14, 21), "HC"}, {utc(2025, 1, 15, 5), "HP"}}));
  // Summer: 20:00 and 04:00 UTC.
  EXPECT_EQ(switches(Mode::Historic, utc(2025, 7, 14, 12), utc(2025, 7, 15, 12)),
            (std::vector<Switch>{{utc(2025, 7, 14, 20), "HC"}, {utc(2025, 7, 15, 4), "HP"}}));
}

TEST(SimulatorStandard, SwitchesAt22And06FrenchTimeAcrossTheChangesOfTime) {
  // Saturday 29 March 22:00 winter time, Sunday 30 March 06:00 and 22:00 summer time.
  EXPECT_EQ(switches(Mode::Standard, utc(2025, 3, 29, 12), utc(2025, 3, 30, 23)),
            (std::vector<Switch>{{utc(2025, 3, 29, 21), "HC"},
                                 {utc(2025, 3, 30, 4), "HP"},
                                 {utc(2025, 3, 30, 20), "HC"}}));
  // Saturday 25 October 22:00 summer time, Sunday 26 October 06:00 and 22:00 winter time.
  EXPECT_EQ(switches(Mode::Standard, utc(2025, 10, 25, 12), utc(2025, 10, 26, 23)),
            (std::vector<Switch>{{utc(2025, 10, 25, 20), "HC"},
                                 {utc(2025, 10, 26, 5), "HP"},
                                 {utc(2025, 10, 26, 21), "HC"}}));
}

// --- Tempo and the status register
// ----------------------------------------------------------------

TEST(SimulatorStandard, StatusRegisterAgreesWithTariffAndColours) {
  std::uint64_t announced = 0;
  const RunTotals totals = simulate(
      Mode::Standard, 4, utc(2025, 1, 6), utc(2025, 1, 20), 10min,
      [&](const Frame& frame, Time made) {
        const Tariff tariff = tariff_of(frame);
        const tic::StatusRegister status = status_of(frame);
        const std::uint64_t index = number(frame, "NTARF");
        EXPECT_EQ(index, tempo_index(tariff.colour, tariff.off_peak));
        EXPECT_EQ(status.supplier_index(), index);
        EXPECT_EQ(status.distributor_index(), 1u);
        EXPECT_EQ(status.tempo_today(), tariff.colour);
        EXPECT_TRUE(status.standard_mode());
        EXPECT_FALSE(status.clock_degraded());
        EXPECT_EQ(status.cut_off(), tic::CutOff::Closed);
        EXPECT_EQ(status.mobile_peak(), 0u);
        EXPECT_EQ(status.mobile_peak_notice(), 0u);
        EXPECT_EQ(status.euridis(), tic::Euridis::EnabledSecured);
        // The dry contact (relay 1) closes off-peak, for the water heater.
        EXPECT_EQ(status.dry_contact_open(), !tariff.off_peak);
        EXPECT_EQ(raw(frame, "RELAIS"), tariff.off_peak ? "001" : "000");
        // Tomorrow is announced from 20:00 to 06:00 local time, and PJOURF+1 follows it.
        const chr::minutes time_of_day = local_time_of_day(made);
        const bool announcing = time_of_day >= 20h || time_of_day < 6h;
        EXPECT_EQ(status.tempo_tomorrow() != TempoColour::None, announcing);
        announced += announcing;
        const TempoColour tomorrow = announcing ? status.tempo_tomorrow() : TempoColour::Blue;
        const unsigned hc = tempo_index(tomorrow, true);
        EXPECT_EQ(raw(frame, "PJOURF+1"),
                  "0000400" + std::to_string(hc) + " 0600400" + std::to_string(hc + 1) +
                      " 2200400" + std::to_string(hc) +
                      " NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE");
      });
  expect_clean(totals);
  EXPECT_EQ(announced, 14u * 60u);  // 10 hours a day, every 10 minutes, 14 days
}

TEST(SimulatorStandard, TempoCalendarOverAYear) {
  // A frame every hour from September to September: colours change only at 06:00 local time,
  // the colour announced is the one that comes, and the calendar looks like Tempo's.
  std::map<chr::sys_days, TempoColour> colour_of_day;  // by the date the Tempo day starts
  std::map<chr::sys_days, TempoColour> announced_for_day;
  std::optional<TempoColour> previous;
  const RunTotals totals = simulate(
      Mode::Standard, 9, utc(2024, 9, 1), utc(2025, 9, 1), 1h, [&](const Frame& frame, Time made) {
        const Tariff tariff = tariff_of(frame);
        const chr::minutes time_of_day = local_time_of_day(made);
        const chr::sys_days date = local_date(made);
        if (previous && *previous != tariff.colour) {
          EXPECT_EQ(time_of_day, 6h) << tic::format_utc(chr::floor<chr::seconds>(made)).view();
        }
        previous = tariff.colour;
        const chr::sys_days tempo_day = time_of_day < 6h ? date - chr::days{1} : date;
        const auto [known, inserted] = colour_of_day.emplace(tempo_day, tariff.colour);
        EXPECT_EQ(known->second, tariff.colour);
        const TempoColour tomorrow = status_of(frame).tempo_tomorrow();
        if (tomorrow != TempoColour::None) {
          const auto [said, first] = announced_for_day.emplace(tempo_day + chr::days{1}, tomorrow);
          EXPECT_EQ(said->second, tomorrow);
        }
      });
  expect_clean(totals);

  std::map<TempoColour, unsigned> days;
  for (const auto& [day, colour] : colour_of_day) {
    const chr::weekday weekday{day};
    const unsigned month = static_cast<unsigned>(chr::year_month_day{day}.month());
    if (weekday == chr::Sunday) {
      EXPECT_EQ(colour, TempoColour::Blue);
    }
    if (colour == TempoColour::Red) {
      EXPECT_NE(weekday, chr::Saturday);
      EXPECT_TRUE(month >= 11 || month <= 3) << month;
    }
    ++days[colour];
  }
  for (const auto& [day, colour] : announced_for_day) {
    const auto came = colour_of_day.find(day);
    if (came != colour_of_day.end()) {
      EXPECT_EQ(came->second, colour);
    }
  }
  EXPECT_EQ(colour_of_day.size(), 366u);  // 31 August 2024 06:00 to 1 September 2025 02:00
  EXPECT_GE(announced_for_day.size(), 365u);
  EXPECT_GT(days[TempoColour::Blue], 270u);
  EXPECT_GT(days[TempoColour::White], 20u);
  EXPECT_LT(days[TempoColour::White], 70u);
  EXPECT_GT(days[TempoColour::Red], 10u);
  EXPECT_LT(days[TempoColour::Red], 40u);
}

// --- Power, maxima, load curve
// --------------------------------------------------------------------

TEST(SimulatorStandard, PowerStaysWithinTheSubscription) {
  const RunTotals totals =
      simulate(Mode::Standard, 6, utc(2025, 2, 3), utc(2025, 2, 5), 1min,
               [&](const Frame& frame, Time made) {
                 const std::uint64_t power = number(frame, "SINSTS");
                 EXPECT_LE(power, number(frame, "PREF") * 1000);
                 EXPECT_EQ(number(frame, "IRMS1"), (power + 115) / 230);
                 const std::uint64_t volts = number(frame, "URMS1");
                 EXPECT_GE(volts, 226u);
                 EXPECT_LE(volts, 244u);
                 EXPECT_GE(number(frame, "SMAXSN"), power);
                 EXPECT_LE(number(frame, "SMAXSN"), 9000u);
                 EXPECT_LE(number(frame, "SMAXSN-1"), 9000u);
                 const Time now = chr::floor<chr::seconds>(made);
                 EXPECT_LE(stamp(frame, "SMAXSN"), now);
                 EXPECT_GE(local(stamp(frame, "SMAXSN")), chr::floor<chr::days>(local(made)));
                 EXPECT_LT(stamp(frame, "SMAXSN-1"), stamp(frame, "SMAXSN"));
                 // The load curve's last points end on the half hours before now; the mean
                 // voltage's on the ten minutes.
                 const Time half_hour = made - (made.time_since_epoch() % 30min);
                 EXPECT_EQ(stamp(frame, "CCASN"), half_hour);
                 EXPECT_EQ(stamp(frame, "CCASN-1"), half_hour - 30min);
                 EXPECT_EQ(stamp(frame, "UMOY1"), made - (made.time_since_epoch() % 10min));
                 EXPECT_LE(number(frame, "CCASN"), 9000u);
               });
  expect_clean(totals);
}

TEST(SimulatorHistoric, PowerStaysWithinTheSubscription) {
  const RunTotals totals = simulate(Mode::Historic, 6, utc(2025, 2, 3), utc(2025, 2, 5), 1min,
                                    [&](const Frame& frame, Time) {
                                      const std::uint64_t power = number(frame, "PAPP");
                                      EXPECT_EQ(power % 10, 0u);  // PAPP is sent in tens of VA
                                      EXPECT_LE(power, number(frame, "ISOUSC") * 200);
                                      EXPECT_EQ(number(frame, "IINST"), (power + 115) / 230);
                                      EXPECT_LT(number(frame, "IINST"), number(frame, "ISOUSC"));
                                    });
  expect_clean(totals);
}

TEST(SimulatorStandard, LoadCurveAndMeanVoltageAverageWhatTheFramesSent) {
  // Frames every 2 s for three hours: CCASN is the mean of SINSTS over the half hour its horodate
  // ends, CCASN-1 the one before; UMOY1 the mean of URMS1 over ten minutes.
  const Time from = utc(2025, 6, 10, 15);
  std::map<Time, std::uint64_t> power_va_ms;   // by the end of the half hour
  std::map<Time, std::uint64_t> voltage_v_ms;  // by the end of the ten minutes
  std::optional<Frame> previous;
  Time previous_time{};
  unsigned checked_curve = 0;
  unsigned checked_voltage = 0;
  const RunTotals totals =
      simulate(Mode::Standard, 8, from, from + 3h, 2s, [&](const Frame& frame, Time made) {
        if (previous) {
          const auto ms = static_cast<std::uint64_t>((made - previous_time).count());
          const Time at = previous_time;  // 2 s steps never straddle a period
          power_va_ms[at - at.time_since_epoch() % 30min + 30min] +=
              number(*previous, "SINSTS") * ms;
          voltage_v_ms[at - at.time_since_epoch() % 10min + 10min] +=
              number(*previous, "URMS1") * ms;
        }
        previous = frame;
        previous_time = made;
        const Time curve_end = stamp(frame, "CCASN");
        if (curve_end - 30min >= from) {
          EXPECT_EQ(number(frame, "CCASN"), (power_va_ms[curve_end] + 900'000) / 1'800'000);
          ++checked_curve;
        }
        if (curve_end - 60min >= from) {
          EXPECT_EQ(number(frame, "CCASN-1"),
                    (power_va_ms[curve_end - 30min] + 900'000) / 1'800'000);
        }
        const Time voltage_end = stamp(frame, "UMOY1");
        if (voltage_end - 10min >= from) {
          EXPECT_EQ(number(frame, "UMOY1"), (voltage_v_ms[voltage_end] + 300'000) / 600'000);
          ++checked_voltage;
        }
      });
  expect_clean(totals);
  EXPECT_EQ(checked_curve, 5u * 900u);  // the five half hours after the first one
  EXPECT_EQ(checked_voltage, 17u * 300u);
}

TEST(SimulatorStandard, DailyMaximumStartsAgainAtLocalMidnight) {
  std::optional<Frame> previous;
  std::uint64_t running_maximum = 0;
  bool crossed = false;
  const RunTotals totals =
      simulate(Mode::Standard, 12, utc(2025, 7, 14, 12), utc(2025, 7, 15, 6), 1min,
               [&](const Frame& frame, Time made) {
                 const std::uint64_t power = number(frame, "SINSTS");
                 if (previous && local_date(made) != local_date(made - 1min)) {
                   // Midnight summer time is 22:00 UTC: yesterday's maximum moves to SMAXSN-1 and
                   // today's starts from the power drawn through midnight.
                   EXPECT_EQ(made, utc(2025, 7, 14, 22));
                   EXPECT_EQ(number(frame, "SMAXSN-1"), number(*previous, "SMAXSN"));
                   EXPECT_EQ(stamp(frame, "SMAXSN-1"), stamp(*previous, "SMAXSN"));
                   running_maximum = number(*previous, "SINSTS");
                   crossed = true;
                 }
                 if (!previous) running_maximum = power;
                 running_maximum = std::max(running_maximum, power);
                 EXPECT_EQ(number(frame, "SMAXSN"), running_maximum);
                 previous = frame;
               });
  expect_clean(totals);
  EXPECT_TRUE(crossed);
}

TEST(SimulatorHistoric, LoadFollowsAHouseholdDay) {
  // A summer Tuesday (no heating): a low night, a morning and a larger evening peak, noise.
  std::vector<std::uint64_t> night;
  std::vector<std::uint64_t> morning;
  std::vector<std::uint64_t> evening;
  std::set<std::uint64_t> distinct;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    night.clear();
    morning.clear();
    evening.clear();
    distinct.clear();
    const RunTotals totals =
        simulate(Mode::Historic, seed, utc(2025, 7, 14, 22), utc(2025, 7, 15, 22), 1min,
                 [&](const Frame& frame, Time made) {
                   const std::uint64_t power = number(frame, "PAPP");
                   distinct.insert(power);
                   const chr::minutes time_of_day = local_time_of_day(made);
                   if (time_of_day >= 2h && time_of_day < 5h) night.push_back(power);
                   if (time_of_day >= 7h && time_of_day < 8h) morning.push_back(power);
                   if (time_of_day >= 19h && time_of_day < 21h) evening.push_back(power);
                 });
    expect_clean(totals);
    auto median = [](std::vector<std::uint64_t> values) {
      const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
      std::nth_element(values.begin(), middle, values.end());
      return *middle;
    };
    EXPECT_GE(median(night), 200u) << seed;
    EXPECT_LE(median(night), 450u) << seed;
    EXPECT_GE(median(morning), 1200u) << seed;
    EXPECT_GE(median(evening), 1800u) << seed;
    EXPECT_GT(median(evening), median(morning)) << seed;
    EXPECT_GT(distinct.size(), 150u) << seed;
  }
}

// --- Determinism, address, time going back, frame size
// --------------------------------------------

TEST(Simulator, SameSeedGivesTheSameBytes) {
  for (Mode mode : {Mode::Historic, Mode::Standard}) {
    Simulator one{mode, 42};
    Simulator two{mode, 42};
    Simulator other{mode, 43};
    bool differs = false;
    Time at = utc(2025, 4, 1, 21, 30);
    for (int i = 0; i < 2000; ++i) {
      at += chr::milliseconds{1000 + (i * 337) % 1500};  // irregular, as a real line
      const std::string bytes = one.frame(at);
      ASSERT_EQ(bytes, two.frame(at)) << i;
      differs = differs || bytes != other.frame(at);
    }
    EXPECT_TRUE(differs);
    EXPECT_NE(one.address(), other.address());
    EXPECT_EQ(one.mode(), mode);
  }
}

TEST(Simulator, AddressIsALinkySerialNumberFromTheSeed) {
  std::set<std::string> addresses;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const Simulator historic{Mode::Historic, seed};
    const Simulator standard{Mode::Standard, seed};
    const std::string& address = standard.address();
    // ADCO and ADSC are the same serial number (54E §6.1.1).
    EXPECT_EQ(historic.address(), address);
    ASSERT_EQ(address.size(), 12u);
    EXPECT_EQ(address.find_first_not_of("0123456789"), std::string::npos) << address;
    // Maker (Sagemcom, Landis+Gyr, Itron), year of make, single-phase Linky G3 type.
    const std::string maker = address.substr(0, 2);
    EXPECT_TRUE(maker == "02" || maker == "04" || maker == "06") << address;
    const int year = std::stoi(address.substr(2, 2));
    EXPECT_GE(year, 16);
    EXPECT_LE(year, 23);
    const std::string type = address.substr(4, 2);
    EXPECT_TRUE(type == "61" || type == "64" || type == "75") << address;
    addresses.insert(address);
  }
  EXPECT_EQ(addresses.size(), 300u);
}

TEST(Simulator, TimeGoingBackIsTakenAsNoTimePassing) {
  Simulator simulator{Mode::Standard, 1};
  std::vector<Frame> frames;
  tic::Decoder collector{{}, [&frames](const Frame& frame) { frames.push_back(frame); }};
  const Time start = utc(2025, 5, 5, 8);
  for (Time at : {start, start + 10s, start + 5s, start + 10s, start + 12s}) {
    collector.push(simulator.frame(at), at);
  }
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(collector.stats().rejected_groups(), 0u);
  EXPECT_EQ(stamp(frames[2], "DATE"), start + 10s);
  EXPECT_EQ(number(frames[2], "EAST"), number(frames[1], "EAST"));
  EXPECT_EQ(number(frames[3], "EAST"), number(frames[1], "EAST"));
  EXPECT_GE(number(frames[4], "EAST"), number(frames[3], "EAST"));
}

TEST(Simulator, FramesTakeLessThanTheirPeriodOnTheLine) {
  // 1200 Bd (120 bytes a second) and 9600 Bd (960): a historic frame every 2 s and a standard
  // frame every second fit, as real meters send them.
  struct Line {
    Mode mode;
    chr::milliseconds period;
  };
  for (const Line line : {Line{Mode::Historic, 2s}, Line{Mode::Standard, 1s}}) {
    const RunTotals totals =
        simulate(line.mode, 1, utc(2025, 1, 15), utc(2025, 1, 16), 1min, [](const Frame&, Time) {});
    expect_clean(totals);
    const double average =
        static_cast<double>(totals.bytes) / static_cast<double>(totals.frames_made);
    const double largest_seconds =
        static_cast<double>(totals.largest) / tic::bytes_per_second(line.mode);
    EXPECT_LT(largest_seconds, chr::duration<double>(line.period).count());
    std::printf("%s frames: %.1f bytes on average, %zu at most, %.3f s at %u bytes/s\n",
                std::string{tic::to_string(line.mode)}.c_str(), average, totals.largest,
                largest_seconds, tic::bytes_per_second(line.mode));
  }
  EXPECT_EQ(tic::bytes_per_second(Mode::Historic), 120u);
  EXPECT_EQ(tic::bytes_per_second(Mode::Standard), 960u);
}

}  // namespace
