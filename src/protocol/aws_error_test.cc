#include "protocol/aws_error.h"

#include <gtest/gtest.h>

namespace sluice::protocol {
namespace {

TEST(AwsErrorTest, RecordErrorCodes) {
  EXPECT_EQ(RecordErrorCode(RecordError::kProvisionedThroughputExceeded), "ProvisionedThroughputExceededException");
  EXPECT_EQ(RecordErrorCode(RecordError::kInternalFailure), "InternalFailure");
}

TEST(AwsErrorTest, CborErrorBodyUsesShortestTextHeads) {
  const std::string message(300, 'm');
  std::string body = EncodeErrorBody(AwsErrorType::kLimitExceeded, message, BodyEncoding::kCbor);
  std::string want = "\xA2\x66__type\x76LimitExceededException\x67message\x79\x01\x2C" + message;
  EXPECT_EQ(body, want);
}

}  // namespace
}  // namespace sluice::protocol
