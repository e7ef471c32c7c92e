#pragma once
// The durable home of the catalog's metadata: one row per stream (its encoded Stream, see
// stream_codec.h) plus a few named values (last_epoch, the iterator secret). Rows are
// written one at a time, so a change never rewrites the whole catalog.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::catalog {

struct StreamRecord {
  uint64_t uid = 0;
  std::string data;  // EncodeStream's bytes; opaque to the store
};

// Applied all-or-nothing: stream creation writes the row and last_epoch together, so a crash
// can never leave one without the other.
struct MetadataBatch {
  std::vector<StreamRecord> put_streams;
  std::vector<uint64_t> delete_streams;
  std::vector<std::pair<std::string, std::string>> put_values;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual Result<std::vector<StreamRecord>> LoadStreams() = 0;
  virtual Result<std::optional<std::string>> GetValue(std::string_view key) = 0;
  // Durable (per the backend) when it returns Ok; on error nothing of the batch is applied.
  virtual Status Apply(const MetadataBatch& batch) = 0;

  Status PutStream(const StreamRecord& record);  // upsert
  Status DeleteStream(uint64_t uid);             // absent uid is not an error
  Status PutValue(std::string_view key, std::string_view value);
};

// Keeps everything in memory: for unit tests and `--storage memory`.
std::unique_ptr<MetadataStore> NewMemoryMetadataStore();

// SQLite at `path` (created if missing) in WAL mode with synchronous=FULL: a committed batch
// survives power loss, an uncommitted one is never seen.
Result<std::unique_ptr<MetadataStore>> NewSqliteMetadataStore(const std::string& path);

// Names of the values the catalog and the server keep.
inline constexpr std::string_view kLastEpochKey = "last_epoch";
inline constexpr std::string_view kIteratorKeyKey = "iterator_key";

}  // namespace sluice::catalog
