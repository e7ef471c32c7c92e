#include "protocol/request_decoder.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "protocol/json_reader.h"
#include "protocol/validation.h"

namespace sluice::protocol {
namespace {

using json::value;

constexpr size_t kMaxDataBytes = 10 * 1024 * 1024;  // model max; per-stream limits are semantic

Status ValidationStatus(const Validator& v) {
  if (v.ok()) return Status::Ok();
  return Status(Errc::kValidation, v.Message());
}

// StreamId is reserved by AWS and never echoed (endpoint trap): read and dropped.
Status SkipStreamId(value v) {
  std::optional<std::string_view> ignored;
  return json::ReadString(v, &ignored);
}

// Members shared by stream-addressed requests; returns true if the key was consumed.
bool StreamRefMember(std::string_view key, value v, StreamRef* r, Status* st) {
  if (key == "StreamName") {
    *st = json::ReadString(v, &r->stream_name);
  } else if (key == "StreamARN") {
    *st = json::ReadString(v, &r->stream_arn);
  } else if (key == "StreamId") {
    *st = SkipStreamId(v);
  } else {
    return false;
  }
  return true;
}

// StreamModeDetails {StreamMode}: null counts as absent.
Status ReadStreamModeDetails(value v, OptStr* mode, bool* present) {
  if (json::IsNull(v)) return Status::Ok();
  json::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return json::TypeMismatch(v, "a Structure");
  *present = true;
  return json::ForEachMember(o, [&](std::string_view k, value v2) -> Status {
    if (k == "StreamMode") return json::ReadString(v2, mode);
    return json::SkipValue(v2);
  });
}

void ValidateStreamMode(const OptStr& mode, Validator* v) {
  v->NotNull(mode.has_value(), "streamModeDetails.streamMode");
  v->Enum(mode, {"PROVISIONED", "ON_DEMAND"}, "streamModeDetails.streamMode");
}

void ValidateStreamArn(const OptStr& arn, Validator* v) {
  v->Length(arn, 1, 2048, "streamARN");
  v->Pattern(arn, MatchesStreamArn, kStreamArnPattern, "streamARN");
}

void ValidateStreamRef(const StreamRef& r, Validator* v) {
  v->Length(r.stream_name, 1, 128, "streamName");
  v->Pattern(r.stream_name, MatchesName, kNamePattern, "streamName");
  ValidateStreamArn(r.stream_arn, v);
}

void ValidateShardId(const OptStr& s, std::string_view path, Validator* v) {
  v->Length(s, 1, 128, path);
  v->Pattern(s, MatchesName, kNamePattern, path);
}

void ValidateTags(const std::optional<TagPairs>& tags, std::string_view path, Validator* v) {
  if (!tags) return;
  if (tags->empty() || tags->size() > 200) {
    v->Fail("'{}'", path,
            tags->empty() ? "have length greater than or equal to 1" : "have length less than or equal to 200");
  }
  for (const auto& [k, val] : *tags) {
    v->CharLength(k, 1, 128, std::string(path) + ".key");
    v->CharLength(val, 0, 256, std::string(path) + ".value");
  }
}

void ValidateConsumerName(const OptStr& name, Validator* v) {
  v->Length(name, 1, 128, "consumerName");
  v->Pattern(name, MatchesName, kNamePattern, "consumerName");
}

void ValidateConsumerArn(const OptStr& arn, Validator* v) {
  v->Length(arn, 1, 2048, "consumerARN");
  v->Pattern(arn, MatchesConsumerArn, kConsumerArnPattern, "consumerARN");
}

void ValidateTagKeys(const std::optional<std::vector<std::string_view>>& keys, Validator* v) {
  if (!keys) return;
  v->ListLength(keys->size(), 1, 50, "tagKeys", "[...]");
  for (size_t i = 0; i < keys->size(); ++i)
    v->CharLength((*keys)[i], 1, 128, "tagKeys." + std::to_string(i + 1) + ".member");
}

}  // namespace

size_t RequestDecoder::DecodedBase64Length(std::string_view b64) {
  size_t n = b64.size() / 4 * 3;
  if (!b64.empty() && b64.back() == '=') --n;
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') --n;
  return n;
}

template <typename Fn>
Status RequestDecoder::ParseObject(std::string_view body, Fn&& on_member) {
  static constexpr std::string_view kEmpty = "{}";
  // An empty body is what some clients send for input-less operations.
  std::string_view text = body;
  size_t capacity = body.size() + simdjson::SIMDJSON_PADDING;
  static const std::string kPaddedEmpty = std::string(kEmpty) + std::string(simdjson::SIMDJSON_PADDING, ' ');
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    text = std::string_view(kPaddedEmpty.data(), kEmpty.size());
    capacity = kPaddedEmpty.size();
  }
  simdjson::padded_string_view psv(text.data(), text.size(), capacity);
  simdjson::ondemand::document doc;
  if (parser_.iterate(psv).get(doc) != simdjson::SUCCESS) return json::SerializationError("Invalid JSON body");
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS)
    return json::SerializationError("Request body must be a JSON object");
  SLUICE_RETURN_IF_ERROR(json::ForEachMember(obj, on_member));
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS)
    return json::SerializationError("Unexpected content after the JSON object");
  return Status::Ok();
}

Status RequestDecoder::Decode(std::string_view body, CreateStreamRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "ShardCount") return json::ReadInt(v, &r->shard_count);
    if (k == "Tags") return json::ReadStringMap(v, &r->tags);
    if (k == "WarmThroughputMiBps") return json::ReadInt(v, &r->warm_throughput_mibps);
    if (k == "MaxRecordSizeInKiB") return json::ReadInt(v, &r->max_record_size_kib);
    if (k == "StreamModeDetails") return ReadStreamModeDetails(v, &r->stream_mode, &r->has_mode_details);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->stream_name.has_value(), "streamName");
  v.Range(r->shard_count, 1, std::nullopt, "shardCount");
  if (r->has_mode_details) ValidateStreamMode(r->stream_mode, &v);
  ValidateTags(r->tags, "tags", &v);
  v.Range(r->warm_throughput_mibps, 0, std::nullopt, "warmThroughputMiBps");
  v.Range(r->max_record_size_kib, 1024, 10240, "maxRecordSizeInKiB");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, DeleteStreamRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "EnforceConsumerDeletion") return json::ReadBool(v, &r->enforce_consumer_deletion);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, DescribeStreamRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "Limit") return json::ReadInt(v, &r->limit);
    if (k == "ExclusiveStartShardId") return json::ReadString(v, &r->exclusive_start_shard_id);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.Range(r->limit, 1, 10000, "limit");
  ValidateShardId(r->exclusive_start_shard_id, "exclusiveStartShardId", &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, DescribeStreamSummaryRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, ListStreamsRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "Limit") return json::ReadInt(v, &r->limit);
    if (k == "ExclusiveStartStreamName") return json::ReadString(v, &r->exclusive_start_stream_name);
    if (k == "NextToken") return json::ReadString(v, &r->next_token);
    return json::SkipValue(v);
  }));
  Validator v;
  v.Range(r->limit, 1, 10000, "limit");
  v.Length(r->exclusive_start_stream_name, 1, 128, "exclusiveStartStreamName");
  v.Pattern(r->exclusive_start_stream_name, MatchesName, kNamePattern, "exclusiveStartStreamName");
  v.Length(r->next_token, 1, 1048576, "nextToken");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, ListShardsRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "NextToken") return json::ReadString(v, &r->next_token);
    if (k == "ExclusiveStartShardId") return json::ReadString(v, &r->exclusive_start_shard_id);
    if (k == "MaxResults") return json::ReadInt(v, &r->max_results);
    if (k == "StreamCreationTimestamp") return json::ReadTimestampMillis(v, &r->stream_creation_timestamp);
    if (k == "ShardFilter") {
      if (json::IsNull(v)) return Status::Ok();
      json::object o;
      if (v.get_object().get(o) != simdjson::SUCCESS) return json::TypeMismatch(v, "a Structure");
      r->shard_filter.emplace();
      return json::ForEachMember(o, [&](std::string_view k2, value v2) -> Status {
        if (k2 == "Type") return json::ReadString(v2, &r->shard_filter->type);
        if (k2 == "ShardId") return json::ReadString(v2, &r->shard_filter->shard_id);
        if (k2 == "Timestamp") return json::ReadTimestampMillis(v2, &r->shard_filter->timestamp);
        return json::SkipValue(v2);
      });
    }
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.Length(r->next_token, 1, 1048576, "nextToken");
  ValidateShardId(r->exclusive_start_shard_id, "exclusiveStartShardId", &v);
  v.Range(r->max_results, 1, 10000, "maxResults");
  if (r->shard_filter) {
    v.NotNull(r->shard_filter->type.has_value(), "shardFilter.type");
    v.Enum(r->shard_filter->type,
           {"AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"},
           "shardFilter.type");
    ValidateShardId(r->shard_filter->shard_id, "shardFilter.shardId", &v);
  }
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, PutRecordRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "Data") return json::ReadString(v, &r->data);
    if (k == "PartitionKey") return json::ReadString(v, &r->partition_key);
    if (k == "ExplicitHashKey") return json::ReadString(v, &r->explicit_hash_key);
    if (k == "SequenceNumberForOrdering") return json::ReadString(v, &r->sequence_number_for_ordering);
    return json::SkipValue(v);
  }));
  if (r->data && r->data->size() % 4 != 0)
    return json::SerializationError("Base64 encoded length is expected a multiple of 4 bytes but found: " +
                                    std::to_string(r->data->size()));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->data.has_value(), "data");
  if (r->data) v.BlobMaxLength(DecodedBase64Length(*r->data), kMaxDataBytes, "data");
  v.NotNull(r->partition_key.has_value(), "partitionKey");
  v.CharLength(r->partition_key, 1, 256, "partitionKey");
  v.Pattern(r->explicit_hash_key, MatchesHashKey, kHashKeyPattern, "explicitHashKey");
  v.Pattern(r->sequence_number_for_ordering, MatchesSequenceNumber, kSequenceNumberPattern,
            "sequenceNumberForOrdering");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, PutRecordsRequest* r) {
  r->stream_name.reset();
  r->stream_arn.reset();
  r->has_records = false;
  r->records.clear();  // keeps capacity
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k != "Records") return json::SkipValue(v);
    if (json::IsNull(v)) return Status::Ok();
    simdjson::ondemand::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return json::TypeMismatch(v, "a List");
    r->has_records = true;
    r->records.clear();
    for (auto el : arr) {
      json::value item;
      if (el.get(item) != simdjson::SUCCESS) return json::SerializationError("Invalid JSON array element");
      json::object o;
      if (item.get_object().get(o) != simdjson::SUCCESS) return json::TypeMismatch(item, "a Structure");
      PutRecordsEntry& e = r->records.emplace_back();
      SLUICE_RETURN_IF_ERROR(json::ForEachMember(o, [&](std::string_view k2, value v2) -> Status {
        if (k2 == "Data") return json::ReadString(v2, &e.data);
        if (k2 == "PartitionKey") return json::ReadString(v2, &e.partition_key);
        if (k2 == "ExplicitHashKey") return json::ReadString(v2, &e.explicit_hash_key);
        return json::SkipValue(v2);
      }));
      if (e.data && e.data->size() % 4 != 0)
        return json::SerializationError("Base64 encoded length is expected a multiple of 4 bytes but found: " +
                                        std::to_string(e.data->size()));
    }
    return Status::Ok();
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->has_records, "records");
  if (r->has_records) v.ListLength(r->records.size(), 1, 500, "records", "[...]");
  std::string path;
  for (size_t i = 0; i < r->records.size(); ++i) {
    const PutRecordsEntry& e = r->records[i];
    bool bad = !e.data || !e.partition_key || (e.data && DecodedBase64Length(*e.data) > kMaxDataBytes) ||
               (e.partition_key && (e.partition_key->empty() || e.partition_key->size() > 256)) ||
               (e.explicit_hash_key && !MatchesHashKey(*e.explicit_hash_key));
    if (!bad) continue;  // the common case builds no path strings
    std::string prefix = "records." + std::to_string(i + 1) + ".member.";
    v.NotNull(e.data.has_value(), prefix + "data");
    if (e.data) v.BlobMaxLength(DecodedBase64Length(*e.data), kMaxDataBytes, prefix + "data");
    v.NotNull(e.partition_key.has_value(), prefix + "partitionKey");
    v.CharLength(e.partition_key, 1, 256, prefix + "partitionKey");
    v.Pattern(e.explicit_hash_key, MatchesHashKey, kHashKeyPattern, prefix + "explicitHashKey");
  }
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, GetShardIteratorRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "ShardId") return json::ReadString(v, &r->shard_id);
    if (k == "ShardIteratorType") return json::ReadString(v, &r->shard_iterator_type);
    if (k == "StartingSequenceNumber") return json::ReadString(v, &r->starting_sequence_number);
    if (k == "Timestamp") return json::ReadTimestampMillis(v, &r->timestamp);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->shard_id.has_value(), "shardId");
  ValidateShardId(r->shard_id, "shardId", &v);
  v.NotNull(r->shard_iterator_type.has_value(), "shardIteratorType");
  v.Enum(r->shard_iterator_type,
         {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"},
         "shardIteratorType");
  v.Pattern(r->starting_sequence_number, MatchesSequenceNumber, kSequenceNumberPattern, "startingSequenceNumber");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, GetRecordsRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "ShardIterator") return json::ReadString(v, &r->shard_iterator);
    if (k == "Limit") return json::ReadInt(v, &r->limit);
    if (k == "StreamARN") return json::ReadString(v, &r->stream_arn);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->shard_iterator.has_value(), "shardIterator");
  v.Length(r->shard_iterator, 1, 512, "shardIterator");
  v.Range(r->limit, 1, 10000, "limit");
  ValidateStreamArn(r->stream_arn, &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, RetentionRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "RetentionPeriodHours") return json::ReadInt(v, &r->retention_period_hours);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->retention_period_hours.has_value(), "retentionPeriodHours");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, AddTagsToStreamRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "Tags") return json::ReadStringMap(v, &r->tags);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->tags.has_value(), "tags");
  ValidateTags(r->tags, "tags", &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, RemoveTagsFromStreamRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "TagKeys") return json::ReadStringList(v, &r->tag_keys);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->tag_keys.has_value(), "tagKeys");
  ValidateTagKeys(r->tag_keys, &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, ListTagsForStreamRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "ExclusiveStartTagKey") return json::ReadString(v, &r->exclusive_start_tag_key);
    if (k == "Limit") return json::ReadInt(v, &r->limit);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.CharLength(r->exclusive_start_tag_key, 1, 128, "exclusiveStartTagKey");
  v.Range(r->limit, 1, 50, "limit");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, TagResourceRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "ResourceARN") return json::ReadString(v, &r->resource_arn);
    if (k == "Tags") return json::ReadStringMap(v, &r->tags);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->tags.has_value(), "tags");
  ValidateTags(r->tags, "tags", &v);
  v.NotNull(r->resource_arn.has_value(), "resourceARN");
  v.Length(r->resource_arn, 1, 2048, "resourceARN");
  v.Pattern(r->resource_arn, MatchesResourceArn, kResourceArnPattern, "resourceARN");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, UntagResourceRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "ResourceARN") return json::ReadString(v, &r->resource_arn);
    if (k == "TagKeys") return json::ReadStringList(v, &r->tag_keys);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->tag_keys.has_value(), "tagKeys");
  ValidateTagKeys(r->tag_keys, &v);
  v.NotNull(r->resource_arn.has_value(), "resourceARN");
  v.Length(r->resource_arn, 1, 2048, "resourceARN");
  v.Pattern(r->resource_arn, MatchesResourceArn, kResourceArnPattern, "resourceARN");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, ListTagsForResourceRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "ResourceARN") return json::ReadString(v, &r->resource_arn);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->resource_arn.has_value(), "resourceARN");
  v.Length(r->resource_arn, 1, 2048, "resourceARN");
  v.Pattern(r->resource_arn, MatchesResourceArn, kResourceArnPattern, "resourceARN");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, UpdateMaxRecordSizeRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "MaxRecordSizeInKiB") return json::ReadInt(v, &r->max_record_size_kib);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->max_record_size_kib.has_value(), "maxRecordSizeInKiB");
  v.Range(r->max_record_size_kib, 1024, 10240, "maxRecordSizeInKiB");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, SplitShardRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "ShardToSplit") return json::ReadString(v, &r->shard_to_split);
    if (k == "NewStartingHashKey") return json::ReadString(v, &r->new_starting_hash_key);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->shard_to_split.has_value(), "shardToSplit");
  ValidateShardId(r->shard_to_split, "shardToSplit", &v);
  v.NotNull(r->new_starting_hash_key.has_value(), "newStartingHashKey");
  v.Pattern(r->new_starting_hash_key, MatchesHashKey, kHashKeyPattern, "newStartingHashKey");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, MergeShardsRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "ShardToMerge") return json::ReadString(v, &r->shard_to_merge);
    if (k == "AdjacentShardToMerge") return json::ReadString(v, &r->adjacent_shard_to_merge);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->shard_to_merge.has_value(), "shardToMerge");
  ValidateShardId(r->shard_to_merge, "shardToMerge", &v);
  v.NotNull(r->adjacent_shard_to_merge.has_value(), "adjacentShardToMerge");
  ValidateShardId(r->adjacent_shard_to_merge, "adjacentShardToMerge", &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, UpdateShardCountRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "TargetShardCount") return json::ReadInt(v, &r->target_shard_count);
    if (k == "ScalingType") return json::ReadString(v, &r->scaling_type);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->target_shard_count.has_value(), "targetShardCount");
  v.Range(r->target_shard_count, 1, std::nullopt, "targetShardCount");
  v.NotNull(r->scaling_type.has_value(), "scalingType");
  v.Enum(r->scaling_type, {"UNIFORM_SCALING"}, "scalingType");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, UpdateStreamModeRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "StreamARN") return json::ReadString(v, &r->stream_arn);
    if (k == "StreamModeDetails") return ReadStreamModeDetails(v, &r->stream_mode, &r->has_mode_details);
    if (k == "WarmThroughputMiBps") return json::ReadInt(v, &r->warm_throughput_mibps);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->stream_arn.has_value(), "streamARN");
  ValidateStreamArn(r->stream_arn, &v);
  v.NotNull(r->has_mode_details, "streamModeDetails");
  if (r->has_mode_details) ValidateStreamMode(r->stream_mode, &v);
  v.Range(r->warm_throughput_mibps, 0, std::nullopt, "warmThroughputMiBps");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, EnhancedMonitoringRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    Status st;
    if (StreamRefMember(k, v, r, &st)) return st;
    if (k == "ShardLevelMetrics") return json::ReadStringList(v, &r->shard_level_metrics);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamRef(*r, &v);
  v.NotNull(r->shard_level_metrics.has_value(), "shardLevelMetrics");
  if (r->shard_level_metrics) {
    const auto& names = *r->shard_level_metrics;
    std::string repr = "[";
    for (size_t i = 0; i < names.size(); ++i) repr.append(i ? ", " : "").append(names[i]);
    repr.push_back(']');
    v.ListLength(names.size(), 1, 7, "shardLevelMetrics", repr);
    static constexpr std::string_view kMetricsNames[] = {"IncomingBytes",
                                                         "IncomingRecords",
                                                         "OutgoingBytes",
                                                         "OutgoingRecords",
                                                         "WriteProvisionedThroughputExceeded",
                                                         "ReadProvisionedThroughputExceeded",
                                                         "IteratorAgeMilliseconds",
                                                         "ALL"};
    bool all_known = std::all_of(names.begin(), names.end(), [](std::string_view n) {
      return std::find(std::begin(kMetricsNames), std::end(kMetricsNames), n) != std::end(kMetricsNames);
    });
    if (!all_known) {
      std::string rule = "satisfy constraint: [Member must satisfy enum value set: [";
      for (size_t i = 0; i < std::size(kMetricsNames); ++i) rule.append(i ? ", " : "").append(kMetricsNames[i]);
      rule.append("]]");
      v.Fail("'" + repr + "'", "shardLevelMetrics", rule);
    }
  }
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, RegisterStreamConsumerRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "StreamARN") return json::ReadString(v, &r->stream_arn);
    if (k == "ConsumerName") return json::ReadString(v, &r->consumer_name);
    if (k == "Tags") return json::ReadStringMap(v, &r->tags);
    if (k == "StreamId") return SkipStreamId(v);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->stream_arn.has_value(), "streamARN");
  ValidateStreamArn(r->stream_arn, &v);
  v.NotNull(r->consumer_name.has_value(), "consumerName");
  ValidateConsumerName(r->consumer_name, &v);
  ValidateTags(r->tags, "tags", &v);
  return ValidationStatus(v);
}

// DescribeStreamConsumer and DeregisterStreamConsumer: every member optional in the model; which
// combination names a consumer is the handler's (semantic) check.
Status RequestDecoder::DecodeConsumerRef(std::string_view body, ConsumerRef* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "StreamARN") return json::ReadString(v, &r->stream_arn);
    if (k == "ConsumerName") return json::ReadString(v, &r->consumer_name);
    if (k == "ConsumerARN") return json::ReadString(v, &r->consumer_arn);
    if (k == "StreamId") return SkipStreamId(v);
    return json::SkipValue(v);
  }));
  Validator v;
  ValidateStreamArn(r->stream_arn, &v);
  ValidateConsumerName(r->consumer_name, &v);
  ValidateConsumerArn(r->consumer_arn, &v);
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, DescribeStreamConsumerRequest* r) {
  return DecodeConsumerRef(body, r);
}

Status RequestDecoder::Decode(std::string_view body, DeregisterStreamConsumerRequest* r) {
  return DecodeConsumerRef(body, r);
}

Status RequestDecoder::Decode(std::string_view body, ListStreamConsumersRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "StreamARN") return json::ReadString(v, &r->stream_arn);
    if (k == "NextToken") return json::ReadString(v, &r->next_token);
    if (k == "MaxResults") return json::ReadInt(v, &r->max_results);
    if (k == "StreamCreationTimestamp") return json::ReadTimestampMillis(v, &r->stream_creation_timestamp);
    if (k == "StreamId") return SkipStreamId(v);
    return json::SkipValue(v);
  }));
  Validator v;
  v.NotNull(r->stream_arn.has_value(), "streamARN");
  ValidateStreamArn(r->stream_arn, &v);
  v.Length(r->next_token, 1, 1048576, "nextToken");
  v.Range(r->max_results, 1, 10000, "maxResults");
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, SubscribeToShardRequest* r) {
  *r = {};
  SLUICE_RETURN_IF_ERROR(ParseObject(body, [&](std::string_view k, value v) -> Status {
    if (k == "ConsumerARN") return json::ReadString(v, &r->consumer_arn);
    if (k == "ShardId") return json::ReadString(v, &r->shard_id);
    if (k == "StreamId") return SkipStreamId(v);
    if (k != "StartingPosition") return json::SkipValue(v);
    if (json::IsNull(v)) return Status::Ok();
    json::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return json::TypeMismatch(v, "a Structure");
    r->has_starting_position = true;
    return json::ForEachMember(o, [&](std::string_view k2, value v2) -> Status {
      if (k2 == "Type") return json::ReadString(v2, &r->starting_type);
      if (k2 == "SequenceNumber") return json::ReadString(v2, &r->starting_sequence_number);
      if (k2 == "Timestamp") return json::ReadTimestampMillis(v2, &r->starting_timestamp);
      return json::SkipValue(v2);
    });
  }));
  Validator v;
  v.NotNull(r->consumer_arn.has_value(), "consumerARN");
  ValidateConsumerArn(r->consumer_arn, &v);
  v.NotNull(r->shard_id.has_value(), "shardId");
  ValidateShardId(r->shard_id, "shardId", &v);
  v.NotNull(r->has_starting_position, "startingPosition");
  if (r->has_starting_position) {
    v.NotNull(r->starting_type.has_value(), "startingPosition.type");
    v.Enum(r->starting_type, {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"},
           "startingPosition.type");
    v.Pattern(r->starting_sequence_number, MatchesSequenceNumber, kSequenceNumberPattern,
              "startingPosition.sequenceNumber");
  }
  return ValidationStatus(v);
}

Status RequestDecoder::Decode(std::string_view body, EmptyRequest* r) {
  return ParseObject(body, [](std::string_view, value v) -> Status { return json::SkipValue(v); });
}

}  // namespace sluice::protocol
