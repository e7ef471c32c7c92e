// Layout per shard:
//   - record bytes are copied verbatim from the RecordBatch encoding
//     (u32 data_len | u16 key_len | key | data) into arena chunks. Chunks grow geometrically
//     from min_chunk_bytes to max_chunk_bytes; a record never straddles two chunks, a record
//     larger than max_chunk_bytes gets a chunk of its own. A batch is copied with one memcpy
//     per chunk it touches.
//   - a per-record index entry {pointer into the arena, arrival ms} lives in fixed-size index
//     blocks reached through a block directory; neither chunks nor blocks ever move, so
//     readers use them without a lock shared with appenders.
//
// Concurrency (per shard):
//   - Appends are serialised by a mutex. An append fills arena space and index entries beyond
//     the published tip and then publishes the new tip with one release store.
//   - Readers (Read, Bounds, OffsetForTimestamp) acquire the tip and see only published
//     entries; they never wait for appends and appends never wait for them, however long the
//     visit callback takes.
//   - Memory is freed only by TrimBefore / DropStream. Readers hold a "lifetime" lock shared
//     for the duration of a call; trim/drop take it exclusively (and then the append mutex)
//     only to unlink chunks and blocks, and free them after releasing both. So appends never
//     wait for readers, and wait for trim/drop only for a few pointer moves.
//   - Freed chunks of the maximum size are kept as store-wide spares (bounded) and reused by
//     later appends, so a steady state with retention appends into warm memory.
#include "storage/memory_log_store.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"

namespace sluice::storage {
namespace {

// Store-wide memory accounting, shared by the store and its logs (a log may outlive the store).
// held_bytes = bytes held by all shards + spare chunks.
class MemoryAccounting {
 public:
  MemoryAccounting(uint64_t limit_bytes, size_t spare_chunk_size, uint64_t spare_limit_bytes);
  // Reserves `bytes`; false (and nothing reserved) if that would pass the limit.
  bool TryReserve(uint64_t bytes);
  void Release(uint64_t bytes) { held_bytes_.fetch_sub(bytes, std::memory_order_relaxed); }
  // A spare chunk of spare_chunk_size bytes (already accounted), or nullptr.
  std::unique_ptr<char[]> TakeSpare();
  // Takes back a chunk of spare_chunk_size bytes: kept as spare, or freed and released.
  void ReturnChunk(std::unique_ptr<char[]> chunk);
  // Frees every spare chunk.
  void DropSpares();

  uint64_t limit_bytes() const { return limit_bytes_; }
  uint64_t held_bytes() const { return held_bytes_.load(std::memory_order_relaxed); }
  uint64_t spare_bytes() const;

 private:
  const uint64_t limit_bytes_;  // 0 = unlimited
  const size_t spare_chunk_size_;
  const size_t max_spares_;
  std::atomic<uint64_t> held_bytes_{0};
  mutable Mutex spare_mu_;
  std::vector<std::unique_ptr<char[]>> spares_ GUARDED_BY(spare_mu_);
};

class MemoryShardLogImpl final : public MemoryShardLog {
 public:
  // max_chunk_bytes must equal the accounting's spare chunk size.
  MemoryShardLogImpl(std::shared_ptr<MemoryAccounting> accounting, size_t min_chunk_bytes, size_t max_chunk_bytes);
  ~MemoryShardLogImpl() override;
  MemoryShardLogImpl(const MemoryShardLogImpl&) = delete;
  MemoryShardLogImpl& operator=(const MemoryShardLogImpl&) = delete;

  void Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) override;
  LogBounds Bounds() const override;
  uint64_t OffsetForTimestamp(int64_t ms) const override;
  Status ExpireBefore(int64_t horizon_ms) override;
  Result<ReadSummary> Read(uint64_t from, const ReadLimits& limits,
                           const std::function<void(const RecordView&)>& visit) const override;
  void TrimBefore(uint64_t offset) override;
  MemoryUsage Usage() const override;

  // Frees everything; later appends and reads fail with kNotFound. Called by DropStream.
  void Drop();

 private:
  struct Entry {
    const char* record;  // start of the record's header in an arena chunk
    int64_t arrival_ms;
  };
  static constexpr unsigned kBlockShift = 10;
  static constexpr uint64_t kBlockEntries = uint64_t{1} << kBlockShift;
  static constexpr uint64_t kBlockBytes = kBlockEntries * sizeof(Entry);
  static_assert(kBlockBytes == kIndexBlockBytes);
  struct Block {
    Entry entries[kBlockEntries];
  };
  // Maps absolute block number (offset >> kBlockShift) to its block; slot i is block
  // base_block + i. The appender fills empty slots in place (readers never look at a slot
  // before the tip that covers it is published); growing copies it into a new directory and
  // keeps the old one alive until the next TrimBefore/Drop, when no reader can hold it.
  struct Directory {
    uint64_t base_block = 0;
    size_t capacity = 0;
    std::unique_ptr<Block*[]> slots;
  };
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t capacity = 0;
    size_t used = 0;
    uint64_t last_offset = 0;  // last record placed in the chunk
  };
  // How an append will use memory; computed before anything is modified.
  struct Plan {
    uint64_t total_bytes = 0;  // chunk + block bytes the append adds to the shard
    uint32_t full_chunks = 0;  // chunks of max_chunk_bytes among them (may come from spares)
  };

  const Entry& EntryAt(const Directory* dir, uint64_t offset) const;
  // Walks the batch exactly as the append will place it. With apply=false only fills `plan`
  // (and validates); with apply=true performs the placement.
  Status Place(std::string_view bytes, uint32_t count, int64_t arrival_ms, bool apply, Plan* plan) REQUIRES(append_mu_);
  Status Reserve(const Plan& plan) REQUIRES(append_mu_);  // fills prepared_
  size_t NextChunkSize(size_t last_size, size_t need_at_least, size_t remaining_batch) const;
  Block* EnsureBlock(uint64_t block_no) REQUIRES(append_mu_);  // apply phase only
  // Memory taken out of the log under its locks and released after them.
  struct Garbage {
    std::vector<Chunk> chunks;
    std::vector<Block*> blocks;
    std::vector<std::unique_ptr<Directory>> directories;
  };
  void CollectBefore(uint64_t start, Garbage* garbage) REQUIRES(lifetime_mu_, append_mu_);
  void CollectAll(Garbage* garbage) REQUIRES(lifetime_mu_, append_mu_);
  void Dispose(Garbage* garbage);  // no lock needed

  const std::shared_ptr<MemoryAccounting> accounting_;
  const size_t min_chunk_bytes_;
  const size_t max_chunk_bytes_;

  // Lock order: trim_mu_ -> lifetime_mu_ -> append_mu_. Append takes only append_mu_, readers
  // only lifetime_mu_ (shared).
  // Serialises TrimBefore and Drop, the only writers of start_offset_ and dropped_.
  Mutex trim_mu_ ACQUIRED_BEFORE(lifetime_mu_);
  // Held shared by readers for a whole call, exclusively by TrimBefore/Drop when they free.
  mutable SharedMutex lifetime_mu_ ACQUIRED_BEFORE(append_mu_);
  // Serialises appends (and the pointer moves of trim/drop). Guards the writer state below.
  Mutex append_mu_;

  // Writer state.
  std::vector<Chunk> chunks_ GUARDED_BY(append_mu_);        // creation order; entries point into them
  size_t current_chunk_ GUARDED_BY(append_mu_) = SIZE_MAX;  // chunk small records go to, SIZE_MAX if none
  size_t last_chunk_size_ GUARDED_BY(append_mu_) = 0;       // for geometric growth
  std::vector<std::unique_ptr<Directory>> directories_ GUARDED_BY(append_mu_);  // back() is the published one
  int64_t writer_last_arrival_ms_ GUARDED_BY(append_mu_) = 0;
  std::vector<std::unique_ptr<char[]>> prepared_ GUARDED_BY(append_mu_);  // full chunks reserved for this append
  bool append_dropped_ GUARDED_BY(append_mu_) = false;                    // dropped_, as the appender sees it

  std::atomic<uint64_t> end_offset_{0};         // published tip (release/acquire)
  std::atomic<Directory*> directory_{nullptr};  // published directory
  // Written by TrimBefore/Drop under trim_mu_ and lifetime_mu_ exclusively (Drop: and append_mu_).
  uint64_t start_offset_ GUARDED_BY(lifetime_mu_) = 0;
  int64_t trimmed_last_arrival_ms_ GUARDED_BY(lifetime_mu_) = 0;  // arrival of the newest trimmed record
  bool dropped_ GUARDED_BY(lifetime_mu_) = false;
  uint64_t trimmed_record_bytes_ GUARDED_BY(lifetime_mu_) = 0;

  std::atomic<uint64_t> bytes_held_{0};
  std::atomic<uint64_t> record_bytes_{0};  // bytes appended in total
};

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
  MutexLock lock(&spare_mu_);
  if (spares_.empty()) return nullptr;
  std::unique_ptr<char[]> chunk = std::move(spares_.back());
  spares_.pop_back();
  return chunk;
}

void MemoryAccounting::ReturnChunk(std::unique_ptr<char[]> chunk) {
  {
    MutexLock lock(&spare_mu_);
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
    MutexLock lock(&spare_mu_);
    dropped.swap(spares_);
    spares_.reserve(max_spares_);
  }
  Release(dropped.size() * spare_chunk_size_);
}

uint64_t MemoryAccounting::spare_bytes() const {
  MutexLock lock(&spare_mu_);
  return spares_.size() * spare_chunk_size_;
}

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

MemoryShardLogImpl::MemoryShardLogImpl(std::shared_ptr<MemoryAccounting> accounting, size_t min_chunk_bytes,
                                       size_t max_chunk_bytes)
    : accounting_(std::move(accounting)),
      min_chunk_bytes_(std::max<size_t>(min_chunk_bytes, 64)),
      max_chunk_bytes_(std::max(max_chunk_bytes, std::max<size_t>(min_chunk_bytes, 64))) {}

MemoryShardLogImpl::~MemoryShardLogImpl() {
  Garbage garbage;
  CollectAll(&garbage);
  Dispose(&garbage);
}

const MemoryShardLogImpl::Entry& MemoryShardLogImpl::EntryAt(const Directory* dir, uint64_t offset) const {
  const Block* block = dir->slots[(offset >> kBlockShift) - dir->base_block];
  return block->entries[offset & (kBlockEntries - 1)];
}

size_t MemoryShardLogImpl::NextChunkSize(size_t last_size, size_t need_at_least, size_t remaining_batch) const {
  // Geometric growth, but big enough for the rest of the batch (up to the maximum) so that a
  // large batch is one memcpy, and never smaller than the record that needs it.
  size_t size = std::max(min_chunk_bytes_, std::min(max_chunk_bytes_, last_size * 2));
  size = std::max(size, std::min(remaining_batch, max_chunk_bytes_));
  return std::max(size, need_at_least);
}

MemoryShardLogImpl::Block* MemoryShardLogImpl::EnsureBlock(uint64_t block_no) {
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

Status MemoryShardLogImpl::Place(std::string_view bytes, uint32_t count, int64_t arrival_ms, bool apply, Plan* plan) {
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
  // The lambdas run only inside this call, which holds append_mu_ (the analysis does not follow
  // a lambda's call sites, so each states it).
  auto flush_run = [&](size_t run_end) {
    append_mu_.AssertHeld();
    if (apply && run_end > run_start) {
      Chunk& c = chunks_[current_chunk_];
      std::memcpy(c.data.get() + c.used, src + run_start, run_end - run_start);
      c.used += run_end - run_start;
    }
  };
  auto new_chunk = [&](size_t capacity) -> size_t {
    append_mu_.AssertHeld();
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

void MemoryShardLogImpl::Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) {
  Result<AppendResult> result = AppendResult{};
  {
    MutexLock lock(&append_mu_);
    Plan plan;
    Status st;
    if (append_dropped_) {
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

Status MemoryShardLogImpl::Reserve(const Plan& plan) {
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

LogBounds MemoryShardLogImpl::Bounds() const {
  ReaderMutexLock lock(&lifetime_mu_);
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

uint64_t MemoryShardLogImpl::OffsetForTimestamp(int64_t ms) const {
  ReaderMutexLock lock(&lifetime_mu_);
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

Result<ReadSummary> MemoryShardLogImpl::Read(uint64_t from, const ReadLimits& limits,
                                             const std::function<void(const RecordView&)>& visit) const {
  ReaderMutexLock lock(&lifetime_mu_);
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

Status MemoryShardLogImpl::ExpireBefore(int64_t horizon_ms) {
  TrimBefore(OffsetForTimestamp(horizon_ms));
  return Status::Ok();
}

void MemoryShardLogImpl::TrimBefore(uint64_t offset) {
  MutexLock trim_lock(&trim_mu_);  // start_offset_ and dropped_ are ours now
  uint64_t new_start;
  uint64_t trimmed_bytes = 0;
  int64_t last_trimmed_arrival;
  {
    // Walk the trimmed records while readers and appenders carry on.
    ReaderMutexLock lock(&lifetime_mu_);
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
    WriterMutexLock lifetime_lock(&lifetime_mu_);
    MutexLock append_lock(&append_mu_);
    trimmed_record_bytes_ += trimmed_bytes;
    trimmed_last_arrival_ms_ = last_trimmed_arrival;
    start_offset_ = new_start;
    CollectBefore(new_start, &garbage);
  }
  Dispose(&garbage);
}

void MemoryShardLogImpl::CollectBefore(uint64_t start, Garbage* garbage) {
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

void MemoryShardLogImpl::CollectAll(Garbage* garbage) {
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

void MemoryShardLogImpl::Dispose(Garbage* garbage) {
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

void MemoryShardLogImpl::Drop() {
  MutexLock trim_lock(&trim_mu_);
  Garbage garbage;
  {
    WriterMutexLock lifetime_lock(&lifetime_mu_);
    MutexLock append_lock(&append_mu_);
    if (dropped_) return;
    dropped_ = true;
    append_dropped_ = true;
    start_offset_ = end_offset_.load(std::memory_order_relaxed);
    trimmed_last_arrival_ms_ = writer_last_arrival_ms_;
    trimmed_record_bytes_ = record_bytes_.load(std::memory_order_relaxed);
    CollectAll(&garbage);
  }
  Dispose(&garbage);
}

MemoryUsage MemoryShardLogImpl::Usage() const {
  ReaderMutexLock lock(&lifetime_mu_);
  MemoryUsage u;
  u.bytes_held = bytes_held_.load(std::memory_order_relaxed);
  u.records = end_offset_.load(std::memory_order_acquire) - start_offset_;
  u.record_bytes = record_bytes_.load(std::memory_order_relaxed) - trimmed_record_bytes_;
  return u;
}

MemoryLogStoreOptions Normalize(MemoryLogStoreOptions o) {
  o.min_chunk_bytes = std::max<size_t>(o.min_chunk_bytes, 64);
  o.max_chunk_bytes = std::max(o.max_chunk_bytes, o.min_chunk_bytes);
  return o;
}

class MemoryLogStoreImpl final : public MemoryLogStore {
 public:
  explicit MemoryLogStoreImpl(MemoryLogStoreOptions options)
      : options_(Normalize(options)),
        accounting_(std::make_shared<MemoryAccounting>(options_.memory_limit_bytes, options_.max_chunk_bytes,
                                                       options_.spare_chunk_bytes)) {}

  Result<std::shared_ptr<ShardLog>> OpenShard(const ShardKey& key) override {
    MutexLock lock(&mu_);
    auto& slot = shards_[{key.stream_uid, key.shard_index}];
    if (!slot) {
      slot = std::make_shared<MemoryShardLogImpl>(accounting_, options_.min_chunk_bytes, options_.max_chunk_bytes);
    }
    return std::shared_ptr<ShardLog>(slot);
  }

  Status DropStream(uint64_t stream_uid) override {
    std::vector<std::shared_ptr<MemoryShardLogImpl>> dropped;
    {
      MutexLock lock(&mu_);
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

  Result<std::vector<uint64_t>> ListStreams() override {
    MutexLock lock(&mu_);
    std::vector<uint64_t> uids;
    for (const auto& [key, log] : shards_)
      if (uids.empty() || uids.back() != key.first) uids.push_back(key.first);  // keys sort by uid
    return uids;
  }

  std::shared_ptr<MemoryShardLog> FindShard(const ShardKey& key) const override {
    MutexLock lock(&mu_);
    auto it = shards_.find({key.stream_uid, key.shard_index});
    if (it == shards_.end()) return nullptr;
    return it->second;
  }

  uint64_t BytesHeld() const override { return accounting_->held_bytes(); }
  uint64_t SpareBytes() const override { return accounting_->spare_bytes(); }
  const MemoryLogStoreOptions& options() const override { return options_; }

 private:
  const MemoryLogStoreOptions options_;
  const std::shared_ptr<MemoryAccounting> accounting_;
  mutable Mutex mu_;
  std::map<std::pair<uint64_t, uint32_t>, std::shared_ptr<MemoryShardLogImpl>> shards_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<MemoryLogStore> NewMemoryLogStore(MemoryLogStoreOptions options) {
  return std::make_unique<MemoryLogStoreImpl>(options);
}

}  // namespace sluice::storage
