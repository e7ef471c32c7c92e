// Durable log micro benchmarks: the real DiskLogStore on the real file system
// (DefaultFileSystem), in a scratch directory.
//
//   BM_DiskAppend        PutRecords-sized batches (500 x 1 KiB) over 4 shards with a window of
//                        batches in flight, like 32 connections: the group commit shares one
//                        fdatasync among everything staged since the last.
//   BM_DiskDrain         Read of 1,000,000 records of 1 KiB (4 shards, 10,000 per call).
//   BM_DiskReadAt        Read(from, max_records = 1000) at random offsets of one shard holding
//                        ~100 MB, or ~10 GB: the cost of finding the start must not grow with the
//                        data (sparse index + binary search). Reported as p50/p99 per call, cold
//                        (the segment's pages dropped from the page cache first) and warm.
//
// Environment:
//   SLUICE_DISK_BENCH_DIR   scratch directory [/tmp/sluice-disk-log-bench]. The read-at
//                           datasets are kept there between runs (rebuilt if incomplete).
//   SLUICE_BENCH_10G=1      also run the 10 GB read-at case (writing it takes a minute or two
//                           the first time).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "storage/disk_log_store.h"
#include "storage/segment_format.h"

namespace sluice::storage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string ScratchDir() {
  const char* d = std::getenv("SLUICE_DISK_BENCH_DIR");
  return d && *d ? d : "/tmp/sluice-disk-log-bench";
}

bool Want10G() {
  const char* v = std::getenv("SLUICE_BENCH_10G");
  return v && *v && std::string(v) != "0";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Random payloads so that nothing on the way (page cache, a compressing filesystem) can
// short-cut repeated bytes; only the first 8 bytes differ between the records of a batch.
RecordBatchBuilder MakeBatch(int records, size_t data_len, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(data_len, '\0');
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(data.data() + i, &v, 8);
  }
  RecordBatchBuilder b;
  char key[17];
  for (int i = 0; i < records; ++i) {
    std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(rng()));
    uint64_t tag = (seed << 32) | static_cast<uint64_t>(i);
    if (data.size() >= 8) std::memcpy(data.data(), &tag, 8);
    b.AddRecord(key, data);
  }
  return b;
}

std::unique_ptr<DiskLogStore> OpenStore(const std::string& dir, Durability d) {
  DiskLogStoreOptions o;
  o.dir = dir;
  o.durability = d;
  auto s = OpenDiskLogStore(DefaultFileSystem(), o);
  if (!s.ok()) {
    std::fprintf(stderr, "OpenDiskLogStore(%s): %s\n", dir.c_str(), s.status().ToString().c_str());
    std::abort();
  }
  return std::move(s.value());
}

// Appends with at most `window` batches in flight, round-robin over `logs`; the waits model
// closed-loop connections blocked on their acknowledgement.
class Appender {
 public:
  Appender(std::vector<std::shared_ptr<ShardLog>> logs, int window) : logs_(std::move(logs)), window_(window) {}

  void Append(const RecordBatchBuilder& b, int64_t ms) {
    int cur = in_flight_.load(std::memory_order_acquire);
    while (cur >= window_) {
      in_flight_.wait(cur, std::memory_order_acquire);
      cur = in_flight_.load(std::memory_order_acquire);
    }
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    logs_[next_++ % logs_.size()]->Append(b, ms, [this](Result<AppendResult> r) {
      if (!r.ok()) failed_.fetch_add(1, std::memory_order_relaxed);
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      in_flight_.notify_all();
    });
  }
  void Drain() {
    for (int cur = in_flight_.load(); cur > 0; cur = in_flight_.load()) in_flight_.wait(cur);
  }
  uint64_t failed() const { return failed_.load(); }

 private:
  std::vector<std::shared_ptr<ShardLog>> logs_;
  int window_;
  size_t next_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> failed_{0};
};

std::vector<std::shared_ptr<ShardLog>> OpenShards(DiskLogStore& store, uint64_t uid, int shards) {
  std::vector<std::shared_ptr<ShardLog>> out;
  for (int i = 0; i < shards; ++i) {
    auto l = store.OpenShard({uid, static_cast<uint32_t>(i)});
    if (!l.ok()) {
      std::fprintf(stderr, "OpenShard: %s\n", l.status().ToString().c_str());
      std::abort();
    }
    out.push_back(*l);
  }
  return out;
}

// Args: durability (0 sync, 1 none), batches in flight, shards.
void BM_DiskAppend(benchmark::State& state) {
  const Durability d = state.range(0) == 0 ? Durability::kSync : Durability::kNone;
  const int window = static_cast<int>(state.range(1));
  const int shards = static_cast<int>(state.range(2));
  const std::string dir = ScratchDir() + "/append";
  fs::remove_all(dir);
  uint64_t failed = 0;
  {
    auto store = OpenStore(dir, d);
    Appender app(OpenShards(*store, 1, shards), window);
    std::vector<RecordBatchBuilder> batches;
    for (int i = 0; i < 8; ++i) batches.push_back(MakeBatch(500, 1024, static_cast<uint64_t>(i + 1)));
    size_t n = 0;
    int64_t ms = NowMs();
    for (auto _ : state) app.Append(batches[n++ % batches.size()], ms);
    // Acknowledged is what counts: the timed loop ends only when every batch is.
    app.Drain();
    failed = app.failed();
  }
  fs::remove_all(dir);
  if (failed) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations() * 500);
  state.SetBytesProcessed(state.iterations() * 500 * 1024);
}
BENCHMARK(BM_DiskAppend)
    ->ArgNames({"none", "in_flight", "shards"})
    ->Args({0, 32, 4})
    ->Args({0, 8, 4})
    ->Args({0, 1, 1})
    ->Args({1, 32, 4})
    ->MinTime(2.0)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Drops a file's cached pages so that the next read of it comes from the disk.
void DropCache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

void DropShardCache(const std::string& shard_dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(shard_dir, ec)) DropCache(e.path().string());
}

std::string ShardDir(const std::string& store_dir, uint64_t uid, uint32_t shard) {
  return store_dir + "/" + segment::StreamDirName(uid) + "/" + segment::ShardDirName(shard);
}

// Fills shards of `dir` with `total_records` records of 1 KiB (durability none, one Flush at
// the end) unless a marker says an identical fill completed before.
void EnsureDataset(const std::string& dir, int shards, uint64_t total_records) {
  const std::string marker = dir + ".complete";
  {
    std::ifstream m(marker);
    uint64_t have = 0;
    int have_shards = 0;
    if (m >> have >> have_shards && have == total_records && have_shards == shards && fs::exists(dir)) return;
  }
  fs::remove(marker);
  fs::remove_all(dir);
  auto t0 = Clock::now();
  auto store = OpenStore(dir, Durability::kNone);
  Appender app(OpenShards(*store, 1, shards), 64);
  std::vector<RecordBatchBuilder> batches;
  for (int i = 0; i < 8; ++i) batches.push_back(MakeBatch(500, 1024, static_cast<uint64_t>(i + 1)));
  int64_t ms = NowMs();
  for (uint64_t n = 0; n * 500 < total_records; ++n) app.Append(batches[n % batches.size()], ms);
  app.Drain();
  store->Flush();
  if (app.failed()) {
    std::fprintf(stderr, "dataset fill failed (%llu appends)\n", static_cast<unsigned long long>(app.failed()));
    std::abort();
  }
  std::ofstream(marker) << total_records << " " << shards << "\n";
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::fprintf(stderr, "disk_log_bench: wrote %s (%.2f GB) in %.1f s\n", dir.c_str(),
               static_cast<double>(store->DiskBytes()) / 1e9, s);
}

// Args: cold (drop the page cache before each iteration).
void BM_DiskDrain(benchmark::State& state) {
  const bool cold = state.range(0) != 0;
  constexpr int kShards = 4;
  constexpr uint64_t kRecords = 1'000'000;
  const std::string dir = ScratchDir() + "/drain";
  EnsureDataset(dir, kShards, kRecords);
  auto store = OpenStore(dir, Durability::kNone);
  auto logs = OpenShards(*store, 1, kShards);
  uint64_t records = 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      for (int i = 0; i < kShards; ++i) DropShardCache(ShardDir(dir, 1, static_cast<uint32_t>(i)));
      state.ResumeTiming();
    }
    uint64_t sum = 0;
    for (auto& log : logs) {
      ReadLimits lim{.max_records = 10000, .max_bytes = UINT64_MAX};
      uint64_t from = log->Bounds().start_offset, end = log->Bounds().end_offset;
      while (from < end) {
        auto r = log->Read(from, lim, [&](const RecordView& v) { sum += v.data.size(); });
        if (!r.ok() || r->records == 0) {
          state.SkipWithError("read failed");
          return;
        }
        records += r->records;
        from = r->next_offset;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(records) * 1024);
}
BENCHMARK(BM_DiskDrain)->ArgName("cold")->Arg(1)->Arg(0)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Args: shard data in MB (100 or 10000), cold.
void BM_DiskReadAt(benchmark::State& state) {
  const uint64_t mb = static_cast<uint64_t>(state.range(0));
  const bool cold = state.range(1) != 0;
  if (mb > 1000 && !Want10G()) {
    state.SkipWithError("set SLUICE_BENCH_10G=1 to run the 10 GB case");
    for (auto _ : state) {}
    return;
  }
  // Each record takes 1024 data + 16 key + 6 header bytes; frames add 32 per 500 records.
  const uint64_t records = (mb * 1000 * 1000 / 1046) / 500 * 500;
  const std::string dir = ScratchDir() + "/readat-" + std::to_string(mb) + "mb";
  EnsureDataset(dir, 1, records);
  auto store = OpenStore(dir, Durability::kNone);
  auto log = OpenShards(*store, 1, 1)[0];
  const std::string shard_dir = ShardDir(dir, 1, 0);
  LogBounds b = log->Bounds();
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<uint64_t> pick(b.start_offset, b.end_offset - 1000);
  ReadLimits lim{.max_records = 1000, .max_bytes = UINT64_MAX};
  std::vector<double> us;
  uint64_t sum = 0;
  for (auto _ : state) {
    uint64_t from = pick(rng);
    if (cold) {
      // Only this segment matters, but finding it is the engine's job; dropping the whole
      // shard's cache is cheap when almost nothing of it is cached.
      DropShardCache(shard_dir);
    } else {
      (void)log->Read(from, lim, [&](const RecordView& v) { sum += v.data.size(); });
    }
    auto t0 = Clock::now();
    auto r = log->Read(from, lim, [&](const RecordView& v) { sum += v.data.size(); });
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    us.push_back(s * 1e6);
    if (!r.ok() || r->records != 1000) {
      state.SkipWithError("short read");
      break;
    }
  }
  benchmark::DoNotOptimize(sum);
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    state.counters["data_GB"] = static_cast<double>(store->DiskBytes()) / 1e9;
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_DiskReadAt)
    ->ArgNames({"shard_mb", "cold"})
    ->Args({100, 0})
    ->Args({100, 1})
    ->Args({10000, 0})
    ->Args({10000, 1})
    ->Iterations(400)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sluice::storage
