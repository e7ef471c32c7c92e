#pragma once
// The byte stream under an HTTP connection: cleartext TCP or TLS over TCP, behind one type so
// H1Connection and H2Connection do not care which. Both ride on a beast::tcp_stream, whose
// expires_after()/expires_never() bound the TLS handshake and HTTP/1.1 reads alike (a timeout
// closes the TCP socket under the TLS layer, which then fails the pending operation).
//
// Used from the owning connection's io_context thread only, like the sockets it wraps; at most
// one read and one write may be outstanding (what TLS allows on one thread).
#include <openssl/ssl.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

namespace sluice::server::http {

namespace asio = boost::asio;

class Socket {
 public:
  using TlsStream = asio::ssl::stream<boost::beast::tcp_stream>;
  using executor_type = boost::beast::tcp_stream::executor_type;

  explicit Socket(asio::ip::tcp::socket socket) : plain_(std::in_place, std::move(socket)) {}

  // Switches to TLS (server side) before any byte has been written; the handshake follows.
  void StartTls(asio::ssl::context& context) {
    tls_ = std::make_unique<TlsStream>(std::move(*plain_), context);
    plain_.reset();
  }
  bool is_tls() const { return tls_ != nullptr; }
  // Server handshake; `received` holds bytes already read from the TCP socket (the sniff).
  template <typename Handler>
  void async_handshake(asio::const_buffer received, Handler&& handler) {
    tls_->async_handshake(asio::ssl::stream_base::server, received, std::forward<Handler>(handler));
  }
  // The protocol agreed by ALPN ("h2", "http/1.1"), empty without TLS or without ALPN.
  std::string_view alpn() {
    if (!tls_) return {};
    const unsigned char* name = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(tls_->native_handle(), &name, &length);
    return name == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(name), length);
  }

  executor_type get_executor() { return tcp().get_executor(); }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // Timeouts for the operations that follow (beast::tcp_stream semantics).
  void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
  void expires_never() { tcp().expires_never(); }

  // The TCP socket at the bottom (shutdown, remote_endpoint, options). Without a TLS
  // close_notify: HTTP framing already tells a client where a response ends.
  asio::ip::tcp::socket& socket() { return tcp().socket(); }
  void shutdown(asio::ip::tcp::socket::shutdown_type what, boost::system::error_code& ec) {
    socket().shutdown(what, ec);
  }
  // Cancels pending reads and writes (they complete with operation_aborted). Over TLS a read
  // cancelled while waiting for bytes leaves the session usable: a record is decrypted only
  // once it has fully arrived.
  void cancel() { tcp().cancel(); }
  bool is_open() { return socket().is_open(); }
  void close() { tcp().close(); }
  void close(boost::system::error_code& ec) {
    ec = {};
    tcp().close();
  }
  asio::ip::tcp::endpoint remote_endpoint(boost::system::error_code& ec) { return socket().remote_endpoint(ec); }

 private:
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }

  std::optional<boost::beast::tcp_stream> plain_;  // cleartext; empty once TLS has started
  std::unique_ptr<TlsStream> tls_;                 // on the heap: the Socket moves between owners
};

}  // namespace sluice::server::http
