#pragma once
// Shared by the consumer handlers (RegisterStreamConsumer, DescribeStreamConsumer,
// ListStreamConsumers, DeregisterStreamConsumer): naming a consumer and its JSON.
#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "catalog/catalog.h"
#include "catalog/stream.h"
#include "protocol/json_writer.h"
#include "protocol/requests.h"
#include "server/api/dispatcher.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

// The consumer a request names: by ConsumerARN, or by StreamARN + ConsumerName; all three
// together must agree.
struct ConsumerTarget {
  ResolvedStream stream;
  std::string arn;   // set when the request named the consumer by ARN
  std::string name;  // the consumer name (from the request or the ARN)
  catalog::ConsumerSelector selector() const {
    return arn.empty() ? catalog::ConsumerSelector::ByName(name) : catalog::ConsumerSelector::ByArn(arn);
  }
};
Result<ConsumerTarget> ResolveConsumer(const CallerIdentity& caller, const protocol::ConsumerRef& ref);

// The Consumer shape {ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp}, plus
// StreamARN when stream_arn is not empty (ConsumerDescription).
void WriteConsumer(protocol::JsonWriter& w, const catalog::Consumer& c, int64_t now_ms,
                   std::string_view stream_arn = {});

// Runs fn on the consumer `arn` of the stream under the catalog's write lock (persisted if it
// changed anything); NotFound if the consumer is absent or gone.
Status WriteConsumerByArn(catalog::Catalog* catalog, const ResolvedStream& stream, std::string_view arn, int64_t now_ms,
                          const std::function<Status(catalog::Consumer&)>& fn);

// The call's access-log fields.
void LogConsumer(CallLogFields* log, const ConsumerTarget& t);

}  // namespace sluice::server::api
