// disk_bench: what this machine's disk gives for the write pattern of Sluice's durable log
// (src/storage/disk_shard_log.cc), so that the server's PutRecords throughput can be read as a
// fraction of the disk's own.
//
// The pattern, per writer file (one per shard):
//   - the file is zero-filled ahead of the writer in growing steps (1 MiB, doubling to 8 MiB),
//     with the same kind of writes as the data, so that fdatasync never commits a size change
//     on the hot path;
//   - each group commit is one aligned write of --chunk-kib followed by one fdatasync;
//   - a segment is rolled every --segment-mb: truncate + fdatasync, a new file, fsync of the
//     directory (sealed segments are deleted at once so the run needs little space).
// Writers run --threads threads; a thread owning several files writes one chunk to each, then
// syncs each, like a commit thread serving several dirty shards.
//
// Raw POSIX rather than base/file_system.h: the tool must run the exact syscalls and see
// their individual latencies, and the engine's FileSystem is a thin wrapper over the same
// calls (pwrite/fdatasync/ftruncate, O_DIRECT with a buffered fallback).
//
// Output: one text row per configuration, and with --json-out one JSON line per configuration
// (schema sluice-bench/v1, scenario "disk_write", target "disk"; bench/report.py reads it).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "disk/posix_io.h"
#include "load/histogram.h"
#include "load/json_writer.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kAlign = 4096;
constexpr uint64_t kZeroBlock = 1 << 20;  // the engine zero-fills with 1 MiB writes

struct Options {
  std::string dir;
  bool own_dir = false;
  int files = 4;
  int threads = 0;  // 0 = one per file
  std::vector<int> chunk_kib = {256, 1024};
  std::vector<std::string> modes = {"direct", "buffered"};
  double seconds = 5;
  uint64_t max_mb = 0;  // per configuration, 0 = no volume cap
  uint64_t segment_mb = 64;
  uint64_t zero_max_mb = 8;
  bool zero_fill = true;
  std::string json_out;
};

[[noreturn]] void Usage(const char* err) {
  if (err) std::fprintf(stderr, "disk_bench: %s\n", err);
  std::fprintf(stderr,
               "usage: disk_bench [--dir D] [--files 4] [--threads 0=one per file] [--chunk-kib 256,1024]\n"
               "                  [--mode direct,buffered] [--seconds 5] [--max-mb 0] [--segment-mb 64]\n"
               "                  [--zero-max-mb 8] [--no-zero-fill] [--json-out FILE]\n");
  std::exit(err ? 2 : 0);
}

char* AlignedAlloc(size_t n, int fill) {
  char* p = static_cast<char*>(std::aligned_alloc(kAlign, n));
  if (!p) throw std::bad_alloc();
  std::memset(p, fill, n);
  return p;
}

struct Config {
  bool direct = true;
  uint64_t chunk = 256 << 10;
};

// One shard's writer: the current segment file and how far it is zero-filled.
struct Writer {
  std::string dir;
  int fd = -1;
  int seg_no = 0;
  uint64_t pos = 0;
  uint64_t zeroed_end = 0;
  uint64_t zero_step = 1 << 20;
  bool direct_ok = true;
};

struct ThreadStats {
  LogHistogram sync_ns;
  LogHistogram write_ns;
  uint64_t bytes = 0;  // data bytes (zero fill not counted)
  uint64_t zero_bytes = 0;
  uint64_t syncs = 0;
  uint64_t rolls = 0;
};

class Run {
 public:
  Run(const Options& o, const Config& c, const std::string& dir) : o_(o), c_(c), dir_(dir) {}

  void Execute() {
    int threads = o_.threads > 0 ? std::min(o_.threads, o_.files) : o_.files;
    writers_.resize(static_cast<size_t>(o_.files));
    for (int i = 0; i < o_.files; ++i) {
      writers_[static_cast<size_t>(i)].dir = dir_ + "/w" + std::to_string(i);
      std::filesystem::create_directories(writers_[static_cast<size_t>(i)].dir);
      OpenSegment(writers_[static_cast<size_t>(i)]);
    }
    stats_.resize(static_cast<size_t>(threads));
    zeros_ = AlignedAlloc(kZeroBlock, 0);
    std::vector<std::thread> ts;
    auto t0 = Clock::now();
    deadline_ = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.seconds));
    for (int t = 0; t < threads; ++t) ts.emplace_back([this, t, threads] { Loop(t, threads); });
    for (auto& t : ts) t.join();
    elapsed_s_ = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& w : writers_) {
      if (w.fd >= 0) ::close(w.fd);
      direct_effective_ = direct_effective_ && w.direct_ok;
    }
    std::free(zeros_);
    std::filesystem::remove_all(dir_);
  }

  std::string Json(const std::string& started) const {
    ThreadStats s = Total();
    double d = std::max(elapsed_s_, 1e-9);
    JsonWriter w;
    w.BeginObject();
    w.Key("schema").String("sluice-bench/v1");
    w.Key("scenario").String("disk_write");
    w.Key("target").String("disk");
    w.Key("started_at").String(started);
    w.Key("ok").Bool(error_.empty());
    if (!error_.empty()) w.Key("failure").String(error_);
    w.Key("params").BeginObject();
    w.Key("mode").String(c_.direct ? "direct" : "buffered");
    w.Key("direct_effective").Bool(c_.direct && direct_effective_);
    w.Key("files").Int(o_.files);
    w.Key("threads").Int(static_cast<int64_t>(stats_.size()));
    w.Key("chunk_bytes").UInt(c_.chunk);
    w.Key("segment_bytes").UInt(o_.segment_mb << 20);
    w.Key("zero_fill").Bool(o_.zero_fill);
    w.Key("zero_fill_max_bytes").UInt(o_.zero_max_mb << 20);
    w.Key("seconds").Double(o_.seconds);
    w.Key("max_mb").UInt(o_.max_mb);
    w.Key("dir").String(o_.dir);
    w.EndObject();
    w.Key("duration_s").Double(elapsed_s_);
    // "requests" = group commits (write + fdatasync), so the generic columns stay meaningful.
    w.Key("requests").UInt(s.syncs);
    w.Key("requests_per_s").Double(static_cast<double>(s.syncs) / d);
    w.Key("bytes").UInt(s.bytes);
    w.Key("mb_per_s").Double(static_cast<double>(s.bytes) / d / 1e6);
    w.Key("mib_per_s").Double(static_cast<double>(s.bytes) / d / (1 << 20));
    w.Key("syncs_per_s").Double(static_cast<double>(s.syncs) / d);
    w.Key("latency_us").BeginObject();  // fdatasync
    w.Key("count").UInt(s.sync_ns.count());
    w.Key("mean").Double(s.sync_ns.mean() / 1e3);
    w.Key("p50").Double(static_cast<double>(s.sync_ns.Quantile(0.5)) / 1e3);
    w.Key("p90").Double(static_cast<double>(s.sync_ns.Quantile(0.9)) / 1e3);
    w.Key("p99").Double(static_cast<double>(s.sync_ns.Quantile(0.99)) / 1e3);
    w.Key("p999").Double(static_cast<double>(s.sync_ns.Quantile(0.999)) / 1e3);
    w.Key("max").Double(static_cast<double>(s.sync_ns.max()) / 1e3);
    w.EndObject();
    w.Key("errors")
        .BeginObject()
        .Key("total")
        .UInt(error_.empty() ? 0 : 1)
        .Key("by_type")
        .BeginObject()
        .EndObject()
        .EndObject();
    w.Key("extra").BeginObject();
    w.Key("write_latency_us").BeginObject();
    w.Key("p50").Double(static_cast<double>(s.write_ns.Quantile(0.5)) / 1e3);
    w.Key("p99").Double(static_cast<double>(s.write_ns.Quantile(0.99)) / 1e3).EndObject();
    w.Key("zero_fill_mb_per_s").Double(static_cast<double>(s.zero_bytes) / d / 1e6);
    w.Key("segment_rolls").UInt(s.rolls);
    w.EndObject();
    w.EndObject();
    return w.Take();
  }

  void PrintRow() const {
    ThreadStats s = Total();
    double d = std::max(elapsed_s_, 1e-9);
    std::printf("%-8s %5" PRIu64
                " KiB  files=%d threads=%zu  %9.1f MB/s  %9.0f syncs/s  fdatasync p50 %.3f ms p99 %.3f ms%s%s\n",
                c_.direct ? (direct_effective_ ? "direct" : "direct*") : "buffered", c_.chunk >> 10, o_.files,
                stats_.size(), static_cast<double>(s.bytes) / d / 1e6, static_cast<double>(s.syncs) / d,
                static_cast<double>(s.sync_ns.Quantile(0.5)) / 1e6, static_cast<double>(s.sync_ns.Quantile(0.99)) / 1e6,
                error_.empty() ? "" : "  FAILED: ", error_.c_str());
    std::fflush(stdout);
  }

 private:
  ThreadStats Total() const {
    ThreadStats t;
    for (const auto& s : stats_) {
      t.sync_ns.Merge(s.sync_ns);
      t.write_ns.Merge(s.write_ns);
      t.bytes += s.bytes;
      t.zero_bytes += s.zero_bytes;
      t.syncs += s.syncs;
      t.rolls += s.rolls;
    }
    return t;
  }

  void OpenSegment(Writer& w) {
    char name[32];
    std::snprintf(name, sizeof name, "/%020d.log", w.seg_no);
    std::string path = w.dir + name;
    w.fd = OpenMaybeDirect(path, O_RDWR | O_CREAT, c_.direct, &w.direct_ok);
    w.pos = 0;
    w.zeroed_end = 0;
    w.zero_step = 1 << 20;
    SyncDir(w.dir);
  }

  static void SyncDir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    Check(fd >= 0, "open dir " + dir);
    Check(::fsync(fd) == 0, "fsync dir " + dir);
    ::close(fd);
  }

  // The engine seals a full segment (truncate to its data, fdatasync) and starts the next.
  void Roll(Writer& w, ThreadStats& st) {
    Check(::ftruncate(w.fd, static_cast<off_t>(w.pos)) == 0, "ftruncate");
    Check(::fdatasync(w.fd) == 0, "fdatasync");
    ::close(w.fd);
    char name[32];
    std::snprintf(name, sizeof name, "/%020d.log", w.seg_no);
    ::unlink((w.dir + name).c_str());
    ++w.seg_no;
    ++st.rolls;
    OpenSegment(w);
  }

  // Mirrors DiskShardLog::EnsureZeroed.
  void EnsureZeroed(Writer& w, uint64_t end, ThreadStats& st) {
    if (!o_.zero_fill || end <= w.zeroed_end) return;
    uint64_t seg = o_.segment_mb << 20;
    uint64_t target = std::max(end, w.zeroed_end + w.zero_step);
    target = std::min(target, std::max(end, seg));
    for (uint64_t p = w.zeroed_end; p < target;) {
      uint64_t n = std::min<uint64_t>(kZeroBlock, target - p);
      PWriteAll(w.fd, zeros_, n, p);
      st.zero_bytes += n;
      p += n;
    }
    w.zeroed_end = target;
    w.zero_step = std::min<uint64_t>(w.zero_step * 2, o_.zero_max_mb << 20);
  }

  void Loop(int t, int threads) {
    ThreadStats& st = stats_[static_cast<size_t>(t)];
    std::vector<Writer*> mine;
    for (int i = t; i < o_.files; i += threads) mine.push_back(&writers_[static_cast<size_t>(i)]);
    // Distinct non-zero data per thread: nothing in the path may short-cut zero pages.
    char* data = AlignedAlloc(c_.chunk, 'a' + t);
    const uint64_t seg = o_.segment_mb << 20;
    const uint64_t cap = o_.max_mb << 20;
    try {
      while (Clock::now() < deadline_ && !stop_.load(std::memory_order_relaxed)) {
        for (Writer* w : mine) {
          if (w->pos + c_.chunk > seg) Roll(*w, st);
          EnsureZeroed(*w, w->pos + c_.chunk, st);
          auto a = Clock::now();
          PWriteAll(w->fd, data, c_.chunk, w->pos);
          st.write_ns.Record(static_cast<uint64_t>((Clock::now() - a).count()));
          w->pos += c_.chunk;
          st.bytes += c_.chunk;
        }
        for (Writer* w : mine) {
          auto a = Clock::now();
          Check(::fdatasync(w->fd) == 0, "fdatasync");
          st.sync_ns.Record(static_cast<uint64_t>((Clock::now() - a).count()));
          ++st.syncs;
        }
        if (cap && total_bytes_.fetch_add(c_.chunk * mine.size()) + c_.chunk * mine.size() >= cap) stop_ = true;
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mu_);
      error_ = e.what();
      stop_ = true;
    }
    std::free(data);
  }

  const Options& o_;
  Config c_;
  std::string dir_;
  std::vector<Writer> writers_;
  std::vector<ThreadStats> stats_;
  char* zeros_ = nullptr;
  Clock::time_point deadline_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> total_bytes_{0};
  std::mutex mu_;
  std::string error_;
  double elapsed_s_ = 0;
  bool direct_effective_ = true;
};

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") Usage(nullptr);
    if (a == "--no-zero-fill") {
      o.zero_fill = false;
      continue;
    }
    std::string v;
    size_t eq = a.find('=');
    if (eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      v = argv[++i];
    }
    if (a == "--dir") o.dir = v;
    else if (a == "--files") o.files = std::stoi(v);
    else if (a == "--threads") o.threads = std::stoi(v);
    else if (a == "--chunk-kib") {
      o.chunk_kib.clear();
      for (auto& s : Split(v)) o.chunk_kib.push_back(std::stoi(s));
    } else if (a == "--mode") o.modes = Split(v);
    else if (a == "--seconds") o.seconds = std::stod(v);
    else if (a == "--max-mb") o.max_mb = std::stoull(v);
    else if (a == "--segment-mb") o.segment_mb = std::stoull(v);
    else if (a == "--zero-max-mb") o.zero_max_mb = std::stoull(v);
    else if (a == "--json-out") o.json_out = v;
    else Usage(("unknown option " + a).c_str());
  }
  if (o.files < 1 || o.seconds <= 0 || o.segment_mb < 1 || o.chunk_kib.empty()) Usage("bad numeric option");
  for (int k : o.chunk_kib)
    if (k < 4 || k % 4 != 0 || static_cast<uint64_t>(k) > (o.segment_mb << 10))
      Usage("--chunk-kib: multiples of 4, at most a segment");
  for (auto& m : o.modes)
    if (m != "direct" && m != "buffered") Usage("--mode: direct,buffered");
  if (o.dir.empty()) {
    char tmpl[] = "/tmp/disk_bench.XXXXXX";
    Check(::mkdtemp(tmpl) != nullptr, "mkdtemp");
    o.dir = tmpl;
    o.own_dir = true;
  }
  std::filesystem::create_directories(o.dir);
  std::FILE* out = nullptr;
  if (!o.json_out.empty()) {
    out = std::fopen(o.json_out.c_str(), "a");
    if (!out) Usage(("cannot open " + o.json_out).c_str());
  }
  int rc = 0;
  int n = 0;
  for (const auto& m : o.modes) {
    for (int k : o.chunk_kib) {
      Config c{m == "direct", static_cast<uint64_t>(k) << 10};
      std::string started = IsoNow();
      Run r(o, c, o.dir + "/run" + std::to_string(n++));
      try {
        r.Execute();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "disk_bench: %s\n", e.what());
        rc = 1;
        continue;
      }
      r.PrintRow();
      if (out) {
        std::fprintf(out, "%s\n", r.Json(started).c_str());
        std::fflush(out);
      }
    }
  }
  if (out) std::fclose(out);
  if (o.own_dir) std::filesystem::remove_all(o.dir);
  return rc;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  try {
    return sluice::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "disk_bench: %s\n", e.what());
    return 1;
  }
}
