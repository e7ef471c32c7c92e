// Request decoder: the JSON envelope and member types shared by every request (malformed bodies, null, unknown members,
// number ranges).
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
  const std::string consumer_arn =
      "\"ConsumerARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1700000000\"";
  CheckUnknownMembersIgnored<RegisterStreamConsumerRequest>(this, arn + R"(,"ConsumerName":"c")");
  CheckUnknownMembersIgnored<DescribeStreamConsumerRequest>(this, consumer_arn);
  CheckUnknownMembersIgnored<DeregisterStreamConsumerRequest>(this, arn + R"(,"ConsumerName":"c")");
  CheckUnknownMembersIgnored<ListStreamConsumersRequest>(this, arn + R"(,"MaxResults":5)");
  CheckUnknownMembersIgnored<SubscribeToShardRequest>(
      this, consumer_arn + R"(,"ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST","Q":[1]})");
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
  ExpectOk<RegisterStreamConsumerRequest>(
      R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s","ConsumerName":"c","Tags":null,"StreamId":null})");
  ExpectOk<ListStreamConsumersRequest>(
      R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s","NextToken":null,"MaxResults":null,)"
      R"("StreamCreationTimestamp":null})");
  ExpectOk<SubscribeToShardRequest>(
      R"({"ConsumerARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1","ShardId":"shardId-0",)"
      R"("StartingPosition":{"Type":"LATEST","SequenceNumber":null,"Timestamp":null},"StreamId":null})");
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
