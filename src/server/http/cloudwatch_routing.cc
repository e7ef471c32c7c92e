// CloudWatch requests on the Kinesis port: which ones they are, the checks the transport makes
// for them (RPC v2 CBOR's header rules, SigV4 scoped to `monitoring`) and their transport errors,
// encoded in the request's CloudWatch wire rather than as Kinesis JSON.
#include "base/ascii.h"
#include "cloudwatch/errors.h"
#include "cloudwatch/wire.h"
#include "server/http/request_processor.h"

namespace sluice::server::http {
namespace {

namespace cw = ::sluice::cloudwatch;

constexpr std::string_view kSigningService = "monitoring";
// The absolute shape id with '#' replaced by '.', which RPC v2 servers should also accept.
constexpr std::string_view kAbsoluteServiceName = "com.amazonaws.cloudwatch.GraniteServiceVersion20100801";

std::string_view MediaType(std::string_view content_type) {
  std::string_view m = content_type.substr(0, content_type.find(';'));
  while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
  while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
  return m;
}

// ".../service/<Service>/operation/<Operation>": the operation, if the last four path segments
// have that form and name CloudWatch.
bool RpcV2Operation(std::string_view path, std::string_view* op) {
  std::string_view seg[4];
  for (int i = 3; i >= 0; --i) {
    size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return false;
    seg[i] = path.substr(slash + 1);
    path = path.substr(0, slash);
  }
  if (seg[0] != "service" || seg[2] != "operation" || seg[3].empty()) return false;
  if (seg[1] != cw::kServiceName && seg[1] != kAbsoluteServiceName) return false;
  *op = seg[3];
  return true;
}

// A transport-level error in the CloudWatch wire of the request.
void SetCloudWatchError(Exchange* ex, const cw::ErrorInfo& info, std::string_view message) {
  cw::EncodeError(ex->request.wire, info, message, ex->request.request_id, &ex->response);
  RequestProcessor::Finish(ex);
}

// SigV4 failures keep their Kinesis-front-end types; the query code drops "Exception".
cw::ErrorInfo AuthErrorInfo(protocol::AwsErrorType type) {
  std::string_view name = protocol::AwsErrorName(type);
  std::string_view code = name;
  if (code.ends_with("Exception")) code.remove_suffix(9);
  return {code, name, protocol::AwsErrorHttpStatus(type), true};
}

}  // namespace

bool RequestProcessor::RouteCloudWatch(const IncomingRequest& req, Exchange* ex, bool* ready) const {
  *ready = false;
  bool has_target = false, has_amzn_target = false;
  std::string_view target = req.Header("x-amz-target", &has_target);
  req.Header("x-amzn-target", &has_amzn_target);
  std::string_view media = MediaType(req.Header("content-type"));
  std::string_view op;

  if (RpcV2Operation(req.path, &op)) {
    ex->request.wire = api::Wire::kRpcV2Cbor;
    ex->request.encoding = protocol::BodyEncoding::kCbor;
  } else if (target.starts_with(cw::kTargetPrefix)) {
    ex->request.wire = api::Wire::kAwsJson;
    op = target.substr(cw::kTargetPrefix.size());
  } else if (!has_target && EqualsIgnoreCase(media, cw::kFormContentType)) {
    ex->request.wire = api::Wire::kAwsQuery;  // the dispatcher reads Action from the body
  } else {
    return false;
  }
  ex->request.service = api::Service::kCloudWatch;
  ex->head.content_type = cw::ContentTypeFor(ex->request.wire);

  if (ex->request.wire == api::Wire::kRpcV2Cbor) {
    // Smithy RPC v2: requests with a target header must be rejected; the protocol header is required.
    if (has_target || has_amzn_target) {
      SetCloudWatchError(ex, cw::Info(cw::ErrorCode::kSerialization),
                         "X-Amz-Target and X-Amzn-Target are not allowed with the rpc-v2-cbor protocol");
      return true;
    }
    if (req.Header("smithy-protocol") != "rpc-v2-cbor") {
      SetCloudWatchError(ex, cw::Info(cw::ErrorCode::kSerialization), "The Smithy-Protocol header must be rpc-v2-cbor");
      return true;
    }
    if (!media.empty() && !EqualsIgnoreCase(media, cw::kCborContentType)) {
      SetCloudWatchError(ex, cw::Info(cw::ErrorCode::kSerialization), "Content-Type must be application/cbor");
      return true;
    }
  }

  AuthFailure failure;
  if (!verifier_.Verify(req, &ex->request.caller, &failure, kSigningService)) {
    SetCloudWatchError(ex, AuthErrorInfo(failure.type), failure.message);
    return true;
  }
  if (ex->request.caller.region.empty()) ex->request.caller.region.assign(default_region_);
  if (ex->request.caller.account_id.empty()) ex->request.caller.account_id.assign(default_account_id_);
  ex->request.operation = op;
  ex->request.content_encoding = req.Header("content-encoding");
  ex->request.body = req.body;
  *ready = true;
  return true;
}

}  // namespace sluice::server::http
