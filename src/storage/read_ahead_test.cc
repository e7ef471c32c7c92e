#include "storage/read_ahead.h"

#include <gtest/gtest.h>

#include <string>

#include "base/fault_injecting_file_system.h"
#include "base/mutex.h"

namespace sluice::storage::internal {
namespace {

std::shared_ptr<File> FileWith(FaultInjectingFileSystem* fs, const std::string& bytes) {
  auto w = fs->Open("/f", {.create = true, .writable = true});
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->WriteAt(0, bytes.data(), bytes.size()).ok());
  auto r = fs->Open("/f", {});
  EXPECT_TRUE(r.ok());
  return std::shared_ptr<File>(std::move(*r));
}

TEST(ReadAheadBudgetTest, RefusesBeyondItsBytesAndRecyclesBuffers) {
  ReadAheadBudget budget(10000);
  segment::ReadBuffer a, b;
  EXPECT_TRUE(budget.Take(6000, &a));
  EXPECT_FALSE(budget.Take(6000, &b));
  a.Reserve(8192, 0);
  char* kept = a.data();
  budget.Give(6000, std::move(a));
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_TRUE(budget.Take(6000, &b));
  EXPECT_EQ(b.data(), kept);  // the spare came back instead of a fresh allocation
  EXPECT_EQ(budget.in_use(), 6000u);
}

TEST(ReadAheadSlotTest, HandsOverOnlyTheBytesCommittedWhenItStarted) {
  FaultInjectingFileSystem fs;
  std::string bytes(3 * kDirectIoAlignment, 'x');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 26);
  auto file = FileWith(&fs, bytes);
  auto budget = std::make_shared<ReadAheadBudget>(1 << 20);
  segment::ReadBuffer buf;
  ASSERT_TRUE(budget->Take(2 * kDirectIoAlignment, &buf));
  // Committed up to 100 bytes into the second block: bytes past that are never handed over.
  uint64_t valid_end = 2 * kDirectIoAlignment + 100;
  {
    ReadAheadPool pool(1);  // joined before the check below: its thread may hold the slot a moment
    auto slot = std::make_shared<ReadAheadSlot>(budget, file, kDirectIoAlignment, 2 * kDirectIoAlignment, valid_end,
                                                std::move(buf));
    pool.Submit(slot);
    segment::ReadBuffer mine;
    size_t got = slot->TakeInto(&mine);
    ASSERT_EQ(got, kDirectIoAlignment + 100);
    EXPECT_EQ(std::string(mine.data(), got), bytes.substr(kDirectIoAlignment, got));
    EXPECT_EQ(slot->TakeInto(&mine), 0u);  // once
  }
  EXPECT_EQ(budget->in_use(), 0u);  // charge returned with the slot
}

TEST(ReadAheadSlotTest, FailedOrCancelledReadsHandOverNothing) {
  FaultInjectingFileSystem fs;
  auto file = FileWith(&fs, std::string(kDirectIoAlignment, 'y'));
  auto budget = std::make_shared<ReadAheadBudget>(1 << 20);
  auto cancelled =
      std::make_shared<ReadAheadSlot>(budget, file, 0, kDirectIoAlignment, kDirectIoAlignment, segment::ReadBuffer());
  cancelled->Cancel();
  segment::ReadBuffer mine;
  EXPECT_EQ(cancelled->TakeInto(&mine), 0u);
  // Unaligned: ReadAtDirect refuses, the slot reports nothing and the reader reads for itself.
  auto bad =
      std::make_shared<ReadAheadSlot>(budget, file, 1, kDirectIoAlignment, kDirectIoAlignment, segment::ReadBuffer());
  bad->Run();
  EXPECT_EQ(bad->TakeInto(&mine), 0u);
}

// A file whose direct reads wait at a gate: holds a pool thread inside a read.
class GatedFile final : public File {
 public:
  explicit GatedFile(std::shared_ptr<File> inner) : inner_(std::move(inner)) {}
  void WaitUntilBlocked() {
    MutexLock lock(&mu_);
    while (!blocked_) cv_.Wait(&mu_);
  }
  void Open() {
    MutexLock lock(&mu_);
    open_ = true;
    cv_.SignalAll();
  }
  Result<size_t> ReadAtDirect(uint64_t pos, void* buf, size_t n) const override {
    {
      MutexLock lock(&mu_);
      blocked_ = true;
      cv_.SignalAll();
      while (!open_) cv_.Wait(&mu_);
    }
    return inner_->ReadAtDirect(pos, buf, n);
  }
  Result<size_t> ReadAt(uint64_t pos, void* buf, size_t n) const override { return inner_->ReadAt(pos, buf, n); }
  Status WriteAt(uint64_t pos, const void* buf, size_t n) override { return inner_->WriteAt(pos, buf, n); }
  Status Sync() override { return inner_->Sync(); }
  Status Truncate(uint64_t size) override { return inner_->Truncate(size); }
  Result<uint64_t> Size() const override { return inner_->Size(); }
  bool direct_io() const override { return inner_->direct_io(); }

 private:
  std::shared_ptr<File> inner_;
  mutable Mutex mu_;
  mutable CondVar cv_;
  mutable bool blocked_ GUARDED_BY(mu_) = false;
  bool open_ GUARDED_BY(mu_) = false;
};

TEST(ReadAheadPoolTest, StoppingCancelsQueuedReads) {
  FaultInjectingFileSystem fs;
  auto gated = std::make_shared<GatedFile>(FileWith(&fs, std::string(kDirectIoAlignment, 'z')));
  auto budget = std::make_shared<ReadAheadBudget>(1 << 20);
  auto slot = [&] {
    segment::ReadBuffer buf;
    EXPECT_TRUE(budget->Take(kDirectIoAlignment, &buf));
    return std::make_shared<ReadAheadSlot>(budget, gated, 0, kDirectIoAlignment, kDirectIoAlignment, std::move(buf));
  };
  constexpr int kQueued = 50;
  auto running = slot();
  std::vector<std::shared_ptr<ReadAheadSlot>> queued;
  {
    ReadAheadPool pool(1);
    pool.Submit(running);
    gated->WaitUntilBlocked();  // the pool's only thread is inside `running`: the rest stay queued
    for (int i = 0; i < kQueued; ++i) {
      queued.push_back(slot());
      pool.Submit(queued.back());
    }
    pool.Stop();
    auto late = slot();
    pool.Submit(late);  // after Stop: cancelled at once
    segment::ReadBuffer mine;
    EXPECT_EQ(late->TakeInto(&mine), 0u);
    gated->Open();
  }  // joined: the read in progress finished
  segment::ReadBuffer mine;
  EXPECT_EQ(running->TakeInto(&mine), kDirectIoAlignment);
  for (auto& s : queued) EXPECT_EQ(s->TakeInto(&mine), 0u) << "a queued read ran after Stop";
  // Cancelled slots hold nothing else: dropping them returns their whole charge.
  EXPECT_EQ(budget->in_use(), (kQueued + 1) * kDirectIoAlignment);
  queued.clear();
  running.reset();
  EXPECT_EQ(budget->in_use(), 0u);
}

}  // namespace
}  // namespace sluice::storage::internal
