#include "catalog/consumer_arn.h"

#include <gtest/gtest.h>

#include "catalog/stream.h"

namespace sluice::catalog {
namespace {

TEST(ConsumerArnTest, BuildsAndParsesBack) {
  std::string arn = ConsumerArn(StreamArn("eu-west-1", "123456789012", "orders"), "app.v2-x_1", 1'701'760'153);
  EXPECT_EQ(arn, "arn:aws:kinesis:eu-west-1:123456789012:stream/orders/consumer/app.v2-x_1:1701760153");
  auto parts = ParseConsumerArn(arn);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->partition, "aws");
  EXPECT_EQ(parts->region, "eu-west-1");
  EXPECT_EQ(parts->account, "123456789012");
  EXPECT_EQ(parts->stream, "orders");
  EXPECT_EQ(parts->consumer, "app.v2-x_1");
  EXPECT_EQ(parts->epoch_seconds, 1'701'760'153u);
}

TEST(ConsumerArnTest, OtherPartitionsAndLimits) {
  auto parts = ParseConsumerArn("arn:aws-cn:kinesis:cn-north-1:000000000000:stream/s/consumer/c:4294967295");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->partition, "aws-cn");
  EXPECT_EQ(parts->epoch_seconds, 4294967295u);
  EXPECT_TRUE(ParseConsumerArn("arn:aws:kinesis:r:000000000000:stream/s/consumer/c:4294967296").ok());
  std::string name(128, 'n');
  EXPECT_TRUE(ParseConsumerArn("arn:aws:kinesis:r:000000000000:stream/" + name + "/consumer/" + name + ":0").ok());
}

TEST(ConsumerArnTest, RejectsMalformed) {
  for (std::string_view bad : {
           "",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:-1",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:18446744073709551616",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1x",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/:1",
           "arn:aws:kinesis:us-east-1:123456789012:stream//consumer/c:1",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c/d:1",
           "arn:aws:kinesis:us-east-1:123456789012:stream/s!/consumer/c:1",
           "arn:aws:kinesis:us-east-1:12345678901a:stream/s/consumer/c:1",
           "arn:aws:kinesis:us-east-1:1234567890123:stream/s/consumer/c:1",
           "arn:aws:sqs:us-east-1:123456789012:stream/s/consumer/c:1",
           "arn:gcp:kinesis:us-east-1:123456789012:stream/s/consumer/c:1",
           "urn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1",
           "arn:aws:kinesis:us-east-1:123456789012:table/s/consumer/c:1",
       }) {
    auto parts = ParseConsumerArn(bad);
    ASSERT_FALSE(parts.ok()) << bad;
    EXPECT_EQ(parts.status().code(), Errc::kInvalidArgument) << bad;
  }
  std::string long_name(129, 'n');
  EXPECT_FALSE(ParseConsumerArn("arn:aws:kinesis:r:000000000000:stream/s/consumer/" + long_name + ":1").ok());
}

}  // namespace
}  // namespace sluice::catalog
