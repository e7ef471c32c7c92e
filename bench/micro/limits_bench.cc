// The limiter's hot path: what a PutRecords pays per shard it touches (one stripe lock, one
// lookup, one admission per record), alone and from two threads.
#include <benchmark/benchmark.h>

#include <vector>

#include "limits/limits_registry.h"

namespace {

using namespace sluice::limits;

constexpr int64_t kT0 = 1'700'000'000'000;

// One record per call, cycling over `shards` shards; the clock advances 1 ms per 1000 calls so
// every shard stays under its limit (the admitted path, as in production).
void BM_AdmitOneRecord(benchmark::State& state) {
  static LimitsRegistry* reg = nullptr;
  if (state.thread_index() == 0) reg = new LimitsRegistry(LimitsConfig{});
  uint32_t shards = static_cast<uint32_t>(state.range(0));
  uint64_t size = 1024;
  uint8_t ok = 0;
  uint64_t i = static_cast<uint64_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    reg->AdmitWrites(42, static_cast<uint32_t>(i % shards), kT0 + static_cast<int64_t>(i / 1000), {&size, 1}, &ok);
    benchmark::DoNotOptimize(ok);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete reg;
    reg = nullptr;
  }
}
BENCHMARK(BM_AdmitOneRecord)->Arg(4)->Arg(1000)->Arg(100000);
BENCHMARK(BM_AdmitOneRecord)->Arg(1000)->Threads(2);

// A batch of records for one shard under one lock (PutRecords to a few shards).
void BM_AdmitBatch(benchmark::State& state) {
  LimitsRegistry reg(LimitsConfig{});
  std::vector<uint64_t> sizes(static_cast<size_t>(state.range(0)), 1024);
  std::vector<uint8_t> ok(sizes.size());
  int64_t now = kT0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(reg.AdmitWrites(42, 0, now, sizes, ok.data()));
    now += 1000;  // a second later: the bucket is full again
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AdmitBatch)->Arg(125)->Arg(500);

void BM_ControlPlane(benchmark::State& state) {
  LimitsRegistry reg(LimitsConfig{});
  int64_t now = kT0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(reg.AdmitControl(ControlAction::kListShards, "000000000000", "us-east-1", "stream", now));
    ++now;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ControlPlane);

}  // namespace

BENCHMARK_MAIN();
