#pragma once
// What PutRecord and PutRecords share: resolving the write target, hashing and routing,
// and decoding base64 straight into per-shard batches.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/stream.h"
#include "protocol/requests.h"
#include "server/api/handlers/handler.h"
#include "server/api/kinesis_metrics.h"
#include "storage/record_batch.h"

namespace sluice::server::api {

struct PutTarget {
  std::shared_ptr<const catalog::RouteTable> routes;
  uint64_t uid = 0;  // keys the shard's throughput limits
  uint32_t epoch = 0;
  uint64_t max_record_bytes = 0;
  std::string name;
  std::string account;
  // The stream's metric recorder (null when metrics are off); kept until the call completes.
  std::shared_ptr<const StreamRecorder> recorder;
};

Result<PutTarget> ResolvePutTarget(HandlerArgs& a, const protocol::StreamRef& ref);

// Routes one record: ExplicitHashKey if given (InvalidArgument when above 2^128-1), else
// MD5 of the partition key.
Result<const catalog::RouteTable::Entry*> RouteRecord(const PutTarget& t, std::string_view partition_key,
                                                      const protocol::OptStr& explicit_hash_key);

// Base64-decodes data into the batch as one record. SerializationException on bad base64.
Status AppendDecoded(storage::RecordBatchBuilder* batch, std::string_view partition_key, std::string_view b64);

// PutRecord's throughput check and injected faults: the whole call fails (HTTP 400 throttle,
// or InternalFailure).
Status AdmitSingleWrite(HandlerArgs& a, const PutTarget& t, uint32_t shard, uint64_t record_bytes);

// ValidationException for a record above the stream's MaxRecordSizeInKiB.
Status RecordTooLarge(size_t data_bytes, uint64_t max_bytes, std::string_view path);

}  // namespace sluice::server::api
