#pragma once
// The handler signature shared by every action: one function per action, each in its own file.
#include <string>

#include "base/status.h"
#include "protocol/request_decoder.h"
#include "server/api/api_context.h"
#include "server/api/dispatcher.h"

namespace sluice::server::api {

struct HandlerArgs {
  ApiContext& ctx;
  const ApiRequest& req;
  protocol::RequestDecoder& decoder;
  std::string* out;      // the JSON response body (empty for actions without output)
  int64_t start_ns = 0;  // when the dispatcher took the call (clock's monotonic time): latency metrics
  // What the access log records about the call beyond the transport's view (never data).
  CallLogFields* log = nullptr;
};

// Synchronous actions: return an error, or OK with *out filled.
using SyncHandler = Status (*)(HandlerArgs& args);
// Actions that may wait for storage: fill *resp (body or error) and then call done().
using AsyncHandler = void (*)(HandlerArgs& args, ApiResponse* resp, Completion done);

Status HandleCreateStream(HandlerArgs& a);
Status HandleDeleteStream(HandlerArgs& a);
Status HandleDescribeStream(HandlerArgs& a);
Status HandleDescribeStreamSummary(HandlerArgs& a);
Status HandleListStreams(HandlerArgs& a);
Status HandleListShards(HandlerArgs& a);
Status HandleGetShardIterator(HandlerArgs& a);
Status HandleGetRecords(HandlerArgs& a);
Status HandleIncreaseStreamRetentionPeriod(HandlerArgs& a);
Status HandleDecreaseStreamRetentionPeriod(HandlerArgs& a);
Status HandleAddTagsToStream(HandlerArgs& a);
Status HandleRemoveTagsFromStream(HandlerArgs& a);
Status HandleListTagsForStream(HandlerArgs& a);
Status HandleTagResource(HandlerArgs& a);
Status HandleUntagResource(HandlerArgs& a);
Status HandleListTagsForResource(HandlerArgs& a);
Status HandleDescribeLimits(HandlerArgs& a);
Status HandleDescribeAccountSettings(HandlerArgs& a);
Status HandleUpdateMaxRecordSize(HandlerArgs& a);
Status HandleSplitShard(HandlerArgs& a);
Status HandleMergeShards(HandlerArgs& a);
Status HandleUpdateShardCount(HandlerArgs& a);
Status HandleUpdateStreamMode(HandlerArgs& a);
Status HandleEnableEnhancedMonitoring(HandlerArgs& a);
Status HandleDisableEnhancedMonitoring(HandlerArgs& a);
Status HandleRegisterStreamConsumer(HandlerArgs& a);
Status HandleDescribeStreamConsumer(HandlerArgs& a);
Status HandleListStreamConsumers(HandlerArgs& a);
Status HandleDeregisterStreamConsumer(HandlerArgs& a);
void HandlePutRecord(HandlerArgs& a, ApiResponse* resp, Completion done);
void HandlePutRecords(HandlerArgs& a, ApiResponse* resp, Completion done);
// Sets resp->stream (an event stream) on success.
void HandleSubscribeToShard(HandlerArgs& a, ApiResponse* resp, Completion done);

}  // namespace sluice::server::api
