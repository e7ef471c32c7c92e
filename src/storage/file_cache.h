#pragma once
// Read-only descriptors of segment files, opened on demand and kept in a bounded LRU (as
// LevelDB's table cache): 10,000 shards with a few segments each must not hold tens of
// thousands of descriptors. A File handed out stays valid while the caller holds it, even if
// the cache drops it meanwhile.
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/file_system.h"
#include "base/mutex.h"
#include "base/status.h"

namespace sluice::storage::internal {

class FileCache {
 public:
  FileCache(FileSystem* fs, size_t capacity) : fs_(fs), capacity_(capacity == 0 ? 1 : capacity) {}

  Result<std::shared_ptr<File>> Get(const std::string& path) EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      auto it = map_.find(path);
      if (it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
      }
    }
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, fs_->Open(path, FileOptions{}));
    std::shared_ptr<File> file = std::move(f);
    MutexLock lock(&mu_);
    auto it = map_.find(path);
    if (it != map_.end()) return it->second->second;  // another reader opened it meanwhile
    lru_.emplace_front(path, file);
    map_[path] = lru_.begin();
    while (map_.size() > capacity_) {
      map_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return file;
  }

  // Before a file is removed or replaced: the cache must not hand out the old one.
  void Erase(const std::string& path) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    auto it = map_.find(path);
    if (it == map_.end()) return;
    lru_.erase(it->second);
    map_.erase(it);
  }

  size_t open_files() const EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return map_.size();
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<File>>;
  FileSystem* fs_;
  const size_t capacity_;
  mutable Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);
  std::unordered_map<std::string, std::list<Entry>::iterator> map_ GUARDED_BY(mu_);
};

}  // namespace sluice::storage::internal
