#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256): pure functions shared by the server (verification)
// and clients / the load generator (signing). No I/O, no clock: times are passed in.
//
// Allocation-light on purpose: the load generator signs every request, so the hot entry point
// (Signer::Sign) reuses its scratch buffers and caches the derived signing key (which changes
// once a day per credential and region).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::protocol::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Largest tolerated difference between the request time and the server clock.
inline constexpr int64_t kMaxSkewMillis = 5 * 60 * 1000;

using Digest = std::array<uint8_t, 32>;
using HexDigest = std::array<char, 64>;

Digest Sha256(std::string_view data);
Digest HmacSha256(std::span<const uint8_t> key, std::string_view data);
inline Digest HmacSha256(const Digest& key, std::string_view data) {
  return HmacSha256(std::span<const uint8_t>(key.data(), key.size()), data);
}
// Lowercase hex, the form SigV4 uses everywhere.
HexDigest ToHex(const Digest& d);
inline std::string_view View(const HexDigest& h) { return {h.data(), h.size()}; }
HexDigest Sha256Hex(std::string_view data);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region), service), "aws4_request").
Digest DeriveSigningKey(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service);

// Remembers the last few derived keys. Not thread-safe: keep one per thread or per signer.
class SigningKeyCache {
 public:
  const Digest& Get(std::string_view secret, std::string_view date8, std::string_view region, std::string_view service);

 private:
  struct Entry {
    std::string secret;
    std::string scope;  // date8/region/service
    Digest key{};
    uint64_t last_use = 0;
  };
  static constexpr size_t kEntries = 8;
  std::array<Entry, kEntries> entries_;
  uint64_t tick_ = 0;
  std::string scope_scratch_;
};

struct Header {
  std::string_view name;   // any case
  std::string_view value;  // raw; trimmed and space-collapsed for the canonical form
};

// URI-encodes per SigV4 (RFC 3986 unreserved left as is); keeps '/' when encode_slash is false.
void AppendUriEncoded(std::string* out, std::string_view s, bool encode_slash);
// The canonical URI of a (raw, possibly percent-encoded) path, as non-S3 services compute it:
// each byte outside the unreserved set and '/' is percent-encoded (so '%' becomes "%25").
void AppendCanonicalUri(std::string* out, std::string_view path);
// Canonical query string from a raw query (without '?'): decoded, re-encoded, sorted by name
// then value, joined with '&'. Empty input gives an empty string.
void AppendCanonicalQuery(std::string* out, std::string_view raw_query);
// Trims and collapses inner runs of spaces/tabs to one space.
void AppendCanonicalHeaderValue(std::string* out, std::string_view value);

// Builds the canonical request. signed_headers is the lowercase, ';'-separated, sorted list;
// for each name the matching entries of `headers` (case-insensitive; repeats joined with ',')
// give the value. Returns false if a signed header is absent from `headers`.
bool AppendCanonicalRequest(std::string* out, std::string_view method, std::string_view path,
                            std::string_view raw_query, std::span<const Header> headers,
                            std::string_view signed_headers, std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex(sha256(canonical_request))>".
void AppendStringToSign(std::string* out, std::string_view amz_date, std::string_view scope,
                        std::string_view canonical_request);

// Lowercase hex HMAC(signing_key, string_to_sign).
HexDigest ComputeSignature(const Digest& signing_key, std::string_view string_to_sign);

// Constant-time comparison (length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// ---- Time ----
// "20150830T123600Z" <-> Unix milliseconds.
std::optional<int64_t> ParseAmzDate(std::string_view s);
// RFC 1123 ("Sun, 30 Aug 2015 12:36:00 GMT"), as a `Date` header may carry it.
std::optional<int64_t> ParseHttpDate(std::string_view s);
// Writes exactly 16 chars "yyyymmddThhmmssZ".
void FormatAmzDate(int64_t unix_millis, char out[16]);
std::string FormatAmzDate(int64_t unix_millis);
// Writes exactly 29 chars "Sun, 30 Aug 2015 12:36:00 GMT".
void FormatHttpDate(int64_t unix_millis, char out[29]);

// ---- Client side ----
struct SignInput {
  std::string_view method = "POST";
  std::string_view path = "/";
  std::string_view query;  // raw, without '?'
  std::string_view host;   // the Host header / :authority value, incl. ":port" if non-default
  // Further headers to sign (e.g. content-type, x-amz-target, x-amz-security-token). host and
  // x-amz-date are always signed and come from `host` / `amz_date`; do not repeat them here.
  std::span<const Header> headers;
  std::string_view body;
  // If non-empty, used as the payload hash instead of hashing `body` (e.g. UNSIGNED-PAYLOAD or
  // a precomputed hash). Callers sending x-amz-content-sha256 should also list it in headers.
  std::string_view payload_hash;
  std::string_view access_key_id;
  std::string_view secret_access_key;
  std::string_view region;
  std::string_view service = "kinesis";
  std::string_view amz_date;  // "yyyymmddThhmmssZ"
};

// Reusable signer: after warm-up, Sign() allocates nothing beyond growth of its buffers.
// Not thread-safe: one per thread.
class Signer {
 public:
  // Returns the Authorization header value; valid until the next Sign() call.
  std::string_view Sign(const SignInput& in);

 private:
  SigningKeyCache keys_;
  std::string canonical_;
  std::string string_to_sign_;
  std::string signed_headers_;
  std::string names_;  // lowercased header names
  std::string authorization_;
};

// Convenience wrapper (allocates); prefer Signer in loops.
std::string SignRequest(const SignInput& in);

// ---- Server side ----
// The Authorization header split into its parts. Views into the header value.
struct ParsedAuthorization {
  std::string_view algorithm;
  std::string_view credential;  // whole "AKID/date/region/service/aws4_request"
  std::string_view access_key_id;
  std::string_view date8;
  std::string_view region;
  std::string_view service;
  std::string_view terminator;
  std::string_view signed_headers;  // "a;b;c"
  std::string_view signature;
};

enum class AuthParseError {
  kOk,
  kMissingParts,  // Credential / Signature / SignedHeaders absent (IncompleteSignature)
  kBadAlgorithm,  // not AWS4-HMAC-SHA256
  kMalformedCredential,
  kMalformedSignedHeaders,
};

struct AuthParseResult {
  AuthParseError error = AuthParseError::kOk;
  bool missing_credential = false;
  bool missing_signature = false;
  bool missing_signed_headers = false;
  // Human-readable reason for errors other than kMissingParts (real-service style).
  std::string message;
  ParsedAuthorization parts;
};

// Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". Tolerates any
// mix of ',' and whitespace between parameters, in any order.
AuthParseResult ParseAuthorization(std::string_view header);

}  // namespace sluice::protocol::sigv4
