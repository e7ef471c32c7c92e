// Per-record encoding hot spots of GetRecords/PutRecords: the frame checksum
// (src/base/crc32c.h), the sequence number of each record (src/model/sequence_number.h) and
// JSON string escaping (src/base/json_escape.h).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "base/crc32c.h"
#include "base/json_escape.h"
#include "model/sequence_number.h"

namespace {

void BM_Crc32c(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(42);
  std::string data(n, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = sluice::crc32c::Extend(crc, data.data(), n);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_SequenceNext(benchmark::State& state) {
  sluice::model::SequenceNumberSequence seq(1700000000, 42, 123456789);
  for (auto _ : state) {
    seq.Next();
    benchmark::DoNotOptimize(seq.Current().data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_AppendJsonString(benchmark::State& state, std::string key) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    sluice::AppendJsonString(&out, key);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * key.size()));
}

}  // namespace

BENCHMARK(BM_Crc32c)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(BM_SequenceNext);

// A base64 record payload: long and clean.
constexpr std::string_view kBase64Text =
    "eyJldmVudCI6InBhZ2VfdmlldyIsInVzZXIiOiJ1LTEyMzQ1NiIsInRzIjoxNzAx"
    "NzYwMTUzLCJwYXRoIjoiL2hvbWUiLCJyZWYiOiJodHRwczovL2V4YW1wbGUuY29t"
    "LyIsInVhIjoiTW96aWxsYS81LjAiLCJ2YWx1ZXMiOlsxLDIsMyw0LDUsNiw3LDgs"
    "OSwxMF0sIm1ldGEiOnsidiI6MX19eyJldmVudCI6InBhZ2VfdmlldyIsInVzZXIi";

BENCHMARK_CAPTURE(BM_AppendJsonString, clean16, std::string("partition-key-16"));
BENCHMARK_CAPTURE(BM_AppendJsonString, escaped16, std::string("key \"qq\"\tC:\\dir\n"));
BENCHMARK_CAPTURE(BM_AppendJsonString, clean256, std::string(kBase64Text));
BENCHMARK_CAPTURE(BM_AppendJsonString, one_escape256,
                  std::string(kBase64Text.substr(0, 128)) + "\n" + std::string(kBase64Text.substr(129)));
