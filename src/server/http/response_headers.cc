#include "server/http/response_headers.h"

#include <cstring>

#include "base/base64.h"
#include "base/random.h"
#include "base/time_format.h"

namespace sluice::server::http {

void ResponseHead::Reset(int64_t now_ms) {
  status = 200;
  std::string uuid = NewUuid();
  std::memcpy(request_id, uuid.data(), sizeof(request_id));
  uint64_t rnd[9];
  for (uint64_t& r : rnd) r = FastRandom64();
  static_assert(base64::EncodedSize(sizeof(rnd)) == sizeof(id2));
  base64::Encode(reinterpret_cast<const uint8_t*>(rnd), sizeof(rnd), id2);
  FormatHttpDate(now_ms, date);
  content_type = kContentTypeJson;
  error_type = {};
  extra_headers = nullptr;
  cors = false;
  preflight = false;
  allow_headers.clear();
  allow_methods.clear();
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

void AppendDecimal(std::string* out, uint64_t v) {
  char buf[20];
  size_t n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out->push_back(buf[--n]);
}

namespace {

void AppendStatusAndHeaders(std::string* out, const ResponseHead& h, unsigned http_version) {
  out->append(http_version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  AppendDecimal(out, static_cast<uint64_t>(h.status));
  out->push_back(' ');
  out->append(ReasonPhrase(h.status));
  out->append("\r\n");
  ForEachResponseHeader(h, [out](std::string_view name, std::string_view value) {
    out->append(name).append(": ").append(value).append("\r\n");
  });
}

}  // namespace

void AppendHttp1Head(std::string* out, const ResponseHead& h, size_t content_length, KeepAlive keep_alive,
                     unsigned http_version) {
  AppendStatusAndHeaders(out, h, http_version);
  out->append("Content-Length: ");
  AppendDecimal(out, content_length);
  out->append("\r\n");
  if (keep_alive == KeepAlive::kClose) {
    out->append("Connection: close\r\n");
  } else if (http_version == 10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

void AppendHttp1StreamHead(std::string* out, const ResponseHead& h, KeepAlive keep_alive, unsigned http_version) {
  AppendStatusAndHeaders(out, h, http_version);
  if (http_version == 10) {
    out->append("Connection: close\r\n\r\n");
    return;
  }
  out->append("Transfer-Encoding: chunked\r\n");
  if (keep_alive == KeepAlive::kClose) out->append("Connection: close\r\n");
  out->append("\r\n");
}

}  // namespace sluice::server::http
