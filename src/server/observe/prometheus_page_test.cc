#include "server/observe/prometheus_page.h"

#include <gtest/gtest.h>

namespace sluice::server::observe {
namespace {

using metrics::Dimension;
using metrics::MetricId;
using metrics::Unit;

PromSeries Series(std::string ns, std::string name, std::vector<Dimension> dims, Unit unit, double sum,
                  double count = 1) {
  PromSeries s;
  s.id = MetricId{std::move(ns), std::move(name), std::move(dims)};
  s.unit = unit;
  s.sum = sum;
  s.sample_count = count;
  return s;
}

// A known set: one stream with traffic, one with enhanced monitoring on a shard, API counts.
PromSnapshot KnownSnapshot() {
  PromSnapshot snap;
  snap.version = "0.1.0";
  snap.storage.streams = 2;
  snap.storage.open_shards = 3;
  snap.storage.disk_bytes = 4096;
  snap.storage.stream_open_shards = {{"orders", 2}, {"clicks", 1}};
  snap.series.push_back(Series("AWS/Kinesis", "IncomingBytes", {{"StreamName", "orders"}}, Unit::kBytes, 2048, 2));
  snap.series.push_back(Series("AWS/Kinesis", "IncomingRecords", {{"StreamName", "orders"}}, Unit::kCount, 10, 2));
  snap.series.push_back(Series("AWS/Kinesis", "IncomingRecords", {{"StreamName", "clicks"}}, Unit::kCount, 5, 1));
  snap.series.push_back(
      Series("AWS/Kinesis", "WriteProvisionedThroughputExceeded", {{"StreamName", "orders"}}, Unit::kCount, 3, 2));
  PromSeries age = Series("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", {{"StreamName", "orders"}},
                          Unit::kMilliseconds, 4000, 4);
  age.recent_max = 1500;
  snap.series.push_back(age);
  // Iterator age without a datapoint in the last minute: no gauge.
  snap.series.push_back(Series("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", {{"StreamName", "clicks"}},
                               Unit::kMilliseconds, 10, 1));
  snap.series.push_back(Series("AWS/Kinesis", "IncomingRecords",
                               {{"ShardId", "shardId-000000000000"}, {"StreamName", "orders"}}, Unit::kCount, 10, 2));
  // Not exported: a custom namespace, and a dimension set the page does not map.
  snap.series.push_back(
      Series("KinesisProducerLibrary", "UserRecordsPut", {{"StreamName", "orders"}}, Unit::kCount, 9));
  snap.series.push_back(
      Series("AWS/Kinesis", "IncomingRecords", {{"ConsumerName", "c"}, {"StreamName", "orders"}}, Unit::kCount, 9));
  snap.series.push_back(Series("Sluice/API", "Requests", {{"Operation", "PutRecords"}}, Unit::kCount, 5, 5));
  snap.series.push_back(Series("Sluice/API", "Errors",
                               {{"ErrorCode", "ResourceNotFoundException"}, {"Operation", "PutRecords"}}, Unit::kCount,
                               2, 2));
  PromSeries lat = Series("Sluice/API", "Latency", {{"Operation", "PutRecords"}}, Unit::kMilliseconds, 46, 3);
  lat.distribution = {{3, 2}, {40, 1}};  // 3 ms twice, 40 ms once
  snap.series.push_back(lat);
  snap.access_log_dropped = 0;
  snap.access_log_lines = 7;
  snap.series_dropped_before = 0;
  return snap;
}

constexpr std::string_view kHead =
    "# HELP sluice_build_info Sluice build information.\n"
    "# TYPE sluice_build_info gauge\n"
    "sluice_build_info{version=\"0.1.0\"} 1\n"
    "# HELP sluice_streams Streams (any status).\n"
    "# TYPE sluice_streams gauge\n"
    "sluice_streams 2\n"
    "# HELP sluice_open_shards Open shards over all streams.\n"
    "# TYPE sluice_open_shards gauge\n"
    "sluice_open_shards 3\n"
    "# HELP sluice_storage_disk_bytes Bytes of shard log files on disk.\n"
    "# TYPE sluice_storage_disk_bytes gauge\n"
    "sluice_storage_disk_bytes 4096\n"
    "# HELP sluice_access_log_lines_total Access log lines written.\n"
    "# TYPE sluice_access_log_lines_total counter\n"
    "sluice_access_log_lines_total 7\n"
    "# HELP sluice_access_log_dropped_total Access log lines dropped because the writer could not keep up.\n"
    "# TYPE sluice_access_log_dropped_total counter\n"
    "sluice_access_log_dropped_total 0\n";

constexpr std::string_view kApi =
    "# HELP sluice_api_requests_total API calls by operation and outcome (code is OK or the error code).\n"
    "# TYPE sluice_api_requests_total counter\n"
    "sluice_api_requests_total{operation=\"PutRecords\",code=\"OK\"} 3\n"
    "sluice_api_requests_total{operation=\"PutRecords\",code=\"ResourceNotFoundException\"} 2\n"
    "# HELP sluice_api_request_duration_seconds Time to answer an API call, from the complete request to the "
    "response.\n"
    "# TYPE sluice_api_request_duration_seconds histogram\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.0005\"} 0\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.001\"} 0\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.0025\"} 0\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.005\"} 2\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.01\"} 2\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.025\"} 2\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.05\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.1\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.25\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.5\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"1.0\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"2.5\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"5.0\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"10.0\"} 3\n"
    "sluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"+Inf\"} 3\n"
    "sluice_api_request_duration_seconds_count{operation=\"PutRecords\"} 3\n"
    "sluice_api_request_duration_seconds_sum{operation=\"PutRecords\"} 0.046\n"
    "# HELP sluice_stream_open_shards Open shards of the stream: its write capacity is this many times the shard "
    "limits (AWS: 1 MiB/s and 1000 records/s each).\n"
    "# TYPE sluice_stream_open_shards gauge\n"
    "sluice_stream_open_shards{stream=\"clicks\"} 1\n"
    "sluice_stream_open_shards{stream=\"orders\"} 2\n";

constexpr std::string_view kStreams =
    "# HELP sluice_stream_incoming_bytes_total Bytes successfully put to the stream.\n"
    "# TYPE sluice_stream_incoming_bytes_total counter\n"
    "sluice_stream_incoming_bytes_total{stream=\"orders\"} 2048\n"
    "# HELP sluice_stream_incoming_records_total Records successfully put to the stream.\n"
    "# TYPE sluice_stream_incoming_records_total counter\n"
    "sluice_stream_incoming_records_total{stream=\"clicks\"} 5\n"
    "sluice_stream_incoming_records_total{stream=\"orders\"} 10\n"
    "# HELP sluice_stream_write_throttled_records_total Records refused by write throttling (PutRecord and "
    "PutRecords).\n"
    "# TYPE sluice_stream_write_throttled_records_total counter\n"
    "sluice_stream_write_throttled_records_total{stream=\"orders\"} 3\n"
    "# HELP sluice_stream_iterator_age_seconds Maximum over the last minute of now minus the arrival of the last "
    "record GetRecords returned (0 = caught up).\n"
    "# TYPE sluice_stream_iterator_age_seconds gauge\n"
    "sluice_stream_iterator_age_seconds{stream=\"orders\"} 1.5\n";

constexpr std::string_view kShards =
    "# HELP sluice_shard_incoming_records_total Records put to the shard (enhanced monitoring).\n"
    "# TYPE sluice_shard_incoming_records_total counter\n"
    "sluice_shard_incoming_records_total{stream=\"orders\",shard=\"shardId-000000000000\"} 10\n";

TEST(RenderPrometheus, ExactTextForKnownSeries) {
  std::string out;
  RenderStats stats = RenderPrometheus(KnownSnapshot(), ExpositionFormat::kText004, 10000, &out);
  std::string expected;
  expected.append(kHead).append(kApi).append(kStreams).append(kShards);
  expected.append(
      "# HELP sluice_prometheus_series_dropped_total Series left out of scrapes by --prometheus-max-series.\n"
      "# TYPE sluice_prometheus_series_dropped_total counter\n"
      "sluice_prometheus_series_dropped_total 0\n");
  EXPECT_EQ(out, expected);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.series, 2u + 17u + 2u + 1u + 2u + 1u + 1u + 1u);
}

TEST(RenderPrometheus, OpenMetricsNamesUnitsAndEof) {
  std::string out;
  RenderPrometheus(KnownSnapshot(), ExpositionFormat::kOpenMetrics100, 10000, &out);
  EXPECT_NE(out.find("# HELP sluice_build Sluice build information.\n"
                     "# TYPE sluice_build info\n"
                     "sluice_build_info{version=\"0.1.0\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE sluice_stream_incoming_bytes counter\n"
                     "# UNIT sluice_stream_incoming_bytes bytes\n"
                     "sluice_stream_incoming_bytes_total{stream=\"orders\"} 2048\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE sluice_api_request_duration_seconds histogram\n"
                     "# UNIT sluice_api_request_duration_seconds seconds\n"),
            std::string::npos);
  EXPECT_NE(out.find("# TYPE sluice_stream_iterator_age_seconds gauge\n"
                     "# UNIT sluice_stream_iterator_age_seconds seconds\n"),
            std::string::npos);
  // Counters without a unit get no UNIT line; the page ends with # EOF.
  EXPECT_EQ(out.find("# UNIT sluice_stream_incoming_records"), std::string::npos);
  EXPECT_EQ(out.find("_total counter"), std::string::npos);
  ASSERT_GE(out.size(), 6u);
  EXPECT_EQ(out.substr(out.size() - 6), "# EOF\n");
}

TEST(RenderPrometheus, CapDropsShardSeriesFirstAndCountsThem) {
  PromSnapshot snap = KnownSnapshot();
  snap.series_dropped_before = 4;
  std::string out;
  // API: 2 counters + one histogram (17 lines); streams: 7; the shard series does not fit.
  RenderStats stats = RenderPrometheus(snap, ExpositionFormat::kText004, 26, &out);
  EXPECT_EQ(stats.series, 26u);
  EXPECT_EQ(stats.dropped, 1u);
  EXPECT_EQ(out.find("sluice_shard_"), std::string::npos);
  EXPECT_NE(out.find("sluice_stream_iterator_age_seconds{stream=\"orders\"} 1.5\n"), std::string::npos);
  EXPECT_NE(out.find("sluice_prometheus_series_dropped_total 5\n"), std::string::npos);

  out.clear();
  stats = RenderPrometheus(snap, ExpositionFormat::kText004, 3, &out);
  // The two counters fit, the histogram (17 lines) does not, the next single series does.
  EXPECT_EQ(stats.series, 3u);
  EXPECT_EQ(stats.dropped, 1u + 1u + 1u + 2u + 1u + 1u + 1u);
  EXPECT_EQ(out.find("sluice_api_request_duration"), std::string::npos);
  EXPECT_NE(out.find("sluice_stream_open_shards{stream=\"clicks\"} 1\n"), std::string::npos);
  EXPECT_EQ(out.find("sluice_stream_incoming_"), std::string::npos);
  EXPECT_NE(out.find("sluice_build_info"), std::string::npos);  // never capped
}

TEST(RenderPrometheus, SameLabelsAreOneSeries) {
  PromSnapshot snap;
  snap.version = "v";
  // The same stream name in two accounts.
  snap.storage.stream_open_shards = {{"s", 2}, {"s", 3}};
  snap.series.push_back(Series("AWS/Kinesis", "IncomingRecords", {{"StreamName", "s"}}, Unit::kCount, 4));
  snap.series.push_back(Series("AWS/Kinesis", "IncomingRecords", {{"StreamName", "s"}}, Unit::kCount, 6));
  std::string out;
  RenderPrometheus(snap, ExpositionFormat::kText004, 100, &out);
  EXPECT_NE(out.find("\nsluice_stream_open_shards{stream=\"s\"} 5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nsluice_stream_incoming_records_total{stream=\"s\"} 10\n"), std::string::npos) << out;
}

TEST(RenderPrometheus, FanOutSeriesAreLabelledByConsumer) {
  PromSnapshot snap;
  snap.version = "v";
  snap.series.push_back(Series("AWS/Kinesis", "SubscribeToShardEvent.Bytes",
                               {{"ConsumerName", "app"}, {"StreamName", "s"}}, Unit::kBytes, 2048, 3));
  PromSeries behind = Series("AWS/Kinesis", "SubscribeToShardEvent.MillisBehindLatest",
                             {{"ConsumerName", "app"}, {"StreamName", "s"}}, Unit::kMilliseconds, 10, 3);
  behind.recent_max = 250;
  snap.series.push_back(behind);
  std::string out;
  RenderPrometheus(snap, ExpositionFormat::kText004, 100, &out);
  EXPECT_NE(out.find("\nsluice_consumer_outgoing_bytes_total{stream=\"s\",consumer=\"app\"} 2048\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("\nsluice_consumer_behind_latest_seconds{stream=\"s\",consumer=\"app\"} 0.25\n"),
            std::string::npos)
      << out;
}

TEST(RenderPrometheus, ProcessGaugesUseTheStandardNames) {
  PromSnapshot snap;
  snap.version = "v";
  snap.process.ok = true;
  snap.process.cpu_seconds = 1.25;
  snap.process.resident_bytes = 1 << 20;
  snap.process.open_fds = 12;
  snap.process.start_time_seconds = 1700000000;
  std::string out;
  RenderPrometheus(snap, ExpositionFormat::kText004, 10, &out);
  EXPECT_NE(out.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.25\n"), std::string::npos);
  EXPECT_NE(out.find("\nprocess_resident_memory_bytes 1048576\n"), std::string::npos);
  EXPECT_NE(out.find("\nprocess_open_fds 12\n"), std::string::npos);
  EXPECT_NE(out.find("\nprocess_start_time_seconds 1700000000\n"), std::string::npos);
  // No storage source: no storage gauges; no aggregator data: no data families.
  EXPECT_EQ(out.find("sluice_streams"), std::string::npos);
  EXPECT_EQ(out.find("sluice_api_"), std::string::npos);
}

}  // namespace
}  // namespace sluice::server::observe
