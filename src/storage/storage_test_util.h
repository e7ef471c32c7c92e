#pragma once
// Test helpers shared by the storage tests (not part of sluice_storage).
#include <cstdint>
#include <cstring>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/shard_log.h"

namespace sluice::storage::testing {

// Appends and waits for the callback (which may run inline or on another thread).
inline Result<AppendResult> AppendSync(ShardLog& log, const RecordBatchBuilder& batch, int64_t ms) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  log.Append(batch, ms, [&](Result<AppendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

struct OwnedRecord {
  uint64_t offset = 0;
  int64_t arrival_ms = 0;
  std::string key;
  std::string data;
};

// Reads [from, ...) within limits and copies every visited record.
inline Result<ReadSummary> ReadAll(const ShardLog& log, uint64_t from, const ReadLimits& limits,
                                   std::vector<OwnedRecord>* out) {
  return log.Read(from, limits, [&](const RecordView& v) {
    out->push_back({v.offset, v.arrival_ms, std::string(v.partition_key), std::string(v.data)});
  });
}

// A self-describing payload: (writer, seq) followed by a fill pattern of `len` bytes total
// (at least 16), so a reader can check a record's integrity without knowing its offset.
inline std::string Payload(uint64_t writer, uint64_t seq, size_t len) {
  if (len < 16) len = 16;
  std::string s(len, '\0');
  std::memcpy(s.data(), &writer, 8);
  std::memcpy(s.data() + 8, &seq, 8);
  for (size_t i = 16; i < len; ++i) s[i] = static_cast<char>((writer * 131 + seq * 7 + i) & 0xff);
  return s;
}

inline bool ParsePayload(std::string_view s, uint64_t* writer, uint64_t* seq) {
  if (s.size() < 16) return false;
  std::memcpy(writer, s.data(), 8);
  std::memcpy(seq, s.data() + 8, 8);
  return s == Payload(*writer, *seq, s.size());
}

}  // namespace sluice::storage::testing
