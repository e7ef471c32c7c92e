// Event-stream encoding (src/protocol/event_stream.h): AppendEvent runs once per pushed
// SubscribeToShard event, so its cost is fixed overhead (three headers, two CRC32s) plus a copy
// and a CRC32 pass over the payload. Decoding is measured for the tests' and tools' sake.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>

#include "protocol/event_stream.h"

namespace {

namespace es = sluice::protocol::eventstream;

std::string Payload(size_t n) {
  std::mt19937_64 rng(7);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

void BM_AppendEvent(benchmark::State& state) {
  const std::string payload = Payload(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();  // the subscription reuses its buffer the same way
    es::AppendEvent(&out, "SubscribeToShardEvent", "application/json", payload);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_AppendEvent)->Arg(64)->Arg(1024)->Arg(64 << 10)->Arg(1 << 20);

void BM_DecodeMessage(benchmark::State& state) {
  std::string msg;
  es::AppendEvent(&msg, "SubscribeToShardEvent", "application/json", Payload(static_cast<size_t>(state.range(0))));
  es::Message m;
  size_t consumed = 0;
  for (auto _ : state) {
    auto st = es::DecodeMessage(msg, &m, &consumed);
    benchmark::DoNotOptimize(st);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.size()));
}
BENCHMARK(BM_DecodeMessage)->Arg(64)->Arg(64 << 10);

}  // namespace
