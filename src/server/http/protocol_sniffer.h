#pragma once
// Decides per connection what it speaks, then hands the socket and the bytes read so far to the
// matching connection type:
//   - a TLS handshake (first byte 0x16, when TLS is configured; on the TLS-only port always):
//     handshake, then ALPN "h2" -> HTTP/2, "http/1.1" -> HTTP/1.1, no ALPN -> sniff the
//     decrypted bytes as below;
//   - HTTP/2 with prior knowledge (the client opens with the 24-byte preface
//     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
//   - otherwise HTTP/1.1.
// Everything before the hand-off (the TLS handshake included) runs under header_read_timeout.
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <string_view>

#include "server/http/connection.h"
#include "server/http/socket.h"

namespace sluice::server::http {

inline constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// The first byte of a TLS record carrying a handshake message (a ClientHello, here).
inline constexpr unsigned char kTlsHandshakeRecord = 0x16;

enum class SniffResult { kNeedMore, kHttp2, kHttp1 };
// Pure decision on the (cleartext) bytes received so far.
SniffResult Sniff(std::string_view received);

class ProtocolSniffer final : public Connection, public std::enable_shared_from_this<ProtocolSniffer> {
 public:
  enum class Mode {
    kCleartext,  // the main port without TLS: h2c or HTTP/1.1
    kAny,        // the main port with TLS: also a TLS handshake (ctx->tls must be set)
    kTlsOnly,    // the TLS port: the handshake starts at once (ctx->tls must be set)
  };
  ProtocolSniffer(Worker* worker, asio::ip::tcp::socket socket, Mode mode = Mode::kCleartext);
  void Start();
  void Shutdown() override;
  void ForceClose() override { Shutdown(); }

 private:
  void Read();
  void Handshake();
  void OnHandshake(const boost::system::error_code& ec);
  void HandOff(SniffResult result);

  Mode mode_;
  Socket stream_;
  boost::beast::flat_buffer buffer_;
  bool closed_ = false;
};

}  // namespace sluice::server::http
