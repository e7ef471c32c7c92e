#include "storage/segment_format.h"

#include <charconv>
#include <cstdio>

#include "base/crc32c.h"
#include "storage/little_endian.h"
#include "storage/record_batch.h"

namespace sluice::storage::segment {
namespace {

std::optional<uint64_t> ParseDigits(std::string_view s, size_t digits, int base) {
  if (s.size() != digits) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

void EncodeFrameHeader(const FrameHeader& h, char* out) {
  PutFixed<uint32_t>(out, h.length);
  PutFixed<uint32_t>(out + 4, 0);
  PutFixed<uint64_t>(out + 8, h.first_offset);
  PutFixed<int64_t>(out + 16, h.arrival_ms);
  PutFixed<uint32_t>(out + 24, h.record_count);
  PutFixed<uint16_t>(out + 28, h.version);
  PutFixed<uint16_t>(out + 30, h.flags);
}

FrameHeader DecodeFrameHeader(const char* in) {
  FrameHeader h;
  h.length = GetFixed<uint32_t>(in);
  h.crc = GetFixed<uint32_t>(in + 4);
  h.first_offset = GetFixed<uint64_t>(in + 8);
  h.arrival_ms = GetFixed<int64_t>(in + 16);
  h.record_count = GetFixed<uint32_t>(in + 24);
  h.version = GetFixed<uint16_t>(in + 28);
  h.flags = GetFixed<uint16_t>(in + 30);
  return h;
}

void SealFrame(char* frame, uint32_t length) {
  PutFixed<uint32_t>(frame + 4, crc32c::Mask(crc32c::Value(frame + 8, length - 8)));
}

std::string_view FrameCheckName(FrameCheck c) {
  switch (c) {
    case FrameCheck::kOk: return "ok";
    case FrameCheck::kEnd: return "end of data";
    case FrameCheck::kTruncated: return "truncated frame";
    case FrameCheck::kBadHeader: return "malformed frame header";
    case FrameCheck::kBadCrc: return "CRC mismatch";
    case FrameCheck::kBadOffset: return "unexpected first offset";
    case FrameCheck::kBadPayload: return "records do not fill the frame";
  }
  return "unknown";
}

FrameCheck CheckFrame(const char* bytes, size_t available, std::optional<uint64_t> expected_offset, FrameHeader* header,
                      bool check_payload) {
  if (available < 4) {
    // A frame may end 1-3 bytes before the end of the zero-filled space.
    for (size_t i = 0; i < available; ++i)
      if (bytes[i] != 0) return FrameCheck::kTruncated;
    return FrameCheck::kEnd;
  }
  uint32_t length = GetFixed<uint32_t>(bytes);
  if (length == 0) return FrameCheck::kEnd;
  if (available < kFrameHeaderBytes) return FrameCheck::kTruncated;
  FrameHeader h = DecodeFrameHeader(bytes);
  if (header) *header = h;
  if (h.length < kFrameHeaderBytes || h.length > kMaxFrameBytes || h.version != kFrameVersion || h.flags != 0 ||
      h.record_count == 0 || uint64_t{h.record_count} * kRecordHeaderBytes > h.length - kFrameHeaderBytes)
    return FrameCheck::kBadHeader;
  if (h.length > available) return FrameCheck::kTruncated;
  if (crc32c::Unmask(h.crc) != crc32c::Value(bytes + 8, h.length - 8)) return FrameCheck::kBadCrc;
  if (expected_offset && h.first_offset != *expected_offset) return FrameCheck::kBadOffset;
  if (!check_payload) return FrameCheck::kOk;
  RecordBatchReader reader({bytes + kFrameHeaderBytes, h.length - kFrameHeaderBytes});
  std::string_view key, data;
  uint32_t n = 0;
  size_t consumed = 0;
  while (reader.Next(&key, &data)) {
    ++n;
    consumed += kRecordHeaderBytes + key.size() + data.size();
  }
  if (n != h.record_count || consumed != h.length - kFrameHeaderBytes) return FrameCheck::kBadPayload;
  return FrameCheck::kOk;
}

std::string NumberedFileName(std::string_view prefix, uint64_t number, std::string_view suffix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(number));
  std::string name(prefix);
  name.append(buf).append(suffix);
  return name;
}

std::optional<uint64_t> ParseNumberedFileName(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (name.size() < prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix))
    return std::nullopt;
  return ParseDigits(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()), kFileNameDigits, 10);
}

std::string SegmentFileName(uint64_t first_offset) { return NumberedFileName("", first_offset, kSegmentSuffix); }
std::string IndexFileName(uint64_t first_offset) { return NumberedFileName("", first_offset, kIndexSuffix); }
std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  return ParseNumberedFileName(name, "", kSegmentSuffix);
}
std::optional<uint64_t> ParseIndexFileName(std::string_view name) {
  return ParseNumberedFileName(name, "", kIndexSuffix);
}

std::string StreamDirName(uint64_t stream_uid) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(stream_uid));
  return buf;
}
std::optional<uint64_t> ParseStreamDirName(std::string_view name) { return ParseDigits(name, 16, 16); }

std::string ShardDirName(uint32_t shard_index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06u", shard_index);
  return buf;
}
std::optional<uint32_t> ParseShardDirName(std::string_view name) {
  if (name.size() < 6) return std::nullopt;
  auto v = ParseDigits(name, name.size(), 10);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::string EncodeIndex(const SegmentIndex& index) {
  std::string out(kIndexHeaderBytes + index.entries.size() * kIndexEntryBytes + 4, '\0');
  char* p = out.data();
  PutFixed<uint32_t>(p, kIndexMagic);
  PutFixed<uint16_t>(p + 4, kIndexVersion);
  PutFixed<uint64_t>(p + 8, index.first_offset);
  PutFixed<uint64_t>(p + 16, index.end_offset);
  PutFixed<uint64_t>(p + 24, index.data_bytes);
  PutFixed<int64_t>(p + 32, index.last_arrival_ms);
  PutFixed<uint32_t>(p + 40, static_cast<uint32_t>(index.entries.size()));
  p += kIndexHeaderBytes;
  for (const IndexEntry& e : index.entries) {
    PutFixed<uint64_t>(p, e.offset);
    PutFixed<uint64_t>(p + 8, e.position);
    PutFixed<int64_t>(p + 16, e.arrival_ms);
    p += kIndexEntryBytes;
  }
  PutFixed<uint32_t>(p, crc32c::Mask(crc32c::Value(out.data(), out.size() - 4)));
  return out;
}

std::optional<SegmentIndex> DecodeIndex(std::string_view bytes) {
  if (bytes.size() < kIndexHeaderBytes + 4) return std::nullopt;
  const char* p = bytes.data();
  if (GetFixed<uint32_t>(p) != kIndexMagic || GetFixed<uint16_t>(p + 4) != kIndexVersion) return std::nullopt;
  uint32_t count = GetFixed<uint32_t>(p + 40);
  if (bytes.size() != kIndexHeaderBytes + uint64_t{count} * kIndexEntryBytes + 4) return std::nullopt;
  if (crc32c::Unmask(GetFixed<uint32_t>(p + bytes.size() - 4)) != crc32c::Value(p, bytes.size() - 4))
    return std::nullopt;
  SegmentIndex idx;
  idx.first_offset = GetFixed<uint64_t>(p + 8);
  idx.end_offset = GetFixed<uint64_t>(p + 16);
  idx.data_bytes = GetFixed<uint64_t>(p + 24);
  idx.last_arrival_ms = GetFixed<int64_t>(p + 32);
  if (idx.end_offset < idx.first_offset) return std::nullopt;
  idx.entries.resize(count);
  const char* e = p + kIndexHeaderBytes;
  for (uint32_t i = 0; i < count; ++i, e += kIndexEntryBytes) {
    idx.entries[i] = {GetFixed<uint64_t>(e), GetFixed<uint64_t>(e + 8), GetFixed<int64_t>(e + 16)};
  }
  return idx;
}

}  // namespace sluice::storage::segment
