#include "server/http/request_processor.h"

#include "base/ascii.h"
#include "protocol/aws_error.h"

namespace sluice::server::http {
using protocol::AwsErrorType;
using protocol::BodyEncoding;

namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Media type without parameters (";charset=..."), compared case-insensitively.
bool ParseContentType(std::string_view value, BodyEncoding* enc) {
  std::string_view media = TrimSpaces(value.substr(0, value.find(';')));
  if (EqualsIgnoreCase(media, kContentTypeJson) || EqualsIgnoreCase(media, "application/json")) {
    *enc = BodyEncoding::kJson;
    return true;
  }
  if (EqualsIgnoreCase(media, kContentTypeCbor)) {
    *enc = BodyEncoding::kCbor;
    return true;
  }
  return false;
}

}  // namespace

std::string_view IncomingRequest::Header(std::string_view name, bool* found) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      if (found) *found = true;
      return h.value;
    }
  }
  if (found) *found = false;
  return {};
}

RequestProcessor::RequestProcessor(const HttpServerOptions& options, const Clock* clock)
    : default_account_id_(options.default_account_id),
      default_region_(options.default_region),
      clock_(clock),
      verifier_(options.auth_mode, options.credentials, options.default_account_id, clock) {}

void RequestProcessor::StartHead(const IncomingRequest& req, Exchange* ex) const {
  const int64_t now = clock_->NowMillis();
  ex->head.Reset(now);
  ex->response.http_status = 200;
  ex->response.error_type = {};
  ex->response.body.clear();  // keeps capacity
  bool has_origin = false;
  req.Header("origin", &has_origin);
  ex->head.cors = has_origin;
  ex->request.caller.account_id.clear();
  ex->request.caller.region.clear();
  ex->request.caller.access_key_id.clear();
  ex->request.operation = {};
  ex->request.body = {};
  ex->request.service = api::Service::kKinesis;
  ex->request.wire = api::Wire::kAwsJson;
  ex->request.content_encoding = {};
  ex->response.content_type = {};
  ex->response.headers.clear();
  ex->request.received_at_ms = now;
  ex->request.request_id = ex->head.RequestId();
}

void RequestProcessor::SetError(Exchange* ex, AwsErrorType type, std::string_view message, int http_status) {
  ex->response.http_status = http_status != 0 ? http_status : protocol::AwsErrorHttpStatus(type);
  ex->response.error_type =
      type == AwsErrorType::kRequestEntityTooLarge ? std::string_view() : protocol::AwsErrorName(type);
  // assign() rather than move: the reused body must keep its capacity.
  ex->response.body.assign(protocol::EncodeErrorBody(type, message, ex->request.encoding));
  Finish(ex);
  if (type == AwsErrorType::kRequestEntityTooLarge) ex->head.content_type = {};
}

void RequestProcessor::Finish(Exchange* ex) {
  ex->head.status = ex->response.http_status;
  ex->head.error_type = ex->response.error_type;
  if (!ex->response.content_type.empty()) ex->head.content_type = ex->response.content_type;
  ex->head.extra_headers = ex->response.headers.empty() ? nullptr : &ex->response.headers;
}

void RequestProcessor::PrepareTooLarge(const IncomingRequest& req, Exchange* ex) const {
  StartHead(req, ex);
  SetError(ex, AwsErrorType::kRequestEntityTooLarge, {});
}

bool RequestProcessor::Prepare(const IncomingRequest& req, Exchange* ex) const {
  StartHead(req, ex);
  ex->request.encoding = BodyEncoding::kJson;
  ex->head.content_type = kContentTypeJson;

  if (req.method == "OPTIONS") {
    // CORS preflight: echo what the browser asks for.
    ex->head.preflight = true;
    ex->head.content_type = {};
    ex->head.allow_headers.assign(req.Header("access-control-request-headers"));
    ex->head.allow_methods.assign(req.Header("access-control-request-method"));
    return false;
  }
  if (req.method != "POST") {
    // The real front end (kinesalite's capture) refuses other methods this way.
    SetError(ex, AwsErrorType::kAccessDenied, "Unable to determine service/operation name to be authorized", 403);
    return false;
  }

  if (bool ready = false; RouteCloudWatch(req, ex, &ready)) return ready;

  BodyEncoding enc;
  if (!ParseContentType(req.Header("content-type"), &enc)) {
    // As the real service: unsupported content types are an unknown operation, HTTP 404.
    SetError(ex, AwsErrorType::kUnknownOperation, {}, 404);
    return false;
  }
  ex->request.encoding = enc;
  ex->request.wire = enc == BodyEncoding::kCbor ? api::Wire::kAwsCbor : api::Wire::kAwsJson;
  ex->head.content_type = enc == BodyEncoding::kCbor ? kContentTypeCbor : kContentTypeJson;

  std::string_view target = req.Header("x-amz-target");
  if (target.size() <= kTargetPrefix.size() || target.substr(0, kTargetPrefix.size()) != kTargetPrefix) {
    SetError(ex, AwsErrorType::kUnknownOperation, {});
    return false;
  }

  AuthFailure failure;
  if (!verifier_.Verify(req, &ex->request.caller, &failure)) {
    SetError(ex, failure.type, failure.message);
    return false;
  }
  if (ex->request.caller.region.empty()) ex->request.caller.region.assign(default_region_);
  if (ex->request.caller.account_id.empty()) ex->request.caller.account_id.assign(default_account_id_);

  ex->request.operation = target.substr(kTargetPrefix.size());
  ex->request.body = req.body;
  return true;
}

}  // namespace sluice::server::http
