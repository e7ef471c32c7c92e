// The journal's format (journal_format.h) and its one end rule as ReadJournal applies it.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/crc32c.h"
#include "base/fault_injecting_file_system.h"
#include "storage/journal_format.h"
#include "storage/journal_reader.h"
#include "storage/record_batch.h"

namespace sluice::storage::journal {
namespace {

constexpr char kDir[] = "/store/journal";

// A sealed frame of `count` records starting at first_offset, each `data_bytes` long.
std::string MakeFrame(uint64_t first_offset, uint32_t count, size_t data_bytes = 10, int64_t arrival_ms = 1000) {
  RecordBatchBuilder batch;
  for (uint32_t i = 0; i < count; ++i) batch.AddRecord("k" + std::to_string(i), std::string(data_bytes, 'a' + i % 26));
  std::string frame(segment::kFrameHeaderBytes, '\0');
  frame += batch.bytes();
  segment::FrameHeader h{.length = static_cast<uint32_t>(frame.size()),
                         .first_offset = first_offset,
                         .arrival_ms = arrival_ms,
                         .record_count = batch.count()};
  segment::EncodeFrameHeader(h, frame.data());
  segment::SealFrame(frame.data(), h.length);
  return frame;
}

std::string FrameEntry(uint64_t file_number, uint64_t uid, uint32_t shard, const std::string& frame) {
  std::string entry(kEntryHeaderBytes, '\0');
  entry += frame;
  EncodeFrameEntry(file_number, uid, shard, entry.data());
  return entry;
}

std::string NextFileEntry(uint64_t file_number) {
  std::string entry(kEntryHeaderBytes, '\0');
  EncodeNextFileEntry(file_number, entry.data());
  return entry;
}

std::string FileHeader(uint64_t file_number) {
  std::string h(kFileHeaderBytes, '\0');
  EncodeFileHeader(file_number, h.data());
  return h;
}

EntryCheck Check(const std::string& bytes, uint64_t file_number, segment::FrameCheck* fc = nullptr) {
  EntryHeader h;
  segment::FrameCheck unused;
  return CheckEntry(bytes.data(), bytes.size(), file_number, &h, fc ? fc : &unused);
}

// Rewrites bytes of an entry and recomputes its CRC, so only the field's meaning is wrong.
template <typename T>
std::string WithField(std::string entry, size_t at, T value) {
  std::memcpy(entry.data() + at, &value, sizeof value);
  size_t crc_end =
      entry.size() == kEntryHeaderBytes ? kEntryHeaderBytes : kEntryHeaderBytes + segment::kFrameHeaderBytes;
  uint32_t crc = crc32c::Mask(crc32c::Value(entry.data() + 4, crc_end - 4));
  std::memcpy(entry.data(), &crc, 4);
  return entry;
}

TEST(JournalFormatTest, FileHeaderRoundTripsAndRejectsDamage) {
  std::string h = FileHeader(42);
  EXPECT_EQ(DecodeFileHeader(h.data(), h.size()), 42u);
  EXPECT_EQ(DecodeFileHeader(h.data(), 20), 42u);
  EXPECT_EQ(DecodeFileHeader(h.data(), 19), std::nullopt);
  for (size_t i = 0; i < 20; ++i) {
    std::string bad = h;
    bad[i] ^= 1;
    EXPECT_EQ(DecodeFileHeader(bad.data(), bad.size()), std::nullopt) << "byte " << i;
  }
  std::string zeros(kFileHeaderBytes, '\0');
  EXPECT_EQ(DecodeFileHeader(zeros.data(), zeros.size()), std::nullopt);
}

TEST(JournalFormatTest, FrameEntryRoundTrips) {
  std::string frame = MakeFrame(7, 3);
  std::string entry = FrameEntry(9, 0xabcdef, 12, frame);
  EntryHeader h;
  segment::FrameCheck fc = segment::FrameCheck::kBadCrc;
  EXPECT_EQ(CheckEntry(entry.data(), entry.size(), 9, &h, &fc), EntryCheck::kOk);
  EXPECT_EQ(fc, segment::FrameCheck::kOk);
  EXPECT_EQ(h.kind, EntryKind::kFrame);
  EXPECT_EQ(h.flags, 0);
  EXPECT_EQ(h.file_number, 9u);
  EXPECT_EQ(h.stream_uid, 0xabcdefu);
  EXPECT_EQ(h.shard_index, 12u);
  EXPECT_EQ(h.frame_length, frame.size());
  EXPECT_EQ(entry.substr(kEntryHeaderBytes), frame);  // the frame is left as it was
  EntryHeader d = DecodeEntryHeader(entry.data());
  EXPECT_EQ(d.crc, h.crc);
  // Bytes after the entry do not matter.
  std::string longer = entry + "garbage";
  EXPECT_EQ(Check(longer, 9), EntryCheck::kOk);
}

TEST(JournalFormatTest, NextFileEntryRoundTrips) {
  std::string entry = NextFileEntry(5);
  EntryHeader h;
  segment::FrameCheck fc;
  EXPECT_EQ(CheckEntry(entry.data(), entry.size(), 5, &h, &fc), EntryCheck::kOk);
  EXPECT_EQ(h.kind, EntryKind::kNextFile);
  EXPECT_EQ(h.file_number, 5u);
  EXPECT_EQ(h.frame_length, 0u);
  EXPECT_EQ(Check(entry, 4), EntryCheck::kStale);
  EXPECT_EQ(Check(entry.substr(0, kEntryHeaderBytes - 1), 5), EntryCheck::kTruncated);
}

TEST(JournalFormatTest, EveryEntryCheck) {
  const std::string entry = FrameEntry(3, 1, 2, MakeFrame(100, 2));
  EXPECT_EQ(Check(entry, 3), EntryCheck::kOk);
  // kEnd: nothing there, or zeros where a header would be.
  EXPECT_EQ(Check("", 3), EntryCheck::kEnd);
  EXPECT_EQ(Check(std::string(kEntryHeaderBytes, '\0'), 3), EntryCheck::kEnd);
  EXPECT_EQ(Check(std::string(5, '\0'), 3), EntryCheck::kEnd);
  EXPECT_EQ(Check(std::string(1000, '\0'), 3), EntryCheck::kEnd);
  // kTruncated: the entry runs past the bytes available, at any cut.
  for (size_t cut = 1; cut < entry.size(); ++cut) {
    EXPECT_EQ(Check(entry.substr(0, cut), 3), EntryCheck::kTruncated) << "cut " << cut;
  }
  // kBadHeader: unknown kind, flags, a frame_length the frame contradicts.
  EXPECT_EQ(Check(WithField<uint16_t>(entry, 4, 7), 3), EntryCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint16_t>(entry, 6, 1), 3), EntryCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint32_t>(entry, 28, entry.size() - kEntryHeaderBytes - 1), 3), EntryCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint16_t>(NextFileEntry(3), 6, 1), 3), EntryCheck::kBadHeader);
  EXPECT_EQ(Check(WithField<uint32_t>(NextFileEntry(3), 28, 64), 3), EntryCheck::kBadHeader);
  // kBadCrc: any byte of the entry header or of the frame header (its CRC field included) changed.
  for (size_t i = 0; i < kEntryHeaderBytes + segment::kFrameHeaderBytes; ++i) {
    if (i == 4 || i == 5) continue;  // the kind: an unknown kind is kBadHeader
    std::string bad = entry;
    bad[i] ^= 0x10;
    EXPECT_EQ(Check(bad, 3), EntryCheck::kBadCrc) << "byte " << i;
  }
  // kStale: intact, written under another number.
  EXPECT_EQ(Check(entry, 4), EntryCheck::kStale);
  EXPECT_EQ(Check(entry, 2), EntryCheck::kStale);
  // kBadFrame: the entry header is intact but the payload is not (the frame's CRC covers it).
  std::string bad_payload = entry;
  bad_payload[entry.size() - 1] ^= 1;
  segment::FrameCheck fc;
  EXPECT_EQ(Check(bad_payload, 3, &fc), EntryCheck::kBadFrame);
  EXPECT_EQ(fc, segment::FrameCheck::kBadCrc);
  for (EntryCheck c : {EntryCheck::kOk, EntryCheck::kEnd, EntryCheck::kTruncated, EntryCheck::kBadHeader,
                       EntryCheck::kBadCrc, EntryCheck::kStale, EntryCheck::kBadFrame}) {
    EXPECT_NE(EntryCheckName(c), "unknown");
  }
}

TEST(JournalFormatTest, FileNames) {
  EXPECT_EQ(FileName(12), "00000000000000000012.jnl");
  EXPECT_EQ(ParseFileName("00000000000000000012.jnl"), 12u);
  EXPECT_EQ(ParseFileName(FileName(UINT64_MAX)), UINT64_MAX);
  EXPECT_EQ(ParseFileName("0000000000000000012.jnl"), std::nullopt);
  EXPECT_EQ(ParseFileName("00000000000000000012.log"), std::nullopt);
  EXPECT_EQ(ParseFileName("00000000000000000012.jnl.tmp"), std::nullopt);
  EXPECT_EQ(ParseFileName("MANIFEST-00000000000000000012"), std::nullopt);
}

// Journal files built in memory, then written to a fake file system.
class JournalReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.CreateDirs(kDir).ok()); }

  std::string& FileBytes(uint64_t n) {
    auto [it, fresh] = files_.try_emplace(n);
    if (fresh) it->second = FileHeader(n);
    return it->second;
  }
  // Appends a frame entry to file n; returns where it starts.
  Position Add(uint64_t n, uint64_t uid, uint32_t shard, const std::string& frame) {
    std::string& f = FileBytes(n);
    Position at{n, f.size()};
    f += FrameEntry(n, uid, shard, frame);
    return at;
  }
  void AddNext(uint64_t n) { FileBytes(n) += NextFileEntry(n); }
  // Writes every file, zero-filled to `capacity` bytes when it is shorter.
  void Write(size_t capacity = 0) {
    for (auto& [n, bytes] : files_) {
      std::string b = bytes;
      if (b.size() < capacity) b.resize(capacity, '\0');
      ASSERT_TRUE(fs_.WriteFileForTest(Path(n), b).ok());
    }
  }
  static std::string Path(uint64_t n) { return std::string(kDir) + "/" + FileName(n); }

  struct Seen {
    Position at;
    uint64_t uid;
    uint32_t shard;
    uint64_t first_offset;
    std::string frame;
  };
  End Read(Position start) {
    seen_.clear();
    auto end = ReadJournal(fs_, kDir, start, [&](const Entry& e) {
      seen_.push_back(
          {e.at, e.header.stream_uid, e.header.shard_index, e.frame.first_offset, std::string(e.frame_bytes)});
      return Status::Ok();
    });
    EXPECT_TRUE(end.ok()) << end.status().ToString();
    return end.ok() ? *end : End{};
  }

  FaultInjectingFileSystem fs_;
  std::map<uint64_t, std::string> files_;
  std::vector<Seen> seen_;
};

TEST_F(JournalReaderTest, ReadsEntriesInOrderAcrossThreeFiles) {
  std::vector<Position> at;
  at.push_back(Add(1, 10, 0, MakeFrame(0, 2)));
  at.push_back(Add(1, 11, 3, MakeFrame(0, 1)));
  AddNext(1);
  at.push_back(Add(2, 10, 0, MakeFrame(2, 4)));
  AddNext(2);
  at.push_back(Add(3, 10, 0, MakeFrame(6, 1)));
  at.push_back(Add(3, 11, 3, MakeFrame(1, 1)));
  Write(64 << 10);
  End end = Read({1, kFileHeaderBytes});
  ASSERT_EQ(seen_.size(), 5u);
  for (size_t i = 0; i < at.size(); ++i) EXPECT_EQ(seen_[i].at, at[i]) << i;
  EXPECT_EQ(seen_[2].uid, 10u);
  EXPECT_EQ(seen_[2].first_offset, 2u);
  EXPECT_EQ(seen_[4].shard, 3u);
  EXPECT_EQ(seen_[4].frame, MakeFrame(1, 1));
  EXPECT_EQ(end.check, EntryCheck::kEnd);
  EXPECT_FALSE(end.missing_file);
  EXPECT_EQ(end.files, 3u);
  EXPECT_EQ(end.entries, 5u);
  EXPECT_EQ(end.end, (Position{3, files_[3].size()}));
  uint64_t bytes = 0;
  for (const Seen& s : seen_) bytes += kEntryHeaderBytes + s.frame.size();
  EXPECT_EQ(end.bytes, bytes);

  // Starting in the middle (a manifest's replay_from) skips what came before.
  end = Read(at[3]);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].at, at[3]);
  EXPECT_EQ(end.files, 1u);
}

TEST_F(JournalReaderTest, AFileEndingWithoutNextFileEndsTheJournal) {
  Add(1, 1, 0, MakeFrame(0, 1));
  Add(2, 1, 0, MakeFrame(1, 1));  // never reached: file 1 has no kNextFile entry
  Write(8192);
  End end = Read({1, kFileHeaderBytes});
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_EQ(end.files, 1u);
  EXPECT_EQ(end.check, EntryCheck::kEnd);
}

TEST_F(JournalReaderTest, StaleEntriesOfARecycledFileAreNotData) {
  // File 1 was written in full, then recycled as file 4: only its first entry was rewritten.
  Add(1, 1, 0, MakeFrame(0, 1));
  Position old_second = Add(1, 1, 0, MakeFrame(1, 1));
  Add(1, 1, 0, MakeFrame(2, 1));
  std::string old = files_[1];
  files_.clear();
  Position fresh = Add(4, 2, 0, MakeFrame(0, 1, 10));
  ASSERT_EQ(files_[4].size(), old_second.position);  // same sizes: the new entry ends where an old one starts
  files_[4] += old.substr(old_second.position);
  Write(16384);
  End end = Read({4, kFileHeaderBytes});
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].at, fresh);
  EXPECT_EQ(end.check, EntryCheck::kStale);
  EXPECT_EQ(end.end, (Position{4, old_second.position}));

  // The recycled file's old header is not taken for the new number either.
  ASSERT_TRUE(fs_.WriteFileForTest(Path(5), old).ok());
  files_.clear();
  Add(4, 2, 0, MakeFrame(0, 1));
  AddNext(4);
  Write();
  end = Read({4, kFileHeaderBytes});
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(end.missing_file);
  EXPECT_EQ(end.end, (Position{5, kFileHeaderBytes}));
}

TEST_F(JournalReaderTest, TornLastEntryAtEveryByteEndsBeforeIt) {
  Add(1, 1, 0, MakeFrame(0, 2));
  const uint64_t last = Add(1, 1, 0, MakeFrame(2, 1, 40)).position;
  const std::string full = files_[1];
  for (size_t cut = last; cut < full.size(); ++cut) {
    for (bool zero_filled : {false, true}) {
      std::string torn = full.substr(0, cut);
      if (zero_filled) torn.resize(full.size() + 4096, '\0');
      ASSERT_TRUE(fs_.WriteFileForTest(Path(1), torn).ok());
      End end = Read({1, kFileHeaderBytes});
      ASSERT_EQ(seen_.size(), 1u) << "cut " << cut;
      EXPECT_EQ(end.end, (Position{1, last})) << "cut " << cut;
      EXPECT_NE(end.check, EntryCheck::kOk);
      if (cut == last) { EXPECT_EQ(end.check, EntryCheck::kEnd); }
    }
  }
  ASSERT_TRUE(fs_.WriteFileForTest(Path(1), full).ok());
  Read({1, kFileHeaderBytes});
  EXPECT_EQ(seen_.size(), 2u);
}

TEST_F(JournalReaderTest, DamagedMiddleEntryEndsTheJournal) {
  Add(1, 1, 0, MakeFrame(0, 1));
  Position middle = Add(1, 1, 0, MakeFrame(1, 1));
  Add(1, 1, 0, MakeFrame(2, 1));
  AddNext(1);
  Add(2, 1, 0, MakeFrame(3, 1));
  Write(16384);
  ASSERT_TRUE(fs_.Corrupt(Path(1), middle.position + kEntryHeaderBytes + segment::kFrameHeaderBytes + 3).ok());
  End end = Read({1, kFileHeaderBytes});
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_EQ(end.end, middle);
  EXPECT_EQ(end.check, EntryCheck::kBadFrame);
  EXPECT_EQ(end.frame_check, segment::FrameCheck::kBadCrc);
  EXPECT_EQ(end.files, 1u);
}

TEST_F(JournalReaderTest, MissingOrForeignNextFileEndsTheJournal) {
  Add(1, 1, 0, MakeFrame(0, 1));
  AddNext(1);
  Write();
  End end = Read({1, kFileHeaderBytes});
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(end.missing_file);
  EXPECT_EQ(end.check, EntryCheck::kEnd);
  EXPECT_EQ(end.end, (Position{2, kFileHeaderBytes}));
  EXPECT_EQ(end.files, 1u);

  // A file 2 whose header is damaged is as good as missing.
  std::string two = FileHeader(2) + FrameEntry(2, 1, 0, MakeFrame(1, 1));
  two[3] ^= 1;
  ASSERT_TRUE(fs_.WriteFileForTest(Path(2), two).ok());
  end = Read({1, kFileHeaderBytes});
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(end.missing_file);

  // So is a start file that is not there.
  end = Read({9, kFileHeaderBytes});
  EXPECT_TRUE(seen_.empty());
  EXPECT_TRUE(end.missing_file);
  EXPECT_EQ(end.files, 0u);
  EXPECT_EQ(end.end, (Position{9, kFileHeaderBytes}));
}

TEST_F(JournalReaderTest, FramesStraddlingChunksAndLargeFramesAreRead) {
  // Entries of ~1 MiB and one larger than a 4 MiB chunk: most straddle the chunk boundaries.
  std::vector<size_t> sizes = {1 << 20, (1 << 20) + 13, 3 << 20, 7, 9 << 20, 1 << 20, 5};
  uint64_t offset = 0;
  for (size_t s : sizes) {
    Add(1, 1, 0, MakeFrame(offset, 1, s));
    ++offset;
  }
  Write();
  uint64_t progress_calls = 0;
  auto end = ReadJournal(
      fs_, kDir, {1, kFileHeaderBytes}, [](const Entry&) { return Status::Ok(); }, [&](uint64_t) { ++progress_calls; });
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->entries, sizes.size());
  EXPECT_EQ(end->end, (Position{1, files_[1].size()}));
  EXPECT_EQ(end->check, EntryCheck::kEnd);
  EXPECT_EQ(progress_calls, 0u);  // under 64 MiB
}

TEST_F(JournalReaderTest, CallbackErrorStopsTheWalk) {
  Add(1, 1, 0, MakeFrame(0, 1));
  Add(1, 1, 0, MakeFrame(1, 1));
  Write();
  int calls = 0;
  auto end = ReadJournal(fs_, kDir, {1, kFileHeaderBytes}, [&](const Entry&) {
    ++calls;
    return Status(Errc::kInternal, "stop");
  });
  EXPECT_EQ(calls, 1);
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.status().message(), "stop");
}

}  // namespace
}  // namespace sluice::storage::journal
