#include "protocol/sigv4_signer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/sigv4_test_vector.h"

namespace sluice::protocol::sigv4 {
namespace {

TEST(Sigv4SignerTest, SignRequestProducesReferenceAuthorization) {
  std::vector<Header> extra = {{"Content-Type", "application/x-amz-json-1.1"},
                               {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
  SignInput in;
  in.host = kHost;
  in.headers = extra;
  in.body = "{}";
  in.access_key_id = kAkid;
  in.secret_access_key = kSecret;
  in.region = "us-east-1";
  in.amz_date = kDate;
  std::string expected =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
      std::string(kSignature);
  EXPECT_EQ(SignRequest(in), expected);
  Signer signer;
  EXPECT_EQ(signer.Sign(in), expected);
  EXPECT_EQ(signer.Sign(in), expected);  // reuse
  in.payload_hash = kBodyHash;
  EXPECT_EQ(signer.Sign(in), expected);
}

}  // namespace
}  // namespace sluice::protocol::sigv4
