#include "tools/progress.h"

namespace sluice::tools {

void Progress::Add(uint64_t bytes) {
  total_ += bytes;
  if (every_ == 0 || total_ < next_) return;
  while (next_ <= total_) next_ += every_;
  *err_ << "sluice log: " << (total_ >> 20) << " MiB read\n" << std::flush;
}

}  // namespace sluice::tools
