#include "catalog/stream_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "catalog/consumer_arn.h"
#include "model/hash_key.h"

namespace sluice::catalog {
namespace {

Stream FullStream() {
  Stream s;
  s.uid = 0xfedcba9876543210ull;
  s.epoch = 1'700'000'001;
  s.account = "123456789012";
  s.region = "eu-west-1";
  s.name = "orders";
  s.arn = StreamArn(s.region, s.account, s.name);
  s.created_ms = 1'700'000'001'234;
  s.active_at_ms = 1'700'000'002'000;
  s.deleted_at_ms = 1'700'000'009'000;
  s.settled_status = StreamStatus::kUpdating;
  s.mode = StreamMode::kOnDemand;
  s.retention_hours = 168;
  s.max_record_size_kib = 10240;
  s.tags = {{"env", "prod"}, {"empty", ""}, {"unicodé", "värde"}};
  s.shard_level_metrics = {"IncomingBytes", "OutgoingRecords"};
  for (uint32_t i = 0; i < 3; ++i) {
    Shard sh;
    sh.index = i;
    sh.range = model::EvenRange(i, 3);
    sh.created_ms = s.created_ms + i;
    s.shards.push_back(sh);
  }
  s.shards[0].end_offset = 12345678901ull;
  s.shards[0].closed_ms = -5;  // negative values survive zigzag
  s.shards[2].parent = 0;
  s.shards[2].adjacent_parent = 1;
  s.updating_until_ms = 1'700'000'010'000;
  s.scaling_ops_ms = {1'700'000'003'000, 1'700'000'004'000};
  s.mode_switches_ms = {1'700'000'005'000};
  Consumer active;
  active.name = "app-1";
  active.arn = ConsumerArn(s.arn, active.name, 1'700'000'006);
  active.created_ms = 1'700'000'006'100;
  active.active_at_ms = 1'700'000'007'100;
  active.tags = {{"team", "analytics"}, {"empty", ""}};
  Consumer deleting = active;
  deleting.name = "old.app_2";
  deleting.arn = ConsumerArn(s.arn, deleting.name, 4'000'000'000u);  // epochs use all 32 bits
  deleting.deleted_at_ms = 1'700'000'008'000;
  s.consumers = {active, deleting};
  return s;
}

void ExpectSame(const Stream& a, const Stream& b) {
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.account, b.account);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.arn, b.arn);
  EXPECT_EQ(a.created_ms, b.created_ms);
  EXPECT_EQ(a.active_at_ms, b.active_at_ms);
  EXPECT_EQ(a.deleted_at_ms, b.deleted_at_ms);
  EXPECT_EQ(a.settled_status, b.settled_status);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.retention_hours, b.retention_hours);
  EXPECT_EQ(a.max_record_size_kib, b.max_record_size_kib);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.shard_level_metrics, b.shard_level_metrics);
  EXPECT_EQ(a.updating_until_ms, b.updating_until_ms);
  EXPECT_EQ(a.scaling_ops_ms, b.scaling_ops_ms);
  EXPECT_EQ(a.mode_switches_ms, b.mode_switches_ms);
  ASSERT_EQ(a.consumers.size(), b.consumers.size());
  for (size_t i = 0; i < a.consumers.size(); ++i) {
    EXPECT_EQ(a.consumers[i].name, b.consumers[i].name);
    EXPECT_EQ(a.consumers[i].arn, b.consumers[i].arn);
    EXPECT_EQ(a.consumers[i].created_ms, b.consumers[i].created_ms);
    EXPECT_EQ(a.consumers[i].active_at_ms, b.consumers[i].active_at_ms);
    EXPECT_EQ(a.consumers[i].deleted_at_ms, b.consumers[i].deleted_at_ms);
    EXPECT_EQ(a.consumers[i].tags, b.consumers[i].tags);
  }
  ASSERT_EQ(a.shards.size(), b.shards.size());
  for (size_t i = 0; i < a.shards.size(); ++i) {
    EXPECT_EQ(a.shards[i].index, b.shards[i].index);
    EXPECT_TRUE(a.shards[i].range == b.shards[i].range);
    EXPECT_EQ(a.shards[i].parent, b.shards[i].parent);
    EXPECT_EQ(a.shards[i].adjacent_parent, b.shards[i].adjacent_parent);
    EXPECT_EQ(a.shards[i].created_ms, b.shards[i].created_ms);
    EXPECT_EQ(a.shards[i].end_offset, b.shards[i].end_offset);
    EXPECT_EQ(a.shards[i].closed_ms, b.shards[i].closed_ms);
  }
}

TEST(StreamCodecTest, RoundTripsEveryField) {
  Stream s = FullStream();
  auto back = DecodeStream(EncodeStream(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(s, *back);
  EXPECT_EQ(back->shards[2].range.end, model::kMaxHashKey);
  EXPECT_EQ(back->shards[0].log, nullptr);
  EXPECT_EQ(back->routes, nullptr);
}

TEST(StreamCodecTest, RoundTripsDefaults) {
  Stream s;
  s.arn = StreamArn("", "", "");  // derived on decode, never stored
  auto back = DecodeStream(EncodeStream(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(s, *back);
  EXPECT_FALSE(back->deleted_at_ms.has_value());
}

TEST(StreamCodecTest, EncodingIsDeterministic) { EXPECT_EQ(EncodeStream(FullStream()), EncodeStream(FullStream())); }

TEST(StreamCodecTest, RejectsEveryTruncation) {
  std::string bytes = EncodeStream(FullStream());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeStream(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), Errc::kCorruption);
  }
}

TEST(StreamCodecTest, RejectsTrailingBytesUnknownVersionAndBadEnums) {
  std::string bytes = EncodeStream(FullStream());
  EXPECT_EQ(DecodeStream(bytes + '\0').status().code(), Errc::kCorruption);
  std::string v5 = bytes;
  v5[0] = 5;
  EXPECT_EQ(DecodeStream(v5).status().code(), Errc::kCorruption);
  std::string v0 = bytes;
  v0[0] = 0;
  EXPECT_EQ(DecodeStream(v0).status().code(), Errc::kCorruption);

  Stream s;  // all zero/empty: settled_status follows nine one-byte fields
  std::string plain = EncodeStream(s);
  ASSERT_EQ(plain[9], static_cast<char>(StreamStatus::kActive));
  plain[9] = 9;
  EXPECT_EQ(DecodeStream(plain).status().code(), Errc::kCorruption);
}

// Rows written before resharding (version 1) end after the shards; they decode with no
// UPDATING period and no scaling history.
TEST(StreamCodecTest, DecodesVersionOneRows) {
  Stream s = FullStream();
  s.updating_until_ms = 0;
  s.scaling_ops_ms.clear();
  s.mode_switches_ms.clear();
  s.consumers.clear();
  std::string v1 = EncodeStream(s);
  ASSERT_EQ(v1.substr(v1.size() - 4), std::string("\0\0\0\0", 4));
  v1.resize(v1.size() - 4);
  v1[0] = 1;
  auto back = DecodeStream(v1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(s, *back);
  EXPECT_EQ(DecodeStream(v1 + std::string("\0\0", 2)).status().code(), Errc::kCorruption);
}

// Rows written before UpdateStreamMode (version 2) have no mode-switch history.
TEST(StreamCodecTest, DecodesVersionTwoRows) {
  Stream s = FullStream();
  s.mode_switches_ms.clear();
  s.consumers.clear();
  std::string v2 = EncodeStream(s);
  ASSERT_EQ(v2.substr(v2.size() - 2), std::string("\0\0", 2));
  v2.resize(v2.size() - 2);
  v2[0] = 2;
  auto back = DecodeStream(v2);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(s, *back);
}

// Rows written before enhanced fan-out (version 3) have no consumers.
TEST(StreamCodecTest, DecodesVersionThreeRows) {
  Stream s = FullStream();
  s.consumers.clear();
  std::string v3 = EncodeStream(s);
  ASSERT_EQ(v3.back(), '\0');
  v3.pop_back();
  v3[0] = 3;
  auto back = DecodeStream(v3);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(s, *back);
  EXPECT_EQ(DecodeStream(v3 + std::string("\0", 1)).status().code(), Errc::kCorruption);
}

TEST(StreamCodecTest, SurvivesArbitraryBytes) {
  std::string bytes = EncodeStream(FullStream());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      auto r = DecodeStream(flipped);  // may decode to other values; must not crash or overread
      if (!r.ok()) { EXPECT_EQ(r.status().code(), Errc::kCorruption); }
    }
  }
}

}  // namespace
}  // namespace sluice::catalog
