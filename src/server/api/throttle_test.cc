// Throughput limits through KinesisDispatcher over the in-memory store, on a manual clock: exact
// per-record outcomes of PutRecords, whole-call failures of PutRecord/GetRecords, and
// control-plane rates.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "limits/limits_registry.h"
#include "server/api/api_context.h"
#include "server/api/kinesis_dispatcher.h"
#include "storage/memory_log_store.h"

namespace sluice::server::api {
namespace {

const std::string kRate = "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.";

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

struct Fixture {
  explicit Fixture(limits::LimitsConfig cfg = {})
      : store(storage::NewMemoryLogStore()),
        meta(catalog::NewMemoryMetadataStore()),
        catalog(catalog::CatalogOptions{}, &clock, store.get(), meta.get()),
        limits(cfg) {
    ctx.catalog = &catalog;
    ctx.clock = &clock;
    ctx.limits = &limits;
    dispatcher = std::make_unique<KinesisDispatcher>(&ctx);
    EXPECT_EQ(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"), 200);
  }
  int Call(std::string_view op, std::string body) {
    body.reserve(body.size() + 64);
    ApiRequest req;
    req.operation = op;
    req.body = body;
    req.caller = {"000000000000", "us-east-1", "AKID"};
    resp = {};
    dispatcher->Dispatch(req, &resp, [] {});
    return resp.http_status;
  }
  int PutRecords(int n, int data_b64_len = 4) {
    std::string body = R"({"StreamName":"s","Records":[)";
    for (int i = 0; i < n; ++i) {
      if (i) body += ',';
      body += R"({"Data":")" + std::string(static_cast<size_t>(data_b64_len), 'A') + R"(","PartitionKey":"k"})";
    }
    return Call("PutRecords", body + "]}");
  }
  ManualClock clock;
  std::unique_ptr<storage::MemoryLogStore> store;
  std::unique_ptr<catalog::MetadataStore> meta;
  catalog::Catalog catalog;
  limits::LimitsRegistry limits;
  ApiContext ctx;
  std::unique_ptr<KinesisDispatcher> dispatcher;
  ApiResponse resp;
};

TEST(Throttle, PutRecordsFailsOnlyTheRecordsOverTheBudget) {
  Fixture f;
  ASSERT_EQ(f.PutRecords(500), 200);
  ASSERT_EQ(f.PutRecords(500), 200);
  EXPECT_NE(f.resp.body.find("\"FailedRecordCount\":0,"), std::string::npos);
  ASSERT_EQ(f.PutRecords(300), 200);  // the 1000 records/s burst is spent
  EXPECT_NE(f.resp.body.find("\"FailedRecordCount\":300,"), std::string::npos) << f.resp.body;
  EXPECT_EQ(Count(f.resp.body,
                  "{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"" + kRate + "\"}"),
            300u);
  f.clock.Advance(100);  // 100 records refilled
  ASSERT_EQ(f.PutRecords(300), 200);
  EXPECT_NE(f.resp.body.find("\"FailedRecordCount\":200,"), std::string::npos) << f.resp.body;
  EXPECT_EQ(Count(f.resp.body, "\"SequenceNumber\""), 100u);
  // the throttled records were not written: 1100 records in the shard
  ASSERT_EQ(f.Call("GetShardIterator",
                   R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})"),
            200);
  std::string it = f.resp.body.substr(f.resp.body.find(":\"") + 2);
  it = it.substr(0, it.find('"'));
  ASSERT_EQ(f.Call("GetRecords", R"({"ShardIterator":")" + it + R"("})"), 200);
  EXPECT_EQ(Count(f.resp.body, "\"SequenceNumber\""), 1100u);
}

TEST(Throttle, PutRecordFailsWholeWithHttp400) {
  Fixture f;
  ASSERT_EQ(f.PutRecords(500), 200);
  ASSERT_EQ(f.PutRecords(500), 200);
  EXPECT_EQ(f.Call("PutRecord", R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k"})"), 400);
  EXPECT_EQ(f.resp.error_type, "ProvisionedThroughputExceededException");
  EXPECT_NE(f.resp.body.find(kRate), std::string::npos) << f.resp.body;
  f.clock.Advance(1);
  EXPECT_EQ(f.Call("PutRecord", R"({"StreamName":"s","Data":"AAAA","PartitionKey":"k"})"), 200);
}

TEST(Throttle, GetRecordsAndShardIterators) {
  Fixture f;
  std::string gsi = R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"})";
  for (int i = 0; i < 5; ++i) ASSERT_EQ(f.Call("GetShardIterator", gsi), 200);
  EXPECT_EQ(f.Call("GetShardIterator", gsi), 400);
  EXPECT_EQ(f.resp.error_type, "ProvisionedThroughputExceededException");
  f.clock.Advance(200);
  ASSERT_EQ(f.Call("GetShardIterator", gsi), 200);
  std::string it = f.resp.body.substr(f.resp.body.find(":\"") + 2);
  it = it.substr(0, it.find('"'));
  std::string get = R"({"ShardIterator":")" + it + R"("})";
  for (int i = 0; i < 5; ++i) ASSERT_EQ(f.Call("GetRecords", get), 200);
  EXPECT_EQ(f.Call("GetRecords", get), 400);
  EXPECT_NE(f.resp.body.find(kRate), std::string::npos) << f.resp.body;
  f.clock.Advance(200);
  EXPECT_EQ(f.Call("GetRecords", get), 200);
}

TEST(Throttle, ControlPlaneRates) {
  Fixture f;
  EXPECT_EQ(f.Call("DescribeLimits", "{}"), 200);
  EXPECT_EQ(f.Call("DescribeLimits", "{}"), 400);
  EXPECT_EQ(f.resp.error_type, "LimitExceededException");
  EXPECT_NE(f.resp.body.find("Rate exceeded for account 000000000000."), std::string::npos) << f.resp.body;
  for (int i = 0; i < 20; ++i) ASSERT_EQ(f.Call("DescribeStreamSummary", R"({"StreamName":"s"})"), 200);
  EXPECT_EQ(f.Call("DescribeStreamSummary", R"({"StreamName":"s"})"), 400);
  EXPECT_NE(f.resp.body.find("Rate exceeded for stream s under account 000000000000."), std::string::npos);
  f.clock.Advance(1000);
  EXPECT_EQ(f.Call("DescribeLimits", "{}"), 200);
}

TEST(Throttle, DataPlaneOffLeavesControlPlaneOn) {
  limits::LimitsConfig cfg;
  cfg.data_plane = false;
  Fixture f(cfg);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(f.PutRecords(500), 200);
  EXPECT_NE(f.resp.body.find("\"FailedRecordCount\":0,"), std::string::npos);
  EXPECT_EQ(f.Call("DescribeLimits", "{}"), 200);
  EXPECT_EQ(f.Call("DescribeLimits", "{}"), 400);
}

}  // namespace
}  // namespace sluice::server::api
