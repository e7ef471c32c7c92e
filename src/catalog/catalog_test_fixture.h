#pragma once
// Test-only: a catalog over in-memory stores on a manual clock, with the lookups the catalog
// tests share. Make() again reopens the same stores (a restart).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "storage/memory_log_store.h"

namespace sluice::catalog::testing {

inline constexpr std::string_view kAccount = "123456789012";
inline constexpr std::string_view kRegion = "us-east-1";

// Wall time from a ManualClock; monotonic time that moves on by step_ms at every read. A loop
// that waits for a deadline on it (the reshard drain, GatedShardLog::Seal) therefore ends after
// a known number of looks, whatever the machine's speed, and the test needs no second thread
// to move time along.
class SteppingClock final : public Clock {
 public:
  SteppingClock(const ManualClock* wall, int64_t step_ms) : wall_(wall), step_ns_(step_ms * 1'000'000) {}
  int64_t NowMillis() const override { return wall_->NowMillis(); }
  int64_t MonotonicNanos() const override { return nanos_.fetch_add(step_ns_) + step_ns_; }

 private:
  const ManualClock* wall_;
  const int64_t step_ns_;
  // A test clock that moves when read: the state is the point, not a cache behind const.
  mutable std::atomic<int64_t> nanos_{0};
};

class CatalogFixture : public ::testing::Test {
 protected:
  explicit CatalogFixture(int64_t start_ms = 1'700'000'000'000) : clock_(start_ms) {}

  void Make(CatalogOptions opts = {}) {
    catalog_ =
        std::make_unique<Catalog>(opts, catalog_clock_, catalog_logs_ ? catalog_logs_ : logs_.get(), meta_.get());
    ASSERT_TRUE(catalog_->Recover().ok());
  }
  Status Create(std::string_view name, uint32_t shards, StreamMode mode = StreamMode::kProvisioned) {
    CreateStreamSpec spec;
    spec.key = Key(name);
    spec.shard_count = shards;
    spec.mode = mode;
    return catalog_->CreateStream(spec);
  }
  StreamKey Key(std::string_view name) { return {kAccount, kRegion, name}; }
  // A copy of the stream without its route table, so tests never hold the live table.
  Stream Get(std::string_view name) {
    Stream out;
    EXPECT_TRUE(catalog_
                    ->Read(Key(name),
                           [&](const Stream& s) {
                             out = s;
                             out.routes.reset();
                             return Status::Ok();
                           })
                    .ok());
    return out;
  }

  ManualClock clock_;
  // What the catalog reads: clock_ unless a test set a SteppingClock over it before Make().
  const Clock* catalog_clock_ = &clock_;
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  // What the catalog opens shard logs in: logs_ unless a test set a wrapper over it before Make().
  storage::LogStore* catalog_logs_ = nullptr;
  std::unique_ptr<MetadataStore> meta_ = NewMemoryMetadataStore();
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace sluice::catalog::testing
