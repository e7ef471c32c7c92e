#pragma once
// SHA-256 and HMAC-SHA256 (one-shot OpenSSL calls: no EVP context allocated per call), lowercase
// hex, and a constant-time comparison for secrets.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::crypto {

using Digest = std::array<uint8_t, 32>;  // SHA-256 / HMAC-SHA256 output
using HexDigest = std::array<char, 64>;  // the digest as lowercase hex

Digest Sha256(std::string_view data);
Digest HmacSha256(std::span<const uint8_t> key, std::string_view data);
Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);
inline Digest HmacSha256(const Digest& key, std::string_view data) {
  return HmacSha256(std::span<const uint8_t>(key.data(), key.size()), data);
}
HexDigest ToHex(const Digest& d);
inline std::string_view View(const HexDigest& h) { return {h.data(), h.size()}; }
HexDigest Sha256Hex(std::string_view data);

// Wipes a buffer that held key material (not optimised away).
void Cleanse(void* p, size_t n);

// Compares in time independent of where the inputs differ (their length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace sluice::crypto
