#pragma once
// HTTP/1.1 keep-alive connection. Beast parses the request head; the body is read straight from
// the socket into a reused buffer sized from Content-Length (Beast's dynamic-buffer body path
// was measured ~10x slower on ~700 KB PutRecords bodies), and the response head and body go out
// in one gather write.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/http/body_buffer.h"
#include "server/http/connection.h"
#include "server/http/socket.h"

namespace sluice::server::http {

namespace beast = boost::beast;

class H1Connection final : public Connection, public std::enable_shared_from_this<H1Connection> {
 public:
  // `buffered` holds bytes already read from the socket (the protocol sniff).
  H1Connection(Worker* worker, Socket socket, beast::flat_buffer buffered);
  ~H1Connection() override;

  void Start();
  void Shutdown() override;
  void ForceClose() override;

 private:
  enum class State { kIdle, kReadingHead, kReadingBody, kDispatched, kWriting, kClosed };

  void WaitForRequest();
  void ReadHead();
  void OnHead(const boost::system::error_code& ec);
  void ReadBody(size_t content_length);
  void OnBody();
  void Process();
  void OnDispatchDone();
  // Tells ctx_->calls (the access log) about the answered request.
  void ReportCall();
  void WriteResponse();
  void OnWritten(const boost::system::error_code& ec);
  // Writes a bare status (413, 411, 400, 431) and closes.
  void RejectAndClose(int status);
  void LingeringClose();
  void Drain();
  void Close();

  const ServerContext* ctx_;
  Socket stream_;  // cleartext or TLS
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::empty_body>> parser_;
  BodyBuffer body_;
  std::vector<protocol::sigv4::Header> headers_;
  Exchange exchange_;
  std::string head_out_;
  std::string scratch_;  // 100-continue, lingering-close drain
  bool keep_alive_ = true;
  bool first_request_ = true;
  bool shutting_down_ = false;
  unsigned version_ = 11;
  int64_t body_done_ns_ = 0;  // Clock::MonotonicNanos when the request was complete
  std::string peer_;          // remote address, filled on the first ReportCall
  State state_ = State::kIdle;
  // Held while the dispatcher owns the request: keeps this object and the io_context alive
  // until done() has been posted back.
  std::shared_ptr<H1Connection> self_while_dispatched_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
};

}  // namespace sluice::server::http
