#pragma once
// The seam between the transport (server/http) and the API layer (server/api).
// The transport has already routed by X-Amz-Target, verified SigV4, enforced body caps and
// assigned a request id; the dispatcher decodes, runs the handler and encodes the reply.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/aws_error.h"

namespace sluice::server::api {

struct CallerIdentity {
  std::string account_id;  // 12 digits: from a 12-digit access key id, else the configured default
  std::string region;      // from the SigV4 credential scope, else the configured default
  std::string access_key_id;
};

// Which AWS service a request is for; the transport routes each to its own Dispatcher.
enum class Service : uint8_t { kKinesis, kCloudWatch };

// How the request (and so its response) is encoded on the wire.
enum class Wire : uint8_t {
  kAwsJson,    // Kinesis: application/x-amz-json-1.1; CloudWatch: application/x-amz-json-1.0
  kAwsCbor,    // Kinesis: application/x-amz-cbor-1.1
  kRpcV2Cbor,  // CloudWatch: Smithy RPC v2 CBOR (POST /service/<Service>/operation/<Op>)
  kAwsQuery,   // CloudWatch: form-encoded Action=...&Version=2010-08-01, XML responses
};

// What the access log records about a call beyond what the transport knows. Handlers fill
// what applies; never record data.
struct CallLogFields {
  std::string stream_name;
  std::string stream_arn;
  std::string shard_id;
  std::string consumer_name;
  int64_t records = -1;         // records in the request (puts) or the response (GetRecords)
  int64_t failed_records = -1;  // PutRecords FailedRecordCount
  std::string error_message;    // the message returned with an error
  void Clear() {
    stream_name.clear();
    stream_arn.clear();
    shard_id.clear();
    consumer_name.clear();
    records = -1;
    failed_records = -1;
    error_message.clear();
  }
};

struct ApiRequest {
  Service service = Service::kKinesis;
  Wire wire = Wire::kAwsJson;
  // Kinesis: X-Amz-Target after "Kinesis_20131202.". CloudWatch: the operation from the target,
  // the RPC v2 path or (query) empty: the dispatcher reads Action from the form body.
  std::string_view operation;
  protocol::BodyEncoding encoding = protocol::BodyEncoding::kJson;
  std::string_view content_encoding;  // e.g. "gzip" (CloudWatch PutMetricData)
  // The body. The transport guarantees at least kBodyPadding readable bytes after the end
  // (simdjson's on-demand parser reads past the end in SIMD blocks).
  std::string_view body;
  CallerIdentity caller;
  std::string_view request_id;
  int64_t received_at_ms = 0;
};

inline constexpr size_t kBodyPadding = 64;

// A response body produced over time: SubscribeToShard's event stream. The transport sends the
// head (HTTP 200, chunked over HTTP/1.1, a DATA stream over HTTP/2), then pulls bytes with Next
// whenever it can write (the peer's HTTP/2 flow-control window and the socket allow it), so a
// slow reader holds the source back instead of making the server buffer: the transport keeps
// at most what one Next returned. Contract:
// - Start is called once, on the connection's thread, before any Next. `wake` asks the
//   transport to call Next again; it may be called from any thread, any number of times
//   (calls are coalesced, and ignored once the stream is over).
// - Next is called on the connection's thread. It appends at most max_bytes (> 0) to *out.
//   kData: it appended bytes; the transport writes them and calls Next again. kWait: nothing
//   to send now; the source calls wake when there is. kEnd: the body is complete after what
//   it appended this time (possibly nothing); no further calls.
// - Cancel is called once, on the connection's thread, if the transport gives the stream up
//   before kEnd (peer gone or reset, connection closed, write timeout, server stopping). No
//   calls follow, and wake becomes a no-op.
class ResponseStream {
 public:
  enum class Pull : uint8_t { kData, kWait, kEnd };
  virtual ~ResponseStream() = default;
  virtual void Start(std::function<void()> wake) = 0;
  virtual Pull Next(size_t max_bytes, std::string* out) = 0;
  virtual void Cancel() = 0;
};

struct ApiResponse {
  int http_status = 200;
  // Set for errors; the transport adds x-amzn-ErrorType from it.
  std::string_view error_type;
  // The encoded body. Owned by the connection and reused across requests: clear() it,
  // never shrink it, so its capacity survives.
  std::string body;
  // Empty: the transport's default for the request's wire. Must point at static storage.
  std::string_view content_type;
  // Extra response headers (Smithy-Protocol, x-amzn-query-error). Names in static storage.
  std::vector<std::pair<std::string_view, std::string>> headers;
  CallLogFields log;
  // Set (with http_status 200 and content_type) for a streamed body: `body` is then ignored
  // and the transport pulls the body from the stream. Reset by the transport after use.
  std::shared_ptr<ResponseStream> stream;
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
