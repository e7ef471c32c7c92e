#include "storage/record_batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace sluice::storage {
namespace {

std::vector<std::pair<std::string, std::string>> Decode(std::string_view bytes) {
  std::vector<std::pair<std::string, std::string>> out;
  RecordBatchReader reader(bytes);
  std::string_view k, d;
  while (reader.Next(&k, &d)) out.emplace_back(std::string(k), std::string(d));
  return out;
}

TEST(RecordBatchTest, EmptyBuilder) {
  RecordBatchBuilder b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.count(), 0u);
  EXPECT_TRUE(b.bytes().empty());
  EXPECT_TRUE(Decode(b.bytes()).empty());
}

TEST(RecordBatchTest, AddRecordRoundTrip) {
  RecordBatchBuilder b;
  b.AddRecord("pk1", "hello");
  b.AddRecord("", "no key");
  b.AddRecord("empty-data", "");
  b.AddRecord(std::string(256, 'k'), std::string(70000, 'd'));
  EXPECT_EQ(b.count(), 4u);
  EXPECT_EQ(b.bytes().size(), 4 * kRecordHeaderBytes + 3 + 5 + 6 + 10 + 256 + 70000);
  auto recs = Decode(b.bytes());
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0], std::make_pair(std::string("pk1"), std::string("hello")));
  EXPECT_EQ(recs[1], std::make_pair(std::string(""), std::string("no key")));
  EXPECT_EQ(recs[2], std::make_pair(std::string("empty-data"), std::string("")));
  EXPECT_EQ(recs[3].first, std::string(256, 'k'));
  EXPECT_EQ(recs[3].second, std::string(70000, 'd'));
}

TEST(RecordBatchTest, WireLayoutIsLittleEndianHeaderKeyData) {
  RecordBatchBuilder b;
  b.AddRecord("ab", "xyz");
  const std::string expected(
      "\x03\x00\x00\x00\x02\x00"
      "ab"
      "xyz",
      11);
  EXPECT_EQ(b.bytes(), expected);
}

TEST(RecordBatchTest, BeginFinishWithShorterActualLength) {
  RecordBatchBuilder b;
  // Reserve room for 100 bytes (e.g. a base64 upper bound) but write only 3.
  uint8_t* p = b.BeginRecord("key", 100);
  std::copy_n("abc", 3, p);
  b.FinishRecord(3);
  // The next record starts right after the shortened one.
  p = b.BeginRecord("k2", 50);
  std::copy_n("0123456789", 10, p);
  b.FinishRecord(10);
  // And zero-length data after a reservation.
  b.BeginRecord("k3", 8);
  b.FinishRecord(0);
  EXPECT_EQ(b.count(), 3u);
  EXPECT_EQ(b.bytes().size(), 3 * kRecordHeaderBytes + 3 + 3 + 2 + 10 + 2);
  auto recs = Decode(b.bytes());
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0], std::make_pair(std::string("key"), std::string("abc")));
  EXPECT_EQ(recs[1], std::make_pair(std::string("k2"), std::string("0123456789")));
  EXPECT_EQ(recs[2], std::make_pair(std::string("k3"), std::string("")));
}

TEST(RecordBatchTest, ClearReusesBuilder) {
  RecordBatchBuilder b;
  b.Reserve(1024);
  b.AddRecord("a", "1");
  b.Clear();
  EXPECT_TRUE(b.empty());
  b.AddRecord("b", "2");
  auto recs = Decode(b.bytes());
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0], std::make_pair(std::string("b"), std::string("2")));
}

TEST(RecordBatchTest, ReaderStopsOnTruncatedInput) {
  RecordBatchBuilder b;
  b.AddRecord("key", "data");
  b.AddRecord("key2", "data2");
  std::string bytes(b.bytes());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto recs = Decode(std::string_view(bytes).substr(0, cut));
    size_t first_len = kRecordHeaderBytes + 3 + 4;
    EXPECT_EQ(recs.size(), cut >= first_len ? 1u : 0u) << "cut=" << cut;
  }
  EXPECT_EQ(Decode(bytes).size(), 2u);
}

}  // namespace
}  // namespace sluice::storage
