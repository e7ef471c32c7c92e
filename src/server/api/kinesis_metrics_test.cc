// The AWS/Kinesis metric set and the Sluice/API metrics through KinesisDispatcher: known traffic
// in, exact values out, read back from the metric store after the aggregator's tick (ManualClock,
// in-memory store). Also EnableEnhancedMonitoring / DisableEnhancedMonitoring.
#include "server/api/kinesis_metrics.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "limits/limits_registry.h"
#include "metrics/aggregator.h"
#include "metrics/metric_store.h"
#include "protocol/aws_error.h"
#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api {
namespace {

using dispatcher_testing::B64;
using dispatcher_testing::DispatcherTest;
using dispatcher_testing::kStart;
using dispatcher_testing::Q;
using dispatcher_testing::Reply;
using metrics::StatSet;

constexpr std::string_view kAllSeven[] = {"IncomingBytes",
                                          "IncomingRecords",
                                          "OutgoingBytes",
                                          "OutgoingRecords",
                                          "WriteProvisionedThroughputExceeded",
                                          "ReadProvisionedThroughputExceeded",
                                          "IteratorAgeMilliseconds"};

class KinesisMetricsTest : public DispatcherTest {
 protected:
  void SetUp() override {
    limits::LimitsConfig lc;
    lc.control_plane = false;
    lc.shard_write_records_per_sec = 10;  // a burst of 10 records, then throttled
    lc.shard_read_calls_per_sec = 5;
    limits_ = std::make_unique<limits::LimitsRegistry>(lc);
    Restart();
  }
  // The catalog holds the recorders, which unregister from the aggregator: it goes first.
  void TearDown() override {
    dispatcher_.reset();
    catalog_.reset();
  }

  // A fresh catalog over the same metadata and logs (a server restart), with metrics wired as
  // the server does.
  void Restart(catalog::CatalogOptions options = {}) {
    Rebuild(options);
    ctx_.limits = limits_.get();
    ctx_.metrics = kinesis_.get();
    catalog_->SetAttachmentFactory(
        [this](const catalog::Stream& s, const catalog::StreamAttachment* prev) { return kinesis_->Attach(s, prev); });
    ASSERT_TRUE(catalog_->Recover().ok());
  }

  static metrics::MetricId Id(std::string_view ns, std::string_view name,
                              const std::vector<std::pair<std::string, std::string>>& dims) {
    metrics::MetricId id;
    id.ns = std::string(ns);
    id.name = std::string(name);
    for (const auto& [k, v] : dims) id.dims.push_back({k, v});
    id.Normalize();
    return id;
  }
  static metrics::MetricId StreamId(std::string_view name, std::string_view stream = "s") {
    return Id(kinesis_metrics::kNamespace, name, {{"StreamName", std::string(stream)}});
  }
  static metrics::MetricId ShardId(std::string_view name, std::string_view shard, std::string_view stream = "s") {
    return Id(kinesis_metrics::kNamespace, name,
              {{"StreamName", std::string(stream)}, {"ShardId", std::string(shard)}});
  }

  // Every datapoint of the metric at `period_s` since the test began.
  std::vector<metrics::Datapoint> Points(const metrics::MetricId& id, int64_t period_s = 60) {
    aggregator_.Tick();
    int64_t start = (kStart / 60'000 - 1) * 60'000;
    auto r = store_->Query(id, start, clock_.NowMillis() + 120'000, period_s, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::vector<metrics::Datapoint>{};
  }
  // The metric's statistics over the whole test.
  StatSet Stats(const metrics::MetricId& id) {
    StatSet all;
    for (const auto& p : Points(id)) all.Merge(p.stats);
    return all;
  }
  double Sum(const metrics::MetricId& id) { return Stats(id).sum; }
  double Samples(const metrics::MetricId& id) { return Stats(id).sample_count; }

  std::string PutRecordsBody(int n, std::string_view data = "abcd", std::string_view key = "pk") {
    std::string body = "{\"StreamName\":\"s\",\"Records\":[";
    for (int i = 0; i < n; ++i) {
      if (i) body += ',';
      body += "{\"Data\":\"" + B64(data) + "\",\"PartitionKey\":" + Q(key) + "}";
    }
    return body + "]}";
  }

  std::unique_ptr<metrics::MetricStore> store_ = metrics::NewMemoryMetricStore(&clock_);
  metrics::MetricsAggregator aggregator_{store_.get(), &clock_};
  std::unique_ptr<KinesisMetrics> kinesis_ = std::make_unique<KinesisMetrics>(&aggregator_, KinesisOperations());
  std::unique_ptr<limits::LimitsRegistry> limits_;
};

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

TEST_F(KinesisMetricsTest, PutRecordsGoldenRuleWithThrottledRecords) {
  CreateStream("s", 1);
  // 15 records on one shard whose burst is 10: 10 accepted, 5 throttled. Each record is 4 data
  // bytes + a 2-byte partition key.
  Reply r = Ok("PutRecords", PutRecordsBody(15));
  ASSERT_EQ(int64_t(r.json["FailedRecordCount"]), 5);

  EXPECT_EQ(Sum(StreamId("PutRecords.TotalRecords")), 15);
  EXPECT_EQ(Sum(StreamId("PutRecords.SuccessfulRecords")), 10);
  EXPECT_EQ(Sum(StreamId("PutRecords.FailedRecords")), 0);
  EXPECT_EQ(Sum(StreamId("PutRecords.ThrottledRecords")), 5);
  EXPECT_EQ(Sum(StreamId("PutRecords.Records")), 10);  // deprecated twin of SuccessfulRecords
  EXPECT_EQ(Sum(StreamId("IncomingRecords")), 10);
  EXPECT_EQ(Sum(StreamId("IncomingBytes")), 60);
  EXPECT_EQ(Sum(StreamId("PutRecords.Bytes")), 60);
  EXPECT_EQ(Sum(StreamId("WriteProvisionedThroughputExceeded")), 5);
  StatSet success = Stats(StreamId("PutRecords.Success"));
  EXPECT_EQ(success.sample_count, 1);
  EXPECT_EQ(success.sum, 1);
  // One sample per call for each of them.
  for (std::string_view m : {"PutRecords.TotalRecords", "PutRecords.SuccessfulRecords", "PutRecords.FailedRecords",
                             "PutRecords.ThrottledRecords", "IncomingRecords", "IncomingBytes", "PutRecords.Latency",
                             "WriteProvisionedThroughputExceeded"})
    EXPECT_EQ(Samples(StreamId(m)), 1) << m;

  // A second call, entirely throttled: Success 0 (no record succeeded), nothing incoming.
  Ok("PutRecords", PutRecordsBody(3));
  EXPECT_EQ(Sum(StreamId("PutRecords.TotalRecords")), 18);
  EXPECT_EQ(Sum(StreamId("PutRecords.ThrottledRecords")), 8);
  EXPECT_EQ(Sum(StreamId("IncomingRecords")), 10);
  success = Stats(StreamId("PutRecords.Success"));
  EXPECT_EQ(success.sample_count, 2);
  EXPECT_EQ(success.sum, 1);
  StatSet throttled = Stats(StreamId("WriteProvisionedThroughputExceeded"));
  EXPECT_EQ(throttled.min, 3);
  EXPECT_EQ(throttled.max, 5);
}

TEST_F(KinesisMetricsTest, PutRecordsGoldenRuleWithInternalFailures) {
  limits_.reset();
  ctx_.limits = nullptr;
  ctx_.faults.error_rate = 1.0;  // every record fails: throttled or internal, at random
  CreateStream("s", 2);
  Reply r = Ok("PutRecords", PutRecordsBody(40));
  size_t throttled = Count(r.body, "\"ProvisionedThroughputExceededException\"");
  size_t internal = Count(r.body, "\"InternalFailure\"");
  ASSERT_EQ(throttled + internal, 40u);
  EXPECT_EQ(Sum(StreamId("PutRecords.TotalRecords")), 40);
  EXPECT_EQ(Sum(StreamId("PutRecords.SuccessfulRecords")), 0);
  EXPECT_EQ(Sum(StreamId("PutRecords.ThrottledRecords")), double(throttled));
  EXPECT_EQ(Sum(StreamId("PutRecords.FailedRecords")), double(internal));
  EXPECT_EQ(Sum(StreamId("IncomingRecords")), 0);
  EXPECT_EQ(Sum(StreamId("PutRecords.Success")), 0);
}

TEST_F(KinesisMetricsTest, RejectedPutRecordsCountsOnlyAsAFailedCall) {
  CreateStream("s", 1);
  // A hash key above 2^128-1: the whole call fails after the stream was resolved.
  Err("PutRecords",
      R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k",)"
      R"("ExplicitHashKey":"340282366920938463463374607431768211456"}]})",
      "InvalidArgumentException");
  StatSet success = Stats(StreamId("PutRecords.Success"));
  EXPECT_EQ(success.sample_count, 1);
  EXPECT_EQ(success.sum, 0);
  EXPECT_EQ(Samples(StreamId("PutRecords.Latency")), 1);
  EXPECT_TRUE(Points(StreamId("PutRecords.TotalRecords")).empty());
  EXPECT_TRUE(Points(StreamId("IncomingRecords")).empty());
}

TEST_F(KinesisMetricsTest, PutRecordSuccessAndThrottle) {
  CreateStream("s", 1);
  for (int i = 0; i < 10; ++i) Put("s", "pk", "hello");  // 5 data bytes + 2 key bytes
  Err("PutRecord", "{\"StreamName\":\"s\",\"PartitionKey\":\"pk\",\"Data\":\"" + B64("hello") + "\"}",
      "ProvisionedThroughputExceededException");
  StatSet success = Stats(StreamId("PutRecord.Success"));
  EXPECT_EQ(success.sample_count, 11);
  EXPECT_EQ(success.sum, 10);
  EXPECT_EQ(Sum(StreamId("PutRecord.Bytes")), 70);
  EXPECT_EQ(Samples(StreamId("PutRecord.Bytes")), 10);
  StatSet bytes = Stats(StreamId("IncomingBytes"));
  EXPECT_EQ(bytes.sum, 70);
  EXPECT_EQ(bytes.min, 7);
  EXPECT_EQ(bytes.max, 7);
  EXPECT_EQ(Sum(StreamId("IncomingRecords")), 10);
  StatSet throttled = Stats(StreamId("WriteProvisionedThroughputExceeded"));
  EXPECT_EQ(throttled.sample_count, 11);
  EXPECT_EQ(throttled.sum, 1);
  EXPECT_EQ(Samples(StreamId("PutRecord.Latency")), 11);
  // PutRecords metrics untouched.
  EXPECT_TRUE(Points(StreamId("PutRecords.TotalRecords")).empty());
}

TEST_F(KinesisMetricsTest, GetRecordsBytesRecordsAndIteratorAge) {
  CreateStream("s", 1);
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  for (int i = 0; i < 3; ++i) Put("s", "pk", "abcdef");
  clock_.Advance(5000);
  auto page = Get(it);
  ASSERT_EQ(page.records.size(), 3u);
  auto tip = Get(*page.next);  // caught up: no records, age 0
  ASSERT_TRUE(tip.records.empty());

  StatSet records = Stats(StreamId("GetRecords.Records"));
  EXPECT_EQ(records.sample_count, 2);
  EXPECT_EQ(records.sum, 3);
  EXPECT_EQ(records.max, 3);
  EXPECT_EQ(records.min, 0);
  EXPECT_EQ(Sum(StreamId("GetRecords.Bytes")), 18);  // data bytes returned
  StatSet age = Stats(StreamId("GetRecords.IteratorAgeMilliseconds"));
  EXPECT_EQ(age.sample_count, 2);
  EXPECT_EQ(age.max, 5000);
  EXPECT_EQ(age.min, 0);
  StatSet success = Stats(StreamId("GetRecords.Success"));
  EXPECT_EQ(success.sample_count, 2);
  EXPECT_EQ(success.sum, 2);
  EXPECT_EQ(Samples(StreamId("GetRecords.Latency")), 2);
  StatSet read_throttled = Stats(StreamId("ReadProvisionedThroughputExceeded"));
  EXPECT_EQ(read_throttled.sample_count, 2);
  EXPECT_EQ(read_throttled.sum, 0);
}

TEST_F(KinesisMetricsTest, ThrottledGetRecordsCountsPerCall) {
  CreateStream("s", 1);
  std::string it = Iterator("s", "shardId-000000000000", "LATEST");
  for (int i = 0; i < 5; ++i) Get(it);  // the shard's 5 calls per second
  Err("GetRecords", "{\"ShardIterator\":" + Q(it) + "}", "ProvisionedThroughputExceededException");
  StatSet t = Stats(StreamId("ReadProvisionedThroughputExceeded"));
  EXPECT_EQ(t.sample_count, 6);
  EXPECT_EQ(t.sum, 1);
  StatSet success = Stats(StreamId("GetRecords.Success"));
  EXPECT_EQ(success.sample_count, 6);
  EXPECT_EQ(success.sum, 5);
  EXPECT_EQ(Samples(StreamId("GetRecords.Records")), 5);
  // The per-operation error count, by AWS error code.
  auto errors =
      Id(kinesis_metrics::kApiNamespace, "Errors",
         {{"Operation", "GetRecords"},
          {"ErrorCode", std::string(protocol::AwsErrorName(protocol::AwsErrorType::kProvisionedThroughputExceeded))}});
  EXPECT_EQ(Sum(errors), 1);
}

TEST_F(KinesisMetricsTest, NoDatapointForMinutesWithoutCalls) {
  CreateStream("s", 1);
  Put("s", "pk", "x");
  aggregator_.Tick();
  clock_.Advance(180'000);  // three quiet minutes, ticked every second as the server does
  for (int i = 0; i < 180; ++i) {
    clock_.Advance(1000);
    aggregator_.Tick();
  }
  Put("s", "pk", "y");
  for (std::string_view m : {"PutRecord.Latency", "PutRecord.Success", "IncomingBytes", "IncomingRecords"}) {
    auto points = Points(StreamId(m));
    EXPECT_EQ(points.size(), 2u) << m;  // the two minutes with a call, nothing between
  }
  EXPECT_TRUE(Points(StreamId("GetRecords.Success")).empty());
}

TEST_F(KinesisMetricsTest, StreamLevelMetricsKeepOneSecondPoints) {
  CreateStream("s", 1);
  Put("s", "pk", "x");
  aggregator_.Tick();
  clock_.Advance(1000);
  Put("s", "pk", "y");
  auto seconds = Points(StreamId("IncomingRecords"), 1);
  ASSERT_EQ(seconds.size(), 2u);
  EXPECT_EQ(seconds[0].stats.sum, 1);
  EXPECT_EQ(seconds[1].stats.sum, 1);
}

TEST_F(KinesisMetricsTest, ApiRequestsAndLatencyPerOperation) {
  CreateStream("s", 1);
  Put("s", "pk", "x");
  Put("s", "pk", "y");
  Err("DescribeStream", R"({"StreamName":"missing"})", "ResourceNotFoundException");
  Call("NoSuchOperation", "{}");
  auto op = [](std::string_view name, std::string_view operation) {
    return Id(kinesis_metrics::kApiNamespace, name, {{"Operation", std::string(operation)}});
  };
  EXPECT_EQ(Sum(op("Requests", "PutRecord")), 2);
  EXPECT_EQ(Samples(op("Latency", "PutRecord")), 2);
  EXPECT_EQ(Sum(op("Requests", "CreateStream")), 1);
  EXPECT_EQ(Sum(op("Requests", "DescribeStream")), 1);
  EXPECT_EQ(Sum(op("Requests", "Unknown")), 1);
  auto not_found = Id(kinesis_metrics::kApiNamespace, "Errors",
                      {{"Operation", "DescribeStream"},
                       {"ErrorCode", std::string(protocol::AwsErrorName(protocol::AwsErrorType::kResourceNotFound))}});
  EXPECT_EQ(Sum(not_found), 1);
  EXPECT_TRUE(Points(Id(kinesis_metrics::kApiNamespace, "Errors",
                        {{"Operation", "PutRecord"},
                         {"ErrorCode", std::string(protocol::AwsErrorName(
                                           protocol::AwsErrorType::kProvisionedThroughputExceeded))}}))
                  .empty());
}

TEST_F(KinesisMetricsTest, NoShardLevelMetricsWithoutEnhancedMonitoring) {
  CreateStream("s", 1);
  Put("s", "pk", "x");
  Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"));
  for (std::string_view m : kAllSeven) EXPECT_TRUE(Points(ShardId(m, "shardId-000000000000")).empty()) << m;
  metrics::ListMetricsQuery q;
  q.ns = std::string(kinesis_metrics::kNamespace);
  q.dims.push_back({"ShardId", std::nullopt});
  auto listed = store_->List(q);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->metrics.empty());
}

TEST_F(KinesisMetricsTest, ShardLevelMetricsOnlyForEnabledNames) {
  CreateStream("s", 2);
  Reply r =
      Ok("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["IncomingBytes","OutgoingRecords"]})");
  // Routed by explicit hash key: "0" is in shard 0.
  Put("s", "pk", "abc", "0");
  Put("s", "pk", "abcd", "0");
  Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"));
  StatSet in = Stats(ShardId("IncomingBytes", "shardId-000000000000"));
  EXPECT_EQ(in.sample_count, 2);
  EXPECT_EQ(in.sum, 3 + 4 + 2 * 2);
  EXPECT_EQ(Sum(ShardId("OutgoingRecords", "shardId-000000000000")), 2);
  EXPECT_TRUE(Points(ShardId("IncomingRecords", "shardId-000000000000")).empty());
  EXPECT_TRUE(Points(ShardId("OutgoingBytes", "shardId-000000000000")).empty());
  EXPECT_TRUE(Points(ShardId("IncomingBytes", "shardId-000000000001")).empty());  // no traffic there

  // Disabled: no new shard-level samples; stream-level metrics go on.
  Ok("DisableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["ALL"]})");
  Put("s", "pk", "abcdef", "0");
  EXPECT_EQ(Samples(ShardId("IncomingBytes", "shardId-000000000000")), 2);
  EXPECT_EQ(Sum(StreamId("IncomingRecords")), 3);
}

TEST_F(KinesisMetricsTest, ShardLevelAllSevenIncludingThrottlesAndAge) {
  CreateStream("s", 1);
  Ok("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["ALL"]})");
  const std::string shard = "shardId-000000000000";
  std::string it = Iterator("s", shard, "TRIM_HORIZON");
  Ok("PutRecords", PutRecordsBody(12));  // 10 accepted, 2 throttled
  clock_.Advance(2000);
  Get(it);
  EXPECT_EQ(Sum(ShardId("IncomingRecords", shard)), 10);
  EXPECT_EQ(Sum(ShardId("IncomingBytes", shard)), 60);
  EXPECT_EQ(Sum(ShardId("WriteProvisionedThroughputExceeded", shard)), 2);
  EXPECT_EQ(Sum(ShardId("OutgoingRecords", shard)), 10);
  EXPECT_EQ(Sum(ShardId("OutgoingBytes", shard)), 40);
  EXPECT_EQ(Stats(ShardId("IteratorAgeMilliseconds", shard)).max, 2000);
  StatSet read = Stats(ShardId("ReadProvisionedThroughputExceeded", shard));
  EXPECT_EQ(read.sample_count, 1);
  EXPECT_EQ(read.sum, 0);
}

TEST_F(KinesisMetricsTest, ShardLevelMetricsFollowResharding) {
  CreateStream("s", 1);
  Ok("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["IncomingRecords"]})");
  Ok("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000000",)"
                   R"("NewStartingHashKey":"170141183460469231731687303715884105728"})");
  Put("s", "pk", "x", "1");  // the lower child
  EXPECT_EQ(Sum(ShardId("IncomingRecords", "shardId-000000000001")), 1);
  EXPECT_TRUE(Points(ShardId("IncomingRecords", "shardId-000000000002")).empty());
}

TEST_F(KinesisMetricsTest, EnableAndDisableReportCurrentAndDesired) {
  CreateStream("s", 1);
  Reply r = Ok("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["OutgoingBytes"]})");
  EXPECT_EQ(r.body, R"({"StreamName":"s","StreamARN":")" + dispatcher_testing::Arn("s") +
                        R"(","CurrentShardLevelMetrics":[],"DesiredShardLevelMetrics":["OutgoingBytes"]})");
  r = Ok("EnableEnhancedMonitoring",
         "{\"StreamARN\":" + Q(dispatcher_testing::Arn("s")) + ",\"ShardLevelMetrics\":[\"ALL\"]}");
  std::vector<std::string> desired;
  for (auto m : simdjson::dom::array(r.json["DesiredShardLevelMetrics"])) desired.emplace_back(std::string_view(m));
  EXPECT_EQ(desired, std::vector<std::string>(std::begin(kAllSeven), std::end(kAllSeven)));
  EXPECT_EQ(simdjson::dom::array(r.json["CurrentShardLevelMetrics"]).size(), 1u);

  r = Ok("DisableEnhancedMonitoring",
         R"({"StreamName":"s","ShardLevelMetrics":["IteratorAgeMilliseconds","IncomingBytes"]})");
  EXPECT_EQ(simdjson::dom::array(r.json["CurrentShardLevelMetrics"]).size(), 7u);
  EXPECT_EQ(simdjson::dom::array(r.json["DesiredShardLevelMetrics"]).size(), 5u);

  Reply d = Ok("DescribeStream", R"({"StreamName":"s"})");
  auto em = simdjson::dom::array(d.json["StreamDescription"]["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]);
  EXPECT_EQ(em.size(), 5u);
  Reply sum = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(simdjson::dom::array(sum.json["StreamDescriptionSummary"]["EnhancedMonitoring"].at(0)["ShardLevelMetrics"])
                .size(),
            5u);

  // Disabling what is off changes nothing and is no error.
  r = Ok("DisableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["IncomingBytes"]})");
  EXPECT_EQ(simdjson::dom::array(r.json["DesiredShardLevelMetrics"]).size(), 5u);
}

TEST_F(KinesisMetricsTest, EnhancedMonitoringErrors) {
  CreateStream("s", 1);
  std::string m =
      Err("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["Bogus"]})", "ValidationException");
  EXPECT_THAT(m, dispatcher_testing::HasSubstr("shardLevelMetrics"));
  Err("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":[]})", "ValidationException");
  Err("EnableEnhancedMonitoring", R"({"StreamName":"s"})", "ValidationException");
  Err("DisableEnhancedMonitoring", R"({"StreamName":"nope","ShardLevelMetrics":["ALL"]})", "ResourceNotFoundException");
  Err("EnableEnhancedMonitoring", R"({"ShardLevelMetrics":["ALL"]})", "InvalidArgumentException");
  // Nothing changed.
  Reply d = Ok("DescribeStream", R"({"StreamName":"s"})");
  EXPECT_EQ(simdjson::dom::array(d.json["StreamDescription"]["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]).size(),
            0u);
}

TEST_F(KinesisMetricsTest, EnhancedMonitoringNeedsAnActiveStream) {
  catalog::CatalogOptions o;
  o.create_stream_delay_ms = 10'000;
  Restart(o);
  CreateStream("s", 1);
  Err("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["ALL"]})", "ResourceInUseException");
}

TEST_F(KinesisMetricsTest, EnhancedMonitoringSurvivesRestart) {
  CreateStream("s", 1);
  Ok("EnableEnhancedMonitoring", R"({"StreamName":"s","ShardLevelMetrics":["IncomingRecords"]})");
  Restart();
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  auto em = simdjson::dom::array(d.json["StreamDescriptionSummary"]["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]);
  ASSERT_EQ(em.size(), 1u);
  EXPECT_EQ(std::string_view(em.at(0)), "IncomingRecords");
  // The recovered stream records shard-level metrics again.
  Put("s", "pk", "x");
  EXPECT_EQ(Sum(ShardId("IncomingRecords", "shardId-000000000000")), 1);
}

TEST_F(KinesisMetricsTest, DeletedStreamStopsBeingCollected) {
  CreateStream("s", 1);
  Put("s", "pk", "x");
  size_t with_stream = aggregator_.series_count();
  Ok("DeleteStream", R"({"StreamName":"s"})");
  catalog_->SweepDeleted();
  EXPECT_EQ(aggregator_.series_count(), with_stream - kinesis_metrics::kStreamMetricCount);
  // What it recorded before is kept.
  EXPECT_EQ(Sum(StreamId("IncomingRecords")), 1);
}

TEST_F(KinesisMetricsTest, ConsumerMetricsAreReservedWithStreamAndConsumerDimensions) {
  auto set = kinesis_->RegisterConsumer("s", "app");
  {
    auto scope = set->set().Begin();
    scope.Add(kinesis_metrics::kSubscribeToShardEventRecords, 12);
    scope.Add(kinesis_metrics::kSubscribeToShardEventMillisBehindLatest, 250);
  }
  auto id = [](std::string_view name) {
    return Id(kinesis_metrics::kNamespace, name, {{"StreamName", "s"}, {"ConsumerName", "app"}});
  };
  EXPECT_EQ(Sum(id("SubscribeToShardEvent.Records")), 12);
  auto lag = Points(id("SubscribeToShardEvent.MillisBehindLatest"));
  ASSERT_EQ(lag.size(), 1u);
  EXPECT_EQ(lag[0].unit, metrics::Unit::kMilliseconds);
  EXPECT_TRUE(Points(id("SubscribeToShard.Success")).empty());
}

// The access log's per-call fields the handlers know (never data).
TEST_F(KinesisMetricsTest, HandlersReportCallLogFields) {
  CreateStream("s", 1);
  auto dispatch = [&](std::string_view op, const std::string& json) {
    bodies_.emplace_back(json);
    bodies_.back().append(kBodyPadding, ' ');
    ApiRequest req;
    req.operation = op;
    req.body = std::string_view(bodies_.back().data(), json.size());
    req.caller = caller_;
    ApiResponse resp;
    dispatcher_->Dispatch(req, &resp, [] {});
    return resp.log;
  };
  CallLogFields put = dispatch("PutRecords", PutRecordsBody(3));
  EXPECT_EQ(put.stream_name, "s");
  EXPECT_EQ(put.records, 3);
  EXPECT_EQ(put.failed_records, 0);
  CallLogFields one =
      dispatch("PutRecord", "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"" + B64("x") + "\"}");
  EXPECT_EQ(one.stream_name, "s");
  EXPECT_EQ(one.records, 1);
  CallLogFields it = dispatch(
      "GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  EXPECT_EQ(it.stream_name, "s");
  EXPECT_EQ(it.shard_id, "shardId-000000000000");
  CallLogFields get =
      dispatch("GetRecords", "{\"ShardIterator\":" + Q(Iterator("s", "shardId-000000000000", "TRIM_HORIZON")) + "}");
  EXPECT_EQ(get.stream_name, "s");
  EXPECT_EQ(get.shard_id, "shardId-000000000000");
  EXPECT_EQ(get.records, 4);
}

}  // namespace
}  // namespace sluice::server::api
