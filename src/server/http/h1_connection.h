#pragma once
// HTTP/1.1 keep-alive connection. Beast parses the request head; the body is read straight from
// the socket into a reused buffer sized from Content-Length (Beast's dynamic-buffer body path
// was measured ~10x slower on ~700 KB PutRecords bodies), and the response head and body go out
// in one gather write. A streamed body (api::ResponseStream) goes out chunked, one chunk per
// piece the source returns (h1_streaming.cc).
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
#include "server/http/wake_relay.h"

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
  enum class State { kIdle, kReadingHead, kReadingBody, kDispatched, kWriting, kStreaming, kClosed };

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

  // Streamed bodies (h1_streaming.cc).
  void StartStreaming();
  // Pulls what the source has (up to a batch) and writes it with the head if not yet sent.
  void PullAndWrite();
  void OnStreamWritten(const boost::system::error_code& ec);
  void OnStreamWake(const std::vector<uint64_t>& tokens);
  // Keeps a read pending while streaming, to notice the peer leaving; bytes of a pipelined
  // next request are kept (up to a cap) and served after the stream.
  void WatchPeer();
  void OnStreamRead(const boost::system::error_code& ec, size_t n);
  void EndStreaming();
  // Server stopping: cancel the source; the body then ends after what was already pulled.
  void StopStreaming();
  // Cancels the source if the stream is still live (Close, destructor).
  void CancelSource();

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

  // Streamed body state. source_ is null once the source returned kEnd or was cancelled.
  std::shared_ptr<api::ResponseStream> source_;
  std::shared_ptr<WakeRelay> wake_relay_;               // created with the first streamed response
  std::function<void()> stream_wake_;                   // this stream's wake (to retry a source that stalls)
  uint64_t stream_token_ = 0;                           // tells this stream's wakes from an earlier one's
  std::string chunks_;                                  // chunk framing and data of one write, with gaps
  std::vector<std::pair<size_t, size_t>> chunk_spans_;  // (offset, length) in chunks_ to send
  std::vector<asio::const_buffer> stream_bufs_;
  bool head_pending_ = false;  // the head goes out with the first write
  bool stream_write_pending_ = false;
  bool stream_ending_ = false;   // the write in flight carries the end of the body
  bool stream_waiting_ = false;  // the source said kWait: the next pull comes from a wake
  bool stream_read_pending_ = false;
  std::shared_ptr<H1Connection> self_while_streaming_;
};

}  // namespace sluice::server::http
