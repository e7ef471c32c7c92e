#include "protocol/request_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <string_view>

namespace sluice::protocol {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// "prefix" + number without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
std::string Num(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// A request body the way the transport hands it over: the JSON text followed by at least
// SIMDJSON_PADDING readable bytes. The padding is deliberately filled with JSON-looking junk
// so a decoder that reads past the end of the body would notice.
class Body {
 public:
  explicit Body(std::string_view json) : size_(json.size()) {
    static constexpr std::string_view kJunk = ",\"StreamName\":\"evil\",\"Limit\":99}]}0123456789";
    buf_.reserve(json.size() + 2 * simdjson::SIMDJSON_PADDING);
    buf_.assign(json);
    while (buf_.size() < json.size() + simdjson::SIMDJSON_PADDING) buf_.append(kJunk);
  }
  std::string_view view() const { return {buf_.data(), size_}; }

 private:
  std::string buf_;
  size_t size_;
};

class DecoderTest : public ::testing::Test {
 public:
  template <typename R>
  Status DecodeFor(std::string_view json, R* r) {
    return Decode(json, r);
  }

 protected:
  template <typename R>
  Status Decode(std::string_view json, R* r) {
    bodies_.emplace_back(json);
    return decoder_.Decode(bodies_.back().view(), r);
  }

  template <typename R>
  void ExpectSerialization(std::string_view json) {
    R r;
    Status st = Decode(json, &r);
    EXPECT_EQ(st.code(), Errc::kSerialization) << json << " -> " << st.ToString();
  }

  template <typename R>
  void ExpectValidation(std::string_view json, std::string_view message) {
    R r;
    Status st = Decode(json, &r);
    EXPECT_EQ(st.code(), Errc::kValidation) << json << " -> " << st.ToString();
    EXPECT_EQ(st.message(), message) << json;
  }

  template <typename R>
  void ExpectOk(std::string_view json) {
    R r;
    Status st = Decode(json, &r);
    EXPECT_TRUE(st.ok()) << json << " -> " << st.ToString();
  }

  RequestDecoder decoder_;
  std::deque<Body> bodies_;
};

std::string NotNull(std::string_view path) {
  return "1 validation error detected: Value null at '" + std::string(path) +
         "' failed to satisfy constraint: Member must not be null";
}

constexpr std::string_view kArn = "arn:aws:kinesis:us-east-1:123456789012:stream/s1";

// ---------------------------------------------------------------------------------------------
// Generic JSON handling

TEST_F(DecoderTest, EmptyBodyIsAnEmptyObject) {
  ExpectOk<EmptyRequest>("");
  ExpectOk<EmptyRequest>("   ");
  ExpectOk<EmptyRequest>("\r\n\t ");
  ExpectOk<ListStreamsRequest>("");
  ListStreamsRequest ls;
  ASSERT_TRUE(Decode("", &ls).ok());
  EXPECT_FALSE(ls.limit.has_value());
  // An empty body still fails required-member checks like "{}" does.
  ExpectValidation<CreateStreamRequest>("", NotNull("streamName"));
  ExpectValidation<CreateStreamRequest>("{}", NotNull("streamName"));
}

TEST_F(DecoderTest, EmptyObjectWithWhitespace) {
  ExpectOk<EmptyRequest>("{}");
  ExpectOk<EmptyRequest>(" { } ");
  ExpectOk<EmptyRequest>("\n{\n}\n");
  ExpectOk<EmptyRequest>("{\"Anything\":[1,{\"x\":null}],\"Else\":\"y\"}");
}

TEST_F(DecoderTest, MalformedJsonIsSerializationError) {
  const char* kBad[] = {
      "{",
      "}",
      "{\"StreamName\"}",
      "{\"StreamName\":}",
      "{\"StreamName\":\"s\"",
      "{\"StreamName\":\"s}",
      "{\"StreamName\" \"s\"}",
      "{StreamName:\"s\"}",
      "{'StreamName':'s'}",
      "{\"StreamName\":\"s\",}",
      "{,}",
      "{\"StreamName\":\"s\" \"Limit\":1}",
      "{\"StreamName\":\"a\nb\"}",      // raw control character in a string
      "{\"StreamName\":\"\xff\xfe\"}",  // invalid UTF-8
      "\xef\xbb\xbf{}",                 // BOM
  };
  for (const char* json : kBad) {
    ExpectSerialization<DescribeStreamRequest>(json);
    ExpectSerialization<EmptyRequest>(json);
  }
}

TEST_F(DecoderTest, MalformedValueOfAKnownMemberIsSerializationError) {
  for (const char* json : {
           "{\"Limit\":01}",
           "{\"Limit\":1.}",
           "{\"Limit\":-}",
           "{\"Limit\":NaN}",
           "{\"Limit\":Infinity}",
           "{\"Limit\":tru}",
           "{\"Limit\":truex}",
           "{\"StreamName\":\"\\x41\"}",
           "{\"StreamName\":\"\\u12\"}",
       }) {
    ExpectSerialization<DescribeStreamRequest>(json);
  }
}

// Bodies that are not JSON at all in places the decoder does not look at closely: a skipped
// (unknown or, for input-less operations, every) member, or a misspelt null literal. AWS's
// parser rejects all of them with SerializationException.
const char* const kLazilySkippedMalformed[] = {
    "{\"Limit\":nul}",
    "{\"Limit\":nullx}",
    "{\"StreamName\":\"s\",\"ExclusiveStartShardId\":nul}",
    "{\"Unknown\":[1,2,],\"StreamName\":\"s\"}",
    "{\"Unknown\":{\"a\":},\"StreamName\":\"s\"}",
    "{\"Unknown\":[1 2],\"StreamName\":\"s\"}",
    "{\"Unknown\":{\"a\" 1},\"StreamName\":\"s\"}",
    "{\"Unknown\":nul,\"StreamName\":\"s\"}",
    "{\"Unknown\":01,\"StreamName\":\"s\"}",
    "{\"Unknown\":\"\\q\",\"StreamName\":\"s\"}",
};

TEST_F(DecoderTest, MalformedJsonInsideASkippedValueIsSerializationError) {
  for (const char* json : kLazilySkippedMalformed) {
    ExpectSerialization<DescribeStreamRequest>(json);
    ExpectSerialization<EmptyRequest>(json);
  }
  for (const char* json : {"{\"Limit\":01}", "{\"Limit\":NaN}", "{\"Limit\":tru}", "{\"X\":\"\\x41\"}"})
    ExpectSerialization<EmptyRequest>(json);
}

TEST_F(DecoderTest, NonObjectBodyIsSerializationError) {
  for (const char* json : {"[]", "[{}]", "1", "-3.5", "\"StreamName\"", "null", "true", "false"}) {
    ExpectSerialization<DescribeStreamSummaryRequest>(json);
    ExpectSerialization<EmptyRequest>(json);
    ExpectSerialization<ListStreamsRequest>(json);
  }
}

TEST_F(DecoderTest, TrailingGarbageIsSerializationError) {
  for (const char* json : {"{}x", "{} {}", "{}}", "{}]", "{} 1", "{\"StreamName\":\"s\"} null", "{}\"",
                           "{\"StreamName\":\"s\"}{\"StreamName\":\"t\"}"}) {
    ExpectSerialization<DescribeStreamSummaryRequest>(json);
    ExpectSerialization<EmptyRequest>(json);
  }
  // Trailing whitespace is fine.
  ExpectOk<DescribeStreamSummaryRequest>("{\"StreamName\":\"s\"} \n\t ");
}

TEST_F(DecoderTest, UnescapesStrings) {
  DescribeStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"a\u0062c","ExclusiveStartShardId":"shard\u0049d-000000000001"})", &r).ok());
  EXPECT_EQ(*r.stream_name, "abc");
  EXPECT_EQ(*r.exclusive_start_shard_id, "shardId-000000000001");
}

TEST_F(DecoderTest, DuplicateMemberLastOneWins) {
  DescribeStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"first","StreamName":"second"})", &r).ok());
  EXPECT_EQ(*r.stream_name, "second");
}

TEST_F(DecoderTest, DecoderIsReusableAndResetsFields) {
  DescribeStreamRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"one","Limit":5,"ExclusiveStartShardId":"shardId-000000000001"})", &r).ok());
  EXPECT_EQ(*r.limit, 5);
  ASSERT_TRUE(Decode(R"({"StreamName":"two"})", &r).ok());
  EXPECT_EQ(*r.stream_name, "two");
  EXPECT_FALSE(r.limit.has_value());
  EXPECT_FALSE(r.exclusive_start_shard_id.has_value());
  // A failed decode followed by a good one works.
  EXPECT_FALSE(Decode("{", &r).ok());
  ASSERT_TRUE(Decode(R"({"StreamName":"three"})", &r).ok());
  EXPECT_EQ(*r.stream_name, "three");
}

TEST_F(DecoderTest, StreamIdIsAcceptedAndIgnored) {
  DescribeStreamSummaryRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","StreamId":"abcdefghij0123456789-abc"})", &r).ok());
  EXPECT_EQ(*r.stream_name, "s");
  ExpectSerialization<DescribeStreamSummaryRequest>(R"({"StreamName":"s","StreamId":5})");
}

TEST_F(DecoderTest, DecodedBase64Length) {
  EXPECT_EQ(RequestDecoder::DecodedBase64Length(""), 0u);
  EXPECT_EQ(RequestDecoder::DecodedBase64Length("AA=="), 1u);
  EXPECT_EQ(RequestDecoder::DecodedBase64Length("AAA="), 2u);
  EXPECT_EQ(RequestDecoder::DecodedBase64Length("AAAA"), 3u);
  EXPECT_EQ(RequestDecoder::DecodedBase64Length("AAAAAA=="), 4u);
  EXPECT_EQ(RequestDecoder::DecodedBase64Length("AAAAAAAA"), 6u);
}

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
// PutRecord / PutRecords

TEST_F(DecoderTest, PutRecordAllFields) {
  PutRecordRequest r;
  ASSERT_TRUE(Decode(R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1","Data":"AAFoaQ==",
                         "PartitionKey":"k","ExplicitHashKey":"340282366920938463463374607431768211455",
                         "SequenceNumberForOrdering":"49543463076548007577105092703039560359975228518395019266",
                         "DryRun":false,"Whatever":{}})",
                     &r)
                  .ok());
  EXPECT_EQ(*r.stream_arn, kArn);
  EXPECT_EQ(*r.data, "AAFoaQ==");
  EXPECT_EQ(*r.partition_key, "k");
  EXPECT_EQ(*r.explicit_hash_key, "340282366920938463463374607431768211455");
  EXPECT_EQ(*r.sequence_number_for_ordering, "49543463076548007577105092703039560359975228518395019266");
}

TEST_F(DecoderTest, PutRecordEmptyDataIsAllowed) {
  PutRecordRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","Data":"","PartitionKey":"k"})", &r).ok());
  EXPECT_EQ(*r.data, "");
}

TEST_F(DecoderTest, PutRecordRequiredMembers) {
  ExpectValidation<PutRecordRequest>(R"({"StreamName":"s","PartitionKey":"k"})", NotNull("data"));
  ExpectValidation<PutRecordRequest>(R"({"StreamName":"s","Data":"AAAA"})", NotNull("partitionKey"));
  ExpectValidation<PutRecordRequest>(R"({"StreamName":"s","Data":null,"PartitionKey":"k"})", NotNull("data"));
  ExpectValidation<PutRecordRequest>(
      R"({"StreamName":"s"})",
      "2 validation errors detected: Value null at 'data' failed to satisfy constraint: Member must not be null; "
      "Value null at 'partitionKey' failed to satisfy constraint: Member must not be null");
}

TEST_F(DecoderTest, PutRecordDataLengthNotMultipleOf4IsSerialization) {
  for (const char* data : {"A", "AA", "AAA", "AAAAA", "AAAA="}) {
    PutRecordRequest r;
    Status st = Decode(std::string(R"({"StreamName":"s","PartitionKey":"k","Data":")") + data + "\"}", &r);
    EXPECT_EQ(st.code(), Errc::kSerialization) << data;
    EXPECT_EQ(st.message(),
              "Base64 encoded length is expected a multiple of 4 bytes but found: " + std::to_string(strlen(data)));
  }
  ExpectSerialization<PutRecordRequest>(R"({"StreamName":"s","PartitionKey":"k","Data":1234})");
  ExpectSerialization<PutRecordRequest>(R"({"StreamName":"s","PartitionKey":"k","Data":["AAAA"]})");
  ExpectSerialization<PutRecordRequest>(R"({"StreamName":"s","PartitionKey":5,"Data":"AAAA"})");
  ExpectSerialization<PutRecordRequest>(R"({"StreamName":"s","PartitionKey":"k","Data":"AAAA","ExplicitHashKey":5})");
}

TEST_F(DecoderTest, PutRecordPartitionKeyLength) {
  ExpectValidation<PutRecordRequest>(
      R"({"StreamName":"s","Data":"AAAA","PartitionKey":""})",
      "1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1");
  std::string k256(256, 'k'), k257(257, 'k');
  ExpectOk<PutRecordRequest>("{\"StreamName\":\"s\",\"Data\":\"AAAA\",\"PartitionKey\":\"" + k256 + "\"}");
  ExpectValidation<PutRecordRequest>(
      "{\"StreamName\":\"s\",\"Data\":\"AAAA\",\"PartitionKey\":\"" + k257 + "\"}",
      "1 validation error detected: Value '" + k257 +
          "' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256");
  // 256 characters of 3 bytes each are fine: the limit counts characters.
  std::string euro;
  for (int i = 0; i < 256; ++i) euro += "\xe2\x82\xac";
  ExpectOk<PutRecordRequest>("{\"StreamName\":\"s\",\"Data\":\"AAAA\",\"PartitionKey\":\"" + euro + "\"}");
  ExpectValidation<PutRecordRequest>(
      "{\"StreamName\":\"s\",\"Data\":\"AAAA\",\"PartitionKey\":\"" + euro + "\xe2\x82\xac\"}",
      "1 validation error detected: Value '" + euro +
          "\xe2\x82\xac' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal "
          "to 256");
}

TEST_F(DecoderTest, PutRecordHashKeyAndSequencePatterns) {
  ExpectValidation<PutRecordRequest>(
      R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"01"})",
      "1 validation error detected: Value '01' at 'explicitHashKey' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
  ExpectValidation<PutRecordRequest>(
      R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"-1"})",
      "1 validation error detected: Value '-1' at 'explicitHashKey' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
  // 2^128 matches the pattern; its range is checked by the API layer.
  ExpectOk<PutRecordRequest>(
      R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"340282366920938463463374607431768211456"})");
  ExpectValidation<PutRecordRequest>(
      R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":"12a"})",
      "1 validation error detected: Value '12a' at 'sequenceNumberForOrdering' failed to satisfy constraint: Member "
      "must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
  ExpectOk<PutRecordRequest>(R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":"0"})");
}

TEST_F(DecoderTest, PutRecordDataAboveModelMaximum) {
  // 10 MiB + 1 byte of data is 13981016 base64 characters.
  size_t bytes = 10 * 1024 * 1024 + 1;
  std::string data((bytes + 2) / 3 * 4, 'A');
  for (size_t i = 0; i < (3 - bytes % 3) % 3; ++i) data[data.size() - 1 - i] = '=';
  ASSERT_EQ(RequestDecoder::DecodedBase64Length(data), bytes);
  ExpectValidation<PutRecordRequest>(
      "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"" + data + "\"}",
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' at 'data' "
      "failed to satisfy constraint: Member must have length less than or equal to 10485760");
  size_t ok_bytes = 10 * 1024 * 1024;
  std::string ok_data((ok_bytes + 2) / 3 * 4, 'A');
  for (size_t i = 0; i < (3 - ok_bytes % 3) % 3; ++i) ok_data[ok_data.size() - 1 - i] = '=';
  ASSERT_EQ(RequestDecoder::DecodedBase64Length(ok_data), 10u * 1024 * 1024);
  ExpectOk<PutRecordRequest>("{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"" + ok_data + "\"}");
}

TEST_F(DecoderTest, PutRecordsAllFields) {
  PutRecordsRequest r;
  Status st = Decode(R"({"StreamName":"s","Records":[
      {"Data":"AAAA","PartitionKey":"a"},
      {"Data":"","PartitionKey":"b","ExplicitHashKey":"0","Unknown":[1]},
      {"Data":"Zg==","PartitionKey":"c","ExplicitHashKey":null}
    ],"Extra":{"x":[{}]}})",
                     &r);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(*r.stream_name, "s");
  EXPECT_TRUE(r.has_records);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(*r.records[0].data, "AAAA");
  EXPECT_EQ(*r.records[0].partition_key, "a");
  EXPECT_FALSE(r.records[0].explicit_hash_key.has_value());
  EXPECT_EQ(*r.records[1].data, "");
  EXPECT_EQ(*r.records[1].explicit_hash_key, "0");
  EXPECT_EQ(*r.records[2].data, "Zg==");
  EXPECT_FALSE(r.records[2].explicit_hash_key.has_value());
}

TEST_F(DecoderTest, PutRecordsReuseClearsPreviousRecords) {
  PutRecordsRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"a"},
                                                      {"Data":"AAAA","PartitionKey":"b"}]})",
                     &r)
                  .ok());
  ASSERT_EQ(r.records.size(), 2u);
  ASSERT_TRUE(Decode(R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1",
                         "Records":[{"Data":"Zg==","PartitionKey":"z"}]})",
                     &r)
                  .ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(*r.records[0].partition_key, "z");
  EXPECT_FALSE(r.stream_name.has_value());
  EXPECT_TRUE(r.stream_arn.has_value());
  ExpectValidation<PutRecordsRequest>(R"({"StreamName":"s"})", NotNull("records"));
  ASSERT_FALSE(Decode(R"({"StreamName":"s"})", &r).ok());
  EXPECT_FALSE(r.has_records);
  EXPECT_TRUE(r.records.empty());
}

TEST_F(DecoderTest, PutRecordsListLength) {
  ExpectValidation<PutRecordsRequest>(R"({"StreamName":"s","Records":null})", NotNull("records"));
  {
    PutRecordsRequest r;
    Status st = Decode(R"({"StreamName":"s","Records":[]})", &r);
    EXPECT_EQ(st.code(), Errc::kValidation);
    EXPECT_THAT(st.message(), StartsWith("1 validation error detected: Value '"));
    EXPECT_THAT(st.message(),
                HasSubstr("' at 'records' failed to satisfy constraint: Member must have length greater than or equal "
                          "to 1"));
  }
  auto make = [](int n) {
    std::string s = "{\"StreamName\":\"s\",\"Records\":[";
    for (int i = 0; i < n; ++i) s += (i ? "," : "") + std::string("{\"Data\":\"AAAA\",\"PartitionKey\":\"k\"}");
    return s + "]}";
  };
  ExpectOk<PutRecordsRequest>(make(500));
  PutRecordsRequest r;
  Status st = Decode(make(501), &r);
  EXPECT_EQ(st.code(), Errc::kValidation);
  EXPECT_THAT(st.message(), StartsWith("1 validation error detected: Value '"));
  EXPECT_THAT(
      st.message(),
      HasSubstr("' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500"));
}

TEST_F(DecoderTest, PutRecordsPerRecordPaths) {
  ExpectValidation<PutRecordsRequest>(
      R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"a"},{"Data":"AAAA","PartitionKey":""}]})",
      "1 validation error detected: Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: Member "
      "must have length greater than or equal to 1");
  ExpectValidation<PutRecordsRequest>(
      R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"a"},{"Data":"AAAA"}]})",
      NotNull("records.2.member.partitionKey"));
  ExpectValidation<PutRecordsRequest>(
      R"({"StreamName":"s","Records":[{"PartitionKey":"a"},{"Data":"AAAA","PartitionKey":"b"}]})",
      NotNull("records.1.member.data"));
  ExpectValidation<PutRecordsRequest>(
      R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"a"},{"Data":"AAAA","PartitionKey":"b"},
                                      {"Data":"AAAA","PartitionKey":"c","ExplicitHashKey":"x"}]})",
      "1 validation error detected: Value 'x' at 'records.3.member.explicitHashKey' failed to satisfy constraint: "
      "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
  ExpectValidation<PutRecordsRequest>(
      R"({"StreamName":"bad name","Records":[{"PartitionKey":""},{"Data":"AAAA","PartitionKey":"b"}]})",
      "3 validation errors detected: Value 'bad name' at 'streamName' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value null at 'records.1.member.data' failed to satisfy "
      "constraint: Member must not be null; Value '' at 'records.1.member.partitionKey' failed to satisfy "
      "constraint: Member must have length greater than or equal to 1");
  std::string k257(257, 'q');
  ExpectValidation<PutRecordsRequest>(
      "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"AAAA\",\"PartitionKey\":\"" + k257 + "\"}]}",
      "1 validation error detected: Value '" + k257 +
          "' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length less than or "
          "equal to 256");
  // Multi-byte keys of 256 characters are valid in PutRecords too.
  std::string euro;
  for (int i = 0; i < 256; ++i) euro += "\xe2\x82\xac";
  ExpectOk<PutRecordsRequest>("{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"AAAA\",\"PartitionKey\":\"" + euro +
                              "\"}]}");
}

TEST_F(DecoderTest, PutRecordsAtMostTenErrorsAreListedButAllCounted) {
  std::string s = "{\"StreamName\":\"s\",\"Records\":[";
  for (int i = 0; i < 12; ++i) s += (i ? "," : "") + std::string("{\"Data\":\"AAAA\",\"PartitionKey\":\"\"}");
  s += "]}";
  PutRecordsRequest r;
  Status st = Decode(s, &r);
  ASSERT_EQ(st.code(), Errc::kValidation);
  EXPECT_THAT(st.message(), StartsWith("12 validation errors detected: Value '' at 'records.1.member.partitionKey'"));
  EXPECT_THAT(st.message(), HasSubstr("records.10.member.partitionKey"));
  EXPECT_THAT(st.message(), Not(HasSubstr("records.11.member")));
  size_t entries = 0;
  for (size_t p = st.message().find("Value "); p != std::string::npos; p = st.message().find("Value ", p + 1))
    ++entries;
  EXPECT_EQ(entries, 10u);
}

TEST_F(DecoderTest, PutRecordsSerializationErrors) {
  for (const char* json : {
           R"({"StreamName":"s","Records":{}})",
           R"({"StreamName":"s","Records":"x"})",
           R"({"StreamName":"s","Records":[1]})",
           R"({"StreamName":"s","Records":["AAAA"]})",
           R"({"StreamName":"s","Records":[[]]})",
           R"({"StreamName":"s","Records":[{"Data":5,"PartitionKey":"k"}]})",
           R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":true}]})",
           R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":1}]})",
           R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k"},]})",
           R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k"}})",
       }) {
    ExpectSerialization<PutRecordsRequest>(json);
  }
  PutRecordsRequest r;
  Status st = Decode(R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"a"},
                                                    {"Data":"AAAAA","PartitionKey":"b"}]})",
                     &r);
  EXPECT_EQ(st.code(), Errc::kSerialization);
  EXPECT_EQ(st.message(), "Base64 encoded length is expected a multiple of 4 bytes but found: 5");
}

TEST_F(DecoderTest, PutRecordsNullRecordElementIsSerialization) {
  ExpectSerialization<PutRecordsRequest>(R"({"StreamName":"s","Records":[null]})");
}

// ---------------------------------------------------------------------------------------------
// Reads

TEST_F(DecoderTest, GetShardIterator) {
  GetShardIteratorRequest r;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER",
                         "StartingSequenceNumber":"49039857307708443467467104868809893875799651909875269632",
                         "Timestamp":1701760153.5,"DryRun":true})",
                     &r)
                  .ok());
  EXPECT_EQ(*r.shard_id, "shardId-000000000000");
  EXPECT_EQ(*r.shard_iterator_type, "AT_SEQUENCE_NUMBER");
  EXPECT_EQ(*r.starting_sequence_number, "49039857307708443467467104868809893875799651909875269632");
  EXPECT_EQ(r.timestamp, 1701760153500);
  for (const char* type : {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"})
    ExpectOk<GetShardIteratorRequest>(std::string(R"({"StreamName":"s","ShardId":"x","ShardIteratorType":")") + type +
                                      "\"}");
  ExpectValidation<GetShardIteratorRequest>(
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"OLDEST"})",
      "1 validation error detected: Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must "
      "satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
  ExpectValidation<GetShardIteratorRequest>(R"({"StreamName":"s","ShardIteratorType":"LATEST"})", NotNull("shardId"));
  ExpectValidation<GetShardIteratorRequest>(
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER",
          "StartingSequenceNumber":"007"})",
      "1 validation error detected: Value '007' at 'startingSequenceNumber' failed to satisfy constraint: Member "
      "must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
  ExpectValidation<GetShardIteratorRequest>(
      "{\"StreamName\":\"s\",\"ShardId\":\"" + std::string(129, 'x') + "\",\"ShardIteratorType\":\"LATEST\"}",
      "1 validation error detected: Value '" + std::string(129, 'x') +
          "' at 'shardId' failed to satisfy constraint: Member must have length less than or equal to 128");
  ExpectSerialization<GetShardIteratorRequest>(
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"now"})");
  ExpectSerialization<GetShardIteratorRequest>(R"({"StreamName":"s","ShardId":0,"ShardIteratorType":"LATEST"})");
}

TEST_F(DecoderTest, GetRecords) {
  GetRecordsRequest r;
  ASSERT_TRUE(
      Decode(R"({"ShardIterator":"AAAA","Limit":25,"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s1",
                         "StreamName":"ignored"})",
             &r)
          .ok());
  EXPECT_EQ(*r.shard_iterator, "AAAA");
  EXPECT_EQ(r.limit, 25);
  EXPECT_EQ(*r.stream_arn, kArn);
  ExpectValidation<GetRecordsRequest>("{}", NotNull("shardIterator"));
  ExpectValidation<GetRecordsRequest>(R"({"ShardIterator":null})", NotNull("shardIterator"));
  ExpectValidation<GetRecordsRequest>(
      R"({"ShardIterator":""})",
      "1 validation error detected: Value '' at 'shardIterator' failed to satisfy constraint: Member must have "
      "length greater than or equal to 1");
  ExpectOk<GetRecordsRequest>("{\"ShardIterator\":\"" + std::string(512, 'A') + "\"}");
  ExpectValidation<GetRecordsRequest>(
      "{\"ShardIterator\":\"" + std::string(513, 'A') + "\"}",
      "1 validation error detected: Value '" + std::string(513, 'A') +
          "' at 'shardIterator' failed to satisfy constraint: Member must have length less than or equal to 512");
  ExpectValidation<GetRecordsRequest>(
      R"({"ShardIterator":"AAAA","Limit":0})",
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
      "greater than or equal to 1");
  ExpectValidation<GetRecordsRequest>(
      R"({"ShardIterator":"AAAA","Limit":10001})",
      "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value "
      "less than or equal to 10000");
  ExpectValidation<GetRecordsRequest>(
      R"({"ShardIterator":"AAAA","StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/"})",
      "1 validation error detected: Value 'arn:aws:kinesis:us-east-1:123456789012:stream/' at 'streamARN' failed "
      "to satisfy constraint: Member must satisfy regular expression pattern: "
      "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  ExpectSerialization<GetRecordsRequest>(R"({"ShardIterator":["AAAA"]})");
  ExpectSerialization<GetRecordsRequest>(R"({"ShardIterator":"AAAA","Limit":"10"})");
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

TEST_F(DecoderTest, EmptyRequestIgnoresAllMembers) {
  ExpectOk<EmptyRequest>(R"({"StreamName":5,"Limit":"x","Records":{}})");
}

// Every request type: a valid body still decodes, with the same result, when unknown members
// of every JSON type are added before, between and after the known ones; and every optional
// member may be null.
template <typename R>
void CheckUnknownMembersIgnored(DecoderTest* t, std::string_view body_members) {
  const std::string unknown =
      R"("Zz":{"a":[1,{"b":null}],"c":"d"},"Yy":[],"Xx":-1.5e3,"Ww":true,"Vv":null,"Uu":"\u0041",)";
  std::string plain = "{" + std::string(body_members) + "}";
  std::string noisy = "{" + unknown + std::string(body_members) + "," + unknown.substr(0, unknown.size() - 1) + "}";
  R a, b;
  Status sa = t->DecodeFor(plain, &a);
  Status sb = t->DecodeFor(noisy, &b);
  EXPECT_TRUE(sa.ok()) << plain << " -> " << sa.ToString();
  EXPECT_TRUE(sb.ok()) << noisy << " -> " << sb.ToString();
}

TEST_F(DecoderTest, UnknownMembersAreIgnoredForEveryRequestType) {
  const std::string arn = "\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s\"";
  CheckUnknownMembersIgnored<CreateStreamRequest>(this, R"("StreamName":"s","ShardCount":1)");
  CheckUnknownMembersIgnored<DeleteStreamRequest>(this, R"("StreamName":"s")");
  CheckUnknownMembersIgnored<DescribeStreamRequest>(this, R"("StreamName":"s","Limit":5)");
  CheckUnknownMembersIgnored<DescribeStreamSummaryRequest>(this, arn);
  CheckUnknownMembersIgnored<ListStreamsRequest>(this, R"("Limit":5)");
  CheckUnknownMembersIgnored<ListShardsRequest>(this, R"("StreamName":"s","ShardFilter":{"Type":"AT_LATEST","Q":1})");
  CheckUnknownMembersIgnored<PutRecordRequest>(this, R"("StreamName":"s","Data":"AAAA","PartitionKey":"k")");
  CheckUnknownMembersIgnored<PutRecordsRequest>(
      this, R"("StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k","Q":[]}])");
  CheckUnknownMembersIgnored<GetShardIteratorRequest>(
      this, R"("StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST")");
  CheckUnknownMembersIgnored<GetRecordsRequest>(this, R"("ShardIterator":"AAAA")");
  CheckUnknownMembersIgnored<RetentionRequest>(this, R"("StreamName":"s","RetentionPeriodHours":48)");
  CheckUnknownMembersIgnored<AddTagsToStreamRequest>(this, R"("StreamName":"s","Tags":{"a":"b"})");
  CheckUnknownMembersIgnored<RemoveTagsFromStreamRequest>(this, R"("StreamName":"s","TagKeys":["a"])");
  CheckUnknownMembersIgnored<ListTagsForStreamRequest>(this, R"("StreamName":"s")");
  CheckUnknownMembersIgnored<TagResourceRequest>(
      this, R"("ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s","Tags":{"a":"b"})");
  CheckUnknownMembersIgnored<UntagResourceRequest>(
      this, R"("ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s","TagKeys":["a"])");
  CheckUnknownMembersIgnored<ListTagsForResourceRequest>(
      this, R"("ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s")");
  CheckUnknownMembersIgnored<UpdateMaxRecordSizeRequest>(this, arn + R"(,"MaxRecordSizeInKiB":2048)");
  CheckUnknownMembersIgnored<EmptyRequest>(this, R"("A":1)");
}

TEST_F(DecoderTest, NullOptionalMembersAreAbsentForEveryRequestType) {
  ExpectOk<DeleteStreamRequest>(
      R"({"StreamName":"s","StreamARN":null,"StreamId":null,"EnforceConsumerDeletion":null})");
  ExpectOk<DescribeStreamRequest>(R"({"StreamName":"s","Limit":null,"ExclusiveStartShardId":null})");
  ExpectOk<DescribeStreamSummaryRequest>(R"({"StreamName":null,"StreamARN":null})");
  ExpectOk<ListShardsRequest>(
      R"({"StreamName":"s","NextToken":null,"ExclusiveStartShardId":null,"MaxResults":null,"ShardFilter":null})");
  ExpectOk<ListShardsRequest>(
      R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST","ShardId":null,"Timestamp":null}})");
  ExpectOk<PutRecordRequest>(
      R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k","ExplicitHashKey":null,"SequenceNumberForOrdering":null})");
  ExpectOk<PutRecordsRequest>(
      R"({"StreamName":"s","StreamARN":null,"Records":[{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":null}]})");
  ExpectOk<GetShardIteratorRequest>(
      R"({"StreamName":"s","ShardId":"x","ShardIteratorType":"LATEST","StartingSequenceNumber":null,"Timestamp":null})");
  ExpectOk<GetRecordsRequest>(R"({"ShardIterator":"AAAA","Limit":null,"StreamARN":null})");
  ExpectOk<ListTagsForStreamRequest>(R"({"StreamName":"s","ExclusiveStartTagKey":null,"Limit":null})");
  ExpectOk<UpdateMaxRecordSizeRequest>(R"({"StreamARN":null,"StreamName":"s","MaxRecordSizeInKiB":1024})");
  GetShardIteratorRequest g;
  ASSERT_TRUE(Decode(R"({"StreamName":"s","ShardId":"x","ShardIteratorType":"LATEST","Timestamp":null})", &g).ok());
  EXPECT_FALSE(g.timestamp.has_value());
}

TEST_F(DecoderTest, LargeIntegersOutOfRange) {
  // Beyond int64: rejected as a serialization problem rather than wrapped.
  ExpectSerialization<DescribeStreamRequest>(R"({"StreamName":"s","Limit":99999999999999999999})");
  ExpectSerialization<DescribeStreamRequest>(R"({"StreamName":"s","Limit":-99999999999999999999})");
  DescribeStreamRequest r;
  Status st = Decode(R"({"StreamName":"s","Limit":9223372036854775807})", &r);
  EXPECT_EQ(st.code(), Errc::kValidation);
  EXPECT_THAT(st.message(), HasSubstr("Value '9223372036854775807' at 'limit'"));
}

}  // namespace
}  // namespace sluice::protocol
