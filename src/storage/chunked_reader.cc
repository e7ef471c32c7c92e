#include "storage/chunked_reader.h"

namespace sluice::storage {

ChunkedReader& ChunkedReader::operator=(ChunkedReader&& o) noexcept {
  if (this == &o) return *this;
  file_ = o.file_;
  limit_ = o.limit_;
  chunk_ = o.chunk_;
  direct_min_ = o.direct_min_;
  own_ = std::move(o.own_);
  buf_ = o.buf_ == &o.own_ ? &own_ : o.buf_;
  buf_pos_ = o.buf_pos_;
  buf_len_ = o.buf_len_;
  bytes_read_ = o.bytes_read_;
  return *this;
}

std::string_view ChunkedReader::Buffered(uint64_t pos) const {
  if (pos < buf_pos_ || pos >= buf_pos_ + buf_len_ || pos >= limit_) return {};
  size_t n = static_cast<size_t>(std::min<uint64_t>(buf_pos_ + buf_len_, limit_) - pos);
  return {buf_->data() + (pos - buf_pos_), n};
}

Result<std::string_view> ChunkedReader::Read(uint64_t pos, size_t want) {
  if (pos >= limit_) return std::string_view();
  const size_t needed = static_cast<size_t>(std::min<uint64_t>(want, limit_ - pos));
  std::string_view have = Buffered(pos);
  if (have.size() >= needed) return have;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(std::max(want, chunk_), limit_ - pos));
  if (direct_min_ > 0 && n >= direct_min_) {
    SLUICE_RETURN_IF_ERROR(FillDirect(pos, n));
    return Buffered(pos);
  }
  // Bytes at pos already read are moved to the front, not read again: an entry larger than the
  // first read would otherwise cost its first chunk twice.
  const size_t keep = have.size();
  if (keep > 0 && pos != buf_pos_) std::memmove(buf_->data(), have.data(), keep);
  buf_->Reserve(n, keep);
  buf_pos_ = pos;
  buf_len_ = keep;
  while (buf_len_ < n) {
    SLUICE_ASSIGN_OR_RETURN(const size_t got, file_->ReadAt(pos + buf_len_, buf_->data() + buf_len_, n - buf_len_));
    if (got == 0) break;  // the file ends before the limit
    buf_len_ += got;
    bytes_read_ += got;
  }
  return Buffered(pos);
}

// Reads whole aligned blocks around [pos, pos + n): the part already buffered is read again
// rather than moved, which keeps the destination aligned.
Status ChunkedReader::FillDirect(uint64_t pos, size_t n) {
  uint64_t start = AlignDown(pos);
  size_t len = static_cast<size_t>(AlignUp(pos + n) - start);
  buf_->Reserve(len, 0);
  buf_pos_ = start;
  buf_len_ = 0;
  SLUICE_ASSIGN_OR_RETURN(const size_t got, file_->ReadAtDirect(start, buf_->data(), len));
  buf_len_ = got;
  bytes_read_ += got;
  return Status::Ok();
}

Result<std::unique_ptr<File>> OpenForRead(const FileSystem& fs, const std::string& path) {
  return const_cast<FileSystem&>(fs).Open(path, FileOptions{});
}

Result<std::string> ReadWholeFile(const FileSystem& fs, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const std::unique_ptr<File> file, OpenForRead(fs, path));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  std::string bytes(size, '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    SLUICE_ASSIGN_OR_RETURN(const size_t got, file->ReadAt(done, bytes.data() + done, bytes.size() - done));
    if (got == 0) break;
    done += got;
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace sluice::storage
