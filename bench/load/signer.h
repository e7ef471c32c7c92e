#pragma once
// Request signing for the load generator: RequestSigner adapts the project's own SigV4 signer
// (load/sluice_signer.cc) to what the generator needs (a cached payload hash per reused body).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::bench {

struct SigningParams {
  std::string access_key = "AKIDSLUICEBENCH";
  std::string secret_key = "sluice-bench-secret";
  std::string region = "us-east-1";
  std::string service = "kinesis";
};

// Everything that goes into the canonical request of a Kinesis JSON POST. The signed
// header set is botocore's: content-type;host;x-amz-date;x-amz-target.
struct SignInput {
  std::string_view host;          // "127.0.0.1:4567"
  std::string_view amz_date;      // "20261126T010203Z"
  std::string_view target;        // "Kinesis_20131202.PutRecords"
  std::string_view content_type;  // "application/x-amz-json-1.1"
  std::string_view payload_hash;  // lowercase hex SHA-256 of the body
};

class RequestSigner {
 public:
  virtual ~RequestSigner() = default;
  // Lowercase hex SHA-256 of body (callers cache it: benchmark bodies are reused).
  virtual std::string PayloadHash(std::string_view body) = 0;
  // The complete Authorization header value.
  virtual std::string Authorization(const SignInput& in) = 0;
  virtual const char* Name() const = 0;
};

// The project's SigV4 signer behind RequestSigner.
std::unique_ptr<RequestSigner> MakeSluiceSigner(const SigningParams& p);

using SignerFactory = std::unique_ptr<RequestSigner> (*)(const SigningParams&);
// Checks an implementation against the reference test vector in
// kinesis-protocol.md section 1.7. Returns an empty string on success, else a message.
std::string SelfTestSigner(SignerFactory make);

}  // namespace sluice::bench
