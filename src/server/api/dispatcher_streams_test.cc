// KinesisDispatcher: stream lifecycle (create, describe, delete), addressing, retention and record size.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// CreateStream / DescribeStreamSummary / DeleteStream

TEST_F(DispatcherTest, CreateAndDescribeSummary) {
  CreateStream("orders", 3);
  Reply r = Ok("DescribeStreamSummary", R"({"StreamName":"orders"})");
  auto d = r.json["StreamDescriptionSummary"];
  EXPECT_EQ(std::string_view(d["StreamName"]), "orders");
  EXPECT_EQ(std::string_view(d["StreamARN"]), Arn("orders"));
  EXPECT_EQ(std::string_view(d["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(std::string_view(d["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_EQ(int64_t(d["RetentionPeriodHours"]), 24);
  EXPECT_EQ(int64_t(d["OpenShardCount"]), 3);
  EXPECT_EQ(int64_t(d["MaxRecordSizeInKiB"]), 1024);
  EXPECT_EQ(int64_t(d["ConsumerCount"]), 0);
  EXPECT_EQ(std::string_view(d["EncryptionType"]), "NONE");
  EXPECT_DOUBLE_EQ(double(d["StreamCreationTimestamp"]), 1700000000.0);
  EXPECT_EQ(simdjson::dom::array(d["EnhancedMonitoring"]).size(), 1u);
  EXPECT_EQ(simdjson::dom::array(d["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]).size(), 0u);
  // Never StreamId (botocore would bypass the endpoint override).
  simdjson::dom::element id;
  EXPECT_NE(d["StreamId"].get(id), simdjson::SUCCESS);
  EXPECT_EQ(r.body.find("StreamId"), std::string::npos);
  // Same through the ARN.
  Reply by_arn = Ok("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("orders")) + "}");
  EXPECT_EQ(std::string_view(by_arn.json["StreamDescriptionSummary"]["StreamName"]), "orders");
}

TEST_F(DispatcherTest, CreateStreamErrors) {
  CreateStream("s", 1);
  EXPECT_EQ(Err("CreateStream", R"({"StreamName":"s","ShardCount":1})", "ResourceInUseException"),
            "Stream s under account 123456789012 already exists.");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":2,"StreamModeDetails":{"StreamMode":"ON_DEMAND"}})",
      "ValidationException");
  Err("CreateStream", R"({"StreamName":"t","StreamModeDetails":{"StreamMode":"PROVISIONED"}})",
      "InvalidArgumentException");
  Err("CreateStream", "{\"StreamARN\":" + Q(Arn("t")) + ",\"ShardCount\":1}", "ValidationException");
  Err("CreateStream", R"({"ShardCount":1})", "ValidationException");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":0})", "ValidationException");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":1,"Tags":{"bad*key":"v"}})", "InvalidArgumentException");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":1,"WarmThroughputMiBps":10})", "InvalidArgumentException");
  std::string tags;
  for (int i = 0; i < 51; ++i) tags += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  Err("CreateStream", "{\"StreamName\":\"t\",\"ShardCount\":1,\"Tags\":{" + tags + "}}", "LimitExceededException");
  Err("DescribeStreamSummary", R"({"StreamName":"t"})", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, CreateStreamWithTagsAndRecordSize) {
  Ok("CreateStream", R"({"StreamName":"t","ShardCount":1,"Tags":{"b":"2","a":"1"},"MaxRecordSizeInKiB":4096})");
  Reply tags = Ok("ListTagsForStream", R"({"StreamName":"t"})");
  auto list = simdjson::dom::array(tags.json["Tags"]);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(std::string_view(list.at(0)["Key"]), "a");
  EXPECT_EQ(std::string_view(list.at(1)["Key"]), "b");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"t"})");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["MaxRecordSizeInKiB"]), 4096);
}

TEST_F(DispatcherTest, OnDemandStreams) {
  Ok("CreateStream", R"({"StreamName":"od","StreamModeDetails":{"StreamMode":"ON_DEMAND"}})");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"od"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]), "ON_DEMAND");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 4);
  // Neither ShardCount nor StreamModeDetails: on-demand.
  Ok("CreateStream", R"({"StreamName":"od2"})");
  Reply d2 = Ok("DescribeStreamSummary", R"({"StreamName":"od2"})");
  EXPECT_EQ(std::string_view(d2.json["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]), "ON_DEMAND");
  Reply limits = Ok("DescribeLimits", "{}");
  EXPECT_EQ(int64_t(limits.json["OnDemandStreamCount"]), 2);
  EXPECT_EQ(int64_t(limits.json["OnDemandStreamCountLimit"]), 50);
  EXPECT_EQ(int64_t(limits.json["OpenShardCount"]), 0);
}

TEST_F(DispatcherTest, ShardLimitIsLimitExceeded) {
  catalog::CatalogOptions o;
  o.shard_limit = 5;
  Rebuild(o);
  CreateStream("a", 3);
  Err("CreateStream", R"({"StreamName":"b","ShardCount":3})", "LimitExceededException");
  CreateStream("b", 2);
  Reply limits = Ok("DescribeLimits", "{}");
  EXPECT_EQ(int64_t(limits.json["ShardLimit"]), 5);
  EXPECT_EQ(int64_t(limits.json["OpenShardCount"]), 5);
}

TEST_F(DispatcherTest, CreatingStreamLifecycle) {
  catalog::CatalogOptions o;
  o.create_stream_delay_ms = 2000;
  o.delete_stream_delay_ms = 1000;
  Rebuild(o);
  CreateStream("s", 2);
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamStatus"]), "CREATING");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 0);
  Reply ds = Ok("DescribeStream", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(ds.json["StreamDescription"]["StreamStatus"]), "CREATING");
  EXPECT_EQ(simdjson::dom::array(ds.json["StreamDescription"]["Shards"]).size(), 0u);
  // Data plane: the stream has no readable shards yet.
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AAAA"})", "ResourceNotFoundException");
  Err("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"})",
      "ResourceNotFoundException");
  Err("ListShards", R"({"StreamName":"s"})", "ResourceInUseException");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"b"}})", "ResourceInUseException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})", "ResourceInUseException");
  clock_.Advance(2000);
  d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamStatus"]), "ACTIVE");
  Put("s", "k", "x");
  Ok("DeleteStream", R"({"StreamName":"s"})");
  d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamStatus"]), "DELETING");
  clock_.Advance(1000);
  EXPECT_EQ(Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException"),
            "Stream s under account 123456789012 not found.");
}

TEST_F(DispatcherTest, DeleteStream) {
  CreateStream("s", 1);
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  Reply r = Ok("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":true})");
  EXPECT_EQ(r.body, "");
  Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException");
  Err("DeleteStream", R"({"StreamName":"s"})", "ResourceNotFoundException");
  // An iterator of the deleted stream finds nothing, even after a stream of the same name is
  // created again.
  Err("GetRecords", "{\"ShardIterator\":" + Q(it) + "}", "ResourceNotFoundException");
  CreateStream("s", 1);
  Put("s", "k", "new incarnation");
  Reply again = Call("GetRecords", "{\"ShardIterator\":" + Q(it) + "}");
  EXPECT_NE(again.status, 200) << again;
  Err("DeleteStream", "{}", "InvalidArgumentException");
}

// ---------------------------------------------------------------------------------------------
// Stream addressing

TEST_F(DispatcherTest, ArnResolution) {
  CreateStream("s", 1);
  Ok("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s")) + "}");
  Ok("DescribeStreamSummary", "{\"StreamName\":\"s\",\"StreamARN\":" + Q(Arn("s")) + "}");
  // Another partition with the same account and region names the same stream.
  Ok("DescribeStreamSummary", "{\"StreamARN\":\"arn:aws-cn:kinesis:us-east-1:123456789012:stream/s\"}");
  // Account mismatch: access denied.
  std::string msg = Err("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s", kRegion, "999999999999")) + "}",
                        "AccessDeniedException");
  EXPECT_THAT(msg, HasSubstr("123456789012"));
  Err("PutRecord",
      "{\"StreamARN\":" + Q(Arn("s", kRegion, "999999999999")) + ",\"PartitionKey\":\"k\",\"Data\":\"AAAA\"}",
      "AccessDeniedException");
  // Region mismatch: not found (the stream does not exist in the caller's region).
  Err("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s", "eu-west-1")) + "}", "ResourceNotFoundException");
  // Name and ARN disagree.
  Err("DescribeStreamSummary", "{\"StreamName\":\"other\",\"StreamARN\":" + Q(Arn("s")) + "}",
      "InvalidArgumentException");
  // A consumer ARN where a stream ARN is expected.
  Err("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s") + "/consumer/c:1700000000") + "}",
      "InvalidArgumentException");
  // Neither.
  Err("DescribeStreamSummary", "{}", "InvalidArgumentException");
  Err("DescribeStream", "{}", "InvalidArgumentException");
  Err("PutRecord", R"({"PartitionKey":"k","Data":"AAAA"})", "InvalidArgumentException");
  // Malformed ARN: a model violation.
  Err("DescribeStreamSummary", R"({"StreamARN":"arn:aws:kinesis:us-east-1:12345678901:stream/s"})",
      "ValidationException");
}

TEST_F(DispatcherTest, CallersSeeOnlyTheirOwnStreams) {
  CreateStream("s", 1);
  CallerIdentity other{"999999999999", std::string(kRegion), "AKIAOTHER"};
  CallerIdentity other_region{std::string(kAccount), "eu-west-1", "AKIAEXAMPLE"};
  Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException", 400, &other);
  Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException", 400, &other_region);
  Reply ls = Ok("ListStreams", "{}", &other);
  EXPECT_EQ(simdjson::dom::array(ls.json["StreamNames"]).size(), 0u);
  // The same name can exist for the other account.
  Ok("CreateStream", R"({"StreamName":"s","ShardCount":2})", &other);
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})", &other);
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 2);
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamARN"]), Arn("s", kRegion, "999999999999"));
}

// ---------------------------------------------------------------------------------------------
// Retention and record size

TEST_F(DispatcherTest, RetentionRules) {
  CreateStream("s", 1);
  auto retention = [&] {
    return int64_t(
        Ok("DescribeStreamSummary", R"({"StreamName":"s"})").json["StreamDescriptionSummary"]["RetentionPeriodHours"]);
  };
  EXPECT_EQ(Ok("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})").body, "");
  EXPECT_EQ(retention(), 48);
  // Increase must not shorten; Decrease must not lengthen.
  std::string msg = Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":24})",
                        "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("24"));
  EXPECT_THAT(msg, HasSubstr("48"));
  msg = Err("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":72})",
            "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("72"));
  EXPECT_THAT(msg, HasSubstr("48"));
  EXPECT_EQ(retention(), 48);
  // The same period is neither an increase nor a decrease.
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})", "InvalidArgumentException");
  Err("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})", "InvalidArgumentException");
  EXPECT_EQ(retention(), 48);
  Ok("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":24})");
  EXPECT_EQ(retention(), 24);
  // Bounds 24..8760.
  msg = Err("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":23})",
            "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("24"));
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":8761})", "InvalidArgumentException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":0})", "InvalidArgumentException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":-5})", "InvalidArgumentException");
  Ok("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":8760})");
  EXPECT_EQ(retention(), 8760);
  Reply ds = Ok("DescribeStream", R"({"StreamName":"s"})");
  EXPECT_EQ(int64_t(ds.json["StreamDescription"]["RetentionPeriodHours"]), 8760);
  // Missing value, unknown stream, ARN addressing.
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s"})", "ValidationException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"nope","RetentionPeriodHours":48})",
      "ResourceNotFoundException");
  Ok("DecreaseStreamRetentionPeriod", "{\"StreamARN\":" + Q(Arn("s")) + ",\"RetentionPeriodHours\":100}");
  EXPECT_EQ(retention(), 100);
}

TEST_F(DispatcherTest, UpdateMaxRecordSizeThenTwoMiBRecordIsAccepted) {
  CreateStream("s", 1);
  const std::string one_mib = std::string(1024 * 1024, 'a');
  const std::string two_mib = std::string(2 * 1024 * 1024, 'b');
  auto put_body = [](const std::string& data) {
    return "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"" + B64(data) + "\"}";
  };
  // Default: 1 MiB.
  Ok("PutRecord", put_body(one_mib));
  EXPECT_EQ(Err("PutRecord", put_body(one_mib + "x"), "ValidationException"),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' "
            "failed to satisfy constraint: Member must have length less than or equal to 1048576");
  Err("PutRecord", put_body(two_mib), "ValidationException");
  // Raise to 2 MiB.
  EXPECT_EQ(Ok("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":2048}").body, "");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["MaxRecordSizeInKiB"]), 2048);
  PutResult big = [&] {
    Reply r = Ok("PutRecord", put_body(two_mib));
    return PutResult{Str(r.json["ShardId"]), Str(r.json["SequenceNumber"])};
  }();
  Err("PutRecord", put_body(two_mib + "x"), "ValidationException");
  // PutRecords takes it too (the request cap rises to 10 MiB).
  Reply pr = Ok("PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"PartitionKey\":\"k\",\"Data\":\"" + B64(two_mib) +
                                  "\"},{\"PartitionKey\":\"k\",\"Data\":\"" + B64(two_mib) +
                                  "\"},{\"PartitionKey\":\"k\",\"Data\":\"" + B64(two_mib) + "\"}]}");
  EXPECT_EQ(int64_t(pr.json["FailedRecordCount"]), 0);
  // And it reads back intact.
  std::vector<Rec> all = ReadShard("s", "shardId-000000000000");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].data, one_mib);
  EXPECT_EQ(all[1].data, two_mib);
  EXPECT_EQ(all[1].sequence_number, big.sequence_number);
  EXPECT_EQ(all[4].data, two_mib);
  // Errors.
  EXPECT_EQ(Err("UpdateMaxRecordSize", R"({"StreamName":"s","MaxRecordSizeInKiB":2048})", "InvalidArgumentException"),
            "StreamARN must be provided.");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":10241}", "ValidationException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":1023}", "ValidationException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + "}", "ValidationException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("nope")) + ",\"MaxRecordSizeInKiB\":2048}",
      "ResourceNotFoundException");
  // Back down to 1 MiB: 2 MiB records are refused again.
  Ok("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":1024}");
  Err("PutRecord", put_body(two_mib), "ValidationException");
}

TEST_F(DispatcherTest, PartitionKeysAreStoredAndHashedAsUtf8) {
  CreateStream("s", 8);
  // JSON escapes are decoded before hashing: "\u00e9" is the UTF-8 bytes C3 A9.
  Reply r = Ok("PutRecord", R"({"StreamName":"s","PartitionKey":"caf\u00e9 \"q\" \\ \n","Data":"AAAA"})");
  const std::string key = "caf\xc3\xa9 \"q\" \\ \n";
  model::HashKey h = model::HashPartitionKey(key);
  uint32_t expect = 0;
  for (uint32_t i = 0; i < 8; ++i)
    if (model::EvenRange(i, 8).Contains(h)) expect = i;
  EXPECT_EQ(Str(r.json["ShardId"]), model::FormatShardId({expect}));
  std::vector<Rec> got = ReadShard("s", model::FormatShardId({expect}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].partition_key, key);
}

TEST_F(DispatcherTest, ProvisionedModeAndHugeShardCounts) {
  Ok("CreateStream", R"({"StreamName":"p","ShardCount":2,"StreamModeDetails":{"StreamMode":"PROVISIONED"}})");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"p"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 2);
  Err("CreateStream", R"({"StreamName":"big","ShardCount":501})", "LimitExceededException");
  Err("CreateStream", R"({"StreamName":"big","ShardCount":9999999999})", "LimitExceededException");
  Err("CreateStream", R"({"StreamName":"big","ShardCount":9223372036854775807})", "LimitExceededException");
  Err("DescribeStreamSummary", R"({"StreamName":"big"})", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, DataPlaneKeepsWorkingWhileDeleting) {
  catalog::CatalogOptions o;
  o.delete_stream_delay_ms = 10'000;
  Rebuild(o);
  CreateStream("s", 1);
  Put("s", "k", "before");
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  Ok("DeleteStream", R"({"StreamName":"s"})");
  Page p = Get(it);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].data, "before");
  // Control operations that change the stream need it ACTIVE.
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"b"}})", "ResourceInUseException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":2048}",
      "ResourceInUseException");
  clock_.Advance(10'000);
  Err("GetRecords", "{\"ShardIterator\":" + Q(*p.next) + "}", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, SequenceNumbersOfAPreviousIncarnationAreRejected) {
  // docs/formats/sequence-number.md: the epoch "distinguishes a re-created stream of the same
  // name", and a number whose epoch is not the stream's is InvalidArgumentException.
  CreateStream("s", 1);
  PutResult old = Put("s", "k", "old incarnation");
  clock_.Advance(2000);
  Ok("DeleteStream", R"({"StreamName":"s"})");
  CreateStream("s", 1);
  Put("s", "k", "new incarnation");
  const std::string req =
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER",
                              "StartingSequenceNumber":)" +
      Q(old.sequence_number) + "}";
  Err("GetShardIterator", req, "InvalidArgumentException");
  // Re-created within the same second (a common pattern in test suites that reset a stream).
  Ok("DeleteStream", R"({"StreamName":"s"})");
  CreateStream("s", 1);
  PutResult third = Put("s", "k", "third incarnation");
  (void)third;
  const std::string req2 =
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER",
                               "StartingSequenceNumber":)" +
      Q(Put("s", "k", "x").sequence_number) + "}";
  Ok("GetShardIterator", req2);
  clock_.Advance(10);
  Ok("DeleteStream", R"({"StreamName":"s"})");
  CreateStream("s", 1);
  Reply r = Call("GetShardIterator", req2);
  EXPECT_EQ(r.error_type, "InvalidArgumentException") << r;
}

TEST_F(DispatcherTest, RecordsOlderThanRetentionAreNotReturned) {
  CreateStream("s", 1);
  Put("s", "k", "old");
  clock_.Advance(24 * 3600 * 1000 + 1000);  // the record is now past the 24 h retention
  Put("s", "k", "new");
  Page p = Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"));
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].data, "new");
}

}  // namespace
}  // namespace sluice::server::api::dispatcher_testing
