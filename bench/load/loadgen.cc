// sluice loadgen: closed-loop HTTP/1.1 load generator for Kinesis-compatible servers.
//
// Scenarios (see docs/performance.md):
//   put_records      PutRecords, R records of S bytes per request, C keep-alive connections
//   put_record       PutRecord, one small record per request, C connections
//   get_records      pre-load N records, then drain every shard from TRIM_HORIZON
//   get_records_<N>b the same with N-byte records
//   put_get_latency  producer PutRecord at a fixed rate, consumer polls GetRecords;
//                    latency = PutRecord send -> record seen in a GetRecords response
//   seek_<N>mb       pre-load N MB into one shard, then GetRecords at random AT_SEQUENCE_NUMBER
//                    positions: read cost as the shard's data grows
//
// Each scenario creates its own stream (CreateStream, poll DescribeStreamSummary until
// ACTIVE) and deletes it afterwards. Results: one JSON object per scenario (JSON Lines,
// schema "sluice-bench/v1") plus a human-readable line on stdout.
#include <utility>

#include <simdjson.h>

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/base64.h"
#include "load/histogram.h"
#include "load/http_conn.h"
#include "load/json_writer.h"
#include "load/signer.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;
using asio::awaitable;
using asio::use_awaitable;
using std::chrono::duration;
using std::chrono::milliseconds;

constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";
constexpr std::string_view kContentType = "application/x-amz-json-1.1";

// ---------------------------------------------------------------------------------------
// Options

struct Options {
  std::string host = "127.0.0.1";
  int port = 4567;
  std::string target_name = "unknown";  // label in the results ("sluice", "kinesalite", ...)
  std::vector<std::string> scenarios = {"put_records", "put_record", "get_records", "put_get_latency"};
  double duration_s = 10;
  double warmup_s = 2;
  uint64_t max_requests = 0;  // 0 = unbounded (duration bounds the run)
  int connections = 32;
  int threads = 1;
  int shards = 4;
  int records_per_request = 500;
  int record_size = 1024;
  int small_record_size = 100;
  int pool = 16;                 // distinct prepared bodies per scenario (random data and keys)
  int put_record_pool = 0;       // put_record bodies (one random key each); 0 = 16 * pool
  double create_timeout_s = 60;  // CreateStream until ACTIVE (thousands of shards take longer)
  std::string io_device;         // /proc/diskstats device whose writes are counted in the write scenarios
  std::string sync_dir;          // syncfs() this directory's filesystem before the final I/O sample
  double io_settle_s = 0;        // wait before that syncfs (writes a server defers, e.g. a checkpoint)
  uint64_t drain_records = 200000;
  int drain_limit = 10000;
  double drain_timeout_s = 120;
  double latency_rate = 100;  // PutRecord/s in put_get_latency
  int latency_record_size = 100;
  double poll_interval_ms = 0;  // sleep after an empty GetRecords in put_get_latency
  double throttle_backoff_ms = 20;
  std::string json_out;
  std::string stream_prefix = "sluice-bench";
  int server_pid = 0;  // if set, the server's CPU time over the measured phase is reported
  int seek_calls = 300;
  int seek_warmup_calls = 20;
  int seek_limit = 1000;
  bool seek_drop_caches = false;  // drop the page cache before every measured call (root only)
  double seek_preload_timeout_s = 900;
  SigningParams sign;
};

[[noreturn]] void Usage(const char* msg) {
  if (msg) std::fprintf(stderr, "loadgen: %s\n", msg);
  std::fprintf(
      stderr,
      "usage: loadgen --endpoint HOST:PORT [--target-name NAME] [--scenarios a,b,...]\n"
      "  [--duration S] [--warmup S] [--max-requests N] [--connections N] [--threads N]\n"
      "  [--shards N] [--records-per-request N] [--record-size B] [--small-record-size B]\n"
      "  [--pool N] [--put-record-pool N] [--drain-records N] [--drain-limit N] [--drain-timeout S]\n"
      "  [--create-timeout S]   (CreateStream until ACTIVE; default 60)\n"
      "  [--io-device DEV] [--sync-dir DIR] [--io-settle S]   (write scenarios: bytes written to /proc/diskstats DEV\n"
      "     and by --server-pid over the write phase, S seconds later and after a syncfs of DIR, per\n"
      "     payload byte acknowledged)\n"
      "  [--latency-rate R] [--latency-record-size B] [--poll-interval-ms MS]\n"
      "  [--json-out FILE] [--region R]\n"
      "  [--access-key K] [--secret-key S] [--server-pid PID]\n"
      "  [--seek-calls N] [--seek-warmup-calls N] [--seek-limit N] [--seek-preload-timeout S]\n"
      "  [--seek-drop-caches]   (every measured seek starts with a cold page cache; needs root)\n"
      "  loadgen --selftest   (checks the signer against the SigV4 test vector)\n"
      "scenarios: put_records put_record get_records get_records_<N>b put_get_latency seek_<N>mb\n"
      "  (get_records_<N>b: the drain with N-byte records instead of --record-size)\n");
  std::exit(2);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

// "seek_<N>mb" -> N; 0 for any other name.
uint64_t SeekScenarioMb(const std::string& sc) {
  if (sc.size() < 8 || sc.rfind("seek_", 0) != 0 || sc.compare(sc.size() - 2, 2, "mb") != 0) return 0;
  std::string n = sc.substr(5, sc.size() - 7);
  if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoull(n);
}

// "get_records_<N>b" -> N (the drain with N-byte records); 0 for any other name.
int DrainScenarioRecordBytes(const std::string& sc) {
  if (sc.size() < 14 || sc.rfind("get_records_", 0) != 0 || sc.back() != 'b') return 0;
  std::string n = sc.substr(12, sc.size() - 13);
  if (n.empty() || n.size() > 7 || n.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoi(n);
}

// ---------------------------------------------------------------------------------------
// Small helpers

uint64_t SplitMix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string RandomBytes(uint64_t& rng, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = SplitMix(rng);
    std::memcpy(s.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return s;
}

std::string RandomKey(uint64_t& rng) {
  char b[17];
  std::snprintf(b, sizeof b, "%016" PRIx64, SplitMix(rng));
  return b;
}

std::string AmzDate(std::time_t t) {
  std::tm tm;
  gmtime_r(&t, &tm);
  char b[20];
  std::strftime(b, sizeof b, "%Y%m%dT%H%M%SZ", &tm);
  return b;
}

std::string IsoNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm;
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

double Seconds(Clock::duration d) { return duration<double>(d).count(); }

// User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15); -1 if unknown.
double ProcessCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t rp = s.rfind(')');
  if (rp == std::string::npos) return -1;
  std::istringstream in(s.substr(rp + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A field of /proc/PID/status in kB (VmRSS, VmHWM); -1 if unknown.
int64_t ProcessStatusKb(int pid, const char* field) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  size_t n = std::strlen(field);
  while (std::getline(f, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') return std::stoll(line.substr(n + 1));
  }
  return -1;
}

// Sectors written to a block device (/proc/diskstats field 10) in bytes; -1 if unknown.
int64_t DeviceBytesWritten(const std::string& device) {
  if (device.empty()) return -1;
  std::ifstream f("/proc/diskstats");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string major, minor, name;
    in >> major >> minor >> name;
    if (name != device) continue;
    unsigned long long v = 0, sectors = 0;
    for (int i = 4; i <= 10 && in >> v; ++i)
      if (i == 10) sectors = v;
    return static_cast<int64_t>(sectors * 512);
  }
  return -1;
}

// Bytes a process caused to be written to storage (/proc/PID/io write_bytes); -1 if unknown.
int64_t ProcessWriteBytes(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/io");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("write_bytes:", 0) == 0) return std::stoll(line.substr(12));
  return -1;
}

// Flushes the filesystem holding dir (so page-cache writes of --durability none are counted).
bool SyncFilesystem(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = syncfs(fd) == 0;
  close(fd);
  return ok;
}

// Samples the server's resident set every 100 ms while a scenario runs (VmHWM alone would
// include every earlier scenario of the same server process).
class RssSampler {
 public:
  explicit RssSampler(int pid) : pid_(pid) {
    if (pid_ <= 0) return;
    start_kb_ = peak_kb_ = ProcessStatusKb(pid_, "VmRSS");
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, milliseconds(100), [this] { return stop_; })) {
        lock.unlock();
        int64_t kb = ProcessStatusKb(pid_, "VmRSS");
        lock.lock();
        peak_kb_ = std::max(peak_kb_, kb);
      }
    });
  }
  ~RssSampler() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    end_kb_ = ProcessStatusKb(pid_, "VmRSS");
    peak_kb_ = std::max(peak_kb_, end_kb_);
    hwm_kb_ = ProcessStatusKb(pid_, "VmHWM");
  }
  int64_t start_kb() const { return start_kb_; }
  int64_t peak_kb() const { return peak_kb_; }
  int64_t end_kb() const { return end_kb_; }
  int64_t hwm_kb() const { return hwm_kb_; }

 private:
  int pid_;
  int64_t start_kb_ = -1, peak_kb_ = -1, end_kb_ = -1, hwm_kb_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Error type from an error response: the x-amzn-ErrorType header or the body's __type,
// reduced to the bare name ("...#ResourceNotFoundException" -> "ResourceNotFoundException").
std::string ErrorName(const HttpResponse& r) {
  std::string t(r.error_type);
  if (t.empty()) {
    simdjson::ondemand::parser p;
    simdjson::padded_string body(r.body);
    auto doc = p.iterate(body);
    std::string_view v;
    if (!doc.error() && !doc["__type"].get_string().get(v)) t = std::string(v);
  }
  size_t hash = t.rfind('#');
  if (hash != std::string::npos) t = t.substr(hash + 1);
  if (t.empty()) t = "HTTP" + std::to_string(r.status);
  return t;
}

// ---------------------------------------------------------------------------------------
// Per-scenario statistics (one per worker, merged at the end)

struct Stats {
  LogHistogram latency;  // ns
  uint64_t requests = 0;
  uint64_t records = 0;      // successfully written/read records
  uint64_t bytes = 0;        // record payload bytes (decoded)
  uint64_t acked_bytes = 0;  // write scenarios: payload acknowledged in the whole run (warm-up and tail too)
  std::map<std::string, uint64_t> errors;
  void Error(const std::string& e, uint64_t n = 1) { errors[e] += n; }
  void Merge(const Stats& o) {
    latency.Merge(o.latency);
    requests += o.requests;
    records += o.records;
    bytes += o.bytes;
    acked_bytes += o.acked_bytes;
    for (auto& [k, v] : o.errors) errors[k] += v;
  }
};

struct Result {
  std::string scenario;
  bool ok = true;
  std::string failure;
  double duration_s = 0;
  double server_cpu_s = -1;  // server CPU over the measured phase (--server-pid)
  int64_t rss_start_kb = -1, rss_peak_kb = -1, rss_end_kb = -1, rss_hwm_kb = -1;  // whole scenario
  Stats stats;
  JsonWriter params;  // filled by the scenario
  JsonWriter extra;   // scenario-specific numbers
};

// ---------------------------------------------------------------------------------------
// Request preparation and signing

struct Prepared {
  std::string target;  // full X-Amz-Target value
  std::string body;
  std::string payload_hash;
  uint32_t records = 0;
  uint64_t data_bytes = 0;
};

// Per-thread state: the signer and the request-head cache (one signature per body per
// second, since benchmark bodies repeat).
class ThreadCtx {
 public:
  ThreadCtx(const Options& o, std::unique_ptr<RequestSigner> s)
      : opt_(o), signer_(std::move(s)), host_(o.host + ":" + std::to_string(o.port)) {}

  RequestSigner& signer() { return *signer_; }
  asio::io_context& io() { return *io_; }
  // After a deadline: drop every pending handler (and with them the suspended coroutine
  // frames, which reference the finished scenario's state) by replacing the context.
  void ResetIo() { io_ = std::make_unique<asio::io_context>(1); }

  const std::string& Date() {
    std::time_t now = std::time(nullptr);
    if (now != date_sec_) {
      date_sec_ = now;
      date_ = AmzDate(now);
    }
    return date_;
  }

  std::string BuildHead(std::string_view target, std::string_view payload_hash, size_t len) {
    const std::string& date = Date();
    std::string auth = signer_->Authorization({host_, date, target, kContentType, payload_hash});
    std::string h;
    h.reserve(512);
    h.append("POST / HTTP/1.1\r\nHost: ").append(host_);
    h.append("\r\nContent-Type: ").append(kContentType);
    h.append("\r\nX-Amz-Target: ").append(target);
    h.append("\r\nX-Amz-Date: ").append(date);
    h.append("\r\nAuthorization: ").append(auth);
    h.append("\r\nUser-Agent: sluice-loadgen/1\r\nContent-Length: ").append(std::to_string(len));
    h.append("\r\n\r\n");
    return h;
  }

  // Cached head for a prepared body (key: address of the Prepared).
  const std::string& Head(const Prepared& p) {
    auto& e = cache_[&p];
    std::time_t now = std::time(nullptr);
    if (e.sec != now) {
      e.sec = now;
      e.head = BuildHead(p.target, p.payload_hash, p.body.size());
      ++signatures_;
    }
    return e.head;
  }
  uint64_t signatures() const { return signatures_; }
  void ClearCache() { cache_.clear(); }

 private:
  struct Entry {
    std::time_t sec = -1;
    std::string head;
  };
  const Options& opt_;
  std::unique_ptr<RequestSigner> signer_;
  std::string host_;
  std::unique_ptr<asio::io_context> io_ = std::make_unique<asio::io_context>(1);
  std::time_t date_sec_ = -1;
  std::string date_;
  std::unordered_map<const Prepared*, Entry> cache_;
  uint64_t signatures_ = 0;
};

Prepared MakePrepared(RequestSigner& s, std::string_view op, std::string body, uint32_t records, uint64_t data_bytes) {
  Prepared p;
  p.target = std::string(kTargetPrefix) + std::string(op);
  p.body = std::move(body);
  p.payload_hash = s.PayloadHash(p.body);
  p.records = records;
  p.data_bytes = data_bytes;
  return p;
}

std::string PutRecordsBody(const std::string& stream, int n, int size, uint64_t& rng) {
  JsonWriter w;
  w.BeginObject();
  w.Key("StreamName").String(stream);
  w.Key("Records").BeginArray();
  std::string b64;
  for (int i = 0; i < n; ++i) {
    b64.clear();
    base64::AppendEncoded(RandomBytes(rng, size), &b64);
    w.BeginObject();
    w.Key("Data").String(b64);
    w.Key("PartitionKey").String(RandomKey(rng));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string PutRecordBody(const std::string& stream, std::string_view data, uint64_t& rng) {
  JsonWriter w;
  w.BeginObject();
  w.Key("StreamName").String(stream);
  std::string b64;
  base64::AppendEncoded(data, &b64);
  w.Key("Data").String(b64);
  w.Key("PartitionKey").String(RandomKey(rng));
  w.EndObject();
  return w.Take();
}

// ---------------------------------------------------------------------------------------
// Control-plane calls (unsigned-cache path; also used for GetShardIterator/GetRecords)

struct CallResult {
  int status = 0;
  std::string error;  // empty on HTTP 200
  std::string body;
};

awaitable<CallResult> Call(HttpConn& c, ThreadCtx& tc, const tcp::endpoint& ep, std::string_view op,
                           const std::string& body) {
  if (!c.is_open()) co_await c.Connect(ep);
  std::string target = std::string(kTargetPrefix) + std::string(op);
  std::string head = tc.BuildHead(target, tc.signer().PayloadHash(body), body.size());
  HttpResponse r = co_await c.RoundTrip(head, body);
  CallResult out;
  out.status = r.status;
  out.body = std::string(r.body);
  if (r.status != 200) out.error = ErrorName(r);
  co_return out;
}

awaitable<void> Sleep(double ms) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(std::chrono::microseconds(static_cast<int64_t>(ms * 1000)));
  co_await t.async_wait(use_awaitable);
}

std::string JsonString(const std::string& body, const char* field) {
  simdjson::ondemand::parser p;
  simdjson::padded_string b(body);
  auto doc = p.iterate(b);
  std::string_view v;
  if (doc.error() || doc[field].get_string().get(v)) return "";
  return std::string(v);
}

// Creates the stream and waits for ACTIVE; returns the shard ids.
awaitable<std::vector<std::string>> CreateStream(ThreadCtx& tc, const tcp::endpoint& ep, const std::string& name,
                                                 int shards, double active_timeout_s) {
  HttpConn c(co_await asio::this_coro::executor);
  JsonWriter w;
  w.BeginObject().Key("StreamName").String(name).Key("ShardCount").Int(shards).EndObject();
  CallResult r = co_await Call(c, tc, ep, "CreateStream", w.Take());
  if (r.status != 200) throw std::runtime_error("CreateStream: " + r.error + " " + r.body);
  JsonWriter d;
  d.BeginObject().Key("StreamName").String(name).EndObject();
  std::string dbody = d.Take();
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(active_timeout_s * 1000));
  for (;;) {
    r = co_await Call(c, tc, ep, "DescribeStreamSummary", dbody);
    if (r.status != 200) throw std::runtime_error("DescribeStreamSummary: " + r.error + " " + r.body);
    simdjson::ondemand::parser p;
    simdjson::padded_string b(r.body);
    auto doc = p.iterate(b);
    std::string_view st;
    if (doc["StreamDescriptionSummary"]["StreamStatus"].get_string().get(st))
      throw std::runtime_error("DescribeStreamSummary: no StreamStatus: " + r.body);
    if (st == "ACTIVE") break;
    if (Clock::now() > deadline) throw std::runtime_error("stream not ACTIVE in time (--create-timeout)");
    co_await Sleep(50);
  }
  // ListShards pages (AWS returns at most 1,000 shards per call by default): the first call
  // names the stream, the following ones carry only the NextToken.
  std::vector<std::string> ids;
  JsonWriter first;
  first.BeginObject().Key("StreamName").String(name).Key("MaxResults").Int(10000).EndObject();
  std::string lbody = first.Take();
  for (int page = 0; page < 1000; ++page) {
    r = co_await Call(c, tc, ep, "ListShards", lbody);
    if (r.status != 200) throw std::runtime_error("ListShards: " + r.error + " " + r.body);
    simdjson::ondemand::parser p;
    simdjson::padded_string b(r.body);
    auto doc = p.iterate(b);
    for (auto s : doc["Shards"].get_array()) {
      std::string_view id;
      if (!s["ShardId"].get_string().get(id)) ids.emplace_back(id);
    }
    std::string_view token;
    if (doc["NextToken"].get_string().get(token) || token.empty()) break;
    JsonWriter next;
    next.BeginObject().Key("NextToken").String(token).Key("MaxResults").Int(10000).EndObject();
    lbody = next.Take();
  }
  if (static_cast<int>(ids.size()) != shards)
    throw std::runtime_error("ListShards returned " + std::to_string(ids.size()) + " shards");
  c.Close();
  co_return ids;
}

awaitable<void> DeleteStream(ThreadCtx& tc, const tcp::endpoint& ep, const std::string& name) {
  HttpConn c(co_await asio::this_coro::executor);
  JsonWriter w;
  w.BeginObject().Key("StreamName").String(name).Key("EnforceConsumerDeletion").Bool(true).EndObject();
  CallResult r = co_await Call(c, tc, ep, "DeleteStream", w.Take());
  if (r.status != 200) std::fprintf(stderr, "loadgen: DeleteStream %s: %s\n", name.c_str(), r.error.c_str());
  c.Close();
}

// ---------------------------------------------------------------------------------------
// Running coroutines on N threads, with a hard deadline

class Runner {
 public:
  Runner(const Options& o, std::function<std::unique_ptr<RequestSigner>()> make_signer)
      : create_timeout_s_(o.create_timeout_s) {
    for (int i = 0; i < std::max(1, o.threads); ++i) ctx_.push_back(std::make_unique<ThreadCtx>(o, make_signer()));
  }
  ThreadCtx& ctx(size_t i) { return *ctx_[i % ctx_.size()]; }
  size_t size() const { return ctx_.size(); }
  double create_timeout_s() const { return create_timeout_s_; }

  template <typename F>
  void Spawn(size_t thread, F&& coro_fn) {
    ThreadCtx& c = ctx(thread);
    asio::co_spawn(c.io(), std::forward<F>(coro_fn), [this](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::lock_guard<std::mutex> l(mu_);
        if (error_.empty()) error_ = ex.what();
      }
    });
  }
  // Runs all contexts until their work is done or the deadline passes. Returns false on
  // deadline (the contexts are stopped).
  bool Run(Clock::time_point deadline) {
    std::atomic<int> live{static_cast<int>(ctx_.size())};
    std::vector<std::thread> ts;
    for (auto& c : ctx_) {
      ts.emplace_back([&c, &live] {
        c->io().run();
        --live;
      });
    }
    bool ok = true;
    while (live.load() > 0) {
      if (Clock::now() > deadline) {
        ok = false;
        for (auto& c : ctx_) c->io().stop();
        break;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    for (auto& t : ts) t.join();
    for (auto& c : ctx_) {
      if (ok) c->io().restart();
      else c->ResetIo();
    }
    return ok;
  }
  std::string error() {
    std::lock_guard<std::mutex> l(mu_);
    return error_;
  }
  void ClearError() {
    std::lock_guard<std::mutex> l(mu_);
    error_.clear();
  }
  uint64_t signatures() const {
    uint64_t n = 0;
    for (auto& c : ctx_) n += c->signatures();
    return n;
  }

 private:
  double create_timeout_s_;
  std::vector<std::unique_ptr<ThreadCtx>> ctx_;
  std::mutex mu_;
  std::string error_;
};

// Runs one setup/teardown coroutine to completion on thread 0.
template <typename T>
T RunOne(Runner& run, std::function<awaitable<T>()> fn, double timeout_s) {
  T out{};
  run.ClearError();
  run.Spawn(0, [&]() -> awaitable<void> { out = co_await fn(); });
  if (!run.Run(Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000))))
    throw std::runtime_error("timed out");
  std::string e = run.error();
  if (!e.empty()) throw std::runtime_error(e);
  return out;
}

void DeleteQuietly(Runner& run, const tcp::endpoint& ep, const std::string& stream) {
  try {
    RunOne<bool>(
        run,
        [&]() -> awaitable<bool> {
          co_await DeleteStream(run.ctx(0), ep, stream);
          co_return true;
        },
        30);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: DeleteStream %s: %s\n", stream.c_str(), e.what());
  }
}

// Runs a scenario body between CreateStream and DeleteStream (also on failure).
template <typename F>
void WithStream(Runner& run, const tcp::endpoint& ep, const std::string& stream, int shards, F&& body) {
  auto ids = RunOne<std::vector<std::string>>(
      run, [&]() { return CreateStream(run.ctx(0), ep, stream, shards, run.create_timeout_s()); },
      run.create_timeout_s() + 30);
  try {
    body(ids);
  } catch (...) {
    DeleteQuietly(run, ep, stream);
    throw;
  }
  DeleteQuietly(run, ep, stream);
}

// ---------------------------------------------------------------------------------------
// Closed-loop write scenarios (put_records, put_record)

struct Window {
  Clock::time_point start, warm_end, end;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> measured{0};
  uint64_t max_requests = 0;
  std::atomic<int64_t> stop_at_ns{0};  // when max_requests was reached (since start)
};

// Parses a PutRecords response: successful record count; per-record failures go to stats.
uint64_t CountPutRecords(simdjson::ondemand::parser& parser, const HttpResponse& r, uint32_t sent, Stats& st) {
  auto doc = parser.iterate(r.body.data(), r.body.size(), r.body_capacity);
  uint64_t failed = 0;
  if (doc.error() || doc["FailedRecordCount"].get_uint64().get(failed)) {
    st.Error("BadResponse");
    return 0;
  }
  if (failed > 0) {
    auto recs = doc["Records"].get_array();
    if (recs.error()) {
      st.Error("BadResponse");
    } else {
      for (auto rec : recs) {
        std::string_view code;
        if (!rec["ErrorCode"].get_string().get(code)) st.Error("record:" + std::string(code));
      }
    }
  }
  return failed > sent ? 0 : sent - failed;
}

awaitable<void> WriteWorker(ThreadCtx& tc, const tcp::endpoint& ep, Window& win, const std::vector<Prepared>& pool,
                            size_t first, bool batch, Stats& st) {
  HttpConn conn(co_await asio::this_coro::executor);
  simdjson::ondemand::parser parser;
  size_t idx = first % pool.size();
  for (;;) {
    if (win.stop.load(std::memory_order_relaxed) || Clock::now() >= win.end) break;
    if (!conn.is_open()) {
      bool connected = true;
      try {
        co_await conn.Connect(ep);
      } catch (const std::exception&) { connected = false; }
      if (!connected) {
        st.Error("connect");
        co_await Sleep(100);
        continue;
      }
    }
    const Prepared& p = pool[idx];
    idx = (idx + 1) % pool.size();
    const std::string& head = tc.Head(p);
    auto t0 = Clock::now();
    HttpResponse r;
    bool io_ok = true;
    std::string io_err;
    try {
      r = co_await conn.RoundTrip(head, p.body);
    } catch (const boost::system::system_error& e) {
      io_ok = false;
      io_err = e.code().message();
    }
    auto t1 = Clock::now();
    bool in_window = t1 >= win.warm_end && t1 <= win.end && !win.stop.load(std::memory_order_relaxed);
    if (!io_ok) {
      if (in_window) st.Error("io:" + io_err);
      continue;
    }
    if (!in_window) {
      if (r.status == 200) {
        Stats ignored;  // errors outside the window are not reported
        uint64_t ok = batch ? CountPutRecords(parser, r, p.records, ignored) : 1;
        st.acked_bytes += p.records ? p.data_bytes / p.records * ok : 0;
      }
      if (r.status != 200 && r.status != 400) co_await Sleep(1);
      continue;
    }
    ++st.requests;
    st.latency.Record(static_cast<uint64_t>((t1 - t0).count()));
    if (r.status == 200) {
      uint64_t ok = batch ? CountPutRecords(parser, r, p.records, st) : 1;
      st.records += ok;
      st.bytes += p.records ? p.data_bytes / p.records * ok : 0;
      st.acked_bytes += p.records ? p.data_bytes / p.records * ok : 0;
    } else {
      std::string e = ErrorName(r);
      st.Error(e);
      if (e.find("Throughput") != std::string::npos) co_await Sleep(1);
    }
    if (win.max_requests) {
      uint64_t n = win.measured.fetch_add(1) + 1;
      if (n >= win.max_requests && !win.stop.exchange(true)) win.stop_at_ns = (Clock::now() - win.start).count();
    }
  }
  conn.Close();
}

void RunWriteScenario(const Options& o, Runner& run, const tcp::endpoint& ep, bool batch, Result& res) {
  std::string stream =
      o.stream_prefix + "-" + res.scenario + "-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));
  int rpr = batch ? o.records_per_request : 1;
  int size = batch ? o.record_size : o.small_record_size;
  res.params.BeginObject();
  res.params.Key("connections").Int(o.connections).Key("threads").Int(run.size());
  res.params.Key("shards").Int(o.shards).Key("records_per_request").Int(rpr);
  res.params.Key("record_bytes").Int(size).Key("duration_s").Double(o.duration_s);
  res.params.Key("warmup_s").Double(o.warmup_s).Key("max_requests").UInt(o.max_requests);
  const int n_pool = batch ? o.pool : (o.put_record_pool > 0 ? o.put_record_pool : o.pool * 16);
  res.params.Key("body_pool").Int(n_pool).EndObject();

  WithStream(run, ep, stream, o.shards, [&](const std::vector<std::string>&) {
    // Prepared bodies are shared read-only by all threads.
    uint64_t rng = 0x5eed0000ull ^ static_cast<uint64_t>(std::time(nullptr));
    std::vector<Prepared> pool;
    uint64_t body_bytes = 0;
    for (int i = 0; i < n_pool; ++i) {
      std::string body =
          batch ? PutRecordsBody(stream, rpr, size, rng) : PutRecordBody(stream, RandomBytes(rng, size), rng);
      body_bytes += body.size();
      pool.push_back(MakePrepared(run.ctx(0).signer(), batch ? "PutRecords" : "PutRecord", std::move(body), rpr,
                                  static_cast<uint64_t>(rpr) * size));
    }

    Window win;
    win.max_requests = o.max_requests;
    win.start = Clock::now();
    win.warm_end = win.start + std::chrono::milliseconds(static_cast<int64_t>(o.warmup_s * 1000));
    win.end = win.warm_end + std::chrono::milliseconds(static_cast<int64_t>(o.duration_s * 1000));
    std::vector<Stats> stats(o.connections);
    uint64_t sig_before = run.signatures();
    // Write amplification: device and server-process writes over the whole write phase (warm-up
    // included, then a syncfs so that page-cache writes are counted) per payload byte acknowledged.
    int64_t dev0 = DeviceBytesWritten(o.io_device), proc0 = ProcessWriteBytes(o.server_pid);
    run.ClearError();
    double cpu0 = -1, cpu1 = -1;
    if (o.server_pid > 0) {
      run.Spawn(0, [&]() -> awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_at(win.warm_end);
        co_await t.async_wait(use_awaitable);
        cpu0 = ProcessCpuSeconds(o.server_pid);
        t.expires_at(win.end);
        co_await t.async_wait(use_awaitable);
        cpu1 = ProcessCpuSeconds(o.server_pid);
      });
    }
    for (int i = 0; i < o.connections; ++i) {
      ThreadCtx& tc = run.ctx(i);
      run.Spawn(i, [&, i]() -> awaitable<void> {
        co_await WriteWorker(tc, ep, win, pool, static_cast<size_t>(i), batch, stats[i]);
      });
    }
    // Requests in flight at the end are not counted, but are given up to 60 s to finish (so a
    // slow server is idle again before the next scenario); after that they are abandoned.
    bool finished = run.Run(win.end + std::chrono::seconds(60));
    if (cpu0 >= 0 && cpu1 >= 0 && win.stop_at_ns.load() == 0) res.server_cpu_s = cpu1 - cpu0;
    double phase_s = Seconds(Clock::now() - win.start);
    if (o.io_settle_s > 0 && (dev0 >= 0 || proc0 >= 0))
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(o.io_settle_s * 1000)));
    auto sync0 = Clock::now();
    bool synced = !o.sync_dir.empty() && SyncFilesystem(o.sync_dir);
    double sync_s = Seconds(Clock::now() - sync0);
    int64_t dev1 = DeviceBytesWritten(o.io_device), proc1 = ProcessWriteBytes(o.server_pid);
    for (auto& s : stats) res.stats.Merge(s);
    res.duration_s = o.duration_s;
    if (win.stop_at_ns.load() > 0) res.duration_s = Seconds(Clock::duration(win.stop_at_ns.load())) - o.warmup_s;
    std::string e = run.error();
    if (!e.empty()) res.stats.Error("exception:" + e);
    res.extra.BeginObject();
    res.extra.Key("request_body_bytes_avg").UInt(body_bytes / std::max(1, n_pool));
    res.extra.Key("signatures").UInt(run.signatures() - sig_before);
    res.extra.Key("abandoned_in_flight").Bool(!finished);
    // Warm-up, window and the in-flight tail: with acked_payload_bytes, a rate for servers so slow
    // that no request completes inside the window.
    res.extra.Key("write_phase_s").Double(phase_s).Key("acked_payload_bytes").UInt(res.stats.acked_bytes);
    if (dev0 >= 0 || proc0 >= 0) {
      double acked = static_cast<double>(std::max<uint64_t>(1, res.stats.acked_bytes));
      res.extra.Key("io").BeginObject();
      if (dev0 >= 0 && dev1 >= 0) {
        res.extra.Key("device").String(o.io_device).Key("device_write_bytes").Int(dev1 - dev0);
        res.extra.Key("device_wa").Double(static_cast<double>(dev1 - dev0) / acked);
      }
      if (proc0 >= 0 && proc1 >= 0) {
        res.extra.Key("server_write_bytes").Int(proc1 - proc0);
        res.extra.Key("server_wa").Double(static_cast<double>(proc1 - proc0) / acked);
      }
      res.extra.Key("syncfs").Bool(synced).Key("syncfs_s").Double(sync_s).EndObject();
    }
    res.extra.EndObject();
  });
}

// ---------------------------------------------------------------------------------------
// get_records: pre-load then drain every shard from TRIM_HORIZON

awaitable<void> PreloadWorker(ThreadCtx& tc, const tcp::endpoint& ep, const std::vector<Prepared>& pool, size_t first,
                              std::atomic<int64_t>& remaining_requests, std::map<std::string, uint64_t>& per_shard,
                              Stats& st) {
  HttpConn conn(co_await asio::this_coro::executor);
  simdjson::ondemand::parser parser;
  size_t idx = first;
  int failures = 0;
  while (remaining_requests.fetch_sub(1) > 0) {
    const Prepared& p = pool[idx++ % pool.size()];
    for (;;) {  // retry the same request until its records are in (counting only successes)
      try {
        if (!conn.is_open()) co_await conn.Connect(ep);
        HttpResponse r = co_await conn.RoundTrip(tc.Head(p), p.body);
        if (r.status != 200) {
          st.Error("preload:" + ErrorName(r));
          if (++failures > 1000) throw std::runtime_error("preload: too many errors");
          co_await Sleep(10);
          continue;
        }
        auto doc = parser.iterate(r.body.data(), r.body.size(), r.body_capacity);
        uint64_t failed = 0;
        for (auto rec : doc["Records"].get_array()) {
          std::string_view shard;
          if (!rec["ShardId"].get_string().get(shard)) ++per_shard[std::string(shard)];
          else ++failed;
        }
        st.records += p.records - failed;
        ++st.requests;
        if (failed) st.Error("preload:record_failed", failed);
        break;
      } catch (const boost::system::system_error&) {
        st.Error("preload:io");
        if (++failures > 1000) throw;
      }
      co_await Sleep(10);  // only reached after an I/O error
    }
  }
  conn.Close();
}

struct ShardDrain {
  std::string shard;
  uint64_t expected = 0;
  uint64_t got = 0;
  uint64_t calls = 0;
  uint64_t empty_calls = 0;
  Clock::time_point done;
  bool finished = false;
};

awaitable<void> DrainShard(ThreadCtx& tc, const tcp::endpoint& ep, const Options& o, const std::string& stream,
                           ShardDrain& sd, Clock::time_point deadline, Stats& st) {
  HttpConn conn(co_await asio::this_coro::executor);
  simdjson::ondemand::parser parser;
  JsonWriter w;
  w.BeginObject().Key("StreamName").String(stream).Key("ShardId").String(sd.shard);
  w.Key("ShardIteratorType").String("TRIM_HORIZON").EndObject();
  CallResult cr = co_await Call(conn, tc, ep, "GetShardIterator", w.Take());
  if (cr.status != 200) throw std::runtime_error("GetShardIterator: " + cr.error + " " + cr.body);
  std::string it = JsonString(cr.body, "ShardIterator");
  const std::string target = std::string(kTargetPrefix) + "GetRecords";
  while (sd.got < sd.expected && !it.empty() && Clock::now() < deadline) {
    JsonWriter g;
    g.BeginObject().Key("ShardIterator").String(it).Key("Limit").Int(o.drain_limit).EndObject();
    std::string body = g.Take();
    std::string head = tc.BuildHead(target, tc.signer().PayloadHash(body), body.size());
    if (!conn.is_open()) co_await conn.Connect(ep);
    auto t0 = Clock::now();
    HttpResponse r = co_await conn.RoundTrip(head, body);
    auto t1 = Clock::now();
    ++st.requests;
    ++sd.calls;
    st.latency.Record(static_cast<uint64_t>((t1 - t0).count()));
    if (r.status != 200) {
      std::string e = ErrorName(r);
      st.Error(e);
      if (e.find("Throughput") != std::string::npos) co_await Sleep(o.throttle_backoff_ms);
      else throw std::runtime_error("GetRecords: " + e);
      continue;
    }
    auto doc = parser.iterate(r.body.data(), r.body.size(), r.body_capacity);
    uint64_t n = 0;
    for (auto rec : doc["Records"].get_array()) {
      std::string_view tok;
      if (rec["Data"].raw_json_token().get(tok)) throw std::runtime_error("GetRecords: no Data");
      // raw token is "...." with quotes (base64 needs no escapes)
      size_t len = tok.size() >= 2 ? tok.size() - 2 : 0;
      size_t pad = (len >= 1 && tok[len] == '=') + (len >= 2 && tok[len - 1] == '=');
      st.bytes += len / 4 * 3 - pad;
      ++n;
    }
    std::string_view next;
    auto nv = doc["NextShardIterator"];
    if (nv.is_null()) {
      it.clear();
    } else if (!nv.get_string().get(next)) {
      it = std::string(next);
    } else {
      it.clear();
    }
    if (n == 0) ++sd.empty_calls;
    sd.got += n;
    st.records += n;
  }
  sd.done = Clock::now();
  sd.finished = sd.got >= sd.expected;
  conn.Close();
}

void RunGetRecords(const Options& o, Runner& run, const tcp::endpoint& ep, Result& res) {
  std::string stream = o.stream_prefix + "-get-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));
  int rpr = o.records_per_request;
  uint64_t nreq = (o.drain_records + rpr - 1) / rpr;
  uint64_t total = nreq * rpr;
  res.params.BeginObject();
  res.params.Key("shards").Int(o.shards).Key("preload_records").UInt(total);
  res.params.Key("record_bytes").Int(o.record_size).Key("limit").Int(o.drain_limit);
  res.params.Key("preload_connections").Int(o.connections).Key("readers").Int(o.shards);
  res.params.EndObject();

  WithStream(run, ep, stream, o.shards, [&](const std::vector<std::string>& shards) {
    uint64_t rng = 0x9e3779b9ull ^ static_cast<uint64_t>(std::time(nullptr));
    std::vector<Prepared> pool;
    for (int i = 0; i < o.pool; ++i)
      pool.push_back(MakePrepared(run.ctx(0).signer(), "PutRecords", PutRecordsBody(stream, rpr, o.record_size, rng),
                                  rpr, static_cast<uint64_t>(rpr) * o.record_size));
    // Pre-load.
    std::atomic<int64_t> remaining{static_cast<int64_t>(nreq)};
    std::vector<std::map<std::string, uint64_t>> per_shard(o.connections);
    std::vector<Stats> pst(o.connections);
    auto p0 = Clock::now();
    run.ClearError();
    for (int i = 0; i < o.connections; ++i) {
      ThreadCtx& tc = run.ctx(i);
      run.Spawn(i, [&, i]() -> awaitable<void> {
        co_await PreloadWorker(tc, ep, pool, static_cast<size_t>(i), remaining, per_shard[i], pst[i]);
      });
    }
    bool pre_ok = run.Run(Clock::now() + std::chrono::seconds(static_cast<int64_t>(o.drain_timeout_s)));
    double preload_s = Seconds(Clock::now() - p0);
    Stats pre;
    for (auto& s : pst) pre.Merge(s);
    std::map<std::string, uint64_t> expected;
    for (auto& m : per_shard)
      for (auto& [k, v] : m) expected[k] += v;
    for (auto& [k, v] : pre.errors) res.stats.Error(k, v);
    std::string e = run.error();
    if (!pre_ok || !e.empty()) throw std::runtime_error("preload failed: " + (e.empty() ? "timeout" : e));

    // Drain.
    std::vector<ShardDrain> sds;
    for (auto& s : shards) {
      ShardDrain sd;
      sd.shard = s;
      sd.expected = expected[s];
      sds.push_back(sd);
    }
    std::vector<Stats> dst(sds.size());
    double cpu0 = ProcessCpuSeconds(o.server_pid);
    auto d0 = Clock::now();
    auto deadline = d0 + std::chrono::milliseconds(static_cast<int64_t>(o.drain_timeout_s * 1000));
    run.ClearError();
    for (size_t i = 0; i < sds.size(); ++i) {
      ThreadCtx& tc = run.ctx(i);
      run.Spawn(i, [&, i]() -> awaitable<void> { co_await DrainShard(tc, ep, o, stream, sds[i], deadline, dst[i]); });
    }
    bool drain_ok = run.Run(deadline + std::chrono::seconds(5));
    if (cpu0 >= 0) res.server_cpu_s = ProcessCpuSeconds(o.server_pid) - cpu0;
    Clock::time_point last = d0;
    bool all = drain_ok;
    for (auto& s : sds) {
      last = std::max(last, s.done);
      all = all && s.finished;
    }
    for (auto& s : dst) res.stats.Merge(s);
    res.duration_s = Seconds(last - d0);
    e = run.error();
    if (!e.empty()) res.stats.Error("exception:" + e);
    if (!all) {
      res.stats.Error("drain_incomplete");
      res.ok = false;
      res.failure = "not every shard was drained before the deadline";
    }
    res.extra.BeginObject();
    res.extra.Key("preload_s").Double(preload_s);
    res.extra.Key("preload_records_per_s").Double(pre.records / std::max(1e-9, preload_s));
    res.extra.Key("shards").BeginArray();
    for (auto& s : sds) {
      res.extra.BeginObject().Key("shard").String(s.shard).Key("expected").UInt(s.expected);
      res.extra.Key("got").UInt(s.got).Key("calls").UInt(s.calls).Key("empty_calls").UInt(s.empty_calls);
      res.extra.Key("seconds").Double(Seconds(s.done - d0)).EndObject();
    }
    res.extra.EndArray().EndObject();
  });
}

// ---------------------------------------------------------------------------------------
// seek_<N>mb: read cost at a position deep in a large shard. Pre-load N MB into a 1-shard
// stream (keeping the first sequence number of every PutRecords response), then, one call at a
// time, GetShardIterator AT_SEQUENCE_NUMBER at a random kept sequence number followed by one
// GetRecords (Limit --seek-limit). Latency = the GetRecords call; extra has the pair's.

awaitable<void> SeekPreloadWorker(ThreadCtx& tc, const tcp::endpoint& ep, const std::vector<Prepared>& pool,
                                  size_t first, std::atomic<int64_t>& remaining, std::vector<std::string>& seqs,
                                  Stats& st) {
  HttpConn conn(co_await asio::this_coro::executor);
  simdjson::ondemand::parser parser;
  size_t idx = first;
  int failures = 0;
  while (remaining.fetch_sub(1) > 0) {
    const Prepared& p = pool[idx++ % pool.size()];
    for (;;) {
      bool io_error = false;
      try {
        if (!conn.is_open()) co_await conn.Connect(ep);
        HttpResponse r = co_await conn.RoundTrip(tc.Head(p), p.body);
        if (r.status == 200) {
          auto doc = parser.iterate(r.body.data(), r.body.size(), r.body_capacity);
          uint64_t ok = 0;
          bool kept = false;
          for (auto rec : doc["Records"].get_array()) {
            std::string_view seq;
            if (rec["SequenceNumber"].get_string().get(seq)) continue;
            ++ok;
            if (!kept) {
              seqs.emplace_back(seq);
              kept = true;
            }
          }
          st.records += ok;
          st.bytes += ok * (p.records ? p.data_bytes / p.records : 0);
          ++st.requests;
          break;
        }
        st.Error("preload:" + ErrorName(r));
      } catch (const boost::system::system_error&) {
        st.Error("preload:io");
        io_error = true;
      }
      if (++failures > 1000)
        throw std::runtime_error(io_error ? "preload: too many I/O errors" : "preload: too many errors");
      co_await Sleep(10);
    }
  }
  conn.Close();
}

struct SeekStats {
  LogHistogram iterator_ns, pair_ns;
};

awaitable<void> SeekReader(ThreadCtx& tc, const tcp::endpoint& ep, const Options& o, const std::string& stream,
                           const std::string& shard, const std::vector<std::string>& seqs, Clock::time_point deadline,
                           Stats& st, SeekStats& ss) {
  HttpConn conn(co_await asio::this_coro::executor);
  simdjson::ondemand::parser parser;
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, seqs.size() - 1);
  for (int i = 0; i < o.seek_calls + o.seek_warmup_calls && Clock::now() < deadline; ++i) {
    // Cold for every call, whatever the shard size: compares index cost, not cache residency.
    if (o.seek_drop_caches && i >= o.seek_warmup_calls && std::system("sync; echo 1 > /proc/sys/vm/drop_caches") != 0)
      throw std::runtime_error("--seek-drop-caches: cannot drop the page cache (not root?)");
    JsonWriter w;
    w.BeginObject().Key("StreamName").String(stream).Key("ShardId").String(shard);
    w.Key("ShardIteratorType").String("AT_SEQUENCE_NUMBER");
    w.Key("StartingSequenceNumber").String(seqs[pick(rng)]).EndObject();
    auto t0 = Clock::now();
    CallResult cr = co_await Call(conn, tc, ep, "GetShardIterator", w.Take());
    auto t1 = Clock::now();
    if (cr.status != 200) throw std::runtime_error("GetShardIterator: " + cr.error + " " + cr.body);
    JsonWriter g;
    g.BeginObject().Key("ShardIterator").String(JsonString(cr.body, "ShardIterator"));
    g.Key("Limit").Int(o.seek_limit).EndObject();
    std::string body = g.Take();
    const std::string target = std::string(kTargetPrefix) + "GetRecords";
    std::string head = tc.BuildHead(target, tc.signer().PayloadHash(body), body.size());
    auto t2 = Clock::now();
    HttpResponse r = co_await conn.RoundTrip(head, body);
    auto t3 = Clock::now();
    if (r.status != 200) throw std::runtime_error("GetRecords: " + ErrorName(r));
    if (i < o.seek_warmup_calls) continue;
    auto doc = parser.iterate(r.body.data(), r.body.size(), r.body_capacity);
    uint64_t n = 0;
    for (auto rec : doc["Records"].get_array()) {
      (void)rec;
      ++n;
    }
    ++st.requests;
    st.records += n;
    st.latency.Record(static_cast<uint64_t>((t3 - t2).count()));
    ss.iterator_ns.Record(static_cast<uint64_t>((t1 - t0).count()));
    ss.pair_ns.Record(static_cast<uint64_t>((t3 - t0).count()));
  }
  conn.Close();
}

void RunSeek(const Options& o, Runner& run, const tcp::endpoint& ep, uint64_t data_mb, Result& res) {
  std::string stream = o.stream_prefix + "-seek-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));
  int rpr = o.records_per_request;
  uint64_t req_bytes = static_cast<uint64_t>(rpr) * o.record_size;
  uint64_t nreq = std::max<uint64_t>(1, data_mb * 1000 * 1000 / req_bytes);
  res.params.BeginObject();
  res.params.Key("shards").Int(1).Key("shard_data_mb").UInt(data_mb).Key("preload_records").UInt(nreq * rpr);
  res.params.Key("record_bytes").Int(o.record_size).Key("limit").Int(o.seek_limit);
  res.params.Key("calls").Int(o.seek_calls).Key("warmup_calls").Int(o.seek_warmup_calls);
  res.params.Key("cold_cache_each_call").Bool(o.seek_drop_caches);
  res.params.Key("preload_connections").Int(o.connections).EndObject();

  WithStream(run, ep, stream, 1, [&](const std::vector<std::string>& shards) {
    uint64_t rng = 0x7e57ull ^ static_cast<uint64_t>(std::time(nullptr));
    std::vector<Prepared> pool;
    for (int i = 0; i < o.pool; ++i)
      pool.push_back(MakePrepared(run.ctx(0).signer(), "PutRecords", PutRecordsBody(stream, rpr, o.record_size, rng),
                                  rpr, req_bytes));
    std::atomic<int64_t> remaining{static_cast<int64_t>(nreq)};
    std::vector<std::vector<std::string>> seqs(o.connections);
    std::vector<Stats> pst(o.connections);
    auto p0 = Clock::now();
    run.ClearError();
    for (int i = 0; i < o.connections; ++i) {
      ThreadCtx& tc = run.ctx(i);
      run.Spawn(i, [&, i]() -> awaitable<void> {
        co_await SeekPreloadWorker(tc, ep, pool, static_cast<size_t>(i), remaining, seqs[i], pst[i]);
      });
    }
    bool pre_ok = run.Run(Clock::now() + std::chrono::seconds(static_cast<int64_t>(o.seek_preload_timeout_s)));
    double preload_s = Seconds(Clock::now() - p0);
    Stats pre;
    for (auto& s : pst) pre.Merge(s);
    for (auto& [k, v] : pre.errors) res.stats.Error(k, v);
    std::string e = run.error();
    if (!pre_ok || !e.empty()) throw std::runtime_error("preload failed: " + (e.empty() ? "timeout" : e));
    std::vector<std::string> all;
    for (auto& v : seqs)
      for (auto& s : v) all.push_back(std::move(s));
    if (all.empty()) throw std::runtime_error("preload kept no sequence numbers");

    Stats st;
    SeekStats ss;
    double cpu0 = ProcessCpuSeconds(o.server_pid);
    auto d0 = Clock::now();
    auto deadline = d0 + std::chrono::seconds(120);
    run.ClearError();
    run.Spawn(0, [&]() -> awaitable<void> {
      co_await SeekReader(run.ctx(0), ep, o, stream, shards[0], all, deadline, st, ss);
    });
    bool ok = run.Run(deadline + std::chrono::seconds(5));
    if (cpu0 >= 0) res.server_cpu_s = ProcessCpuSeconds(o.server_pid) - cpu0;
    res.duration_s = Seconds(Clock::now() - d0);
    res.stats.Merge(st);
    e = run.error();
    if (!ok || !e.empty()) {
      res.ok = false;
      res.failure = e.empty() ? "timeout" : e;
    }
    auto q = [](const LogHistogram& h, double x) { return static_cast<double>(h.Quantile(x)) / 1e3; };
    res.extra.BeginObject();
    res.extra.Key("preload_s").Double(preload_s);
    res.extra.Key("preload_mb_per_s").Double(static_cast<double>(pre.bytes) / 1e6 / std::max(1e-9, preload_s));
    res.extra.Key("preload_records").UInt(pre.records);
    res.extra.Key("get_shard_iterator_us").BeginObject().Key("p50").Double(q(ss.iterator_ns, 0.5));
    res.extra.Key("p99").Double(q(ss.iterator_ns, 0.99)).EndObject();
    res.extra.Key("iterator_plus_get_us").BeginObject().Key("p50").Double(q(ss.pair_ns, 0.5));
    res.extra.Key("p99").Double(q(ss.pair_ns, 0.99)).EndObject();
    res.extra.EndObject();
  });
}

// ---------------------------------------------------------------------------------------
// put_get_latency: PutRecord at a fixed rate, one consumer polling GetRecords

struct LatencyState {
  std::vector<Clock::time_point> sent;  // by record id
  std::vector<uint8_t> seen;
  uint64_t nonce = 0;
  uint64_t produced = 0;
  uint64_t warm_ids = 0;  // ids below this are warm-up
  bool producer_done = false;
  LogHistogram put_latency;
  uint64_t polls = 0, empty_polls = 0, duplicates = 0;
};

awaitable<void> LatencyProducer(ThreadCtx& tc, const tcp::endpoint& ep, const Options& o, const std::string& stream,
                                LatencyState& ls, Stats& st) {
  HttpConn conn(co_await asio::this_coro::executor);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const std::string target = std::string(kTargetPrefix) + "PutRecord";
  uint64_t rng = ls.nonce;
  uint64_t n = ls.sent.size();
  auto start = Clock::now();
  for (uint64_t id = 0; id < n; ++id) {
    auto due = start + std::chrono::nanoseconds(static_cast<int64_t>(id * 1e9 / o.latency_rate));
    timer.expires_at(due);
    co_await timer.async_wait(use_awaitable);
    std::string data = RandomBytes(rng, std::max(16, o.latency_record_size));
    std::memcpy(data.data(), &ls.nonce, 8);
    std::memcpy(data.data() + 8, &id, 8);
    std::string body = PutRecordBody(stream, data, rng);
    std::string head = tc.BuildHead(target, tc.signer().PayloadHash(body), body.size());
    try {
      if (!conn.is_open()) co_await conn.Connect(ep);
      auto t0 = Clock::now();
      ls.sent[id] = t0;
      HttpResponse r = co_await conn.RoundTrip(head, body);
      auto t1 = Clock::now();
      if (id >= ls.warm_ids) ++st.requests;
      if (r.status == 200) {
        ++ls.produced;
        if (id >= ls.warm_ids) ls.put_latency.Record(static_cast<uint64_t>((t1 - t0).count()));
      } else {
        st.Error("put:" + ErrorName(r));
        ls.sent[id] = Clock::time_point{};
      }
    } catch (const boost::system::system_error&) {
      st.Error("put:io");
      ls.sent[id] = Clock::time_point{};
    }
  }
  ls.producer_done = true;
  conn.Close();
}

awaitable<void> LatencyConsumer(ThreadCtx& tc, const tcp::endpoint& ep, const Options& o, std::string it,
                                LatencyState& ls, Clock::time_point deadline, Stats& st) {
  HttpConn conn(co_await asio::this_coro::executor);
  simdjson::ondemand::parser parser;
  const std::string target = std::string(kTargetPrefix) + "GetRecords";
  std::string raw;
  Clock::time_point drain_deadline{};
  uint64_t received = 0;
  while (Clock::now() < deadline && !it.empty()) {
    if (ls.producer_done) {
      if (drain_deadline == Clock::time_point{}) drain_deadline = Clock::now() + std::chrono::seconds(5);
      if (received >= ls.produced || Clock::now() > drain_deadline) break;
    }
    JsonWriter g;
    g.BeginObject().Key("ShardIterator").String(it).Key("Limit").Int(10000).EndObject();
    std::string body = g.Take();
    std::string head = tc.BuildHead(target, tc.signer().PayloadHash(body), body.size());
    if (!conn.is_open()) co_await conn.Connect(ep);
    HttpResponse r = co_await conn.RoundTrip(head, body);
    auto now = Clock::now();
    ++ls.polls;
    if (r.status != 200) {
      std::string e = ErrorName(r);
      st.Error("get:" + e);
      if (e.find("Throughput") != std::string::npos) co_await Sleep(o.throttle_backoff_ms);
      else throw std::runtime_error("GetRecords: " + e);
      continue;
    }
    auto doc = parser.iterate(r.body.data(), r.body.size(), r.body_capacity);
    uint64_t n = 0;
    for (auto rec : doc["Records"].get_array()) {
      std::string_view data;
      if (rec["Data"].get_string().get(data)) throw std::runtime_error("GetRecords: no Data");
      raw.clear();
      if (!base64::DecodeToString(data, &raw) || raw.size() < 16) {
        st.Error("get:bad_data");
        continue;
      }
      uint64_t nonce, id;
      std::memcpy(&nonce, raw.data(), 8);
      std::memcpy(&id, raw.data() + 8, 8);
      ++n;
      if (nonce != ls.nonce || id >= ls.sent.size()) {
        st.Error("get:foreign_record");
        continue;
      }
      if (ls.seen[id]) {
        ++ls.duplicates;
        continue;
      }
      ls.seen[id] = 1;
      ++received;
      if (ls.sent[id] == Clock::time_point{}) continue;
      if (id >= ls.warm_ids) {
        st.latency.Record(static_cast<uint64_t>((now - ls.sent[id]).count()));
        ++st.records;
        st.bytes += raw.size();
      }
    }
    std::string_view next;
    auto nv = doc["NextShardIterator"];
    if (nv.is_null() || nv.get_string().get(next)) it.clear();
    else it = std::string(next);
    if (n == 0) {
      ++ls.empty_polls;
      if (o.poll_interval_ms > 0) co_await Sleep(o.poll_interval_ms);
    }
  }
  conn.Close();
}

void RunLatency(const Options& o, Runner& run, const tcp::endpoint& ep, Result& res) {
  std::string stream = o.stream_prefix + "-lat-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));
  res.params.BeginObject();
  res.params.Key("shards").Int(1).Key("rate_per_s").Double(o.latency_rate);
  res.params.Key("record_bytes").Int(o.latency_record_size).Key("duration_s").Double(o.duration_s);
  res.params.Key("warmup_s").Double(o.warmup_s).Key("poll_interval_ms").Double(o.poll_interval_ms);
  res.params.EndObject();
  WithStream(run, ep, stream, 1, [&](const std::vector<std::string>& shards) {
    // LATEST iterator before the producer starts.
    std::string it = RunOne<std::string>(
        run,
        [&]() -> awaitable<std::string> {
          HttpConn c(co_await asio::this_coro::executor);
          JsonWriter w;
          w.BeginObject().Key("StreamName").String(stream).Key("ShardId").String(shards[0]);
          w.Key("ShardIteratorType").String("LATEST").EndObject();
          CallResult r = co_await Call(c, run.ctx(0), ep, "GetShardIterator", w.Take());
          if (r.status != 200) throw std::runtime_error("GetShardIterator: " + r.error);
          co_return JsonString(r.body, "ShardIterator");
        },
        30);

    LatencyState ls;
    uint64_t n = static_cast<uint64_t>((o.warmup_s + o.duration_s) * o.latency_rate);
    ls.sent.assign(n, Clock::time_point{});
    ls.seen.assign(n, 0);
    ls.warm_ids = static_cast<uint64_t>(o.warmup_s * o.latency_rate);
    ls.nonce = 0xC0FFEEull ^ (static_cast<uint64_t>(getpid()) << 32) ^ static_cast<uint64_t>(std::time(nullptr));
    Stats pst, cst;
    auto deadline =
        Clock::now() + std::chrono::milliseconds(static_cast<int64_t>((o.warmup_s + o.duration_s + 30) * 1000));
    run.ClearError();
    // Both on thread 0: they share LatencyState without locks.
    run.Spawn(0, [&]() -> awaitable<void> { co_await LatencyProducer(run.ctx(0), ep, o, stream, ls, pst); });
    run.Spawn(0, [&]() -> awaitable<void> { co_await LatencyConsumer(run.ctx(0), ep, o, it, ls, deadline, cst); });
    double cpu0 = ProcessCpuSeconds(o.server_pid);
    auto l0 = Clock::now();
    run.Run(deadline + std::chrono::seconds(5));
    // Whole run (warm-up included), scaled to the measured duration.
    if (cpu0 >= 0)
      res.server_cpu_s =
          (ProcessCpuSeconds(o.server_pid) - cpu0) * o.duration_s / std::max(1e-9, Seconds(Clock::now() - l0));
    std::string e = run.error();
    if (!e.empty()) res.stats.Error("exception:" + e);
    res.stats.Merge(cst);
    for (auto& [k, v] : pst.errors) res.stats.Error(k, v);
    res.stats.requests = pst.requests;  // PutRecord calls
    res.duration_s = o.duration_s;
    uint64_t lost = 0;
    for (uint64_t id = ls.warm_ids; id < n; ++id)
      if (ls.sent[id] != Clock::time_point{} && !ls.seen[id]) ++lost;
    if (lost) res.stats.Error("lost_record", lost);
    res.extra.BeginObject();
    res.extra.Key("put_latency_us").BeginObject();
    res.extra.Key("p50").Double(ls.put_latency.Quantile(0.5) / 1e3);
    res.extra.Key("p99").Double(ls.put_latency.Quantile(0.99) / 1e3);
    res.extra.Key("p999").Double(ls.put_latency.Quantile(0.999) / 1e3).EndObject();
    res.extra.Key("get_calls").UInt(ls.polls).Key("empty_get_calls").UInt(ls.empty_polls);
    res.extra.Key("duplicates").UInt(ls.duplicates).EndObject();
  });
}

// ---------------------------------------------------------------------------------------
// Output

std::string ResultJson(const Options& o, const Result& r, const std::string& started, const char* signer) {
  const Stats& s = r.stats;
  double d = std::max(r.duration_s, 1e-9);
  uint64_t err_total = 0;
  for (auto& [k, v] : s.errors) err_total += v;
  JsonWriter w;
  w.BeginObject();
  w.Key("schema").String("sluice-bench/v1");
  w.Key("scenario").String(r.scenario);
  w.Key("target").String(o.target_name);
  w.Key("endpoint").String(o.host + ":" + std::to_string(o.port));
  w.Key("started_at").String(started);
  w.Key("ok").Bool(r.ok);
  if (!r.failure.empty()) w.Key("failure").String(r.failure);
  w.Key("signer").String(signer);
  w.Key("params").Raw(r.params.Empty() ? "{}" : r.params.str());
  w.Key("duration_s").Double(r.duration_s);
  w.Key("requests").UInt(s.requests);
  w.Key("requests_per_s").Double(s.requests / d);
  w.Key("records").UInt(s.records);
  w.Key("records_per_s").Double(s.records / d);
  w.Key("bytes").UInt(s.bytes);
  w.Key("mb_per_s").Double(s.bytes / d / 1e6);
  w.Key("latency_us").BeginObject();
  w.Key("count").UInt(s.latency.count());
  w.Key("mean").Double(s.latency.mean() / 1e3);
  w.Key("p50").Double(s.latency.Quantile(0.50) / 1e3);
  w.Key("p90").Double(s.latency.Quantile(0.90) / 1e3);
  w.Key("p99").Double(s.latency.Quantile(0.99) / 1e3);
  w.Key("p999").Double(s.latency.Quantile(0.999) / 1e3);
  w.Key("max").Double(s.latency.max() / 1e3);
  w.EndObject();
  w.Key("errors").BeginObject();
  w.Key("total").UInt(err_total);
  w.Key("by_type").BeginObject();
  for (auto& [k, v] : s.errors) w.Key(k).UInt(v);
  w.EndObject().EndObject();
  if (r.server_cpu_s >= 0) {
    // Server efficiency, much less sensitive than records/s to other load on the machine.
    w.Key("server_cpu").BeginObject();
    w.Key("cpu_s").Double(r.server_cpu_s);
    w.Key("cores").Double(r.server_cpu_s / d);
    w.Key("cpu_us_per_record").Double(s.records ? r.server_cpu_s * 1e6 / s.records : 0);
    w.Key("cpu_us_per_request").Double(s.requests ? r.server_cpu_s * 1e6 / s.requests : 0);
    w.EndObject();
  }
  if (r.rss_peak_kb >= 0) {
    // Over the whole scenario (stream creation, pre-load, measurement); hwm = since the start.
    w.Key("server_rss_kb").BeginObject();
    w.Key("start").Int(r.rss_start_kb).Key("peak").Int(r.rss_peak_kb);
    w.Key("end").Int(r.rss_end_kb).Key("hwm").Int(r.rss_hwm_kb).EndObject();
  }
  w.Key("extra").Raw(r.extra.Empty() ? "{}" : r.extra.str());
  w.EndObject();
  return w.Take();
}

void PrintRow(const Options& o, const Result& r) {
  const Stats& s = r.stats;
  double d = std::max(r.duration_s, 1e-9);
  uint64_t err_total = 0;
  for (auto& [k, v] : s.errors) err_total += v;
  std::printf("%-11s %-16s %12.0f %9.1f %10.1f %10.2f %10.2f %10.2f %7" PRIu64 "%s\n", o.target_name.c_str(),
              r.scenario.c_str(), s.records / d, s.bytes / d / 1e6, s.requests / d, s.latency.Quantile(0.5) / 1e6,
              s.latency.Quantile(0.99) / 1e6, s.latency.Quantile(0.999) / 1e6, err_total, r.ok ? "" : "  FAILED");
  if (r.server_cpu_s >= 0 && s.records > 0)
    std::printf("    server CPU: %.2f cores, %.2f us per record\n", r.server_cpu_s / d,
                r.server_cpu_s * 1e6 / s.records);
  if (!r.failure.empty()) std::printf("    failure: %s\n", r.failure.c_str());
  for (auto& [k, v] : s.errors) std::printf("    error %s: %" PRIu64 "\n", k.c_str(), v);
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  Options o;
  bool selftest = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string v;
    size_t eq = a.find('=');
    if (a == "--selftest") {
      selftest = true;
      continue;
    }
    if (a == "--seek-drop-caches") {
      o.seek_drop_caches = true;
      continue;
    }
    if (a == "--help" || a == "-h") Usage(nullptr);
    if (eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      v = argv[++i];
    }
    if (a == "--endpoint") {
      size_t c = v.rfind(':');
      if (c == std::string::npos) Usage("--endpoint wants HOST:PORT");
      o.host = v.substr(0, c);
      o.port = std::stoi(v.substr(c + 1));
    } else if (a == "--target-name") o.target_name = v;
    else if (a == "--scenarios") o.scenarios = Split(v, ',');
    else if (a == "--duration") o.duration_s = std::stod(v);
    else if (a == "--warmup") o.warmup_s = std::stod(v);
    else if (a == "--max-requests") o.max_requests = std::stoull(v);
    else if (a == "--connections") o.connections = std::stoi(v);
    else if (a == "--threads") o.threads = std::stoi(v);
    else if (a == "--shards") o.shards = std::stoi(v);
    else if (a == "--records-per-request") o.records_per_request = std::stoi(v);
    else if (a == "--record-size") o.record_size = std::stoi(v);
    else if (a == "--small-record-size") o.small_record_size = std::stoi(v);
    else if (a == "--pool") o.pool = std::stoi(v);
    else if (a == "--put-record-pool") o.put_record_pool = std::stoi(v);
    else if (a == "--create-timeout") o.create_timeout_s = std::stod(v);
    else if (a == "--io-device") o.io_device = v;
    else if (a == "--sync-dir") o.sync_dir = v;
    else if (a == "--io-settle") o.io_settle_s = std::stod(v);
    else if (a == "--drain-records") o.drain_records = std::stoull(v);
    else if (a == "--drain-limit") o.drain_limit = std::stoi(v);
    else if (a == "--drain-timeout") o.drain_timeout_s = std::stod(v);
    else if (a == "--latency-rate") o.latency_rate = std::stod(v);
    else if (a == "--latency-record-size") o.latency_record_size = std::stoi(v);
    else if (a == "--poll-interval-ms") o.poll_interval_ms = std::stod(v);
    else if (a == "--json-out") o.json_out = v;
    else if (a == "--region") o.sign.region = v;
    else if (a == "--access-key") o.sign.access_key = v;
    else if (a == "--secret-key") o.sign.secret_key = v;
    else if (a == "--stream-prefix") o.stream_prefix = v;
    else if (a == "--server-pid") o.server_pid = std::stoi(v);
    else if (a == "--seek-calls") o.seek_calls = std::stoi(v);
    else if (a == "--seek-warmup-calls") o.seek_warmup_calls = std::stoi(v);
    else if (a == "--seek-limit") o.seek_limit = std::stoi(v);
    else if (a == "--seek-preload-timeout") o.seek_preload_timeout_s = std::stod(v);
    else Usage(("unknown option " + a).c_str());
  }
  if (o.connections < 1 || o.records_per_request < 1 || o.record_size < 1 || o.pool < 1 || o.latency_rate <= 0 ||
      o.shards < 1)
    Usage("bad numeric option");

  if (selftest) {
    std::string e = SelfTestSigner(&MakeSluiceSigner);
    std::printf("sluice signer: %s\n", e.empty() ? "ok" : e.c_str());
    return e.empty() ? 0 : 1;
  }

  tcp::endpoint ep(asio::ip::make_address(o.host), static_cast<unsigned short>(o.port));
  SigningParams sp = o.sign;
  Runner run(o, [&]() { return MakeSluiceSigner(sp); });
  const char* signer_name = run.ctx(0).signer().Name();
  std::FILE* out = nullptr;
  if (!o.json_out.empty()) {
    out = std::fopen(o.json_out.c_str(), "a");
    if (!out) Usage(("cannot open " + o.json_out).c_str());
  }
  std::printf("%-11s %-16s %12s %9s %10s %10s %10s %10s %7s\n", "target", "scenario", "records/s", "MB/s", "req/s",
              "p50 ms", "p99 ms", "p99.9 ms", "errors");
  int rc = 0;
  for (const std::string& sc : o.scenarios) {
    Result res;
    res.scenario = sc;
    std::string started = IsoNow();
    RssSampler rss(o.server_pid);
    try {
      if (sc == "put_records") RunWriteScenario(o, run, ep, true, res);
      else if (sc == "put_record") RunWriteScenario(o, run, ep, false, res);
      else if (sc == "get_records") RunGetRecords(o, run, ep, res);
      else if (sc == "put_get_latency") RunLatency(o, run, ep, res);
      else if (uint64_t mb = SeekScenarioMb(sc)) RunSeek(o, run, ep, mb, res);
      else if (int bytes = DrainScenarioRecordBytes(sc)) {
        Options small = o;
        small.record_size = bytes;
        RunGetRecords(small, run, ep, res);
      } else Usage(("unknown scenario " + sc).c_str());
    } catch (const std::exception& e) {
      res.ok = false;
      res.failure = e.what();
    }
    rss.Stop();
    res.rss_start_kb = rss.start_kb();
    res.rss_peak_kb = rss.peak_kb();
    res.rss_end_kb = rss.end_kb();
    res.rss_hwm_kb = rss.hwm_kb();
    // Head caches are keyed by the address of a Prepared body, which dies with its scenario.
    for (size_t i = 0; i < run.size(); ++i) run.ctx(i).ClearCache();
    if (!res.ok) rc = 1;
    if (out) {
      std::string j = ResultJson(o, res, started, signer_name);
      std::fprintf(out, "%s\n", j.c_str());
      std::fflush(out);
    }
    PrintRow(o, res);
  }
  if (out) std::fclose(out);
  return rc;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  try {
    return sluice::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: %s\n", e.what());
    return 1;
  }
}
