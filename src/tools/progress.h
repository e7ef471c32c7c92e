#pragma once
// A progress line on stderr for long runs of `sluice log` over gigabytes of files.
#include <cstdint>
#include <ostream>

namespace sluice::tools {

// Reports bytes read on `err` each time another `every` bytes have gone by; 0 disables it.
class Progress {
 public:
  Progress(std::ostream* err, uint64_t every) : err_(err), every_(every), next_(every) {}
  void Add(uint64_t bytes);

 private:
  std::ostream* err_;
  uint64_t every_;
  uint64_t next_;
  uint64_t total_ = 0;
};

// Feeds a Progress from a reader's running count of bytes read (FrameReader::bytes_read).
class ProgressFeed {
 public:
  explicit ProgressFeed(Progress* progress) : progress_(progress) {}
  void Update(uint64_t bytes_read_so_far) {
    if (progress_ && bytes_read_so_far > seen_) progress_->Add(bytes_read_so_far - seen_);
    seen_ = bytes_read_so_far;
  }

 private:
  Progress* progress_;
  uint64_t seen_ = 0;
};

}  // namespace sluice::tools
