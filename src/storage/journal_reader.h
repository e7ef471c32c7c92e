#pragma once
// Reads the shared journal (journal_format.h) from a start position to its end: recovery
// replays it, `sluice log verify|dump` check and print it. It applies the journal's one rule
// for where it ends; callers never walk entries themselves.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/journal_format.h"

namespace sluice::storage::journal {

struct Entry {
  Position at;  // where the entry starts
  EntryHeader header;
  segment::FrameHeader frame;    // decoded frame header (kFrame entries)
  std::string_view frame_bytes;  // the whole frame, header included; valid during the callback
};

struct End {
  // Where the journal ends: the next entry would start here (with missing_file, the start of
  // the file that is missing).
  Position end;
  EntryCheck check = EntryCheck::kEnd;                         // why it ended (kEnd: nothing written after it)
  segment::FrameCheck frame_check = segment::FrameCheck::kOk;  // when check is kBadFrame
  bool missing_file = false;  // a kNextFile named a file that does not exist (or whose header is not intact)
  uint64_t files = 0;         // files read
  uint64_t entries = 0;       // kFrame entries delivered
  uint64_t bytes = 0;         // bytes of entries delivered (headers included)
};

// Calls on_entry for every intact kFrame entry from `start` (file start.file_number in `dir`,
// position start.position), following kNextFile entries, until the journal ends. A non-OK
// status from on_entry stops the walk and is returned. I/O errors are errors; a damaged or
// missing file is an end, not an error. Reads in large chunks (4 MiB) so that replaying
// hundreds of megabytes runs at disk speed.
// on_progress (optional) is called with the bytes read so far every 64 MiB.
Result<End> ReadJournal(const FileSystem& fs, const std::string& dir, Position start,
                        const std::function<Status(const Entry&)>& on_entry,
                        const std::function<void(uint64_t)>& on_progress = nullptr);

}  // namespace sluice::storage::journal
