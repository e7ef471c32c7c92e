#include "base/base64.h"

#include <array>
#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif

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

#ifdef __AVX2__
// Decodes 32 characters into 24 bytes (writes 32: callers leave 8 bytes of slack). Returns
// false if any character is outside the alphabet; the caller then reports the error.
inline bool DecodeBlock32(const uint8_t* in, uint8_t* out) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  auto range = [&](char lo, char hi) {
    return _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                            _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), v));
  };
  const __m256i upper = range('A', 'Z');
  const __m256i lower = range('a', 'z');
  const __m256i digit = range('0', '9');
  const __m256i plus = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('+'));
  const __m256i slash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('/'));
  const __m256i valid =
      _mm256_or_si256(_mm256_or_si256(upper, lower), _mm256_or_si256(digit, _mm256_or_si256(plus, slash)));
  if (static_cast<uint32_t>(_mm256_movemask_epi8(valid)) != 0xFFFFFFFFu) return false;
  // Per-class offsets that map ASCII to 6-bit values: A=0, a=26, 0=52, +=62, /=63.
  __m256i shift = _mm256_and_si256(upper, _mm256_set1_epi8(-65));
  shift = _mm256_or_si256(shift, _mm256_and_si256(lower, _mm256_set1_epi8(-71)));
  shift = _mm256_or_si256(shift, _mm256_and_si256(digit, _mm256_set1_epi8(4)));
  shift = _mm256_or_si256(shift, _mm256_and_si256(plus, _mm256_set1_epi8(19)));
  shift = _mm256_or_si256(shift, _mm256_and_si256(slash, _mm256_set1_epi8(16)));
  const __m256i sextets = _mm256_add_epi8(v, shift);
  // Merge sextet pairs into 12-bit words, word pairs into 24-bit lanes, then gather the three
  // significant bytes of each lane in big-endian order.
  const __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
  const __m256i lanes = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
  const __m256i bytes =
      _mm256_shuffle_epi8(lanes, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6, 5,
                                                  4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
  const __m256i packed = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
  return true;
}

// Encodes 24 bytes (reads 28) into 32 characters.
inline void EncodeBlock24(const uint8_t* in, char* out) {
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 12));
  __m256i v = _mm256_set_m128i(hi, lo);
  // Each 32-bit lane gets the three input bytes it encodes, arranged for the shifts below.
  v = _mm256_shuffle_epi8(v, _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0, 2, 1, 4, 3, 5, 4,
                                              7, 6, 8, 7, 10, 9, 11, 10));
  const __m256i t0 = _mm256_and_si256(v, _mm256_set1_epi32(0x0fc0fc00));
  const __m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
  const __m256i t2 = _mm256_and_si256(v, _mm256_set1_epi32(0x003f03f0));
  const __m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
  const __m256i sextets = _mm256_or_si256(t1, t3);
  // Map 0..63 to the alphabet: classify into ranges, then add a per-range offset.
  __m256i cls = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
  const __m256i below26 = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), sextets);
  cls = _mm256_or_si256(cls, _mm256_and_si256(below26, _mm256_set1_epi8(13)));
  const __m256i offsets = _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                           '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,
                                           'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                           '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
  const __m256i ascii = _mm256_add_epi8(_mm256_shuffle_epi8(offsets, cls), sextets);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), ascii);
}
#endif

}  // namespace

void Encode(const uint8_t* in, size_t n, char* out) {
  size_t i = 0;
#ifdef __AVX2__
  for (; i + 28 <= n; i += 24) {
    EncodeBlock24(in + i, out);
    out += 32;
  }
#endif
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
  size_t i = 0;
#ifdef __AVX2__
  // Stop early enough that the 32-byte store stays inside the decoded output.
  while (i + 48 <= full) {
    if (!DecodeBlock32(s + i, o)) return DecodeError::kBadCharacter;
    i += 32;
    o += 24;
  }
#endif
  for (; i < full; i += 4) {
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
  uint32_t v =
      kDecode.t0[q[0]] | kDecode.t1[q[1]] | (pad >= 2 ? 0 : kDecode.t2[q[2]]) | (pad >= 1 ? 0 : kDecode.t3[q[3]]);
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
