#include "server/api/kinesis_dispatcher.h"

#include <iterator>
#include <string_view>

#include "base/log.h"
#include "protocol/cbor.h"
#include "protocol/request_decoder.h"
#include "server/api/error_mapping.h"
#include "server/api/handlers/handler.h"
#include "server/api/kinesis_metrics.h"

namespace sluice::server::api {
namespace {

static_assert(kBodyPadding >= simdjson::SIMDJSON_PADDING, "CBOR requests are transcoded into a padded JSON buffer");

struct Route {
  std::string_view operation;
  SyncHandler sync;
  AsyncHandler async;
};

constexpr Route kRoutes[] = {
    {"PutRecords", nullptr, HandlePutRecords},
    {"PutRecord", nullptr, HandlePutRecord},
    {"GetRecords", HandleGetRecords, nullptr},
    {"GetShardIterator", HandleGetShardIterator, nullptr},
    {"ListShards", HandleListShards, nullptr},
    {"DescribeStreamSummary", HandleDescribeStreamSummary, nullptr},
    {"DescribeStream", HandleDescribeStream, nullptr},
    {"ListStreams", HandleListStreams, nullptr},
    {"CreateStream", HandleCreateStream, nullptr},
    {"DeleteStream", HandleDeleteStream, nullptr},
    {"IncreaseStreamRetentionPeriod", HandleIncreaseStreamRetentionPeriod, nullptr},
    {"DecreaseStreamRetentionPeriod", HandleDecreaseStreamRetentionPeriod, nullptr},
    {"AddTagsToStream", HandleAddTagsToStream, nullptr},
    {"RemoveTagsFromStream", HandleRemoveTagsFromStream, nullptr},
    {"ListTagsForStream", HandleListTagsForStream, nullptr},
    {"TagResource", HandleTagResource, nullptr},
    {"UntagResource", HandleUntagResource, nullptr},
    {"ListTagsForResource", HandleListTagsForResource, nullptr},
    {"DescribeLimits", HandleDescribeLimits, nullptr},
    {"DescribeAccountSettings", HandleDescribeAccountSettings, nullptr},
    {"UpdateMaxRecordSize", HandleUpdateMaxRecordSize, nullptr},
    {"SplitShard", HandleSplitShard, nullptr},
    {"MergeShards", HandleMergeShards, nullptr},
    {"UpdateShardCount", HandleUpdateShardCount, nullptr},
    {"UpdateStreamMode", HandleUpdateStreamMode, nullptr},
    {"EnableEnhancedMonitoring", HandleEnableEnhancedMonitoring, nullptr},
    {"DisableEnhancedMonitoring", HandleDisableEnhancedMonitoring, nullptr},
    {"RegisterStreamConsumer", HandleRegisterStreamConsumer, nullptr},
    {"DescribeStreamConsumer", HandleDescribeStreamConsumer, nullptr},
    {"ListStreamConsumers", HandleListStreamConsumers, nullptr},
    {"DeregisterStreamConsumer", HandleDeregisterStreamConsumer, nullptr},
    {"SubscribeToShard", nullptr, HandleSubscribeToShard},
};

constexpr size_t kRouteCount = std::size(kRoutes);
constexpr std::string_view kUnknownOperation = "Unknown";

const Route* FindRoute(std::string_view op) {
  for (const Route& r : kRoutes)
    if (r.operation == op) return &r;
  return nullptr;
}

// Runs the handler over a JSON body (the request's own, or one transcoded from CBOR). Error
// bodies are written in request.encoding.
void RunHandler(ApiContext& ctx, const Route& route, const ApiRequest& request, ApiResponse* response, Completion done,
                int64_t start_ns) {
  thread_local protocol::RequestDecoder decoder;
  HandlerArgs args{ctx, request, decoder, &response->body, start_ns, &response->log};
  if (route.async) {
    route.async(args, response, std::move(done));
    return;
  }
  Status st = route.sync(args);
  if (!st.ok()) {
    if (st.code() == Errc::kInternal || st.code() == Errc::kIoError || st.code() == Errc::kCorruption)
      SLOG(kError, "api", "internal error", {{"operation", std::string(request.operation)}, {"error", st.ToString()}});
    response->body.clear();
    WriteError(st, request.encoding, response);
  }
  done();
}

// Re-encodes a successful JSON reply as CBOR in place. Error bodies are CBOR already (handlers
// write them in the request's encoding); empty bodies (actions without output) stay empty.
void TranscodeResponseToCbor(std::string_view operation, ApiResponse* response) {
  if (response->http_status < 200 || response->http_status >= 300 || !response->error_type.empty() ||
      response->body.empty())
    return;
  // The connection's buffer and this scratch trade places, so neither allocates once warm.
  thread_local std::string scratch;
  Status st = protocol::JsonToCbor(response->body, &scratch);
  if (!st.ok()) {
    SLOG(kError, "api", "CBOR response encoding failed",
         {{"operation", std::string(operation)}, {"error", st.ToString()}});
    response->body.clear();
    WriteError(st, protocol::BodyEncoding::kCbor, response);
    return;
  }
  response->body.swap(scratch);
}

// CBOR is transcoded at the edge (docs/formats/cbor.md): the body becomes JSON for the
// unchanged decoder and handlers, and a successful JSON reply becomes CBOR on completion.
void DispatchCbor(ApiContext& ctx, const Route& route, const ApiRequest& request, ApiResponse* response,
                  Completion done, int64_t start_ns) {
  // Handlers finish reading the body (and the decoder's views into it) before they return,
  // so per-thread buffers are enough even when the reply completes later on another thread.
  thread_local std::string json;
  thread_local ApiRequest json_request;
  json.clear();
  json.reserve(request.body.size() * 2 + kBodyPadding);
  // An empty body stays empty: the JSON decoder reads it as {} for input-less operations.
  if (!request.body.empty()) {
    Status st = protocol::CborToJson(request.body, &json);
    if (!st.ok()) {
      WriteError(st, protocol::BodyEncoding::kCbor, response);
      done();
      return;
    }
  }
  size_t json_size = json.size();
  json.append(kBodyPadding, ' ');  // the JSON decoder reads SIMDJSON_PADDING bytes past the end
  json_request = request;
  json_request.body = std::string_view(json.data(), json_size);
  RunHandler(
      ctx, route, json_request, response,
      [operation = request.operation, response, done = std::move(done)]() mutable {
        TranscodeResponseToCbor(operation, response);
        done();
      },
      start_ns);
}

// The AWS error type a response carries, as an index into protocol::AwsErrorType; -1 for success.
int ErrorTypeIndex(const ApiResponse& response) {
  if (response.error_type.empty()) return -1;
  for (int e = 0; e <= static_cast<int>(protocol::AwsErrorType::kRequestEntityTooLarge); ++e)
    if (protocol::AwsErrorName(static_cast<protocol::AwsErrorType>(e)) == response.error_type) return e;
  return static_cast<int>(protocol::AwsErrorType::kInternalFailure);
}

}  // namespace

std::vector<std::string_view> KinesisOperations() {
  std::vector<std::string_view> ops;
  for (const Route& r : kRoutes) ops.push_back(r.operation);
  ops.push_back(kUnknownOperation);
  return ops;
}

void KinesisDispatcher::Dispatch(const ApiRequest& request, ApiResponse* response, Completion done) {
  response->http_status = 200;
  response->error_type = {};
  response->body.clear();
  const int64_t start_ns = ctx_->clock->MonotonicNanos();
  const Route* route = FindRoute(request.operation);
  if (KinesisMetrics* m = ctx_->metrics) {
    // Every call counts once, when it completes (puts complete after their append).
    size_t op = route ? static_cast<size_t>(route - kRoutes) : kRouteCount;
    done = [m, op, start_ns, clock = ctx_->clock, response, done = std::move(done)] {
      m->RecordCall(op, ElapsedMicros(*clock, start_ns), ErrorTypeIndex(*response));
      done();
    };
  }
  if (!route) {
    // Operations Sluice does not implement (encryption, resource policies) answer as unknown rather
    // than pretending to work.
    response->http_status = protocol::AwsErrorHttpStatus(protocol::AwsErrorType::kUnknownOperation);
    response->error_type = protocol::AwsErrorName(protocol::AwsErrorType::kUnknownOperation);
    response->body.assign(protocol::EncodeErrorBody(protocol::AwsErrorType::kUnknownOperation, {}, request.encoding));
    done();
    return;
  }
  if (request.encoding == protocol::BodyEncoding::kCbor) {
    DispatchCbor(*ctx_, *route, request, response, std::move(done), start_ns);
    return;
  }
  RunHandler(*ctx_, *route, request, response, std::move(done), start_ns);
}

}  // namespace sluice::server::api
