#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "catalog/metadata_store.h"
#include "server/main/server.h"

namespace sluice::server {
namespace {

class IteratorKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-key-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string KeyFile() const { return dir_ + "/iterator.key"; }

  std::string dir_;
  std::unique_ptr<catalog::MetadataStore> meta_ = catalog::NewMemoryMetadataStore();
};

TEST_F(IteratorKeyTest, CreatedOnceThenStableInTheStore) {
  model::IteratorKey a{}, b{};
  ASSERT_TRUE(LoadOrCreateIteratorKey(meta_.get(), dir_, &a).ok());
  ASSERT_TRUE(LoadOrCreateIteratorKey(meta_.get(), dir_, &b).ok());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, model::IteratorKey{});
  EXPECT_FALSE(std::filesystem::exists(KeyFile()));  // the store is the only copy
}

TEST_F(IteratorKeyTest, ImportsAnOldKeyFileOnce) {
  model::IteratorKey old{};
  ASSERT_TRUE(LoadOrCreateIteratorKey(dir_, &old).ok());  // what an older version left
  ASSERT_TRUE(std::filesystem::exists(KeyFile()));

  model::IteratorKey imported{};
  ASSERT_TRUE(LoadOrCreateIteratorKey(meta_.get(), dir_, &imported).ok());
  EXPECT_EQ(imported, old);
  EXPECT_FALSE(std::filesystem::exists(KeyFile()));

  model::IteratorKey again{};
  ASSERT_TRUE(LoadOrCreateIteratorKey(meta_.get(), dir_, &again).ok());
  EXPECT_EQ(again, old);
}

TEST_F(IteratorKeyTest, FileModeKeepsItsKeyAcrossCalls) {
  model::IteratorKey a{}, b{};
  ASSERT_TRUE(LoadOrCreateIteratorKey(dir_, &a).ok());
  ASSERT_TRUE(LoadOrCreateIteratorKey(dir_, &b).ok());
  EXPECT_EQ(a, b);
}

TEST_F(IteratorKeyTest, WrongSizedStoredKeyIsCorruption) {
  ASSERT_TRUE(meta_->PutValue(catalog::kIteratorKeyKey, "short").ok());
  model::IteratorKey k{};
  EXPECT_EQ(LoadOrCreateIteratorKey(meta_.get(), dir_, &k).code(), Errc::kCorruption);
}

}  // namespace
}  // namespace sluice::server
