#include "base/fault_injecting_file_system.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <unordered_set>

#include "base/mutex.h"

namespace sluice {
namespace {

struct Node;
using NodePtr = std::shared_ptr<Node>;
using Entries = std::map<std::string, NodePtr, std::less<>>;

// An inode. Directory entries hold shared pointers, so a renamed subtree moves whole and an
// open File keeps its node after the entry is removed, as with POSIX file descriptors.
struct Node {
  explicit Node(bool dir) : is_dir(dir) {}
  bool is_dir;
  std::string current, durable;      // files
  Entries entries, durable_entries;  // directories
};

std::optional<std::vector<std::string>> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = std::min(path.find('/', i), path.size());
    std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part == "..") return std::nullopt;
    if (!part.empty() && part != ".") parts.emplace_back(part);
  }
  return parts;
}

// The node at `parts` in the current tree; nullptr if missing or below a file.
NodePtr Walk(const NodePtr& root, std::span<const std::string> parts) {
  NodePtr n = root;
  for (const std::string& p : parts) {
    if (!n->is_dir) return nullptr;
    auto it = n->entries.find(p);
    if (it == n->entries.end()) return nullptr;
    n = it->second;
  }
  return n;
}

struct Fault {
  std::optional<uint64_t> remaining;  // successful calls left before failing
  Errc code = Errc::kIoError;
  bool Trip() {
    if (!remaining) return false;
    if (*remaining == 0) return true;
    --*remaining;
    return false;
  }
};

// Where a path points: its parent directory (null for the root), last name, and node (null if
// there is no such entry).
struct Located {
  NodePtr parent;
  std::string name;
  NodePtr node;
  std::vector<std::string> parts;
};

}  // namespace

struct FaultInjectingFileSystem::State {
  // Guards the whole tree (every Node reached from root, and the open files' nodes) as well as
  // the members below.
  mutable Mutex mu;
  NodePtr root GUARDED_BY(mu) = std::make_shared<Node>(true);
  uint64_t epoch GUARDED_BY(mu) = 0;  // bumped by a crash; files opened in an older epoch are dead
  Fault write_fault GUARDED_BY(mu), sync_fault GUARDED_BY(mu), sync_dir_fault GUARDED_BY(mu);
  std::optional<uint64_t> space_limit GUARDED_BY(mu);
  bool direct_io_supported GUARDED_BY(mu) = true;
  uint64_t write_calls GUARDED_BY(mu) = 0, sync_calls GUARDED_BY(mu) = 0, sync_dir_calls GUARDED_BY(mu) = 0;

  // `op` names the operation in errors, as the POSIX implementation does.
  Result<Located> Locate(std::string_view op, const std::string& path) const REQUIRES(mu) {
    auto parts = SplitPath(path);
    if (!parts) return Status(Errc::kInvalidArgument, "'..' is not supported: " + path);
    if (parts->empty()) return Located{nullptr, "", root, {}};
    NodePtr parent = Walk(root, std::span(*parts).first(parts->size() - 1));
    if (!parent) return FileErrorStatus(op, path, ENOENT);
    if (!parent->is_dir) return FileErrorStatus(op, path, ENOTDIR);
    auto it = parent->entries.find(parts->back());
    NodePtr node = it == parent->entries.end() ? nullptr : it->second;
    return Located{parent, parts->back(), node, std::move(*parts)};
  }

  Result<NodePtr> FindFile(std::string_view op, const std::string& path) const REQUIRES(mu) {
    SLUICE_ASSIGN_OR_RETURN(Located loc, Locate(op, path));
    if (!loc.node) return FileErrorStatus(op, path, ENOENT);
    if (loc.node->is_dir) return FileErrorStatus(op, path, EISDIR);
    return loc.node;
  }

  uint64_t UsedBytes() const REQUIRES(mu) {
    uint64_t total = 0;
    std::unordered_set<const Node*> seen;  // crash can leave an entry in two directories
    auto visit = [&](auto& self, const Node& dir) -> void {
      for (const auto& [name, child] : dir.entries) {
        if (!seen.insert(child.get()).second) continue;
        if (child->is_dir) self(self, *child);
        else total += child->current.size();
      }
    };
    visit(visit, *root);
    return total;
  }

  // Reverts every directory reachable through durable entries, and every file in them. With
  // rng, a file keeps current[0, q) for a random granularity-aligned cut q in the unsynced range.
  void Crash(std::mt19937_64* rng, size_t granularity) REQUIRES(mu) {
    granularity = std::max<size_t>(granularity, 1);
    std::unordered_set<Node*> seen;  // unsynced renames can make the durable graph cyclic
    auto visit = [&](auto& self, Node& n) -> void {
      if (!seen.insert(&n).second) return;
      if (n.is_dir) {
        n.entries = n.durable_entries;
        for (auto& [name, child] : n.entries) self(self, *child);
        return;
      }
      if (rng) n.durable = TornContent(n.current, n.durable, *rng, granularity);
      n.current = n.durable;
    };
    visit(visit, *root);
    ++epoch;
  }

  static std::string TornContent(const std::string& c, const std::string& d, std::mt19937_64& rng, size_t g) {
    size_t common = std::mismatch(c.begin(), c.begin() + std::min(c.size(), d.size()), d.begin()).first - c.begin();
    if (c.size() <= common) return d;  // nothing new was written, at most a shrink
    // Cuts past the last changed byte all give the same result; stop there so rewrites of
    // pre-zeroed space tear as often as appends do.
    size_t end = c.size();
    if (c.size() <= d.size()) {
      while (c[end - 1] == d[end - 1]) --end;
    }
    size_t lo = common / g * g;
    size_t steps = (end - lo + g - 1) / g;
    size_t q = std::min(end, lo + g * std::uniform_int_distribution<size_t>(0, steps)(rng));
    std::string out = c.substr(0, q);
    if (d.size() > q) out.append(d, q);
    return out;
  }
};

namespace {

using State = FaultInjectingFileSystem::State;

class FakeFile final : public File {
 public:
  // `epoch` is the file system's epoch at the open.
  FakeFile(std::shared_ptr<State> state, NodePtr node, std::string path, uint64_t epoch, bool writable, bool direct)
      : state_(std::move(state)),
        node_(std::move(node)),
        path_(std::move(path)),
        epoch_(epoch),
        writable_(writable),
        direct_(direct) {}

  Result<size_t> ReadAt(uint64_t pos, void* buf, size_t n) const override {
    MutexLock lock(&state_->mu);
    SLUICE_RETURN_IF_ERROR(CheckAlive());
    const std::string& c = node_->current;
    if (pos >= c.size()) return size_t{0};
    size_t len = std::min<uint64_t>(n, c.size() - pos);
    std::memcpy(buf, c.data() + pos, len);
    return len;
  }

  Status WriteAt(uint64_t pos, const void* buf, size_t n) override {
    MutexLock lock(&state_->mu);
    ++state_->write_calls;
    SLUICE_RETURN_IF_ERROR(CheckWritable("write"));
    if (direct_ && !DirectIoAligned(pos, buf, n))
      return Status(Errc::kInvalidArgument, "unaligned direct I/O write: " + path_);
    std::string& c = node_->current;
    uint64_t growth = pos + n > c.size() ? pos + n - c.size() : 0;
    if (state_->space_limit && state_->UsedBytes() + growth > *state_->space_limit)
      return FileErrorStatus("write", path_, ENOSPC);
    if (state_->write_fault.Trip()) return Status(state_->write_fault.code, "injected write failure: " + path_);
    if (pos + n > c.size()) c.resize(pos + n, '\0');
    if (n > 0) std::memcpy(c.data() + pos, buf, n);
    return Status::Ok();
  }

  Status Sync() override {
    MutexLock lock(&state_->mu);
    ++state_->sync_calls;
    SLUICE_RETURN_IF_ERROR(CheckAlive());
    if (state_->sync_fault.Trip()) return Status(state_->sync_fault.code, "injected sync failure: " + path_);
    node_->durable = node_->current;
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    MutexLock lock(&state_->mu);
    SLUICE_RETURN_IF_ERROR(CheckWritable("truncate"));
    node_->current.resize(size, '\0');
    return Status::Ok();
  }

  Result<uint64_t> Size() const override {
    MutexLock lock(&state_->mu);
    SLUICE_RETURN_IF_ERROR(CheckAlive());
    return uint64_t{node_->current.size()};
  }

  bool direct_io() const override { return direct_; }

 private:
  Status CheckAlive() const REQUIRES(state_->mu) {
    if (epoch_ != state_->epoch) return Status(Errc::kIoError, "file handle lost in a crash: " + path_);
    return Status::Ok();
  }
  Status CheckWritable(std::string_view op) const REQUIRES(state_->mu) {
    SLUICE_RETURN_IF_ERROR(CheckAlive());
    return writable_ ? Status::Ok() : FileErrorStatus(op, path_, EBADF);
  }

  std::shared_ptr<State> state_;
  NodePtr node_;
  std::string path_;
  uint64_t epoch_;
  bool writable_;
  bool direct_;
};

bool IsPrefix(std::span<const std::string> prefix, std::span<const std::string> parts) {
  return prefix.size() <= parts.size() && std::equal(prefix.begin(), prefix.end(), parts.begin());
}

}  // namespace

FaultInjectingFileSystem::FaultInjectingFileSystem() : state_(std::make_shared<State>()) {}
FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

Result<std::unique_ptr<File>> FaultInjectingFileSystem::Open(const std::string& path, const FileOptions& options) {
  MutexLock lock(&state_->mu);
  SLUICE_ASSIGN_OR_RETURN(Located loc, state_->Locate("open", path));
  NodePtr node = loc.node;
  if (node && node->is_dir) return FileErrorStatus("open", path, EISDIR);
  if (!node) {
    if (!options.create) return FileErrorStatus("open", path, ENOENT);
    node = std::make_shared<Node>(false);
    loc.parent->entries[loc.name] = node;
  }
  bool direct = options.direct_io && options.writable && state_->direct_io_supported;
  return std::unique_ptr<File>(new FakeFile(state_, node, path, state_->epoch, options.writable, direct));
}

Status FaultInjectingFileSystem::CreateDirs(const std::string& path) {
  MutexLock lock(&state_->mu);
  auto parts = SplitPath(path);
  if (!parts) return Status(Errc::kInvalidArgument, "'..' is not supported: " + path);
  NodePtr n = state_->root;
  for (const std::string& part : *parts) {
    if (!n->is_dir) return FileErrorStatus("mkdir", path, ENOTDIR);
    NodePtr& child = n->entries[part];
    if (!child) {
      child = std::make_shared<Node>(true);
      n->durable_entries[part] = child;
    }
    n = child;
  }
  return n->is_dir ? Status::Ok() : FileErrorStatus("mkdir", path, ENOTDIR);
}

Status FaultInjectingFileSystem::SyncDir(const std::string& path) {
  MutexLock lock(&state_->mu);
  ++state_->sync_dir_calls;
  SLUICE_ASSIGN_OR_RETURN(Located loc, state_->Locate("open dir", path));
  if (!loc.node) return FileErrorStatus("open dir", path, ENOENT);
  if (!loc.node->is_dir) return FileErrorStatus("open dir", path, ENOTDIR);
  if (state_->sync_dir_fault.Trip())
    return Status(state_->sync_dir_fault.code, "injected directory sync failure: " + path);
  loc.node->durable_entries = loc.node->entries;
  return Status::Ok();
}

Status FaultInjectingFileSystem::SyncFileSystem(const std::string& path) {
  MutexLock lock(&state_->mu);
  ++state_->sync_calls;
  SLUICE_ASSIGN_OR_RETURN(Located loc, state_->Locate("open", path));
  if (!loc.node) return FileErrorStatus("open", path, ENOENT);
  if (state_->sync_fault.Trip()) return Status(state_->sync_fault.code, "injected filesystem sync failure: " + path);
  std::unordered_set<Node*> seen;
  auto visit = [&](auto& self, Node& n) -> void {
    if (!seen.insert(&n).second) return;
    if (!n.is_dir) {
      n.durable = n.current;
      return;
    }
    n.durable_entries = n.entries;
    for (auto& [name, child] : n.entries) self(self, *child);
  };
  visit(visit, *state_->root);
  return Status::Ok();
}

Result<std::vector<std::string>> FaultInjectingFileSystem::ListDir(const std::string& path) const {
  MutexLock lock(&state_->mu);
  auto loc = state_->Locate("opendir", path);
  if (!loc.ok() && loc.status().code() != Errc::kIoError) return loc.status();
  if (!loc.ok() || !loc->node) return Status(Errc::kNotFound, "no such directory: " + path);
  if (!loc->node->is_dir) return FileErrorStatus("opendir", path, ENOTDIR);
  std::vector<std::string> names;
  for (const auto& [name, child] : loc->node->entries) names.push_back(name);
  return names;
}

bool FaultInjectingFileSystem::Exists(const std::string& path) const {
  MutexLock lock(&state_->mu);
  auto loc = state_->Locate("stat", path);
  return loc.ok() && loc->node != nullptr;
}

Status FaultInjectingFileSystem::RemoveFile(const std::string& path) {
  MutexLock lock(&state_->mu);
  SLUICE_ASSIGN_OR_RETURN(Located loc, state_->Locate("unlink", path));
  if (!loc.node) return FileErrorStatus("unlink", path, ENOENT);
  if (loc.node->is_dir) return FileErrorStatus("unlink", path, EISDIR);
  loc.parent->entries.erase(loc.name);
  return Status::Ok();
}

Status FaultInjectingFileSystem::RemoveAll(const std::string& path) {
  MutexLock lock(&state_->mu);
  auto loc = state_->Locate("remove", path);
  if (!loc.ok()) return loc.status().code() == Errc::kIoError ? Status::Ok() : loc.status();
  if (!loc->parent) return Status(Errc::kInvalidArgument, "refusing to remove the root");
  // The subtree's own durable entries are untouched: after a crash it reappears as it was.
  if (loc->node) loc->parent->entries.erase(loc->name);
  return Status::Ok();
}

Status FaultInjectingFileSystem::Rename(const std::string& from, const std::string& to) {
  MutexLock lock(&state_->mu);
  const std::string what = from + " -> " + to;
  SLUICE_ASSIGN_OR_RETURN(Located src, state_->Locate("rename", from));
  SLUICE_ASSIGN_OR_RETURN(Located dst, state_->Locate("rename", to));
  if (!src.node) return FileErrorStatus("rename", what, ENOENT);
  if (!src.parent || !dst.parent) return FileErrorStatus("rename", what, EBUSY);
  NodePtr node = src.node;
  if (dst.node == node) return Status::Ok();
  if (node->is_dir && IsPrefix(src.parts, dst.parts)) return FileErrorStatus("rename", what, EINVAL);
  if (dst.node) {
    if (!node->is_dir && dst.node->is_dir) return FileErrorStatus("rename", what, EISDIR);
    if (node->is_dir && !dst.node->is_dir) return FileErrorStatus("rename", what, ENOTDIR);
    if (dst.node->is_dir && !dst.node->entries.empty()) return FileErrorStatus("rename", what, ENOTEMPTY);
  }
  src.parent->entries.erase(src.name);
  dst.parent->entries[dst.name] = node;
  return Status::Ok();
}

void FaultInjectingFileSystem::Crash() {
  MutexLock lock(&state_->mu);
  state_->Crash(nullptr, 1);
}

void FaultInjectingFileSystem::CrashKeepingTornPrefix(uint64_t seed, size_t granularity) {
  MutexLock lock(&state_->mu);
  std::mt19937_64 rng(seed);
  state_->Crash(&rng, granularity);
}

void FaultInjectingFileSystem::FailWritesAfter(uint64_t n, Errc code) {
  MutexLock lock(&state_->mu);
  state_->write_fault = {n, code};
}
void FaultInjectingFileSystem::FailSyncsAfter(uint64_t n, Errc code) {
  MutexLock lock(&state_->mu);
  state_->sync_fault = {n, code};
}
void FaultInjectingFileSystem::FailSyncDirsAfter(uint64_t n, Errc code) {
  MutexLock lock(&state_->mu);
  state_->sync_dir_fault = {n, code};
}
void FaultInjectingFileSystem::SetSpaceLimit(uint64_t bytes) {
  MutexLock lock(&state_->mu);
  state_->space_limit = bytes;
}
void FaultInjectingFileSystem::ClearFaults() {
  MutexLock lock(&state_->mu);
  state_->write_fault = state_->sync_fault = state_->sync_dir_fault = {};
  state_->space_limit.reset();
}
void FaultInjectingFileSystem::SetDirectIoSupported(bool supported) {
  MutexLock lock(&state_->mu);
  state_->direct_io_supported = supported;
}

uint64_t FaultInjectingFileSystem::write_calls() const {
  MutexLock lock(&state_->mu);
  return state_->write_calls;
}
uint64_t FaultInjectingFileSystem::sync_calls() const {
  MutexLock lock(&state_->mu);
  return state_->sync_calls;
}
uint64_t FaultInjectingFileSystem::sync_dir_calls() const {
  MutexLock lock(&state_->mu);
  return state_->sync_dir_calls;
}
uint64_t FaultInjectingFileSystem::used_bytes() const {
  MutexLock lock(&state_->mu);
  return state_->UsedBytes();
}

Result<std::string> FaultInjectingFileSystem::ReadFileForTest(const std::string& path) const {
  MutexLock lock(&state_->mu);
  SLUICE_ASSIGN_OR_RETURN(NodePtr node, state_->FindFile("open", path));
  return node->current;
}

Result<std::string> FaultInjectingFileSystem::ReadDurableFileForTest(const std::string& path) const {
  MutexLock lock(&state_->mu);
  SLUICE_ASSIGN_OR_RETURN(NodePtr node, state_->FindFile("open", path));
  return node->durable;
}

Status FaultInjectingFileSystem::WriteFileForTest(const std::string& path, std::string_view data) {
  MutexLock lock(&state_->mu);
  SLUICE_ASSIGN_OR_RETURN(Located loc, state_->Locate("open", path));
  if (loc.node && loc.node->is_dir) return FileErrorStatus("open", path, EISDIR);
  NodePtr node = loc.node ? loc.node : std::make_shared<Node>(false);
  node->current = node->durable = std::string(data);
  loc.parent->entries[loc.name] = loc.parent->durable_entries[loc.name] = node;
  return Status::Ok();
}

Status FaultInjectingFileSystem::Corrupt(const std::string& path, uint64_t pos, uint8_t xor_mask) {
  MutexLock lock(&state_->mu);
  SLUICE_ASSIGN_OR_RETURN(NodePtr node, state_->FindFile("open", path));
  Node& n = *node;
  if (pos >= n.current.size() && pos >= n.durable.size())
    return Status(Errc::kInvalidArgument, "corrupt past the end of " + path);
  for (std::string* s : {&n.current, &n.durable}) {
    if (pos < s->size()) (*s)[pos] = static_cast<char>((*s)[pos] ^ xor_mask);
  }
  return Status::Ok();
}

}  // namespace sluice
