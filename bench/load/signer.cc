#include "load/signer.h"

namespace sluice::bench {

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
