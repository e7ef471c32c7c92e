#include "server/http/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <string>
#include <thread>

#include "base/log.h"
#include "server/http/connection.h"
#include "server/http/protocol_sniffer.h"
#include "server/http/request_processor.h"
#include "server/http/tls_context.h"

namespace sluice::server::http {

using boost::system::error_code;
namespace ip = asio::ip;

HttpServer::HttpServer(Options options, api::Dispatcher* dispatcher, const Clock* clock)
    : options_(std::move(options)), dispatcher_(dispatcher), clock_(clock) {}

HttpServer::~HttpServer() { Stop(); }

uint64_t HttpServer::tls_handshakes() const { return ctx_ ? ctx_->tls_handshakes.load(std::memory_order_relaxed) : 0; }

uint64_t HttpServer::tls_handshake_failures() const {
  return ctx_ ? ctx_->tls_handshake_failures.load(std::memory_order_relaxed) : 0;
}

size_t HttpServer::HeldBufferBytes() const {
  if (!running_) return 0;
  size_t total = 0;
  for (const auto& w : workers_) {
    std::promise<size_t> held;
    Worker* worker = w.get();
    asio::post(worker->ioc(), [worker, &held] { held.set_value(worker->HeldBufferBytes()); });
    total += held.get_future().get();
  }
  return total;
}

Status HttpServer::Listen(uint16_t port, std::optional<ip::tcp::acceptor>* acceptor) {
  error_code ec;
  // "localhost" is the one name accepted: the loopback address, without a resolver.
  ip::address address = ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
  if (ec) return Status(Errc::kInvalidArgument, "bad listen host '" + options_.host + "': " + ec.message());
  ip::tcp::endpoint endpoint(address, port);
  acceptor->emplace(workers_[0]->ioc());
  (*acceptor)->open(endpoint.protocol(), ec);
  if (!ec) (*acceptor)->set_option(ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) (*acceptor)->bind(endpoint, ec);
  if (!ec) (*acceptor)->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor->reset();
    return Status(Errc::kIoError,
                  "cannot listen on " + options_.host + ":" + std::to_string(port) + ": " + ec.message());
  }
  return Status::Ok();
}

Status HttpServer::Start() {
  if (running_) return Status(Errc::kInternal, "HttpServer already started");
  if (!options_.tls_cert_file.empty()) {
    SLUICE_ASSIGN_OR_RETURN(tls_, MakeServerTlsContext(options_.tls_cert_file, options_.tls_key_file));
  }
  processor_ = std::make_unique<RequestProcessor>(options_, clock_, observers_.metrics);
  ctx_ = std::make_unique<ServerContext>();
  ctx_->options = &options_;
  ctx_->dispatcher = dispatcher_;
  ctx_->processor = processor_.get();
  ctx_->calls = observers_.calls;
  ctx_->tls = tls_.get();

  int threads = options_.io_threads > 0 ? options_.io_threads
                                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers_.clear();
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>(ctx_.get()));

  Status listening = Listen(options_.port, &acceptor_);
  if (listening.ok() && tls_ && options_.tls_port >= 0) {
    listening = Listen(static_cast<uint16_t>(options_.tls_port), &tls_acceptor_);
    if (!listening.ok()) acceptor_.reset();
  }
  if (!listening.ok()) {
    workers_.clear();
    return listening;
  }
  bound_port_ = acceptor_->local_endpoint().port();
  bound_tls_port_ = tls_acceptor_ ? tls_acceptor_->local_endpoint().port() : 0;

  Accept(Listener::kMain);
  if (tls_acceptor_) Accept(Listener::kTls);
  for (auto& w : workers_) {
    Worker* worker = w.get();
    // Keeps run() going while the worker has no connections; released by Stop().
    worker->work_guard.emplace(worker->ioc().get_executor());
    worker->thread = std::thread([worker] { worker->ioc().run(); });
  }
  running_ = true;
  std::string tls = "off";
  if (tls_) {
    tls = options_.tls_on_main_port ? "main port" : "";
    if (tls_acceptor_) tls.append(tls.empty() ? "" : " and ").append("port " + std::to_string(bound_tls_port_));
  }
  SLOG(kInfo, "http", "listening",
       {{"host", options_.host},
        {"port", std::to_string(bound_port_)},
        {"tls", tls},
        {"io_threads", std::to_string(threads)},
        {"auth", options_.auth_mode == AuthMode::kVerify ? "verify" : "structural"}});
  return Status::Ok();
}

void HttpServer::Accept(Listener listener) {
  ip::tcp::acceptor& acceptor = listener == Listener::kMain ? *acceptor_ : *tls_acceptor_;
  ProtocolSniffer::Mode mode = ProtocolSniffer::Mode::kTlsOnly;
  if (listener == Listener::kMain) {
    mode = tls_ && options_.tls_on_main_port ? ProtocolSniffer::Mode::kAny : ProtocolSniffer::Mode::kCleartext;
  }
  Worker* target = workers_[next_worker_].get();
  next_worker_ = (next_worker_ + 1) % workers_.size();
  acceptor.async_accept(
      target->ioc(), [this, target, listener, mode, &acceptor](const error_code& ec, ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (ec) {
          SLOG(kWarn, "http", "accept failed", {{"error", ec.message()}});
          // Out of descriptors and similar: keep accepting rather than going deaf.
          return Accept(listener);
        }
        if (ctx_->connections.load(std::memory_order_relaxed) >= options_.max_connections) {
          error_code ignored;
          socket.close(ignored);
        } else {
          error_code ignored;
          socket.set_option(ip::tcp::no_delay(true), ignored);
          // The socket is bound to target's io_context; start it there.
          asio::post(target->ioc(), [target, mode, s = std::make_shared<ip::tcp::socket>(std::move(socket))]() mutable {
            if (target->stopping()) return;
            std::make_shared<ProtocolSniffer>(target, std::move(*s), mode)->Start();
          });
        }
        Accept(listener);
      });
}

void HttpServer::Stop() {
  if (!running_) return;
  running_ = false;
  // 1. Stop accepting (on the acceptors' thread).
  std::promise<void> closed;
  asio::post(workers_[0]->ioc(), [this, &closed] {
    error_code ec;
    acceptor_->close(ec);
    if (tls_acceptor_) tls_acceptor_->close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
  // 2. Each worker finishes in-flight requests and closes its connections; its io_context
  //    then runs out of work and the thread exits.
  for (auto& w : workers_) {
    Worker* worker = w.get();
    asio::post(worker->ioc(), [worker, grace = options_.stop_grace] {
      worker->BeginShutdown(grace);
      worker->work_guard.reset();
    });
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  acceptor_.reset();
  tls_acceptor_.reset();
  workers_.clear();
  SLOG(kInfo, "http", "stopped", {{"port", std::to_string(bound_port_)}});
}

}  // namespace sluice::server::http
