#include "tic/group.h"

#include <string>

#include "tic/bytes.h"

namespace tic {

char checksum(std::string_view zone) {
  const unsigned sum = bytes::sum(reinterpret_cast<const std::uint8_t*>(zone.data()), zone.size());
  return static_cast<char>((sum & 0x3Fu) + 0x20u);
}

bool split_group(std::string_view content, SplitGroup& group) {
  return split_group(
      content, bytes::sum(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()),
      group);
}

bool split_group(std::string_view content, unsigned content_sum, SplitGroup& group) {
  // The shortest group is a one-letter label with empty data: "L" SEP SEP CHK.
  if (content.size() < 4) return false;
  const char separator = content[content.size() - 2];
  const char check = content.back();
  const std::string_view body = content.substr(0, content.size() - 2);

  // The checksum zone is all but the checksum in standard mode ("mode 2"); historic mode
  // ("mode 1") leaves out the separator before it too.
  unsigned zone_sum = content_sum - static_cast<unsigned char>(check);
  if (separator == kHistoricSeparator) {
    group.mode = Mode::Historic;
    zone_sum -= static_cast<unsigned char>(separator);
  } else if (separator == kStandardSeparator) {
    group.mode = Mode::Standard;
  } else {
    return false;
  }

  std::size_t label_end = 0;
  while (label_end < body.size() && body[label_end] != separator)
    ++label_end;
  if (label_end == body.size() || label_end == 0) return false;
  group.label = body.substr(0, label_end);
  std::string_view rest = body.substr(label_end + 1);

  // Any other HT left in the data fails the data's own checks.
  constexpr std::size_t kHorodate = 13;
  if (group.mode == Mode::Standard && rest.size() > kHorodate &&
      rest[kHorodate] == kStandardSeparator) {
    group.horodate = rest.substr(0, kHorodate);
    rest.remove_prefix(kHorodate + 1);
  } else {
    group.horodate.reset();
  }
  group.data = rest;
  group.checksum_ok = static_cast<char>((zone_sum & 0x3Fu) + 0x20u) == check;
  return true;
}

std::string encode_group(Mode mode, std::string_view label, std::string_view data,
                         std::optional<std::string_view> horodate) {
  const char separator = mode == Mode::Historic ? kHistoricSeparator : kStandardSeparator;
  std::string group{label};
  group += separator;
  if (horodate) {
    group += *horodate;
    group += separator;
  }
  group += data;
  if (mode == Mode::Historic) {
    const char check = checksum(group);
    group += separator;
    group += check;
  } else {
    group += separator;
    group += checksum(group);
  }
  return group;
}

}  // namespace tic
