// libFuzzer target for shard iterator tokens, which clients hand back to us verbatim:
//   1. DecodeShardIterator on the input as text must not crash, and anything it accepts must
//      be the canonical encoding of what it decoded (a forged or altered token never verifies).
//   2. The input's first 28 bytes taken as a position must round-trip through Encode/Decode.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "model/shard_iterator.h"

using namespace sluice::model;

namespace {

IteratorKey FuzzKey() {
  IteratorKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0x5A ^ i);  // seeds use this key
  return k;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const IteratorKey key = FuzzKey();
  static const IteratorKey other = [] {
    IteratorKey k = FuzzKey();
    k[0] ^= 1;
    return k;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto pos = DecodeShardIterator(key, text);
  if (pos) {
    Check(EncodeShardIterator(key, *pos) == text, "accepted a non-canonical token");
    Check(!DecodeShardIterator(other, text).has_value(), "token verified under two keys");
  }
  (void)DecodeShardIterator(other, text);

  if (size >= 28) {
    IteratorPosition p;
    std::memcpy(&p.stream_uid, data, 8);
    std::memcpy(&p.shard_index, data + 8, 4);
    std::memcpy(&p.offset, data + 12, 8);
    std::memcpy(&p.issued_at_ms, data + 20, 8);
    std::string token = EncodeShardIterator(key, p);
    auto back = DecodeShardIterator(key, token);
    Check(back.has_value() && *back == p, "round trip");
    Check(!DecodeShardIterator(other, token).has_value(), "wrong key accepted");
  }
  return 0;
}
