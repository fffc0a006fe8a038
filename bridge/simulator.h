// A simulated meter, for demos, dashboards and benchmarks (--source sim:historic|sim:standard).
//
// It behaves like a real one over a day: the load varies with the hour (night base load, morning
// and evening peaks, noise), the energy indexes grow with the power drawn, off-peak and peak
// periods switch by the clock (French legal time), Tempo colours change by day, and STGE agrees
// with all of it. Frames are built with the real group encoder, so the decoder reads them exactly
// as it reads a meter.
//
// sim:historic is a Linky in historic mode with the "heures creuses" option (HCHC, HCHP, PTEC);
// sim:standard a Linky in standard mode with a Tempo contract (EASF01-06, LTARF, STGE colours).
// Off-peak hours are 22:00-06:00 local time for both; a Tempo day runs from 06:00 to 06:00.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "tic/frame.h"
#include "tic/labels.h"
#include "tic/status.h"

namespace bridge {

class Simulator {
 public:
  // `seed` makes the noise, the address and the Tempo calendar reproducible.
  explicit Simulator(tic::Mode mode, std::uint64_t seed = 1);

  tic::Mode mode() const;
  // The meter address (ADCO or ADSC) its frames carry: 12 digits.
  const std::string& address() const;

  // The next frame as the meter sends it, STX to ETX, at wall-clock time `now`: the indexes have
  // grown by the energy drawn since the previous frame. `now` must not go back (a time before the
  // previous frame's is taken as the previous frame's).
  std::string frame(tic::Time now);

 private:
  // A maximum of the apparent power and when it was reached (SMAXSN, SMAXSN-1).
  struct Peak {
    unsigned va = 0;
    tic::Time at{};
  };
  // A value averaged over a period of the load curve or of the mean voltage, stamped with the
  // period's end (CCASN, CCASN-1, UMOY1).
  struct Average {
    unsigned value = 0;
    tic::Time end{};
  };

  void start(tic::Time now);
  // Adds the energy drawn at the held power from the previous frame to `now`, closing the load
  // curve and mean voltage periods and the days it passes.
  void accumulate(tic::Time now);
  void change_day(tic::Time now);
  // Draws the power and voltage the frame at `now` reports, `elapsed` after the previous frame.
  void draw_load(tic::Time now, std::chrono::milliseconds elapsed);
  // The load without noise or appliances: the shape of a household's day, in VA.
  double expected_load(tic::Time at) const;
  bool water_heater_on(tic::Time at) const;

  // The Tempo colour of the day that starts at 06:00 local time on `day`.
  tic::TempoColour tempo_colour(std::chrono::sys_days day) const;
  tic::TempoColour colour_today(tic::Time at) const;
  // Tomorrow's colour once announced (20:00 to 06:00 local time), else None.
  tic::TempoColour colour_tomorrow(tic::Time at) const;
  // The supplier index energy goes to at `at`: 1 HC, 2 HP (historic); 1 to 6 by HC/HP and Tempo
  // colour (standard).
  unsigned supplier_index(tic::Time at) const;
  // A number from the seed and a purpose and value, the same whatever frames were asked for.
  std::uint64_t hash(std::uint64_t purpose, std::int64_t value) const;
  double uniform();
  double normal();

  std::string historic_frame(tic::Time now) const;
  std::string standard_frame(tic::Time now) const;

  tic::Mode mode_;
  std::uint64_t seed_;
  std::string address_;
  std::string prm_;
  std::mt19937_64 random_;

  bool started_ = false;
  tic::Time last_{};  // the previous frame's time

  // The load the last frame reported: held until the next frame, and integrated so.
  unsigned power_va_ = 0;
  unsigned voltage_ = 0;
  double slow_noise_ = 0;     // a slowly wandering share of the expected load
  double voltage_drift_ = 0;  // volts, slowly wandering
  unsigned appliance_va_ = 0;
  tic::Time appliance_until_{};

  // Supplier indexes in Wh (HCHC and HCHP are indexes 1 and 2), and the energy drawn that does
  // not make a whole Wh yet, in VA·ms, carried so that the indexes add up exactly.
  std::array<std::uint64_t, 10> supplier_wh_{};
  std::uint64_t carry_va_ms_ = 0;

  std::uint64_t curve_va_ms_ = 0;   // in the load curve's current half hour
  std::uint64_t voltage_v_ms_ = 0;  // in the mean voltage's current ten minutes
  Average curve_;
  Average curve_before_;
  Average mean_voltage_;
  Peak peak_today_;
  Peak peak_yesterday_;
};

}  // namespace bridge
