#include "storage/read_ahead.h"

#include <gtest/gtest.h>

#include <string>

#include "base/fault_injecting_file_system.h"

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

TEST(ReadAheadPoolTest, StoppingCancelsQueuedReads) {
  FaultInjectingFileSystem fs;
  auto file = FileWith(&fs, std::string(kDirectIoAlignment, 'z'));
  auto budget = std::make_shared<ReadAheadBudget>(1 << 20);
  std::vector<std::shared_ptr<ReadAheadSlot>> slots;
  {
    ReadAheadPool pool(1);
    for (int i = 0; i < 50; ++i) {
      slots.push_back(std::make_shared<ReadAheadSlot>(budget, file, 0, kDirectIoAlignment, kDirectIoAlignment,
                                                      segment::ReadBuffer()));
      pool.Submit(slots.back());
    }
  }
  // Every slot finished (read or cancelled): nobody waits forever.
  segment::ReadBuffer mine;
  for (auto& s : slots) {
    size_t got = s->TakeInto(&mine);
    EXPECT_TRUE(got == 0 || got == kDirectIoAlignment);
  }
}

}  // namespace
}  // namespace sluice::storage::internal
