// The shared readers: chunked reads, the frame reader and its one end rule, the read path's
// cursor over it, and the listing of a shard directory.
#include "storage/frame_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/fault_injecting_file_system.h"
#include "storage/chunked_reader.h"
#include "storage/record_batch.h"
#include "storage/segment_cursor.h"
#include "storage/segment_files.h"

namespace sluice::storage::segment {
namespace {

std::string Frame(uint64_t first_offset, uint32_t count, size_t data_bytes = 20) {
  RecordBatchBuilder batch;
  for (uint32_t i = 0; i < count; ++i) batch.AddRecord("k", std::string(data_bytes, static_cast<char>('a' + i)));
  std::string frame(kFrameHeaderBytes, '\0');
  frame += batch.bytes();
  FrameHeader h{.length = static_cast<uint32_t>(frame.size()),
                .first_offset = first_offset,
                .arrival_ms = 500 + static_cast<int64_t>(first_offset),
                .record_count = batch.count()};
  EncodeFrameHeader(h, frame.data());
  SealFrame(frame.data(), h.length);
  return frame;
}

class ReaderTest : public ::testing::Test {
 protected:
  std::unique_ptr<File> Put(const std::string& bytes) {
    EXPECT_TRUE(fs_.WriteFileForTest("/f", bytes).ok());
    auto f = fs_.Open("/f", FileOptions{});
    EXPECT_TRUE(f.ok());
    return std::move(*f);
  }
  // Frames of 1..3 records from offset 10; positions in `pos`.
  std::string Frames(int n, std::vector<uint64_t>* pos = nullptr) {
    std::string bytes;
    uint64_t offset = 10;
    for (int i = 0; i < n; ++i) {
      if (pos) pos->push_back(bytes.size());
      uint32_t count = 1 + i % 3;
      bytes += Frame(offset, count, 10 + 7 * i);
      offset += count;
    }
    return bytes;
  }
  ScanResult Scan(const std::string& bytes) {
    auto f = Put(bytes);
    auto r = ScanSegment(*f, 10, nullptr);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ScanResult{};
  }

  FaultInjectingFileSystem fs_;
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + i / 251);
  return s;
}

TEST_F(ReaderTest, ChunkedReadsKeepBufferedBytesAndStopAtTheLimit) {
  const std::string data = Pattern(1000);
  auto f = Put(data);
  ChunkedReader r(f.get(), 900, /*chunk_bytes=*/100);
  auto v = r.Read(0, 10);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, data.substr(0, 100));  // a whole chunk
  EXPECT_EQ(r.bytes_read(), 100u);
  v = r.Read(50, 20);  // already buffered: no read
  EXPECT_EQ(*v, data.substr(50, 50));
  EXPECT_EQ(r.bytes_read(), 100u);
  v = r.Read(50, 130);  // keeps the 50 buffered bytes, reads the other 80
  EXPECT_EQ(*v, data.substr(50, 130));
  EXPECT_EQ(r.bytes_read(), 180u);
  v = r.Read(850, 500);  // clipped to the limit
  EXPECT_EQ(*v, data.substr(850, 50));
  v = r.Read(900, 10);
  EXPECT_TRUE(v->empty());
  // A limit past the end of the file: the view is shorter, not an error.
  ChunkedReader past(f.get(), 5000, 64);
  v = past.Read(990, 100);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, data.substr(990));
}

TEST_F(ReaderTest, DirectReadsAndAdoptedBytes) {
  const std::string data = Pattern(3 * 4096 + 100);
  auto f = Put(data);
  ReadBuffer buf;
  ChunkedReader direct(f.get(), data.size(), 64, &buf, /*direct_min_bytes=*/64);
  auto v = direct.Read(5000, 200);  // unaligned position: whole blocks are read around it
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_GE(v->size(), 200u);
  EXPECT_EQ(*v, data.substr(5000, v->size()));

  ReadBuffer ahead;
  ahead.Reserve(4096, 0);
  std::memcpy(ahead.data(), data.data() + 4096, 4096);
  ChunkedReader adopted(f.get(), data.size(), 64, &ahead);
  adopted.Adopt(4096, 4096);
  v = adopted.Read(4100, 1000);
  EXPECT_EQ(*v, data.substr(4100, 4092));
  EXPECT_EQ(adopted.bytes_read(), 0u);
}

TEST_F(ReaderTest, ReadWholeFile) {
  Put(Pattern(12345));
  auto bytes = ReadWholeFile(fs_, "/f");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, Pattern(12345));
  EXPECT_FALSE(ReadWholeFile(fs_, "/missing").ok());
}

// The one rule, case by case: where the log ends and why.
TEST_F(ReaderTest, WhereASegmentsLogEnds) {
  std::vector<uint64_t> pos;
  const std::string frames = Frames(4, &pos);
  ScanResult r = Scan(frames);
  EXPECT_EQ(r.stop, FrameCheck::kEnd);
  EXPECT_EQ(r.end_position, frames.size());
  EXPECT_EQ(r.next_offset, 10u + 1 + 2 + 3 + 1);
  EXPECT_EQ(r.frames, 4u);
  EXPECT_EQ(r.first_arrival_ms, 510);

  r = Scan(frames + std::string(3, '\0'));  // too few zero bytes for a frame: a clean end
  EXPECT_EQ(r.stop, FrameCheck::kEnd);
  r = Scan(frames + std::string("\x01\x00", 2));  // non-zero bytes too short for a frame
  EXPECT_EQ(r.stop, FrameCheck::kTruncated);
  EXPECT_EQ(r.end_position, frames.size());

  std::string torn = frames;
  torn[pos[2] + kFrameHeaderBytes + 1] ^= 1;
  r = Scan(torn);
  EXPECT_EQ(r.stop, FrameCheck::kBadCrc);
  EXPECT_EQ(r.end_position, pos[2]);
  EXPECT_EQ(r.frames, 2u);

  r = Scan(frames.substr(0, frames.size() - 1));
  EXPECT_EQ(r.stop, FrameCheck::kTruncated);
  EXPECT_EQ(r.end_position, pos[3]);

  std::string zeroed = frames;
  zeroed.replace(pos[1], 4, 4, '\0');  // a zero length: the end marker, whatever follows
  r = Scan(zeroed);
  EXPECT_EQ(r.stop, FrameCheck::kEnd);
  EXPECT_EQ(r.end_position, pos[1]);

  r = Scan(Frame(11, 1));  // the segment's name says 10
  EXPECT_EQ(r.stop, FrameCheck::kBadOffset);
  EXPECT_EQ(r.end_position, 0u);
}

// A walk that steps over damage still reports the rule's end, the same as ScanSegment's.
TEST_F(ReaderTest, WalkingPastDamageKeepsTheSameLogEnd) {
  std::vector<uint64_t> pos;
  std::string bytes = Frames(5, &pos);
  const uint64_t frames_end = bytes.size();
  bytes[pos[1] + kFrameHeaderBytes] ^= 1;
  bytes += std::string(100, '\0') + "x";
  auto f = Put(bytes);
  const ScanResult scan = *ScanSegment(*f, 10, nullptr);
  for (size_t chunk : {1, 33, 4096}) {
    FrameReader reader(f.get(), 0, bytes.size(), chunk);
    std::vector<FrameCheck> seen;
    auto end = WalkSegment(reader, 10, {.step_over_damage = true, .find_stale = true},
                           [&](const ScannedFrame& fr, std::optional<uint64_t>) {
                             seen.push_back(fr.check);
                             return true;
                           });
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(seen.size(), 5u) << chunk;
    EXPECT_EQ(seen[1], FrameCheck::kBadCrc);
    EXPECT_EQ(end->log.end_position, scan.end_position);
    EXPECT_EQ(end->log.next_offset, scan.next_offset);
    EXPECT_EQ(end->log.stop, FrameCheck::kBadCrc);
    EXPECT_EQ(end->data_end, frames_end);
    ASSERT_TRUE(end->stale);
    EXPECT_EQ(end->stale->first, bytes.size() - 1);
  }
}

TEST_F(ReaderTest, FrameCursorReadsUpToTheCommittedEnd) {
  std::vector<uint64_t> pos;
  std::string bytes = Frames(3, &pos);
  const uint64_t committed = bytes.size();
  bytes += Frame(16, 1);  // past the committed end: never read
  auto f = Put(bytes);
  ReadBuffer buf;
  FrameCursor cur(f.get(), pos[1], 11, committed, 16, &buf);
  FrameHeader h;
  const char* frame = nullptr;
  EXPECT_EQ(*cur.Next(&h, &frame), FrameCheck::kOk);
  EXPECT_EQ(h.first_offset, 11u);
  EXPECT_EQ(cur.frame_position(), pos[1]);
  EXPECT_EQ(std::string(frame, h.length), bytes.substr(pos[1], h.length));
  EXPECT_EQ(*cur.Next(&h, &frame), FrameCheck::kOk);
  EXPECT_EQ(cur.offset(), 16u);
  EXPECT_EQ(*cur.Next(&h, &frame), FrameCheck::kEnd);
  EXPECT_EQ(cur.position(), committed);

  // Zeros before the committed end are damage, not an end.
  std::string zeroed = bytes;
  zeroed.replace(pos[2], 4, 4, '\0');
  auto z = Put(zeroed);
  FrameCursor zc(z.get(), pos[2], 13, committed, 4096, &buf);
  EXPECT_EQ(*zc.Next(&h, &frame), FrameCheck::kTruncated);
  EXPECT_EQ(zc.frame_position(), pos[2]);
}

TEST_F(ReaderTest, ShardDirectoryListingPairsSegmentsWithIndexes) {
  ASSERT_TRUE(fs_.CreateDirs("/s").ok());
  for (const char* name : {"00000000000000000000.log", "00000000000000000000.idx", "00000000000000000010.log",
                           "00000000000000000005.idx", "00000000000000000010.idx.tmp", "notes.txt", "7.log"}) {
    ASSERT_TRUE(fs_.WriteFileForTest(std::string("/s/") + name, "").ok());
  }
  auto l = ListSegmentFiles(fs_, "/s");
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->segments.size(), 2u);
  EXPECT_EQ(l->segments[0].first_offset, 0u);
  EXPECT_EQ(l->segments[0].log_path, "/s/00000000000000000000.log");
  EXPECT_EQ(l->segments[0].idx_path, "/s/00000000000000000000.idx");
  EXPECT_EQ(l->segments[1].first_offset, 10u);
  EXPECT_EQ(l->segments[1].idx_path, "");
  EXPECT_EQ(l->orphan_indexes, std::vector<std::string>{"/s/00000000000000000005.idx"});
  EXPECT_EQ(l->temp_files, std::vector<std::string>{"/s/00000000000000000010.idx.tmp"});
  EXPECT_FALSE(ListSegmentFiles(fs_, "/nowhere").ok());
}

TEST_F(ReaderTest, TrustedIndex) {
  SegmentIndex idx{.first_offset = 10, .end_offset = 20, .data_bytes = 500, .last_arrival_ms = 7, .entries = {}};
  idx.entries.push_back({10, 0, 5});
  const std::string bytes = EncodeIndex(idx);
  EXPECT_TRUE(TrustedIndex(bytes, 10, 500));
  EXPECT_FALSE(TrustedIndex(bytes, 11, 500));   // another segment's
  EXPECT_FALSE(TrustedIndex(bytes, 10, 4096));  // the file was not cut to its data
  EXPECT_FALSE(TrustedIndex(bytes.substr(1), 10, 500));
  idx.entries.clear();
  EXPECT_FALSE(TrustedIndex(EncodeIndex(idx), 10, 500));  // no entries
}

}  // namespace
}  // namespace sluice::storage::segment
