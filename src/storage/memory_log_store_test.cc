// Tests specific to the in-memory backend: memory accounting and limit, trimming, drop
// semantics for logs still held by callers, arena chunk and index block boundaries.
#include "storage/memory_log_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::AppendSync;
using testing::OwnedRecord;
using testing::ParsePayload;
using testing::Payload;
using testing::ReadAll;

std::shared_ptr<MemoryShardLog> Open(MemoryLogStore& store, ShardKey key) {
  auto r = store.OpenShard(key);
  EXPECT_TRUE(r.ok());
  return store.FindShard(key);
}

RecordBatchBuilder Batch(int n, size_t data_len, uint64_t writer = 0, uint64_t first_seq = 0) {
  RecordBatchBuilder b;
  for (int i = 0; i < n; ++i) b.AddRecord("key", Payload(writer, first_seq + i, data_len));
  return b;
}

std::vector<OwnedRecord> ReadEverything(const ShardLog& log, uint64_t from = 0) {
  std::vector<OwnedRecord> out;
  auto r = ReadAll(log, from, {.max_records = 1u << 30, .max_bytes = UINT64_MAX}, &out);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return out;
}

TEST(MemoryLogStoreTest, FactoryReturnsWorkingStore) {
  std::unique_ptr<LogStore> store = NewMemoryLogStore();
  auto log = store->OpenShard({1, 2});
  ASSERT_TRUE(log.ok());
  RecordBatchBuilder b;
  b.AddRecord("k", "v");
  EXPECT_EQ(AppendSync(**log, b, 1)->first_offset, 0u);
}

TEST(MemoryLogStoreTest, CallbackRunsInline) {
  auto store = NewMemoryLogStore();
  auto log = *store->OpenShard({1, 0});
  RecordBatchBuilder b;
  b.AddRecord("k", "v");
  bool called = false;
  log->Append(b, 1, [&](const Result<AppendResult>& r) {
    EXPECT_TRUE(r.ok());
    called = true;
  });
  EXPECT_TRUE(called);
  log->Append(b, 1, nullptr);  // a null callback is allowed
  EXPECT_EQ(log->Bounds().end_offset, 2u);
}

TEST(MemoryLogStoreTest, AccountingPerShardAndTotal) {
  auto store = NewMemoryLogStore();
  EXPECT_EQ(store->BytesHeld(), 0u);
  auto a = Open(*store, {1, 0});
  auto b = Open(*store, {1, 1});
  EXPECT_EQ(store->BytesHeld(), 0u);  // opening allocates nothing accounted
  ASSERT_TRUE(AppendSync(*a, Batch(10, 100), 1).ok());
  ASSERT_TRUE(AppendSync(*b, Batch(500, 1024), 1).ok());
  MemoryUsage ua = a->Usage(), ub = b->Usage();
  EXPECT_EQ(ua.records, 10u);
  EXPECT_EQ(ua.record_bytes, 10 * (kRecordHeaderBytes + 3 + 100));
  EXPECT_GE(ua.bytes_held, ua.record_bytes);
  EXPECT_EQ(ub.records, 500u);
  EXPECT_EQ(ub.record_bytes, 500 * (kRecordHeaderBytes + 3 + 1024));
  EXPECT_GE(ub.bytes_held, ub.record_bytes);
  // A 500 x 1 KiB batch lands in one chunk sized for it (plus one index block).
  EXPECT_LE(ub.bytes_held, ub.record_bytes + 64 * 1024 + 16 * 1024);
  EXPECT_EQ(store->BytesHeld(), ua.bytes_held + ub.bytes_held);
  ASSERT_TRUE(store->DropStream(1).ok());
  EXPECT_EQ(store->BytesHeld(), 0u);
  EXPECT_EQ(a->Usage().bytes_held, 0u);
}

TEST(MemoryLogStoreTest, MemoryLimitRejectsAndChangesNothing) {
  auto store =
      NewMemoryLogStore({.memory_limit_bytes = 256 * 1024, .min_chunk_bytes = 16 * 1024, .max_chunk_bytes = 64 * 1024});
  auto log = Open(*store, {1, 0});
  auto other = Open(*store, {2, 0});
  // Fill until the limit bites.
  uint64_t appended = 0;
  Status last;
  for (int i = 0; i < 100; ++i) {
    auto r = AppendSync(*log, Batch(8, 1000, 0, appended), 100 + i);
    if (!r.ok()) {
      last = r.status();
      break;
    }
    appended += 8;
  }
  ASSERT_FALSE(last.ok()) << "limit never reached";
  EXPECT_EQ(last.code(), Errc::kUnavailable);
  EXPECT_NE(last.message().find("storage full"), std::string::npos);
  EXPECT_LE(store->BytesHeld(), 256u * 1024);

  // Nothing changed: bounds, usage, contents, and a retry fails the same way.
  const LogBounds bounds = log->Bounds();
  const MemoryUsage usage = log->Usage();
  const uint64_t held = store->BytesHeld();
  EXPECT_EQ(bounds.end_offset, appended);
  auto r = AppendSync(*log, Batch(8, 1000, 0, appended), 999999);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kUnavailable);
  EXPECT_EQ(log->Bounds().end_offset, bounds.end_offset);
  EXPECT_EQ(log->Bounds().last_arrival_ms, bounds.last_arrival_ms);
  EXPECT_EQ(log->Usage().bytes_held, usage.bytes_held);
  EXPECT_EQ(log->Usage().record_bytes, usage.record_bytes);
  EXPECT_EQ(store->BytesHeld(), held);
  auto got = ReadEverything(*log);
  ASSERT_EQ(got.size(), appended);
  for (uint64_t i = 0; i < appended; ++i) {
    uint64_t w, s;
    ASSERT_TRUE(ParsePayload(got[i].data, &w, &s));
    EXPECT_EQ(s, i);
  }
  // The limit is store-wide: another shard cannot allocate either.
  auto ro = AppendSync(*other, Batch(1, 100 * 1024), 1);
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.status().code(), Errc::kUnavailable);
  EXPECT_EQ(other->Bounds().end_offset, 0u);
  // Offsets continue without a gap once memory is freed (trimmed full-size chunks stay as
  // spares for reuse).
  log->TrimBefore(appended);
  EXPECT_LT(store->BytesHeld() - store->SpareBytes(), held);
  auto ok = AppendSync(*log, Batch(8, 1000, 0, appended), 1);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->first_offset, appended);
}

TEST(MemoryLogStoreTest, SpareChunksAreReused) {
  auto store = NewMemoryLogStore(
      {.memory_limit_bytes = 0, .min_chunk_bytes = 1024, .max_chunk_bytes = 4096, .spare_chunk_bytes = 4 * 4096});
  auto log = Open(*store, {1, 0});
  uint64_t n = 0;
  for (int i = 0; i < 40; ++i) {  // ~40 KiB: 1 KiB + 2 KiB chunks, then full 4 KiB ones
    ASSERT_TRUE(AppendSync(*log, Batch(1, 1000, 0, n), 1).ok());
    ++n;
  }
  log->TrimBefore(n);
  EXPECT_EQ(store->SpareBytes(), 4u * 4096);  // at most spare_chunk_bytes kept
  EXPECT_EQ(store->BytesHeld(), store->SpareBytes() + log->Usage().bytes_held);
  const uint64_t held = store->BytesHeld();
  // Another shard's append of two full chunks takes spares instead of new memory.
  auto other = Open(*store, {2, 0});
  ASSERT_TRUE(AppendSync(*other, Batch(6, 1000, 0, 0), 1).ok());
  EXPECT_EQ(store->SpareBytes(), 2u * 4096);
  EXPECT_EQ(store->BytesHeld(), held + MemoryShardLog::kIndexBlockBytes);
  auto got = ReadEverything(*other);
  ASSERT_EQ(got.size(), 6u);
  for (uint64_t i = 0; i < 6; ++i) {
    uint64_t w, s;
    ASSERT_TRUE(ParsePayload(got[i].data, &w, &s));
    EXPECT_EQ(s, i);
  }
  // Dropping keeps spares; with spare_chunk_bytes = 0 nothing would be kept.
  ASSERT_TRUE(store->DropStream(2).ok());
  ASSERT_TRUE(store->DropStream(1).ok());
  EXPECT_EQ(store->BytesHeld(), store->SpareBytes());
  EXPECT_EQ(store->SpareBytes(), 4u * 4096);
}

TEST(MemoryLogStoreTest, SparesReleasedWhenLimitReached) {
  auto store = NewMemoryLogStore({.memory_limit_bytes = 64 * 1024,
                                  .min_chunk_bytes = 4096,
                                  .max_chunk_bytes = 4096,
                                  .spare_chunk_bytes = 64 * 1024});
  auto a = Open(*store, {1, 0});
  uint64_t n = 0;
  while (AppendSync(*a, Batch(1, 3000, 0, n), 1).ok()) ++n;
  ASSERT_GT(n, 5u);
  ASSERT_TRUE(store->DropStream(1).ok());  // all of a's chunks become spares
  EXPECT_GT(store->SpareBytes(), 0u);
  // A record larger than max_chunk_bytes needs a dedicated chunk, which spares cannot serve:
  // the spares are released to make room.
  auto b = Open(*store, {2, 0});
  auto r = AppendSync(*b, Batch(1, 20000), 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(store->SpareBytes(), 0u);
  EXPECT_EQ(store->BytesHeld(), b->Usage().bytes_held);
}

TEST(MemoryLogStoreTest, TrimBeforeClampsReadsAndFreesMemory) {
  auto store = NewMemoryLogStore({.memory_limit_bytes = 0, .min_chunk_bytes = 1024, .max_chunk_bytes = 4096});
  auto log = Open(*store, {1, 0});
  uint64_t n = 0;
  for (int i = 0; i < 300; ++i) {  // 3000 records: several index blocks, many chunks
    ASSERT_TRUE(AppendSync(*log, Batch(10, 100, 0, n), 1000 + i).ok());
    n += 10;
  }
  const uint64_t held_before = store->BytesHeld();
  log->TrimBefore(2500);
  EXPECT_LT(store->BytesHeld() - store->SpareBytes(), held_before);
  EXPECT_EQ(store->BytesHeld(), store->SpareBytes() + log->Usage().bytes_held);
  LogBounds b = log->Bounds();
  EXPECT_EQ(b.start_offset, 2500u);
  EXPECT_EQ(b.end_offset, 3000u);
  EXPECT_EQ(log->Usage().records, 500u);
  EXPECT_EQ(log->Usage().record_bytes, 500 * (kRecordHeaderBytes + 3 + 100));
  // from < start is clamped to start.
  std::vector<OwnedRecord> got;
  auto r = ReadAll(*log, 0, {.max_records = 5, .max_bytes = 1 << 20}, &got);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].offset, 2500u);
  EXPECT_EQ(r->next_offset, 2505u);
  uint64_t w, seq;
  ASSERT_TRUE(ParsePayload(got[0].data, &w, &seq));
  EXPECT_EQ(seq, 2500u);
  // Timestamp lookups never point before start.
  EXPECT_EQ(log->OffsetForTimestamp(0), 2500u);
  EXPECT_EQ(log->OffsetForTimestamp(1260), 2600u);
  // Trimming backwards is a no-op; trimming past the end stops at the end.
  log->TrimBefore(10);
  EXPECT_EQ(log->Bounds().start_offset, 2500u);
  log->TrimBefore(1u << 30);
  b = log->Bounds();
  EXPECT_EQ(b.start_offset, 3000u);
  EXPECT_EQ(b.end_offset, 3000u);
  EXPECT_EQ(b.last_arrival_ms, 1299);
  EXPECT_EQ(log->OffsetForTimestamp(0), 3000u);
  EXPECT_TRUE(ReadEverything(*log).empty());
  // Appends continue at the old tip, in the partly used index block.
  ASSERT_EQ(AppendSync(*log, Batch(3, 10, 0, 3000), 1).value().first_offset, 3000u);
  got = ReadEverything(*log, 0);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].offset, 3000u);
  EXPECT_EQ(got[0].arrival_ms, 1299);  // still non-decreasing after a full trim
  EXPECT_EQ(store->BytesHeld(), store->SpareBytes() + log->Usage().bytes_held);
}

TEST(MemoryLogStoreTest, ChunkAndBlockBoundaries) {
  // Tiny chunks and > 1024 records force records into many chunks and index blocks; oversized
  // records get their own chunks while small ones keep filling the current chunk.
  auto store = NewMemoryLogStore({.memory_limit_bytes = 0, .min_chunk_bytes = 64, .max_chunk_bytes = 512});
  auto log = Open(*store, {1, 0});
  uint64_t seq = 0;
  std::vector<size_t> sizes;
  for (int batch = 0; batch < 60; ++batch) {
    RecordBatchBuilder b;
    for (int i = 0; i < 50; ++i) {
      size_t len = (i % 17 == 0) ? 600 + i : 16 + (i * 13 + batch) % 100;
      sizes.push_back(len);
      b.AddRecord(std::string(i % 5, 'k'), Payload(1, seq++, len));
    }
    ASSERT_TRUE(AppendSync(*log, b, batch).ok());
  }
  auto got = ReadEverything(*log);
  ASSERT_EQ(got.size(), seq);
  for (uint64_t i = 0; i < seq; ++i) {
    uint64_t w, s;
    ASSERT_TRUE(ParsePayload(got[i].data, &w, &s)) << i;
    EXPECT_EQ(s, i);
    EXPECT_EQ(got[i].data.size(), sizes[i]);
    EXPECT_EQ(got[i].key, std::string((i % 50) % 5, 'k'));
  }
  // Trim inside a block and across an oversized record, then read again.
  log->TrimBefore(1500);
  got = ReadEverything(*log);
  ASSERT_EQ(got.size(), seq - 1500);
  EXPECT_EQ(got.front().offset, 1500u);
  EXPECT_EQ(store->BytesHeld(), store->SpareBytes() + log->Usage().bytes_held);
}

TEST(MemoryLogStoreTest, MalformedBatchRejected) {
  auto store = NewMemoryLogStore();
  auto log = Open(*store, {1, 0});
  RecordBatchBuilder b;
  uint8_t* p = b.BeginRecord("key", 10);
  (void)p;
  // BeginRecord without FinishRecord: count 0, bytes present -> rejected as empty.
  auto r = AppendSync(*log, b, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(log->Bounds().end_offset, 0u);
  // A finished record followed by an unfinished one: bytes disagree with count.
  RecordBatchBuilder c;
  c.AddRecord("a", "b");
  (void)c.BeginRecord("key", 10);
  r = AppendSync(*log, c, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(log->Bounds().end_offset, 0u);
  EXPECT_EQ(store->BytesHeld(), 0u);
}

TEST(MemoryLogStoreTest, DroppedLogHeldByCallerFailsCleanly) {
  auto store = NewMemoryLogStore();
  auto log = Open(*store, {9, 0});
  ASSERT_TRUE(AppendSync(*log, Batch(5, 10), 77).ok());
  ASSERT_TRUE(store->DropStream(9).ok());
  EXPECT_EQ(store->BytesHeld(), 0u);
  EXPECT_EQ(store->FindShard({9, 0}), nullptr);
  auto r = AppendSync(*log, Batch(1, 10), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNotFound);
  std::vector<OwnedRecord> out;
  auto rr = ReadAll(*log, 0, {}, &out);
  ASSERT_FALSE(rr.ok());
  EXPECT_EQ(rr.status().code(), Errc::kNotFound);
  LogBounds b = log->Bounds();
  EXPECT_EQ(b.start_offset, 5u);
  EXPECT_EQ(b.end_offset, 5u);
  EXPECT_EQ(b.last_arrival_ms, 77);
  EXPECT_EQ(log->OffsetForTimestamp(0), 5u);
}

TEST(MemoryLogStoreTest, LogOutlivesStore) {
  std::shared_ptr<ShardLog> log;
  {
    auto store = NewMemoryLogStore();
    log = *store->OpenShard({1, 0});
  }
  RecordBatchBuilder b;
  b.AddRecord("k", "v");
  EXPECT_TRUE(AppendSync(*log, b, 1).ok());
  EXPECT_EQ(ReadEverything(*log).size(), 1u);
}

TEST(MemoryLogStoreTest, ReadersAppendersAndTrimmerTogether) {
  auto store = NewMemoryLogStore({.memory_limit_bytes = 0, .min_chunk_bytes = 256, .max_chunk_bytes = 2048});
  auto log = Open(*store, {1, 0});
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    uint64_t seq = 0;
    for (int i = 0; i < 2000; ++i) {
      auto b = Batch(1 + i % 5, 16 + i % 200, 0, seq);
      seq += b.count();
      if (!AppendSync(*log, b, i).ok()) failed = true;
    }
    stop = true;
  });
  std::thread trimmer([&] {
    while (!stop.load()) {
      LogBounds b = log->Bounds();
      log->TrimBefore(b.start_offset + (b.end_offset - b.start_offset) / 2);
      std::this_thread::yield();
    }
  });
  std::thread reader([&] {
    while (!stop.load()) {
      uint64_t from = log->Bounds().start_offset;
      uint64_t expect = 0;
      bool first = true;
      auto r = log->Read(from, {.max_records = 100, .max_bytes = 1 << 20}, [&](const RecordView& v) {
        uint64_t w, s;
        if (!ParsePayload(v.data, &w, &s) || s != v.offset || (!first && v.offset != expect)) failed = true;
        first = false;
        expect = v.offset + 1;
      });
      if (!r.ok()) failed = true;
      (void)log->OffsetForTimestamp(1000);
    }
  });
  writer.join();
  trimmer.join();
  reader.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(store->BytesHeld(), store->SpareBytes() + log->Usage().bytes_held);
}

}  // namespace
}  // namespace sluice::storage
