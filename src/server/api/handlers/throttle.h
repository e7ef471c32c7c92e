#pragma once
// Limits as handlers see them: AWS's throttling messages, the control-plane rate check, and the
// fault injection for client testing.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/stream.h"
#include "limits/limits_config.h"
#include "server/api/handlers/handler.h"

namespace sluice::server::api {

// "Rate exceeded for shard <id> in stream <name> under account <acct>." (PutRecords per entry,
// PutRecord, GetRecords, GetShardIterator).
std::string ShardRateExceededMessage(uint32_t shard, std::string_view stream, std::string_view account);
Status ShardThrottled(uint32_t shard, std::string_view stream, std::string_view account);

inline bool DataPlaneLimited(const ApiContext& ctx) { return ctx.limits && ctx.limits->data_plane(); }

// GetRecords / GetShardIterator on one shard: injected faults, then the shard's read budget.
Status AdmitGetRecords(HandlerArgs& a, const catalog::Stream& s, uint32_t shard);
// The bytes a GetRecords returned, charged after the read (its size is not known before).
void ChargeGetRecords(HandlerArgs& a, const catalog::Stream& s, uint32_t shard, uint64_t bytes);
Status AdmitGetShardIterator(HandlerArgs& a, const catalog::Stream& s, uint32_t shard);

// LimitExceededException "Rate exceeded for stream <name> under account <acct>." when the call
// names a stream, else "Rate exceeded for account <acct>.".
Status CheckControlRate(HandlerArgs& a, limits::ControlAction action, std::string_view stream = {});

// Sleeps --inject-latency-ms (blocking the handler's thread: a testing aid, not a model of load).
void InjectLatency(const ApiContext& ctx);
// One draw per call, or per PutRecords entry; kNone when injection is off.
Fault DrawFault(const ApiContext& ctx);
// The Status for an injected whole-call fault.
Status InjectedFaultStatus(Fault f, uint32_t shard, std::string_view stream, std::string_view account);

}  // namespace sluice::server::api
