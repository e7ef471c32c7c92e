#include "server/observe/prometheus_exporter.h"

#include <gtest/gtest.h>

namespace sluice::server::observe {
namespace {

using metrics::MetricId;
using metrics::Unit;

constexpr int64_t kT0 = 1'700'000'000'000 / 3'600'000 * 3'600'000;

MetricId Stream(std::string name) { return MetricId{"AWS/Kinesis", std::move(name), {{"StreamName", "orders"}}}; }

class ExporterTest : public ::testing::Test {
 protected:
  ExporterTest() : clock_(kT0), store_(metrics::NewMemoryMetricStore(&clock_)), agg_(store_.get(), &clock_) {}

  std::string Render(std::string_view accept = {}) {
    PrometheusSources src;
    src.aggregator = &agg_;
    src.store = store_.get();
    src.clock = &clock_;
    src.storage = [] {
      StorageGauges g;
      g.streams = 1;
      g.open_shards = 2;
      g.stream_open_shards = {{"orders", 2}};
      return g;
    };
    PrometheusExporter exporter(std::move(src), "test", 10000);
    std::string body;
    content_type_ = exporter.Render(accept, &body);
    return body;
  }

  ManualClock clock_;
  std::unique_ptr<metrics::MetricStore> store_;
  metrics::MetricsAggregator agg_;
  std::string_view content_type_;
};

// Series registered with the aggregator as the Kinesis handlers register them come out under
// their Prometheus names, in base units, after the aggregator's tick.
TEST_F(ExporterTest, AggregatorSeriesInBaseUnits) {
  auto stream = agg_.Register({{Stream("IncomingBytes"), Unit::kBytes},
                               {Stream("IncomingRecords"), Unit::kCount},
                               {Stream("GetRecords.IteratorAgeMilliseconds"), Unit::kMilliseconds}},
                              {false, false, false}, /*keep_seconds=*/true);
  MetricId requests{"Sluice/API", "Requests", {{"Operation", "PutRecords"}}};
  MetricId latency{"Sluice/API", "Latency", {{"Operation", "PutRecords"}}};
  MetricId errors{"Sluice/API", "Errors", {{"ErrorCode", "InternalFailure"}, {"Operation", "PutRecords"}}};
  auto api = agg_.Register({{requests, Unit::kCount}, {latency, Unit::kMilliseconds, 0.001}, {errors, Unit::kCount}},
                           {false, true, false}, /*keep_seconds=*/false);
  {
    auto s = stream->Begin();
    s.Add(0, 3000);
    s.Add(1, 3);
    s.Add(2, 2500);
  }
  {
    auto s = api->Begin();
    s.Add(0, 1);
    s.Add(1, 4000);  // µs: 4 ms
  }
  // Before the tick nothing has been collected: registered counters start at 0.
  EXPECT_NE(Render().find("\nsluice_stream_incoming_records_total{stream=\"orders\"} 0\n"), std::string::npos);
  clock_.Advance(1000);
  agg_.Tick();
  api->Begin().Add(0, 1);
  api->Begin().Add(2, 1);
  api->Begin().Add(1, 30000);  // 30 ms
  clock_.Advance(1000);
  agg_.Tick();

  const std::string text = Render();
  EXPECT_EQ(content_type_, kTextContentType);
  EXPECT_NE(text.find("\nsluice_stream_incoming_bytes_total{stream=\"orders\"} 3000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsluice_stream_incoming_records_total{stream=\"orders\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("\nsluice_stream_iterator_age_seconds{stream=\"orders\"} 2.5\n"), std::string::npos);
  EXPECT_NE(text.find("\nsluice_stream_open_shards{stream=\"orders\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_requests_total{operation=\"PutRecords\",code=\"OK\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_requests_total{operation=\"PutRecords\",code=\"InternalFailure\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_request_duration_seconds_bucket{operation=\"PutRecords\",le=\"0.05\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_request_duration_seconds_count{operation=\"PutRecords\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("\nsluice_api_request_duration_seconds_sum{operation=\"PutRecords\"} 0.034\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nsluice_build_info{version=\"test\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos);

  // Two minutes without GetRecords: no recent iterator age, the counters stay.
  clock_.Advance(180'000);
  agg_.Tick();
  const std::string later = Render("application/openmetrics-text");
  EXPECT_EQ(content_type_, kOpenMetricsContentType);
  EXPECT_EQ(later.find("sluice_stream_iterator_age_seconds{"), std::string::npos);
  EXPECT_NE(later.find("\nsluice_stream_incoming_records_total{stream=\"orders\"} 3\n"), std::string::npos);
}

TEST_F(ExporterTest, DroppedSeriesAccumulateAcrossScrapes) {
  auto set = agg_.Register({{Stream("IncomingBytes"), Unit::kBytes}, {Stream("IncomingRecords"), Unit::kCount}},
                           {false, false}, true);
  set->Begin().Add(0, 1);
  agg_.Tick();
  PrometheusSources src;
  src.aggregator = &agg_;
  PrometheusExporter exporter(std::move(src), "v", 1);
  std::string body;
  exporter.Render({}, &body);
  EXPECT_NE(body.find("\nsluice_prometheus_series_dropped_total 1\n"), std::string::npos) << body;
  exporter.Render({}, &body);
  EXPECT_NE(body.find("\nsluice_prometheus_series_dropped_total 2\n"), std::string::npos) << body;
}

}  // namespace
}  // namespace sluice::server::observe
