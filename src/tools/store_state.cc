#include "tools/store_state.h"

#include <algorithm>
#include <utility>

namespace sluice::tools {

std::string StoreDir(const std::string& data_dir) { return data_dir + "/shards"; }

std::string JournalDir(const std::string& data_dir) {
  std::string dir = StoreDir(data_dir);
  dir.append(1, '/').append(journal::kDirName);
  return dir;
}

std::string FormatPosition(const journal::Position& p) {
  return std::to_string(p.file_number) + ":" + std::to_string(p.position);
}

Result<StoreState> ReadStoreState(const FileSystem& fs, const std::string& data_dir,
                                  const std::function<Status(const journal::Entry&)>& on_entry,
                                  const std::function<void(uint64_t)>& on_progress) {
  StoreState state;
  state.journal_dir = JournalDir(data_dir);
  Result<std::vector<std::string>> names = fs.ListDir(state.journal_dir);
  if (!names.ok()) {
    if (names.status().code() == Errc::kNotFound) return state;
    return names.status();
  }
  state.journal_dir_exists = true;
  SLUICE_ASSIGN_OR_RETURN(state.manifest, manifest::ReadManifest(fs, state.journal_dir));
  std::optional<uint64_t> lowest;
  for (const std::string& name : *names) {
    if (auto n = journal::ParseFileName(name)) lowest = std::min(lowest.value_or(*n), *n);
  }
  if (state.manifest) {
    state.journal_start = state.manifest->manifest.replay_from;
  } else if (lowest) {
    state.journal_start = journal::Position{*lowest, journal::kFileHeaderBytes};
  }
  if (!state.journal_start) return state;
  SLUICE_ASSIGN_OR_RETURN(state.journal_end, journal::ReadJournal(
                                                 fs, state.journal_dir, *state.journal_start,
                                                 [&](const journal::Entry& e) {
                                                   state.frames[{e.header.stream_uid, e.header.shard_index}].push_back(
                                                       {e.frame.first_offset, e.frame.record_count});
                                                   return on_entry ? on_entry(e) : Status::Ok();
                                                 },
                                                 on_progress));
  return state;
}

}  // namespace sluice::tools
