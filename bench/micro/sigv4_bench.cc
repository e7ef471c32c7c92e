// SigV4 signing cost per request, split into the payload hash (scales with the body) and
// the signature over the canonical request (fixed cost). Measures the project's
// src/protocol/sigv4 when bench is built with it, and the load generator's own signer.
#include <benchmark/benchmark.h>

#include <string>

#include "load/signer.h"

namespace {

using sluice::bench::RequestSigner;
using sluice::bench::SignerFactory;
using sluice::bench::SigningParams;
using sluice::bench::SignInput;

void BM_PayloadHash(benchmark::State& state, SignerFactory make) {
  auto s = make(SigningParams{});
  if (!s) {
    state.SkipWithError("signer not built");
    return;
  }
  std::string body(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(s->PayloadHash(body));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_Authorization(benchmark::State& state, SignerFactory make) {
  auto s = make(SigningParams{});
  if (!s) {
    state.SkipWithError("signer not built");
    return;
  }
  std::string hash = s->PayloadHash("{}");
  SignInput in{"127.0.0.1:4567", "20261126T010203Z", "Kinesis_20131202.PutRecords", "application/x-amz-json-1.1", hash};
  for (auto _ : state) benchmark::DoNotOptimize(s->Authorization(in));
}

}  // namespace

BENCHMARK_CAPTURE(BM_PayloadHash, sluice, &sluice::bench::MakeSluiceSigner)->Arg(2)->Arg(100)->Arg(700 << 10);
BENCHMARK_CAPTURE(BM_Authorization, sluice, &sluice::bench::MakeSluiceSigner);
