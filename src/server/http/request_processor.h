#pragma once
// What happens to a request between "bytes received" and "hand to the dispatcher", identical
// for HTTP/1.1 and HTTP/2: method and CORS handling, content type, X-Amz-Target routing, SigV4.
// Errors found here are answered without reaching the dispatcher.
#include <string>

#include "base/clock.h"
#include "server/api/dispatcher.h"
#include "server/http/http_options.h"
#include "server/http/incoming_request.h"
#include "server/http/response_headers.h"
#include "server/http/sigv4_verifier.h"

namespace sluice::server::http {

inline constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";

// One request/response pair. Owned by a connection (HTTP/1.1) or a stream (HTTP/2) and reused,
// so the response body keeps its capacity across requests.
struct Exchange {
  api::ApiRequest request;
  api::ApiResponse response;
  ResponseHead head;
};

class RequestProcessor {
 public:
  RequestProcessor(const HttpServerOptions& options, const Clock* clock);

  // Resets *ex for `req`. Returns true if ex->request is ready for Dispatcher::Dispatch (call
  // Finish() after done()); false if ex->response/ex->head already hold the answer.
  bool Prepare(const IncomingRequest& req, Exchange* ex) const;

  // Copies the dispatcher's status and error type into the head.
  static void Finish(Exchange* ex);

  // Fills *ex with an error answer (body in the given encoding, unless 413).
  static void SetError(Exchange* ex, protocol::AwsErrorType type, std::string_view message, int http_status = 0);

  // A 413 with an empty body, for bodies over the cap.
  void PrepareTooLarge(const IncomingRequest& req, Exchange* ex) const;

  const Clock* clock() const { return clock_; }

 private:
  // CloudWatch (cloudwatch_routing.cc): true if `req` is a CloudWatch request (X-Amz-Target
  // GraniteServiceVersion20100801.*, an RPC v2 CBOR path, or a query form body); then
  // *ready says whether ex->request is ready for dispatch or ex already holds an error.
  bool RouteCloudWatch(const IncomingRequest& req, Exchange* ex, bool* ready) const;
  void StartHead(const IncomingRequest& req, Exchange* ex) const;

  std::string default_account_id_;
  std::string default_region_;
  const Clock* clock_;
  Sigv4Verifier verifier_;
};

}  // namespace sluice::server::http
