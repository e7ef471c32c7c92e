#include "tools/log_layout.h"

#include <algorithm>
#include <utility>

#include "storage/segment_format.h"

namespace sluice::tools {
namespace seg = storage::segment;
namespace {

// Entries whose names parse as keys, in key order; other names are not the log's.
template <typename Key>
Result<std::vector<std::pair<Key, std::string>>> SortedEntries(const FileSystem& fs, const std::string& dir,
                                                               std::optional<Key> (*parse)(std::string_view)) {
  SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs.ListDir(dir));
  std::vector<std::pair<Key, std::string>> out;
  for (const std::string& name : names) {
    if (auto key = parse(name)) out.emplace_back(*key, name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string path;
  path.reserve(dir.size() + 1 + name.size());
  path.append(dir).append(1, '/').append(name);
  return path;
}

Result<ShardFiles> ListShard(const FileSystem& fs, uint64_t uid, uint32_t index, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(seg::ShardDirFiles files, seg::ListSegmentFiles(fs, path));
  return ShardFiles{uid, index, path, std::move(files.segments), std::move(files.orphan_indexes)};
}

}  // namespace

Result<std::vector<ShardFiles>> ListShards(const FileSystem& fs, const std::string& data_dir,
                                           std::optional<uint64_t> stream_uid, std::optional<uint32_t> shard_index) {
  const std::string root = JoinPath(data_dir, "shards");
  auto streams = SortedEntries(fs, root, seg::ParseStreamDirName);
  if (!streams.ok()) return Status(Errc::kNotFound, std::string(root).append(": ").append(streams.status().message()));
  std::vector<ShardFiles> out;
  bool stream_seen = false;
  for (const auto& [uid, stream_name] : *streams) {
    if (stream_uid && uid != *stream_uid) continue;
    stream_seen = true;
    const std::string stream_path = JoinPath(root, stream_name);
    SLUICE_ASSIGN_OR_RETURN(const auto shards, SortedEntries(fs, stream_path, seg::ParseShardDirName));
    for (const auto& [index, shard_name] : shards) {
      if (shard_index && index != *shard_index) continue;
      SLUICE_ASSIGN_OR_RETURN(ShardFiles shard, ListShard(fs, uid, index, JoinPath(stream_path, shard_name)));
      out.push_back(std::move(shard));
    }
  }
  if (stream_uid && !stream_seen) {
    return Status(Errc::kNotFound,
                  JoinPath(root, seg::StreamDirName(*stream_uid)).append(": no such stream directory"));
  }
  if (shard_index && out.empty()) {
    return Status(Errc::kNotFound, "no directory for shard " + seg::ShardDirName(*shard_index));
  }
  return out;
}

bool ForEachShard(const FileSystem& fs, const LogToolOptions& options, std::string_view command, std::ostream& err,
                  const std::function<Status(const ShardFiles&)>& fn) {
  Result<std::vector<ShardFiles>> shards = ListShards(fs, options.data_dir, options.stream_uid, options.shard_index);
  if (!shards.ok()) {
    err << "sluice log " << command << ": " << shards.status().message() << '\n';
    return false;
  }
  for (const ShardFiles& shard : *shards) {
    Status st = fn(shard);
    if (!st.ok()) {
      err << "sluice log " << command << ": " << shard.path << ": " << st.ToString() << '\n';
      return false;
    }
  }
  return true;
}

}  // namespace sluice::tools
