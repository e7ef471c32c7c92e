#include "limits/shard_limits.h"

#include <algorithm>

namespace sluice::limits {

ShardLimits::ShardLimits(const LimitsConfig& c, int64_t now_ms)
    : write_bytes_(c.shard_write_bytes_per_sec, c.shard_write_bytes_per_sec * c.burst_seconds, now_ms),
      write_records_(c.shard_write_records_per_sec, c.shard_write_records_per_sec * c.burst_seconds, now_ms),
      read_calls_(c.shard_read_calls_per_sec, c.shard_read_calls_per_sec * c.burst_seconds, now_ms),
      read_bytes_(c.shard_read_bytes_per_sec, c.shard_read_bytes_per_sec * c.burst_seconds, now_ms),
      iterators_(c.shard_iterator_calls_per_sec, c.shard_iterator_calls_per_sec * c.burst_seconds, now_ms),
      write_bytes_capacity_(c.shard_write_bytes_per_sec * c.burst_seconds) {}

bool ShardLimits::AdmitWrite(uint64_t bytes, int64_t now_ms, uint64_t burst_bytes) {
  write_bytes_.SetCapacity(std::max(write_bytes_capacity_, burst_bytes));
  write_bytes_.Refill(now_ms);
  write_records_.Refill(now_ms);
  if (!write_records_.Allows(1, Debt::kRefused) || !write_bytes_.Allows(bytes, Debt::kAllowed)) return false;
  write_records_.Take(1);
  write_bytes_.Take(bytes);
  return true;
}

bool ShardLimits::AdmitRead(int64_t now_ms) {
  // A call refused for lack of byte credit does not also use up a call token.
  return read_bytes_.HasCredit(now_ms) && read_calls_.TryTake(1, now_ms);
}

void ShardLimits::ChargeRead(uint64_t bytes, int64_t now_ms) { read_bytes_.Charge(bytes, now_ms); }

bool ShardLimits::AdmitShardIterator(int64_t now_ms) { return iterators_.TryTake(1, now_ms); }

bool ShardLimits::IdleAt(int64_t now_ms) {
  return write_bytes_.FullAt(now_ms) && write_records_.FullAt(now_ms) && read_calls_.FullAt(now_ms) &&
         read_bytes_.FullAt(now_ms) && iterators_.FullAt(now_ms);
}

}  // namespace sluice::limits
