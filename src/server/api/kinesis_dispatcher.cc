#include "server/api/kinesis_dispatcher.h"

#include <string_view>

#include "base/log.h"
#include "protocol/request_decoder.h"
#include "server/api/error_mapping.h"
#include "server/api/handlers/handler.h"

namespace sluice::server::api {
namespace {

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
};

const Route* FindRoute(std::string_view op) {
  for (const Route& r : kRoutes)
    if (r.operation == op) return &r;
  return nullptr;
}

}  // namespace

void KinesisDispatcher::Dispatch(const ApiRequest& request, ApiResponse* response, Completion done) {
  thread_local protocol::RequestDecoder decoder;
  response->http_status = 200;
  response->error_type = {};
  response->body.clear();
  const Route* route = FindRoute(request.operation);
  if (!route) {
    // Operations that later issues add (resharding, consumers, encryption) answer as unknown
    // until they exist, rather than pretending to work.
    response->http_status = protocol::AwsErrorHttpStatus(protocol::AwsErrorType::kUnknownOperation);
    response->error_type = protocol::AwsErrorName(protocol::AwsErrorType::kUnknownOperation);
    response->body.assign(protocol::EncodeErrorBody(protocol::AwsErrorType::kUnknownOperation, {}));
    done();
    return;
  }
  if (request.encoding == protocol::BodyEncoding::kCbor) {
    WriteError(Status(Errc::kSerialization, "CBOR request bodies are not supported yet; send application/x-amz-json-1.1"),
               protocol::BodyEncoding::kJson, response);
    done();
    return;
  }
  HandlerArgs args{*ctx_, request, decoder, &response->body};
  if (route->async) {
    route->async(args, response, std::move(done));
    return;
  }
  Status st = route->sync(args);
  if (!st.ok()) {
    if (st.code() == Errc::kInternal || st.code() == Errc::kIoError || st.code() == Errc::kCorruption)
      SLOG(kError, "api", "internal error", {{"operation", std::string(request.operation)}, {"error", st.ToString()}});
    response->body.clear();
    WriteError(st, request.encoding, response);
  }
  done();
}

}  // namespace sluice::server::api
