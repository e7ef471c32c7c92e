#pragma once
// The files of one shard directory (layout in segment_format.h) as recovery and the log tool
// both see them: segments in offset order paired with their index files, and what does not
// belong. Written once so that the two cannot disagree about which files make up a log.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/segment_format.h"

namespace sluice::storage::segment {

struct SegmentFiles {
  uint64_t first_offset = 0;
  std::string log_path;
  std::string idx_path;  // empty when the segment has no index file
};

struct ShardDirFiles {
  std::vector<SegmentFiles> segments;       // by first offset
  std::vector<std::string> orphan_indexes;  // .idx files without their .log
  std::vector<std::string> temp_files;      // "*.tmp": an index being written when the writer stopped
};

// Lists `dir` (an error if it cannot be listed); names that are not the log's are left out.
Result<ShardDirFiles> ListSegmentFiles(const FileSystem& fs, const std::string& dir);

// The index of a sealed segment when recovery may trust it instead of scanning the segment:
// intact (DecodeIndex), naming the segment (first_offset), covering exactly the file's bytes
// (data_bytes == file_size: the file was cut to its data at seal) and not empty.
std::optional<SegmentIndex> TrustedIndex(std::string_view index_bytes, uint64_t first_offset, uint64_t file_size);

}  // namespace sluice::storage::segment
