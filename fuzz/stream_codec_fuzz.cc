// libFuzzer target for metadata rows (catalog/stream_codec.h), read back from SQLite at every
// start: DecodeStream must not crash on any bytes, and what it accepts must survive an
// encode/decode round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "catalog/stream_codec.h"

using namespace sluice::catalog;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto s = DecodeStream(in);
  if (!s.ok()) return 0;
  std::string once = EncodeStream(*s);
  auto again = DecodeStream(once);
  if (!again.ok() || EncodeStream(*again) != once) {
    std::fprintf(stderr, "invariant violated: accepted row does not round-trip\n");
    std::abort();
  }
  return 0;
}
