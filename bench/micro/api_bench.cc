// The API layer without the network: PutRecords 500 x 1 KiB and GetRecords 10,000 through
// KinesisDispatcher over the in-memory store. Isolates decode/route/append/encode costs
// from HTTP so a regression can be placed.
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "limits/limits_registry.h"
#include "metrics/aggregator.h"
#include "metrics/metric_store.h"
#include "server/api/kinesis_dispatcher.h"
#include "server/api/kinesis_metrics.h"
#include "storage/memory_log_store.h"

namespace {

using namespace sluice;

catalog::CatalogOptions BenchCatalogOptions() {
  catalog::CatalogOptions o;
  o.shard_limit = 100000;
  return o;
}

struct Fixture {
  explicit Fixture(int shards = 4, bool limits_on = false, bool metrics_on = false,
                   server::api::KinesisMetricsOptions metrics_options = {})
      : store(storage::NewMemoryLogStore()),
        meta(catalog::NewMemoryMetadataStore()),
        catalog(BenchCatalogOptions(), &clock, store.get(), meta.get()) {
    ctx.catalog = &catalog;
    ctx.clock = &clock;
    if (metrics_on) {  // as the server wires them (--metrics on)
      kinesis =
          std::make_unique<server::api::KinesisMetrics>(&aggregator, server::api::KinesisOperations(), metrics_options);
      catalog.SetAttachmentFactory(
          [this](const catalog::Stream& s, const catalog::StreamAttachment* prev) { return kinesis->Attach(s, prev); });
      ctx.metrics = kinesis.get();
    }
    if (limits_on) {
      limits = std::make_unique<limits::LimitsRegistry>(limits::LimitsConfig{});
      ctx.limits = limits.get();
    }
    dispatcher = std::make_unique<server::api::KinesisDispatcher>(&ctx);
    Call("CreateStream", R"({"StreamName":"bench","ShardCount":)" + std::to_string(shards) + "}");
  }
  std::string Call(std::string_view op, std::string body) {
    body.reserve(body.size() + 64);
    server::api::ApiRequest req;
    req.operation = op;
    req.body = body;
    req.caller = {"000000000000", "us-east-1", "AKID"};
    resp.body.clear();
    dispatcher->Dispatch(req, &resp, [] {});
    return resp.body;
  }
  ManualClock clock;
  std::unique_ptr<metrics::MetricStore> metric_store = metrics::NewMemoryMetricStore(&clock);
  metrics::MetricsAggregator aggregator{metric_store.get(), &clock};
  std::unique_ptr<server::api::KinesisMetrics> kinesis;
  std::unique_ptr<storage::MemoryLogStore> store;
  std::unique_ptr<catalog::MetadataStore> meta;
  catalog::Catalog catalog;
  std::unique_ptr<limits::LimitsRegistry> limits;
  server::api::ApiContext ctx;
  std::unique_ptr<server::api::KinesisDispatcher> dispatcher;
  server::api::ApiResponse resp;
};

std::string PutRecordsBody(int records, int bytes) {
  std::string data(bytes, 'x');
  std::string b64;
  base64::AppendEncoded(data, &b64);
  std::string body = R"({"StreamName":"bench","Records":[)";
  for (int i = 0; i < records; ++i) {
    if (i) body += ',';
    body += R"({"Data":")" + b64 + R"(","PartitionKey":"key-)" + std::to_string(i * 7919) + "\"}";
  }
  body += "]}";
  return body;
}

server::api::ApiRequest PutRecordsRequest(std::string& body) {
  body.reserve(body.size() + 64);
  server::api::ApiRequest req;
  req.operation = "PutRecords";
  req.body = body;
  req.caller = {"000000000000", "us-east-1", "AKID"};
  return req;
}

void BM_PutRecords500x1KiB(benchmark::State& state) {
  Fixture f;
  std::string body = PutRecordsBody(500, 1024);
  server::api::ApiRequest req = PutRecordsRequest(body);
  for (auto _ : state) {
    f.dispatcher->Dispatch(req, &f.resp, [] {});
    benchmark::DoNotOptimize(f.resp.body.data());
  }
  state.SetItemsProcessed(state.iterations() * 500);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_PutRecords500x1KiB);

// Issue 4's overhead target: PutRecords spread over 1,000 shards with --limits aws (arg 1) vs off
// (arg 0). Every request carries the same 500 keys (up to ~5 per shard); the clock moves 10 ms per
// request, so each shard stays under its limits: the path production takes.
void BM_PutRecords1000Shards(benchmark::State& state) {
  Fixture f(1000, state.range(0) != 0);
  std::string body = PutRecordsBody(500, 1024);
  server::api::ApiRequest req = PutRecordsRequest(body);
  for (auto _ : state) {
    f.clock.Advance(10);
    f.dispatcher->Dispatch(req, &f.resp, [] {});
    benchmark::DoNotOptimize(f.resp.body.data());
  }
  if (f.resp.body.find("\"FailedRecordCount\":0,") == std::string::npos) state.SkipWithError("records were throttled");
  state.SetItemsProcessed(state.iterations() * 500);
}
// Fixed iterations: the in-memory store keeps every record (0.5 MB per request).
BENCHMARK(BM_PutRecords1000Shards)->Arg(0)->Arg(1)->Arg(0)->Arg(1)->Iterations(1000);

void BM_GetRecords10k(benchmark::State& state) {
  Fixture f;
  std::string body = PutRecordsBody(500, 1024);
  for (int i = 0; i < 80; ++i) f.Call("PutRecords", body);
  std::string it =
      f.Call("GetShardIterator",
             R"({"StreamName":"bench","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  auto start = it.find(":\"") + 2;
  std::string iterator = it.substr(start, it.find('"', start) - start);
  std::string get = R"({"ShardIterator":")" + iterator + R"(","Limit":10000})";
  get.reserve(get.size() + 64);
  server::api::ApiRequest req;
  req.operation = "GetRecords";
  req.body = get;
  req.caller = {"000000000000", "us-east-1", "AKID"};
  int64_t records = 0;
  for (auto _ : state) {
    f.dispatcher->Dispatch(req, &f.resp, [] {});
    benchmark::DoNotOptimize(f.resp.body.data());
    records += 10000;
  }
  state.SetItemsProcessed(records);
}
BENCHMARK(BM_GetRecords10k);

// What recording the AWS/Kinesis and Sluice/API metrics costs per call: metrics off (arg 0) vs on
// (arg 1), alternating. PutRecords 100 x 100 B and GetRecords Limit 100 are cheap calls, so the
// metrics' share is larger than at 500 x 1 KiB. The aggregator collects every 1,000 calls (the
// server does every second, on another thread).
void BM_PutRecordsMetrics(benchmark::State& state) {
  Fixture f(4, false, state.range(0) != 0);
  std::string body = PutRecordsBody(100, 100);
  server::api::ApiRequest req = PutRecordsRequest(body);
  int64_t n = 0;
  for (auto _ : state) {
    f.dispatcher->Dispatch(req, &f.resp, [] {});
    benchmark::DoNotOptimize(f.resp.body.data());
    if (++n % 1000 == 0) {
      f.clock.Advance(1000);
      f.aggregator.Tick();
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_PutRecordsMetrics)->Arg(0)->Arg(1)->Arg(0)->Arg(1)->Iterations(20000);

void BM_GetRecordsMetrics(benchmark::State& state) {
  Fixture f(1, false, state.range(0) != 0);
  std::string body = PutRecordsBody(500, 100);
  for (int i = 0; i < 20; ++i) f.Call("PutRecords", body);
  std::string it =
      f.Call("GetShardIterator",
             R"({"StreamName":"bench","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  auto start = it.find(":\"") + 2;
  std::string iterator = it.substr(start, it.find('"', start) - start);
  std::string get = R"({"ShardIterator":")" + iterator + R"(","Limit":100})";
  get.reserve(get.size() + 64);
  server::api::ApiRequest req;
  req.operation = "GetRecords";
  req.body = get;
  req.caller = {"000000000000", "us-east-1", "AKID"};
  int64_t n = 0;
  for (auto _ : state) {
    f.dispatcher->Dispatch(req, &f.resp, [] {});
    benchmark::DoNotOptimize(f.resp.body.data());
    if (++n % 1000 == 0) {
      f.clock.Advance(1000);
      f.aggregator.Tick();
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_GetRecordsMetrics)->Arg(0)->Arg(1)->Arg(0)->Arg(1)->Iterations(50000);

size_t HeapInUse() { return mallinfo2().uordblks; }

// Enhanced monitoring on 1,000 shards (ALL seven metrics): one simulated second = 2 PutRecords of
// 500 records spread over the shards, one GetRecords on each of 100 shards, then the
// aggregator's tick (and a store flush every 10 s, as the server does). Arg: 0 metrics off (the
// baseline: records only), 1 shard-level metrics folded into minutes, 2 kept at 1-second
// resolution. Reports the collector's time per tick and the heap held after two minutes (records
// included: compare with arg 0).
void BM_EnhancedMonitoring1000Shards(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    const size_t before = HeapInUse();
    server::api::KinesisMetricsOptions mo;
    mo.shard_seconds = state.range(0) == 2;
    auto f = std::make_unique<Fixture>(1000, false, state.range(0) != 0, mo);
    f->Call("EnableEnhancedMonitoring", R"({"StreamName":"bench","ShardLevelMetrics":["ALL"]})");
    std::string body = PutRecordsBody(500, 100);
    std::vector<std::string> gets;
    for (int shard = 0; shard < 100; ++shard) {
      std::string it = f->Call("GetShardIterator", R"({"StreamName":"bench","ShardId":"shardId-)" +
                                                       std::string(12 - std::to_string(shard).size(), '0') +
                                                       std::to_string(shard) + R"(","ShardIteratorType":"LATEST"})");
      auto start = it.find(":\"") + 2;
      gets.push_back(R"({"ShardIterator":")" + it.substr(start, it.find('"', start) - start) + R"(","Limit":10})");
    }
    int64_t tick_ns = 0;
    for (int sec = 0; sec < 120; ++sec) {
      f->Call("PutRecords", body);
      f->Call("PutRecords", body);
      for (const std::string& g : gets) f->Call("GetRecords", g);
      f->clock.Advance(1000);
      auto t0 = std::chrono::steady_clock::now();
      f->aggregator.Tick();
      if (sec % 10 == 9 && !f->metric_store->Flush().ok()) std::abort();
      tick_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    }
    state.counters["tick_us"] = static_cast<double>(tick_ns) / 120 / 1000;
    state.counters["series"] = static_cast<double>(f->aggregator.series_count());
    state.counters["heap_MB"] = static_cast<double>(HeapInUse() - before) / 1e6;
    f.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_EnhancedMonitoring1000Shards)->Arg(0)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
