// base64 encode/decode throughput (src/base/base64.h): the PutRecords/GetRecords hot path.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/base64.h"

namespace {

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

void BM_Encode(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::string in = RandomBytes(n);
  std::vector<char> out(sluice::base64::EncodedSize(n));
  for (auto _ : state) {
    sluice::base64::Encode(reinterpret_cast<const uint8_t*>(in.data()), n, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_Decode(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::string text;
  sluice::base64::AppendEncoded(RandomBytes(n), &text);
  std::vector<uint8_t> out(sluice::base64::MaxDecodedSize(text.size()));
  size_t written = 0;
  for (auto _ : state) {
    auto err = sluice::base64::Decode(text, out.data(), &written);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (written != n) state.SkipWithError("decode size mismatch");
  // Bytes processed = decoded bytes, so encode and decode figures compare directly.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_AppendEncoded(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::string in = RandomBytes(n);
  std::string out;
  for (auto _ : state) {
    out.clear();
    sluice::base64::AppendEncoded(in, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

}  // namespace

BENCHMARK(BM_Encode)->Arg(1 << 10)->Arg(1 << 20);
BENCHMARK(BM_Decode)->Arg(1 << 10)->Arg(1 << 20);
BENCHMARK(BM_AppendEncoded)->Arg(1 << 10)->Arg(1 << 20);
