#pragma once
// JSON pieces GetRecords and SubscribeToShard's events share: a Record and the ChildShards of a
// closed shard.
#include <string>
#include <string_view>

#include "catalog/stream.h"
#include "storage/record_batch.h"

namespace sluice::server::api {

// Appends {"SequenceNumber":...,"ApproximateArrivalTimestamp":...,"Data":...,"PartitionKey":...}.
void AppendRecordJson(std::string* out, std::string_view sequence_number, const storage::RecordView& rec);

// Appends the array of the shards whose parent or adjacent parent is `parent` (each with its
// ParentShards and HashKeyRange).
void AppendChildShardsJson(std::string* out, const catalog::Stream& s, uint32_t parent);

}  // namespace sluice::server::api
