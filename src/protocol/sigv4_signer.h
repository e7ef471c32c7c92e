#pragma once
// The SigV4 client signer: builds the Authorization header for a request, as SDKs do. Used by
// tests and the load generator; the server only verifies (protocol/sigv4.h).
//
// Allocation-light on purpose: the load generator signs every request, so Signer::Sign reuses its
// scratch buffers and caches the derived signing key (which changes once a day per credential
// and region).
#include <span>
#include <string>
#include <string_view>

#include "protocol/sigv4.h"

namespace sluice::protocol::sigv4 {

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
}  // namespace sluice::protocol::sigv4
