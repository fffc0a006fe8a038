// The meter address (ADCO, ADSC) read as an EURIDIS secondary address (ADS): who made the meter,
// when, and what it is. 54E §2.2: "CC AA TT NNNNNN", manufacturer code, year of manufacture, device
// type, serial number within the year. The code tables are EURIDIS's list "Identifiants-Euridis-
// Liste-CC-TT" V3.04A (2019), copied in ../shared/spec/euridis.txt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace discovery {

struct MeterModel {
  std::string manufacturer_code;  // "02"
  std::string manufacturer;       // "Sagem / Sagemcom", or "code 42" when the table has no name
  int year = 0;                   // 2019; two digits in the address, 80-99 read as 19xx
  std::string type_code;          // "61"
  std::string model;              // "Linky single-phase 60 A, G3", or "type 4F"
  std::string serial;             // "361253"
};

// nullopt unless `address` is 12 characters: 2 decimal digits, 2 decimal digits, 2 hexadecimal
// digits, 6 decimal digits.
std::optional<MeterModel> decode_meter_address(std::string_view address);

}  // namespace discovery
