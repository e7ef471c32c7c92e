#include "base/json_escape.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace sluice {
namespace {

// How JSON writes each byte: 0 = as itself (bytes >= 0x80, UTF-8, pass through), else the
// character after the backslash ('u' for the \u00XX form of the other control characters).
constexpr std::array<char, 256> kJsonEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['"'] = '"';
  t['\\'] = '\\';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['\b'] = 'b';
  t['\f'] = 'f';
  return t;
}();

// Bytes an escaped byte adds to the output.
inline size_t JsonEscapeExtra(unsigned char c) {
  const char e = kJsonEscape[c];
  return e == 0 ? 0 : e == 'u' ? 5 : 1;
}

#ifdef __SSE2__
// Bit i set if p[i] needs escaping (< 0x20, '"', '\\').
inline unsigned JsonEscapeMask16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);  // unsigned v <= 0x1f
  const __m128i hit =
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))), ctrl);
  return static_cast<unsigned>(_mm_movemask_epi8(hit));
}
#endif

// The first byte in [p, end) that needs escaping, or end.
const char* FindJsonEscape(const char* p, const char* end) {
#ifdef __SSE2__
  for (; end - p >= 16; p += 16)
    if (unsigned mask = JsonEscapeMask16(p)) return p + __builtin_ctz(mask);
#endif
  // 8 bytes at a time: per test, the lowest flagged byte is exact (a false positive can only sit
  // above a true one, where a borrow came from), so the lowest flag of the union is the answer.
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto zero_bytes = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t hit = ((w - kOnes * 0x20) & ~w & kHigh) | zero_bytes(w ^ (kOnes * '"')) | zero_bytes(w ^ (kOnes * '\\'));
    static_assert(std::endian::native == std::endian::little, "the lowest byte must come first");
    if (hit) return p + __builtin_ctzll(hit) / 8;
  }
  while (p < end && kJsonEscape[static_cast<unsigned char>(*p)] == 0) ++p;
  return p;
}

// Output bytes that [p, end) adds beyond its own length.
size_t JsonEscapeExtra(const char* p, const char* end) {
  size_t extra = 0;
#ifdef __SSE2__
  for (; end - p >= 16; p += 16)
    for (unsigned m = JsonEscapeMask16(p); m != 0; m &= m - 1)
      extra += JsonEscapeExtra(static_cast<unsigned char>(p[__builtin_ctz(m)]));
#endif
  for (; p < end; ++p) extra += JsonEscapeExtra(static_cast<unsigned char>(*p));
  return extra;
}

inline char* PutJsonByte(char* w, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char e = kJsonEscape[c];
  if (e == 0) {
    *w = static_cast<char>(c);
    return w + 1;
  }
  w[0] = '\\';
  if (e != 'u') {
    w[1] = e;
    return w + 2;
  }
  const char u[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  std::memcpy(w + 1, u, 5);
  return w + 6;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  const char* q = FindJsonEscape(p, end);
  if (q == end) {  // nothing to escape: the common case
    out->push_back('"');
    out->append(p, s.size());
    out->push_back('"');
    return;
  }
  // Size the result exactly, then write it in place: no per-byte appends. Blocks of 16 clean
  // bytes are copied whole.
  const size_t at = out->size();
  out->resize(at + s.size() + 2 + JsonEscapeExtra(q, end));
  char* w = out->data() + at;
  *w++ = '"';
  std::memcpy(w, p, static_cast<size_t>(q - p));
  w += q - p;
#ifdef __SSE2__
  for (; end - q >= 16; q += 16) {
    if (JsonEscapeMask16(q) == 0) {
      std::memcpy(w, q, 16);
      w += 16;
    } else {
      for (int i = 0; i < 16; ++i) w = PutJsonByte(w, static_cast<unsigned char>(q[i]));
    }
  }
#endif
  for (; q < end; ++q) w = PutJsonByte(w, static_cast<unsigned char>(*q));
  *w = '"';
}

}  // namespace sluice
