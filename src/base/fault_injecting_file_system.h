#pragma once
// An in-memory FileSystem for crash and error tests (target sluice_base_testing; tests only).
// It follows the durability model of base/file_system.h as strictly as the model allows, so
// code that forgets a Sync or SyncDir loses data here even if a real disk would have kept it:
// - every file has current bytes (what reads see) and durable bytes (what survives Crash);
//   File::Sync copies current to durable;
// - every directory has current entries and durable entries; SyncDir copies current to
//   durable. A rename between two directories needs both to be synced. CreateDirs makes only
//   the entries it creates durable (not other pending entries of the same parent).
// Paths are '/'-separated; "a/b" and "/a/b" name the same file; ".." is rejected. The root
// always exists. Errors mirror the POSIX implementation's codes (kIoError, kUnavailable when
// full, kNotFound only from ListDir). Thread-safe. File objects may outlive the file system.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/file_system.h"

namespace sluice {

class FaultInjectingFileSystem final : public FileSystem {
 public:
  FaultInjectingFileSystem();
  ~FaultInjectingFileSystem() override;

  Result<std::unique_ptr<File>> Open(const std::string& path, const FileOptions& options) override;
  Status CreateDirs(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  // Every reachable file and directory becomes durable; counts as one sync call and fails with
  // the injected sync fault (FailSyncsAfter) like File::Sync.
  Status SyncFileSystem(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveAll(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;

  // Power loss: directories revert to their durable entries (unsynced creations vanish,
  // unsynced removals reappear), files to their durable bytes. Files opened before the crash
  // fail every further call with kIoError; injected faults stay in place.
  void Crash();
  // Like Crash, but each file also keeps a random prefix of its unsynced bytes: the result is
  // current[0, q) + durable[q, ...) for a cut q, uniformly chosen among the multiples of
  // `granularity` from the first differing byte's block to the last differing byte (or the end
  // of the grown file), that end included. Deterministic for a seed and the same history.
  void CrashKeepingTornPrefix(uint64_t seed, size_t granularity = kDirectIoAlignment);

  // After n more successful calls, every WriteAt (resp. File::Sync, SyncDir) fails with `code`
  // and changes nothing, until ClearFaults.
  void FailWritesAfter(uint64_t n, Errc code = Errc::kIoError);
  void FailSyncsAfter(uint64_t n, Errc code = Errc::kIoError);
  void FailSyncDirsAfter(uint64_t n, Errc code = Errc::kIoError);
  // A WriteAt that would take used_bytes() past `bytes` fails with kUnavailable and writes
  // nothing (Truncate is not limited: growing by truncation is sparse on real disks).
  void SetSpaceLimit(uint64_t bytes);
  void ClearFaults();  // write/sync failures and the space limit
  // false: direct_io requests fall back to buffered files (like tmpfs), direct_io() is false.
  void SetDirectIoSupported(bool supported);

  // Calls made so far, failed ones included.
  uint64_t write_calls() const;
  uint64_t sync_calls() const;
  uint64_t sync_dir_calls() const;
  // Sum of the current sizes of the files reachable from the root.
  uint64_t used_bytes() const;

  Result<std::string> ReadFileForTest(const std::string& path) const;
  // The bytes of the file at `path` that would survive a Crash (ignoring whether its
  // directory entry would).
  Result<std::string> ReadDurableFileForTest(const std::string& path) const;
  // Creates or replaces the file with `data`, durably (entry and bytes); the parent must exist.
  Status WriteFileForTest(const std::string& path, std::string_view data);
  // XORs the byte at pos with xor_mask in both the current and the durable bytes (where the
  // byte exists), e.g. to simulate media corruption. kInvalidArgument if pos is past both.
  Status Corrupt(const std::string& path, uint64_t pos, uint8_t xor_mask = 0xff);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sluice
