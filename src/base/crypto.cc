#include "base/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace sluice::crypto {

Digest Sha256(std::string_view data) {
  Digest d;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Digest d;
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), d.data(), &len);
  return d;
}

Digest HmacSha256(std::span<const uint8_t> key, std::string_view data) {
  return HmacSha256(key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

HexDigest ToHex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  HexDigest h;
  for (size_t i = 0; i < d.size(); ++i) {
    h[2 * i] = kHex[d[i] >> 4];
    h[2 * i + 1] = kHex[d[i] & 0xf];
  }
  return h;
}

HexDigest Sha256Hex(std::string_view data) { return ToHex(Sha256(data)); }

void Cleanse(void* p, size_t n) { OPENSSL_cleanse(p, n); }

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

}  // namespace sluice::crypto
