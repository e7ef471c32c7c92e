#pragma once
// The server's TLS settings: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites for 1.2
// (the TLS 1.3 suites are all fine), ALPN choosing h2 over http/1.1.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::server::http {

// Loads a PEM certificate chain (server certificate first) and its PEM private key.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const std::string& cert_chain_file,
                                                                        const std::string& key_file);

// `what`, then the reason of the oldest queued OpenSSL error, if any; clears the queue.
std::string OpenSslErrorText(std::string_view what);

// ALPN: the protocol the server picks from the client's wire-format list (length-prefixed
// names), "h2" before "http/1.1"; empty when none is offered that we speak.
std::string_view ChooseAlpn(std::string_view client_protocols);

}  // namespace sluice::server::http
