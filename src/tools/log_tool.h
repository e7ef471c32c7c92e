#pragma once
// `sluice log verify|dump`: offline inspection of the durable log's files: segments
// (docs/formats/segment.md), the journal and the manifest (docs/formats/journal.md,
// manifest.md). Only reads; safe on a live data directory, though the tail of a segment or of
// the journal being written may then look torn.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/file_system.h"

namespace sluice::tools {

inline constexpr int kExitClean = 0;
inline constexpr int kExitProblems = 1;
inline constexpr int kExitUsage = 2;

struct LogToolOptions {
  std::string data_dir;
  std::optional<uint64_t> stream_uid;
  std::optional<uint32_t> shard_index;
  // dump only
  bool records = false;
  uint64_t from_offset = 0;
  std::optional<uint64_t> limit;  // per shard: frames, or records with `records`
  // A progress line on err after each this many bytes read; 0 for none.
  uint64_t progress_every = uint64_t{1} << 30;
};

// Exit code: kExitClean, or kExitProblems when an error was found (warnings alone do not
// count) or the files could not be read.
int VerifyLog(FileSystem* fs, const LogToolOptions& options, std::ostream& out, std::ostream& err);
int DumpLog(FileSystem* fs, const LogToolOptions& options, std::ostream& out, std::ostream& err);

// Parses `args` (what follows `sluice log`) and runs the subcommand; kExitUsage on bad usage.
// `--help` (anywhere) prints the usage text on out; bad usage prints it on err.
int RunLogCommand(FileSystem* fs, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sluice::tools
