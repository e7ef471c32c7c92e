// Storage micro benchmarks (in-memory backend): the put path appends one batch per shard per
// request (500 x 1 KiB is the PutRecords maximum), the get path reads up to 10k records.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/memory_log_store.h"

namespace sluice::storage {
namespace {

RecordBatchBuilder MakeBatch(int records, size_t data_len) {
  RecordBatchBuilder b;
  std::string key = "partition-key-0000000000";
  std::string data(data_len, 'x');
  for (int i = 0; i < records; ++i) {
    std::memcpy(data.data(), &i, sizeof(i));
    b.AddRecord(key, data);
  }
  return b;
}

// Appends batches of state.range(0) records of state.range(1) bytes to one shard. Retention
// trims the whole log every state.range(2) MiB so the working set stays bounded (its cost is
// included). With a small window (4 MiB) freed chunks are reused warm by malloc; with a large
// one (64 MiB) glibc returns them to the OS and every chunk is first-touched again (page
// faults), which is the cost of appending into fresh memory.
void BM_Append(benchmark::State& state) {
  const int records = static_cast<int>(state.range(0));
  const size_t data_len = static_cast<size_t>(state.range(1));
  const uint64_t trim_every = static_cast<uint64_t>(state.range(2)) << 20;
  auto store = NewMemoryLogStore();
  (void)store->OpenShard({1, 0});
  auto log = store->FindShard({1, 0});
  RecordBatchBuilder batch = MakeBatch(records, data_len);
  int64_t ms = 1'700'000'000'000;
  uint64_t appended_bytes = 0;
  for (auto _ : state) {
    log->Append(batch, ms++, [](Result<AppendResult> r) { benchmark::DoNotOptimize(r.ok()); });
    appended_bytes += batch.bytes().size();
    if (appended_bytes >= trim_every) {
      log->TrimBefore(log->Bounds().end_offset);
      appended_bytes = 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * records * static_cast<int64_t>(data_len));
}
BENCHMARK(BM_Append)
    ->ArgNames({"records", "bytes", "trim_mib"})
    ->Args({500, 1024, 4})
    ->Args({500, 1024, 64})
    ->Args({500, 100, 4})
    ->Args({1, 1024, 4});

// Appends from several threads, each to its own shard (no shared state but the accounting
// and the spare-chunk pool); trimmed every 4 MiB like BM_Append's warm case.
void BM_AppendShardPerThread(benchmark::State& state) {
  static std::unique_ptr<MemoryLogStore> store;
  if (state.thread_index() == 0) store = NewMemoryLogStore();
  // Google Benchmark synchronises threads at the start of the loop.
  std::shared_ptr<MemoryShardLog> log;
  RecordBatchBuilder batch = MakeBatch(500, 1024);
  uint64_t appended_bytes = 0;
  for (auto _ : state) {
    if (!log) {
      (void)store->OpenShard({1, static_cast<uint32_t>(state.thread_index())});
      log = store->FindShard({1, static_cast<uint32_t>(state.thread_index())});
    }
    log->Append(batch, 1, nullptr);
    appended_bytes += batch.bytes().size();
    if (appended_bytes >= (4u << 20)) {
      log->TrimBefore(log->Bounds().end_offset);
      appended_bytes = 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * 500);
  state.SetBytesProcessed(state.iterations() * 500 * 1024);
}
BENCHMARK(BM_AppendShardPerThread)->Threads(1)->Threads(2)->UseRealTime();

// Reads state.range(0) records of state.range(1) bytes from a prefilled shard. With
// state.range(2) == 0 the visitor only looks at the views (the storage cost alone); with 1 it
// copies every record's data into a response buffer, as a response encoder would.
void BM_Read(benchmark::State& state) {
  const uint32_t records = static_cast<uint32_t>(state.range(0));
  const size_t data_len = static_cast<size_t>(state.range(1));
  const bool copy = state.range(2) != 0;
  std::string response(size_t{records} * data_len, '\0');
  auto store = NewMemoryLogStore();
  auto log = *store->OpenShard({1, 0});
  RecordBatchBuilder batch = MakeBatch(500, data_len);
  for (uint32_t i = 0; i < records; i += 500) log->Append(batch, 1, nullptr);
  ReadLimits limits{.max_records = records, .max_bytes = UINT64_MAX};
  for (auto _ : state) {
    uint64_t sum = 0;
    size_t pos = 0;
    auto r = log->Read(0, limits, [&](const RecordView& v) {
      if (copy) std::memcpy(response.data() + pos, v.data.data(), v.data.size());
      pos += v.data.size();
      sum += static_cast<uint8_t>(v.data[0]);
    });
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(response.data());
    if (!r.ok() || r->records != records) state.SkipWithError("short read");
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * records * static_cast<int64_t>(data_len));
}
BENCHMARK(BM_Read)
    ->ArgNames({"records", "bytes", "copy"})
    ->Args({10000, 1024, 0})
    ->Args({10000, 1024, 1})
    ->Args({10000, 100, 0});

// One GetRecords-sized read while another thread appends to the same shard.
void BM_ReadDuringAppends(benchmark::State& state) {
  auto store = NewMemoryLogStore();
  (void)store->OpenShard({1, 0});
  auto log = store->FindShard({1, 0});
  RecordBatchBuilder batch = MakeBatch(500, 1024);
  for (int i = 0; i < 20; ++i) log->Append(batch, 1, nullptr);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      log->Append(batch, 1, nullptr);
      if (++n % 64 == 0) log->TrimBefore(log->Bounds().end_offset - 10000);
    }
  });
  ReadLimits limits{.max_records = 10000, .max_bytes = UINT64_MAX};
  for (auto _ : state) {
    uint64_t sum = 0;
    auto r = log->Read(log->Bounds().start_offset, limits, [&](const RecordView& v) { sum += v.data.size(); });
    benchmark::DoNotOptimize(sum);
    if (!r.ok()) state.SkipWithError("read failed");
  }
  stop = true;
  writer.join();
  state.SetItemsProcessed(state.iterations() * 10000);
  state.SetBytesProcessed(state.iterations() * 10000 * 1024);
}
BENCHMARK(BM_ReadDuringAppends)->UseRealTime();

}  // namespace
}  // namespace sluice::storage
