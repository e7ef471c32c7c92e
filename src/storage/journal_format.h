#pragma once
// On-disk format of the shared journal (spec: docs/formats/journal.md). Every shard's appends
// go first to one group-committed journal: one sequential write and one fdatasync per commit
// round whatever the number of shards touched. A checkpoint later moves the data into the
// per-shard segment files (segment_format.h), records their durable state in the manifest
// (manifest_format.h) and lets the journal files be recycled.
//
// Layout: <store dir>/journal/<file number, 20 digits>.jnl, files of a fixed capacity, written
// sequentially; numbers increase by one per file. A file is zero-filled when first created and
// recycled (renamed to a new number) once a checkpoint has made everything in it durable, so
// entries left from its previous use must not be taken for data: every entry carries the file
// number it was written under.
//
// File: a kFileHeaderBytes header block, then entries back to back from kFileHeaderBytes.
//   header: u32 magic | u16 version | u16 0 | u64 file_number | u32 masked CRC32C of the 16
//           bytes before it | zeros to kFileHeaderBytes
//   entry header (kEntryHeaderBytes, little-endian):
//     u32 crc           masked CRC32C of entry bytes [4, kEntryHeaderBytes + frame header):
//                       the rest of this header and the frame's header (the frame's own CRC
//                       covers its payload, so the payload is checksummed once)
//     u16 kind          EntryKind
//     u16 flags         0
//     u64 file_number   the number of the file the entry was written to
//     u64 stream_uid
//     u32 shard_index
//     u32 frame_length  kFrame: the frame's length field; kNextFile: 0
//   kFrame: followed by one segment batch frame (segment_format.h) of frame_length bytes.
//   kNextFile: no body; the journal continues at the next file number, position
//     kFileHeaderBytes. For kNextFile the CRC covers [4, kEntryHeaderBytes) only.
//
// Where the journal ends (the one rule, shared by recovery and `sluice log verify`): reading
// from a start position, entries are taken in order; an intact kNextFile moves to the next
// file; the first entry that is not intact (zeros, another file number, bad CRC, bad frame,
// or bytes running past the file) ends the journal. The writer keeps that rule true: it
// writes a file only after the previous one's entries and its kNextFile are synced, and after
// every start it begins a new file (it never appends after a recovered end).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/segment_format.h"

namespace sluice::storage::journal {

inline constexpr uint32_t kFileMagic = 0x314e4a53;  // "SJN1"
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kFileHeaderBytes = 4096;
inline constexpr size_t kEntryHeaderBytes = 32;
inline constexpr std::string_view kDirName = "journal";
inline constexpr std::string_view kFileSuffix = ".jnl";

enum class EntryKind : uint16_t {
  kFrame = 1,
  kNextFile = 2,
};

// A point in the journal: a file and a byte position in it.
struct Position {
  uint64_t file_number = 0;
  uint64_t position = kFileHeaderBytes;
  friend bool operator==(const Position&, const Position&) = default;
  friend auto operator<=>(const Position&, const Position&) = default;
};

struct EntryHeader {
  uint32_t crc = 0;  // masked
  EntryKind kind = EntryKind::kFrame;
  uint16_t flags = 0;
  uint64_t file_number = 0;
  uint64_t stream_uid = 0;
  uint32_t shard_index = 0;
  uint32_t frame_length = 0;
};

// out: kFileHeaderBytes bytes.
void EncodeFileHeader(uint64_t file_number, char* out);
// The file number, or nullopt when the bytes (at least 20) are not an intact header.
std::optional<uint64_t> DecodeFileHeader(const char* in, size_t n);

// `entry` holds kEntryHeaderBytes of room followed by a complete, sealed frame
// (segment::SealFrame done); fills in the entry header before it.
void EncodeFrameEntry(uint64_t file_number, uint64_t stream_uid, uint32_t shard_index, char* entry);
// out: kEntryHeaderBytes bytes.
void EncodeNextFileEntry(uint64_t file_number, char* out);
EntryHeader DecodeEntryHeader(const char* in);

enum class EntryCheck {
  kOk,
  kEnd,        // zeros where a header would be, or no bytes left: nothing was written here
  kTruncated,  // the entry runs past the available bytes
  kBadHeader,  // unknown kind, flags, or a frame_length that the frame contradicts
  kBadCrc,     // the entry header's CRC does not match
  kStale,      // intact but written under another file number (a recycled file's old entry)
  kBadFrame,   // the entry is intact but its frame is not (frame_check says why)
};
std::string_view EntryCheckName(EntryCheck c);

// Checks the entry at `bytes` (`available` bytes from the entry start) of the file numbered
// file_number. For kFrame entries the frame is checked in full (header, CRC, payload) with
// segment::CheckFrame; *frame_check gets its result (kOk unless the entry is kBadFrame).
EntryCheck CheckEntry(const char* bytes, size_t available, uint64_t file_number, EntryHeader* header,
                      segment::FrameCheck* frame_check);

std::string FileName(uint64_t file_number);
std::optional<uint64_t> ParseFileName(std::string_view name);

}  // namespace sluice::storage::journal
