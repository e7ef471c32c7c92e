#pragma once
// An encoded batch of records for one shard, built on the put path and appended to a ShardLog
// as a unit. Records are laid out so that base64 can decode straight into the buffer:
//   u32 data_len (LE) | u16 key_len (LE) | key bytes | data bytes
// Format spec: docs/formats/record-batch.md. The builder's buffer is reused across requests.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::storage {

inline constexpr size_t kRecordHeaderBytes = 6;

class RecordBatchBuilder {
 public:
  void Clear() {
    buf_.clear();
    count_ = 0;
  }
  void Reserve(size_t bytes) { buf_.reserve(bytes); }

  // Starts a record: copies the key and returns a pointer where up to max_data_bytes of data
  // may be written; then call FinishRecord with the actual length.
  uint8_t* BeginRecord(std::string_view key, size_t max_data_bytes) {
    pending_ = buf_.size();
    buf_.resize(pending_ + kRecordHeaderBytes + key.size() + max_data_bytes);
    char* p = buf_.data() + pending_;
    uint16_t klen = static_cast<uint16_t>(key.size());
    std::memcpy(p + 4, &klen, 2);
    std::memcpy(p + kRecordHeaderBytes, key.data(), key.size());
    return reinterpret_cast<uint8_t*>(p + kRecordHeaderBytes + key.size());
  }
  void FinishRecord(size_t data_len) {
    char* p = buf_.data() + pending_;
    uint16_t klen;
    std::memcpy(&klen, p + 4, 2);
    uint32_t dlen = static_cast<uint32_t>(data_len);
    std::memcpy(p, &dlen, 4);
    buf_.resize(pending_ + kRecordHeaderBytes + klen + data_len);
    ++count_;
  }
  void AddRecord(std::string_view key, std::string_view data) {
    uint8_t* d = BeginRecord(key, data.size());
    if (!data.empty()) std::memcpy(d, data.data(), data.size());
    FinishRecord(data.size());
  }

  std::string_view bytes() const { return buf_; }
  uint32_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  std::string buf_;
  size_t pending_ = 0;
  uint32_t count_ = 0;
};

// A view of one record as stored.
struct RecordView {
  uint64_t offset = 0;
  int64_t arrival_ms = 0;
  std::string_view partition_key;
  std::string_view data;
};

// Iterates the records of an encoded batch. Assumes a well-formed buffer (built by
// RecordBatchBuilder or verified by the log's checksum).
class RecordBatchReader {
 public:
  explicit RecordBatchReader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool Next(std::string_view* key, std::string_view* data) {
    if (end_ - p_ < static_cast<ptrdiff_t>(kRecordHeaderBytes)) return false;
    uint32_t dlen;
    uint16_t klen;
    std::memcpy(&dlen, p_, 4);
    std::memcpy(&klen, p_ + 4, 2);
    size_t need = kRecordHeaderBytes + size_t{klen} + dlen;
    if (static_cast<size_t>(end_ - p_) < need) return false;
    *key = {p_ + kRecordHeaderBytes, klen};
    *data = {p_ + kRecordHeaderBytes + klen, dlen};
    p_ += need;
    return true;
  }
  bool AtEnd() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace sluice::storage
