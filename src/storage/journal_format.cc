#include "storage/journal_format.h"

#include <algorithm>
#include <cstring>

#include "base/crc32c.h"
#include "storage/little_endian.h"

namespace sluice::storage::journal {
namespace {

constexpr size_t kFileHeaderFields = 16;  // magic, version, 0, file number: what the header CRC covers
constexpr size_t kFileHeaderUsed = kFileHeaderFields + 4;
// A kFrame entry's CRC covers the rest of its header and the frame's header.
constexpr size_t kFrameEntryCrcEnd = kEntryHeaderBytes + segment::kFrameHeaderBytes;

uint32_t EntryCrc(const char* entry, size_t end) { return crc32c::Mask(crc32c::Value(entry + 4, end - 4)); }

void EncodeEntryHeader(const EntryHeader& h, char* out) {
  PutFixed<uint32_t>(out, 0);
  PutFixed<uint16_t>(out + 4, static_cast<uint16_t>(h.kind));
  PutFixed<uint16_t>(out + 6, h.flags);
  PutFixed<uint64_t>(out + 8, h.file_number);
  PutFixed<uint64_t>(out + 16, h.stream_uid);
  PutFixed<uint32_t>(out + 24, h.shard_index);
  PutFixed<uint32_t>(out + 28, h.frame_length);
}

bool AllZero(const char* p, size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == 0; });
}

}  // namespace

void EncodeFileHeader(uint64_t file_number, char* out) {
  std::memset(out, 0, kFileHeaderBytes);
  PutFixed<uint32_t>(out, kFileMagic);
  PutFixed<uint16_t>(out + 4, kVersion);
  PutFixed<uint64_t>(out + 8, file_number);
  PutFixed<uint32_t>(out + kFileHeaderFields, crc32c::Mask(crc32c::Value(out, kFileHeaderFields)));
}

std::optional<uint64_t> DecodeFileHeader(const char* in, size_t n) {
  if (n < kFileHeaderUsed) return std::nullopt;
  if (GetFixed<uint32_t>(in) != kFileMagic || GetFixed<uint16_t>(in + 4) != kVersion || GetFixed<uint16_t>(in + 6) != 0)
    return std::nullopt;
  if (crc32c::Unmask(GetFixed<uint32_t>(in + kFileHeaderFields)) != crc32c::Value(in, kFileHeaderFields))
    return std::nullopt;
  return GetFixed<uint64_t>(in + 8);
}

void EncodeFrameEntry(uint64_t file_number, uint64_t stream_uid, uint32_t shard_index, char* entry) {
  EntryHeader h{.kind = EntryKind::kFrame,
                .file_number = file_number,
                .stream_uid = stream_uid,
                .shard_index = shard_index,
                .frame_length = GetFixed<uint32_t>(entry + kEntryHeaderBytes)};
  EncodeEntryHeader(h, entry);
  PutFixed<uint32_t>(entry, EntryCrc(entry, kFrameEntryCrcEnd));
}

void EncodeNextFileEntry(uint64_t file_number, char* out) {
  EncodeEntryHeader({.kind = EntryKind::kNextFile, .file_number = file_number}, out);
  PutFixed<uint32_t>(out, EntryCrc(out, kEntryHeaderBytes));
}

EntryHeader DecodeEntryHeader(const char* in) {
  return {.crc = GetFixed<uint32_t>(in),
          .kind = static_cast<EntryKind>(GetFixed<uint16_t>(in + 4)),
          .flags = GetFixed<uint16_t>(in + 6),
          .file_number = GetFixed<uint64_t>(in + 8),
          .stream_uid = GetFixed<uint64_t>(in + 16),
          .shard_index = GetFixed<uint32_t>(in + 24),
          .frame_length = GetFixed<uint32_t>(in + 28)};
}

std::string_view EntryCheckName(EntryCheck c) {
  switch (c) {
    case EntryCheck::kOk: return "ok";
    case EntryCheck::kEnd: return "end of data";
    case EntryCheck::kTruncated: return "truncated entry";
    case EntryCheck::kBadHeader: return "malformed entry header";
    case EntryCheck::kBadCrc: return "entry CRC mismatch";
    case EntryCheck::kStale: return "stale entry from an earlier use of the file";
    case EntryCheck::kBadFrame: return "damaged frame";
  }
  return "unknown";
}

// The order of the checks decides the reported reason, not whether the entry is taken: the
// kind comes first because it says how many bytes the CRC covers; the file number only after
// the CRC, so that a damaged number reads as damage and not as a recycled file's old entry.
EntryCheck CheckEntry(const char* bytes, size_t available, uint64_t file_number, EntryHeader* header,
                      segment::FrameCheck* frame_check) {
  if (frame_check) *frame_check = segment::FrameCheck::kOk;
  if (AllZero(bytes, std::min(available, kEntryHeaderBytes))) return EntryCheck::kEnd;
  if (available < kEntryHeaderBytes) return EntryCheck::kTruncated;
  EntryHeader h = DecodeEntryHeader(bytes);
  if (header) *header = h;
  size_t crc_end;
  if (h.kind == EntryKind::kNextFile) {
    crc_end = kEntryHeaderBytes;
  } else if (h.kind == EntryKind::kFrame) {
    crc_end = kFrameEntryCrcEnd;
  } else {
    return EntryCheck::kBadHeader;
  }
  if (available < crc_end) return EntryCheck::kTruncated;
  if (EntryCrc(bytes, crc_end) != h.crc) return EntryCheck::kBadCrc;
  if (h.flags != 0) return EntryCheck::kBadHeader;
  if (h.kind == EntryKind::kNextFile) {
    if (h.frame_length != 0 || h.stream_uid != 0 || h.shard_index != 0) return EntryCheck::kBadHeader;
    return h.file_number == file_number ? EntryCheck::kOk : EntryCheck::kStale;
  }
  const char* frame = bytes + kEntryHeaderBytes;
  if (h.frame_length != GetFixed<uint32_t>(frame) || h.frame_length < segment::kFrameHeaderBytes ||
      h.frame_length > segment::kMaxFrameBytes)
    return EntryCheck::kBadHeader;
  if (h.file_number != file_number) return EntryCheck::kStale;
  if (available - kEntryHeaderBytes < h.frame_length) return EntryCheck::kTruncated;
  segment::FrameHeader fh;
  segment::FrameCheck fc = segment::CheckFrame(frame, h.frame_length, std::nullopt, &fh);
  if (fc == segment::FrameCheck::kOk) return EntryCheck::kOk;
  if (frame_check) *frame_check = fc;
  return EntryCheck::kBadFrame;
}

std::string FileName(uint64_t file_number) { return segment::NumberedFileName("", file_number, kFileSuffix); }

std::optional<uint64_t> ParseFileName(std::string_view name) {
  return segment::ParseNumberedFileName(name, "", kFileSuffix);
}

}  // namespace sluice::storage::journal
