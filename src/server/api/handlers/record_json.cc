#include "server/api/handlers/record_json.h"

#include "base/base64.h"
#include "base/json_escape.h"
#include "model/shard_id.h"
#include "protocol/json_writer.h"
#include "server/api/handlers/common.h"

namespace sluice::server::api {

void AppendRecordJson(std::string* out, std::string_view sequence_number, const storage::RecordView& rec) {
  out->append("{\"SequenceNumber\":\"");
  out->append(sequence_number);
  out->append("\",\"ApproximateArrivalTimestamp\":");
  protocol::JsonWriter ts(out);
  ts.TimestampMillis(rec.arrival_ms);
  out->append(",\"Data\":\"");
  size_t at = out->size();
  out->resize(at + base64::EncodedSize(rec.data.size()));
  base64::Encode(reinterpret_cast<const uint8_t*>(rec.data.data()), rec.data.size(), out->data() + at);
  out->append("\",\"PartitionKey\":");
  AppendJsonString(out, rec.partition_key);
  out->push_back('}');
}

void AppendChildShardsJson(std::string* out, const catalog::Stream& s, uint32_t parent) {
  out->push_back('[');
  bool first_child = true;
  for (const auto& child : s.shards) {
    if (child.parent != parent && child.adjacent_parent != parent) continue;
    if (!first_child) out->push_back(',');
    first_child = false;
    protocol::JsonWriter cw(out);
    cw.BeginObject();
    cw.Field("ShardId", model::FormatShardId({child.index}));
    cw.Key("ParentShards");
    cw.BeginArray();
    if (child.parent) cw.String(model::FormatShardId({*child.parent}));
    if (child.adjacent_parent) cw.String(model::FormatShardId({*child.adjacent_parent}));
    cw.EndArray();
    WriteHashKeyRange(cw, child.range);
    cw.EndObject();
  }
  out->push_back(']');
}

}  // namespace sluice::server::api
