#include "base/base64.h"

#include <array>
#include <cstring>

namespace sluice::base64 {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Two output characters per 12 input bits halves the table lookups when encoding.
struct EncodeTable {
  std::array<uint16_t, 4096> pairs{};
  constexpr EncodeTable() {
    for (int i = 0; i < 4096; ++i) {
      uint16_t hi = static_cast<uint8_t>(kAlphabet[i >> 6]);
      uint16_t lo = static_cast<uint8_t>(kAlphabet[i & 63]);
      pairs[i] = static_cast<uint16_t>(hi | (lo << 8));  // little-endian store order
    }
  }
};
constexpr EncodeTable kEncode;

// Pre-shifted decode tables: one OR per quad; invalid characters set bit 31.
struct DecodeTables {
  std::array<uint32_t, 256> t0{}, t1{}, t2{}, t3{};
  constexpr DecodeTables() {
    for (int i = 0; i < 256; ++i) t0[i] = t1[i] = t2[i] = t3[i] = 0x80000000u;
    for (uint32_t v = 0; v < 64; ++v) {
      auto c = static_cast<uint8_t>(kAlphabet[v]);
      t0[c] = v << 18;
      t1[c] = v << 12;
      t2[c] = v << 6;
      t3[c] = v;
    }
  }
};
constexpr DecodeTables kDecode;

}  // namespace

void Encode(const uint8_t* in, size_t n, char* out) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    uint16_t a = kEncode.pairs[v >> 12];
    uint16_t b = kEncode.pairs[v & 0xFFF];
    std::memcpy(out, &a, 2);
    std::memcpy(out + 2, &b, 2);
    out += 4;
  }
  size_t rest = n - i;
  if (rest == 1) {
    uint32_t v = uint32_t{in[i]} << 16;
    out[0] = kAlphabet[(v >> 18) & 63];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = '=';
    out[3] = '=';
  } else if (rest == 2) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
    out[0] = kAlphabet[(v >> 18) & 63];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = kAlphabet[(v >> 6) & 63];
    out[3] = '=';
  }
}

void AppendEncoded(std::string_view in, std::string* out) {
  size_t old = out->size();
  out->resize(old + EncodedSize(in.size()));
  Encode(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out->data() + old);
}

DecodeError Decode(std::string_view text, uint8_t* out, size_t* written) {
  *written = 0;
  size_t n = text.size();
  if (n % 4 != 0) return DecodeError::kBadLength;
  if (n == 0) return DecodeError::kNone;
  auto s = reinterpret_cast<const uint8_t*>(text.data());
  size_t full = n - 4;  // the last quad may carry padding
  uint32_t bad = 0;
  uint8_t* o = out;
  for (size_t i = 0; i < full; i += 4) {
    uint32_t v = kDecode.t0[s[i]] | kDecode.t1[s[i + 1]] | kDecode.t2[s[i + 2]] | kDecode.t3[s[i + 3]];
    bad |= v;
    o[0] = static_cast<uint8_t>(v >> 16);
    o[1] = static_cast<uint8_t>(v >> 8);
    o[2] = static_cast<uint8_t>(v);
    o += 3;
  }
  if (bad & 0x80000000u) return DecodeError::kBadCharacter;
  const uint8_t* q = s + full;
  int pad = (q[3] == '=') + (q[2] == '=' && q[3] == '=');
  if (q[2] == '=' && q[3] != '=') return DecodeError::kBadCharacter;
  uint32_t v = kDecode.t0[q[0]] | kDecode.t1[q[1]] | (pad >= 2 ? 0 : kDecode.t2[q[2]]) |
               (pad >= 1 ? 0 : kDecode.t3[q[3]]);
  if (v & 0x80000000u) return DecodeError::kBadCharacter;
  o[0] = static_cast<uint8_t>(v >> 16);
  if (pad < 2) o[1] = static_cast<uint8_t>(v >> 8);
  if (pad < 1) o[2] = static_cast<uint8_t>(v);
  o += 3 - pad;
  *written = static_cast<size_t>(o - out);
  return DecodeError::kNone;
}

bool DecodeToString(std::string_view text, std::string* out) {
  out->resize(MaxDecodedSize(text.size()) + 3);
  size_t w = 0;
  if (Decode(text, reinterpret_cast<uint8_t*>(out->data()), &w) != DecodeError::kNone) {
    out->clear();
    return false;
  }
  out->resize(w);
  return true;
}

}  // namespace sluice::base64
