#pragma once
// A received request as both HTTP versions present it to the request processor: views into
// the connection's buffers, valid until the response has been written.
#include <span>
#include <string_view>

#include "protocol/sigv4.h"

namespace sluice::server::http {

struct IncomingRequest {
  std::string_view method;
  std::string_view path;   // without the query
  std::string_view query;  // without '?'
  // Host header (HTTP/1.1) or :authority (HTTP/2): the `host` value SigV4 signs.
  std::string_view host;
  // Regular headers, names in any case. Over HTTP/2 also ":authority" and, when the client sent
  // no host header, a synthesized "host" (both = :authority), as SigV4 may sign either.
  std::span<const protocol::sigv4::Header> headers;
  // At least api::kBodyPadding readable bytes follow body.end().
  std::string_view body;

  // First header named `name` (case-insensitive), or empty view with *found = false.
  std::string_view Header(std::string_view name, bool* found = nullptr) const;
};

}  // namespace sluice::server::http
