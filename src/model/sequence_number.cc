#include "model/sequence_number.h"

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

void Put19(uint64_t chunk, char* out, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + chunk % 10);
    chunk /= 10;
  }
}

}  // namespace

void FormatSequenceNumberTo(const SequenceNumber& sn, char* out) {
  U192 v = Pack(sn);
  uint64_t c0 = DivTen19(&v);
  uint64_t c1 = DivTen19(&v);
  uint64_t c2 = v.w[0];  // < 10^18 because v < 2^186 < 10^56
  Put19(c2, out, 18);
  Put19(c1, out + 18, 19);
  Put19(c0, out + 37, 19);
}

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

SequenceNumberSequence::SequenceNumberSequence(uint32_t epoch, uint32_t shard, uint64_t first_offset) {
  FormatSequenceNumberTo(SequenceNumber{epoch, shard, first_offset, 0}, digits_);
}

void SequenceNumberSequence::Next() {
  static constexpr char kTwo64[] = "18446744073709551616";  // 20 digits
  int carry = 0;
  int i = static_cast<int>(kSequenceNumberDigits) - 1;
  for (int j = 19; j >= 0; --j, --i) {
    int d = (digits_[i] - '0') + (kTwo64[j] - '0') + carry;
    carry = d >= 10;
    digits_[i] = static_cast<char>('0' + (carry ? d - 10 : d));
  }
  for (; carry && i >= 0; --i) {
    int d = (digits_[i] - '0') + 1;
    carry = d >= 10;
    digits_[i] = static_cast<char>('0' + (carry ? d - 10 : d));
  }
}

}  // namespace sluice::model
