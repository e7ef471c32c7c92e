// SubscribeToShard: checks everything that can fail before the stream opens (consumer, shard,
// starting position, the per-(consumer, shard) call rules) and answers those as ordinary HTTP
// errors; then hands the transport a Subscription to stream (server/api/fanout).
#include <memory>
#include <string>

#include "model/shard_id.h"
#include "server/api/error_mapping.h"
#include "server/api/fanout/hub.h"
#include "server/api/fanout/subscription.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/starting_position.h"
#include "server/api/kinesis_metrics.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {
namespace {

constexpr std::string_view kEventStreamContentType = "application/vnd.amazon.eventstream";

// Fills everything of *spec but the encoding and the metrics.
Status Resolve(HandlerArgs& a, const protocol::SubscribeToShardRequest& r, int64_t now,
               fanout::SubscriptionSpec* spec) {
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveConsumerArn(a.req.caller, *r.consumer_arn));
  StartingPosition start{*r.starting_type, r.starting_sequence_number, r.starting_timestamp};
  SLUICE_RETURN_IF_ERROR(CheckStartingPosition(start, now));
  if (a.log) {
    a.log->stream_name = target.name;
    a.log->shard_id = *r.shard_id;
  }
  return a.ctx.catalog->ReadConsumer(
      target.key(), catalog::ConsumerSelector::ByArn(*r.consumer_arn),
      [&](const catalog::Stream& s, const catalog::Consumer& consumer) -> Status {
        SLUICE_RETURN_IF_ERROR(RequireDataPlane(s, now));
        if (a.log) a.log->consumer_name = consumer.name;
        if (catalog::ConsumerStatus st = consumer.StatusAt(now); st != catalog::ConsumerStatus::kActive) {
          return Status(Errc::kInUse, "Consumer " + consumer.arn + " under account " + s.account + " is " +
                                          std::string(catalog::ConsumerStatusName(st)) +
                                          "; it must be ACTIVE to subscribe.");
        }
        const catalog::Shard* sh = FindShard(s, *r.shard_id);
        if (!sh || ShardExpired(s, *sh, now)) return ShardNotFound(s, *r.shard_id);
        SLUICE_ASSIGN_OR_RETURN(uint64_t offset, StartingOffset(s, *sh, start, "SubscribeToShard", now));
        spec->consumer_arn = consumer.arn;
        spec->consumer_name = consumer.name;
        spec->stream_name = s.name;
        spec->stream_uid = s.uid;
        spec->stream_epoch = s.epoch;
        spec->shard_index = sh->index;
        spec->start_offset = offset;
        return Status::Ok();
      });
}

}  // namespace

void HandleSubscribeToShard(HandlerArgs& a, ApiResponse* resp, Completion done) {
  auto fail = [&](const Status& st) {
    resp->body.clear();
    WriteError(st, a.req.encoding, resp);
    done();
  };
  fanout::Hub* hub = a.ctx.fanout_hub;
  if (!hub) return fail(Status(Errc::kInternal, "enhanced fan-out is not available"));
  protocol::SubscribeToShardRequest r;
  if (Status st = a.decoder.Decode(a.req.body, &r); !st.ok()) return fail(st);
  int64_t now = a.ctx.clock->NowMillis();
  fanout::SubscriptionSpec spec;
  if (Status st = Resolve(a, r, now, &spec); !st.ok()) return fail(st);
  spec.encoding = a.req.encoding;
  spec.metrics =
      hub->ConsumerMetrics(a.ctx.metrics, spec.consumer_arn, spec.stream_uid, spec.stream_name, spec.consumer_name);
  Status admitted = hub->Admit(spec.consumer_arn, spec.shard_index, now);
  if (spec.metrics) {
    auto scope = spec.metrics->set().Begin();
    scope.Add(kinesis_metrics::kSubscribeToShardRateExceeded, admitted.code() == Errc::kLimitExceeded ? 1 : 0);
    scope.Add(kinesis_metrics::kSubscribeToShardSuccess, admitted.ok() ? 1 : 0);
  }
  if (!admitted.ok()) return fail(admitted);
  auto sub = std::make_shared<fanout::Subscription>(hub, a.ctx.catalog, std::move(spec));
  hub->Register(sub);
  resp->stream = std::move(sub);
  resp->content_type = kEventStreamContentType;
  done();
}

}  // namespace sluice::server::api
