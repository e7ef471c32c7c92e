// KinesisDispatcher: PutRecord and PutRecords.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// PutRecord / PutRecords

TEST_F(DispatcherTest, PutRecordRoutesByMd5OfPartitionKey) {
  CreateStream("s", 4);
  // Reference vectors: "a" -> 16955237001963240173058271559858726497 (shard 0 of 4),
  // "partitionKey" -> 193318062818912349798954611745638949166 (shard 2 of 4).
  EXPECT_EQ(Put("s", "a", "1").shard_id, "shardId-000000000000");
  EXPECT_EQ(Put("s", "partitionKey", "2").shard_id, "shardId-000000000002");
  for (int i = 0; i < 200; ++i) {
    std::string key = "key-" + std::to_string(i);
    model::HashKey h = model::HashPartitionKey(key);
    uint32_t expect = 0;
    for (uint32_t s = 0; s < 4; ++s)
      if (model::EvenRange(s, 4).Contains(h)) expect = s;
    ASSERT_EQ(Put("s", key, "v").shard_id, model::FormatShardId({expect})) << key;
  }
}

TEST_F(DispatcherTest, PutRecordRoutesByExplicitHashKey) {
  CreateStream("s", 4);
  EXPECT_EQ(Put("s", "a", "x", "0").shard_id, "shardId-000000000000");
  EXPECT_EQ(Put("s", "a", "x", "85070591730234615865843651857942052863").shard_id, "shardId-000000000000");
  EXPECT_EQ(Put("s", "a", "x", "85070591730234615865843651857942052864").shard_id, "shardId-000000000001");
  EXPECT_EQ(Put("s", "a", "x", "170141183460469231731687303715884105728").shard_id, "shardId-000000000002");
  EXPECT_EQ(Put("s", "a", "x", "255211775190703847597530955573826158591").shard_id, "shardId-000000000002");
  EXPECT_EQ(Put("s", "a", "x", "340282366920938463463374607431768211455").shard_id, "shardId-000000000003");
  std::string msg = Err("PutRecord",
                        R"({"StreamName":"s","PartitionKey":"a","Data":"AAAA",
                            "ExplicitHashKey":"340282366920938463463374607431768211456"})",
                        "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("340282366920938463463374607431768211456"));
  EXPECT_THAT(msg, HasSubstr("[0, 340282366920938463463374607431768211455]"));
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"a","Data":"AAAA","ExplicitHashKey":"01"})",
      "ValidationException");
}

TEST_F(DispatcherTest, PutRecordSequenceNumbersIncrease) {
  CreateStream("s", 2);
  std::map<std::string, std::string> last;
  std::map<std::string, uint64_t> count;
  for (int i = 0; i < 100; ++i) {
    PutResult p = Put("s", Num("k", i % 7), Num("data", i));
    ASSERT_EQ(p.sequence_number.size(), 56u);
    model::SequenceNumber sn = Sn(p.sequence_number);
    EXPECT_EQ(sn.shard_index, model::ParseShardId(p.shard_id)->value);
    EXPECT_EQ(sn.offset, count[p.shard_id]++);
    EXPECT_EQ(sn.sub, 0u);
    EXPECT_EQ(sn.stream_epoch, static_cast<uint32_t>(kStart / 1000));
    if (last.count(p.shard_id)) { EXPECT_LT(last[p.shard_id], p.sequence_number); }
    last[p.shard_id] = p.sequence_number;
  }
}

TEST_F(DispatcherTest, PutRecordErrors) {
  CreateStream("s", 1);
  EXPECT_EQ(Err("PutRecord", R"({"StreamName":"nope","PartitionKey":"k","Data":"AAAA"})", "ResourceNotFoundException"),
            "Stream nope under account 123456789012 not found.");
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AA!A"})", "SerializationException");
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"A=AA"})", "SerializationException");
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"","Data":"AAAA"})", "ValidationException");
  Err("PutRecord", R"({"StreamName":"s","Data":"AAAA"})", "ValidationException");
  EXPECT_EQ(TotalRecords("s", 1), 0u);
}

TEST_F(DispatcherTest, PutRecordSequenceNumberForOrdering) {
  CreateStream("s", 1);
  PutResult first = Put("s", "k", "1");
  Reply r = Ok("PutRecord",
               "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"AAAA\","
               "\"SequenceNumberForOrdering\":" +
                   Q(first.sequence_number) + "}");
  EXPECT_GT(Str(r.json["SequenceNumber"]), first.sequence_number);
  // A number Sluice never issued for this stream.
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AAAA","SequenceNumberForOrdering":"12345"})",
      "InvalidArgumentException");
  // A number of another stream (created in another second).
  clock_.Advance(5000);
  CreateStream("t", 1);
  PutResult other = Put("t", "k", "1");
  Err("PutRecord",
      "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"AAAA\",\"SequenceNumberForOrdering\":" +
          Q(other.sequence_number) + "}",
      "InvalidArgumentException");
}

TEST_F(DispatcherTest, PutRecordsRoutesAndNumbers) {
  CreateStream("s", 4);
  std::string body = R"({"StreamName":"s","Records":[)";
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    if (i) body += ",";
    body +=
        "{\"Data\":\"" + B64("payload-" + std::to_string(i)) + "\",\"PartitionKey\":\"pk" + std::to_string(i) + "\"";
    if (i % 10 == 9) body += ",\"ExplicitHashKey\":\"340282366920938463463374607431768211455\"";
    body += "}";
  }
  body += "]}";
  Reply r = Ok("PutRecords", body);
  EXPECT_EQ(int64_t(r.json["FailedRecordCount"]), 0);
  EXPECT_EQ(std::string_view(r.json["EncryptionType"]), "NONE");
  auto records = simdjson::dom::array(r.json["Records"]);
  ASSERT_EQ(records.size(), static_cast<size_t>(n));
  std::map<std::string, std::vector<std::string>> by_shard;  // sequence numbers in request order
  size_t i = 0;
  for (simdjson::dom::element rec : records) {
    std::string shard = Str(rec["ShardId"]);
    std::string sn = Str(rec["SequenceNumber"]);
    simdjson::dom::element ec;
    EXPECT_NE(rec["ErrorCode"].get(ec), simdjson::SUCCESS);
    uint32_t expect = 3;
    if (i % 10 != 9) {
      model::HashKey h = model::HashPartitionKey("pk" + std::to_string(i));
      for (uint32_t s = 0; s < 4; ++s)
        if (model::EvenRange(s, 4).Contains(h)) expect = s;
    }
    EXPECT_EQ(shard, model::FormatShardId({expect})) << i;
    EXPECT_EQ(Sn(sn).shard_index, expect);
    by_shard[shard].push_back(sn);
    ++i;
  }
  // Within a shard, numbers increase in request order and are consecutive offsets.
  for (const auto& [shard, sns] : by_shard) {
    for (size_t k = 0; k < sns.size(); ++k) {
      EXPECT_EQ(Sn(sns[k]).offset, k) << shard;
      if (k) { EXPECT_LT(sns[k - 1], sns[k]); }
    }
    // And they read back in that order with the right data.
    std::vector<Rec> got = ReadShard("s", shard);
    ASSERT_EQ(got.size(), sns.size());
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k].sequence_number, sns[k]);
  }
  EXPECT_EQ(TotalRecords("s", 4), static_cast<size_t>(n));
  // A second batch continues the numbering.
  Reply r2 = Ok("PutRecords", R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"x",
                                  "ExplicitHashKey":"340282366920938463463374607431768211455"}]})");
  EXPECT_EQ(Sn(std::string_view(r2.json["Records"].at(0)["SequenceNumber"])).offset,
            by_shard["shardId-000000000003"].size());
}

TEST_F(DispatcherTest, FailingPutRecordsWritesNothing) {
  CreateStream("s", 2);
  const std::string good = R"({"Data":"AAAA","PartitionKey":"a"},{"Data":"Zm9v","PartitionKey":"b"})";
  // Bad base64 character in the third record.
  Err("PutRecords", R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":"A*AA","PartitionKey":"c"}]})",
      "SerializationException");
  EXPECT_EQ(TotalRecords("s", 2), 0u);
  // Data length not a multiple of 4.
  Err("PutRecords", R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":"AAAAA","PartitionKey":"c"}]})",
      "SerializationException");
  // Explicit hash key above 2^128 - 1.
  Err("PutRecords",
      R"({"StreamName":"s","Records":[)" + good +
          R"(,{"Data":"AAAA","PartitionKey":"c","ExplicitHashKey":"340282366920938463463374607431768211456"}]})",
      "InvalidArgumentException");
  // Constraint violation.
  EXPECT_EQ(Err("PutRecords", R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":"AAAA","PartitionKey":""}]})",
                "ValidationException"),
            "1 validation error detected: Value '' at 'records.3.member.partitionKey' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");
  // A record above the stream's 1 MiB limit.
  std::string big = B64(std::string(1024 * 1024 + 1, 'x'));
  EXPECT_EQ(Err("PutRecords",
                R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":")" + big + R"(","PartitionKey":"c"}]})",
                "ValidationException"),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at "
            "'records.3.member.data' failed to satisfy constraint: Member must have length less than or equal to "
            "1048576");
  // More than 5 MiB in total.
  std::string mib = B64(std::string(1024 * 1024 - 10, 'y'));
  std::string six = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < 6; ++i)
    six += (i ? "," : "") + std::string(R"({"Data":")") + mib + R"(","PartitionKey":"p)" + std::to_string(i) + "\"}";
  six += "]}";
  Err("PutRecords", six, "InvalidArgumentException");
  // Unknown stream.
  Err("PutRecords", R"({"StreamName":"nope","Records":[)" + good + "]}", "ResourceNotFoundException");
  EXPECT_EQ(TotalRecords("s", 2), 0u);
  // The same good records then go through, numbered from offset 0.
  Reply ok = Ok("PutRecords", R"({"StreamName":"s","Records":[)" + good + "]}");
  EXPECT_EQ(int64_t(ok.json["FailedRecordCount"]), 0);
  EXPECT_EQ(TotalRecords("s", 2), 2u);
  for (simdjson::dom::element rec : simdjson::dom::array(ok.json["Records"]))
    EXPECT_EQ(Sn(std::string_view(rec["SequenceNumber"])).offset, 0u);
}

TEST_F(DispatcherTest, PutRecordsAcceptsFiveHundredRecords) {
  CreateStream("s", 3);
  std::string body = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < 500; ++i)
    body += (i ? "," : "") + std::string(R"({"Data":"AAAA","PartitionKey":"k)") + std::to_string(i) + "\"}";
  body += "]}";
  Reply r = Ok("PutRecords", body);
  EXPECT_EQ(simdjson::dom::array(r.json["Records"]).size(), 500u);
  EXPECT_EQ(TotalRecords("s", 3), 500u);
  body.insert(body.size() - 2, R"(,{"Data":"AAAA","PartitionKey":"extra"})");
  Err("PutRecords", body, "ValidationException");
  EXPECT_EQ(TotalRecords("s", 3), 500u);
}

}  // namespace
}  // namespace sluice::server::api::dispatcher_testing
