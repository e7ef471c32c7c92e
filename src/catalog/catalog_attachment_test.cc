// Stream attachments: the catalog asks its factory for one when a stream is created or
// recovered and whenever its shards or shard-level metrics change, and keeps it otherwise.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog_test_fixture.h"

namespace sluice::catalog {
namespace {

using testing::CatalogFixture;

// Records what it was built from.
struct Note final : StreamAttachment {
  size_t shards = 0;
  std::vector<std::string> metrics;
  bool had_previous = false;
};

class CatalogAttachmentTest : public CatalogFixture {
 protected:
  void Open() {
    catalog_ = std::make_unique<Catalog>(CatalogOptions{}, &clock_, logs_.get(), meta_.get());
    catalog_->SetAttachmentFactory([this](const Stream& s, const StreamAttachment* previous) {
      ++calls_;
      auto n = std::make_shared<Note>();
      n->shards = s.shards.size();
      n->metrics = s.shard_level_metrics;
      n->had_previous = previous != nullptr;
      return n;
    });
    ASSERT_TRUE(catalog_->Recover().ok());
  }
  std::shared_ptr<const Note> NoteOf(std::string_view name) {
    std::shared_ptr<const StreamAttachment> a;
    EXPECT_TRUE(catalog_
                    ->Read(Key(name),
                           [&](const Stream& s) {
                             a = s.attachment;
                             return Status::Ok();
                           })
                    .ok());
    return std::static_pointer_cast<const Note>(a);
  }
  int calls_ = 0;
};

TEST_F(CatalogAttachmentTest, BuiltAtCreationAndRenewedOnlyWhenShardsOrMetricsChange) {
  Open();
  ASSERT_TRUE(Create("s", 2).ok());
  auto first = NoteOf("s");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->shards, 2u);
  EXPECT_FALSE(first->had_previous);
  EXPECT_EQ(calls_, 1);

  // A change that touches neither keeps the attachment.
  ASSERT_TRUE(catalog_
                  ->Write(Key("s"),
                          [](Stream& s) {
                            s.tags["k"] = "v";
                            return Status::Ok();
                          })
                  .ok());
  EXPECT_EQ(NoteOf("s"), first);
  EXPECT_EQ(calls_, 1);

  ASSERT_TRUE(catalog_
                  ->Write(Key("s"),
                          [](Stream& s) {
                            s.shard_level_metrics = {"IncomingBytes"};
                            return Status::Ok();
                          })
                  .ok());
  auto second = NoteOf("s");
  EXPECT_NE(second, first);
  EXPECT_TRUE(second->had_previous);
  EXPECT_EQ(second->metrics, std::vector<std::string>{"IncomingBytes"});

  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 4).ok());
  EXPECT_EQ(NoteOf("s")->shards, Get("s").shards.size());
  EXPECT_EQ(calls_, 3);
}

TEST_F(CatalogAttachmentTest, RebuiltOnRecovery) {
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(catalog_
                  ->Write(Key("s"),
                          [](Stream& s) {
                            s.shard_level_metrics = {"ALL"};
                            return Status::Ok();
                          })
                  .ok());
  calls_ = 0;
  Open();
  auto n = NoteOf("s");
  ASSERT_NE(n, nullptr);
  EXPECT_FALSE(n->had_previous);
  EXPECT_EQ(n->metrics, std::vector<std::string>{"ALL"});  // persisted with the stream
  EXPECT_EQ(calls_, 1);
}

TEST_F(CatalogAttachmentTest, NoFactoryNoAttachment) {
  Make();
  ASSERT_TRUE(Create("s", 1).ok());
  EXPECT_EQ(NoteOf("s"), nullptr);
}

}  // namespace
}  // namespace sluice::catalog
