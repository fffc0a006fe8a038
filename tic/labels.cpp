#include "tic/labels.h"

#include <array>
#include <cstddef>

namespace tic {
namespace detail {

using enum Kind;
using enum Unit;
using enum Scope;

constexpr Mode H = Mode::Historic;
constexpr Mode S = Mode::Standard;

// clang-format off
extern const LabelInfo kLabels[] = {
    // Historic mode (02E tables 2-5, 54E §6.1). Emission order of a single-phase frame, then the
    // three-phase labels.
    {"ADCO",     H, Identifier, None,   12, false, All,          "meter address"},
    {"OPTARIF",  H, Text,       None,    4, false, All,          "tariff option"},
    {"ISOUSC",   H, Number,     A,       2, false, All,          "subscribed current"},
    {"BASE",     H, Number,     Wh,      9, false, All,          "index, base option"},
    {"HCHC",     H, Number,     Wh,      9, false, All,          "index, off-peak hours"},
    {"HCHP",     H, Number,     Wh,      9, false, All,          "index, peak hours"},
    {"EJPHN",    H, Number,     Wh,      9, false, All,          "index, EJP normal hours"},
    {"EJPHPM",   H, Number,     Wh,      9, false, All,          "index, EJP mobile peak hours"},
    {"BBRHCJB",  H, Number,     Wh,      9, false, All,          "index, Tempo blue days off-peak"},
    {"BBRHPJB",  H, Number,     Wh,      9, false, All,          "index, Tempo blue days peak"},
    {"BBRHCJW",  H, Number,     Wh,      9, false, All,          "index, Tempo white days off-peak"},
    {"BBRHPJW",  H, Number,     Wh,      9, false, All,          "index, Tempo white days peak"},
    {"BBRHCJR",  H, Number,     Wh,      9, false, All,          "index, Tempo red days off-peak"},
    {"BBRHPJR",  H, Number,     Wh,      9, false, All,          "index, Tempo red days peak"},
    {"PEJP",     H, Number,     Minute,  2, false, All,          "EJP advance notice"},
    {"PTEC",     H, Text,       None,    4, false, All,          "current tariff period"},
    {"DEMAIN",   H, Text,       None,    4, false, All,          "Tempo colour of tomorrow"},
    {"IINST",    H, Number,     A,       3, false, SinglePhase,  "current"},
    {"ADPS",     H, Number,     A,       3, false, SinglePhase,  "subscribed current exceeded"},
    {"IMAX",     H, Number,     A,       3, false, SinglePhase,  "maximum current"},
    {"IINST1",   H, Number,     A,       3, false, ThreePhase,   "current, phase 1"},
    {"IINST2",   H, Number,     A,       3, false, ThreePhase,   "current, phase 2"},
    {"IINST3",   H, Number,     A,       3, false, ThreePhase,   "current, phase 3"},
    {"IMAX1",    H, Number,     A,       3, false, ThreePhase,   "maximum current, phase 1"},
    {"IMAX2",    H, Number,     A,       3, false, ThreePhase,   "maximum current, phase 2"},
    {"IMAX3",    H, Number,     A,       3, false, ThreePhase,   "maximum current, phase 3"},
    {"PMAX",     H, Number,     W,       5, false, ThreePhase,   "maximum power"},
    {"PAPP",     H, Number,     VA,      5, false, All,          "apparent power"},
    {"HHPHC",    H, Text,       None,    1, false, All,          "peak/off-peak schedule group"},
    {"MOTDETAT", H, Identifier, None,    6, false, All,          "meter status word"},
    {"PPOT",     H, Hex,        None,    2, false, ThreePhase,   "phase potentials"},
    {"ADIR1",    H, Number,     A,       3, false, ThreePhase,   "subscribed current exceeded, phase 1"},
    {"ADIR2",    H, Number,     A,       3, false, ThreePhase,   "subscribed current exceeded, phase 2"},
    {"ADIR3",    H, Number,     A,       3, false, ThreePhase,   "subscribed current exceeded, phase 3"},
    {"GAZ",      H, Number,     Decalitre, 7, false, Concentrator, "gas index"},
    {"AUTRE",    H, Number,     Decalitre, 7, false, Concentrator, "third meter index"},

    // Standard mode (54E §6.2.2), in emission order.
    {"ADSC",     S, Identifier, None,   12, false, All,          "meter address"},
    {"VTIC",     S, Identifier, None,    2, false, All,          "TIC version"},
    {"DATE",     S, Text,       None,    0, true,  All,          "date and time"},
    {"NGTF",     S, Text,       None,   16, false, All,          "supplier calendar name"},
    {"LTARF",    S, Text,       None,   16, false, All,          "supplier tariff period"},
    {"EAST",     S, Number,     Wh,      9, false, All,          "total active energy drawn"},
    {"EASF01",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 1"},
    {"EASF02",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 2"},
    {"EASF03",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 3"},
    {"EASF04",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 4"},
    {"EASF05",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 5"},
    {"EASF06",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 6"},
    {"EASF07",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 7"},
    {"EASF08",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 8"},
    {"EASF09",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 9"},
    {"EASF10",   S, Number,     Wh,      9, false, All,          "active energy drawn, supplier index 10"},
    {"EASD01",   S, Number,     Wh,      9, false, All,          "active energy drawn, distributor index 1"},
    {"EASD02",   S, Number,     Wh,      9, false, All,          "active energy drawn, distributor index 2"},
    {"EASD03",   S, Number,     Wh,      9, false, All,          "active energy drawn, distributor index 3"},
    {"EASD04",   S, Number,     Wh,      9, false, All,          "active energy drawn, distributor index 4"},
    {"EAIT",     S, Number,     Wh,      9, false, Producer,     "total active energy injected"},
    {"ERQ1",     S, Number,     VArh,    9, false, Producer,     "reactive energy, quadrant 1"},
    {"ERQ2",     S, Number,     VArh,    9, false, Producer,     "reactive energy, quadrant 2"},
    {"ERQ3",     S, Number,     VArh,    9, false, Producer,     "reactive energy, quadrant 3"},
    {"ERQ4",     S, Number,     VArh,    9, false, Producer,     "reactive energy, quadrant 4"},
    {"IRMS1",    S, Number,     A,       3, false, All,          "RMS current, phase 1"},
    {"IRMS2",    S, Number,     A,       3, false, ThreePhase,   "RMS current, phase 2"},
    {"IRMS3",    S, Number,     A,       3, false, ThreePhase,   "RMS current, phase 3"},
    {"URMS1",    S, Number,     V,       3, false, All,          "RMS voltage, phase 1"},
    {"URMS2",    S, Number,     V,       3, false, ThreePhase,   "RMS voltage, phase 2"},
    {"URMS3",    S, Number,     V,       3, false, ThreePhase,   "RMS voltage, phase 3"},
    {"PREF",     S, Number,     kVA,     2, false, All,          "reference apparent power"},
    {"PCOUP",    S, Number,     kVA,     2, false, All,          "cut-off apparent power"},
    {"SINSTS",   S, Number,     VA,      5, false, All,          "apparent power drawn"},
    {"SINSTS1",  S, Number,     VA,      5, false, ThreePhase,   "apparent power drawn, phase 1"},
    {"SINSTS2",  S, Number,     VA,      5, false, ThreePhase,   "apparent power drawn, phase 2"},
    {"SINSTS3",  S, Number,     VA,      5, false, ThreePhase,   "apparent power drawn, phase 3"},
    {"SMAXSN",   S, Number,     VA,      5, true,  All,          "maximum apparent power drawn today"},
    {"SMAXSN1",  S, Number,     VA,      5, true,  ThreePhase,   "maximum apparent power drawn today, phase 1"},
    {"SMAXSN2",  S, Number,     VA,      5, true,  ThreePhase,   "maximum apparent power drawn today, phase 2"},
    {"SMAXSN3",  S, Number,     VA,      5, true,  ThreePhase,   "maximum apparent power drawn today, phase 3"},
    {"SMAXSN-1", S, Number,     VA,      5, true,  All,          "maximum apparent power drawn yesterday"},
    {"SMAXSN1-1", S, Number,    VA,      5, true,  ThreePhase,   "maximum apparent power drawn yesterday, phase 1"},
    {"SMAXSN2-1", S, Number,    VA,      5, true,  ThreePhase,   "maximum apparent power drawn yesterday, phase 2"},
    {"SMAXSN3-1", S, Number,    VA,      5, true,  ThreePhase,   "maximum apparent power drawn yesterday, phase 3"},
    {"SINSTI",   S, Number,     VA,      5, false, Producer,     "apparent power injected"},
    {"SMAXIN",   S, Number,     VA,      5, true,  Producer,     "maximum apparent power injected today"},
    {"SMAXIN-1", S, Number,     VA,      5, true,  Producer,     "maximum apparent power injected yesterday"},
    {"CCASN",    S, Number,     W,       5, true,  All,          "load curve point n, drawn"},
    {"CCASN-1",  S, Number,     W,       5, true,  All,          "load curve point n-1, drawn"},
    {"CCAIN",    S, Number,     W,       5, true,  Producer,     "load curve point n, injected"},
    {"CCAIN-1",  S, Number,     W,       5, true,  Producer,     "load curve point n-1, injected"},
    {"UMOY1",    S, Number,     V,       3, true,  All,          "mean voltage, phase 1"},
    {"UMOY2",    S, Number,     V,       3, true,  ThreePhase,   "mean voltage, phase 2"},
    {"UMOY3",    S, Number,     V,       3, true,  ThreePhase,   "mean voltage, phase 3"},
    {"STGE",     S, Hex,        None,    8, false, All,          "status register"},
    {"DPM1",     S, Number,     None,    2, true,  All,          "mobile peak 1 start"},
    {"FPM1",     S, Number,     None,    2, true,  All,          "mobile peak 1 end"},
    {"DPM2",     S, Number,     None,    2, true,  All,          "mobile peak 2 start"},
    {"FPM2",     S, Number,     None,    2, true,  All,          "mobile peak 2 end"},
    {"DPM3",     S, Number,     None,    2, true,  All,          "mobile peak 3 start"},
    {"FPM3",     S, Number,     None,    2, true,  All,          "mobile peak 3 end"},
    {"MSG1",     S, Text,       None,   32, false, All,          "short message"},
    {"MSG2",     S, Text,       None,   16, false, All,          "ultra-short message"},
    {"PRM",      S, Identifier, None,   14, false, All,          "delivery point (PRM)"},
    {"RELAIS",   S, Number,     None,    3, false, All,          "relay states"},
    {"NTARF",    S, Number,     None,    2, false, All,          "current supplier index number"},
    {"NJOURF",   S, Number,     None,    2, false, All,          "supplier calendar day profile today"},
    {"NJOURF+1", S, Number,     None,    2, false, All,          "supplier calendar day profile tomorrow"},
    {"PJOURF+1", S, Text,       None,   98, false, All,          "supplier calendar profile of tomorrow"},
    {"PPOINTE",  S, Text,       None,   98, false, All,          "profile of the next peak day"},
};
// clang-format on
extern const std::size_t kLabelCount = std::size(kLabels);

// Frame keeps one bit per dictionary label.
static_assert(std::size(kLabels) <= 128);

}  // namespace detail

namespace {

using detail::kLabels;

// Labels are at most 16 characters: each is packed into two words, zero padded, so that a
// lookup hashes two words and compares two words.
struct PackedLabel {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  bool operator==(const PackedLabel&) const = default;
};

constexpr std::size_t kMaxPackedLabel = 16;

PackedLabel pack(std::string_view name) {
  PackedLabel packed;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const std::uint64_t byte = static_cast<unsigned char>(name[i]);
    if (i < 8) {
      packed.low |= byte << (8 * i);
    } else {
      packed.high |= byte << (8 * (i - 8));
    }
  }
  return packed;
}

// Open addressing over a power-of-two table, built once.
class LabelIndex {
 public:
  LabelIndex() {
    for (const LabelInfo& info : kLabels) {
      const PackedLabel key = pack(info.name);
      std::size_t slot = hash(key);
      while (slots_[slot].info != nullptr)
        slot = (slot + 1) & kMask;
      slots_[slot] = {key, &info};
    }
  }

  const LabelInfo* find(std::string_view name) const {
    // Packing pads with NULs: a name holding one is no label.
    if (name.empty() || name.size() > kMaxPackedLabel || name.find('\0') != name.npos) {
      return nullptr;
    }
    const PackedLabel key = pack(name);
    for (std::size_t slot = hash(key);; slot = (slot + 1) & kMask) {
      const Slot& entry = slots_[slot];
      if (entry.info == nullptr || entry.key == key) return entry.info;
    }
  }

 private:
  static constexpr std::size_t kBits = 9;
  static constexpr std::size_t kMask = (std::size_t{1} << kBits) - 1;
  static_assert(std::size(kLabels) < kMask / 2);

  struct Slot {
    PackedLabel key;
    const LabelInfo* info = nullptr;
  };

  static std::size_t hash(const PackedLabel& key) {
    const std::uint64_t mixed =
        (key.low ^ (key.high * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(mixed >> (64 - kBits));
  }

  std::array<Slot, kMask + 1> slots_{};
};

}  // namespace

std::string_view to_string(Mode mode) {
  return mode == Mode::Historic ? "historic" : "standard";
}

std::string_view to_string(Unit unit) {
  switch (unit) {
    case Unit::None:
      return "";
    case Unit::Wh:
      return "Wh";
    case Unit::VArh:
      return "VArh";
    case Unit::VA:
      return "VA";
    case Unit::kVA:
      return "kVA";
    case Unit::W:
      return "W";
    case Unit::A:
      return "A";
    case Unit::V:
      return "V";
    case Unit::Minute:
      return "min";
    case Unit::Decalitre:
      return "daL";
  }
  return "";
}

const LabelInfo* find_label(std::string_view name) {
  static const LabelIndex index;
  return index.find(name);
}

}  // namespace tic
