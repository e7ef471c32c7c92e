#include "storage/manifest.h"

#include <algorithm>

#include "base/crc32c.h"
#include "storage/chunked_reader.h"
#include "storage/little_endian.h"

namespace sluice::storage::manifest {
namespace {

constexpr uint16_t kKindSnapshot = 1;
constexpr uint16_t kKindDelta = 2;
constexpr size_t kRecordHeaderBytes = 32;
constexpr size_t kShardEntryBytes = 64;
constexpr size_t kIndexEntryBytes = 24;

std::string PathOf(const std::string& dir, uint64_t number) { return dir + "/" + FileName(number); }

// Manifest file numbers in `dir`, ascending; empty when the directory does not exist.
Result<std::vector<uint64_t>> ListManifests(const FileSystem& fs, const std::string& dir) {
  Result<std::vector<std::string>> names = fs.ListDir(dir);
  if (!names.ok()) {
    if (names.status().code() == Errc::kNotFound) return std::vector<uint64_t>();
    return names.status();
  }
  std::vector<uint64_t> numbers;
  for (const std::string& name : *names) {
    if (auto n = ParseFileName(name)) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

}  // namespace

std::string EncodeRecord(const Record& r) {
  size_t length = kRecordHeaderBytes;
  for (const ShardDelta& d : r.shards) length += kShardEntryBytes + d.state.index.size() * kIndexEntryBytes;
  std::string out(length, '\0');
  char* p = out.data();
  PutFixed<uint32_t>(p, static_cast<uint32_t>(length));
  PutFixed<uint16_t>(p + 8, r.snapshot ? kKindSnapshot : kKindDelta);
  PutFixed<uint16_t>(p + 10, kVersion);
  PutFixed<uint32_t>(p + 12, static_cast<uint32_t>(r.shards.size()));
  PutFixed<uint64_t>(p + 16, r.replay_from.file_number);
  PutFixed<uint64_t>(p + 24, r.replay_from.position);
  p += kRecordHeaderBytes;
  for (const ShardDelta& d : r.shards) {
    const ShardState& s = d.state;
    PutFixed<uint64_t>(p, s.stream_uid);
    PutFixed<uint32_t>(p + 8, s.shard_index);
    PutFixed<uint32_t>(p + 12, 0);
    PutFixed<uint64_t>(p + 16, s.segment_first_offset);
    PutFixed<uint64_t>(p + 24, s.data_bytes);
    PutFixed<uint64_t>(p + 32, s.end_offset);
    PutFixed<int64_t>(p + 40, s.first_arrival_ms);
    PutFixed<int64_t>(p + 48, s.last_arrival_ms);
    PutFixed<uint32_t>(p + 56, r.snapshot ? 0 : d.index_base);
    PutFixed<uint32_t>(p + 60, static_cast<uint32_t>(s.index.size()));
    p += kShardEntryBytes;
    for (const segment::IndexEntry& e : s.index) {
      PutFixed<uint64_t>(p, e.offset);
      PutFixed<uint64_t>(p + 8, e.position);
      PutFixed<int64_t>(p + 16, e.arrival_ms);
      p += kIndexEntryBytes;
    }
  }
  PutFixed<uint32_t>(out.data() + 4, crc32c::Mask(crc32c::Value(out.data() + 8, length - 8)));
  return out;
}

std::optional<std::pair<Record, size_t>> DecodeRecord(std::string_view bytes) {
  if (bytes.size() < kRecordHeaderBytes) return std::nullopt;
  const char* p = bytes.data();
  const uint32_t length = GetFixed<uint32_t>(p);
  if (length < kRecordHeaderBytes || length > bytes.size()) return std::nullopt;
  if (crc32c::Unmask(GetFixed<uint32_t>(p + 4)) != crc32c::Value(p + 8, length - 8)) return std::nullopt;
  const uint16_t kind = GetFixed<uint16_t>(p + 8);
  if ((kind != kKindSnapshot && kind != kKindDelta) || GetFixed<uint16_t>(p + 10) != kVersion) return std::nullopt;
  Record r;
  r.snapshot = kind == kKindSnapshot;
  const uint32_t count = GetFixed<uint32_t>(p + 12);
  r.replay_from = {GetFixed<uint64_t>(p + 16), GetFixed<uint64_t>(p + 24)};
  size_t at = kRecordHeaderBytes;
  for (uint32_t i = 0; i < count; ++i) {
    if (length - at < kShardEntryBytes) return std::nullopt;
    const char* e = p + at;
    ShardDelta d;
    ShardState& s = d.state;
    s.stream_uid = GetFixed<uint64_t>(e);
    s.shard_index = GetFixed<uint32_t>(e + 8);
    if (GetFixed<uint32_t>(e + 12) != 0) return std::nullopt;
    s.segment_first_offset = GetFixed<uint64_t>(e + 16);
    s.data_bytes = GetFixed<uint64_t>(e + 24);
    s.end_offset = GetFixed<uint64_t>(e + 32);
    s.first_arrival_ms = GetFixed<int64_t>(e + 40);
    s.last_arrival_ms = GetFixed<int64_t>(e + 48);
    d.index_base = GetFixed<uint32_t>(e + 56);
    const uint32_t entries = GetFixed<uint32_t>(e + 60);
    at += kShardEntryBytes;
    if ((length - at) / kIndexEntryBytes < entries) return std::nullopt;
    if (s.end_offset < s.segment_first_offset || (r.snapshot && d.index_base != 0)) return std::nullopt;
    s.index.resize(entries);
    for (segment::IndexEntry& ie : s.index) {
      const char* q = p + at;
      ie = {GetFixed<uint64_t>(q), GetFixed<uint64_t>(q + 8), GetFixed<int64_t>(q + 16)};
      at += kIndexEntryBytes;
    }
    r.shards.push_back(std::move(d));
  }
  if (at != length) return std::nullopt;
  return std::make_pair(std::move(r), size_t{length});
}

void Apply(const Record& r, Manifest* m) {
  if (r.snapshot) m->shards.clear();
  m->replay_from = r.replay_from;
  for (const ShardDelta& d : r.shards) {
    const ShardKey key{d.state.stream_uid, d.state.shard_index};
    std::vector<segment::IndexEntry> index;
    if (auto it = m->shards.find(key);
        it != m->shards.end() && d.index_base > 0 && it->second.segment_first_offset == d.state.segment_first_offset) {
      // The kept prefix can be no longer than what is known (a writer never claims more).
      std::vector<segment::IndexEntry>& old = it->second.index;
      index.assign(old.begin(), old.begin() + std::min<size_t>(d.index_base, old.size()));
    }
    index.insert(index.end(), d.state.index.begin(), d.state.index.end());
    ShardState& s = m->shards[key];
    s = d.state;
    s.index = std::move(index);
  }
}

std::string FileName(uint64_t number) { return segment::NumberedFileName(kFilePrefix, number, ""); }

std::optional<uint64_t> ParseFileName(std::string_view name) {
  return segment::ParseNumberedFileName(name, kFilePrefix, "");
}

Result<std::optional<ReadResult>> ReadManifest(const FileSystem& fs, const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(const std::vector<uint64_t> numbers, ListManifests(fs, dir));
  // Newest first: a file whose snapshot is torn was being started when the writer stopped, and
  // its predecessor is only deleted once that snapshot is durable.
  for (auto n = numbers.rbegin(); n != numbers.rend(); ++n) {
    SLUICE_ASSIGN_OR_RETURN(const std::string bytes, ReadWholeFile(fs, PathOf(dir, *n)));
    auto first = DecodeRecord(bytes);
    if (!first || !first->first.snapshot) continue;
    ReadResult r;
    r.file_number = *n;
    size_t at = 0;
    for (auto rec = std::move(first); rec; rec = DecodeRecord(std::string_view(bytes).substr(at))) {
      Apply(rec->first, &r.manifest);
      ++r.records;
      at += rec->second;
    }
    r.valid_bytes = at;
    r.torn_tail = at < bytes.size();
    return std::optional<ReadResult>(std::move(r));
  }
  return std::optional<ReadResult>();
}

Result<std::unique_ptr<ManifestWriter>> ManifestWriter::Create(FileSystem* fs, std::string dir, const Manifest& current,
                                                               uint64_t previous_number, uint64_t max_file_bytes) {
  // Never below a number already in the directory: a leftover newer file (one whose snapshot
  // was torn) must not outrank the one started here.
  SLUICE_ASSIGN_OR_RETURN(const std::vector<uint64_t> numbers, ListManifests(*fs, dir));
  uint64_t number = previous_number;
  if (!numbers.empty()) number = std::max(number, numbers.back());
  std::unique_ptr<ManifestWriter> w(new ManifestWriter(fs, std::move(dir), max_file_bytes));
  SLUICE_RETURN_IF_ERROR(w->StartFile(current, number + 1));
  return w;
}

Status ManifestWriter::Append(const Record& delta, const Manifest& current) {
  const std::string bytes = EncodeRecord(delta);
  // A snapshot larger than the limit would otherwise be rewritten on every append: let the file
  // grow to twice its snapshot first.
  const uint64_t limit = std::max(max_file_bytes_, 2 * snapshot_bytes_);
  if (size_ + bytes.size() > limit) return StartFile(current, number_ + 1);
  SLUICE_RETURN_IF_ERROR(file_->WriteAt(size_, bytes.data(), bytes.size()));
  SLUICE_RETURN_IF_ERROR(file_->Sync());
  size_ += bytes.size();
  return Status::Ok();
}

Status ManifestWriter::StartFile(const Manifest& current, uint64_t number) {
  Record snapshot{.snapshot = true, .replay_from = current.replay_from, .shards = {}};
  snapshot.shards.reserve(current.shards.size());
  for (const auto& [key, state] : current.shards) snapshot.shards.push_back({state, 0});
  const std::string bytes = EncodeRecord(snapshot);
  FileOptions options;
  options.create = true;
  options.writable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_->Open(PathOf(dir_, number), options));
  SLUICE_RETURN_IF_ERROR(file->Truncate(0));  // a leftover of an earlier attempt at this number
  SLUICE_RETURN_IF_ERROR(file->WriteAt(0, bytes.data(), bytes.size()));
  SLUICE_RETURN_IF_ERROR(file->Sync());
  SLUICE_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  file_ = std::move(file);
  number_ = number;
  size_ = bytes.size();
  snapshot_bytes_ = bytes.size();
  // The new file is durable and newest: older ones can go. Their removal need not be durable
  // (a reader prefers the newest intact file).
  SLUICE_ASSIGN_OR_RETURN(const std::vector<uint64_t> numbers, ListManifests(*fs_, dir_));
  for (uint64_t n : numbers) {
    if (n < number) SLUICE_RETURN_IF_ERROR(fs_->RemoveFile(PathOf(dir_, n)));
  }
  return Status::Ok();
}

}  // namespace sluice::storage::manifest
