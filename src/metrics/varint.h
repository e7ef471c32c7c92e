#pragma once
// Compact integer and double encodings shared by the sketch codec, the store's chunk codec and
// metric ids: LEB128 varints, zigzag for signed values, and doubles written as a zigzag varint
// when they hold a small integer (counts, byte totals) or as 8 raw bytes otherwise.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::metrics::varint {

inline void PutU64(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline bool GetU64(std::string_view* in, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in->empty()) return false;
    const auto b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline void PutI64(int64_t v, std::string* out) { PutU64(ZigZag(v), out); }
inline bool GetI64(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!GetU64(in, &u)) return false;
  *v = UnZigZag(u);
  return true;
}

// True when `d` round-trips through int64 exactly (and is not -0.0), so it can be a varint.
inline bool IsSmallInteger(double d) {
  return d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == std::trunc(d) && !(d == 0 && std::signbit(d));
}

inline void PutRawDouble(double d, std::string* out) {
  char b[8];
  std::memcpy(b, &d, 8);
  out->append(b, 8);
}
inline bool GetRawDouble(std::string_view* in, double* d) {
  if (in->size() < 8) return false;
  std::memcpy(d, in->data(), 8);
  in->remove_prefix(8);
  return true;
}

// A double whose form the caller records in a flag bit (IsSmallInteger → varint, else raw).
inline void PutDouble(double d, bool as_int, std::string* out) {
  if (as_int) {
    PutI64(static_cast<int64_t>(d), out);
  } else {
    PutRawDouble(d, out);
  }
}
inline bool GetDouble(std::string_view* in, bool as_int, double* d) {
  if (!as_int) return GetRawDouble(in, d);
  int64_t v;
  if (!GetI64(in, &v)) return false;
  *d = static_cast<double>(v);
  return true;
}

inline void PutString(std::string_view s, std::string* out) {
  PutU64(s.size(), out);
  out->append(s);
}
inline bool GetString(std::string_view* in, std::string* out) {
  uint64_t n;
  if (!GetU64(in, &n) || n > in->size()) return false;
  out->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

}  // namespace sluice::metrics::varint
