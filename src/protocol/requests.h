#pragma once
// Decoded request shapes, one struct per action, named after the botocore model's members.
// Strings are views into the decoder's buffers: valid until the decoder is reused.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::protocol {

using OptStr = std::optional<std::string_view>;
using OptInt = std::optional<int64_t>;
using OptBool = std::optional<bool>;
using OptMillis = std::optional<int64_t>;  // timestamps, epoch milliseconds
using TagPairs = std::vector<std::pair<std::string_view, std::string_view>>;

// Every stream-addressed request carries these.
struct StreamRef {
  OptStr stream_name;
  OptStr stream_arn;
};

struct CreateStreamRequest : StreamRef {
  OptInt shard_count;
  OptStr stream_mode;  // StreamModeDetails.StreamMode
  bool has_mode_details = false;
  std::optional<TagPairs> tags;
  OptInt warm_throughput_mibps;
  OptInt max_record_size_kib;
};

struct DeleteStreamRequest : StreamRef {
  OptBool enforce_consumer_deletion;
};

struct DescribeStreamRequest : StreamRef {
  OptInt limit;
  OptStr exclusive_start_shard_id;
};

struct DescribeStreamSummaryRequest : StreamRef {};

struct ListStreamsRequest {
  OptInt limit;
  OptStr exclusive_start_stream_name;
  OptStr next_token;
};

struct ShardFilter {
  OptStr type;
  OptStr shard_id;
  OptMillis timestamp;
};

struct ListShardsRequest : StreamRef {
  OptStr next_token;
  OptStr exclusive_start_shard_id;
  OptInt max_results;
  OptMillis stream_creation_timestamp;
  std::optional<ShardFilter> shard_filter;
};

struct PutRecordRequest : StreamRef {
  OptStr data;  // base64 text; decoded by the handler straight into the log batch
  OptStr partition_key;
  OptStr explicit_hash_key;
  OptStr sequence_number_for_ordering;
};

struct PutRecordsEntry {
  OptStr data;  // base64 text
  OptStr partition_key;
  OptStr explicit_hash_key;
};

struct PutRecordsRequest : StreamRef {
  bool has_records = false;
  std::vector<PutRecordsEntry> records;  // capacity reused across requests
};

struct GetShardIteratorRequest : StreamRef {
  OptStr shard_id;
  OptStr shard_iterator_type;
  OptStr starting_sequence_number;
  OptMillis timestamp;
};

struct GetRecordsRequest {
  OptStr shard_iterator;
  OptInt limit;
  OptStr stream_arn;
};

struct RetentionRequest : StreamRef {
  OptInt retention_period_hours;
};

struct AddTagsToStreamRequest : StreamRef {
  std::optional<TagPairs> tags;
};

struct RemoveTagsFromStreamRequest : StreamRef {
  std::optional<std::vector<std::string_view>> tag_keys;
};

struct ListTagsForStreamRequest : StreamRef {
  OptStr exclusive_start_tag_key;
  OptInt limit;
};

struct TagResourceRequest {
  OptStr resource_arn;
  std::optional<TagPairs> tags;
};

struct UntagResourceRequest {
  OptStr resource_arn;
  std::optional<std::vector<std::string_view>> tag_keys;
};

struct ListTagsForResourceRequest {
  OptStr resource_arn;
};

struct EmptyRequest {};

struct UpdateMaxRecordSizeRequest : StreamRef {
  OptInt max_record_size_kib;
};

struct SplitShardRequest : StreamRef {
  OptStr shard_to_split;
  OptStr new_starting_hash_key;
};

struct MergeShardsRequest : StreamRef {
  OptStr shard_to_merge;
  OptStr adjacent_shard_to_merge;
};

struct UpdateShardCountRequest : StreamRef {
  OptInt target_shard_count;
  OptStr scaling_type;
};

// EnableEnhancedMonitoring and DisableEnhancedMonitoring.
struct EnhancedMonitoringRequest : StreamRef {
  std::optional<std::vector<std::string_view>> shard_level_metrics;
};

// The model takes only StreamARN (stream_name stays unset).
struct UpdateStreamModeRequest : StreamRef {
  OptStr stream_mode;  // StreamModeDetails.StreamMode
  bool has_mode_details = false;
  OptInt warm_throughput_mibps;
};

// Enhanced fan-out. A consumer is named by ConsumerARN, or by StreamARN + ConsumerName.
struct ConsumerRef {
  OptStr stream_arn;
  OptStr consumer_name;
  OptStr consumer_arn;
};

struct RegisterStreamConsumerRequest {
  OptStr stream_arn;
  OptStr consumer_name;
  std::optional<TagPairs> tags;
};

struct DescribeStreamConsumerRequest : ConsumerRef {};
struct DeregisterStreamConsumerRequest : ConsumerRef {};

struct ListStreamConsumersRequest {
  OptStr stream_arn;
  OptStr next_token;
  OptInt max_results;
  OptMillis stream_creation_timestamp;
};

struct SubscribeToShardRequest {
  OptStr consumer_arn;
  OptStr shard_id;
  // StartingPosition {Type, SequenceNumber, Timestamp}; has_starting_position says whether the
  // member was present at all (it is required).
  bool has_starting_position = false;
  OptStr starting_type;
  OptStr starting_sequence_number;
  OptMillis starting_timestamp;
};

}  // namespace sluice::protocol
