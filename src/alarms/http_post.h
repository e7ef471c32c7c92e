#pragma once
// A blocking HTTP/1.1 POST to an http:// URL (alarm webhooks). No TLS: webhooks are expected on
// a trusted network or behind a local relay.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::alarms {

struct HttpTarget {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};
// Parses "http://host[:port][/path]"; nullopt-like error for anything else.
Result<HttpTarget> ParseHttpUrl(const std::string& url);

using Headers = std::vector<std::pair<std::string, std::string>>;
// Ok for a 2xx answer; kUnavailable for a connection failure, timeout or any other status.
Status HttpPost(const std::string& url, const Headers& headers, const std::string& body,
                std::chrono::milliseconds timeout);

}  // namespace sluice::alarms
