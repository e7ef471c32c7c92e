#include "model/shard_id.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::model {
namespace {

TEST(ShardIdTest, Format) {
  EXPECT_EQ(FormatShardId({0}), "shardId-000000000000");
  EXPECT_EQ(FormatShardId({1}), "shardId-000000000001");
  EXPECT_EQ(FormatShardId({123456789}), "shardId-000123456789");
  EXPECT_EQ(FormatShardId({UINT32_MAX}), "shardId-004294967295");
}

TEST(ShardIdTest, ParseRoundTrip) {
  for (uint32_t v : {0u, 1u, 9u, 10u, 999u, 1000u, 16777215u, 16777216u, UINT32_MAX - 1, UINT32_MAX}) {
    auto p = ParseShardId(FormatShardId({v}));
    ASSERT_TRUE(p.has_value()) << v;
    EXPECT_EQ(p->value, v);
  }
}

TEST(ShardIdTest, FormatSortsLikeIndices) {
  for (uint32_t v : {0u, 9u, 99u, 12345u, 4000000000u}) EXPECT_LT(FormatShardId({v}), FormatShardId({v + 1}));
}

TEST(ShardIdTest, ParseRejectsNonCanonicalForms) {
  const char* kBad[] = {
      "",
      "shardId-",
      "shardId-0",
      "shardId-00000000000",    // 11 digits
      "shardId-0000000000000",  // 13 digits
      "shardid-000000000000",   // case
      "ShardId-000000000000",
      "shardId_000000000000",
      "shardId-00000000000a",
      "shardId--00000000001",
      "shardId-+00000000001",
      " shardId-000000000000",
      "shardId-000000000000 ",
      "000000000000",
      "shardId-004294967296",  // 2^32
      "shardId-999999999999",
  };
  for (const char* s : kBad) EXPECT_FALSE(ParseShardId(s).has_value()) << "'" << s << "'";
  EXPECT_FALSE(ParseShardId(std::string("shardId-00000000000\0", 20)).has_value());
}

TEST(ShardIndexTest, Ordering) {
  EXPECT_LT(ShardIndex{1}, ShardIndex{2});
  EXPECT_EQ(ShardIndex{3}, ShardIndex{3});
}

}  // namespace
}  // namespace sluice::model
