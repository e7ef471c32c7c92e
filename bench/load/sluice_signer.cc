// Adapts the project's SigV4 signer (src/protocol/sigv4_signer.h) to the load generator's
// RequestSigner interface.
#include <array>

#include "base/crypto.h"
#include "load/signer.h"
#include "protocol/sigv4_signer.h"

namespace sluice::bench {
namespace {

namespace sv4 = sluice::protocol::sigv4;

class SluiceSigner final : public RequestSigner {
 public:
  explicit SluiceSigner(SigningParams p) : p_(std::move(p)) {}
  std::string PayloadHash(std::string_view body) override { return std::string(crypto::View(crypto::Sha256Hex(body))); }
  std::string Authorization(const SignInput& in) override {
    std::array<sv4::Header, 2> headers{sv4::Header{"content-type", in.content_type},
                                       sv4::Header{"x-amz-target", in.target}};
    sv4::SignInput s;
    s.host = in.host;
    s.headers = headers;
    s.payload_hash = in.payload_hash;
    s.access_key_id = p_.access_key;
    s.secret_access_key = p_.secret_key;
    s.region = p_.region;
    s.service = p_.service;
    s.amz_date = in.amz_date;
    return std::string(signer_.Sign(s));
  }
  const char* Name() const override { return "sluice-sigv4"; }

 private:
  SigningParams p_;
  sv4::Signer signer_;
};

}  // namespace

std::unique_ptr<RequestSigner> MakeSluiceSigner(const SigningParams& p) { return std::make_unique<SluiceSigner>(p); }

}  // namespace sluice::bench
