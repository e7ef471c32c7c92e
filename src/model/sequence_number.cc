#include "model/sequence_number.h"

#include <bit>
#include <cstring>

namespace sluice::model {
namespace {

using u128 = unsigned __int128;
constexpr uint64_t kTen19 = 10000000000000000000ULL;
constexpr uint64_t kMarker = 1ULL << 57;  // bit 185 of the 192-bit value

struct U192 {
  uint64_t w[3];  // w[0] least significant
};

U192 Pack(const SequenceNumber& sn) {
  U192 v;
  v.w[0] = sn.sub;
  v.w[1] = sn.offset;
  v.w[2] = kMarker | (uint64_t{sn.stream_epoch} << 24) | (sn.shard_index & kMaxShardIndexInSequence);
  return v;
}

// Divides v by 10^19 in place and returns the remainder.
uint64_t DivTen19(U192* v) {
  u128 rem = 0;
  for (int i = 2; i >= 0; --i) {
    u128 cur = (rem << 64) | v->w[i];
    v->w[i] = static_cast<uint64_t>(cur / kTen19);
    rem = cur % kTen19;
  }
  return static_cast<uint64_t>(rem);
}

// 8 ASCII digits of v < 10^8 in memory order (first digit in the lowest byte), computed in
// SWAR lanes: 4+4 digits, then 2+2 per half, then 1+1 per pair.
static_assert(std::endian::native == std::endian::little, "Encode8 assumes a little-endian store");
uint64_t Encode8(uint32_t v) {
  uint64_t x = (v / 10000) | (uint64_t{v % 10000} << 32);
  uint64_t q = ((x * 10486) >> 20) & 0x0000007f0000007fULL;  // /100 for values < 10^4
  x = q | ((x - q * 100) << 16);
  q = ((x * 103) >> 10) & 0x000f000f000f000fULL;  // /10 for values < 100
  x = q | ((x - q * 10) << 8);
  return x | 0x3030303030303030ULL;
}

// Writes v (< 10^width, 16 < width <= 19) as exactly width digits.
void PutDigits(uint64_t v, char* out, int width) {
  constexpr uint64_t kTen8 = 100000000ULL, kTen16 = kTen8 * kTen8;
  uint64_t head = v / kTen16, tail = v % kTen16;
  for (int i = width - 17; i >= 0; --i, head /= 10) out[i] = static_cast<char>('0' + head % 10);
  uint64_t hi = Encode8(static_cast<uint32_t>(tail / kTen8));
  uint64_t lo = Encode8(static_cast<uint32_t>(tail % kTen8));
  std::memcpy(out + width - 16, &hi, 8);
  std::memcpy(out + width - 8, &lo, 8);
}

// FormatSequenceNumberTo, also returning the value mod 10^19 (the last 19 digits).
uint64_t FormatReturningLow(const SequenceNumber& sn, char* out) {
  U192 v = Pack(sn);
  uint64_t c0 = DivTen19(&v);
  uint64_t c1 = DivTen19(&v);
  uint64_t c2 = v.w[0];  // < 10^18 because v < 2^186 < 10^56
  PutDigits(c2, out, 18);
  PutDigits(c1, out + 18, 19);
  PutDigits(c0, out + 37, 19);
  return c0;
}

}  // namespace

void FormatSequenceNumberTo(const SequenceNumber& sn, char* out) { FormatReturningLow(sn, out); }

std::string FormatSequenceNumber(const SequenceNumber& sn) {
  std::string s(kSequenceNumberDigits, '0');
  FormatSequenceNumberTo(sn, s.data());
  return s;
}

bool MatchesSequenceNumberPattern(std::string_view t) {
  if (t.empty() || t.size() > 129) return false;
  if (t.size() > 1 && t[0] == '0') return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<SequenceNumber> ParseSequenceNumber(std::string_view t) {
  if (!MatchesSequenceNumberPattern(t) || t.size() != kSequenceNumberDigits) return std::nullopt;
  U192 v{{0, 0, 0}};
  for (char c : t) {
    // v = v * 10 + d, overflow beyond 192 bits means it is not ours.
    u128 carry = static_cast<uint64_t>(c - '0');
    for (int i = 0; i < 3; ++i) {
      u128 cur = static_cast<u128>(v.w[i]) * 10 + carry;
      v.w[i] = static_cast<uint64_t>(cur);
      carry = cur >> 64;
    }
    if (carry != 0) return std::nullopt;
  }
  if ((v.w[2] >> 56) != 2) return std::nullopt;  // marker bit set, bit 184 and above clear
  SequenceNumber sn;
  sn.sub = v.w[0];
  sn.offset = v.w[1];
  sn.stream_epoch = static_cast<uint32_t>(v.w[2] >> 24);
  sn.shard_index = static_cast<uint32_t>(v.w[2] & kMaxShardIndexInSequence);
  return sn;
}

SequenceNumberSequence::SequenceNumberSequence(uint32_t epoch, uint32_t shard, uint64_t first_offset)
    : low_(FormatReturningLow(SequenceNumber{epoch, shard, first_offset, 0}, digits_)) {}

void SequenceNumberSequence::Next() {
  // 2^64 = 1 * 10^19 + kLowPart. low_ + kLowPart <= 10^19 - 1 + kLowPart = 2^64 - 1: no overflow.
  constexpr uint64_t kLowPart = 8446744073709551616ULL;
  low_ += kLowPart;
  int inc = 1;
  if (low_ >= kTen19) {
    low_ -= kTen19;
    inc = 2;
  }
  PutDigits(low_, digits_ + 37, 19);
  // Add inc to the decimal number in digits_[0..36]; the carry rarely goes far. A carry out of
  // digit 0 is dropped, as the plain decimal addition did (it needs V + 2^64 >= 10^56, and every
  // valid V is below 2^186).
  int i = 36;
  int d = (digits_[i] - '0') + inc;
  while (d >= 10 && i > 0) {
    digits_[i] = static_cast<char>('0' + d - 10);
    --i;
    d = (digits_[i] - '0') + 1;
  }
  digits_[i] = static_cast<char>('0' + (d >= 10 ? d - 10 : d));
}

}  // namespace sluice::model
