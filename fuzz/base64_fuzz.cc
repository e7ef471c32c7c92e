// libFuzzer target for base64 (the PutRecords/GetRecords hot path, with a vectorised decoder):
//   1. Decode on the input as text agrees with a plain scalar reference decoder (same verdict,
//      same bytes) and never writes past MaxDecodedSize.
//   2. The input as bytes round-trips through Encode/Decode, and Encode matches the reference.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64.h"

using namespace sluice;

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

int Val(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 4648 decoding with padding only at the end ("x=" followed by '=' or nothing); trailing
// bits are not required to be zero (as Sluice's decoder accepts them).
bool ReferenceDecode(std::string_view t, std::string* out) {
  out->clear();
  if (t.size() % 4 != 0) return false;
  for (size_t i = 0; i < t.size(); i += 4) {
    bool last = i + 4 == t.size();
    int pad = 0;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      uint8_t c = static_cast<uint8_t>(t[i + k]);
      if (c == '=') {
        if (!last || k < 2) return false;
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad) return false;  // data after padding
      int d = Val(c);
      if (d < 0) return false;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out->push_back(static_cast<char>(v >> 16));
    if (pad < 2) out->push_back(static_cast<char>(v >> 8));
    if (pad < 1) out->push_back(static_cast<char>(v));
  }
  return true;
}

std::string ReferenceEncode(std::string_view in) {
  static const char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<uint8_t>(in[i + k]) : 0);
    out.push_back(kA[(v >> 18) & 63]);
    out.push_back(kA[(v >> 12) & 63]);
    out.push_back(n > 1 ? kA[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kA[v & 63] : '=');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  // 1. Decode arbitrary text into a buffer of exactly MaxDecodedSize bytes (ASan checks bounds).
  size_t max = base64::MaxDecodedSize(size);
  std::vector<uint8_t> buf(max ? max : 1);
  size_t written = 0;
  base64::DecodeError err = base64::Decode(text, buf.data(), &written);
  std::string expect;
  bool ref_ok = ReferenceDecode(text, &expect);
  Check((err == base64::DecodeError::kNone) == ref_ok, "verdict differs from the reference decoder");
  if (ref_ok) {
    Check(written == expect.size(), "decoded length differs");
    Check(std::memcmp(buf.data(), expect.data(), written) == 0, "decoded bytes differ");
  } else {
    Check(err == (size % 4 ? base64::DecodeError::kBadLength : base64::DecodeError::kBadCharacter), "error kind");
  }

  // 2. Encode the raw bytes and decode them back.
  std::string enc(base64::EncodedSize(size), '\0');
  base64::Encode(data, size, enc.data());
  Check(enc == ReferenceEncode(text), "Encode differs from the reference encoder");
  std::string back;
  Check(base64::DecodeToString(enc, &back) && back == text, "round trip");
  return 0;
}
