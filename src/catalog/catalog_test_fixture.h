#pragma once
// Test-only: a catalog over in-memory stores on a manual clock, with the lookups the catalog
// tests share. Make() again reopens the same stores (a restart).
#include <gtest/gtest.h>

#include <memory>
#include <string_view>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "storage/memory_log_store.h"

namespace sluice::catalog::testing {

inline constexpr std::string_view kAccount = "123456789012";
inline constexpr std::string_view kRegion = "us-east-1";

class CatalogFixture : public ::testing::Test {
 protected:
  explicit CatalogFixture(int64_t start_ms = 1'700'000'000'000) : clock_(start_ms) {}

  void Make(CatalogOptions opts = {}) {
    catalog_ = std::make_unique<Catalog>(opts, &clock_, logs_.get(), meta_.get());
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
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  std::unique_ptr<MetadataStore> meta_ = NewMemoryMetadataStore();
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace sluice::catalog::testing
