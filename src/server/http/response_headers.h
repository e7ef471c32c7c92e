#pragma once
// The headers every Kinesis response carries (reference 1.5), kept in fixed buffers so that
// filling them per request does not allocate. Shared by the HTTP/1.1 and HTTP/2 writers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::server::http {

inline constexpr std::string_view kContentTypeJson = "application/x-amz-json-1.1";
inline constexpr std::string_view kContentTypeCbor = "application/x-amz-cbor-1.1";
inline constexpr std::string_view kCorsExposeHeaders =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";
inline constexpr std::string_view kCorsMaxAge = "172800";

struct ResponseHead {
  int status = 200;
  char request_id[36];
  char id2[96];  // base64 of 72 random bytes, as the real front end sends
  char date[29];
  // Empty for bodies without a type (413, preflight).
  std::string_view content_type = kContentTypeJson;
  std::string_view error_type;  // x-amzn-ErrorType; must outlive the write
  // The dispatcher's extra headers (ApiResponse::headers: Smithy-Protocol, x-amzn-query-error);
  // must outlive the write. Null for none.
  const std::vector<std::pair<std::string_view, std::string>>* extra_headers = nullptr;
  bool cors = false;  // request carried Origin
  bool preflight = false;
  // Preflight echoes (rare path; these may allocate).
  std::string allow_headers;
  std::string allow_methods;

  std::string_view RequestId() const { return {request_id, sizeof(request_id)}; }
  // New request id, x-amz-id-2 and Date; clears the rest.
  void Reset(int64_t now_ms);
};

// Calls f(name, value) for each header except Content-Length (transport-specific).
template <typename F>
void ForEachResponseHeader(const ResponseHead& h, F&& f) {
  f(std::string_view("x-amzn-RequestId"), h.RequestId());
  if (!h.preflight) f(std::string_view("x-amz-id-2"), std::string_view(h.id2, sizeof(h.id2)));
  f(std::string_view("Date"), std::string_view(h.date, sizeof(h.date)));
  if (!h.content_type.empty()) f(std::string_view("Content-Type"), h.content_type);
  if (!h.error_type.empty()) f(std::string_view("x-amzn-ErrorType"), h.error_type);
  if (h.extra_headers != nullptr) {
    for (const auto& [name, value] : *h.extra_headers) f(name, std::string_view(value));
  }
  if (h.cors) {
    f(std::string_view("Access-Control-Allow-Origin"), std::string_view("*"));
    if (!h.preflight) f(std::string_view("Access-Control-Expose-Headers"), kCorsExposeHeaders);
  }
  if (h.preflight) {
    if (!h.allow_headers.empty())
      f(std::string_view("Access-Control-Allow-Headers"), std::string_view(h.allow_headers));
    if (!h.allow_methods.empty())
      f(std::string_view("Access-Control-Allow-Methods"), std::string_view(h.allow_methods));
    f(std::string_view("Access-Control-Max-Age"), kCorsMaxAge);
  }
}

std::string_view ReasonPhrase(int status);

// Appends "HTTP/1.x <status> <reason>\r\n<headers>Content-Length: n\r\n[Connection: close]\r\n\r\n".
enum class KeepAlive : uint8_t { kKeep, kClose };  // kClose adds "Connection: close"
void AppendHttp1Head(std::string* out, const ResponseHead& h, size_t content_length, KeepAlive keep_alive,
                     unsigned http_version = 11);

// The head of a streamed body: HTTP/1.1 "Transfer-Encoding: chunked" (plus "Connection: close"
// with kClose); HTTP/1.0 has no chunked coding, so there the body ends when the connection
// closes ("Connection: close", no length).
void AppendHttp1StreamHead(std::string* out, const ResponseHead& h, KeepAlive keep_alive, unsigned http_version = 11);

// Appends the decimal text of v.
void AppendDecimal(std::string* out, uint64_t v);

}  // namespace sluice::server::http
