#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256): the canonical forms and the signature, shared by
// the server's verifier and the client signer (protocol/sigv4_signer.h), and the parser of the
// Authorization header the server receives. No I/O, no clock: times are passed in. Hashing is
// base/crypto, the X-Amz-Date and Date header forms are base/time_format.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/crypto.h"

namespace sluice::protocol::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Largest tolerated difference between the request time and the server clock.
inline constexpr int64_t kMaxSkewMillis = 5 * 60 * 1000;

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region), service), "aws4_request").
crypto::Digest DeriveSigningKey(std::string_view secret, std::string_view date8, std::string_view region,
                                std::string_view service);

// Remembers the last few derived keys. Not thread-safe: keep one per thread or per signer.
class SigningKeyCache {
 public:
  const crypto::Digest& Get(std::string_view secret, std::string_view date8, std::string_view region,
                            std::string_view service);

 private:
  struct Entry {
    std::string secret;
    std::string scope;  // date8/region/service
    crypto::Digest key{};
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
crypto::HexDigest ComputeSignature(const crypto::Digest& signing_key, std::string_view string_to_sign);

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
