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

namespace sluice::server::http {

using boost::system::error_code;
namespace ip = asio::ip;

HttpServer::HttpServer(Options options, api::Dispatcher* dispatcher, const Clock* clock)
    : options_(std::move(options)), dispatcher_(dispatcher), clock_(clock) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  if (running_) return Status(Errc::kInternal, "HttpServer already started");
  processor_ = std::make_unique<RequestProcessor>(options_, clock_, observers_.metrics);
  ctx_ = std::make_unique<ServerContext>();
  ctx_->options = &options_;
  ctx_->dispatcher = dispatcher_;
  ctx_->processor = processor_.get();
  ctx_->calls = observers_.calls;

  int threads = options_.io_threads > 0 ? options_.io_threads
                                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers_.clear();
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>(ctx_.get()));

  error_code ec;
  ip::address address = ip::make_address(options_.host, ec);
  if (ec) return Status(Errc::kInvalidArgument, "bad listen host '" + options_.host + "': " + ec.message());
  ip::tcp::endpoint endpoint(address, options_.port);
  acceptor_.emplace(workers_[0]->ioc());
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.reset();
    workers_.clear();
    return Status(Errc::kIoError,
                  "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message());
  }
  bound_port_ = acceptor_->local_endpoint().port();

  Accept();
  for (auto& w : workers_) {
    Worker* worker = w.get();
    // Keeps run() going while the worker has no connections; released by Stop().
    worker->work_guard.emplace(worker->ioc().get_executor());
    worker->thread = std::thread([worker] { worker->ioc().run(); });
  }
  running_ = true;
  SLOG(kInfo, "http", "listening",
       {{"host", options_.host},
        {"port", std::to_string(bound_port_)},
        {"io_threads", std::to_string(threads)},
        {"auth", options_.auth_mode == AuthMode::kVerify ? "verify" : "structural"}});
  return Status::Ok();
}

void HttpServer::Accept() {
  Worker* target = workers_[next_worker_].get();
  next_worker_ = (next_worker_ + 1) % workers_.size();
  acceptor_->async_accept(target->ioc(), [this, target](const error_code& ec, ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (ec) {
      SLOG(kWarn, "http", "accept failed", {{"error", ec.message()}});
      // Out of descriptors and similar: keep accepting rather than going deaf.
      return Accept();
    }
    if (ctx_->connections.load(std::memory_order_relaxed) >= options_.max_connections) {
      error_code ignored;
      socket.close(ignored);
    } else {
      error_code ignored;
      socket.set_option(ip::tcp::no_delay(true), ignored);
      // The socket is bound to target's io_context; start it there.
      asio::post(target->ioc(), [target, s = std::make_shared<ip::tcp::socket>(std::move(socket))]() mutable {
        if (target->stopping()) return;
        std::make_shared<ProtocolSniffer>(target, std::move(*s))->Start();
      });
    }
    Accept();
  });
}

void HttpServer::Stop() {
  if (!running_) return;
  running_ = false;
  // 1. Stop accepting (on the acceptor's thread).
  std::promise<void> closed;
  asio::post(workers_[0]->ioc(), [this, &closed] {
    error_code ec;
    acceptor_->close(ec);
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
  workers_.clear();
  SLOG(kInfo, "http", "stopped", {{"port", std::to_string(bound_port_)}});
}

}  // namespace sluice::server::http
