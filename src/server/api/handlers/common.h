#pragma once
// Helpers shared by several handlers: state checks, shard JSON, tags, pagination tokens.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "catalog/stream.h"
#include "model/shard_iterator.h"
#include "protocol/json_writer.h"
#include "protocol/requests.h"

namespace sluice::server::api {

// Control operations that change a stream need it ACTIVE.
Status RequireActive(const catalog::Stream& s, int64_t now_ms);
// Runs fn on the stream under the catalog's write lock once it is ACTIVE.
Status WriteActiveStream(catalog::Catalog* catalog, const catalog::StreamKey& key, int64_t now_ms,
                         const std::function<Status(catalog::Stream&)>& fn);
// Writes StreamModeDetails {StreamMode}.
void WriteStreamModeDetails(protocol::JsonWriter& w, const catalog::Stream& s);
// Data-plane operations: a stream still CREATING has no readable shards (AWS: not found).
Status RequireDataPlane(const catalog::Stream& s, int64_t now_ms);

// First offset still within the stream's retention period: older records are never served,
// even before the storage engine deletes them.
uint64_t RetentionFloor(const catalog::Stream& s, const catalog::Shard& sh, int64_t now_ms);

// A closed shard whose records are all past retention: AWS no longer lists it (EXPIRED).
bool ShardExpired(const catalog::Stream& s, const catalog::Shard& sh, int64_t now_ms);

const catalog::Shard* FindShard(const catalog::Stream& s, std::string_view shard_id);
Status ShardNotFound(const catalog::Stream& s, std::string_view shard_id);

void WriteShardJson(protocol::JsonWriter& w, const catalog::Stream& s, const catalog::Shard& sh);
void WriteEnhancedMonitoring(protocol::JsonWriter& w, const catalog::Stream& s);
void WriteHashKeyRange(protocol::JsonWriter& w, const model::HashKeyRange& r);

// Tag rules beyond the model's lengths: allowed characters, reserved prefix, 50 per resource.
Status CheckTags(const protocol::TagPairs& tags);
Status ApplyTags(catalog::Stream& s, const protocol::TagPairs& tags);
Status RemoveTags(catalog::Stream& s, const std::vector<std::string_view>& keys);
// The same on any resource's tags; kind ("stream", "consumer") and name (what follows the kind in
// the over-the-limit message) describe it.
Status ApplyTags(std::map<std::string, std::string>& have, const protocol::TagPairs& tags, std::string_view kind,
                 std::string_view name);
Status RemoveTags(std::map<std::string, std::string>& have, const std::vector<std::string_view>& keys);
// ListTagsForResource's output: {"Tags":[{"Key","Value"}...]}.
void WriteTagList(protocol::JsonWriter& w, const std::map<std::string, std::string>& tags);

// Signed, expiring pagination tokens: payload fields joined by '\n'.
std::string EncodeNextToken(const model::IteratorKey& key, int64_t now_ms, const std::vector<std::string>& fields);
// Returns the fields, or InvalidArgument / ExpiredNextToken.
Result<std::vector<std::string>> DecodeNextToken(const model::IteratorKey& key, std::string_view token, int64_t now_ms,
                                                 int64_t ttl_ms);

}  // namespace sluice::server::api
