#include "server/api/fanout/shard_tail.h"

#include <algorithm>

namespace sluice::server::api::fanout {
namespace {

// One fill reads at most this much: a subscriber far behind never turns the tail into a copy
// of the shard.
constexpr storage::ReadLimits kFillLimits{10000, 1024 * 1024};

}  // namespace

storage::RecordView TailChunk::At(uint64_t offset) const {
  const Entry& e = records_[offset - first_offset_];
  storage::RecordView v;
  v.offset = offset;
  v.arrival_ms = e.arrival_ms;
  v.partition_key = std::string_view(arena_.data() + e.key_at, e.key_len);
  v.data = std::string_view(arena_.data() + e.key_at + e.key_len, e.data_len);
  return v;
}

Result<std::shared_ptr<const TailChunk>> ShardTail::Fill(const storage::ShardLog& log, uint64_t from,
                                                         const storage::ReadLimits& limits) {
  auto chunk = std::make_shared<TailChunk>();
  chunk->first_offset_ = from;
  bool first = true;
  auto copy = [&](const storage::RecordView& r) {
    if (first) {
      chunk->first_offset_ = r.offset;
      first = false;
    }
    TailChunk::Entry e;
    e.key_at = chunk->arena_.size();
    e.key_len = static_cast<uint32_t>(r.partition_key.size());
    e.data_len = static_cast<uint32_t>(r.data.size());
    e.arrival_ms = r.arrival_ms;
    chunk->arena_.append(r.partition_key);
    chunk->arena_.append(r.data);
    chunk->records_.push_back(e);
    chunk->data_bytes_ += r.data.size();
  };
  SLUICE_ASSIGN_OR_RETURN(storage::ReadSummary sum, log.Read(from, limits, copy));
  if (!first && chunk->first_offset_ + chunk->records_.size() != sum.next_offset)
    return Status(Errc::kInternal, "shard log returned a gap while filling the fan-out tail");
  return std::shared_ptr<const TailChunk>(std::move(chunk));
}

void ShardTail::Trim() {
  while (chunks_.size() > 1 && bytes_ > max_bytes_) {
    bytes_ -= chunks_.front()->data_bytes();
    stats_.memory_bytes -= chunks_.front()->memory_bytes();
    chunks_.pop_front();
  }
}

Result<storage::ReadSummary> ShardTail::Read(const storage::ShardLog& log, uint64_t from, uint64_t tip,
                                             const storage::ReadLimits& limits,
                                             const std::function<void(const storage::RecordView&)>& visit) {
  std::vector<std::shared_ptr<const TailChunk>> use;
  bool direct = false;
  {
    MutexLock l(&mu_);
    uint64_t start = chunks_.empty() ? from : chunks_.front()->first_offset();
    uint64_t end = chunks_.empty() ? from : chunks_.back()->end_offset();
    if (from < start) {
      // A subscriber catching up: the storage read path serves it, the tail stays at the tip.
      ++stats_.direct_reads;
      direct = true;
    } else if (from > end) {
      // The tail fell behind the readers (it was trimmed, or everyone moved past it): restart
      // it where they are.
      chunks_.clear();
      bytes_ = 0;
      stats_.memory_bytes = 0;
      end = from;
    }
    if (!direct && from == end && end < tip) {
      // Filled under the lock: concurrent subscribers at the tip wait for this one read and
      // then find the records here.
      SLUICE_ASSIGN_OR_RETURN(auto chunk, Fill(log, end, kFillLimits));
      if (chunk->end_offset() > chunk->first_offset()) {
        if (chunk->first_offset() != end) {
          // Records before it expired meanwhile: the tail restarts at what the log holds.
          chunks_.clear();
          bytes_ = 0;
          stats_.memory_bytes = 0;
        }
        ++stats_.log_reads;
        stats_.bytes_from_log += chunk->data_bytes();
        stats_.memory_bytes += chunk->memory_bytes();
        bytes_ += chunk->data_bytes();
        chunks_.push_back(std::move(chunk));
        Trim();
      }
    }
    for (const auto& c : chunks_)
      if (c->end_offset() > from) use.push_back(c);
  }
  if (direct) return log.Read(from, limits, visit);
  storage::ReadSummary sum;
  sum.next_offset = from;
  for (const auto& c : use) {
    for (uint64_t o = std::max(from, c->first_offset()); o < c->end_offset(); ++o) {
      storage::RecordView r = c->At(o);
      if (sum.records >= limits.max_records) break;
      if (sum.records > 0 && sum.bytes + r.data.size() > limits.max_bytes) break;
      visit(r);
      ++sum.records;
      sum.bytes += r.data.size();
      sum.last_arrival_ms = r.arrival_ms;
      sum.next_offset = o + 1;
    }
    if (sum.records >= limits.max_records || (sum.records > 0 && sum.bytes >= limits.max_bytes)) break;
  }
  if (sum.bytes > 0) {
    MutexLock l(&mu_);
    stats_.bytes_served += sum.bytes;
  }
  return sum;
}

TailStats ShardTail::Stats() const {
  MutexLock l(&mu_);
  return stats_;
}

}  // namespace sluice::server::api::fanout
