#pragma once
// Decodes AWS JSON 1.1 request bodies into the structs of requests.h and checks the model's
// constraints. One decoder per thread: the decoded views live in its parser's buffers until
// the next Decode call.
#include <simdjson.h>

#include <string_view>

#include "base/status.h"
#include "protocol/requests.h"

namespace sluice::protocol {

class RequestDecoder {
 public:
  // `body` must be followed by at least SIMDJSON_PADDING readable bytes.
  Status Decode(std::string_view body, CreateStreamRequest* r);
  Status Decode(std::string_view body, DeleteStreamRequest* r);
  Status Decode(std::string_view body, DescribeStreamRequest* r);
  Status Decode(std::string_view body, DescribeStreamSummaryRequest* r);
  Status Decode(std::string_view body, ListStreamsRequest* r);
  Status Decode(std::string_view body, ListShardsRequest* r);
  Status Decode(std::string_view body, PutRecordRequest* r);
  Status Decode(std::string_view body, PutRecordsRequest* r);
  Status Decode(std::string_view body, GetShardIteratorRequest* r);
  Status Decode(std::string_view body, GetRecordsRequest* r);
  Status Decode(std::string_view body, RetentionRequest* r);
  Status Decode(std::string_view body, AddTagsToStreamRequest* r);
  Status Decode(std::string_view body, RemoveTagsFromStreamRequest* r);
  Status Decode(std::string_view body, ListTagsForStreamRequest* r);
  Status Decode(std::string_view body, TagResourceRequest* r);
  Status Decode(std::string_view body, UntagResourceRequest* r);
  Status Decode(std::string_view body, ListTagsForResourceRequest* r);
  Status Decode(std::string_view body, UpdateMaxRecordSizeRequest* r);
  Status Decode(std::string_view body, SplitShardRequest* r);
  Status Decode(std::string_view body, MergeShardsRequest* r);
  Status Decode(std::string_view body, UpdateShardCountRequest* r);
  Status Decode(std::string_view body, UpdateStreamModeRequest* r);
  Status Decode(std::string_view body, EnhancedMonitoringRequest* r);
  Status Decode(std::string_view body, EmptyRequest* r);
  // Enhanced fan-out.
  Status Decode(std::string_view body, RegisterStreamConsumerRequest* r);
  Status Decode(std::string_view body, DescribeStreamConsumerRequest* r);
  Status Decode(std::string_view body, DeregisterStreamConsumerRequest* r);
  Status Decode(std::string_view body, ListStreamConsumersRequest* r);
  Status Decode(std::string_view body, SubscribeToShardRequest* r);

  // Length in bytes of base64 text once decoded (assuming well-formed padding).
  static size_t DecodedBase64Length(std::string_view b64);

 private:
  template <typename Fn>
  Status ParseObject(std::string_view body, Fn&& on_member);
  Status DecodeConsumerRef(std::string_view body, ConsumerRef* r);

  simdjson::ondemand::parser parser_;
};

}  // namespace sluice::protocol
