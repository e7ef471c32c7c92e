#pragma once
// The store-wide files of the journal layout as the log tool reads them: the manifest
// (storage/manifest.h) and the shared journal (storage/journal_format.h) under
// <data-dir>/shards/journal. Read once per run; verify checks them, dump prints them.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/journal_reader.h"
#include "storage/manifest.h"

namespace sluice::tools {

namespace journal = storage::journal;
namespace manifest = storage::manifest;

// The store directory the server gives its DiskLogStore, and the journal directory in it.
std::string StoreDir(const std::string& data_dir);
std::string JournalDir(const std::string& data_dir);

struct JournalFrame {
  uint64_t first_offset = 0;
  uint32_t record_count = 0;
};

struct StoreState {
  std::string journal_dir;
  bool journal_dir_exists = false;  // false: a data dir written before the journal existed
  std::optional<manifest::ReadResult> manifest;
  std::optional<journal::Position> journal_start;  // nullopt: nothing to read (no journal files)
  journal::End journal_end;
  // Frames of each shard in journal order (every shard, whatever the filters).
  std::map<manifest::ShardKey, std::vector<JournalFrame>> frames;
};

// Reads the manifest, then the journal from the manifest's replay_from (without a manifest, from
// the start of the lowest-numbered journal file), calling on_entry (optional) for each entry.
// on_progress gets the journal bytes read so far, now and then.
Result<StoreState> ReadStoreState(const FileSystem& fs, const std::string& data_dir,
                                  const std::function<Status(const journal::Entry&)>& on_entry,
                                  const std::function<void(uint64_t)>& on_progress);

// "file:position", as the tool prints journal positions.
std::string FormatPosition(const journal::Position& p);

}  // namespace sluice::tools
