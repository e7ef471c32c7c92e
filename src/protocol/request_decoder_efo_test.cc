// Request decoder: enhanced fan-out requests (consumers and SubscribeToShard) and their model constraints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "protocol/request_decoder.h"
#include "protocol/request_decoder_test_fixture.h"
#include "protocol/validation.h"

namespace sluice::protocol {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kConsumerArn = "arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/app:1701760153";

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

TEST(ConsumerArnPattern, AcceptsWhatTheModelAccepts) {
  for (std::string_view ok : {
           kConsumerArn,
           std::string_view("arn:aws-cn:kinesis:cn-north-1:123456789012:stream/a.b-c_d/consumer/X-1_.y:0"),
           std::string_view("arn:aws:kinesis::123456789012:stream/s/consumer/c:1"),
           // ".*" after the account and around the region may hold anything but line ends.
           std::string_view("arn:aws:kinesis:a:b:c:123456789012:prefix/stream/s/consumer/c:12"),
       })
    EXPECT_TRUE(MatchesConsumerArn(ok)) << ok;
  for (std::string_view bad : {
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s1"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/app"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/app:"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/app:12a"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/a b:1"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/:1"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream//consumer/c:1"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s!/consumer/c:1"),
           std::string_view("arn:aws:kinesis:us-east-1:12345678901:stream/s/consumer/c:1"),
           std::string_view("arn:aws:sqs:us-east-1:123456789012:stream/s/consumer/c:1"),
           std::string_view("arn:gcp:kinesis:us-east-1:123456789012:stream/s/consumer/c:1"),
           std::string_view("arn:aws:kinesis:us-east-1:123456789012:stream/s/consumers/c:1"),
           std::string_view("arn:aws:kinesis:us\n:123456789012:stream/s/consumer/c:1"),
           std::string_view("stream/s/consumer/c:1"),
           std::string_view(""),
       })
    EXPECT_FALSE(MatchesConsumerArn(bad)) << bad;
}

// ---------------------------------------------------------------------------------------------
// RegisterStreamConsumer

TEST_F(DecoderTest, RegisterStreamConsumer) {
  RegisterStreamConsumerRequest r;
  ASSERT_TRUE(Decode(std::string(R"({"StreamARN":")") + std::string(kArn) +
                         R"(","ConsumerName":"app-1","Tags":{"k":"v"},"StreamId":"x","Unknown":[1]})",
                     &r)
                  .ok());
  EXPECT_EQ(*r.stream_arn, kArn);
  EXPECT_EQ(*r.consumer_name, "app-1");
  ASSERT_TRUE(r.tags.has_value());
  ASSERT_EQ(r.tags->size(), 1u);
  EXPECT_EQ((*r.tags)[0].first, "k");

  ExpectValidation<RegisterStreamConsumerRequest>(
      "{}",
      "2 validation errors detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null; "
      "Value null at 'consumerName' failed to satisfy constraint: Member must not be null");
  ExpectValidation<RegisterStreamConsumerRequest>(R"({"StreamARN":null,"ConsumerName":"c"})", NotNull("streamARN"));
  ExpectValidation<RegisterStreamConsumerRequest>("{\"StreamARN\":" + Quoted(kArn) + "}", NotNull("consumerName"));
  ExpectValidation<RegisterStreamConsumerRequest>(
      "{\"StreamARN\":" + Quoted(kArn) + ",\"ConsumerName\":\"a b\"}",
      "1 validation error detected: Value 'a b' at 'consumerName' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: [a-zA-Z0-9_.-]+");
  std::string long_name(129, 'c');
  ExpectValidation<RegisterStreamConsumerRequest>(
      "{\"StreamARN\":" + Quoted(kArn) + ",\"ConsumerName\":" + Quoted(long_name) + "}",
      "1 validation error detected: Value '" + long_name +
          "' at 'consumerName' failed to satisfy constraint: Member must have length less than or equal to 128");
  ExpectOk<RegisterStreamConsumerRequest>("{\"StreamARN\":" + Quoted(kArn) +
                                          ",\"ConsumerName\":" + Quoted(std::string(128, 'c')) + "}");
  ExpectValidation<RegisterStreamConsumerRequest>(
      R"({"StreamARN":"s1","ConsumerName":"c"})",
      "1 validation error detected: Value 's1' at 'streamARN' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  ExpectValidation<RegisterStreamConsumerRequest>(
      "{\"StreamARN\":" + Quoted(kArn) + ",\"ConsumerName\":\"c\",\"Tags\":{}}",
      "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1");
  ExpectSerialization<RegisterStreamConsumerRequest>("{\"StreamARN\":" + Quoted(kArn) + ",\"ConsumerName\":5}");
  ExpectSerialization<RegisterStreamConsumerRequest>(R"({"StreamARN":["x"],"ConsumerName":"c"})");
  ExpectSerialization<RegisterStreamConsumerRequest>("{\"StreamARN\":" + Quoted(kArn) +
                                                     ",\"ConsumerName\":\"c\",\"Tags\":[]}");
}

// ---------------------------------------------------------------------------------------------
// DescribeStreamConsumer / DeregisterStreamConsumer

template <typename R>
void CheckConsumerRef(DecoderTest* t) {
  R r;
  ASSERT_TRUE(t->DecodeFor("{\"ConsumerARN\":" + Quoted(kConsumerArn) + "}", &r).ok());
  EXPECT_EQ(*r.consumer_arn, kConsumerArn);
  EXPECT_FALSE(r.stream_arn.has_value());
  EXPECT_FALSE(r.consumer_name.has_value());
  ASSERT_TRUE(
      t->DecodeFor("{\"StreamARN\":" + Quoted(kArn) + ",\"ConsumerName\":\"app\",\"StreamId\":\"i\"}", &r).ok());
  EXPECT_EQ(*r.stream_arn, kArn);
  EXPECT_EQ(*r.consumer_name, "app");
  EXPECT_FALSE(r.consumer_arn.has_value());
  // Nothing is required by the model: which members name a consumer is checked by the handler.
  ASSERT_TRUE(t->DecodeFor("{}", &r).ok());
  ASSERT_TRUE(t->DecodeFor(R"({"ConsumerARN":null,"StreamARN":null,"ConsumerName":null})", &r).ok());
  EXPECT_FALSE(r.consumer_arn.has_value());

  Status st = t->DecodeFor(R"({"ConsumerARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1"})", &r);
  EXPECT_EQ(st.code(), Errc::kValidation);
  EXPECT_EQ(st.message(),
            "1 validation error detected: Value 'arn:aws:kinesis:us-east-1:123456789012:stream/s1' at 'consumerARN' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+");
  st = t->DecodeFor(R"({"ConsumerARN":"","ConsumerName":"","StreamARN":""})", &r);
  EXPECT_EQ(st.code(), Errc::kValidation);
  EXPECT_THAT(st.message(), HasSubstr("6 validation errors detected"));
  EXPECT_THAT(st.message(), HasSubstr("Value '' at 'consumerARN' failed to satisfy constraint: Member must have length "
                                      "greater than or equal to 1"));
  st = t->DecodeFor(R"({"ConsumerName":"x/y"})", &r);
  EXPECT_EQ(st.code(), Errc::kValidation);
  EXPECT_THAT(st.message(), HasSubstr("at 'consumerName'"));
  st = t->DecodeFor(R"({"ConsumerARN":1})", &r);
  EXPECT_EQ(st.code(), Errc::kSerialization);
}

TEST_F(DecoderTest, DescribeStreamConsumer) { CheckConsumerRef<DescribeStreamConsumerRequest>(this); }
TEST_F(DecoderTest, DeregisterStreamConsumer) { CheckConsumerRef<DeregisterStreamConsumerRequest>(this); }

// ---------------------------------------------------------------------------------------------
// ListStreamConsumers

TEST_F(DecoderTest, ListStreamConsumers) {
  ListStreamConsumersRequest r;
  ASSERT_TRUE(Decode("{\"StreamARN\":" + Quoted(kArn) +
                         R"(,"MaxResults":5,"NextToken":"tok","StreamCreationTimestamp":1701760153.593})",
                     &r)
                  .ok());
  EXPECT_EQ(*r.stream_arn, kArn);
  EXPECT_EQ(r.max_results, 5);
  EXPECT_EQ(*r.next_token, "tok");
  EXPECT_EQ(r.stream_creation_timestamp, 1701760153593);

  ExpectValidation<ListStreamConsumersRequest>("{}", NotNull("streamARN"));
  ExpectValidation<ListStreamConsumersRequest>(
      "{\"StreamARN\":" + Quoted(kArn) + ",\"MaxResults\":0}",
      "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value "
      "greater than or equal to 1");
  ExpectValidation<ListStreamConsumersRequest>(
      "{\"StreamARN\":" + Quoted(kArn) + ",\"MaxResults\":10001}",
      "1 validation error detected: Value '10001' at 'maxResults' failed to satisfy constraint: Member must have "
      "value less than or equal to 10000");
  ExpectOk<ListStreamConsumersRequest>("{\"StreamARN\":" + Quoted(kArn) + ",\"MaxResults\":10000}");
  ExpectValidation<ListStreamConsumersRequest>(
      "{\"StreamARN\":" + Quoted(kArn) + ",\"NextToken\":\"\"}",
      "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1");
  ExpectSerialization<ListStreamConsumersRequest>("{\"StreamARN\":" + Quoted(kArn) +
                                                  ",\"StreamCreationTimestamp\":\"2023\"}");
  ExpectSerialization<ListStreamConsumersRequest>("{\"StreamARN\":" + Quoted(kArn) + ",\"MaxResults\":\"5\"}");
}

// ---------------------------------------------------------------------------------------------
// SubscribeToShard

std::string Subscribe(std::string_view starting_position) {
  return "{\"ConsumerARN\":" + Quoted(kConsumerArn) +
         ",\"ShardId\":\"shardId-000000000000\",\"StartingPosition\":" + std::string(starting_position) + "}";
}

TEST_F(DecoderTest, SubscribeToShard) {
  SubscribeToShardRequest r;
  ASSERT_TRUE(Decode(Subscribe(R"({"Type":"AT_SEQUENCE_NUMBER","SequenceNumber":"4960","Extra":1})"), &r).ok());
  EXPECT_EQ(*r.consumer_arn, kConsumerArn);
  EXPECT_EQ(*r.shard_id, "shardId-000000000000");
  EXPECT_TRUE(r.has_starting_position);
  EXPECT_EQ(*r.starting_type, "AT_SEQUENCE_NUMBER");
  EXPECT_EQ(*r.starting_sequence_number, "4960");
  EXPECT_FALSE(r.starting_timestamp.has_value());

  ASSERT_TRUE(Decode(Subscribe(R"({"Type":"AT_TIMESTAMP","Timestamp":1701760153.5})"), &r).ok());
  EXPECT_EQ(r.starting_timestamp, 1701760153500);
  EXPECT_FALSE(r.starting_sequence_number.has_value());
  for (const char* type : {"AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST"})
    ExpectOk<SubscribeToShardRequest>(Subscribe(std::string(R"({"Type":")") + type + "\"}"));

  ExpectValidation<SubscribeToShardRequest>(
      "{}",
      "3 validation errors detected: Value null at 'consumerARN' failed to satisfy constraint: Member must not be "
      "null; Value null at 'shardId' failed to satisfy constraint: Member must not be null; Value null at "
      "'startingPosition' failed to satisfy constraint: Member must not be null");
  ExpectValidation<SubscribeToShardRequest>(Subscribe("null"), NotNull("startingPosition"));
  ExpectValidation<SubscribeToShardRequest>(Subscribe("{}"), NotNull("startingPosition.type"));
  ExpectValidation<SubscribeToShardRequest>(
      Subscribe(R"({"Type":"AT_LATEST"})"),
      "1 validation error detected: Value 'AT_LATEST' at 'startingPosition.type' failed to satisfy constraint: "
      "Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, "
      "AT_TIMESTAMP]");
  ExpectValidation<SubscribeToShardRequest>(
      Subscribe(R"({"Type":"AT_SEQUENCE_NUMBER","SequenceNumber":"01"})"),
      "1 validation error detected: Value '01' at 'startingPosition.sequenceNumber' failed to satisfy constraint: "
      "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
  ExpectValidation<SubscribeToShardRequest>(
      "{\"ConsumerARN\":" + Quoted(kConsumerArn) + R"(,"ShardId":"shard 0","StartingPosition":{"Type":"LATEST"}})",
      "1 validation error detected: Value 'shard 0' at 'shardId' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: [a-zA-Z0-9_.-]+");
  {
    SubscribeToShardRequest bad;
    Status st = Decode("{\"ConsumerARN\":" + Quoted(kArn) +
                           R"(,"ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}})",
                       &bad);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), HasSubstr("at 'consumerARN' failed to satisfy constraint: Member must satisfy regular "
                                        "expression pattern"));
  }
  ExpectSerialization<SubscribeToShardRequest>(Subscribe(R"("LATEST")"));
  ExpectSerialization<SubscribeToShardRequest>(Subscribe(R"({"Type":1})"));
  ExpectSerialization<SubscribeToShardRequest>(Subscribe(R"({"Type":"AT_TIMESTAMP","Timestamp":"now"})"));
  ExpectSerialization<SubscribeToShardRequest>(Subscribe(R"({"Type":"LATEST","SequenceNumber":5})"));
}

}  // namespace
}  // namespace sluice::protocol
