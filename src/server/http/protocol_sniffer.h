#pragma once
// Decides per cleartext connection between HTTP/2 with prior knowledge (the client opens with
// the 24-byte preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") and HTTP/1.1, then hands the socket and
// the bytes read so far to the matching connection type.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <string_view>

#include "server/http/connection.h"

namespace sluice::server::http {

inline constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class SniffResult { kNeedMore, kHttp2, kHttp1 };
// Pure decision on the bytes received so far.
SniffResult Sniff(std::string_view received);

class ProtocolSniffer final : public Connection, public std::enable_shared_from_this<ProtocolSniffer> {
 public:
  ProtocolSniffer(Worker* worker, asio::ip::tcp::socket socket);
  void Start();
  void Shutdown() override;
  void ForceClose() override { Shutdown(); }

 private:
  void Read();
  void HandOff(SniffResult result);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool closed_ = false;
};

}  // namespace sluice::server::http
