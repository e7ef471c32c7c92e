#include "server/api/handlers/throttle.h"

#include <chrono>
#include <random>
#include <thread>

#include "model/shard_id.h"

namespace sluice::server::api {

std::string ShardRateExceededMessage(uint32_t shard, std::string_view stream, std::string_view account) {
  std::string m = "Rate exceeded for shard ";
  m.append(model::FormatShardId({shard}));
  m.append(" in stream ");
  m.append(stream);
  m.append(" under account ");
  m.append(account);
  m.push_back('.');
  return m;
}

Status ShardThrottled(uint32_t shard, std::string_view stream, std::string_view account) {
  return Status(Errc::kThrottled, ShardRateExceededMessage(shard, stream, account));
}

namespace {

using ReadAdmission = bool (limits::LimitsRegistry::*)(uint64_t, uint32_t, int64_t);

Status AdmitShardRead(HandlerArgs& a, const catalog::Stream& s, uint32_t shard, ReadAdmission admit) {
  if (a.ctx.faults.error_rate > 0)
    SLUICE_RETURN_IF_ERROR(InjectedFaultStatus(DrawFault(a.ctx), shard, s.name, s.account));
  if (DataPlaneLimited(a.ctx) && !(a.ctx.limits->*admit)(s.uid, shard, a.ctx.clock->NowMillis()))
    return ShardThrottled(shard, s.name, s.account);
  return Status::Ok();
}

}  // namespace

Status AdmitGetRecords(HandlerArgs& a, const catalog::Stream& s, uint32_t shard) {
  return AdmitShardRead(a, s, shard, &limits::LimitsRegistry::AdmitRead);
}

void ChargeGetRecords(HandlerArgs& a, const catalog::Stream& s, uint32_t shard, uint64_t bytes) {
  if (DataPlaneLimited(a.ctx) && bytes > 0) a.ctx.limits->ChargeRead(s.uid, shard, a.ctx.clock->NowMillis(), bytes);
}

Status AdmitGetShardIterator(HandlerArgs& a, const catalog::Stream& s, uint32_t shard) {
  return AdmitShardRead(a, s, shard, &limits::LimitsRegistry::AdmitShardIterator);
}

Status CheckControlRate(HandlerArgs& a, limits::ControlAction action, std::string_view stream) {
  if (!a.ctx.limits || !a.ctx.limits->control_plane()) return Status::Ok();
  const auto& caller = a.req.caller;
  if (a.ctx.limits->AdmitControl(action, caller.account_id, caller.region, stream, a.ctx.clock->NowMillis()))
    return Status::Ok();
  if (stream.empty()) return Status(Errc::kLimitExceeded, "Rate exceeded for account " + caller.account_id + ".");
  return Status(Errc::kLimitExceeded,
                "Rate exceeded for stream " + std::string(stream) + " under account " + caller.account_id + ".");
}

Fault DrawFault(const ApiContext& ctx) {
  if (ctx.faults.error_rate <= 0) return Fault::kNone;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return ctx.faults.Decide(rng());
}

void InjectLatency(const ApiContext& ctx) {
  if (ctx.faults.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ctx.faults.latency_ms));
}

Status InjectedFaultStatus(Fault f, uint32_t shard, std::string_view stream, std::string_view account) {
  switch (f) {
    case Fault::kNone: return Status::Ok();
    case Fault::kThrottle: return ShardThrottled(shard, stream, account);
    case Fault::kInternal: return Status(Errc::kInternal, "injected fault (--inject-error-rate)");
  }
  return Status::Ok();
}

}  // namespace sluice::server::api
