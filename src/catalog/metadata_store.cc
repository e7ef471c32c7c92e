#include "catalog/metadata_store.h"

#include <map>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace sluice::catalog {

Status MetadataStore::PutStream(const StreamRecord& record) {
  MetadataBatch b;
  b.put_streams.push_back(record);
  return Apply(b);
}

Status MetadataStore::DeleteStream(uint64_t uid) {
  MetadataBatch b;
  b.delete_streams.push_back(uid);
  return Apply(b);
}

Status MetadataStore::PutValue(std::string_view key, std::string_view value) {
  MetadataBatch b;
  b.put_values.emplace_back(std::string(key), std::string(value));
  return Apply(b);
}

namespace {

class MemoryMetadataStore final : public MetadataStore {
 public:
  Result<std::vector<StreamRecord>> LoadStreams() override {
    MutexLock lock(&mu_);
    std::vector<StreamRecord> out;
    out.reserve(streams_.size());
    for (const auto& [uid, data] : streams_) out.push_back({uid, data});
    return out;
  }

  Result<std::optional<std::string>> GetValue(std::string_view key) override {
    MutexLock lock(&mu_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status Apply(const MetadataBatch& batch) override {
    MutexLock lock(&mu_);
    for (const auto& r : batch.put_streams) streams_[r.uid] = r.data;
    for (uint64_t uid : batch.delete_streams) streams_.erase(uid);
    for (const auto& [k, v] : batch.put_values) values_[k] = v;
    return Status::Ok();
  }

 private:
  Mutex mu_;
  std::map<uint64_t, std::string> streams_ GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> values_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<MetadataStore> NewMemoryMetadataStore() { return std::make_unique<MemoryMetadataStore>(); }

}  // namespace sluice::catalog
