#pragma once
// The Kinesis front end: accepts TCP connections, speaks HTTP/1.1 keep-alive and HTTP/2 (prior
// knowledge in cleartext, ALPN over TLS) on the same port, optionally TLS there and on a TLS-only
// port, authenticates (SigV4), and hands each request to an api::Dispatcher. One io_context and
// thread per core; a connection stays on one thread.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "server/api/dispatcher.h"
#include "server/http/http_options.h"
#include "server/http/observer.h"

namespace sluice::server::http {

struct ServerContext;
class RequestProcessor;
class Worker;

class HttpServer {
 public:
  using Options = HttpServerOptions;

  // Cheap: no threads, no sockets. `dispatcher` and `clock` must outlive the server.
  HttpServer(Options options, api::Dispatcher* dispatcher, const Clock* clock = SystemClock::Default());
  ~HttpServer();  // Stop()s if running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Before Start(): the Prometheus page and the call observer (both must outlive the server).
  void SetObservers(HttpObservers observers) { observers_ = observers; }

  // Binds, listens and starts the io threads.
  Status Start();
  // Graceful: stop accepting, let in-flight requests finish (up to options.stop_grace), close
  // connections, join the threads. Idempotent.
  void Stop();

  // The bound port (useful with options.port == 0); 0 before Start().
  uint16_t port() const { return bound_port_; }
  // The bound TLS-only port; 0 before Start() or without one.
  uint16_t tls_port() const { return bound_tls_port_; }
  // TLS handshakes completed and failed since Start() (0 without TLS).
  uint64_t tls_handshakes() const;
  uint64_t tls_handshake_failures() const;
  const Options& options() const { return options_; }
  // Bytes of buffers the live connections hold themselves (read, write, request and response
  // buffers; not kernel, TLS library or nghttp2 memory). Waits for every worker: not from a
  // worker thread. 0 when not running.
  size_t HeldBufferBytes() const;

 private:
  enum class Listener { kMain, kTls };
  // Binds and listens on host:port into *acceptor (whose io_context is the first worker's).
  Status Listen(uint16_t port, std::optional<boost::asio::ip::tcp::acceptor>* acceptor);
  void Accept(Listener listener);

  Options options_;
  api::Dispatcher* dispatcher_;
  const Clock* clock_;
  HttpObservers observers_;
  std::unique_ptr<RequestProcessor> processor_;
  std::unique_ptr<ServerContext> ctx_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // null without TLS
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<boost::asio::ip::tcp::acceptor> tls_acceptor_;  // the TLS-only port, when set
  size_t next_worker_ = 0;
  uint16_t bound_port_ = 0;
  uint16_t bound_tls_port_ = 0;
  bool running_ = false;
};

}  // namespace sluice::server::http
