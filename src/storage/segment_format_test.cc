#include "storage/segment_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "base/crc32c.h"
#include "storage/record_batch.h"

namespace sluice::storage::segment {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

// A sealed frame holding `batch`; header fields other than the length and count from `h`.
std::string MakeFrame(const RecordBatchBuilder& batch,
                      FrameHeader h = {.first_offset = 100, .arrival_ms = 1700000000123}) {
  std::string frame(kFrameHeaderBytes, '\0');
  frame += batch.bytes();
  h.length = static_cast<uint32_t>(frame.size());
  h.record_count = batch.count();
  EncodeFrameHeader(h, frame.data());
  SealFrame(frame.data(), h.length);
  return frame;
}

RecordBatchBuilder TwoRecords() {
  RecordBatchBuilder b;
  b.AddRecord("key-1", "first record");
  b.AddRecord("k2", "");
  return b;
}

FrameCheck Check(const std::string& bytes, std::optional<uint64_t> expected = std::nullopt) {
  FrameHeader h;
  return CheckFrame(bytes.data(), bytes.size(), expected, &h);
}

// Rewrites one header field and re-seals, so only that field's meaning is wrong.
template <typename T>
std::string WithField(std::string frame, size_t at, T value) {
  std::memcpy(frame.data() + at, &value, sizeof value);
  SealFrame(frame.data(), static_cast<uint32_t>(frame.size()));
  return frame;
}

TEST(SegmentFrameTest, HeaderRoundTripsLittleEndian) {
  FrameHeader h{.length = 0x01020304,
                .crc = 99,
                .first_offset = 0x1122334455667788,
                .arrival_ms = -5,
                .record_count = 7,
                .version = kFrameVersion,
                .flags = 0};
  char buf[kFrameHeaderBytes];
  EncodeFrameHeader(h, buf);
  EXPECT_EQ(std::string(buf, 4), "\x04\x03\x02\x01");
  EXPECT_EQ(std::string(buf + 4, 4), std::string(4, '\0'));  // CRC is SealFrame's job
  EXPECT_EQ(static_cast<uint8_t>(buf[8]), 0x88);
  FrameHeader back = DecodeFrameHeader(buf);
  EXPECT_EQ(back.length, h.length);
  EXPECT_EQ(back.crc, 0u);
  EXPECT_EQ(back.first_offset, h.first_offset);
  EXPECT_EQ(back.arrival_ms, -5);
  EXPECT_EQ(back.record_count, 7u);
  EXPECT_EQ(back.version, kFrameVersion);
  EXPECT_EQ(back.flags, 0);
}

TEST(SegmentFrameTest, SealedFrameChecksOk) {
  std::string frame = MakeFrame(TwoRecords());
  FrameHeader h;
  ASSERT_EQ(CheckFrame(frame.data(), frame.size(), 100, &h), FrameCheck::kOk);
  EXPECT_EQ(h.length, frame.size());
  EXPECT_EQ(h.first_offset, 100u);
  EXPECT_EQ(h.arrival_ms, 1700000000123);
  EXPECT_EQ(h.record_count, 2u);
  EXPECT_EQ(crc32c::Unmask(h.crc), crc32c::Value(frame.data() + 8, frame.size() - 8));
  EXPECT_EQ(CheckFrame(frame.data(), frame.size(), std::nullopt, nullptr), FrameCheck::kOk);
}

TEST(SegmentFrameTest, FramesFollowOneAnotherUntilZeroLength) {
  std::string first = MakeFrame(TwoRecords(), {.first_offset = 5});
  RecordBatchBuilder one;
  one.AddRecord("k", "v");
  std::string bytes = first + MakeFrame(one, {.first_offset = 7}) + std::string(64, '\0');
  EXPECT_EQ(Check(bytes, 5), FrameCheck::kOk);  // more bytes than the frame: fine
  std::string rest = bytes.substr(first.size());
  EXPECT_EQ(Check(rest, 7), FrameCheck::kOk);
  EXPECT_EQ(Check(rest.substr(kFrameHeaderBytes + 1 + 1 + kRecordHeaderBytes)), FrameCheck::kEnd);
}

TEST(SegmentFrameTest, EndOfData) {
  EXPECT_EQ(Check(""), FrameCheck::kEnd);
  EXPECT_EQ(Check(std::string(4, '\0')), FrameCheck::kEnd);
  EXPECT_EQ(Check(std::string(4096, '\0')), FrameCheck::kEnd);
}

TEST(SegmentFrameTest, TruncatedAtEveryCut) {
  std::string frame = MakeFrame(TwoRecords());
  for (size_t n = 1; n < frame.size(); ++n) EXPECT_EQ(Check(frame.substr(0, n)), FrameCheck::kTruncated) << n;
}

TEST(SegmentFrameTest, BadHeaderFields) {
  std::string frame = MakeFrame(TwoRecords());
  EXPECT_EQ(Check(WithField<uint32_t>(frame, 0, kFrameHeaderBytes - 1)), FrameCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint16_t>(frame, 28, kFrameVersion + 1)), FrameCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint16_t>(frame, 30, 1)), FrameCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint32_t>(frame, 24, 0)), FrameCheck::kBadHeader);
  // More records than the payload has room for headers.
  uint32_t too_many = static_cast<uint32_t>((frame.size() - kFrameHeaderBytes) / kRecordHeaderBytes + 1);
  EXPECT_EQ(Check(WithField<uint32_t>(frame, 24, too_many)), FrameCheck::kBadHeader);
}

TEST(SegmentFrameTest, BadHeaderWinsOverTruncation) {
  // A garbage length is reported as garbage, not as a frame still being written.
  std::string frame = MakeFrame(TwoRecords());
  std::string bad = WithField<uint16_t>(frame, 28, 9);
  EXPECT_EQ(Check(bad.substr(0, kFrameHeaderBytes)), FrameCheck::kBadHeader);
}

TEST(SegmentFrameTest, AnyFlippedByteAfterLengthIsCaught) {
  std::string frame = MakeFrame(TwoRecords());
  for (size_t i = 4; i < frame.size(); ++i) {
    std::string bad = frame;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    FrameCheck c = Check(bad);
    EXPECT_TRUE(c == FrameCheck::kBadCrc || c == FrameCheck::kBadHeader) << i << " " << FrameCheckName(c);
  }
  std::string bad = frame;
  bad.back() = static_cast<char>(bad.back() ^ 0x40);  // in the data: only the CRC can tell
  EXPECT_EQ(Check(bad), FrameCheck::kBadCrc);
}

TEST(SegmentFrameTest, BadOffset) {
  std::string frame = MakeFrame(TwoRecords());
  EXPECT_EQ(Check(frame, 101), FrameCheck::kBadOffset);
  EXPECT_EQ(Check(frame, 0), FrameCheck::kBadOffset);
}

TEST(SegmentFrameTest, BadPayload) {
  std::string frame = MakeFrame(TwoRecords());
  EXPECT_EQ(Check(WithField<uint32_t>(frame, 24, 1)), FrameCheck::kBadPayload);  // fewer than stored
  EXPECT_EQ(Check(WithField<uint32_t>(frame, 24, 3)), FrameCheck::kBadPayload);  // more than stored
  // Trailing bytes too short for a record header.
  std::string padded = frame + "xyz";
  EXPECT_EQ(Check(WithField<uint32_t>(padded, 0, static_cast<uint32_t>(padded.size()))), FrameCheck::kBadPayload);
  // A record whose data length runs past the frame.
  EXPECT_EQ(Check(WithField<uint32_t>(frame, kFrameHeaderBytes, 1000)), FrameCheck::kBadPayload);
}

TEST(SegmentFrameTest, CheckNamesAreDistinct) {
  std::set<std::string_view> names;
  for (FrameCheck c : {FrameCheck::kOk, FrameCheck::kEnd, FrameCheck::kTruncated, FrameCheck::kBadHeader,
                       FrameCheck::kBadCrc, FrameCheck::kBadOffset, FrameCheck::kBadPayload}) {
    EXPECT_NE(FrameCheckName(c), "unknown");
    names.insert(FrameCheckName(c));
  }
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(FrameCheckName(static_cast<FrameCheck>(99)), "unknown");
}

TEST(SegmentFileNameTest, FormatsFixedWidth) {
  EXPECT_EQ(SegmentFileName(0), "00000000000000000000.log");
  EXPECT_EQ(IndexFileName(42), "00000000000000000042.idx");
  EXPECT_EQ(SegmentFileName(kMax64), "18446744073709551615.log");
  EXPECT_EQ(StreamDirName(0xabc), "0000000000000abc");
  EXPECT_EQ(StreamDirName(kMax64), "ffffffffffffffff");
  EXPECT_EQ(ShardDirName(7), "000007");
  EXPECT_EQ(ShardDirName(1234567), "1234567");
}

TEST(SegmentFileNameTest, RoundTrips) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{999999}, uint64_t{1} << 40, kMax64}) {
    EXPECT_EQ(ParseSegmentFileName(SegmentFileName(v)), v);
    EXPECT_EQ(ParseIndexFileName(IndexFileName(v)), v);
    EXPECT_EQ(ParseStreamDirName(StreamDirName(v)), v);
  }
  for (uint32_t v : {0u, 7u, 999999u, 1000000u, std::numeric_limits<uint32_t>::max()})
    EXPECT_EQ(ParseShardDirName(ShardDirName(v)), v);
}

TEST(SegmentFileNameTest, RejectsOtherNames) {
  for (std::string_view name : {"", ".log", "0000000000000000001.log", "000000000000000000001.log",
                                "00000000000000000001.idx", "00000000000000000001.log.tmp", "00000000000000000001.LOG",
                                "0000000000000000000a.log", "+0000000000000000001.log", "-0000000000000000001.log",
                                " 0000000000000000001.log", "99999999999999999999.log", "00000000000000000001"})
    EXPECT_EQ(ParseSegmentFileName(name), std::nullopt) << name;
  EXPECT_EQ(ParseIndexFileName("00000000000000000001.log"), std::nullopt);
  for (std::string_view name :
       {"", "abc", "000000000000abc", "00000000000000abc", "000000000000abcg", "-00000000000abc"})
    EXPECT_EQ(ParseStreamDirName(name), std::nullopt) << name;
  for (std::string_view name : {"", "00007", "00000a", "4294967296", "99999999999999999999999", "-00001", " 000001"})
    EXPECT_EQ(ParseShardDirName(name), std::nullopt) << name;
}

SegmentIndex SampleIndex(size_t entries) {
  SegmentIndex idx{.first_offset = 1000,
                   .end_offset = 1000 + 10 * entries,
                   .data_bytes = 4096 * entries,
                   .last_arrival_ms = 1700000000999,
                   .entries = {}};
  for (size_t i = 0; i < entries; ++i)
    idx.entries.push_back({1000 + 10 * i, 4096 * i, 1700000000000 + static_cast<int64_t>(i)});
  return idx;
}

void ExpectSame(const SegmentIndex& a, const SegmentIndex& b) {
  EXPECT_EQ(a.first_offset, b.first_offset);
  EXPECT_EQ(a.end_offset, b.end_offset);
  EXPECT_EQ(a.data_bytes, b.data_bytes);
  EXPECT_EQ(a.last_arrival_ms, b.last_arrival_ms);
  ASSERT_EQ(a.entries.size(), b.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    EXPECT_EQ(a.entries[i].offset, b.entries[i].offset);
    EXPECT_EQ(a.entries[i].position, b.entries[i].position);
    EXPECT_EQ(a.entries[i].arrival_ms, b.entries[i].arrival_ms);
  }
}

TEST(SegmentIndexTest, RoundTrips) {
  for (size_t n : {0, 1, 100}) {
    SegmentIndex idx = SampleIndex(n);
    std::string bytes = EncodeIndex(idx);
    EXPECT_EQ(bytes.size(), kIndexHeaderBytes + n * kIndexEntryBytes + 4);
    EXPECT_EQ(bytes.substr(0, 4), "SIX1");
    auto back = DecodeIndex(bytes);
    ASSERT_TRUE(back.has_value()) << n;
    ExpectSame(*back, idx);
  }
}

TEST(SegmentIndexTest, RejectsShortOrLongInput) {
  std::string bytes = EncodeIndex(SampleIndex(3));
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_EQ(DecodeIndex(bytes.substr(0, n)), std::nullopt) << n;
  EXPECT_EQ(DecodeIndex(bytes + '\0'), std::nullopt);
}

TEST(SegmentIndexTest, RejectsAnyCorruptByte) {
  std::string bytes = EncodeIndex(SampleIndex(3));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    EXPECT_EQ(DecodeIndex(bad), std::nullopt) << i;
  }
}

// Changes a field and recomputes the trailing CRC, so only the field's meaning is wrong.
template <typename T>
std::string ResealedIndex(std::string bytes, size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof value);
  uint32_t crc = crc32c::Mask(crc32c::Value(bytes.data(), bytes.size() - 4));
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  return bytes;
}

TEST(SegmentIndexTest, RejectsWellSealedNonsense) {
  std::string bytes = EncodeIndex(SampleIndex(2));
  ASSERT_TRUE(DecodeIndex(ResealedIndex<uint64_t>(bytes, 24, 5)).has_value());  // the helper works
  EXPECT_EQ(DecodeIndex(ResealedIndex<uint32_t>(bytes, 0, 0x12345678)), std::nullopt);
  EXPECT_EQ(DecodeIndex(ResealedIndex<uint16_t>(bytes, 4, kIndexVersion + 1)), std::nullopt);
  EXPECT_EQ(DecodeIndex(ResealedIndex<uint64_t>(bytes, 16, 999)), std::nullopt);  // end < first
  EXPECT_EQ(DecodeIndex(ResealedIndex<uint32_t>(bytes, 40, 3)), std::nullopt);    // count vs size
  EXPECT_EQ(DecodeIndex(ResealedIndex<uint32_t>(bytes, 40, 0xffffffff)), std::nullopt);
}

}  // namespace
}  // namespace sluice::storage::segment
