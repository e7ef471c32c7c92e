#include "storage/segment_files.h"

#include <map>
#include <utility>

namespace sluice::storage::segment {

Result<ShardDirFiles> ListSegmentFiles(const FileSystem& fs, const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs.ListDir(dir));
  std::map<uint64_t, SegmentFiles> by_offset;
  std::map<uint64_t, std::string> indexes;
  ShardDirFiles out;
  for (const std::string& name : names) {
    std::string path = dir;
    path.append(1, '/').append(name);
    if (auto first = ParseSegmentFileName(name)) {
      by_offset[*first] = {*first, std::move(path), ""};
    } else if (auto idx = ParseIndexFileName(name)) {
      indexes[*idx] = std::move(path);
    } else if (name.ends_with(".tmp")) {
      out.temp_files.push_back(std::move(path));
    }
  }
  for (auto& [first, idx_path] : indexes) {
    auto it = by_offset.find(first);
    if (it == by_offset.end()) {
      out.orphan_indexes.push_back(std::move(idx_path));
    } else {
      it->second.idx_path = std::move(idx_path);
    }
  }
  out.segments.reserve(by_offset.size());
  for (auto& [first, files] : by_offset) out.segments.push_back(std::move(files));
  return out;
}

std::optional<SegmentIndex> TrustedIndex(std::string_view index_bytes, uint64_t first_offset, uint64_t file_size) {
  std::optional<SegmentIndex> idx = DecodeIndex(index_bytes);
  if (!idx || idx->first_offset != first_offset || idx->data_bytes != file_size || idx->entries.empty())
    return std::nullopt;
  return idx;
}

}  // namespace sluice::storage::segment
