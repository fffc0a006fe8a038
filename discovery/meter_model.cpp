#include "discovery/meter_model.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <span>

namespace discovery {
namespace {

struct Code {
  std::string_view code;
  std::string_view name;
};

// EURIDIS manufacturer codes (CC). 81-85 are the extra codes given for more than a million meters
// of one model a year ("outre-million").
constexpr Code kManufacturers[] = {
    {"01", "Crouzet / Monetel"},
    {"02", "Sagem / Sagemcom"},
    {"03", "Schlumberger / Actaris / Itron"},
    {"04", "Landis+Gyr"},
    {"05", "Sauter / Stepper Energie France / Zellweger"},
    {"06", "Itron"},
    {"07", "MAEC"},
    {"08", "Matra-Chauvin Arnoux / Enerdis"},
    {"09", "Faure-Herman"},
    {"10", "SEVME / SIS"},
    {"11", "Magnol / Elster / Honeywell"},
    {"12", "Gaz Thermique"},
    {"14", "Ghielmetti / Dialog E.S. / Micronique"},
    {"15", "Mecelec"},
    {"16", "Legrand / Baco"},
    {"17", "SERD-Schlumberger"},
    {"18", "Schneider / Merlin Gerin / Gardy"},
    {"19", "General Electric / Power Control"},
    {"20", "Nuovo Pignone / Dresser"},
    {"21", "SCLE"},
    {"22", "EDF"},
    {"23", "GDF / GDF-Suez"},
    {"24", "Hager - General Electric"},
    {"25", "Delta Dore"},
    {"26", "RIZ"},
    {"27", "Iskraemeco"},
    {"28", "GMT"},
    {"29", "Analog Devices"},
    {"30", "Michaud"},
    {"31", "Hexing Electrical"},
    {"32", "Siame"},
    {"33", "Larsen & Toubro"},
    {"34", "Elster / Honeywell"},
    {"35", "Electronic Afzar Azma"},
    {"36", "Advanced Electronic Company"},
    {"37", "AEM"},
    {"38", "Zhejiang Chint Instrument & Meter"},
    {"39", "ZIV"},
    {"70", "Landis+Gyr (export)"},
    {"71", "Stepper Energie France (export)"},
    {"81", "Sagem / Sagemcom"},
    {"82", "Landis+Gyr"},
    {"83", "Elster / Honeywell"},
    {"84", "Sagem / Sagemcom"},
    {"85", "Itron"},
};

// EURIDIS device types (TT) of electricity meters that have a TIC output. Other devices of the
// list (concentrators, modems, couplers) never open a TIC frame.
constexpr Code kTypes[] = {
    {"01", "Blue single-phase multi-tariff electronic meter (BBR), 1st generation"},
    {"05", "Blue single-phase single-tariff electronic meter, 1st generation"},
    {"06", "Yellow electronic meter, modular tariff"},
    {"07", "Universal electronic meter (PRISME or ICE)"},
    {"09", "Blue three-phase electronic meter, 1st generation"},
    {"10", "Yellow electronic meter, 2nd generation"},
    {"12", "PRISME meter"},
    {"15", "Blue single-phase multi-tariff electronic meter without BBR"},
    {"20", "Blue single-phase multi-tariff half-rate meter, 1st generation"},
    {"21", "Blue three-phase half-rate meter, 1st generation"},
    {"22", "Blue single-phase multi-tariff meter, 2nd generation"},
    {"23", "Blue single-phase multi-tariff half-rate meter, 2nd generation"},
    {"25", "Blue single-phase single-tariff meter, 2nd generation"},
    {"26", "Blue three-phase meter, 2000 series, 2nd generation"},
    {"27", "Blue three-phase half-rate meter, 2000 series, 2nd generation"},
    {"28", "Blue single-phase multi-tariff meter, 2007 series, 3rd generation"},
    {"29", "Blue single-phase multi-tariff half-rate meter, 2007 series, 3rd generation"},
    {"30", "Blue three-phase meter, 2007 series, 3rd generation"},
    {"31", "Blue three-phase half-rate meter, 2007 series, 3rd generation"},
    {"32", "Blue three-phase totalising meter"},
    {"33", "Yellow electronic meter, direct connection"},
    {"34", "ICE four-quadrant meter"},
    {"36", "PME-PMI LV meter above 36 kVA"},
    {"37", "Prepayment meter"},
    {"60", "Linky single-phase 60 A, G1"},
    {"61", "Linky single-phase 60 A, G3"},
    {"62", "Linky single-phase 90 A, G1"},
    {"63", "Linky three-phase 60 A, G1"},
    {"64", "Linky single-phase 60 A, G3"},
    {"65", "Linky single-phase 90 A, G3 PLC trial"},
    {"67", "Linky single-phase 90 A, G1 pilot"},
    {"68", "Linky three-phase 60 A, G1 pilot"},
    {"70", "Linky single-phase 60 A, G3 interoperability"},
    {"71", "Linky three-phase 60 A, G3 interoperability"},
    {"75", "Linky single-phase 90 A, G3"},
    {"76", "Linky three-phase 60 A, G3"},
    {"92", "Linky ORES single-phase 90 A, G3"},
    {"93", "Linky ORES three-phase 60 A 3 wires, G3"},
    {"94", "Linky ORES three-phase 60 A 4 wires, G3"},
};

std::string_view find(std::span<const Code> table, std::string_view code) {
  for (const Code& entry : table) {
    if (entry.code == code) return entry.name;
  }
  return {};
}

bool all_of(std::string_view text, int (*test)(int)) {
  return std::all_of(text.begin(), text.end(),
                     [test](char c) { return test(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

std::optional<MeterModel> decode_meter_address(std::string_view address) {
  if (address.size() != 12) return std::nullopt;
  const std::string_view manufacturer = address.substr(0, 2);
  const std::string_view year = address.substr(2, 2);
  std::string type(address.substr(4, 2));
  const std::string_view serial = address.substr(6);
  if (!all_of(manufacturer, isdigit) || !all_of(year, isdigit) || !all_of(type, isxdigit) ||
      !all_of(serial, isdigit)) {
    return std::nullopt;
  }
  std::transform(type.begin(), type.end(), type.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });

  MeterModel model;
  model.manufacturer_code = manufacturer;
  const std::string_view maker = find(kManufacturers, manufacturer);
  model.manufacturer = maker.empty() ? "code " + model.manufacturer_code : std::string(maker);
  // Electronic meters with a TIC date from the 1990s: 80-99 are taken as 1980-1999.
  const int two_digits = (year[0] - '0') * 10 + (year[1] - '0');
  model.year = two_digits >= 80 ? 1900 + two_digits : 2000 + two_digits;
  model.type_code = type;
  const std::string_view kind = find(kTypes, type);
  model.model = kind.empty() ? "type " + type : std::string(kind);
  model.serial = serial;
  return model;
}

}  // namespace discovery
