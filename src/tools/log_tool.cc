// Command-line front of `sluice log`: flag parsing and dispatch.
#include "tools/log_tool.h"

#include <charconv>
#include <string_view>

namespace sluice::tools {
namespace {

constexpr const char* kHelp = R"(Usage: sluice log <verify|dump> --data-dir DIR [flags]

Offline inspection of the durable log's files: segments (docs/formats/segment.md), the
journal (docs/formats/journal.md) and the manifest (docs/formats/manifest.md).

  verify   check every frame's CRC and shape, offset continuity within and across
           segments, each .idx against its segment, and bytes after the end of data;
           the manifest against each shard's active segment, where the journal ends and
           whether it continues each shard; per shard, the offsets recovery keeps.
           One line per problem, then a summary. Exit 0 clean, 1 problems, 2 usage.
  dump     print the manifest (replay_from, each shard's state), the journal's entries
           (file, position, stream, shard, offsets, arrival), and each segment and frame
           (position, length, offsets, arrival, CRC status)

Flags:
  --data-dir DIR      the server's --data-dir (required)
  --stream UIDHEX     only this stream (its directory name under shards/)
  --shard N           only shards with this index
  --records           dump: print each record (offset, key, size, preview)
  --from-offset O     dump: start at offset O (uses the .idx to skip ahead)
  --limit K           dump: at most K frames per shard (K records with --records)
)";

template <typename T>
bool ParseNumber(std::string_view s, int base, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// Fills `o` from flags; returns an error message, empty on success.
std::string ParseFlags(const std::vector<std::string>& args, bool dump, LogToolOptions* o) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      return true;
    };
    const std::string name(flag);
    if (flag == "--records" && dump && !has_value) {
      o->records = true;
      continue;
    }
    bool known = flag == "--data-dir" || flag == "--stream" || flag == "--shard" ||
                 (dump && (flag == "--from-offset" || flag == "--limit"));
    if (!known) return "unknown flag '" + std::string(args[i]) + "'";
    if (!take()) return name + " needs a value";
    if (flag == "--data-dir") {
      o->data_dir = value;
    } else if (flag == "--stream") {
      uint64_t uid;
      if (value.size() > 16 || !ParseNumber(value, 16, &uid)) return "--stream wants the stream's uid in hex";
      o->stream_uid = uid;
    } else if (flag == "--shard") {
      uint32_t shard;
      if (!ParseNumber(value, 10, &shard)) return "--shard wants a shard index";
      o->shard_index = shard;
    } else if (flag == "--from-offset") {
      if (!ParseNumber(value, 10, &o->from_offset)) return "--from-offset wants an offset";
    } else {
      uint64_t limit;
      if (!ParseNumber(value, 10, &limit)) return "--limit wants a count";
      o->limit = limit;
    }
  }
  if (o->data_dir.empty()) return "--data-dir is required";
  return "";
}

}  // namespace

int RunLogCommand(FileSystem* fs, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kHelp;
    return kExitUsage;
  }
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help" || a == "help") {
      out << kHelp;
      return kExitClean;
    }
  }
  const std::string& command = args[0];
  if (command != "verify" && command != "dump") {
    err << "sluice log: unknown subcommand '" << command << "'\n\n" << kHelp;
    return kExitUsage;
  }
  LogToolOptions options;
  std::string error = ParseFlags({args.begin() + 1, args.end()}, command == "dump", &options);
  if (!error.empty()) {
    err << "sluice log " << command << ": " << error << "\n\n" << kHelp;
    return kExitUsage;
  }
  return command == "verify" ? VerifyLog(fs, options, out, err) : DumpLog(fs, options, out, err);
}

}  // namespace sluice::tools
