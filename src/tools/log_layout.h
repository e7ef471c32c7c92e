#pragma once
// Finds the shard directories and segment files of a data directory (layout in
// storage/segment_format.h), in the order the log tool walks them. Within a shard directory the
// pairing of segments and index files is storage's (segment_files.h), the one recovery uses.
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/segment_files.h"
#include "tools/log_tool.h"

namespace sluice::tools {

using storage::segment::SegmentFiles;

struct ShardFiles {
  uint64_t stream_uid = 0;
  uint32_t shard_index = 0;
  std::string path;
  std::vector<SegmentFiles> segments;       // by first offset
  std::vector<std::string> orphan_indexes;  // .idx files without their .log
};

// NotFound when <data_dir>/shards is missing, or when a requested stream or shard is.
Result<std::vector<ShardFiles>> ListShards(const FileSystem& fs, const std::string& data_dir,
                                           std::optional<uint64_t> stream_uid, std::optional<uint32_t> shard_index);

// Calls fn for each shard the options select. A listing or I/O error is reported on err as
// "sluice log <command>: ..." and ends the walk; returns false then.
bool ForEachShard(const FileSystem& fs, const LogToolOptions& options, std::string_view command, std::ostream& err,
                  const std::function<Status(const ShardFiles&)>& fn);

}  // namespace sluice::tools
