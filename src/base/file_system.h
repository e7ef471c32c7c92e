#pragma once
// Files go through this interface so that crash safety is testable: the POSIX implementation
// is the real one; FaultInjectingFileSystem (base/fault_injecting_file_system.h, test-only
// target sluice_base_testing) keeps un-synced data apart and drops it on a simulated crash.
//
// Durability model every implementation follows (and the storage engine relies on):
// - data written with WriteAt is durable only after Sync() on that file returns OK;
// - a file's size (growth or truncation) is durable after Sync() on that file;
// - a directory entry (file created, renamed or removed) is durable only after SyncDir() on
//   its parent directory returns OK; CreateDirs makes the directories it creates durable.
// Errors carry Errc::kIoError, or Errc::kUnavailable for "no space left on device".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice {

inline constexpr size_t kDirectIoAlignment = 4096;

// Whether a WriteAt may go to a direct_io() file. Checked up front by every implementation so a
// misaligned write fails the same way (kInvalidArgument) on disk and in the fake.
inline bool DirectIoAligned(uint64_t pos, const void* buf, size_t n) {
  return pos % kDirectIoAlignment == 0 && n % kDirectIoAlignment == 0 &&
         reinterpret_cast<uintptr_t>(buf) % kDirectIoAlignment == 0;
}

inline uint64_t AlignDown(uint64_t v) { return v & ~uint64_t{kDirectIoAlignment - 1}; }
inline uint64_t AlignUp(uint64_t v) { return AlignDown(v + kDirectIoAlignment - 1); }

// Memory a direct read or write can use: kDirectIoAlignment-aligned, size rounded up to it.
struct AlignedFree {
  void operator()(char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<char, AlignedFree>;
inline AlignedBuffer AllocateAligned(size_t bytes) {
  return AlignedBuffer(static_cast<char*>(std::aligned_alloc(kDirectIoAlignment, AlignUp(bytes))));
}

struct FileOptions {
  bool create = false;    // create if missing (never truncates an existing file)
  bool writable = false;  // open read-write (otherwise read-only)
  // Ask for O_DIRECT writes. If the filesystem refuses (e.g. tmpfs), the file opens without it
  // and File::direct_io() says false. With direct I/O, WriteAt's buffer, position and length
  // must be multiples of kDirectIoAlignment.
  bool direct_io = false;
};

class File {
 public:
  virtual ~File() = default;
  // Reads up to n bytes at pos; fewer only at end of file. Thread-safe (pread semantics).
  virtual Result<size_t> ReadAt(uint64_t pos, void* buf, size_t n) const = 0;
  // ReadAt bypassing the page cache where the filesystem allows it (O_DIRECT), else ReadAt.
  // pos, buf and n must be multiples of kDirectIoAlignment (kInvalidArgument otherwise). For bulk
  // reads of data that is not cached: no page-cache pages to allocate and copy from. Coherent
  // with writes through either path (the kernel writes back cached dirty pages in the range first).
  virtual Result<size_t> ReadAtDirect(uint64_t pos, void* buf, size_t n) const {
    if (!DirectIoAligned(pos, buf, n)) return Status(Errc::kInvalidArgument, "unaligned direct I/O read");
    return ReadAt(pos, buf, n);
  }
  // Writes all n bytes at pos (extending the file if needed) or fails. Thread-safe for
  // disjoint ranges.
  virtual Status WriteAt(uint64_t pos, const void* buf, size_t n) = 0;
  // fdatasync: makes the written data and the file size durable.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() const = 0;
  virtual bool direct_io() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<File>> Open(const std::string& path, const FileOptions& options) = 0;
  // mkdir -p; new directories are durable when this returns OK.
  virtual Status CreateDirs(const std::string& path) = 0;
  virtual Status SyncDir(const std::string& path) = 0;
  // Makes every file and directory of the filesystem holding `path` durable (syncfs(2)): one
  // device flush for any number of files, where an fdatasync per file costs one flush each.
  virtual Status SyncFileSystem(const std::string& path) = 0;
  // Entry names (not paths) of a directory, excluding "." and ".."; NotFound if missing.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) const = 0;
  virtual bool Exists(const std::string& path) const = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes a directory tree (no error if missing). Durable after SyncDir of its parent.
  virtual Status RemoveAll(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
};

// The Status for a failed file operation `op` on `path` with errno `err`: kUnavailable for
// ENOSPC/EDQUOT, kIoError otherwise. Shared so every implementation reports errors alike.
Status FileErrorStatus(std::string_view op, const std::string& path, int err);

// The process-wide POSIX file system.
FileSystem* DefaultFileSystem();

}  // namespace sluice
