// KinesisDispatcher: ListShards, DescribeStream and ListStreams paging.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

// ---------------------------------------------------------------------------------------------
// ListShards / DescribeStream / ListStreams paging

std::vector<std::string> ShardIds(const Reply& r, const char* key = "Shards") {
  std::vector<std::string> ids;
  simdjson::dom::array shards;
  if (r.json[key].get(shards) != simdjson::SUCCESS) return ids;
  for (simdjson::dom::element s : shards) ids.emplace_back(std::string_view(s["ShardId"]));
  return ids;
}

TEST_F(DispatcherTest, ListShardsContent) {
  CreateStream("s", 4);
  Reply r = Ok("ListShards", R"({"StreamName":"s"})");
  auto shards = simdjson::dom::array(r.json["Shards"]);
  ASSERT_EQ(shards.size(), 4u);
  uint32_t i = 0;
  for (simdjson::dom::element sh : shards) {
    EXPECT_EQ(std::string_view(sh["ShardId"]), model::FormatShardId({i}));
    EXPECT_EQ(std::string_view(sh["HashKeyRange"]["StartingHashKey"]),
              model::FormatHashKey(model::EvenRange(i, 4).start));
    EXPECT_EQ(std::string_view(sh["HashKeyRange"]["EndingHashKey"]), model::FormatHashKey(model::EvenRange(i, 4).end));
    EXPECT_EQ(std::string_view(sh["SequenceNumberRange"]["StartingSequenceNumber"]),
              model::FormatSequenceNumber({static_cast<uint32_t>(kStart / 1000), i, 0, 0}));
    simdjson::dom::element x;
    EXPECT_NE(sh["SequenceNumberRange"]["EndingSequenceNumber"].get(x), simdjson::SUCCESS);
    EXPECT_NE(sh["ParentShardId"].get(x), simdjson::SUCCESS);
    ++i;
  }
  EXPECT_EQ(std::string_view(r.json["Shards"].at(3)["HashKeyRange"]["EndingHashKey"]),
            "340282366920938463463374607431768211455");
  EXPECT_EQ(std::string_view(r.json["Shards"].at(1)["HashKeyRange"]["StartingHashKey"]),
            "85070591730234615865843651857942052864");
  simdjson::dom::element tok;
  EXPECT_NE(r.json["NextToken"].get(tok), simdjson::SUCCESS);
}

TEST_F(DispatcherTest, ListShardsPaging) {
  CreateStream("s", 5);
  Reply p1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":2})");
  EXPECT_EQ(ShardIds(p1), (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001"}));
  std::string t1 = Str(p1.json["NextToken"]);
  Reply p2 = Ok("ListShards", "{\"NextToken\":" + Q(t1) + ",\"MaxResults\":2}");
  EXPECT_EQ(ShardIds(p2), (std::vector<std::string>{"shardId-000000000002", "shardId-000000000003"}));
  std::string t2 = Str(p2.json["NextToken"]);
  Reply p3 = Ok("ListShards", "{\"NextToken\":" + Q(t2) + ",\"MaxResults\":2}");
  EXPECT_EQ(ShardIds(p3), (std::vector<std::string>{"shardId-000000000004"}));
  simdjson::dom::element tok;
  EXPECT_NE(p3.json["NextToken"].get(tok), simdjson::SUCCESS);
  // Exactly a page left: no NextToken.
  Reply exact = Ok("ListShards", R"({"StreamName":"s","MaxResults":5})");
  EXPECT_EQ(ShardIds(exact).size(), 5u);
  EXPECT_NE(exact.json["NextToken"].get(tok), simdjson::SUCCESS);
  // Tokens can be reused while valid.
  EXPECT_EQ(ShardIds(Ok("ListShards", "{\"NextToken\":" + Q(t1) + ",\"MaxResults\":2}")), ShardIds(p2));
  // Default page size is 1000 and larger values behave as 1000 (here: everything).
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","MaxResults":10000})")).size(), 5u);
  // ExclusiveStartShardId.
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000002"})")),
            (std::vector<std::string>{"shardId-000000000003", "shardId-000000000004"}));
  // ShardFilter AFTER_SHARD_ID.
  EXPECT_EQ(
      ShardIds(Ok("ListShards",
                  R"({"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"shardId-000000000003"}})")),
      (std::vector<std::string>{"shardId-000000000004"}));
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST"}})")).size(), 5u);
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_TRIM_HORIZON"}})")).size(), 5u);
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"FROM_TRIM_HORIZON"}})")).size(), 5u);
  EXPECT_EQ(
      ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":1700000000}})"))
          .size(),
      5u);
  // A filter survives paging.
  Reply f1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":3,"ShardFilter":{"Type":"AT_LATEST"}})");
  EXPECT_EQ(ShardIds(f1).size(), 3u);
  Reply f2 = Ok("ListShards", "{\"NextToken\":" + Q(Str(f1.json["NextToken"])) + "}");
  EXPECT_EQ(ShardIds(f2), (std::vector<std::string>{"shardId-000000000003", "shardId-000000000004"}));
  // Through the ARN.
  EXPECT_EQ(ShardIds(Ok("ListShards", "{\"StreamARN\":" + Q(Arn("s")) + "}")).size(), 5u);
}

TEST_F(DispatcherTest, ListShardsErrors) {
  CreateStream("s", 3);
  Reply p1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":1})");
  std::string tok = Str(p1.json["NextToken"]);
  Err("ListShards", "{\"NextToken\":" + Q(tok) + ",\"StreamName\":\"s\"}", "InvalidArgumentException");
  Err("ListShards", "{\"NextToken\":" + Q(tok) + ",\"ExclusiveStartShardId\":\"shardId-000000000000\"}",
      "InvalidArgumentException");
  Err("ListShards", "{}", "InvalidArgumentException");
  Err("ListShards", R"({"NextToken":"bm90IGEgdG9rZW4="})", "InvalidArgumentException");
  std::string tampered = tok;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  Err("ListShards", "{\"NextToken\":" + Q(tampered) + "}", "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID"}})", "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP"}})", "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST","ShardId":"shardId-000000000000"}})",
      "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST","Timestamp":1700000000}})",
      "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"NOPE"}})", "ValidationException");
  Err("ListShards", R"({"StreamName":"s","MaxResults":0})", "ValidationException");
  Err("ListShards", R"({"StreamName":"nope"})", "ResourceNotFoundException");
  // StreamCreationTimestamp must match the stream's.
  Ok("ListShards", R"({"StreamName":"s","StreamCreationTimestamp":1700000000})");
  Err("ListShards", R"({"StreamName":"s","StreamCreationTimestamp":1600000000})", "ResourceNotFoundException");
  // A ListStreams token is not a ListShards token.
  CreateStream("t", 1);
  Reply ls = Ok("ListStreams", R"({"Limit":1})");
  Err("ListShards", "{\"NextToken\":" + Q(Str(ls.json["NextToken"])) + "}", "InvalidArgumentException");
}

TEST_F(DispatcherTest, ListShardsNextTokenExpires) {
  CreateStream("s", 3);
  Reply p1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":1})");
  std::string tok = Str(p1.json["NextToken"]);
  clock_.Advance(300'000);
  Ok("ListShards", "{\"NextToken\":" + Q(tok) + "}");  // exactly 300 s: still valid
  clock_.Advance(1);
  Err("ListShards", "{\"NextToken\":" + Q(tok) + "}", "ExpiredNextTokenException");
}

TEST_F(DispatcherTest, DescribeStreamPaging) {
  CreateStream("s", 5);
  Reply p1 = Ok("DescribeStream", R"({"StreamName":"s","Limit":2})");
  auto d1 = p1.json["StreamDescription"];
  EXPECT_EQ(std::string_view(d1["StreamName"]), "s");
  EXPECT_EQ(std::string_view(d1["StreamARN"]), Arn("s"));
  EXPECT_EQ(std::string_view(d1["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(int64_t(d1["RetentionPeriodHours"]), 24);
  EXPECT_EQ(std::string_view(d1["EncryptionType"]), "NONE");
  EXPECT_EQ(std::string_view(d1["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_DOUBLE_EQ(double(d1["StreamCreationTimestamp"]), 1700000000.0);
  EXPECT_EQ(simdjson::dom::array(d1["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]).size(), 0u);
  std::vector<std::string> ids;
  {
    simdjson::dom::array shards = d1["Shards"];
    for (simdjson::dom::element s : shards) ids.emplace_back(std::string_view(s["ShardId"]));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001"}));
  EXPECT_TRUE(bool(d1["HasMoreShards"]));
  std::vector<std::string> all = ids;
  std::string last = ids.back();
  for (int page = 0; page < 5; ++page) {
    Reply p = Ok("DescribeStream", "{\"StreamName\":\"s\",\"Limit\":2,\"ExclusiveStartShardId\":" + Q(last) + "}");
    simdjson::dom::array shards = p.json["StreamDescription"]["Shards"];
    for (simdjson::dom::element s : shards) all.emplace_back(std::string_view(s["ShardId"]));
    last = all.back();
    if (!bool(p.json["StreamDescription"]["HasMoreShards"])) break;
  }
  EXPECT_EQ(all, (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002",
                                           "shardId-000000000003", "shardId-000000000004"}));
  Reply exact = Ok("DescribeStream", R"({"StreamName":"s","Limit":5})");
  EXPECT_FALSE(bool(exact.json["StreamDescription"]["HasMoreShards"]));
  Reply after_last = Ok("DescribeStream", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000004"})");
  EXPECT_EQ(simdjson::dom::array(after_last.json["StreamDescription"]["Shards"]).size(), 0u);
  EXPECT_FALSE(bool(after_last.json["StreamDescription"]["HasMoreShards"]));
}

TEST_F(DispatcherTest, DescribeStreamLimitAbove100BehavesAs100) {
  CreateStream("s", 120);
  for (const char* body :
       {R"({"StreamName":"s"})", R"({"StreamName":"s","Limit":10000})", R"({"StreamName":"s","Limit":101})"}) {
    Reply r = Ok("DescribeStream", body);
    EXPECT_EQ(simdjson::dom::array(r.json["StreamDescription"]["Shards"]).size(), 100u) << body;
    EXPECT_TRUE(bool(r.json["StreamDescription"]["HasMoreShards"]));
  }
  Reply rest = Ok("DescribeStream", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000099"})");
  EXPECT_EQ(simdjson::dom::array(rest.json["StreamDescription"]["Shards"]).size(), 20u);
  EXPECT_FALSE(bool(rest.json["StreamDescription"]["HasMoreShards"]));
  // ListShards pages up to 1000.
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s"})")).size(), 120u);
}

TEST_F(DispatcherTest, ListStreamsPaging) {
  for (const char* n : {"delta", "alpha", "echo", "charlie", "bravo"}) CreateStream(n, 1);
  CallerIdentity other{"999999999999", std::string(kRegion), "AKIAOTHER"};
  Ok("CreateStream", R"({"StreamName":"zulu-other-account","ShardCount":1})", &other);
  Reply all = Ok("ListStreams", "{}");
  EXPECT_EQ(StreamNames(all), (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_FALSE(bool(all.json["HasMoreStreams"]));
  simdjson::dom::element tok;
  EXPECT_NE(all.json["NextToken"].get(tok), simdjson::SUCCESS);
  auto summaries = simdjson::dom::array(all.json["StreamSummaries"]);
  ASSERT_EQ(summaries.size(), 5u);
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamName"]), "alpha");
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamARN"]), Arn("alpha"));
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_DOUBLE_EQ(double(summaries.at(0)["StreamCreationTimestamp"]), 1700000000.0);

  Reply p1 = Ok("ListStreams", R"({"Limit":2})");
  EXPECT_EQ(StreamNames(p1), (std::vector<std::string>{"alpha", "bravo"}));
  EXPECT_TRUE(bool(p1.json["HasMoreStreams"]));
  EXPECT_EQ(simdjson::dom::array(p1.json["StreamSummaries"]).size(), 2u);
  std::string t1 = Str(p1.json["NextToken"]);
  Reply p2 = Ok("ListStreams", "{\"Limit\":2,\"NextToken\":" + Q(t1) + "}");
  EXPECT_EQ(StreamNames(p2), (std::vector<std::string>{"charlie", "delta"}));
  EXPECT_TRUE(bool(p2.json["HasMoreStreams"]));
  std::string t2 = Str(p2.json["NextToken"]);
  Reply p3 = Ok("ListStreams", "{\"Limit\":2,\"NextToken\":" + Q(t2) + "}");
  EXPECT_EQ(StreamNames(p3), (std::vector<std::string>{"echo"}));
  EXPECT_FALSE(bool(p3.json["HasMoreStreams"]));
  EXPECT_NE(p3.json["NextToken"].get(tok), simdjson::SUCCESS);
  // Legacy paging.
  EXPECT_EQ(StreamNames(Ok("ListStreams", R"({"ExclusiveStartStreamName":"charlie"})")),
            (std::vector<std::string>{"delta", "echo"}));
  EXPECT_EQ(StreamNames(Ok("ListStreams", R"({"ExclusiveStartStreamName":"c"})")),
            (std::vector<std::string>{"charlie", "delta", "echo"}));
  // Token expiry.
  clock_.Advance(300'000);
  Ok("ListStreams", "{\"NextToken\":" + Q(t1) + "}");
  clock_.Advance(1);
  Err("ListStreams", "{\"NextToken\":" + Q(t1) + "}", "ExpiredNextTokenException");
  // A ListShards token is not a ListStreams token; garbage is invalid.
  CreateStream("multi", 2);
  Reply ls2 = Ok("ListShards", R"({"StreamName":"multi","MaxResults":1})");
  Err("ListStreams", "{\"NextToken\":" + Q(Str(ls2.json["NextToken"])) + "}", "InvalidArgumentException");
  Err("ListStreams", R"({"NextToken":"garbage"})", "InvalidArgumentException");
  Err("ListStreams", R"({"Limit":0})", "ValidationException");
}

TEST_F(DispatcherTest, ListStreamsLimitAbove100BehavesAs100) {
  catalog::CatalogOptions o;
  o.shard_limit = 1000;
  Rebuild(o);
  for (int i = 0; i < 105; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "s%03d", i);
    CreateStream(name, 1);
  }
  Reply r = Ok("ListStreams", R"({"Limit":1000})");
  EXPECT_EQ(StreamNames(r).size(), 100u);
  EXPECT_TRUE(bool(r.json["HasMoreStreams"]));
  Reply dflt = Ok("ListStreams", "{}");
  EXPECT_EQ(StreamNames(dflt).size(), 100u);
  Reply rest = Ok("ListStreams", "{\"NextToken\":" + Q(Str(dflt.json["NextToken"])) + "}");
  EXPECT_EQ(StreamNames(rest), (std::vector<std::string>{"s100", "s101", "s102", "s103", "s104"}));
}

}  // namespace
}  // namespace sluice::server::api::dispatcher_testing
