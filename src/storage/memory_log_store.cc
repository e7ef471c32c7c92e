#include "storage/memory_log_store.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace sluice::storage {

namespace internal {

MemoryAccounting::MemoryAccounting(uint64_t limit_bytes, size_t spare_chunk_size, uint64_t spare_limit_bytes)
    : limit_bytes_(limit_bytes),
      spare_chunk_size_(spare_chunk_size),
      max_spares_(static_cast<size_t>(spare_limit_bytes / spare_chunk_size)) {
  spares_.reserve(max_spares_);
}

bool MemoryAccounting::TryReserve(uint64_t bytes) {
  uint64_t cur = held_bytes_.load(std::memory_order_relaxed);
  do {
    if (limit_bytes_ != 0 && (bytes > limit_bytes_ || cur > limit_bytes_ - bytes)) return false;
  } while (!held_bytes_.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed));
  return true;
}

std::unique_ptr<char[]> MemoryAccounting::TakeSpare() {
  std::lock_guard<std::mutex> lock(spare_mu_);
  if (spares_.empty()) return nullptr;
  std::unique_ptr<char[]> chunk = std::move(spares_.back());
  spares_.pop_back();
  return chunk;
}

void MemoryAccounting::ReturnChunk(std::unique_ptr<char[]> chunk) {
  {
    std::lock_guard<std::mutex> lock(spare_mu_);
    if (spares_.size() < max_spares_) {
      spares_.push_back(std::move(chunk));
      return;
    }
  }
  chunk.reset();
  Release(spare_chunk_size_);
}

void MemoryAccounting::DropSpares() {
  std::vector<std::unique_ptr<char[]>> dropped;
  {
    std::lock_guard<std::mutex> lock(spare_mu_);
    dropped.swap(spares_);
    spares_.reserve(max_spares_);
  }
  Release(dropped.size() * spare_chunk_size_);
}

uint64_t MemoryAccounting::spare_bytes() const {
  std::lock_guard<std::mutex> lock(spare_mu_);
  return spares_.size() * spare_chunk_size_;
}

}  // namespace internal

namespace {

struct RecordHeader {
  uint32_t data_len;
  uint16_t key_len;
};

inline RecordHeader LoadHeader(const char* p) {
  RecordHeader h;
  std::memcpy(&h.data_len, p, 4);
  std::memcpy(&h.key_len, p + 4, 2);
  return h;
}

inline size_t RecordSize(const RecordHeader& h) { return kRecordHeaderBytes + size_t{h.key_len} + size_t{h.data_len}; }

}  // namespace

MemoryShardLog::MemoryShardLog(std::shared_ptr<internal::MemoryAccounting> accounting, size_t min_chunk_bytes,
                               size_t max_chunk_bytes)
    : accounting_(std::move(accounting)),
      min_chunk_bytes_(std::max<size_t>(min_chunk_bytes, 64)),
      max_chunk_bytes_(std::max(max_chunk_bytes, std::max<size_t>(min_chunk_bytes, 64))) {}

MemoryShardLog::~MemoryShardLog() {
  Garbage garbage;
  CollectAll(&garbage);
  Dispose(&garbage);
}

const MemoryShardLog::Entry& MemoryShardLog::EntryAt(const Directory* dir, uint64_t offset) const {
  const Block* block = dir->slots[(offset >> kBlockShift) - dir->base_block];
  return block->entries[offset & (kBlockEntries - 1)];
}

size_t MemoryShardLog::NextChunkSize(size_t last_size, size_t need_at_least, size_t remaining_batch) const {
  // Geometric growth, but big enough for the rest of the batch (up to the maximum) so that a
  // large batch is one memcpy, and never smaller than the record that needs it.
  size_t size = std::max(min_chunk_bytes_, std::min(max_chunk_bytes_, last_size * 2));
  size = std::max(size, std::min(remaining_batch, max_chunk_bytes_));
  return std::max(size, need_at_least);
}

MemoryShardLog::Block* MemoryShardLog::EnsureBlock(uint64_t block_no) {
  Directory* dir = directories_.empty() ? nullptr : directories_.back().get();
  if (dir == nullptr || block_no - dir->base_block >= dir->capacity) {
    auto grown = std::make_unique<Directory>();
    grown->base_block = dir ? dir->base_block : block_no;
    size_t live = dir ? dir->capacity : 0;
    grown->capacity = std::max<size_t>(16, live * 2);
    while (block_no - grown->base_block >= grown->capacity) grown->capacity *= 2;
    grown->slots = std::make_unique<Block*[]>(grown->capacity);  // nullptr-initialised
    for (size_t i = 0; i < live; ++i) grown->slots[i] = dir->slots[i];
    dir = grown.get();
    directories_.push_back(std::move(grown));  // the old directory stays readable
    directory_.store(dir, std::memory_order_release);
  }
  Block*& slot = dir->slots[block_no - dir->base_block];
  if (slot == nullptr) slot = std::make_unique_for_overwrite<Block>().release();
  return slot;
}

Status MemoryShardLog::Place(std::string_view bytes, uint32_t count, int64_t arrival_ms, bool apply, Plan* plan) {
  const char* src = bytes.data();
  const size_t size = bytes.size();
  const uint64_t first = end_offset_.load(std::memory_order_relaxed);

  // Simulated writer state; in apply mode it tracks the real state step by step.
  size_t cur_free = current_chunk_ == SIZE_MAX ? 0 : chunks_[current_chunk_].capacity - chunks_[current_chunk_].used;
  size_t last_chunk_size = last_chunk_size_;
  uint64_t total_bytes = 0;
  uint32_t full_chunks = 0;

  // A "run" is consecutive records going to the current chunk; copied with one memcpy.
  size_t run_start = 0;
  auto flush_run = [&](size_t run_end) {
    if (apply && run_end > run_start) {
      Chunk& c = chunks_[current_chunk_];
      std::memcpy(c.data.get() + c.used, src + run_start, run_end - run_start);
      c.used += run_end - run_start;
    }
  };
  auto new_chunk = [&](size_t capacity) -> size_t {
    total_bytes += capacity;
    if (capacity == max_chunk_bytes_) ++full_chunks;
    if (!apply) return SIZE_MAX;
    Chunk c;
    if (capacity == max_chunk_bytes_ && !prepared_.empty()) {
      c.data = std::move(prepared_.back());  // a recycled chunk, already accounted
      prepared_.pop_back();
    } else {
      c.data = std::make_unique_for_overwrite<char[]>(capacity);
    }
    c.capacity = capacity;
    chunks_.push_back(std::move(c));
    return chunks_.size() - 1;
  };

  Block* block = nullptr;
  size_t p = 0;
  uint32_t n = 0;
  while (p < size) {
    if (size - p < kRecordHeaderBytes) return Status(Errc::kInvalidArgument, "truncated record header");
    const size_t rec = RecordSize(LoadHeader(src + p));
    if (rec > size - p) return Status(Errc::kInvalidArgument, "truncated record");
    if (n == count) return Status(Errc::kInvalidArgument, "batch holds more records than its count");
    const uint64_t offset = first + n;
    const char* where = nullptr;

    if (rec > max_chunk_bytes_) {
      // Oversized record: a chunk of its own; the current chunk keeps taking small records.
      flush_run(p);
      size_t idx = new_chunk(rec);
      if (apply) {
        Chunk& c = chunks_[idx];
        std::memcpy(c.data.get(), src + p, rec);
        c.used = rec;
        c.last_offset = offset;
        where = c.data.get();
      }
      run_start = p + rec;
    } else {
      if (rec > cur_free) {
        flush_run(p);
        last_chunk_size = NextChunkSize(last_chunk_size, rec, size - p);
        cur_free = last_chunk_size;
        size_t idx = new_chunk(last_chunk_size);
        if (apply) current_chunk_ = idx;
        run_start = p;
      }
      if (apply) {
        Chunk& c = chunks_[current_chunk_];
        where = c.data.get() + c.used + (p - run_start);
        c.last_offset = offset;
      }
      cur_free -= rec;
    }

    if ((offset & (kBlockEntries - 1)) == 0 || (apply && block == nullptr)) {
      if ((offset & (kBlockEntries - 1)) == 0) total_bytes += kBlockBytes;
      if (apply) block = EnsureBlock(offset >> kBlockShift);
    }
    if (apply) block->entries[offset & (kBlockEntries - 1)] = Entry{where, arrival_ms};
    p += rec;
    ++n;
  }
  if (n != count) return Status(Errc::kInvalidArgument, "batch holds fewer records than its count");
  flush_run(size);
  if (apply) last_chunk_size_ = last_chunk_size;
  plan->total_bytes = total_bytes;
  plan->full_chunks = full_chunks;
  return Status::Ok();
}

void MemoryShardLog::Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) {
  Result<AppendResult> result = AppendResult{};
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    Plan plan;
    Status st;
    if (dropped_) {
      st = Status(Errc::kNotFound, "shard log was dropped");
    } else if (batch.empty()) {
      st = Status(Errc::kInvalidArgument, "empty record batch");
    } else {
      st = Place(batch.bytes(), batch.count(), arrival_ms, /*apply=*/false, &plan);
      if (st.ok() && plan.total_bytes > 0) st = Reserve(plan);
    }
    if (!st.ok()) {
      result = std::move(st);
    } else {
      const int64_t arrival = std::max(arrival_ms, writer_last_arrival_ms_);
      const uint64_t first = end_offset_.load(std::memory_order_relaxed);
      Plan applied;
      Status placed = Place(batch.bytes(), batch.count(), arrival, /*apply=*/true, &applied);
      // Cannot fail: the dry run above validated the same walk over the same bytes.
      placed.IgnoreError();
      writer_last_arrival_ms_ = arrival;
      for (auto& unused : prepared_) accounting_->ReturnChunk(std::move(unused));  // none expected
      prepared_.clear();
      bytes_held_.fetch_add(applied.total_bytes, std::memory_order_relaxed);
      record_bytes_.fetch_add(batch.bytes().size(), std::memory_order_relaxed);
      end_offset_.store(first + batch.count(), std::memory_order_release);
      result = AppendResult{first};
    }
  }
  if (done) done(std::move(result));
}

Status MemoryShardLog::Reserve(const Plan& plan) {
  // Full-size chunks come from the store's spares when there are any (they are accounted
  // already); everything else is reserved against the limit.
  while (prepared_.size() < plan.full_chunks) {
    std::unique_ptr<char[]> spare = accounting_->TakeSpare();
    if (!spare) break;
    prepared_.push_back(std::move(spare));
  }
  uint64_t need = plan.total_bytes - uint64_t{prepared_.size()} * max_chunk_bytes_;
  if (need == 0 || accounting_->TryReserve(need)) return Status::Ok();
  // Over the limit: give the spares back to the system and try once more with fresh memory.
  for (auto& chunk : prepared_) accounting_->ReturnChunk(std::move(chunk));
  prepared_.clear();
  accounting_->DropSpares();
  if (accounting_->TryReserve(plan.total_bytes)) return Status::Ok();
  return Status(Errc::kUnavailable,
                "storage full: memory limit of " + std::to_string(accounting_->limit_bytes()) + " bytes reached");
}

LogBounds MemoryShardLog::Bounds() const {
  std::shared_lock<std::shared_mutex> lock(lifetime_mu_);
  LogBounds b;
  b.end_offset = end_offset_.load(std::memory_order_acquire);
  b.start_offset = start_offset_;
  if (b.end_offset > b.start_offset) {
    b.last_arrival_ms = EntryAt(directory_.load(std::memory_order_acquire), b.end_offset - 1).arrival_ms;
  } else {
    b.last_arrival_ms = trimmed_last_arrival_ms_;
  }
  return b;
}

uint64_t MemoryShardLog::OffsetForTimestamp(int64_t ms) const {
  std::shared_lock<std::shared_mutex> lock(lifetime_mu_);
  uint64_t lo = start_offset_;
  uint64_t hi = end_offset_.load(std::memory_order_acquire);
  if (lo >= hi) return hi;
  const Directory* dir = directory_.load(std::memory_order_acquire);
  // Arrival times are non-decreasing: find the first entry with arrival >= ms.
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (EntryAt(dir, mid).arrival_ms < ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Result<ReadSummary> MemoryShardLog::Read(uint64_t from, const ReadLimits& limits,
                                         const std::function<void(const RecordView&)>& visit) const {
  std::shared_lock<std::shared_mutex> lock(lifetime_mu_);
  if (dropped_) return Status(Errc::kNotFound, "shard log was dropped");
  const uint64_t end = end_offset_.load(std::memory_order_acquire);
  uint64_t offset = std::max(from, start_offset_);
  ReadSummary summary;
  if (offset >= end || limits.max_records == 0) {
    summary.next_offset = offset;
    return summary;
  }
  const Directory* dir = directory_.load(std::memory_order_acquire);
  const Block* block = dir->slots[(offset >> kBlockShift) - dir->base_block];
  RecordView view;
  while (offset < end && summary.records < limits.max_records) {
    const uint64_t in_block = offset & (kBlockEntries - 1);
    if (in_block == 0) block = dir->slots[(offset >> kBlockShift) - dir->base_block];
    const Entry& e = block->entries[in_block];
    const RecordHeader h = LoadHeader(e.record);
    if (summary.records > 0 && summary.bytes + h.data_len > limits.max_bytes) break;
    view.offset = offset;
    view.arrival_ms = e.arrival_ms;
    view.partition_key = std::string_view(e.record + kRecordHeaderBytes, h.key_len);
    view.data = std::string_view(e.record + kRecordHeaderBytes + h.key_len, h.data_len);
    visit(view);
    ++summary.records;
    summary.bytes += h.data_len;
    summary.last_arrival_ms = e.arrival_ms;
    ++offset;
  }
  summary.next_offset = offset;
  return summary;
}

Status MemoryShardLog::ExpireBefore(int64_t horizon_ms) {
  TrimBefore(OffsetForTimestamp(horizon_ms));
  return Status::Ok();
}

void MemoryShardLog::TrimBefore(uint64_t offset) {
  std::lock_guard<std::mutex> trim_lock(trim_mu_);  // start_offset_ and dropped_ are ours now
  uint64_t new_start;
  uint64_t trimmed_bytes = 0;
  int64_t last_trimmed_arrival;
  {
    // Walk the trimmed records while readers and appenders carry on.
    std::shared_lock<std::shared_mutex> lock(lifetime_mu_);
    if (dropped_) return;
    new_start = std::min(offset, end_offset_.load(std::memory_order_acquire));
    if (new_start <= start_offset_) return;
    const Directory* dir = directory_.load(std::memory_order_acquire);
    for (uint64_t o = start_offset_; o < new_start; ++o) {
      trimmed_bytes += RecordSize(LoadHeader(EntryAt(dir, o).record));
    }
    last_trimmed_arrival = EntryAt(dir, new_start - 1).arrival_ms;
  }
  Garbage garbage;
  {
    // Readers drain first; then at most one in-flight append finishes. Only pointer moves
    // happen under the locks; memory is released after them.
    std::unique_lock<std::shared_mutex> lifetime_lock(lifetime_mu_);
    std::lock_guard<std::mutex> append_lock(append_mu_);
    trimmed_record_bytes_ += trimmed_bytes;
    trimmed_last_arrival_ms_ = last_trimmed_arrival;
    start_offset_ = new_start;
    CollectBefore(new_start, &garbage);
  }
  Dispose(&garbage);
}

void MemoryShardLog::CollectBefore(uint64_t start, Garbage* garbage) {
  // Chunks holding only trimmed records.
  std::vector<Chunk> kept;
  kept.reserve(chunks_.size());
  size_t new_current = SIZE_MAX;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (chunks_[i].last_offset < start) {
      garbage->chunks.push_back(std::move(chunks_[i]));
      continue;
    }
    if (i == current_chunk_) new_current = kept.size();
    kept.push_back(std::move(chunks_[i]));
  }
  chunks_ = std::move(kept);
  current_chunk_ = new_current;

  // Index blocks wholly before start, then a compacted directory.
  Directory* dir = directory_.load(std::memory_order_relaxed);
  if (dir != nullptr) {
    const uint64_t first_kept = start >> kBlockShift;
    auto compact = std::make_unique<Directory>();
    compact->base_block = std::max(first_kept, dir->base_block);
    compact->capacity = std::max<size_t>(16, dir->capacity);
    compact->slots = std::make_unique<Block*[]>(compact->capacity);
    for (size_t i = 0; i < dir->capacity; ++i) {
      Block* b = dir->slots[i];
      if (b == nullptr) continue;
      uint64_t block_no = dir->base_block + i;
      if (block_no < first_kept) {
        garbage->blocks.push_back(b);
      } else {
        compact->slots[block_no - compact->base_block] = b;
      }
    }
    // No reader can hold an old directory: we are exclusive.
    for (auto& d : directories_) garbage->directories.push_back(std::move(d));
    directories_.clear();
    directory_.store(compact.get(), std::memory_order_release);
    directories_.push_back(std::move(compact));
  }
}

void MemoryShardLog::CollectAll(Garbage* garbage) {
  for (Chunk& c : chunks_) garbage->chunks.push_back(std::move(c));
  chunks_.clear();
  current_chunk_ = SIZE_MAX;
  if (Directory* dir = directory_.load(std::memory_order_relaxed)) {
    for (size_t i = 0; i < dir->capacity; ++i) {
      if (dir->slots[i] != nullptr) garbage->blocks.push_back(dir->slots[i]);
    }
  }
  directory_.store(nullptr, std::memory_order_release);
  for (auto& d : directories_) garbage->directories.push_back(std::move(d));
  directories_.clear();
}

void MemoryShardLog::Dispose(Garbage* garbage) {
  uint64_t freed = 0;
  uint64_t recycled = 0;
  for (Chunk& c : garbage->chunks) {
    if (c.capacity == max_chunk_bytes_) {
      recycled += c.capacity;
      accounting_->ReturnChunk(std::move(c.data));  // kept as a spare or freed and released
    } else {
      freed += c.capacity;
      c.data.reset();
    }
  }
  for (Block* b : garbage->blocks) delete b;
  freed += garbage->blocks.size() * kBlockBytes;
  garbage->chunks.clear();
  garbage->blocks.clear();
  garbage->directories.clear();
  bytes_held_.fetch_sub(freed + recycled, std::memory_order_relaxed);
  accounting_->Release(freed);
}

void MemoryShardLog::Drop() {
  std::lock_guard<std::mutex> trim_lock(trim_mu_);
  Garbage garbage;
  {
    std::unique_lock<std::shared_mutex> lifetime_lock(lifetime_mu_);
    std::lock_guard<std::mutex> append_lock(append_mu_);
    if (dropped_) return;
    dropped_ = true;
    start_offset_ = end_offset_.load(std::memory_order_relaxed);
    trimmed_last_arrival_ms_ = writer_last_arrival_ms_;
    trimmed_record_bytes_ = record_bytes_.load(std::memory_order_relaxed);
    CollectAll(&garbage);
  }
  Dispose(&garbage);
}

MemoryUsage MemoryShardLog::Usage() const {
  std::shared_lock<std::shared_mutex> lock(lifetime_mu_);
  MemoryUsage u;
  u.bytes_held = bytes_held_.load(std::memory_order_relaxed);
  u.records = end_offset_.load(std::memory_order_acquire) - start_offset_;
  u.record_bytes = record_bytes_.load(std::memory_order_relaxed) - trimmed_record_bytes_;
  return u;
}

namespace {
MemoryLogStoreOptions Normalize(MemoryLogStoreOptions o) {
  o.min_chunk_bytes = std::max<size_t>(o.min_chunk_bytes, 64);
  o.max_chunk_bytes = std::max(o.max_chunk_bytes, o.min_chunk_bytes);
  return o;
}
}  // namespace

MemoryLogStore::MemoryLogStore(MemoryLogStoreOptions options)
    : options_(Normalize(options)),
      accounting_(std::make_shared<internal::MemoryAccounting>(options_.memory_limit_bytes, options_.max_chunk_bytes,
                                                               options_.spare_chunk_bytes)) {}

MemoryLogStore::~MemoryLogStore() = default;

Result<std::shared_ptr<ShardLog>> MemoryLogStore::OpenShard(const ShardKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = shards_[{key.stream_uid, key.shard_index}];
  if (!slot) {
    slot = std::make_shared<MemoryShardLog>(accounting_, options_.min_chunk_bytes, options_.max_chunk_bytes);
  }
  return std::shared_ptr<ShardLog>(slot);
}

Status MemoryLogStore::DropStream(uint64_t stream_uid) {
  std::vector<std::shared_ptr<MemoryShardLog>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto first = shards_.lower_bound({stream_uid, 0});
    auto last = first;
    while (last != shards_.end() && last->first.first == stream_uid) {
      dropped.push_back(std::move(last->second));
      ++last;
    }
    shards_.erase(first, last);
  }
  for (auto& log : dropped) log->Drop();  // outside the store lock: may wait for readers
  return Status::Ok();
}

Result<std::vector<uint64_t>> MemoryLogStore::ListStreams() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> uids;
  for (const auto& [key, log] : shards_)
    if (uids.empty() || uids.back() != key.first) uids.push_back(key.first);  // keys sort by uid
  return uids;
}

std::shared_ptr<MemoryShardLog> MemoryLogStore::FindShard(const ShardKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = shards_.find({key.stream_uid, key.shard_index});
  return it == shards_.end() ? nullptr : it->second;
}

uint64_t MemoryLogStore::BytesHeld() const { return accounting_->held_bytes(); }

uint64_t MemoryLogStore::SpareBytes() const { return accounting_->spare_bytes(); }

std::unique_ptr<MemoryLogStore> NewMemoryLogStore(MemoryLogStoreOptions options) {
  return std::make_unique<MemoryLogStore>(options);
}

}  // namespace sluice::storage
