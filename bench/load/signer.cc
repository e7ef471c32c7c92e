#include "load/signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstring>

namespace sluice::bench {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[p[i] >> 4];
    s[2 * i + 1] = kDigits[p[i] & 15];
  }
  return s;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return Hex(md, sizeof md);
}

std::string Hmac(std::string_view key, std::string_view msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

class BenchSigner final : public RequestSigner {
 public:
  explicit BenchSigner(SigningParams p) : p_(std::move(p)) {}
  std::string PayloadHash(std::string_view body) override { return Sha256Hex(body); }
  std::string Authorization(const SignInput& in) override {
    std::string_view day = in.amz_date.substr(0, 8);
    if (day != key_day_) {
      std::string k = Hmac("AWS4" + p_.secret_key, day);
      k = Hmac(k, p_.region);
      k = Hmac(k, p_.service);
      key_ = Hmac(k, "aws4_request");
      key_day_ = std::string(day);
    }
    std::string canon;
    canon.reserve(512);
    canon.append("POST\n/\n\ncontent-type:").append(in.content_type);
    canon.append("\nhost:").append(in.host);
    canon.append("\nx-amz-date:").append(in.amz_date);
    canon.append("\nx-amz-target:").append(in.target);
    canon.append("\n\ncontent-type;host;x-amz-date;x-amz-target\n").append(in.payload_hash);
    std::string scope = key_day_ + "/" + p_.region + "/" + p_.service + "/aws4_request";
    std::string sts = "AWS4-HMAC-SHA256\n";
    sts.append(in.amz_date).append("\n").append(scope).append("\n").append(Sha256Hex(canon));
    std::string sig = Hmac(key_, sts);
    std::string out = "AWS4-HMAC-SHA256 Credential=";
    out.append(p_.access_key).append("/").append(scope);
    out.append(", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=");
    out.append(Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()));
    return out;
  }
  const char* Name() const override { return "bench-sigv4"; }

 private:
  SigningParams p_;
  std::string key_day_;
  std::string key_;
};

}  // namespace

std::unique_ptr<RequestSigner> MakeBenchSigner(const SigningParams& p) { return std::make_unique<BenchSigner>(p); }

#ifndef SLUICE_BENCH_HAVE_SIGV4
std::unique_ptr<RequestSigner> MakeSluiceSigner(const SigningParams&) { return nullptr; }
#endif

std::string SelfTestSigner(SignerFactory make) {
  SigningParams p;
  p.access_key = "AKIDEXAMPLE";
  p.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  p.region = "us-east-1";
  auto signer = make(p);
  if (!signer) return "signer not available";
  RequestSigner& s = *signer;
  // kinesis-protocol.md 1.7. The reference signs content-type;host;x-amz-date;x-amz-target
  // (botocore's set), which is also the set this generator sends.
  const std::string body = "{}";
  std::string h = s.PayloadHash(body);
  if (h != "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a") return "payload hash mismatch: " + h;
  SignInput in{"127.0.0.1:4567", "20150830T123600Z", "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", h};
  std::string auth = s.Authorization(in);
  const std::string want = "62612d5f6ea0d1a861a0e7ede240a2a4dc4b9540b53bb83c8368f278800a3a3b";
  if (auth.size() < want.size() || auth.compare(auth.size() - want.size(), want.size(), want) != 0)
    return "signature mismatch: " + auth;
  return "";
}

}  // namespace sluice::bench
