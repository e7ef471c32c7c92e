#include "model/hash_key.h"

#include <openssl/md5.h>

#include <algorithm>

namespace sluice::model {

bool MatchesHashKeyPattern(std::string_view t) {
  if (t.empty() || t.size() > 39) return false;
  if (t.size() > 1 && t[0] == '0') return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<HashKey> ParseHashKey(std::string_view t) {
  if (!MatchesHashKeyPattern(t)) return std::nullopt;
  HashKey v = 0;
  for (char c : t) {
    HashKey d = static_cast<HashKey>(c - '0');
    if (v > (kMaxHashKey - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::string FormatHashKey(HashKey key) {
  if (key == 0) return "0";
  char buf[40];
  int i = 40;
  while (key > 0) {
    buf[--i] = static_cast<char>('0' + static_cast<int>(key % 10));
    key /= 10;
  }
  return std::string(buf + i, buf + 40);
}

HashKey HashPartitionKey(std::string_view pk) {
  unsigned char digest[MD5_DIGEST_LENGTH];
  // The one-shot low-level MD5 avoids EVP's per-call context allocation on the put path.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  MD5(reinterpret_cast<const unsigned char*>(pk.data()), pk.size(), digest);
#pragma GCC diagnostic pop
  HashKey v = 0;
  for (unsigned char b : digest) v = (v << 8) | b;
  return v;
}

HashKeyRange EvenRange(uint32_t index, uint32_t count) {
  // floor(2^128 / n) computed without 129-bit arithmetic: (2^128-1)/n, +1 when n divides 2^128.
  HashKey width = kMaxHashKey / count;
  if ((kMaxHashKey % count) == count - 1) width += 1;
  HashKeyRange r;
  r.start = width * index;
  r.end = (index + 1 == count) ? kMaxHashKey : width * (index + 1) - 1;
  return r;
}

}  // namespace sluice::model
