// commit_strategies: what one group-commit round of a log server costs on this machine's disk
// for each way of making many shard logs durable, as the shard count grows.
//
// A round carries --requests requests; each request has --cases' records-per-request records
// whose shards are drawn at random among N. A request's records for one shard form one frame
// (32-byte header + per record 6 + 16-byte key + data, the segment format's sizes), so a round
// touches up to min(N, requests x records) shards. Payload = those frame bytes. The round is
// acknowledged when it is durable, then the next one starts (one round in flight, like one
// commit thread's loop). Strategies:
//
//   perfile      per-shard files, one pwrite + one fdatasync per touched file, split over
//                --perfile-threads commit threads (today's engine: O_DIRECT 4 KiB-aligned writes,
//                the partial tail block carried into the next round's write, files zero-filled
//                in advance so fdatasync commits no size change);
//   uring        the same files and writes, but every write and fdatasync of the round
//                (IORING_FSYNC_DATASYNC, linked after its write) in one io_uring_submit_and_wait;
//   syncfs       the same files, buffered pwrite of exactly the new bytes + ONE syncfs(2);
//   journal      all frames of the round (with a shard id) in one sequential buffer, one O_DIRECT
//                pwrite into one zero-filled journal file + one fdatasync;
//   journal-buf  the same with a buffered pwrite (+ fdatasync);
//   journal-uring  the journal's O_DIRECT write and fdatasync linked in one io_uring submit;
//   ckpt-syncfs  journal, plus every --checkpoint-interval a background checkpoint appending each
//                shard's accumulated frames to its own file (buffered pwrite) and one syncfs;
//   ckpt-fsync   the same checkpoint made durable with one fdatasync per written file, run on
//                --checkpoint-sync-threads threads in parallel.
//
// Per file, positions wrap to 0 at the end of the zero-filled size (data is overwritten in place:
// no size change, no allocation), so the run needs little space; checkpoint files grow.
// Measured per point: rounds/s, records/s, round latency, syscalls per round (counted here),
// CPU (getrusage, all threads of this process including io_uring workers; not the kernel's
// writeback threads), bytes handed to the kernel and device bytes written (/proc/diskstats of
// the data directory's device) per payload byte, device flush requests per round.
//
// Raw POSIX, like disk_bench: the tool must run the exact syscalls being compared.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if SLUICE_HAVE_LIBURING
#include <liburing.h>
#endif

#include "disk/posix_io.h"
#include "load/histogram.h"
#include "load/json_writer.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kAlign = 4096;
constexpr size_t kFrameHeader = 32;                       // segment::kFrameHeaderBytes
constexpr size_t kJournalFrameHeader = kFrameHeader + 8;  // + shard id and round
constexpr size_t kRecordHeader = 6;                       // storage kRecordHeaderBytes
constexpr size_t kKeyBytes = 16;
constexpr size_t kZeroBlock = 1 << 20;
constexpr unsigned kRingEntries = 8192;  // one round's write+fsync pairs for up to 4,096 files

uint64_t AlignUp(uint64_t v) { return (v + kAlign - 1) & ~(kAlign - 1); }
uint64_t AlignDown(uint64_t v) { return v & ~(kAlign - 1); }
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

std::string ErrnoText(int e) { return std::system_category().message(e); }

struct CaseSpec {
  uint32_t record_bytes = 1024;
  uint32_t records_per_request = 500;
  std::string Name() const { return std::to_string(record_bytes) + "Bx" + std::to_string(records_per_request); }
  uint64_t RecordBytes() const { return kRecordHeader + kKeyBytes + record_bytes; }
};

struct Options {
  std::string dir;
  std::vector<uint32_t> shards = {4, 64, 256, 1000, 4000};
  std::vector<CaseSpec> cases = {{1024, 500}, {100, 1}};
  std::vector<std::string> strategies = {"perfile",     "uring",         "syncfs",      "journal",
                                         "journal-buf", "journal-uring", "ckpt-syncfs", "ckpt-fsync"};
  int requests = 32;
  double seconds = 1.5;
  double checkpoint_interval = 1;
  int perfile_threads = 2;  // the engine's default commit threads
  uint64_t journal_mb = 0;  // 0 = 4 rounds' worth, at least 64 MiB
  int repeat = 1;           // sweeps over all points; per point the median run by records/s
  int checkpoint_sync_threads = 8;
  std::string json_out;
  std::string markdown_out;
};

[[noreturn]] void Usage(const char* err) {
  if (err) std::fprintf(stderr, "commit_strategies: %s\n", err);
  std::fprintf(stderr,
               "usage: commit_strategies [--dir D (default: a temp dir under /tmp)] [--shards 4,64,256,1000,4000]\n"
               "         [--cases 1024x500,100x1 (record bytes x records per request)] [--requests 32]\n"
               "         [--strategies perfile,uring,syncfs,journal,journal-buf,journal-uring,ckpt-syncfs,ckpt-fsync]\n"
               "         [--seconds 1.5 (per point; checkpoint points at least 2.5 intervals)]\n"
               "         [--checkpoint-interval 1] [--perfile-threads 2] [--journal-mb 0 (auto: >= 64)]\n"
               "         [--checkpoint-sync-threads 8] [--repeat 1 (sweeps over all points; per point the median)]\n"
               "         [--json-out FILE] [--markdown-out FILE]\n");
  std::quick_exit(err ? 2 : 0);
}

double LoadAvg1() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  in >> v;
  return v;
}

// Bytes this process caused to be written to storage (/proc/self/io write_bytes: dirtied pages
// and direct I/O, all threads): unlike the device counters, not shared with other processes.
uint64_t TaskWriteBytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  uint64_t v = 0;
  while (in >> key >> v)
    if (key == "write_bytes:") return v;
  return 0;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// /proc/diskstats of the device holding a path: sectors written, write requests, flushes.
class DiskStats {
 public:
  struct Sample {
    bool valid = false;
    uint64_t sectors_written = 0;
    uint64_t writes = 0;
    uint64_t flushes = 0;
  };
  explicit DiskStats(const std::string& path) {
    struct stat st {};
    Check(::stat(path.c_str(), &st) == 0, "stat " + path);
    major_ = major(st.st_dev);
    minor_ = minor(st.st_dev);
  }
  Sample Read() const {
    std::ifstream in("/proc/diskstats");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      unsigned maj = 0;
      unsigned min = 0;
      std::string name;
      ls >> maj >> min >> name;
      if (maj != major_ || min != minor_) continue;
      std::vector<uint64_t> v;
      uint64_t x = 0;
      while (ls >> x) v.push_back(x);
      Sample s;
      if (v.size() < 7) return s;
      s.valid = true;
      s.writes = v[4];
      s.sectors_written = v[6];
      if (v.size() >= 16) s.flushes = v[15];
      return s;
    }
    return {};
  }
  std::string Device() const { return std::to_string(major_) + ":" + std::to_string(minor_); }

 private:
  unsigned major_ = 0;
  unsigned minor_ = 0;
};

// Page-aligned, grow-only buffer (O_DIRECT needs aligned memory).
class AlignedBuf {
 public:
  AlignedBuf() = default;
  AlignedBuf(const AlignedBuf&) = delete;
  AlignedBuf& operator=(const AlignedBuf&) = delete;
  ~AlignedBuf() { std::free(p_); }
  char* Get(size_t n) {
    if (n > cap_) {
      std::free(p_);
      cap_ = AlignUp(std::max<size_t>(n, cap_ * 2));
      p_ = static_cast<char*>(std::aligned_alloc(kAlign, cap_));
      if (!p_) throw std::bad_alloc();
    }
    return p_;
  }

 private:
  char* p_ = nullptr;
  size_t cap_ = 0;
};

// Runs fn(worker) on n persistent threads and waits for all of them.
class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this, i] { Loop(i); });
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  int size() const { return n_; }
  void Run(const std::function<void(int)>& fn) {
    std::unique_lock lock(mu_);
    fn_ = &fn;
    pending_ = n_;
    error_ = nullptr;
    ++generation_;
    cv_.notify_all();
    done_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void Loop(int i) {
    uint64_t seen = 0;
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      const std::function<void(int)>* fn = fn_;
      lock.unlock();
      std::exception_ptr err;
      try {
        (*fn)(i);
      } catch (...) { err = std::current_exception(); }
      lock.lock();
      if (err) error_ = err;
      if (--pending_ == 0) done_.notify_all();
    }
  }

  const int n_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_;
  const std::function<void(int)>* fn_ = nullptr;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// One round: which shards its frames go to, grouped by shard (ascending shard id).
class RoundPlan {
 public:
  RoundPlan(uint32_t shards, const CaseSpec& c, int requests, uint64_t seed)
      : c_(c), requests_(requests), rng_(seed), per_shard_(shards), count_(shards, 0) {}

  void Next() {
    touched.clear();
    frame_begin.clear();
    frame_records.clear();
    shard_bytes.clear();
    records = 0;
    payload = 0;
    std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(per_shard_.size()) - 1);
    std::vector<uint32_t>& req = req_touched_;
    for (int r = 0; r < requests_; ++r) {
      req.clear();
      for (uint32_t i = 0; i < c_.records_per_request; ++i) {
        uint32_t s = pick(rng_);
        if (count_[s]++ == 0) req.push_back(s);
      }
      for (uint32_t s : req) {
        if (per_shard_[s].empty()) touched.push_back(s);
        per_shard_[s].push_back(count_[s]);
        count_[s] = 0;
      }
    }
    std::sort(touched.begin(), touched.end());
    for (uint32_t s : touched) {
      frame_begin.push_back(static_cast<uint32_t>(frame_records.size()));
      uint64_t bytes = 0;
      for (uint32_t n : per_shard_[s]) {
        frame_records.push_back(n);
        bytes += kFrameHeader + n * c_.RecordBytes();
        records += n;
      }
      shard_bytes.push_back(bytes);
      payload += bytes;
      per_shard_[s].clear();
    }
    frame_begin.push_back(static_cast<uint32_t>(frame_records.size()));
  }
  size_t frames() const { return frame_records.size(); }
  const CaseSpec& spec() const { return c_; }

  std::vector<uint32_t> touched;
  std::vector<uint32_t> frame_begin;  // per touched shard + 1: its range in frame_records
  std::vector<uint32_t> frame_records;
  std::vector<uint64_t> shard_bytes;  // per touched shard: its frames' bytes
  uint64_t records = 0;
  uint64_t payload = 0;

 private:
  CaseSpec c_;
  int requests_;
  std::mt19937_64 rng_;
  std::vector<std::vector<uint32_t>> per_shard_;
  std::vector<uint32_t> count_;
  std::vector<uint32_t> req_touched_;
};

// Frame bytes: a header and one copy per record from a non-zero pool (what staging a request's
// records costs), so the CPU per record includes the copy every strategy must make.
class FrameFiller {
 public:
  FrameFiller() : pool_(4 << 20) {
    std::mt19937_64 rng(42);
    for (auto& c : pool_) c = static_cast<char>(rng() | 1);
  }
  // Writes touched shard i's frames at dst; journal frames carry the shard id. Returns bytes.
  size_t Fill(char* dst, const RoundPlan& p, size_t i, bool journal) {
    const uint64_t rec = p.spec().RecordBytes();
    char* out = dst;
    for (uint32_t f = p.frame_begin[i]; f < p.frame_begin[i + 1]; ++f) {
      uint32_t n = p.frame_records[f];
      size_t header = journal ? kJournalFrameHeader : kFrameHeader;
      std::memset(out, 0, header);
      uint32_t len = static_cast<uint32_t>(kFrameHeader + n * rec);
      std::memcpy(out, &len, sizeof len);
      std::memcpy(out + 4, &n, sizeof n);
      if (journal) std::memcpy(out + kFrameHeader, &p.touched[i], sizeof(uint32_t));
      out += header;
      for (uint32_t r = 0; r < n; ++r) {
        if (off_ + rec > pool_.size()) off_ = 0;
        std::memcpy(out, pool_.data() + off_, rec);
        off_ += rec + 64;
        out += rec;
      }
    }
    return static_cast<size_t>(out - dst);
  }
  const char* pattern() const { return pool_.data(); }
  size_t pattern_size() const { return pool_.size(); }

 private:
  std::vector<char> pool_;
  size_t off_ = 0;
};

void SyncFs(int fd) { Check(::syncfs(fd) == 0, "syncfs"); }

// A log file written at a wrapping position: the zero-filled size, the write position and the
// partial block at its end, carried into the next aligned write.
struct LogFile {
  std::string path;
  int fd = -1;
  uint64_t size = 0;
  uint64_t pos = 0;
  std::vector<char> tail = std::vector<char>(kAlign);
};

// The periodic checkpoints of one point.
struct CheckpointStats {
  LogHistogram total_ns;  // one checkpoint: its writes and its sync
  LogHistogram write_ns;
  LogHistogram sync_ns;
  uint64_t bytes = 0;
  uint64_t files = 0;
  uint64_t syscalls = 0;
  uint64_t count() const { return total_ns.count(); }
};

// Result of one strategy at one (case, N).
struct Result {
  std::string strategy;
  std::string case_name;
  uint32_t shards = 0;
  std::string started;
  bool ok = true;
  bool skipped = false;
  std::string note;
  bool direct_effective = true;
  double seconds = 0;
  uint64_t rounds = 0;
  uint64_t records = 0;
  uint64_t payload = 0;
  uint64_t issued = 0;    // bytes handed to pwrite/io_uring (padding, carried tails, checkpoints)
  uint64_t syscalls = 0;  // foreground (commit path) only
  uint64_t touched = 0;   // shards touched, summed over rounds
  LogHistogram round_ns;
  LogHistogram sync_ns;  // one fdatasync / syncfs call (foreground)
  double cpu_s = 0;
  DiskStats::Sample disk;  // delta over the window
  uint64_t task_write_bytes = 0;
  double load1 = 0;
  int runs = 1;  // with --repeat: this is the median run; the others' range
  double min_records_per_s = 0;
  double max_records_per_s = 0;
  // Checkpoint strategies.
  CheckpointStats ckpt;
  LogHistogram fg_during_ckpt_ns;  // foreground rounds that overlapped a checkpoint
};

// The background half of the journal design: every interval, each shard's frames made durable
// by the journal since the last checkpoint are appended to that shard's own file (buffered),
// then made durable with one syncfs or with parallel per-file fdatasync.
class Checkpointer {
 public:
  Checkpointer(const std::string& dir, uint32_t shards, bool use_syncfs, int sync_threads, const FrameFiller& src,
               int dir_fd)
      : use_syncfs_(use_syncfs), src_(src), dir_fd_(dir_fd), pending_(shards, 0), pos_(shards, 0) {
    std::filesystem::create_directories(dir);
    fds_.resize(shards, -1);
    bool unused = true;
    for (uint32_t s = 0; s < shards; ++s)
      fds_[s] = OpenMaybeDirect(dir + "/" + std::to_string(s) + ".seg", O_RDWR | O_CREAT | O_TRUNC, false, &unused);
    if (!use_syncfs_) pool_ = std::make_unique<Pool>(sync_threads);
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer() {
    Stop();
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }

  void Add(const RoundPlan& p) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < p.touched.size(); ++i) pending_[p.touched[i]] += p.shard_bytes[i];
  }
  bool active() const { return active_.load(std::memory_order_relaxed); }

  void Start(double interval_s) {
    thread_ = std::thread([this, interval_s] { Loop(interval_s); });
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // After Stop: one more, untimed, checkpoint of the last interval's frames (so that all the
  // window's payload is checkpointed once), then the stats of the periodic ones.
  void Finish(Result* r) {
    if (error_.empty()) {
      try {
        RunOnce(false);
      } catch (const std::exception& e) { error_ = e.what(); }
    }
    std::lock_guard lock(mu_);
    if (!error_.empty()) {
      r->ok = false;
      r->note = error_;
    }
    r->ckpt = timed_;
    r->issued += all_bytes_;
  }

 private:
  void Loop(double interval_s) {
    auto next = Clock::now();
    auto step = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
    for (;;) {
      next += step;
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
      }
      try {
        RunOnce(true);
      } catch (const std::exception& e) {
        std::lock_guard lock(mu_);
        error_ = e.what();
        return;
      }
      next = std::max(next, Clock::now() - step);
    }
  }

  // One checkpoint; into the stats if timed (not the final one).
  void RunOnce(bool timed) {
    std::vector<uint64_t> todo(pending_.size(), 0);
    {
      std::lock_guard lock(mu_);
      todo.swap(pending_);
    }
    active_ = true;
    auto t0 = Clock::now();
    std::vector<uint32_t> written;
    uint64_t bytes = 0;
    uint64_t calls = 0;
    for (uint32_t s = 0; s < todo.size(); ++s) {
      uint64_t left = todo[s];
      if (left == 0) continue;
      written.push_back(s);
      while (left > 0) {
        uint64_t n = std::min<uint64_t>(left, src_.pattern_size());
        PWriteAll(fds_[s], src_.pattern(), n, pos_[s]);
        pos_[s] += n;
        left -= n;
        bytes += n;
        ++calls;
      }
    }
    auto t1 = Clock::now();
    if (use_syncfs_) {
      SyncFs(dir_fd_);
      ++calls;
    } else if (!written.empty()) {
      const int n = pool_->size();
      pool_->Run([&](int w) {
        for (size_t i = static_cast<size_t>(w); i < written.size(); i += static_cast<size_t>(n))
          Check(::fdatasync(fds_[written[i]]) == 0, "fdatasync");
      });
      calls += written.size();
    }
    auto t2 = Clock::now();
    active_ = false;
    std::lock_guard lock(mu_);
    all_bytes_ += bytes;
    if (timed) {
      timed_.total_ns.Record(Nanos(t2 - t0));
      timed_.write_ns.Record(Nanos(t1 - t0));
      timed_.sync_ns.Record(Nanos(t2 - t1));
      timed_.bytes += bytes;
      timed_.files += written.size();
      timed_.syscalls += calls;
    }
  }

  const bool use_syncfs_;
  const FrameFiller& src_;
  const int dir_fd_;
  std::vector<int> fds_;
  std::unique_ptr<Pool> pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<uint64_t> pending_;  // guarded by mu_
  std::vector<uint64_t> pos_;      // checkpoint thread only
  std::atomic<bool> active_{false};
  std::thread thread_;
  CheckpointStats timed_;   // guarded by mu_
  uint64_t all_bytes_ = 0;  // guarded by mu_
  std::string error_;       // the checkpoint thread's, read after Stop
};

class Bench {
 public:
  explicit Bench(const Options& o) : o_(o), disk_(o.dir) {
    dir_fd_ = ::open(o.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    Check(dir_fd_ >= 0, "open " + o.dir);
#if SLUICE_HAVE_LIBURING
    io_uring_params params{};
    int rc = io_uring_queue_init_params(kRingEntries, &ring_, &params);
    if (rc == 0) {
      ring_ok_ = true;
    } else {
      ring_error_ = "io_uring_queue_init: " + ErrnoText(-rc);
    }
#else
    ring_error_ = "built without liburing";
#endif
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;
  ~Bench() {
    CloseShards();
    if (journal_.fd >= 0) ::close(journal_.fd);
#if SLUICE_HAVE_LIBURING
    if (ring_ok_) io_uring_queue_exit(&ring_);
#endif
    ::close(dir_fd_);
  }
  std::string device() const { return disk_.Device(); }

  // --repeat sweeps over every point (odd sweeps run each N's strategies in reverse order, so
  // that drift in the disk's background load does not favour one order); per point, the median.
  // `done` sees every run as it completes.
  std::vector<Result> RunAll(const std::function<void(const Result&, int sweep)>& done) {
    uint64_t max_round = 0;
    for (const auto& c : o_.cases)
      max_round = std::max<uint64_t>(max_round, static_cast<uint64_t>(o_.requests) * c.records_per_request *
                                                    (c.RecordBytes() + kJournalFrameHeader));
    CreateJournal(o_.journal_mb ? o_.journal_mb << 20 : std::max<uint64_t>(64 << 20, AlignUp(4 * max_round)));
    const size_t ns = o_.strategies.size();
    std::vector<std::vector<Result>> runs(o_.cases.size() * o_.shards.size() * ns);
    for (int sweep = 0; sweep < o_.repeat; ++sweep) {
      for (size_t ci = 0; ci < o_.cases.size(); ++ci) {
        for (size_t ni = 0; ni < o_.shards.size(); ++ni) {
          for (size_t k = 0; k < ns; ++k) {
            const size_t si = sweep % 2 ? ns - 1 - k : k;
            Result r = RunPoint(o_.strategies[si], o_.cases[ci], o_.shards[ni]);
            done(r, sweep);
            runs[(ci * o_.shards.size() + ni) * ns + si].push_back(std::move(r));
          }
          CloseShards();
          std::filesystem::remove_all(o_.dir + "/shards");
        }
      }
    }
    std::vector<Result> all;
    all.reserve(runs.size());
    for (auto& point : runs) all.push_back(Median(std::move(point)));
    return all;
  }

 private:
  // The run with the median records/s; a failed run wins (it must be seen).
  static Result Median(std::vector<Result> runs) {
    for (auto& r : runs)
      if (!r.ok || r.skipped) return std::move(r);
    auto rate = [](const Result& r) { return static_cast<double>(r.records) / std::max(r.seconds, 1e-9); };
    std::sort(runs.begin(), runs.end(), [&](const Result& a, const Result& b) { return rate(a) < rate(b); });
    Result m = std::move(runs[runs.size() / 2]);
    m.runs = static_cast<int>(runs.size());
    m.min_records_per_s = rate(runs.front());
    m.max_records_per_s = rate(runs.back());
    return m;
  }

  bool PerFile(const std::string& s) const { return s == "perfile" || s == "uring" || s == "syncfs"; }

  Result RunPoint(const std::string& strategy, const CaseSpec& c, uint32_t n) {
    Result r;
    r.strategy = strategy;
    r.case_name = c.Name();
    r.shards = n;
    r.started = IsoNow();
    try {
      if ((strategy == "uring" || strategy == "journal-uring") && !ring_ok_) {
        r.skipped = true;
        r.note = "io_uring unavailable: " + ring_error_;
        return r;
      }
      if (PerFile(strategy)) {
        EnsureShards(c, n, /*direct=*/strategy != "syncfs");
        r.direct_effective = strategy == "syncfs" || shards_direct_;
      } else if (strategy != "journal-buf") {
        r.direct_effective = journal_direct_;
      }
      std::unique_ptr<Checkpointer> ckpt;
      if (strategy == "ckpt-syncfs" || strategy == "ckpt-fsync") {
        std::filesystem::remove_all(o_.dir + "/ckpt");
        ckpt = std::make_unique<Checkpointer>(o_.dir + "/ckpt", n, strategy == "ckpt-syncfs",
                                              o_.checkpoint_sync_threads, filler_, dir_fd_);
      }
      RoundPlan plan(n, c, o_.requests, 0x5eed + n);
      SyncFs(dir_fd_);  // nothing of the setup (or another point) left to write back
      std::function<void()> round = RoundFn(strategy, plan, r, ckpt.get());

      const DiskStats::Sample d0 = disk_.Read();
      const double cpu0 = CpuSeconds();
      const uint64_t tw0 = TaskWriteBytes();
      const auto t0 = Clock::now();
      // A checkpoint point runs long enough for two periodic checkpoints.
      const double secs = ckpt ? std::max(o_.seconds, 2.5 * o_.checkpoint_interval) : o_.seconds;
      const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
      if (ckpt) ckpt->Start(o_.checkpoint_interval);
      while (Clock::now() < deadline) {
        plan.Next();
        const auto a = Clock::now();
        const bool during = ckpt && ckpt->active();
        round();
        const uint64_t ns = Nanos(Clock::now() - a);
        r.round_ns.Record(ns);
        if (ckpt && (during || ckpt->active())) r.fg_during_ckpt_ns.Record(ns);
        if (ckpt) ckpt->Add(plan);
        ++r.rounds;
        r.records += plan.records;
        r.payload += plan.payload;
        r.touched += plan.touched.size();
      }
      r.seconds = Seconds(Clock::now() - t0);
      if (ckpt) {
        ckpt->Stop();
        ckpt->Finish(&r);
      }
      r.cpu_s = CpuSeconds() - cpu0;
      r.task_write_bytes = TaskWriteBytes() - tw0;
      const DiskStats::Sample d1 = disk_.Read();
      r.disk.valid = d0.valid && d1.valid;
      r.disk.sectors_written = d1.sectors_written - d0.sectors_written;
      r.disk.writes = d1.writes - d0.writes;
      r.disk.flushes = d1.flushes - d0.flushes;
      r.load1 = LoadAvg1();
      ckpt.reset();
      std::filesystem::remove_all(o_.dir + "/ckpt");
    } catch (const std::exception& e) {
      r.ok = false;
      r.note = e.what();
    }
    return r;
  }

  std::function<void()> RoundFn(const std::string& s, RoundPlan& plan, Result& r, Checkpointer* ckpt) {
    if (s == "perfile") return [this, &plan, &r] { PerFileRound(plan, r); };
    if (s == "uring") return [this, &plan, &r] { UringRound(plan, r); };
    if (s == "syncfs") return [this, &plan, &r] { SyncfsRound(plan, r); };
    if (s == "journal" || ckpt) return [this, &plan, &r] { JournalRound(plan, r, journal_.fd); };
    if (s == "journal-buf") return [this, &plan, &r] { JournalRound(plan, r, journal_buffered_fd_); };
    if (s == "journal-uring") return [this, &plan, &r] { JournalUringRound(plan, r); };
    throw std::runtime_error("unknown strategy " + s);
  }

  // ---- setup -------------------------------------------------------------------------------

  // Writes zeros over [from, to) (buffered; the caller syncs).
  void ZeroFill(int fd, uint64_t from, uint64_t to) {
    for (uint64_t p = from; p < to;) {
      uint64_t n = std::min<uint64_t>(kZeroBlock, to - p);
      PWriteAll(fd, zeros_.data(), n, p);
      p += n;
    }
  }

  void CreateJournal(uint64_t size) {
    std::string path = o_.dir + "/journal";
    int fd = OpenMaybeDirect(path, O_RDWR | O_CREAT | O_TRUNC, false, &journal_direct_);
    ZeroFill(fd, 0, size);
    Check(::fdatasync(fd) == 0, "fdatasync journal");
    Check(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "fadvise");
    journal_buffered_fd_ = fd;
    journal_.path = path;
    journal_.size = size;
    journal_.fd = OpenMaybeDirect(path, O_RDWR, true, &journal_direct_);
  }

  // Per-shard files for (case, N), zero-filled once; reopened with or without O_DIRECT.
  void EnsureShards(const CaseSpec& c, uint32_t n, bool direct) {
    if (shards_.size() != n || shards_case_ != c.Name()) {
      CloseShards();
      std::filesystem::remove_all(o_.dir + "/shards");
      std::filesystem::create_directories(o_.dir + "/shards");
      uint64_t round = static_cast<uint64_t>(o_.requests) * c.records_per_request * c.RecordBytes();
      uint64_t size = AlignUp(4 * (round / n) + (64 << 10));
      shards_.resize(n);
      bool unused = true;
      for (uint32_t s = 0; s < n; ++s) {
        LogFile& f = shards_[s];
        f.path = o_.dir + "/shards/" + std::to_string(s) + ".log";
        f.size = size;
        int fd = OpenMaybeDirect(f.path, O_RDWR | O_CREAT | O_TRUNC, false, &unused);
        ZeroFill(fd, 0, size);
        ::close(fd);
      }
      SyncFs(dir_fd_);
      shards_case_ = c.Name();
      shards_open_direct_ = !direct;  // force the open below
    }
    if (shards_[0].fd >= 0 && shards_open_direct_ == direct) return;
    shards_direct_ = true;
    for (LogFile& f : shards_) {
      if (f.fd >= 0) ::close(f.fd);
      f.fd = OpenMaybeDirect(f.path, O_RDWR, direct, &shards_direct_);
      Check(::posix_fadvise(f.fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "fadvise");
      f.pos = 0;
    }
    shards_open_direct_ = direct;
  }

  void CloseShards() {
    for (LogFile& f : shards_)
      if (f.fd >= 0) ::close(f.fd);
    shards_.clear();
    shards_case_.clear();
  }

  // ---- staging -----------------------------------------------------------------------------

  // Lays out touched shard i's frames for an aligned write at buf: the carried partial block,
  // the frames, zero padding to the block. Wraps the file position when the write would pass the
  // zero-filled size (growing the file in the rare case one write is larger). Returns the
  // write's length; *offset = its file offset.
  size_t StageAligned(FrameFiller& filler, LogFile& f, const RoundPlan& p, size_t i, char* buf, bool journal,
                      uint64_t* offset, uint64_t* issued) {
    uint64_t bytes = journal ? JournalBytes(p) : p.shard_bytes[i];
    if (AlignUp(f.pos + bytes) > f.size) {
      f.pos = 0;
      if (AlignUp(bytes) > f.size) {
        ZeroFill(f.fd == journal_.fd ? journal_buffered_fd_ : f.fd, f.size, AlignUp(bytes));
        *issued += AlignUp(bytes) - f.size;
        f.size = AlignUp(bytes);
      }
    }
    const uint64_t base = AlignDown(f.pos);
    size_t len = f.pos - base;
    std::memcpy(buf, f.tail.data(), len);
    if (journal) {
      for (size_t t = 0; t < p.touched.size(); ++t) len += filler.Fill(buf + len, p, t, true);
    } else {
      len += filler.Fill(buf + len, p, i, false);
    }
    const size_t padded = AlignUp(len);
    std::memset(buf + len, 0, padded - len);
    const size_t keep = len - AlignDown(len);
    std::memcpy(f.tail.data(), buf + AlignDown(len), keep);
    f.pos = base + len;
    *offset = base;
    *issued += padded;
    return padded;
  }

  static uint64_t JournalBytes(const RoundPlan& p) {
    return p.payload + p.frames() * (kJournalFrameHeader - kFrameHeader);
  }

  // ---- strategies --------------------------------------------------------------------------

  void PerFileRound(const RoundPlan& p, Result& r) {
    if (!pool_ || pool_->size() != o_.perfile_threads) {
      pool_ = std::make_unique<Pool>(o_.perfile_threads);
      thread_bufs_ = std::vector<AlignedBuf>(static_cast<size_t>(o_.perfile_threads));
      thread_fillers_ = std::vector<FrameFiller>(static_cast<size_t>(o_.perfile_threads));
      thread_sync_ns_ = std::vector<LogHistogram>(static_cast<size_t>(o_.perfile_threads));
    }
    const auto threads = static_cast<uint32_t>(o_.perfile_threads);
    std::vector<uint64_t> issued(threads, 0);
    std::vector<uint64_t> calls(threads, 0);
    pool_->Run([&](int w) {
      const auto t = static_cast<uint32_t>(w);
      AlignedBuf& buf = thread_bufs_[t];
      // Like a commit thread: write every shard it owns, then sync each.
      for (size_t i = 0; i < p.touched.size(); ++i) {
        if (p.touched[i] % threads != t) continue;
        LogFile& f = shards_[p.touched[i]];
        uint64_t off = 0;
        char* b = buf.Get(AlignUp(p.shard_bytes[i] + 2 * kAlign));
        size_t n = StageAligned(thread_fillers_[t], f, p, i, b, false, &off, &issued[t]);
        PWriteAll(f.fd, b, n, off);
        ++calls[t];
      }
      for (size_t i = 0; i < p.touched.size(); ++i) {
        if (p.touched[i] % threads != t) continue;
        auto a = Clock::now();
        Check(::fdatasync(shards_[p.touched[i]].fd) == 0, "fdatasync");
        thread_sync_ns_[t].Record(Nanos(Clock::now() - a));
        ++calls[t];
      }
    });
    for (uint32_t t = 0; t < threads; ++t) {
      r.issued += issued[t];
      r.syscalls += calls[t];
      r.sync_ns.Merge(thread_sync_ns_[t]);
      thread_sync_ns_[t] = {};
    }
  }

  // Queues a write and, linked after it, its fdatasync (the pair's completions are checked in
  // UringWait).
  void UringQueuePair(int fd, const char* buf, size_t n, uint64_t off) {
#if SLUICE_HAVE_LIBURING
    io_uring_sqe* w = io_uring_get_sqe(&ring_);
    io_uring_prep_write(w, fd, buf, static_cast<unsigned>(n), off);
    w->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data64(w, n);
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(s, 0);
#else
    (void)fd;
    (void)buf;
    (void)n;
    (void)off;
#endif
  }

  // Submits what is queued, waits for all `queued` completions in the same call, checks them.
  void UringSubmitAndWait(unsigned queued, Result& r) {
#if SLUICE_HAVE_LIBURING
    int rc = io_uring_submit_and_wait(&ring_, queued);
    ++r.syscalls;
    if (rc < 0) throw std::runtime_error("io_uring_submit_and_wait: " + ErrnoText(-rc));
    unsigned reaped = 0;
    while (reaped < queued) {
      io_uring_cqe* cqes[256];
      unsigned got = io_uring_peek_batch_cqe(&ring_, cqes, 256);
      if (got == 0) {
        io_uring_cqe* c = nullptr;
        rc = io_uring_wait_cqe(&ring_, &c);
        ++r.syscalls;
        if (rc < 0 && rc != -EINTR) throw std::runtime_error("io_uring_wait_cqe: " + ErrnoText(-rc));
        continue;
      }
      for (unsigned k = 0; k < got; ++k) {
        const int64_t want = static_cast<int64_t>(io_uring_cqe_get_data64(cqes[k]));
        if (cqes[k]->res < 0 || cqes[k]->res != want)
          throw std::runtime_error("io_uring " + std::string(want ? "write" : "fsync") + ": " +
                                   (cqes[k]->res < 0 ? ErrnoText(-cqes[k]->res) : "short write"));
      }
      io_uring_cq_advance(&ring_, got);
      reaped += got;
    }
#else
    (void)queued;
    (void)r;
#endif
  }

  void UringRound(const RoundPlan& p, Result& r) {
    size_t arena_bytes = 0;
    for (uint64_t b : p.shard_bytes) arena_bytes += AlignUp(b + 2 * kAlign);
    char* arena = arena_.Get(arena_bytes);
    size_t used = 0;
    size_t i = 0;
    while (i < p.touched.size()) {
      unsigned queued = 0;
      for (; i < p.touched.size() && queued + 2 <= kRingEntries; ++i) {
        LogFile& f = shards_[p.touched[i]];
        uint64_t off = 0;
        char* b = arena + used;
        size_t n = StageAligned(filler_, f, p, i, b, false, &off, &r.issued);
        used += n;
        UringQueuePair(f.fd, b, n, off);
        queued += 2;
      }
      UringSubmitAndWait(queued, r);
    }
  }

  // The journal's one O_DIRECT write and its fdatasync in one io_uring_submit_and_wait: one
  // blocking wait per round instead of two.
  void JournalUringRound(const RoundPlan& p, Result& r) {
    char* buf = arena_.Get(AlignUp(JournalBytes(p) + 2 * kAlign));
    uint64_t off = 0;
    size_t n = StageAligned(filler_, journal_, p, 0, buf, true, &off, &r.issued);
    UringQueuePair(journal_.fd, buf, n, off);
    UringSubmitAndWait(2, r);
  }

  void SyncfsRound(const RoundPlan& p, Result& r) {
    char* buf = arena_.Get(AlignUp(*std::max_element(p.shard_bytes.begin(), p.shard_bytes.end()) + kAlign));
    for (size_t i = 0; i < p.touched.size(); ++i) {
      LogFile& f = shards_[p.touched[i]];
      const uint64_t bytes = p.shard_bytes[i];
      if (f.pos + bytes > f.size) f.pos = 0;
      filler_.Fill(buf, p, i, false);
      PWriteAll(f.fd, buf, bytes, f.pos);
      f.pos += bytes;
      r.issued += bytes;
      ++r.syscalls;
    }
    auto a = Clock::now();
    SyncFs(dir_fd_);
    r.sync_ns.Record(Nanos(Clock::now() - a));
    ++r.syscalls;
  }

  void JournalRound(const RoundPlan& p, Result& r, int fd) {
    const bool buffered = fd == journal_buffered_fd_;
    char* buf = arena_.Get(AlignUp(JournalBytes(p) + 2 * kAlign));
    if (buffered) {
      // Exactly the new bytes; the page cache holds the partial page.
      const uint64_t bytes = JournalBytes(p);
      if (journal_.pos + bytes > journal_.size) journal_.pos = 0;
      size_t len = 0;
      for (size_t t = 0; t < p.touched.size(); ++t) len += filler_.Fill(buf + len, p, t, true);
      PWriteAll(fd, buf, len, journal_.pos);
      journal_.pos += len;
      r.issued += len;
    } else {
      uint64_t off = 0;
      size_t n = StageAligned(filler_, journal_, p, 0, buf, true, &off, &r.issued);
      PWriteAll(fd, buf, n, off);
    }
    ++r.syscalls;
    auto a = Clock::now();
    Check(::fdatasync(fd) == 0, "fdatasync journal");
    r.sync_ns.Record(Nanos(Clock::now() - a));
    ++r.syscalls;
  }

  const Options& o_;
  DiskStats disk_;
  int dir_fd_ = -1;
  FrameFiller filler_;
  std::vector<char> zeros_ = std::vector<char>(kZeroBlock, 0);
  LogFile journal_;
  int journal_buffered_fd_ = -1;
  bool journal_direct_ = true;
  std::vector<LogFile> shards_;
  std::string shards_case_;
  bool shards_open_direct_ = false;
  bool shards_direct_ = true;
  std::unique_ptr<Pool> pool_;
  std::vector<AlignedBuf> thread_bufs_;
  std::vector<FrameFiller> thread_fillers_;
  std::vector<LogHistogram> thread_sync_ns_;
  AlignedBuf arena_;
  bool ring_ok_ = false;
  std::string ring_error_;
#if SLUICE_HAVE_LIBURING
  io_uring ring_{};
#endif
};

// ---- output ----------------------------------------------------------------------------------

double Ms(double ns) { return ns / 1e6; }
double PerRound(uint64_t v, const Result& r) {
  return r.rounds ? static_cast<double>(v) / static_cast<double>(r.rounds) : 0;
}
double DeviceBytes(const Result& r) { return static_cast<double>(r.disk.sectors_written) * 512; }

std::string Fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string Row(const Result& r) {
  std::string s = "| " + r.case_name + " | " + std::to_string(r.shards) + " | " + r.strategy +
                  (r.direct_effective ? "" : " (no O_DIRECT)") + " | ";
  if (r.skipped || !r.ok) return s + (r.skipped ? "skipped: " : "FAILED: ") + r.note + " ||||||||||||";
  const double d = std::max(r.seconds, 1e-9);
  const double payload = std::max<double>(static_cast<double>(r.payload), 1);
  s += Fmt("%.1f", static_cast<double>(r.rounds) / d) + " | ";
  s += Fmt("%.0f", static_cast<double>(r.records) / d);
  if (r.runs > 1) s += " (" + Fmt("%.0f", r.min_records_per_s) + "-" + Fmt("%.0f", r.max_records_per_s) + ")";
  s += " | ";
  s += Fmt("%.1f", static_cast<double>(r.payload) / d / 1e6) + " | ";
  s += Fmt("%.2f", Ms(r.round_ns.mean())) + " | ";
  s += Fmt("%.2f", Ms(static_cast<double>(r.round_ns.Quantile(0.99)))) + " | ";
  s += Fmt("%.0f", PerRound(r.touched, r)) + " | ";
  s += Fmt("%.1f", PerRound(r.syscalls, r)) + " | ";
  s += (r.sync_ns.count() ? Fmt("%.3f", Ms(static_cast<double>(r.sync_ns.Quantile(0.5)))) : std::string("-")) + " | ";
  s += (r.disk.valid ? Fmt("%.1f", PerRound(r.disk.flushes, r)) : std::string("-")) + " | ";
  s += Fmt("%.2f", r.cpu_s * 1e6 / std::max<double>(static_cast<double>(r.records), 1)) + " | ";
  s += Fmt("%.2f", static_cast<double>(r.issued) / payload) + " | ";
  s += Fmt("%.2f", static_cast<double>(r.task_write_bytes) / payload) + " | ";
  s += (r.disk.valid ? Fmt("%.2f", DeviceBytes(r) / payload) : std::string("-")) + " | ";
  s += Fmt("%.2f", r.load1) + " |";
  return s;
}

constexpr const char* kHeader =
    "| case | N | strategy | rounds/s | records/s | payload MB/s | mean ms | p99 ms | shards/round | syscalls/round "
    "| sync call p50 ms | dev flushes/round | CPU us/record | issued/payload | task writes/payload | device/payload | "
    "load1 |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

std::string CkptRow(const Result& r) {
  std::string s = "| " + r.case_name + " | " + std::to_string(r.shards) + " | " + r.strategy + " | ";
  if (r.skipped || !r.ok) return s + "- ||||||||";
  s += std::to_string(r.ckpt.count()) + " | ";
  s += Fmt("%.1f", r.ckpt.count() ? static_cast<double>(r.ckpt.bytes) / static_cast<double>(r.ckpt.count()) / 1e6 : 0) +
       " | ";
  s += Fmt("%.1f", Ms(r.ckpt.total_ns.mean())) + " | " + Fmt("%.1f", Ms(static_cast<double>(r.ckpt.total_ns.max()))) +
       " | ";
  s += Fmt("%.1f", Ms(r.ckpt.write_ns.mean())) + " | " + Fmt("%.1f", Ms(r.ckpt.sync_ns.mean())) + " | ";
  s += Fmt("%.0f", r.ckpt.count() ? static_cast<double>(r.ckpt.syscalls) / static_cast<double>(r.ckpt.count()) : 0) +
       " | ";
  s += Fmt("%.2f", Ms(static_cast<double>(r.round_ns.Quantile(0.99)))) + " | ";
  s += (r.fg_during_ckpt_ns.count() ? Fmt("%.2f", Ms(static_cast<double>(r.fg_during_ckpt_ns.Quantile(0.99))))
                                    : std::string("-")) +
       " |";
  return s;
}

constexpr const char* kCkptHeader =
    "| case | N | strategy | checkpoints | MB/checkpoint | ckpt ms mean | ckpt ms max | write ms | sync ms "
    "| syscalls/ckpt | fg round p99 ms | fg p99 ms during ckpt |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

std::string Json(const Result& r, const std::string& device) {
  JsonWriter w;
  w.BeginObject();
  w.Key("schema").String("sluice-bench/v1");
  w.Key("scenario").String("commit_strategy");
  w.Key("target").String(r.strategy);
  w.Key("started_at").String(r.started);
  w.Key("ok").Bool(r.ok && !r.skipped);
  if (!r.note.empty()) w.Key("note").String(r.note);
  w.Key("params").BeginObject();
  w.Key("case").String(r.case_name);
  w.Key("shards").UInt(r.shards);
  w.Key("direct_effective").Bool(r.direct_effective);
  w.Key("device").String(device);
  w.EndObject();
  w.Key("duration_s").Double(r.seconds);
  w.Key("rounds").UInt(r.rounds);
  w.Key("records").UInt(r.records);
  w.Key("payload_bytes").UInt(r.payload);
  w.Key("issued_bytes").UInt(r.issued);
  w.Key("task_write_bytes").UInt(r.task_write_bytes);
  w.Key("device_bytes_written").UInt(r.disk.sectors_written * 512);
  w.Key("device_writes").UInt(r.disk.writes);
  w.Key("device_flushes").UInt(r.disk.flushes);
  w.Key("syscalls").UInt(r.syscalls);
  w.Key("shards_touched").UInt(r.touched);
  w.Key("cpu_s").Double(r.cpu_s);
  w.Key("load1").Double(r.load1);
  w.Key("runs").Int(r.runs);
  if (r.runs > 1) {
    w.Key("min_records_per_s").Double(r.min_records_per_s);
    w.Key("max_records_per_s").Double(r.max_records_per_s);
  }
  auto hist = [&w](const char* k, const LogHistogram& h) {
    w.Key(k).BeginObject();
    w.Key("count").UInt(h.count());
    w.Key("mean").Double(h.mean() / 1e3);
    w.Key("p50").Double(static_cast<double>(h.Quantile(0.5)) / 1e3);
    w.Key("p99").Double(static_cast<double>(h.Quantile(0.99)) / 1e3);
    w.Key("max").Double(static_cast<double>(h.max()) / 1e3);
    w.EndObject();
  };
  hist("round_latency_us", r.round_ns);
  hist("sync_call_us", r.sync_ns);
  if (r.strategy.rfind("ckpt", 0) == 0) {
    hist("checkpoint_us", r.ckpt.total_ns);
    hist("checkpoint_write_us", r.ckpt.write_ns);
    hist("checkpoint_sync_us", r.ckpt.sync_ns);
    hist("round_during_checkpoint_us", r.fg_during_ckpt_ns);
    w.Key("checkpoints").UInt(r.ckpt.count());
    w.Key("checkpoint_bytes").UInt(r.ckpt.bytes);
    w.Key("checkpoint_files").UInt(r.ckpt.files);
    w.Key("checkpoint_syscalls").UInt(r.ckpt.syscalls);
  }
  w.EndObject();
  return w.Take();
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") Usage(nullptr);
    std::string v;
    size_t eq = a.find('=');
    if (eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      v = argv[++i];
    }
    if (a == "--dir") {
      o.dir = v;
    } else if (a == "--shards") {
      o.shards.clear();
      for (auto& s : Split(v)) o.shards.push_back(static_cast<uint32_t>(std::stoul(s)));
    } else if (a == "--cases") {
      o.cases.clear();
      for (auto& s : Split(v)) {
        size_t x = s.find('x');
        if (x == std::string::npos) Usage("--cases: RECORD_BYTESxRECORDS_PER_REQUEST, e.g. 1024x500");
        o.cases.push_back(
            {static_cast<uint32_t>(std::stoul(s.substr(0, x))), static_cast<uint32_t>(std::stoul(s.substr(x + 1)))});
      }
    } else if (a == "--strategies") {
      o.strategies = Split(v);
    } else if (a == "--requests") {
      o.requests = std::stoi(v);
    } else if (a == "--seconds") {
      o.seconds = std::stod(v);
    } else if (a == "--checkpoint-interval") {
      o.checkpoint_interval = std::stod(v);
    } else if (a == "--perfile-threads") {
      o.perfile_threads = std::stoi(v);
    } else if (a == "--checkpoint-sync-threads") {
      o.checkpoint_sync_threads = std::stoi(v);
    } else if (a == "--journal-mb") {
      o.journal_mb = std::stoull(v);
    } else if (a == "--repeat") {
      o.repeat = std::stoi(v);
    } else if (a == "--json-out") {
      o.json_out = v;
    } else if (a == "--markdown-out") {
      o.markdown_out = v;
    } else {
      Usage(("unknown option " + a).c_str());
    }
  }
  static const std::vector<std::string> kKnown = {"perfile",     "uring",         "syncfs",      "journal",
                                                  "journal-buf", "journal-uring", "ckpt-syncfs", "ckpt-fsync"};
  for (const auto& s : o.strategies)
    if (std::find(kKnown.begin(), kKnown.end(), s) == kKnown.end()) Usage(("unknown strategy " + s).c_str());
  if (o.shards.empty() || o.cases.empty() || o.requests < 1 || o.seconds <= 0 || o.perfile_threads < 1 ||
      o.repeat < 1 || o.checkpoint_sync_threads < 1 || o.checkpoint_interval <= 0)
    Usage("bad option value");
  for (uint32_t n : o.shards)
    if (n < 1) Usage("--shards: at least 1");
  for (const auto& c : o.cases)
    if (c.records_per_request < 1) Usage("--cases: at least one record per request");

  bool own_dir = false;
  if (o.dir.empty()) {
    char tmpl[] = "/tmp/commit_strategies.XXXXXX";
    Check(::mkdtemp(tmpl) != nullptr, "mkdtemp");
    o.dir = tmpl;
    own_dir = true;
  } else {
    std::filesystem::create_directories(o.dir);
  }
  std::FILE* json = nullptr;
  if (!o.json_out.empty()) {
    json = std::fopen(o.json_out.c_str(), "a");
    if (!json) Usage(("cannot open " + o.json_out).c_str());
  }
  const std::string load_before = Fmt("%.2f", LoadAvg1());
  std::vector<Result> results;
  std::string device;
  {
    Bench bench(o);
    device = bench.device();
    std::fprintf(stderr,
                 "commit_strategies: dir %s (device %s), %d requests/round, %.1f s per point, %d sweep(s), load1 %s\n",
                 o.dir.c_str(), device.c_str(), o.requests, o.seconds, o.repeat, load_before.c_str());
    std::fprintf(stderr, "%s\n", kHeader);
    results = bench.RunAll([&](const Result& r, int sweep) {
      std::fprintf(stderr, "%s sweep %d/%d\n", Row(r).c_str(), sweep + 1, o.repeat);
    });
  }
  if (json) {
    for (const auto& r : results) std::fprintf(json, "%s\n", Json(r, device).c_str());
  }
  std::printf("%s\n", kHeader);
  for (const auto& r : results) std::printf("%s\n", Row(r).c_str());
  bool any_ckpt = false;
  for (const auto& r : results) any_ckpt = any_ckpt || r.strategy.rfind("ckpt", 0) == 0;
  if (any_ckpt) {
    std::printf("\n%s\n", kCkptHeader);
    for (const auto& r : results)
      if (r.strategy.rfind("ckpt", 0) == 0) std::printf("%s\n", CkptRow(r).c_str());
  }
  if (!o.markdown_out.empty()) {
    std::ofstream md(o.markdown_out);
    md << "Run " << IsoNow() << ", device " << device << ", " << o.requests << " requests per round, " << o.seconds
       << " s per point, median of " << o.repeat << " sweep(s), load1 before " << load_before << ", after "
       << Fmt("%.2f", LoadAvg1()) << ".\n\n"
       << kHeader << "\n";
    for (const auto& r : results) md << Row(r) << "\n";
    if (any_ckpt) {
      md << "\n" << kCkptHeader << "\n";
      for (const auto& r : results)
        if (r.strategy.rfind("ckpt", 0) == 0) md << CkptRow(r) << "\n";
    }
  }
  if (json) std::fclose(json);
  if (own_dir) std::filesystem::remove_all(o.dir);
  int rc = 0;
  for (const auto& r : results)
    if (!r.ok) rc = 1;
  return rc;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  try {
    return sluice::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "commit_strategies: %s\n", e.what());
    return 1;
  }
}
