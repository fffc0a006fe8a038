#include "jeedom/status_texts.h"

#include <array>
#include <cstdint>
#include <string>

#include "tic/status.h"

namespace jeedom {
namespace {

// One entry of the plugin: which STGE bits (54E §6.2.3.14), and the text of each value. Values
// without a text read "Invalide", as in the plugin. The texts are the plugin's, letter for letter
// (no accents, "ouvert sur surtension" in lower case, U+2018 in "Pas d‘annonce").
struct Entry {
  unsigned first_bit;
  unsigned width;
  std::array<std::string_view, 10> texts;
};

constexpr std::string_view kInvalid = "Invalide";
constexpr std::string_view kNoNotice = "Pas d\u2018annonce";

constexpr std::array<Entry, 20> kEntries = {{
    {0, 1, {"Ferme", "Ouvert"}},  // STGE01 dry contact
    {1,
     3,
     {"Ferme", "Ouvert sur surpuissance", "ouvert sur surtension", "Ouvert sur delestage",
      "Ouvert sur ordre CPL ou Euridis", "Ouvert sur surchauffe avec I > Imax",
      "Ouvert sur surchauffe avec I < Imax"}},               // STGE02 cut-off device
    {4, 1, {"Ferme", "Ouvert"}},                             // STGE03 terminal cover
    {5, 1, {"Toujours a 0", "Anormal"}},                     // STGE04 unused
    {6, 1, {"Pas de surtension", "Surtension"}},             // STGE05 overvoltage
    {7, 1, {"Pas de depassement", "Depassement en cours"}},  // STGE06 reference power exceeded
    {8, 1, {"Consommateur", "Producteur"}},                  // STGE07
    {9, 1, {"Energie active positive", "Energie active negative"}},  // STGE08
    {10,
     4,
     {"Energie ventilee sur Index 1", "Energie ventilee sur Index 2",
      "Energie ventilee sur Index 3", "Energie ventilee sur Index 4",
      "Energie ventilee sur Index 5", "Energie ventilee sur Index 6",
      "Energie ventilee sur Index 7", "Energie ventilee sur Index 8",
      "Energie ventilee sur Index 9", "Energie ventilee sur Index 10"}},  // STGE09 supplier index
    {14,
     2,
     {"Energie ventilee sur Index 1", "Energie ventilee sur Index 2",
      "Energie ventilee sur Index 3", "Energie ventilee sur Index 4"}},  // STGE10 distributor
    {16, 1, {"Horloge correcte", "Horloge en mode degrade"}},            // STGE11
    {17, 1, {"Mode Historique", "Mode Standard"}},                       // STGE12
    {18, 1, {"Non utilise", "Non utilise"}},                             // STGE13
    {19,
     2,
     {"Desactivee", "Activee sans securite", "Invalide", "Activee avec securite"}},  // STGE14
    {21, 2, {"New/Unlock", "New/Lock", "Registered", "Invalide"}},  // STGE15 PLC status
    {23, 1, {"Compteur non synchronise", "Compteur synchronise"}},  // STGE16 PLC synchronised
    {24, 2, {kNoNotice, "Bleu", "Blanc", "Rouge"}},                 // STGE17 Tempo today
    {26, 2, {kNoNotice, "Bleu", "Blanc", "Rouge"}},                 // STGE18 Tempo tomorrow
    {28,
     2,
     {"Pas de preavis en cours", "Preavis PM1 en cours", "Preavis PM2 en cours",
      "Preavis PM3 en cours"}},                                                         // STGE19
    {30, 2, {"Pas de pointe mobile", "PM1 en cours", "PM2 en cours", "PM3 en cours"}},  // STGE20
}};

std::string_view text(const Entry& entry, std::uint32_t bits) {
  const std::uint32_t value = (bits >> entry.first_bit) & ((1u << entry.width) - 1u);
  if (value >= entry.texts.size() || entry.texts[value].empty()) return kInvalid;
  return entry.texts[value];
}

}  // namespace

void for_each_status_text(const tic::Frame& frame,
                          const std::function<void(std::string_view, std::string_view)>& emit) {
  if (const auto stge = frame.find("STGE")) {
    if (const auto status = tic::parse_status_register(stge->raw)) {
      std::string name = "STGE00";
      for (std::size_t i = 0; i < kEntries.size(); ++i) {
        name[4] = static_cast<char>('0' + (i + 1) / 10);
        name[5] = static_cast<char>('0' + (i + 1) % 10);
        emit(name, text(kEntries[i], status->bits));
      }
    }
  }
  if (const auto relais = frame.find("RELAIS")) {
    if (const auto relays = tic::parse_relays(relais->raw)) {
      std::string name = "RELAIS00";
      for (unsigned relay = 1; relay <= 8; ++relay) {
        name[7] = static_cast<char>('0' + relay);
        emit(name, relays->closed(relay) ? "Ferme" : "Ouvert");
      }
    }
  }
}

bool is_status_text_name(std::string_view key) {
  const auto number = [](std::string_view digits, unsigned last) {
    if (digits.size() != 2 || digits[0] < '0' || digits[0] > '9' || digits[1] < '0' ||
        digits[1] > '9') {
      return false;
    }
    const unsigned value =
        static_cast<unsigned>(digits[0] - '0') * 10 + static_cast<unsigned>(digits[1] - '0');
    return value >= 1 && value <= last;
  };
  if (key.starts_with("STGE")) return number(key.substr(4), static_cast<unsigned>(kEntries.size()));
  if (key.starts_with("RELAIS")) return number(key.substr(6), 8);
  return false;
}

}  // namespace jeedom
