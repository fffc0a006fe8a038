// Word-at-a-time helpers for the decoder's hot path: eight bytes per step instead of one. Every
// test below is exact per byte (no carries cross byte boundaries).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tic::bytes {

constexpr std::uint64_t repeat(std::uint8_t byte) {
  return 0x0101010101010101ull * byte;
}
inline constexpr std::uint64_t kHighBits = repeat(0x80);
inline constexpr std::uint64_t kLow7Bits = repeat(0x7F);
inline constexpr bool kLittleEndian = std::endian::native == std::endian::little;

inline std::uint64_t load(const std::uint8_t* at) {
  std::uint64_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// The first `count` bytes of a word in memory order (0 < count < 8), the others cleared.
constexpr std::uint64_t first_bytes(std::uint64_t word, unsigned count) {
  return kLittleEndian ? word & (~0ull >> (64 - 8 * count)) : word & (~0ull << (64 - 8 * count));
}

// Bit 7 of each byte set where that byte equals `byte`.
constexpr std::uint64_t equal_to(std::uint64_t word, std::uint8_t byte) {
  const std::uint64_t x = word ^ repeat(byte);
  return ~(((x & kLow7Bits) + kLow7Bits) | x | kLow7Bits);
}

// Bit 7 of each byte set where that byte cannot stand inside a group as it is: a control byte
// other than HT, DEL, or a byte with bit 7 set.
constexpr std::uint64_t special(std::uint64_t word) {
  const std::uint64_t low7 = word & kLow7Bits;
  const std::uint64_t printable_or_del = (low7 + repeat(0x80 - 0x20)) & kHighBits;
  const std::uint64_t del = (low7 + repeat(0x01)) & kHighBits;
  const std::uint64_t control = ~printable_or_del & kHighBits & ~equal_to(word, '\t');
  return control | del | (word & kHighBits);
}

constexpr bool is_plain(std::uint8_t byte) {
  return (byte >= 0x20 && byte < 0x7F) || byte == '\t';
}

// The sum of the 8 bytes of a word.
constexpr unsigned word_sum(std::uint64_t word) {
  constexpr std::uint64_t kEvenBytes = 0x00FF00FF00FF00FFull;
  const std::uint64_t pairs = (word & kEvenBytes) + ((word >> 8) & kEvenBytes);  // 4 x 16 bits
  return static_cast<unsigned>((pairs * 0x0001000100010001ull) >> 48);
}

// The first byte in [from, to) that is not plain, or `to`; adds the bytes before it to `total`.
inline const std::uint8_t* find_special(const std::uint8_t* from, const std::uint8_t* to,
                                        unsigned& total) {
  while (to - from >= 8) {
    const std::uint64_t word = load(from);
    const std::uint64_t found = special(word);
    if (found != 0) {
      const int bit = kLittleEndian ? std::countr_zero(found) : std::countl_zero(found);
      const auto before = static_cast<unsigned>(bit / 8);  // plain bytes ahead of it
      if (before > 0) total += word_sum(first_bytes(word, before));
      return from + before;
    }
    total += word_sum(word);
    from += 8;
  }
  for (; from != to && is_plain(*from); ++from)
    total += *from;
  return from;
}

// The sum of the bytes in [from, from + size).
inline unsigned sum(const std::uint8_t* from, std::size_t size) {
  unsigned total = 0;
  for (; size >= 8; size -= 8, from += 8)
    total += word_sum(load(from));
  for (; size > 0; --size)
    total += *from++;
  return total;
}

// Whether every byte in [from, from + size) is printable ASCII (0x20 to 0x7E).
inline bool all_printable(const std::uint8_t* from, std::size_t size) {
  if (size < 8) {
    for (; size > 0; --size, ++from) {
      if (*from < 0x20 || *from > 0x7E) return false;
    }
    return true;
  }
  // Whole words, the last one overlapping the one before it.
  const std::uint8_t* const last = from + size - 8;
  for (;; from += 8) {
    if (from > last) from = last;
    const std::uint64_t word = load(from);
    if ((special(word) | equal_to(word, '\t')) != 0) return false;
    if (from == last) return true;
  }
}

// The value of 8 ASCII digits, or -1 if one of them is not a digit. The bytes must be printable.
inline std::int64_t eight_digits(const std::uint8_t* from) {
  std::uint64_t word = load(from);
  if constexpr (!kLittleEndian) word = __builtin_bswap64(word);
  // A digit is 0x30-0x39: its high nibble is 3, and still 3 after adding 6.
  const std::uint64_t nibbles =
      (word & repeat(0xF0)) | (((word + repeat(0x06)) & repeat(0xF0)) >> 4);
  if (nibbles != repeat(0x33)) return -1;
  word -= repeat('0');
  // Combine neighbours: 8 one-digit bytes, then 4 two-digit pairs, then 2 four-digit halves.
  word = word * 10 + (word >> 8);
  word = (((word & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
          (((word >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
         32;
  return static_cast<std::int64_t>(word);
}

}  // namespace tic::bytes
