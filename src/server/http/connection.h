#pragma once
// Pieces shared by every connection type: the server-wide context, the per-thread worker
// (one io_context per core; a connection lives on exactly one, so it needs no locking), and
// the Connection base through which Stop() reaches live connections.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>

#include "server/api/dispatcher.h"
#include "server/http/http_options.h"
#include "server/http/observer.h"
#include "server/http/request_processor.h"

namespace sluice::server::http {

namespace asio = boost::asio;

struct ServerContext {
  const HttpServerOptions* options = nullptr;
  api::Dispatcher* dispatcher = nullptr;
  const RequestProcessor* processor = nullptr;
  CallObserver* calls = nullptr;      // the access log, when on
  asio::ssl::context* tls = nullptr;  // null: cleartext only
  std::atomic<size_t> connections{0};
  std::atomic<uint64_t> tls_handshakes{0};
  std::atomic<uint64_t> tls_handshake_failures{0};  // timeouts, bad ClientHellos, cleartext on the TLS port
};

class Connection;

class Worker {
 public:
  explicit Worker(ServerContext* ctx) : ctx_(ctx), ioc_(1) {}

  asio::io_context& ioc() { return ioc_; }
  ServerContext* ctx() const { return ctx_; }
  bool stopping() const { return stopping_; }

  // Only on this worker's thread.
  void Register(Connection* c) { connections_.insert(c); }
  void Unregister(Connection* c);
  // Graceful shutdown of every connection, then force-close after `grace`. On this thread.
  void BeginShutdown(std::chrono::milliseconds grace);
  // Sum of HeldBufferBytes() over this worker's connections. On this thread.
  size_t HeldBufferBytes() const;

  // A read buffer shared by this worker's cleartext HTTP/2 connections: they wait for the
  // socket to become readable and only then read into it, handing every byte to nghttp2 (which
  // copies what it keeps) before returning to the io_context, so an idle connection holds no
  // read buffer. Only on this thread; allocated on first use.
  static constexpr size_t kSharedReadBytes = 256 * 1024;
  uint8_t* shared_read_buffer() {
    if (shared_read_buf_ == nullptr) shared_read_buf_ = std::make_unique_for_overwrite<uint8_t[]>(kSharedReadBytes);
    return shared_read_buf_.get();
  }

 private:
  // Declaration order matters for destruction: connections_ must outlive ioc_ (destroying ioc_
  // destroys handlers that may own the last reference to a connection, which unregisters).
  ServerContext* ctx_;
  std::unordered_set<Connection*> connections_;
  bool stopping_ = false;
  asio::io_context ioc_;
  std::optional<asio::steady_timer> grace_timer_;
  std::unique_ptr<uint8_t[]> shared_read_buf_;

 public:
  // Keeps run() going while the worker has no connections; released by HttpServer::Stop().
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard;
  std::thread thread;
};

class Connection {
 public:
  explicit Connection(Worker* worker) : worker_(worker) {
    worker_->Register(this);
    worker_->ctx()->connections.fetch_add(1, std::memory_order_relaxed);
  }
  // Unregister may cancel the grace timer, which throws only if the io_context is broken; then
  // terminating is the right outcome.
  // NOLINTNEXTLINE(bugprone-exception-escape)
  virtual ~Connection() {
    worker_->ctx()->connections.fetch_sub(1, std::memory_order_relaxed);
    worker_->Unregister(this);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Finish what has been received, then close.
  virtual void Shutdown() = 0;
  virtual void ForceClose() = 0;
  // Capacity of the buffers this connection holds itself (not the socket's or the TLS or
  // nghttp2 libraries'): what an idle connection costs beyond those. On the worker's thread.
  virtual size_t HeldBufferBytes() const { return 0; }

 protected:
  Worker* worker_;
};

}  // namespace sluice::server::http
