#include "base/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <map>
#include <system_error>

#include "base/mutex.h"

namespace sluice {
namespace {

// Retries a syscall interrupted by a signal; returns its result (errno set on -1).
template <typename F>
auto RetryEintr(F f) {
  decltype(f()) r;
  do { r = f(); } while (r == -1 && errno == EINTR);
  return r;
}

Status FsyncPath(const std::string& path) {
  int fd = RetryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) return FileErrorStatus("open dir", path, errno);
  int r = RetryEintr([&] { return ::fsync(fd); });
  int err = errno;
  ::close(fd);
  return r == 0 ? Status::Ok() : FileErrorStatus("fsync dir", path, err);
}

// Reads go through a buffered descriptor even when writes use O_DIRECT, so ReadAt needs no
// alignment. Linux keeps the two coherent: a direct write invalidates the cached pages it covers.
class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd, int direct_fd) : path_(std::move(path)), fd_(fd), direct_fd_(direct_fd) {}
  ~PosixFile() override {
    ::close(fd_);
    if (direct_fd_ >= 0) ::close(direct_fd_);
    int rfd = direct_read_fd_.load();
    if (rfd >= 0) ::close(rfd);
  }

  Result<size_t> ReadAtDirect(uint64_t pos, void* buf, size_t n) const override {
    if (!DirectIoAligned(pos, buf, n)) return Status(Errc::kInvalidArgument, "unaligned direct I/O read: " + path_);
    int fd = DirectReadFd();
    return fd < 0 ? ReadAt(pos, buf, n) : PreadFully(fd, pos, buf, n, /*direct=*/true);
  }

  Result<size_t> ReadAt(uint64_t pos, void* buf, size_t n) const override {
    return PreadFully(fd_, pos, buf, n, /*direct=*/false);
  }

  Status WriteAt(uint64_t pos, const void* buf, size_t n) override {
    int fd = fd_;
    if (direct_fd_ >= 0) {
      // The kernel would say EINVAL; kInvalidArgument names the caller's bug instead.
      if (!DirectIoAligned(pos, buf, n)) return Status(Errc::kInvalidArgument, "unaligned direct I/O write: " + path_);
      fd = direct_fd_;
    }
    size_t done = 0;
    while (done < n) {
      ssize_t r = RetryEintr([&] { return ::pwrite(fd, static_cast<const char*>(buf) + done, n - done, pos + done); });
      if (r < 0) return FileErrorStatus("write", path_, errno);
      if (r == 0) return FileErrorStatus("write", path_, ENOSPC);  // no progress: the device is full
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  // A failed fdatasync is not retried: the kernel may already have dropped the dirty pages, so
  // a later success would not mean the data is on disk.
  Status Sync() override {
    if (::fdatasync(fd_) != 0) return FileErrorStatus("fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (RetryEintr([&] { return ::ftruncate(fd_, static_cast<off_t>(size)); }) != 0)
      return FileErrorStatus("truncate", path_, errno);
    return Status::Ok();
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return FileErrorStatus("stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  bool direct_io() const override { return direct_fd_ >= 0; }

 private:
  // Opened on the first direct read only: most segments are never read in bulk, and every
  // descriptor counts against RLIMIT_NOFILE. -1 when the filesystem has no O_DIRECT.
  int DirectReadFd() const {
    int fd = direct_read_fd_.load(std::memory_order_acquire);
    if (fd != kNotOpened) return fd;
    MutexLock lock(&open_mu_);
    fd = direct_read_fd_.load(std::memory_order_relaxed);
    if (fd == kNotOpened) {
      fd = RetryEintr([&] { return ::open(path_.c_str(), O_CLOEXEC | O_RDONLY | O_DIRECT); });
      // EINVAL: no O_DIRECT here, remembered. Anything else (e.g. out of descriptors): read
      // through the cache this time and try again next time.
      if (fd >= 0 || errno == EINVAL) direct_read_fd_.store(fd < 0 ? -1 : fd, std::memory_order_release);
    }
    return fd;
  }

  // Reads until n bytes or end of file (a direct read that ends inside a block is at the end).
  Result<size_t> PreadFully(int fd, uint64_t pos, void* buf, size_t n, bool direct) const {
    size_t done = 0;
    while (done < n) {
      ssize_t r = RetryEintr([&] { return ::pread(fd, static_cast<char*>(buf) + done, n - done, pos + done); });
      if (r < 0) return FileErrorStatus("read", path_, errno);
      if (r == 0) break;
      done += static_cast<size_t>(r);
      if (direct && done % kDirectIoAlignment != 0) break;
    }
    return done;
  }

  static constexpr int kNotOpened = -2;
  std::string path_;
  int fd_;
  int direct_fd_;          // -1 unless writes bypass the page cache
  mutable Mutex open_mu_;  // serialises the first open of the direct read descriptor
  mutable std::atomic<int> direct_read_fd_{kNotOpened};
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, const FileOptions& options) override {
    int flags = O_CLOEXEC | (options.writable ? O_RDWR : O_RDONLY) | (options.create ? O_CREAT : 0);
    int fd = RetryEintr([&] { return ::open(path.c_str(), flags, 0644); });
    if (fd < 0) return FileErrorStatus("open", path, errno);
    int direct_fd = -1;
    if (options.direct_io && options.writable) {
      direct_fd = RetryEintr([&] { return ::open(path.c_str(), O_CLOEXEC | O_RDWR | O_DIRECT); });
      // EINVAL: the filesystem (tmpfs, some FUSE) has no O_DIRECT; write through the cache.
      if (direct_fd < 0 && errno != EINVAL) {
        Status st = FileErrorStatus("open", path, errno);
        ::close(fd);
        return st;
      }
    }
    return std::unique_ptr<File>(new PosixFile(path, fd, direct_fd));
  }

  Status CreateDirs(const std::string& path) override {
    std::string prefix = path.starts_with('/') ? "/" : "";
    size_t i = 0;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      std::string_view part(path.data() + i, j - i);
      i = j + 1;
      if (part.empty() || part == ".") continue;
      std::string parent = prefix.empty() ? "." : prefix;
      if (!prefix.empty() && prefix.back() != '/') prefix += '/';
      prefix += part;
      if (::mkdir(prefix.c_str(), 0755) == 0) {
        SLUICE_RETURN_IF_ERROR(FsyncPath(parent));
        continue;
      }
      if (errno != EEXIST) return FileErrorStatus("mkdir", prefix, errno);
      struct stat st;
      if (::stat(prefix.c_str(), &st) != 0) return FileErrorStatus("stat", prefix, errno);
      if (!S_ISDIR(st.st_mode)) return FileErrorStatus("mkdir", prefix, ENOTDIR);
    }
    return Status::Ok();
  }

  Status SyncDir(const std::string& path) override { return FsyncPath(path); }

  Status SyncFileSystem(const std::string& path) override {
    // One descriptor per path, kept open: since Linux 5.8 syncfs reports writeback errors that
    // happened since the previous syncfs on the same descriptor, so a fresh descriptor would
    // miss a failed background writeback that came before it.
    int fd = -1;
    {
      MutexLock lock(&syncfs_mu_);
      auto it = syncfs_fds_.find(path);
      if (it == syncfs_fds_.end()) {
        int opened = RetryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
        if (opened < 0) return FileErrorStatus("open", path, errno);
        it = syncfs_fds_.emplace(path, opened).first;
      }
      fd = it->second;
    }
    if (RetryEintr([&] { return ::syncfs(fd); }) != 0) return FileErrorStatus("syncfs", path, errno);
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) const override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      if (errno == ENOENT) return Status(Errc::kNotFound, "no such directory: " + path);
      return FileErrorStatus("opendir", path, errno);
    }
    std::vector<std::string> names;
    errno = 0;
    // readdir is safe across threads that read different streams, as every call here does.
    while (struct dirent* e = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(dir);
    if (err != 0) return FileErrorStatus("readdir", path, err);
    // readdir's order is arbitrary; sorted output keeps callers deterministic (and matches the fake).
    std::sort(names.begin(), names.end());
    return names;
  }

  bool Exists(const std::string& path) const override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return FileErrorStatus("unlink", path, errno);
    return Status::Ok();
  }

  Status RemoveAll(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return FileErrorStatus("remove", path, ec.value());
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return FileErrorStatus("rename", from + " -> " + to, errno);
    return Status::Ok();
  }

 private:
  Mutex syncfs_mu_;
  std::map<std::string, int> syncfs_fds_ GUARDED_BY(syncfs_mu_);  // never closed: the filesystem lives forever
};

}  // namespace

Status FileErrorStatus(std::string_view op, const std::string& path, int err) {
  if (err == ENOSPC || err == EDQUOT) return Status(Errc::kUnavailable, "no space left on device: " + path);
  // std::generic_category().message is thread-safe where strerror is not guaranteed to be.
  return Status(Errc::kIoError, std::string(op) + " " + path + ": " + std::generic_category().message(err));
}

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem;  // never destroyed: usable during exit
  return fs;
}

}  // namespace sluice
