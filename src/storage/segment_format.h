#pragma once
// On-disk formats of the durable log (spec: docs/formats/segment.md). Every constant of the
// format lives here; the engine (disk_log_store) and the offline tool (sluice log) share it.
//
// Layout under the data directory:
//   <data-dir>/shards/<stream uid, 16 hex digits>/<shard index, 6 digits>/
//       <first offset, 20 digits>.log   segment: batch frames back to back from position 0 (an
//                                        active segment may have zeros after its data)
//       <first offset, 20 digits>.idx   sparse index of a sealed segment (written at seal)
//
// Batch frame (little-endian, kFrameHeaderBytes header then the payload):
//   u32 length        whole frame including the header; 0 marks the end of the data
//   u32 crc           masked CRC32C of bytes [8, length)
//   u64 first_offset  offset of the first record; the frame's records follow contiguously
//   i64 arrival_ms    one arrival timestamp for every record of the frame
//   u32 record_count  >= 1
//   u16 version       kFrameVersion
//   u16 flags         0
//   payload           record_count records: u32 data_len | u16 key_len | key | data
//
// Index file: kIndexHeaderBytes header, entry_count entries of kIndexEntryBytes, u32 masked
// CRC32C of everything before it.
//   header: u32 magic | u16 version | u16 0 | u64 first_offset | u64 end_offset |
//           u64 data_bytes | i64 last_arrival_ms | u32 entry_count | u32 0
//   entry:  u64 offset (a frame's first offset) | u64 position | i64 arrival_ms
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::storage::segment {

inline constexpr size_t kFrameHeaderBytes = 32;
// Records are at most 10 MiB and a PutRecords body at most 5 MiB of data, so a longer length
// field can only be damage (and must not make a reader allocate it).
inline constexpr uint32_t kMaxFrameBytes = 32u << 20;
inline constexpr uint16_t kFrameVersion = 1;
inline constexpr uint32_t kIndexMagic = 0x31584953;  // "SIX1"
inline constexpr uint16_t kIndexVersion = 1;
inline constexpr size_t kIndexHeaderBytes = 48;
inline constexpr size_t kIndexEntryBytes = 24;
inline constexpr size_t kFileNameDigits = 20;
inline constexpr std::string_view kSegmentSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".idx";

struct FrameHeader {
  uint32_t length = 0;
  uint32_t crc = 0;  // masked
  uint64_t first_offset = 0;
  int64_t arrival_ms = 0;
  uint32_t record_count = 0;
  uint16_t version = kFrameVersion;
  uint16_t flags = 0;
};

struct IndexEntry {
  uint64_t offset = 0;
  uint64_t position = 0;
  int64_t arrival_ms = 0;
};

struct SegmentIndex {
  uint64_t first_offset = 0;
  uint64_t end_offset = 0;  // one past the last record
  uint64_t data_bytes = 0;  // bytes of frames (the sealed file's size)
  int64_t last_arrival_ms = 0;
  std::vector<IndexEntry> entries;
};

// Writes the header fields into out[0, kFrameHeaderBytes) with crc = 0; call SealFrame after
// the payload is in place to compute and store the CRC.
void EncodeFrameHeader(const FrameHeader& h, char* out);
FrameHeader DecodeFrameHeader(const char* in);
// Computes the CRC over frame[8, length) and stores it (masked) at frame[4].
void SealFrame(char* frame, uint32_t length);

enum class FrameCheck {
  kOk,
  kEnd,        // length 0: no frame here
  kTruncated,  // the frame runs past the available bytes
  kBadHeader,  // impossible length, version or count
  kBadCrc,
  kBadOffset,   // first_offset is not the expected one
  kBadPayload,  // records do not tile the payload exactly
};
std::string_view FrameCheckName(FrameCheck c);

// Checks the frame at `bytes` (which holds `available` bytes from the frame start; the frame
// may be longer). expected_offset: the offset the frame must start at, if known.
// check_payload = false skips the walk over the records (kBadPayload is then never returned): for
// readers that walk the records anyway and check the count themselves.
FrameCheck CheckFrame(const char* bytes, size_t available, std::optional<uint64_t> expected_offset, FrameHeader* header,
                      bool check_payload = true);

// "<prefix><number, kFileNameDigits digits><suffix>": every numbered file of the store (segments,
// indexes, journal files, manifests) is named this way, so names sort by number.
std::string NumberedFileName(std::string_view prefix, uint64_t number, std::string_view suffix);
// The number in such a name; nullopt for any other name.
std::optional<uint64_t> ParseNumberedFileName(std::string_view name, std::string_view prefix, std::string_view suffix);

std::string SegmentFileName(uint64_t first_offset);
std::string IndexFileName(uint64_t first_offset);
// Parses "<20 digits>.log" / ".idx"; nullopt for any other name.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);
std::optional<uint64_t> ParseIndexFileName(std::string_view name);
std::string StreamDirName(uint64_t stream_uid);
std::optional<uint64_t> ParseStreamDirName(std::string_view name);
std::string ShardDirName(uint32_t shard_index);
std::optional<uint32_t> ParseShardDirName(std::string_view name);

std::string EncodeIndex(const SegmentIndex& index);
// nullopt if the bytes are not a complete, intact index file.
std::optional<SegmentIndex> DecodeIndex(std::string_view bytes);

}  // namespace sluice::storage::segment
