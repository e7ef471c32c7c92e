#pragma once
// Per-shard throughput state: the write and read budgets of one shard.
//
// Burst model (the same for every bucket): a bucket holds `burst_seconds` (default 1) of its rate
// and starts full.
// - Writes: a record needs one record token and min(size, capacity) byte tokens, then pays its full
//   size; a record larger than the byte capacity (up to 10 MiB) is admitted from a full bucket and
//   leaves it in debt, so the following seconds pay for it (AWS: "a refilling burst allowance
//   averaging 1 MiB/s"). Streams that allow records above 1 MiB (MaxRecordSizeInKiB > 1024) get a byte
//   burst of two maximal records instead of one second, so a large record right after another is not
//   refused while the long-run average stays at the rate.
// - Reads: a call needs a call token and a positive byte level; the bytes it returned are charged
//   afterwards. A 10 MiB response against 2 MiB/s therefore throttles the shard's next calls for
//   4-5 s, the 5 s penalty AWS documents.
#include <cstdint>

#include "limits/limits_config.h"
#include "limits/token_bucket.h"

namespace sluice::limits {

class ShardLimits {
 public:
  ShardLimits(const LimitsConfig& c, int64_t now_ms);

  // One record of `bytes` (data + partition key). burst_bytes: the byte bucket's capacity for this
  // stream, 0 for the configured one.
  bool AdmitWrite(uint64_t bytes, int64_t now_ms, uint64_t burst_bytes = 0);
  bool AdmitRead(int64_t now_ms);
  void ChargeRead(uint64_t bytes, int64_t now_ms);
  bool AdmitShardIterator(int64_t now_ms);
  // Indistinguishable from a fresh entry: may be forgotten.
  bool IdleAt(int64_t now_ms);

 private:
  TokenBucket write_bytes_;
  TokenBucket write_records_;
  TokenBucket read_calls_;
  TokenBucket read_bytes_;
  TokenBucket iterators_;
  uint64_t write_bytes_capacity_;
};

}  // namespace sluice::limits
