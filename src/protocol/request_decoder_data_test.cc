// Request decoder: data-plane requests (PutRecord, PutRecords, GetShardIterator, GetRecords) and their limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "protocol/request_decoder.h"
#include "protocol/request_decoder_test_fixture.h"

namespace sluice::protocol {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

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

}  // namespace
}  // namespace sluice::protocol
