#pragma once
// Raw POSIX helpers shared by the disk tools (disk_bench, commit_strategies): they run the exact
// syscalls they measure, so they use these rather than the engine's FileSystem.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace sluice::bench {

inline void Check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what + ": " + std::system_category().message(errno));
}

inline void PWriteAll(int fd, const char* buf, uint64_t n, uint64_t pos) {
  while (n > 0) {
    ssize_t r = ::pwrite(fd, buf, n, static_cast<off_t>(pos));
    if (r < 0 && errno == EINTR) continue;
    Check(r > 0, "pwrite");
    buf += r;
    n -= static_cast<uint64_t>(r);
    pos += static_cast<uint64_t>(r);
  }
}

// Opens path (flags | O_CLOEXEC), with O_DIRECT if asked; filesystems without O_DIRECT (tmpfs)
// get a buffered file and *direct_ok = false, the engine FileSystem's fallback.
inline int OpenMaybeDirect(const std::string& path, int flags, bool direct, bool* direct_ok) {
  int fd = -1;
  if (direct) {
    fd = ::open(path.c_str(), flags | O_DIRECT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EINVAL) *direct_ok = false;
  }
  if (fd < 0) fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  Check(fd >= 0, "open " + path);
  return fd;
}

// "a,b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p <= s.size()) {
    size_t c = s.find(',', p);
    if (c == std::string::npos) c = s.size();
    if (c > p) out.push_back(s.substr(p, c - p));
    p = c + 1;
  }
  return out;
}

inline std::string IsoNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

}  // namespace sluice::bench
