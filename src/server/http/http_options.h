#pragma once
// Settings of the HTTP front end. Plain data: the composition root fills it from config.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace sluice::server::http {

enum class AuthMode {
  // Parse and check SigV4 fully (presence, scope, date, skew) but accept any key and any
  // signature: a self-hosted server does not know its clients' secrets.
  kStructural,
  // Additionally look the access key up in `credentials` and recompute the signature.
  kVerify,
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4567;  // 0 = ephemeral; HttpServer::port() reports the bound one
  int io_threads = 0;    // 0 = one per core
  size_t max_body_bytes = 16 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;
  size_t max_connections = 10000;
  // Time to receive a complete request head once a request has started (and the first bytes
  // of a connection); defends against slowloris-style clients.
  std::chrono::milliseconds header_read_timeout{10'000};
  // Time an idle keep-alive connection (HTTP/1.1, or HTTP/2 without open streams) is kept.
  std::chrono::milliseconds idle_timeout{120'000};
  // Time to receive a request body, and to write a response.
  std::chrono::milliseconds body_read_timeout{60'000};
  // Stop(): how long in-flight requests may take before connections are closed forcibly.
  std::chrono::milliseconds stop_grace{10'000};
  std::string default_account_id = "000000000000";
  std::string default_region = "us-east-1";
  AuthMode auth_mode = AuthMode::kStructural;
  std::map<std::string, std::string> credentials;  // kVerify: access key id -> secret key
  // TLS: on when tls_cert_file is set. The same certificate serves both ports.
  std::string tls_cert_file;  // PEM: the server certificate, then any intermediates
  std::string tls_key_file;   // PEM private key
  // Also accept TLS on `port`, told apart from cleartext by its first byte.
  bool tls_on_main_port = true;
  // A second listener speaking only TLS: -1 = none, 0 = an ephemeral port (HttpServer::tls_port()).
  int32_t tls_port = -1;
  // HTTP/2.
  uint32_t h2_max_concurrent_streams = 1000;
  // Per-stream receive window we advertise; large enough that a ~700 KB PutRecords body
  // does not wait for WINDOW_UPDATE round trips.
  int32_t h2_initial_window_size = 4 * 1024 * 1024;
  int32_t h2_connection_window_size = 32 * 1024 * 1024;
  // Request-body bytes one HTTP/2 connection may hold across its streams (at least
  // max_body_bytes). Flow control does not bound this (bytes are acknowledged as they are
  // buffered), so without it 1000 streams x max_body_bytes could be held per connection. A
  // stream that would exceed it is reset with ENHANCE_YOUR_CALM.
  size_t h2_max_buffered_bytes = 64 * 1024 * 1024;
};

}  // namespace sluice::server::http
