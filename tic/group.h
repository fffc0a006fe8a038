// One information group, as the bytes between its LF and its CR (54E §5.3.6, 02E §1.5.2):
//
//   historic:   LABEL SP DATA SP CHK                  CHK over "LABEL SP DATA"
//   standard:   LABEL HT DATA HT CHK                  CHK over "LABEL HT DATA HT"
//               LABEL HT HORODATE HT DATA HT CHK      CHK over "LABEL HT HORODATE HT DATA HT"
//
//   CHK = (sum of the bytes & 0x3F) + 0x20, a character from 0x20 to 0x5F: it can be a space.
//
// Groups are read from the end: the last byte is the checksum, the one before it the separator,
// which tells the mode. Nothing is trimmed first: data may hold spaces (standard mode) or be
// empty (DATE), and a historic checksum may be the space after a space.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tic/labels.h"

namespace tic {

inline constexpr char kHistoricSeparator = ' ';
inline constexpr char kStandardSeparator = '\t';

char checksum(std::string_view zone);

struct SplitGroup {
  Mode mode;
  std::string_view label;
  std::optional<std::string_view> horodate;
  std::string_view data;
  bool checksum_ok;
};

// Splits a group into its fields and checks its checksum; false when the bytes are not shaped
// like a group of either mode. A horodate is recognised by its place: 13 characters then HT.
bool split_group(std::string_view content, SplitGroup& group);

// The same, given the sum of the bytes of `content` (the decoder sums them as it finds the group).
bool split_group(std::string_view content, unsigned content_sum, SplitGroup& group);

// The bytes of a group of `mode` with its checksum, as a meter sends them between LF and CR.
std::string encode_group(Mode mode, std::string_view label, std::string_view data,
                         std::optional<std::string_view> horodate = std::nullopt);

}  // namespace tic
