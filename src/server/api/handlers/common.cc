#include "server/api/handlers/common.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "base/base64.h"
#include "model/sequence_number.h"
#include "model/shard_id.h"

namespace sluice::server::api {

using catalog::StreamStatus;

Status RequireActive(const catalog::Stream& s, int64_t now_ms) {
  StreamStatus st = s.StatusAt(now_ms);
  if (st == StreamStatus::kActive) return Status::Ok();
  return Status(Errc::kInUse, catalog::Catalog::NotActiveMessage(s, st));
}

Status WriteActiveStream(catalog::Catalog* catalog, const catalog::StreamKey& key, int64_t now_ms,
                         const std::function<Status(catalog::Stream&)>& fn) {
  return catalog->Write(key, [&](catalog::Stream& s) -> Status {
    SLUICE_RETURN_IF_ERROR(RequireActive(s, now_ms));
    return fn(s);
  });
}

void WriteStreamModeDetails(protocol::JsonWriter& w, const catalog::Stream& s) {
  w.Key("StreamModeDetails");
  w.BeginObject();
  w.Field("StreamMode", catalog::StreamModeName(s.mode));
  w.EndObject();
}

Status RequireDataPlane(const catalog::Stream& s, int64_t now_ms) {
  if (s.StatusAt(now_ms) == StreamStatus::kCreating)
    return Status(Errc::kNotFound, "Stream " + s.name + " under account " + s.account + " not found.");
  return Status::Ok();
}

uint64_t RetentionFloor(const catalog::Stream& s, const catalog::Shard& sh, int64_t now_ms) {
  int64_t horizon = now_ms - int64_t{s.retention_hours} * 3600 * 1000;
  return std::max(sh.log->OffsetForTimestamp(horizon), sh.log->Bounds().start_offset);
}

bool ShardExpired(const catalog::Stream& s, const catalog::Shard& sh, int64_t now_ms) {
  // Every record of a closed shard arrived no later than its close.
  return sh.closed_ms && *sh.closed_ms < now_ms - int64_t{s.retention_hours} * 3600 * 1000;
}

const catalog::Shard* FindShard(const catalog::Stream& s, std::string_view shard_id) {
  auto idx = model::ParseShardId(shard_id);
  if (!idx || idx->value >= s.shards.size()) return nullptr;
  return &s.shards[idx->value];
}

Status ShardNotFound(const catalog::Stream& s, std::string_view shard_id) {
  return Status(Errc::kNotFound, "Shard " + std::string(shard_id) + " in stream " + s.name + " under account " +
                                     s.account + " does not exist");
}

void WriteHashKeyRange(protocol::JsonWriter& w, const model::HashKeyRange& r) {
  w.Key("HashKeyRange");
  w.BeginObject();
  w.Field("StartingHashKey", model::FormatHashKey(r.start));
  w.Field("EndingHashKey", model::FormatHashKey(r.end));
  w.EndObject();
}

void WriteShardJson(protocol::JsonWriter& w, const catalog::Stream& s, const catalog::Shard& sh) {
  w.BeginObject();
  w.Field("ShardId", model::FormatShardId({sh.index}));
  if (sh.parent) w.Field("ParentShardId", model::FormatShardId({*sh.parent}));
  if (sh.adjacent_parent) w.Field("AdjacentParentShardId", model::FormatShardId({*sh.adjacent_parent}));
  WriteHashKeyRange(w, sh.range);
  w.Key("SequenceNumberRange");
  w.BeginObject();
  w.Field("StartingSequenceNumber", model::FormatSequenceNumber({s.epoch, sh.index, 0, 0}));
  if (sh.end_offset) {
    // One below the first position the shard never reached: >= every record it holds.
    uint64_t last = *sh.end_offset == 0 ? 0 : *sh.end_offset - 1;
    w.Field("EndingSequenceNumber", model::FormatSequenceNumber({s.epoch, sh.index, last, ~uint64_t{0}}));
  }
  w.EndObject();
  w.EndObject();
}

void WriteEnhancedMonitoring(protocol::JsonWriter& w, const catalog::Stream& s) {
  w.Key("EnhancedMonitoring");
  w.BeginArray();
  w.BeginObject();
  w.Key("ShardLevelMetrics");
  w.BeginArray();
  for (const auto& m : s.shard_level_metrics) w.String(m);
  w.EndArray();
  w.EndObject();
  w.EndArray();
}

namespace {

bool TagCharAllowed(uint32_t cp) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '\t' ||
           c == '\n' || c == '\r' || c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' ||
           c == '@';
  }
  return true;  // non-ASCII: letters/digits in other scripts are accepted, as AWS's \p{L}\p{N} do
}

bool AllTagChars(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 && !TagCharAllowed(c)) return false;
  }
  return true;
}

constexpr size_t kMaxTagsPerResource = 50;

}  // namespace

Status CheckTags(const protocol::TagPairs& tags) {
  for (const auto& [k, v] : tags) {
    if (!AllTagChars(k) || !AllTagChars(v)) {
      return Status(Errc::kInvalidArgument,
                    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, "
                    "_ . : / = + - @.");
    }
    if (k.starts_with("aws:"))
      return Status(Errc::kInvalidArgument, "Tag keys starting with 'aws:' are reserved for AWS use.");
  }
  return Status::Ok();
}

Status ApplyTags(std::map<std::string, std::string>& have, const protocol::TagPairs& tags, std::string_view kind,
                 std::string_view name) {
  SLUICE_RETURN_IF_ERROR(CheckTags(tags));
  size_t added = 0;
  for (const auto& [k, v] : tags)
    if (!have.count(std::string(k))) ++added;
  if (have.size() + added > kMaxTagsPerResource) {
    std::string m = "Failed to add tags to ";
    m.append(kind).append(" ").append(name).append(" because a given ").append(kind);
    m.append(" cannot have more than ").append(std::to_string(kMaxTagsPerResource)).append(" tags.");
    return Status(Errc::kLimitExceeded, m);
  }
  for (const auto& [k, v] : tags) have[std::string(k)] = std::string(v);
  return Status::Ok();
}

Status ApplyTags(catalog::Stream& s, const protocol::TagPairs& tags) {
  return ApplyTags(s.tags, tags, "stream", s.name + " under account " + s.account);
}

Status RemoveTags(std::map<std::string, std::string>& have, const std::vector<std::string_view>& keys) {
  for (auto k : keys) {
    if (!AllTagChars(k))
      return Status(Errc::kInvalidArgument,
                    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, "
                    "_ . : / = + - @.");
  }
  for (auto k : keys) have.erase(std::string(k));
  return Status::Ok();
}

Status RemoveTags(catalog::Stream& s, const std::vector<std::string_view>& keys) { return RemoveTags(s.tags, keys); }

void WriteTagList(protocol::JsonWriter& w, const std::map<std::string, std::string>& tags) {
  w.BeginObject();
  w.Key("Tags");
  w.BeginArray();
  for (const auto& [k, v] : tags) {
    w.BeginObject();
    w.Field("Key", k);
    w.Field("Value", v);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

namespace {
constexpr size_t kTokenMac = 16;

std::string TokenMac(const model::IteratorKey& key, std::string_view payload) {
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(payload.data()),
       payload.size(), full, &len);
  return std::string(reinterpret_cast<char*>(full), kTokenMac);
}
}  // namespace

std::string EncodeNextToken(const model::IteratorKey& key, int64_t now_ms, const std::vector<std::string>& fields) {
  std::string payload = std::to_string(now_ms);
  for (const auto& f : fields) payload.append("\n").append(f);
  std::string raw = TokenMac(key, payload) + payload;
  std::string out;
  base64::AppendEncoded(raw, &out);
  return out;
}

Result<std::vector<std::string>> DecodeNextToken(const model::IteratorKey& key, std::string_view token, int64_t now_ms,
                                                 int64_t ttl_ms) {
  std::string raw;
  Status invalid(Errc::kInvalidArgument, "Invalid NextToken.");
  if (!base64::DecodeToString(token, &raw) || raw.size() <= kTokenMac) return invalid;
  std::string_view payload = std::string_view(raw).substr(kTokenMac);
  std::string mac = TokenMac(key, payload);
  if (CRYPTO_memcmp(mac.data(), raw.data(), kTokenMac) != 0) return invalid;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t nl = payload.find('\n', start);
    parts.emplace_back(payload.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  int64_t issued = std::strtoll(parts[0].c_str(), nullptr, 10);
  if (now_ms - issued > ttl_ms) {
    return Status(Errc::kExpiredNextToken,
                  "The timestampInMillis parameter of the NextToken expired: token issued at " +
                      std::to_string(issued) + ", now " + std::to_string(now_ms) + ".");
  }
  parts.erase(parts.begin());
  return parts;
}

}  // namespace sluice::server::api
