#include "support/numbered_frames.h"

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "support/captures.h"
#include "tic/group.h"

namespace test {
namespace {

constexpr char kStx = 0x02;
constexpr char kEtx = 0x03;
// The group that carries the number: 9 digits, Wh.
constexpr std::string_view kNumberLabel = "EAST";
constexpr std::string_view kNumberJson = "\"EAST\":{\"raw\":\"";
constexpr std::size_t kNumberDigits = 9;

using Growth = std::map<std::string, std::uint64_t, std::less<>>;

// The bytes of `frame` as a meter sends it: STX, LF group CR for each field, ETX. The group
// labelled kNumberLabel gets `number_data` when given; an index of `growth` is moved up by its
// growth times `turn`, in as many digits.
std::string encode_frame(const tic::Frame& frame, std::optional<std::string_view> number_data,
                         const Growth& growth = {}, std::uint64_t turn = 0) {
  std::string bytes(1, kStx);
  char moved[32];
  for (const tic::Field field : frame) {
    std::string_view data = field.raw;
    if (field.label == kNumberLabel && number_data) {
      data = *number_data;
    } else if (const auto grows = growth.find(field.label);
               turn > 0 && grows != growth.end() && field.number) {
      std::snprintf(moved, sizeof moved, "%0*llu", static_cast<int>(field.raw.size()),
                    static_cast<unsigned long long>(*field.number + grows->second * turn));
      data = moved;
    }
    std::optional<std::string_view> horodate;
    if (!field.horodate_raw.empty()) horodate = field.horodate_raw;
    bytes += '\n';
    bytes += tic::encode_group(tic::Mode::Standard, field.label, data, horodate);
    bytes += '\r';
  }
  bytes += kEtx;
  return bytes;
}

}  // namespace

NumberedFrames::NumberedFrames() {
  const std::string capture = read_capture(kCapture);
  frames_ = decode(capture).frames;
  const std::size_t first = capture.find(kStx);
  const std::size_t last = capture.rfind(kEtx);
  if (frames_.empty() || first == std::string::npos || last == std::string::npos) {
    throw std::runtime_error("no frame in " + std::string{kCapture});
  }
  std::string rebuilt;
  for (const tic::Frame& frame : frames_)
    rebuilt += encode_frame(frame, std::nullopt);
  if (rebuilt != std::string_view{capture}.substr(first, last + 1 - first)) {
    throw std::runtime_error("the frames of " + std::string{kCapture} +
                             " do not rebuild to its bytes");
  }
  const std::optional<std::uint64_t> east = test::number_of(frames_.front(), kNumberLabel);
  if (!east)
    throw std::runtime_error("the first frame of " + std::string{kCapture} + " has no EAST");
  base_ = *east;
  address_ = frames_.front().address();
  for (const tic::Field field : frames_.front()) {
    if (field.info == nullptr || !field.info->is_index() || !field.number) continue;
    const auto at_end = test::number_of(frames_.back(), field.label);
    if (at_end && *at_end >= *field.number) {
      index_growth_[std::string{field.label}] = *at_end - *field.number + 1;
    }
  }
  bytes_per_frame_ = static_cast<double>(rebuilt.size()) / static_cast<double>(frames_.size());
}

std::string NumberedFrames::frame(std::uint64_t number) const {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*llu", static_cast<int>(kNumberDigits),
                static_cast<unsigned long long>(base_ + number));
  return encode_frame(frames_[static_cast<std::size_t>(number % frames_.size())], digits,
                      index_growth_, number / frames_.size());
}

FrameStream NumberedFrames::make(std::uint64_t first, std::size_t count) const {
  FrameStream stream;
  stream.first = first;
  stream.bytes.reserve(static_cast<std::size_t>(bytes_per_frame_ * 1.1) * count);
  stream.frame_ends.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    stream.bytes += frame(first + i);
    stream.frame_ends.push_back(stream.bytes.size());
  }
  return stream;
}

std::optional<std::uint64_t> NumberedFrames::number_of(std::string_view payload) const {
  const std::size_t at = payload.find(kNumberJson);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = payload.substr(at + kNumberJson.size(), kNumberDigits);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return number_of_east(value);
}

std::optional<std::uint64_t> NumberedFrames::number_of_east(std::uint64_t east) const {
  if (east < base_) return std::nullopt;
  return east - base_;
}

}  // namespace test
