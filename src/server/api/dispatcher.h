#pragma once
// The seam between the transport (server/http) and the API layer (server/api).
// The transport has already routed by X-Amz-Target, verified SigV4, enforced body caps and
// assigned a request id; the dispatcher decodes, runs the handler and encodes the reply.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "protocol/aws_error.h"

namespace sluice::server::api {

struct CallerIdentity {
  std::string account_id;  // 12 digits: from a 12-digit access key id, else the configured default
  std::string region;      // from the SigV4 credential scope, else the configured default
  std::string access_key_id;
};

struct ApiRequest {
  std::string_view operation;  // X-Amz-Target after "Kinesis_20131202."
  protocol::BodyEncoding encoding = protocol::BodyEncoding::kJson;
  // The body. The transport guarantees at least kBodyPadding readable bytes after the end
  // (simdjson's on-demand parser reads past the end in SIMD blocks).
  std::string_view body;
  CallerIdentity caller;
  std::string_view request_id;
  int64_t received_at_ms = 0;
};

inline constexpr size_t kBodyPadding = 64;

struct ApiResponse {
  int http_status = 200;
  // Set for errors; the transport adds x-amzn-ErrorType from it.
  std::string_view error_type;
  // The encoded body. Owned by the connection and reused across requests: clear() it,
  // never shrink it, so its capacity survives.
  std::string body;
};

// Completion: must be called exactly once, from any thread, after which the request's views
// may be invalidated and the response is written.
using Completion = std::function<void()>;

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // Fills *response and calls done() (possibly after asynchronous work such as a group
  // commit). *response and request.body stay valid until done() has been called.
  virtual void Dispatch(const ApiRequest& request, ApiResponse* response, Completion done) = 0;
};

}  // namespace sluice::server::api
