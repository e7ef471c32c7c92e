// Request decoder: control-plane requests (stream lifecycle, listing, retention, tags, resharding, stream mode) and
// their model constraints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "protocol/request_decoder.h"
#include "protocol/request_decoder_test_fixture.h"

namespace sluice::protocol {
namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// CreateStream

TEST_F(DecoderTest, CreateStreamAllFields) {
  CreateStreamRequest r;
  Status st = Decode(R"({
    "StreamName": "my-stream_1.x",
    "ShardCount": 3,
    "StreamModeDetails": {"StreamMode": "PROVISIONED", "Extra": 1},
    "Tags": {"team": "data", "env": ""},
    "WarmThroughputMiBps": 0,
    "MaxRecordSizeInKiB": 2048,
    "StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream_1.x",
    "Unknown": {"nested": [1, 2, {"deep": null}]},
    "AlsoUnknown": "x"
  })",
                     &r);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(*r.stream_name, "my-stream_1.x");
  EXPECT_EQ(*r.stream_arn, "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream_1.x");
  EXPECT_EQ(r.shard_count, 3);
  EXPECT_TRUE(r.has_mode_details);
  EXPECT_EQ(*r.stream_mode, "PROVISIONED");
  ASSERT_TRUE(r.tags.has_value());
  ASSERT_EQ(r.tags->size(), 2u);
  EXPECT_EQ((*r.tags)[0].first, "team");
  EXPECT_EQ((*r.tags)[0].second, "data");
  EXPECT_EQ((*r.tags)[1].first, "env");
  EXPECT_EQ((*r.tags)[1].second, "");
  EXPECT_EQ(r.warm_throughput_mibps, 0);
  EXPECT_EQ(r.max_record_size_kib, 2048);
}

TEST_F(DecoderTest, CreateStreamMinimal) {
  CreateStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s"})", &r).ok());
  EXPECT_EQ(*r.stream_name, "s");
  EXPECT_FALSE(r.shard_count.has_value());
  EXPECT_FALSE(r.has_mode_details);
  EXPECT_FALSE(r.stream_mode.has_value());
  EXPECT_FALSE(r.tags.has_value());
  EXPECT_FALSE(r.stream_arn.has_value());
  ASSERT_TRUE(Decode(R"({"StreamName":"s","StreamModeDetails":{"StreamMode":"ON_DEMAND"}})", &r).ok());
  EXPECT_EQ(*r.stream_mode, "ON_DEMAND");
}

TEST_F(DecoderTest, CreateStreamNullIsAbsent) {
  CreateStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","ShardCount":null,"StreamModeDetails":null,"Tags":null,
                         "WarmThroughputMiBps":null,"MaxRecordSizeInKiB":null,"StreamARN":null})",
                     &r)
                  .ok());
  EXPECT_FALSE(r.shard_count.has_value());
  EXPECT_FALSE(r.has_mode_details);
  EXPECT_FALSE(r.tags.has_value());
  EXPECT_FALSE(r.warm_throughput_mibps.has_value());
  EXPECT_FALSE(r.max_record_size_kib.has_value());
  EXPECT_FALSE(r.stream_arn.has_value());
  ExpectValidation<CreateStreamRequest>(R"({"StreamName":null,"ShardCount":1})", NotNull("streamName"));
  ExpectValidation<CreateStreamRequest>(R"({"StreamName":"s","StreamModeDetails":{"StreamMode":null}})",
                                        NotNull("streamModeDetails.streamMode"));
  ExpectValidation<CreateStreamRequest>(R"({"StreamName":"s","StreamModeDetails":{}})",
                                        NotNull("streamModeDetails.streamMode"));
}

TEST_F(DecoderTest, CreateStreamWrongTypes) {
  for (const char* json : {
           R"({"StreamName":5})",
           R"({"StreamName":true})",
           R"({"StreamName":["s"]})",
           R"({"StreamName":{"a":"s"}})",
           R"({"StreamName":"s","ShardCount":"3"})",
           R"({"StreamName":"s","ShardCount":true})",
           R"({"StreamName":"s","ShardCount":[3]})",
           R"({"StreamName":"s","ShardCount":{}})",
           R"({"StreamName":"s","ShardCount":2.5})",
           R"({"StreamName":"s","ShardCount":1e30})",
           R"({"StreamName":"s","StreamModeDetails":"PROVISIONED"})",
           R"({"StreamName":"s","StreamModeDetails":["PROVISIONED"]})",
           R"({"StreamName":"s","StreamModeDetails":{"StreamMode":1}})",
           R"({"StreamName":"s","Tags":[]})",
           R"({"StreamName":"s","Tags":"a=b"})",
           R"({"StreamName":"s","Tags":{"a":1}})",
           R"({"StreamName":"s","Tags":{"a":{"b":"c"}}})",
           R"({"StreamName":"s","MaxRecordSizeInKiB":"2048"})",
           R"({"StreamName":"s","WarmThroughputMiBps":false})",
       }) {
    ExpectSerialization<CreateStreamRequest>(json);
  }
}

TEST_F(DecoderTest, CreateStreamIntegersInOtherNumberForms) {
  CreateStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","ShardCount":4.0})", &r).ok());
  EXPECT_EQ(r.shard_count, 4);
  ASSERT_TRUE(Decode(R"({"StreamName":"s","ShardCount":1e1})", &r).ok());
  EXPECT_EQ(r.shard_count, 10);
}

TEST_F(DecoderTest, CreateStreamNameConstraints) {
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"bad name!","ShardCount":1})",
      "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  std::string long_name(129, 'a');
  ExpectValidation<CreateStreamRequest>(
      "{\"StreamName\":\"" + long_name + "\"}",
      "1 validation error detected: Value '" + long_name +
          "' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128");
  ExpectOk<CreateStreamRequest>("{\"StreamName\":\"" + std::string(128, 'a') + "\"}");
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":""})",
      "2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1; Value '' at 'streamName' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: [a-zA-Z0-9_.-]+");
  for (const char* bad : {"a b", "a/b", "a:b", "\\u00e9", "a\\tb", "a*"}) {
    CreateStreamRequest r;
    Status st = Decode(std::string("{\"StreamName\":\"") + bad + "\"}", &r);
    EXPECT_EQ(st.code(), Errc::kValidation) << bad;
    EXPECT_THAT(st.message(), HasSubstr("regular expression pattern: [a-zA-Z0-9_.-]+")) << bad;
  }
  ExpectOk<CreateStreamRequest>(R"({"StreamName":"AZaz09_.-"})");
}

TEST_F(DecoderTest, CreateStreamNumericConstraints) {
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","ShardCount":0})",
      "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value "
      "greater than or equal to 1");
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","ShardCount":-5})",
      "1 validation error detected: Value '-5' at 'shardCount' failed to satisfy constraint: Member must have value "
      "greater than or equal to 1");
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","MaxRecordSizeInKiB":1023})",
      "1 validation error detected: Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must "
      "have value greater than or equal to 1024");
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","MaxRecordSizeInKiB":10241})",
      "1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must "
      "have value less than or equal to 10240");
  ExpectOk<CreateStreamRequest>(R"({"StreamName":"s","MaxRecordSizeInKiB":1024})");
  ExpectOk<CreateStreamRequest>(R"({"StreamName":"s","MaxRecordSizeInKiB":10240})");
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","WarmThroughputMiBps":-1})",
      "1 validation error detected: Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must "
      "have value greater than or equal to 0");
}

TEST_F(DecoderTest, CreateStreamModeEnum) {
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","StreamModeDetails":{"StreamMode":"provisioned"}})",
      "1 validation error detected: Value 'provisioned' at 'streamModeDetails.streamMode' failed to satisfy "
      "constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
}

TEST_F(DecoderTest, CreateStreamTagConstraints) {
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"s","Tags":{}})",
      "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1");
  std::string many = "{\"StreamName\":\"s\",\"Tags\":{";
  for (int i = 0; i < 201; ++i) many.append(i ? "," : "").append(Num("\"k", i)).append("\":\"v\"");
  many += "}}";
  {
    CreateStreamRequest r;
    Status st = Decode(many, &r);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), HasSubstr("at 'tags' failed to satisfy constraint: Member must have length less than "
                                        "or equal to 200"));
  }
  {
    CreateStreamRequest r;
    Status st = Decode("{\"StreamName\":\"s\",\"Tags\":{\"" + std::string(129, 'k') + "\":\"v\"}}", &r);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), HasSubstr("Member must have length less than or equal to 128"));
  }
  {
    CreateStreamRequest r;
    Status st = Decode("{\"StreamName\":\"s\",\"Tags\":{\"k\":\"" + std::string(257, 'v') + "\"}}", &r);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), HasSubstr("Member must have length less than or equal to 256"));
  }
  {
    CreateStreamRequest r;
    Status st = Decode(R"({"StreamName":"s","Tags":{"":"v"}})", &r);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), HasSubstr("Member must have length greater than or equal to 1"));
  }
  // Lengths count characters, not bytes: 128 two-byte characters is a valid key.
  std::string key;
  for (int i = 0; i < 128; ++i) key += "\xc3\xa9";
  ExpectOk<CreateStreamRequest>("{\"StreamName\":\"s\",\"Tags\":{\"" + key + "\":\"v\"}}");
}

TEST_F(DecoderTest, MultipleErrorsAreCountedAndJoined) {
  ExpectValidation<CreateStreamRequest>(
      R"({"StreamName":"bad name!","ShardCount":0})",
      "2 validation errors detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '0' at 'shardCount' failed to satisfy "
      "constraint: Member must have value greater than or equal to 1");
  ExpectValidation<GetShardIteratorRequest>(
      R"({"StreamName":"s"})",
      "2 validation errors detected: Value null at 'shardId' failed to satisfy constraint: Member must not be null; "
      "Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null");
}

// ---------------------------------------------------------------------------------------------
// Stream-addressed requests share StreamName / StreamARN handling

TEST_F(DecoderTest, StreamArnPattern) {
  DescribeStreamSummaryRequest r;
  ASSERT_TRUE(Decode(std::string("{\"StreamARN\":\"") + std::string(kArn) + "\"}", &r).ok());
  EXPECT_EQ(*r.stream_arn, kArn);
  EXPECT_FALSE(r.stream_name.has_value());
  ExpectValidation<DescribeStreamSummaryRequest>(
      R"({"StreamARN":"arn:aws:kinesis:us-east-1:12345678901:stream/s"})",
      "1 validation error detected: Value 'arn:aws:kinesis:us-east-1:12345678901:stream/s' at 'streamARN' failed to "
      "satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  ExpectValidation<DescribeStreamSummaryRequest>(
      R"({"StreamARN":""})",
      "2 validation errors detected: Value '' at 'streamARN' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1; Value '' at 'streamARN' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  // Neither name nor ARN is a semantic error (handled by the API layer), not a model one.
  ExpectOk<DescribeStreamSummaryRequest>("{}");
  ExpectOk<DeleteStreamRequest>("{}");
}

TEST_F(DecoderTest, DeleteStream) {
  DeleteStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","EnforceConsumerDeletion":true})", &r).ok());
  EXPECT_EQ(*r.stream_name, "s");
  EXPECT_EQ(r.enforce_consumer_deletion, true);
  ASSERT_TRUE(Decode(R"({"StreamName":"s","EnforceConsumerDeletion":false})", &r).ok());
  EXPECT_EQ(r.enforce_consumer_deletion, false);
  ASSERT_TRUE(Decode(R"({"StreamName":"s","EnforceConsumerDeletion":null})", &r).ok());
  EXPECT_FALSE(r.enforce_consumer_deletion.has_value());
  ExpectSerialization<DeleteStreamRequest>(R"({"StreamName":"s","EnforceConsumerDeletion":"true"})");
  ExpectSerialization<DeleteStreamRequest>(R"({"StreamName":"s","EnforceConsumerDeletion":1})");
  ExpectValidation<DeleteStreamRequest>(
      R"({"StreamName":"a b"})",
      "1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: [a-zA-Z0-9_.-]+");
}

TEST_F(DecoderTest, DescribeStream) {
  DescribeStreamRequest r;
  ASSERT_TRUE(
      Decode(R"({"StreamName":"s","Limit":10000,"ExclusiveStartShardId":"shardId-000000000002","X":1})", &r).ok());
  EXPECT_EQ(*r.stream_name, "s");
  EXPECT_EQ(r.limit, 10000);
  EXPECT_EQ(*r.exclusive_start_shard_id, "shardId-000000000002");
  ExpectValidation<DescribeStreamRequest>(
      R"({"StreamName":"s","Limit":0})",
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
      "greater than or equal to 1");
  ExpectValidation<DescribeStreamRequest>(
      R"({"StreamName":"s","Limit":10001})",
      "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value "
      "less than or equal to 10000");
  ExpectValidation<DescribeStreamRequest>(
      R"({"StreamName":"s","ExclusiveStartShardId":"shard id"})",
      "1 validation error detected: Value 'shard id' at 'exclusiveStartShardId' failed to satisfy constraint: "
      "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  ExpectSerialization<DescribeStreamRequest>(R"({"StreamName":"s","Limit":"5"})");
  ExpectSerialization<DescribeStreamRequest>(R"({"StreamName":"s","ExclusiveStartShardId":7})");
}

TEST_F(DecoderTest, ListStreams) {
  ListStreamsRequest r;
  ASSERT_TRUE(Decode(R"({"Limit":5,"ExclusiveStartStreamName":"abc","NextToken":"tok","Other":[]})", &r).ok());
  EXPECT_EQ(r.limit, 5);
  EXPECT_EQ(*r.exclusive_start_stream_name, "abc");
  EXPECT_EQ(*r.next_token, "tok");
  ASSERT_TRUE(Decode(R"({"Limit":null,"ExclusiveStartStreamName":null,"NextToken":null})", &r).ok());
  EXPECT_FALSE(r.limit.has_value());
  EXPECT_FALSE(r.exclusive_start_stream_name.has_value());
  EXPECT_FALSE(r.next_token.has_value());
  ExpectValidation<ListStreamsRequest>(
      R"({"NextToken":""})",
      "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1");
  ExpectValidation<ListStreamsRequest>(
      R"({"ExclusiveStartStreamName":"a!"})",
      "1 validation error detected: Value 'a!' at 'exclusiveStartStreamName' failed to satisfy constraint: Member "
      "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  ExpectValidation<ListStreamsRequest>(
      R"({"Limit":0})",
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
      "greater than or equal to 1");
  ExpectSerialization<ListStreamsRequest>(R"({"Limit":[]})");
  ExpectSerialization<ListStreamsRequest>(R"({"NextToken":1})");
}

TEST_F(DecoderTest, ListShards) {
  ListShardsRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","MaxResults":7,"ExclusiveStartShardId":"shardId-000000000001",
                         "StreamCreationTimestamp":1701760153.593,
                         "ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":1701760000,"Unknown":true}})",
                     &r)
                  .ok());
  EXPECT_EQ(*r.stream_name, "s");
  EXPECT_EQ(r.max_results, 7);
  EXPECT_EQ(*r.exclusive_start_shard_id, "shardId-000000000001");
  EXPECT_EQ(r.stream_creation_timestamp, 1701760153593);
  ASSERT_TRUE(r.shard_filter.has_value());
  EXPECT_EQ(*r.shard_filter->type, "AT_TIMESTAMP");
  EXPECT_EQ(r.shard_filter->timestamp, 1701760000000);
  EXPECT_FALSE(r.shard_filter->shard_id.has_value());

  ASSERT_TRUE(
      Decode(R"({"NextToken":"abc","ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"shardId-000000000003"}})", &r)
          .ok());
  EXPECT_EQ(*r.next_token, "abc");
  EXPECT_FALSE(r.stream_name.has_value());
  EXPECT_EQ(*r.shard_filter->shard_id, "shardId-000000000003");

  ASSERT_TRUE(Decode(R"({"StreamName":"s","ShardFilter":null,"StreamCreationTimestamp":null})", &r).ok());
  EXPECT_FALSE(r.shard_filter.has_value());
  EXPECT_FALSE(r.stream_creation_timestamp.has_value());

  for (const char* type :
       {"AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"})
    ExpectOk<ListShardsRequest>(std::string(R"({"StreamName":"s","ShardFilter":{"Type":")") + type + "\"}}");

  ExpectValidation<ListShardsRequest>(R"({"StreamName":"s","ShardFilter":{}})", NotNull("shardFilter.type"));
  ExpectValidation<ListShardsRequest>(
      R"({"StreamName":"s","ShardFilter":{"Type":"LATEST"}})",
      "1 validation error detected: Value 'LATEST' at 'shardFilter.type' failed to satisfy constraint: Member must "
      "satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, "
      "FROM_TIMESTAMP]");
  ExpectValidation<ListShardsRequest>(
      R"({"StreamName":"s","MaxResults":10001})",
      "1 validation error detected: Value '10001' at 'maxResults' failed to satisfy constraint: Member must have "
      "value less than or equal to 10000");
  ExpectValidation<ListShardsRequest>(
      R"({"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"a b"}})",
      "1 validation error detected: Value 'a b' at 'shardFilter.shardId' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  ExpectSerialization<ListShardsRequest>(R"({"StreamName":"s","StreamCreationTimestamp":"1701760153"})");
  ExpectSerialization<ListShardsRequest>(R"({"StreamName":"s","ShardFilter":"AT_LATEST"})");
  ExpectSerialization<ListShardsRequest>(R"({"StreamName":"s","ShardFilter":{"Type":1}})");
  ExpectSerialization<ListShardsRequest>(R"({"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":"x"}})");
}

TEST_F(DecoderTest, TimestampForms) {
  ListShardsRequest r;
  struct Case {
    const char* text;
    int64_t millis;
  } cases[] = {
      {"1701760153", 1701760153000},
      {"1701760153.593", 1701760153593},
      {"1.701760153593E9", 1701760153593},
      {"1.441215410867E9", 1441215410867},
      {"0", 0},
      {"0.005", 5},
      {"1e3", 1000000},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(Decode(std::string(R"({"StreamName":"s","StreamCreationTimestamp":)") + c.text + "}", &r).ok())
        << c.text;
    EXPECT_EQ(r.stream_creation_timestamp, c.millis) << c.text;
  }
  for (const char* bad : {"true", "[1]", "{}", "\"2023-12-05T07:09:13Z\""})
    ExpectSerialization<ListShardsRequest>(std::string(R"({"StreamName":"s","StreamCreationTimestamp":)") + bad + "}");
}

// ---------------------------------------------------------------------------------------------
// Retention, tags, UpdateMaxRecordSize

TEST_F(DecoderTest, Retention) {
  RetentionRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","RetentionPeriodHours":48})", &r).ok());
  EXPECT_EQ(r.retention_period_hours, 48);
  ExpectValidation<RetentionRequest>(R"({"StreamName":"s"})", NotNull("retentionPeriodHours"));
  ExpectValidation<RetentionRequest>(R"({"StreamName":"s","RetentionPeriodHours":null})",
                                     NotNull("retentionPeriodHours"));
  ExpectSerialization<RetentionRequest>(R"({"StreamName":"s","RetentionPeriodHours":"48"})");
  // The range 24..8760 is semantic (InvalidArgumentException), not a model constraint.
  ExpectOk<RetentionRequest>(R"({"StreamName":"s","RetentionPeriodHours":1})");
}

TEST_F(DecoderTest, AddTagsToStream) {
  AddTagsToStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","Tags":{"a":"1","b":"2","a":"3"}})", &r).ok());
  ASSERT_EQ(r.tags->size(), 2u);
  EXPECT_EQ((*r.tags)[0].first, "a");
  EXPECT_EQ((*r.tags)[0].second, "3");  // a repeated key takes the last value
  EXPECT_EQ((*r.tags)[1].first, "b");
  ExpectValidation<AddTagsToStreamRequest>(R"({"StreamName":"s"})", NotNull("tags"));
  ExpectValidation<AddTagsToStreamRequest>(
      R"({"StreamName":"s","Tags":{}})",
      "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1");
  ExpectSerialization<AddTagsToStreamRequest>(R"({"StreamName":"s","Tags":[{"Key":"a","Value":"b"}]})");
}

TEST_F(DecoderTest, RemoveTagsFromStream) {
  RemoveTagsFromStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","TagKeys":["a","b"]})", &r).ok());
  ASSERT_EQ(r.tag_keys->size(), 2u);
  EXPECT_EQ((*r.tag_keys)[0], "a");
  EXPECT_EQ((*r.tag_keys)[1], "b");
  ExpectValidation<RemoveTagsFromStreamRequest>(R"({"StreamName":"s"})", NotNull("tagKeys"));
  {
    RemoveTagsFromStreamRequest r2;
    Status st = Decode(R"({"StreamName":"s","TagKeys":[]})", &r2);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), HasSubstr("at 'tagKeys' failed to satisfy constraint: Member must have length greater "
                                        "than or equal to 1"));
  }
  std::string keys = "[";
  for (int i = 0; i < 51; ++i) keys += (i ? ",\"k" : "\"k") + std::to_string(i) + "\"";
  keys += "]";
  {
    RemoveTagsFromStreamRequest r2;
    Status st = Decode("{\"StreamName\":\"s\",\"TagKeys\":" + keys + "}", &r2);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(
        st.message(),
        HasSubstr("at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50"));
  }
  ExpectValidation<RemoveTagsFromStreamRequest>(
      R"({"StreamName":"s","TagKeys":["a",""]})",
      "1 validation error detected: Value '' at 'tagKeys.2.member' failed to satisfy constraint: Member must have "
      "length greater than or equal to 1");
  ExpectSerialization<RemoveTagsFromStreamRequest>(R"({"StreamName":"s","TagKeys":"a"})");
  ExpectSerialization<RemoveTagsFromStreamRequest>(R"({"StreamName":"s","TagKeys":[1]})");
  ExpectSerialization<RemoveTagsFromStreamRequest>(R"({"StreamName":"s","TagKeys":[["a"]]})");
}

TEST_F(DecoderTest, ListTagsForStream) {
  ListTagsForStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","ExclusiveStartTagKey":"k","Limit":50})", &r).ok());
  EXPECT_EQ(*r.exclusive_start_tag_key, "k");
  EXPECT_EQ(r.limit, 50);
  ExpectValidation<ListTagsForStreamRequest>(
      R"({"StreamName":"s","Limit":51})",
      "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less "
      "than or equal to 50");
  ExpectValidation<ListTagsForStreamRequest>(
      R"({"StreamName":"s","ExclusiveStartTagKey":""})",
      "1 validation error detected: Value '' at 'exclusiveStartTagKey' failed to satisfy constraint: Member must "
      "have length greater than or equal to 1");
}

TEST_F(DecoderTest, TagResourceFamily) {
  TagResourceRequest t;
  ASSERT_TRUE(
      Decode(R"({"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","Tags":{"a":"b"}})", &t).ok());
  EXPECT_EQ(*t.resource_arn, kArn);
  ASSERT_EQ(t.tags->size(), 1u);
  // Consumer ARNs are resource ARNs.
  ExpectOk<TagResourceRequest>(
      R"({"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/c:1700000000","Tags":{"a":"b"}})");
  ExpectValidation<TagResourceRequest>(R"({"Tags":{"a":"b"}})", NotNull("resourceARN"));
  ExpectValidation<TagResourceRequest>(R"({"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1"})",
                                       NotNull("tags"));
  ExpectValidation<TagResourceRequest>(
      R"({"ResourceARN":"arn:aws:s3:::bucket","Tags":{"a":"b"}})",
      "1 validation error detected: Value 'arn:aws:s3:::bucket' at 'resourceARN' failed to satisfy constraint: "
      "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+");

  UntagResourceRequest u;
  ASSERT_TRUE(Decode(R"({"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","TagKeys":["a"]})", &u).ok());
  EXPECT_EQ(*u.resource_arn, kArn);
  ASSERT_EQ(u.tag_keys->size(), 1u);
  ExpectValidation<UntagResourceRequest>(R"({"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1"})",
                                         NotNull("tagKeys"));
  ExpectSerialization<UntagResourceRequest>(R"({"ResourceARN":5,"TagKeys":["a"]})");

  ListTagsForResourceRequest l;
  ASSERT_TRUE(Decode(R"({"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1"})", &l).ok());
  EXPECT_EQ(*l.resource_arn, kArn);
  ExpectValidation<ListTagsForResourceRequest>("{}", NotNull("resourceARN"));
  ExpectValidation<ListTagsForResourceRequest>(
      R"({"ResourceARN":""})",
      "2 validation errors detected: Value '' at 'resourceARN' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1; Value '' at 'resourceARN' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+");
}

TEST_F(DecoderTest, UpdateMaxRecordSize) {
  UpdateMaxRecordSizeRequest r;
  ASSERT_TRUE(
      Decode(R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","MaxRecordSizeInKiB":2048})", &r).ok());
  EXPECT_EQ(*r.stream_arn, kArn);
  EXPECT_EQ(r.max_record_size_kib, 2048);
  ExpectValidation<UpdateMaxRecordSizeRequest>(R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1"})",
                                               NotNull("maxRecordSizeInKiB"));
  ExpectValidation<UpdateMaxRecordSizeRequest>(
      R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","MaxRecordSizeInKiB":512})",
      "1 validation error detected: Value '512' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must "
      "have value greater than or equal to 1024");
  ExpectValidation<UpdateMaxRecordSizeRequest>(
      R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","MaxRecordSizeInKiB":10241})",
      "1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must "
      "have value less than or equal to 10240");
  ExpectSerialization<UpdateMaxRecordSizeRequest>(R"({"StreamARN":"x","MaxRecordSizeInKiB":"2048"})");
}

TEST_F(DecoderTest, SplitShard) {
  SplitShardRequest r;
  ASSERT_TRUE(
      Decode(R"({"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"123"})", &r).ok());
  EXPECT_EQ(*r.shard_to_split, "shardId-000000000000");
  EXPECT_EQ(*r.new_starting_hash_key, "123");
  ExpectValidation<SplitShardRequest>(R"({"StreamName":"s","NewStartingHashKey":"1"})", NotNull("shardToSplit"));
  ExpectValidation<SplitShardRequest>(R"({"StreamName":"s","ShardToSplit":"x"})", NotNull("newStartingHashKey"));
  ExpectValidation<SplitShardRequest>(
      R"({"StreamName":"s","ShardToSplit":"x","NewStartingHashKey":"012"})",
      "1 validation error detected: Value '012' at 'newStartingHashKey' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
  ExpectValidation<SplitShardRequest>(
      R"({"StreamName":"s","ShardToSplit":"a b","NewStartingHashKey":"1"})",
      "1 validation error detected: Value 'a b' at 'shardToSplit' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  ExpectSerialization<SplitShardRequest>(R"({"StreamName":"s","ShardToSplit":"x","NewStartingHashKey":12})");
}

TEST_F(DecoderTest, MergeShards) {
  MergeShardsRequest r;
  ASSERT_TRUE(Decode(R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","ShardToMerge":"a",)"
                     R"("AdjacentShardToMerge":"b"})",
                     &r)
                  .ok());
  EXPECT_EQ(*r.shard_to_merge, "a");
  EXPECT_EQ(*r.adjacent_shard_to_merge, "b");
  ExpectValidation<MergeShardsRequest>(R"({"StreamName":"s","ShardToMerge":"a"})", NotNull("adjacentShardToMerge"));
  ExpectValidation<MergeShardsRequest>(R"({"StreamName":"s","AdjacentShardToMerge":"a"})", NotNull("shardToMerge"));
  ExpectSerialization<MergeShardsRequest>(R"({"StreamName":"s","ShardToMerge":1,"AdjacentShardToMerge":"b"})");
}

TEST_F(DecoderTest, UpdateShardCount) {
  UpdateShardCountRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","TargetShardCount":8,"ScalingType":"UNIFORM_SCALING"})", &r).ok());
  EXPECT_EQ(r.target_shard_count, 8);
  EXPECT_EQ(*r.scaling_type, "UNIFORM_SCALING");
  ExpectValidation<UpdateShardCountRequest>(R"({"StreamName":"s","ScalingType":"UNIFORM_SCALING"})",
                                            NotNull("targetShardCount"));
  ExpectValidation<UpdateShardCountRequest>(R"({"StreamName":"s","TargetShardCount":2})", NotNull("scalingType"));
  ExpectValidation<UpdateShardCountRequest>(
      R"({"StreamName":"s","TargetShardCount":0,"ScalingType":"UNIFORM_SCALING"})",
      "1 validation error detected: Value '0' at 'targetShardCount' failed to satisfy constraint: Member must have "
      "value greater than or equal to 1");
  ExpectValidation<UpdateShardCountRequest>(
      R"({"StreamName":"s","TargetShardCount":2,"ScalingType":"FAST"})",
      "1 validation error detected: Value 'FAST' at 'scalingType' failed to satisfy constraint: Member must satisfy "
      "enum value set: [UNIFORM_SCALING]");
  ExpectSerialization<UpdateShardCountRequest>(
      R"({"StreamName":"s","TargetShardCount":"2","ScalingType":"UNIFORM_SCALING"})");
}

TEST_F(DecoderTest, UpdateStreamMode) {
  constexpr std::string_view kArn = R"("StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1")";
  UpdateStreamModeRequest r;
  ASSERT_TRUE(Decode("{" + std::string(kArn) + R"(,"StreamModeDetails":{"StreamMode":"ON_DEMAND"}})", &r).ok());
  EXPECT_EQ(*r.stream_mode, "ON_DEMAND");
  EXPECT_FALSE(r.stream_name.has_value());
  ExpectValidation<UpdateStreamModeRequest>(R"({"StreamModeDetails":{"StreamMode":"ON_DEMAND"}})",
                                            NotNull("streamARN"));
  ExpectValidation<UpdateStreamModeRequest>("{" + std::string(kArn) + "}", NotNull("streamModeDetails"));
  ExpectValidation<UpdateStreamModeRequest>("{" + std::string(kArn) + R"(,"StreamModeDetails":{}})",
                                            NotNull("streamModeDetails.streamMode"));
  ExpectValidation<UpdateStreamModeRequest>(
      "{" + std::string(kArn) + R"(,"StreamModeDetails":{"StreamMode":"FAST"}})",
      "1 validation error detected: Value 'FAST' at 'streamModeDetails.streamMode' failed to satisfy constraint: "
      "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
  ExpectSerialization<UpdateStreamModeRequest>("{" + std::string(kArn) + R"(,"StreamModeDetails":"ON_DEMAND"})");
}

}  // namespace
}  // namespace sluice::protocol
