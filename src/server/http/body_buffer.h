#pragma once
// A request body buffer that is sized from Content-Length, reused across requests, never
// zero-filled (std::string::resize would memset every byte), and always followed by
// api::kBodyPadding readable bytes (simdjson reads past the end in SIMD blocks).
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include "server/api/dispatcher.h"

namespace sluice::server::http {

class BodyBuffer {
 public:
  // Ensures room for n bytes plus padding, keeping the current contents.
  void Reserve(size_t n) {
    if (n + api::kBodyPadding <= capacity_) return;
    size_t cap = std::max(n + api::kBodyPadding, capacity_ + capacity_ / 2);
    std::unique_ptr<char[]> fresh(new char[cap]);
    if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
    data_ = std::move(fresh);
    capacity_ = cap;
  }
  void Clear() { size_ = 0; }
  // Returns the memory.
  void Free() {
    data_.reset();
    size_ = capacity_ = 0;
  }
  // Makes the body exactly n bytes long (contents beyond the old size are unspecified).
  void SetSize(size_t n) {
    Reserve(n);
    size_ = n;
  }
  void Append(const char* p, size_t n) {
    if (size_ + n + api::kBodyPadding > capacity_) Reserve(std::max(size_ + n, capacity_ * 2));
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  // Zeroes the padding so that nothing past the body is uninitialised memory.
  void Seal() {
    Reserve(size_);
    std::memset(data_.get() + size_, 0, api::kBodyPadding);
  }
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data_.get() ? data_.get() : "", size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace sluice::server::http
