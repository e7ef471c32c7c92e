#include "server/api/handlers/put_path.h"

#include "base/base64.h"
#include "model/hash_key.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Result<PutTarget> ResolvePutTarget(HandlerArgs& a, const protocol::StreamRef& ref) {
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, ref));
  int64_t now = a.ctx.clock->NowMillis();
  PutTarget t;
  SLUICE_RETURN_IF_ERROR(a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    SLUICE_RETURN_IF_ERROR(RequireDataPlane(s, now));
    t.routes = s.routes;
    t.uid = s.uid;
    t.epoch = s.epoch;
    t.max_record_bytes = uint64_t(s.max_record_size_kib) * 1024;
    t.name = s.name;
    t.account = s.account;
    if (s.attachment) t.recorder = std::shared_ptr<const StreamRecorder>(s.attachment, RecorderOf(s));
    return Status::Ok();
  }));
  return t;
}

Result<const catalog::RouteTable::Entry*> RouteRecord(const PutTarget& t, std::string_view partition_key,
                                                      const protocol::OptStr& explicit_hash_key) {
  model::HashKey key;
  if (explicit_hash_key) {
    auto parsed = model::ParseHashKey(*explicit_hash_key);
    if (!parsed) {
      return Status(Errc::kInvalidArgument, "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, " +
                                                model::FormatHashKey(model::kMaxHashKey) + "]. Specified value was " +
                                                std::string(*explicit_hash_key));
    }
    key = *parsed;
  } else {
    key = model::HashPartitionKey(partition_key);
  }
  const catalog::RouteTable::Entry* e = t.routes->Find(key);
  if (!e) return Status(Errc::kInternal, "no open shard covers hash key " + model::FormatHashKey(key));
  return e;
}

Status AdmitSingleWrite(HandlerArgs& a, const PutTarget& t, uint32_t shard, uint64_t record_bytes) {
  if (a.ctx.faults.enabled()) {
    InjectLatency(a.ctx);
    SLUICE_RETURN_IF_ERROR(InjectedFaultStatus(DrawFault(a.ctx), shard, t.name, t.account));
  }
  if (!DataPlaneLimited(a.ctx)) return Status::Ok();
  uint8_t admitted = 0;
  a.ctx.limits->AdmitWrites(t.uid, shard, a.ctx.clock->NowMillis(), {&record_bytes, 1}, &admitted, t.max_record_bytes);
  return admitted ? Status::Ok() : ShardThrottled(shard, t.name, t.account);
}

Status AppendDecoded(storage::RecordBatchBuilder* batch, std::string_view partition_key, std::string_view b64) {
  uint8_t* dst = batch->BeginRecord(partition_key, base64::MaxDecodedSize(b64.size()));
  size_t n = 0;
  auto err = base64::Decode(b64, dst, &n);
  if (err != base64::DecodeError::kNone) {
    batch->FinishRecord(0);
    return Status(Errc::kSerialization, err == base64::DecodeError::kBadLength
                                            ? "Base64 encoded length is expected a multiple of 4 bytes but found: " +
                                                  std::to_string(b64.size())
                                            : std::string("Invalid Base64 character in Data"));
  }
  batch->FinishRecord(n);
  return Status::Ok();
}

Status RecordTooLarge(size_t data_bytes, uint64_t max_bytes, std::string_view path) {
  std::string n = std::to_string(data_bytes);
  return Status(Errc::kValidation, "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=" + n +
                                       " cap=" + n + "]' at '" + std::string(path) +
                                       "' failed to satisfy constraint: Member must have length less than or "
                                       "equal to " +
                                       std::to_string(max_bytes));
}

}  // namespace sluice::server::api
