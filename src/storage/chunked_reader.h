#pragma once
// Sequential reads of a file in large chunks: the one piece of buffering under every reader
// that walks a log file front to back (segment frames for recovery, reads and `sluice log`;
// journal entries for replay). One large pread per chunk keeps a walk over gigabytes at disk
// speed; bytes already buffered are never read twice.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "base/file_system.h"
#include "base/status.h"

namespace sluice::storage {

// A growable buffer aligned for direct reads. Reused across reads (one per reading thread): a
// fresh buffer's pages fault on first touch, which is expensive in a VM.
class ReadBuffer {
 public:
  ReadBuffer() = default;
  ReadBuffer(ReadBuffer&& o) noexcept : buf_(std::move(o.buf_)), size_(std::exchange(o.size_, 0)) {}
  ReadBuffer& operator=(ReadBuffer&& o) noexcept {
    buf_ = std::move(o.buf_);
    size_ = std::exchange(o.size_, 0);
    return *this;
  }
  char* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  // At least n bytes; the first `keep` bytes are preserved.
  void Reserve(size_t n, size_t keep) {
    if (n <= size_) return;
    size_t cap = AlignUp(std::max(n, size_ * 2));
    AlignedBuffer b = AllocateAligned(cap);
    if (!b) throw std::bad_alloc();
    if (keep > 0) std::memcpy(b.get(), buf_.get(), keep);
    buf_ = std::move(b);
    size_ = cap;
  }

 private:
  AlignedBuffer buf_;
  size_t size_ = 0;
};

inline constexpr size_t kDefaultChunkBytes = size_t{4} << 20;

class ChunkedReader {
 public:
  // Bytes at or past `limit` are never returned (the file's size, or the end of committed data).
  // buf: a caller's reusable buffer, or nullptr for one of the reader's own. Reads of at least
  // direct_min_bytes (0: none) bypass the page cache (File::ReadAtDirect): bulk reads of
  // uncached data cost the page cache's allocation and copy otherwise, and a reader catching up
  // would evict the tail that other readers want.
  ChunkedReader(const File* file, uint64_t limit, size_t chunk_bytes = kDefaultChunkBytes, ReadBuffer* buf = nullptr,
                size_t direct_min_bytes = 0)
      : file_(file),
        limit_(limit),
        chunk_(std::max<size_t>(chunk_bytes, 1)),
        direct_min_(direct_min_bytes),
        buf_(buf ? buf : &own_) {}
  ChunkedReader(ChunkedReader&& o) noexcept { *this = std::move(o); }
  ChunkedReader& operator=(ChunkedReader&& o) noexcept;

  // The bytes from pos to the end of what is buffered (clipped to the limit). Reads first when
  // fewer than min(want, limit - pos) are buffered: max(want, chunk) bytes from pos, keeping the
  // buffered ones. The view is shorter than asked only where the file ends before the limit; it
  // stays valid until the next call.
  Result<std::string_view> Read(uint64_t pos, size_t want);
  // The view Read would return without reading (what is already buffered from pos).
  std::string_view Buffered(uint64_t pos) const;
  // The buffer already holds the file's bytes [pos, pos + len) (a read-ahead swapped in).
  void Adopt(uint64_t pos, size_t len) {
    buf_pos_ = pos;
    buf_len_ = len;
  }

  uint64_t limit() const { return limit_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  Status FillDirect(uint64_t pos, size_t n);

  const File* file_ = nullptr;
  uint64_t limit_ = 0;
  size_t chunk_ = kDefaultChunkBytes;
  size_t direct_min_ = 0;
  ReadBuffer own_;
  ReadBuffer* buf_ = nullptr;
  uint64_t buf_pos_ = 0;  // file position of buf_->data()[0]
  size_t buf_len_ = 0;
  uint64_t bytes_read_ = 0;
};

// Opens `path` read-only. FileSystem::Open is not const because it may create files; the readers
// here never do, so they take a const FileSystem.
Result<std::unique_ptr<File>> OpenForRead(const FileSystem& fs, const std::string& path);
// A whole (small) file, e.g. a segment index or a manifest.
Result<std::string> ReadWholeFile(const FileSystem& fs, const std::string& path);

}  // namespace sluice::storage
