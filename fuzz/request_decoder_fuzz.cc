// libFuzzer target for the AWS JSON 1.1 request decoder: the input is a request body, decoded
// as every request type the decoder knows. Checks, besides the sanitizers:
//   - a failed decode is always a SerializationException or a ValidationException;
//   - a successful decode honours the model constraints the handlers rely on (required members
//     present, blob text a multiple of 4 characters, list lengths within bounds).
// The body is copied into a buffer followed by SIMDJSON_PADDING spare bytes, as the transport
// guarantees (and filled with junk, so reading past the body would change results).
//
// With SLUICE_FUZZ_STRICT_JSON=1 in the environment it also checks that a body which is not
// valid JSON (per simdjson's validating DOM parser) is never accepted by any decoder. Off by
// default: the on-demand decoder does not yet validate skipped member values (known bug).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "protocol/request_decoder.h"

using namespace sluice;
using namespace sluice::protocol;

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

void CheckStatus(const Status& st) {
  if (st.ok()) return;
  Check(st.code() == Errc::kSerialization || st.code() == Errc::kValidation, "unexpected error code");
  Check(!st.message().empty(), "error without a message");
  if (st.code() == Errc::kValidation)
    Check(st.message().find("validation error") != std::string::npos, "validation message format");
}

bool g_invalid_json = false;  // set per input in strict mode

template <typename R>
Status Run(RequestDecoder& d, std::string_view body, R* r) {
  Status st = d.Decode(body, r);
  CheckStatus(st);
  if (g_invalid_json) Check(!st.ok(), "decoder accepted a body that is not valid JSON");
  return st;
}

bool StrictJson() {
  static const bool strict = std::getenv("SLUICE_FUZZ_STRICT_JSON") != nullptr;
  return strict;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static RequestDecoder decoder;
  static PutRecordsRequest put_records;  // reused across inputs, as the server does
  std::vector<char> buf(size + simdjson::SIMDJSON_PADDING);
  if (size) std::memcpy(buf.data(), data, size);
  for (size_t i = 0; i < simdjson::SIMDJSON_PADDING; ++i) buf[size + i] = "}]\"1 ,:{["[i % 9];
  std::string_view body(buf.data(), size);
  g_invalid_json = false;
  if (StrictJson() && body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    static simdjson::dom::parser dom;
    simdjson::dom::element ignored;
    auto err = dom.parse(body.data(), body.size(), true).get(ignored);
    // The DOM parser also refuses numbers it cannot represent (e.g. 1e400, 2^64), which are
    // valid JSON that a decoder may skip; number errors are therefore not counted.
    g_invalid_json = err != simdjson::SUCCESS && err != simdjson::NUMBER_ERROR;
  }

  {
    CreateStreamRequest r;
    if (Run(decoder, body, &r).ok()) {
      Check(r.stream_name.has_value(), "CreateStream without StreamName");
      Check(!r.shard_count || *r.shard_count >= 1, "ShardCount < 1");
      if (r.tags) Check(!r.tags->empty() && r.tags->size() <= 200, "Tags size");
    }
  }
  {
    DeleteStreamRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    DescribeStreamRequest r;
    if (Run(decoder, body, &r).ok()) Check(!r.limit || (*r.limit >= 1 && *r.limit <= 10000), "Limit range");
  }
  {
    DescribeStreamSummaryRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    ListStreamsRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    ListShardsRequest r;
    if (Run(decoder, body, &r).ok() && r.shard_filter) Check(r.shard_filter->type.has_value(), "ShardFilter.Type");
  }
  {
    PutRecordRequest r;
    if (Run(decoder, body, &r).ok()) {
      Check(r.data && r.partition_key, "PutRecord required members");
      Check(r.data->size() % 4 == 0, "PutRecord Data length");
      Check(!r.partition_key->empty(), "PutRecord empty key");
    }
  }
  {
    if (Run(decoder, body, &put_records).ok()) {
      Check(put_records.has_records, "PutRecords without Records");
      Check(!put_records.records.empty() && put_records.records.size() <= 500, "PutRecords count");
      for (const auto& e : put_records.records) {
        Check(e.data && e.partition_key, "PutRecords entry required members");
        Check(e.data->size() % 4 == 0, "PutRecords Data length");
        Check(RequestDecoder::DecodedBase64Length(*e.data) <= 10 * 1024 * 1024, "PutRecords Data size");
      }
    }
  }
  {
    GetShardIteratorRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.shard_id && r.shard_iterator_type, "GetShardIterator required");
  }
  {
    GetRecordsRequest r;
    if (Run(decoder, body, &r).ok())
      Check(r.shard_iterator && !r.shard_iterator->empty() && r.shard_iterator->size() <= 512, "ShardIterator");
  }
  {
    RetentionRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.retention_period_hours.has_value(), "RetentionPeriodHours");
  }
  {
    AddTagsToStreamRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.tags.has_value(), "AddTagsToStream Tags");
  }
  {
    RemoveTagsFromStreamRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.tag_keys && !r.tag_keys->empty() && r.tag_keys->size() <= 50, "TagKeys");
  }
  {
    ListTagsForStreamRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    TagResourceRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.resource_arn && r.tags, "TagResource required");
  }
  {
    UntagResourceRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.resource_arn && r.tag_keys, "UntagResource required");
  }
  {
    ListTagsForResourceRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    UpdateMaxRecordSizeRequest r;
    if (Run(decoder, body, &r).ok())
      Check(r.max_record_size_kib && *r.max_record_size_kib >= 1024 && *r.max_record_size_kib <= 10240,
            "MaxRecordSizeInKiB");
  }
  {
    EmptyRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    RegisterStreamConsumerRequest r;
    if (Run(decoder, body, &r).ok())
      Check(r.stream_arn && r.consumer_name && !r.consumer_name->empty() && r.consumer_name->size() <= 128,
            "RegisterStreamConsumer required");
  }
  {
    DescribeStreamConsumerRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    DeregisterStreamConsumerRequest r;
    Run(decoder, body, &r).IgnoreError();
  }
  {
    ListStreamConsumersRequest r;
    if (Run(decoder, body, &r).ok()) Check(r.stream_arn.has_value(), "ListStreamConsumers StreamARN");
  }
  {
    SubscribeToShardRequest r;
    if (Run(decoder, body, &r).ok())
      Check(r.consumer_arn && r.shard_id && r.has_starting_position && r.starting_type, "SubscribeToShard required");
  }
  return 0;
}
