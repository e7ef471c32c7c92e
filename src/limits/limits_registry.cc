#include "limits/limits_registry.h"

#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace sluice::limits {
namespace {

constexpr size_t kStripes = 64;
constexpr size_t kFirstSweep = 256;  // entries per stripe before idle ones are looked for
constexpr uint64_t kClassicMaxRecordBytes = 1024 * 1024;

struct ShardKey {
  uint64_t uid;
  uint32_t shard;
  bool operator==(const ShardKey&) const = default;
};

struct ShardKeyHash {
  size_t operator()(const ShardKey& k) const {
    uint64_t x = k.uid * 0x9E3779B97F4A7C15ull ^ (uint64_t{k.shard} + 0x632BE59BD9B4E019ull);
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    return static_cast<size_t>(x ^ (x >> 32));
  }
};

template <typename Map, typename Pred>
void SweepIdle(Map& m, size_t* sweep_at, Pred idle) {
  if (m.size() < *sweep_at) return;
  for (auto it = m.begin(); it != m.end();) it = idle(*it) ? m.erase(it) : std::next(it);
  // Doubling keeps a map full of busy entries from being swept on every insert.
  *sweep_at = std::max(*sweep_at, m.size() * 2);
}

}  // namespace

struct alignas(64) LimitsRegistry::Stripe {
  Mutex mu;
  std::unordered_map<ShardKey, ShardLimits, ShardKeyHash> shards GUARDED_BY(mu);
  size_t sweep_at GUARDED_BY(mu) = kFirstSweep;
};

LimitsRegistry::LimitsRegistry(LimitsConfig config) : config_(config), stripes_(std::make_unique<Stripe[]>(kStripes)) {}

LimitsRegistry::~LimitsRegistry() = default;

template <typename Fn>
auto LimitsRegistry::WithShard(uint64_t stream_uid, uint32_t shard, int64_t now_ms, Fn&& fn) {
  ShardKey key{stream_uid, shard};
  size_t h = ShardKeyHash{}(key);
  Stripe& s = stripes_[(h >> 8) % kStripes];
  MutexLock lock(&s.mu);
  auto it = s.shards.find(key);
  if (it == s.shards.end()) {
    SweepIdle(s.shards, &s.sweep_at, [now_ms](auto& kv) { return kv.second.IdleAt(now_ms); });
    it = s.shards.emplace(key, ShardLimits(config_, now_ms)).first;
  }
  return fn(it->second);
}

size_t LimitsRegistry::AdmitWrites(uint64_t stream_uid, uint32_t shard, int64_t now_ms, std::span<const uint64_t> sizes,
                                   uint8_t* admitted, uint64_t max_record_bytes) {
  uint64_t burst = max_record_bytes > kClassicMaxRecordBytes ? 2 * max_record_bytes : 0;
  return WithShard(stream_uid, shard, now_ms, [&](ShardLimits& l) {
    size_t n = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      bool ok = l.AdmitWrite(sizes[i], now_ms, burst);
      admitted[i] = ok;
      n += ok;
    }
    return n;
  });
}

bool LimitsRegistry::AdmitRead(uint64_t stream_uid, uint32_t shard, int64_t now_ms) {
  return WithShard(stream_uid, shard, now_ms, [&](ShardLimits& l) { return l.AdmitRead(now_ms); });
}

void LimitsRegistry::ChargeRead(uint64_t stream_uid, uint32_t shard, int64_t now_ms, uint64_t bytes) {
  WithShard(stream_uid, shard, now_ms, [&](ShardLimits& l) { l.ChargeRead(bytes, now_ms); });
}

bool LimitsRegistry::AdmitShardIterator(uint64_t stream_uid, uint32_t shard, int64_t now_ms) {
  return WithShard(stream_uid, shard, now_ms, [&](ShardLimits& l) { return l.AdmitShardIterator(now_ms); });
}

bool LimitsRegistry::AdmitControl(ControlAction action, std::string_view account, std::string_view region,
                                  std::string_view stream, int64_t now_ms) {
  if (!config_.control_plane) return true;
  std::string key(ControlActionName(action));
  key.push_back('\n');
  key.append(account);
  key.push_back('\n');
  key.append(region);
  if (ControlActionPerStream(action)) {
    key.push_back('\n');
    key.append(stream);
  }
  uint64_t tps = config_.tps(action);
  MutexLock lock(&control_mu_);
  auto it = control_.find(key);
  if (it == control_.end()) {
    SweepIdle(control_, &control_sweep_at_, [now_ms](auto& kv) { return kv.second.FullAt(now_ms); });
    it = control_.emplace(std::move(key), TokenBucket(tps, tps * config_.burst_seconds, now_ms)).first;
  }
  return it->second.TryTake(1, now_ms);
}

size_t LimitsRegistry::ShardEntries() {
  size_t n = 0;
  for (size_t i = 0; i < kStripes; ++i) {
    MutexLock lock(&stripes_[i].mu);
    n += stripes_[i].shards.size();
  }
  return n;
}

}  // namespace sluice::limits
