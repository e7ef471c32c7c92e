#pragma once
// Hooks through which the transport exposes what it sees, implemented outside it (server/observe:
// the Prometheus page and the access log). Both are optional; with neither set the transport does
// no extra work.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/api/dispatcher.h"

namespace sluice::server::http {

// Answers `GET /metrics`. Called on an io thread; must be thread-safe and not block for long.
class MetricsPage {
 public:
  virtual ~MetricsPage() = default;
  // Fills *body for a request with this Accept header; returns the Content-Type (static storage).
  virtual std::string_view Render(std::string_view accept, std::string* body) const = 0;
};

// One API call as the transport saw it, passed to CallObserver::OnCall once its response is
// ready (after the dispatcher's done(), or when the transport answered by itself). The views are
// valid only during the call.
struct CallRecord {
  const api::ApiRequest* request = nullptr;
  const api::ApiResponse* response = nullptr;
  std::string_view target;      // X-Amz-Target as received (names the operation when routing failed)
  std::string_view user_agent;  // User-Agent header
  std::string_view source_ip;   // peer address
  std::string_view protocol;    // "HTTP/1.1", "HTTP/1.0" or "h2"
  std::string_view request_id;
  int http_status = 200;
  std::string_view error_type;  // empty on success
  size_t bytes_in = 0;          // request body bytes
  size_t bytes_out = 0;         // response body bytes
  int64_t latency_ns = 0;       // request fully received -> response ready
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // On an io thread, for every POST answered (not for OPTIONS, GET /metrics or malformed requests
  // closed without an answer). Must be cheap and thread-safe.
  virtual void OnCall(const CallRecord& call) = 0;
};

struct HttpObservers {
  const MetricsPage* metrics = nullptr;  // null: GET /metrics is 404
  CallObserver* calls = nullptr;         // null: no call records
};

}  // namespace sluice::server::http
