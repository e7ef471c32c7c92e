#pragma once
#include <cstdint>
#include <string>

namespace sluice {

// Cryptographically strong random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
void SecureRandomBytes(void* out, size_t n);
// Fast per-thread PRNG for non-security uses (request ids, jitter).
uint64_t FastRandom64();
// RFC 4122 version-4 UUID text, e.g. for x-amzn-RequestId.
std::string NewUuid();

}  // namespace sluice
