#include "server/http/h1_connection.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <limits>

#include "base/ascii.h"
#include "base/log.h"

namespace sluice::server::http {

namespace bhttp = beast::http;
using boost::system::error_code;

namespace {

std::string_view ToView(beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

H1Connection::H1Connection(Worker* worker, Socket socket, beast::flat_buffer buffered)
    : Connection(worker), ctx_(worker->ctx()), stream_(std::move(socket)), buffer_(std::move(buffered)) {}

H1Connection::~H1Connection() {
  CancelSource();
  if (wake_relay_) wake_relay_->Close();
}

void H1Connection::Start() { WaitForRequest(); }

void H1Connection::Shutdown() {
  shutting_down_ = true;
  // Between requests there is nothing in flight: close now. Otherwise the connection closes
  // after the current response (keep_alive_ is ignored once shutting_down_ is set).
  if (state_ == State::kIdle || state_ == State::kReadingHead) Close();
  if (state_ == State::kStreaming) StopStreaming();
}

void H1Connection::ForceClose() { Close(); }

void H1Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  CancelSource();
  if (wake_relay_) wake_relay_->Close();
  // Released last: it may hold the last reference to this connection.
  auto self = std::move(self_while_streaming_);
  error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
}

void H1Connection::WaitForRequest() {
  if (shutting_down_) return Close();
  state_ = State::kIdle;
  if (buffer_.size() > 0) return ReadHead();
  // Wait for the first byte of the next request under the idle timeout; the head then has
  // header_read_timeout to arrive.
  stream_.expires_after(first_request_ ? ctx_->options->header_read_timeout : ctx_->options->idle_timeout);
  stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](const error_code& ec, size_t n) {
    if (ec || self->state_ == State::kClosed) return self->Close();
    self->buffer_.commit(n);
    self->ReadHead();
  });
}

void H1Connection::ReadHead() {
  state_ = State::kReadingHead;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(ctx_->options->max_header_bytes));
  // The body is read by us and checked against max_body_bytes.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  parser_->eager(false);
  stream_.expires_after(ctx_->options->header_read_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](const error_code& ec, size_t) { self->OnHead(ec); });
}

void H1Connection::OnHead(const error_code& ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (ec == bhttp::error::header_limit) return RejectAndClose(431);
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return Close();
    }
    SLOG(kDebug, "http", "bad request head", {{"error", ec.message()}});
    return RejectAndClose(400);
  }
  first_request_ = false;
  const auto& msg = parser_->get();
  version_ = msg.version() == 10 ? 10 : 11;
  keep_alive_ = msg.keep_alive();
  if (parser_->chunked()) return RejectAndClose(411);  // AWS clients always send Content-Length
  size_t length = static_cast<size_t>(parser_->content_length().value_or(0));
  if (length > ctx_->options->max_body_bytes) return RejectAndClose(413);
  ReadBody(length);
}

void H1Connection::ReadBody(size_t content_length) {
  state_ = State::kReadingBody;
  body_.SetSize(content_length);
  size_t have = std::min(content_length, buffer_.size());
  if (have > 0) {
    asio::buffer_copy(asio::buffer(body_.data(), have), buffer_.data(), have);
    buffer_.consume(have);
  }
  size_t missing = content_length - have;
  auto read_body = [this, missing, have] {
    if (missing == 0) return OnBody();
    stream_.expires_after(ctx_->options->body_read_timeout);
    asio::async_read(stream_, asio::buffer(body_.data() + have, missing),
                     [self = shared_from_this()](const error_code& ec, size_t) {
                       if (ec || self->state_ == State::kClosed) return self->Close();
                       self->OnBody();
                     });
  };
  // curl-based clients (KPL) ask before sending large bodies.
  auto expect = parser_->get()[bhttp::field::expect];
  if (missing > 0 && EqualsIgnoreCase(ToView(expect), "100-continue")) {
    scratch_.assign(version_ == 10 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n");
    stream_.expires_after(ctx_->options->body_read_timeout);
    asio::async_write(stream_, asio::buffer(scratch_),
                      [self = shared_from_this(), read_body](const error_code& ec, size_t) {
                        if (ec || self->state_ == State::kClosed) return self->Close();
                        read_body();
                      });
    return;
  }
  read_body();
}

void H1Connection::OnBody() {
  stream_.expires_never();
  if (ctx_->calls != nullptr) body_done_ns_ = ctx_->processor->clock()->MonotonicNanos();
  body_.Seal();
  Process();
}

void H1Connection::Process() {
  const auto& msg = parser_->get();
  headers_.clear();
  std::string_view host;
  for (const auto& field : msg) {
    std::string_view name = ToView(field.name_string());
    std::string_view value = ToView(field.value());
    headers_.push_back({name, value});
    if (host.empty() && EqualsIgnoreCase(name, "host")) host = value;
  }
  std::string_view target = ToView(msg.target());
  size_t q = target.find('?');
  IncomingRequest req;
  req.method = ToView(msg.method_string());
  req.path = target.substr(0, q);
  req.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  req.host = host;
  req.headers = headers_;
  req.body = body_.view();

  if (!ctx_->processor->Prepare(req, &exchange_)) {
    if (ctx_->calls != nullptr && req.method == "POST") ReportCall();
    return WriteResponse();
  }

  state_ = State::kDispatched;
  self_while_dispatched_ = shared_from_this();
  work_.emplace(worker_->ioc().get_executor());
  // Captures only `this` so std::function stores it inline (no allocation); lifetime is
  // guaranteed by self_while_dispatched_.
  ctx_->dispatcher->Dispatch(exchange_.request, &exchange_.response,
                             [this] { asio::post(worker_->ioc(), [this] { OnDispatchDone(); }); });
}

void H1Connection::OnDispatchDone() {
  auto self = std::move(self_while_dispatched_);
  work_.reset();
  RequestProcessor::Finish(&exchange_);
  // A streamed body is reported here too: latency to the head, not to the end of the stream.
  if (ctx_->calls != nullptr) ReportCall();
  if (exchange_.response.stream != nullptr) {
    if (state_ != State::kClosed && exchange_.head.status == 200) return StartStreaming();
    AbandonResponseStream(std::move(exchange_.response.stream));
  }
  if (state_ == State::kClosed) return;
  WriteResponse();
}

void H1Connection::ReportCall() {
  if (peer_.empty()) {
    error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? std::string("-") : ep.address().to_string();
  }
  const auto& msg = parser_->get();
  CallRecord call;
  call.request = &exchange_.request;
  call.response = &exchange_.response;
  call.target = ToView(msg["x-amz-target"]);
  call.user_agent = ToView(msg[bhttp::field::user_agent]);
  call.source_ip = peer_;
  call.protocol = version_ == 10 ? "HTTP/1.0" : "HTTP/1.1";
  call.request_id = exchange_.head.RequestId();
  call.http_status = exchange_.head.status;
  call.error_type = exchange_.head.error_type;
  call.bytes_in = body_.view().size();
  call.bytes_out = exchange_.response.body.size();
  call.latency_ns = ctx_->processor->clock()->MonotonicNanos() - body_done_ns_;
  ctx_->calls->OnCall(call);
}

void H1Connection::WriteResponse() {
  state_ = State::kWriting;
  bool keep = keep_alive_ && !shutting_down_;
  head_out_.clear();
  AppendHttp1Head(&head_out_, exchange_.head, exchange_.response.body.size(),
                  keep ? KeepAlive::kKeep : KeepAlive::kClose, version_);
  std::array<asio::const_buffer, 2> bufs = {asio::buffer(head_out_), asio::buffer(exchange_.response.body)};
  stream_.expires_after(ctx_->options->body_read_timeout);
  asio::async_write(stream_, bufs, [self = shared_from_this()](const error_code& ec, size_t) { self->OnWritten(ec); });
}

void H1Connection::OnWritten(const error_code& ec) {
  if (ec || state_ == State::kClosed) return Close();
  stream_.expires_never();
  if (!keep_alive_ || shutting_down_) return Close();
  WaitForRequest();
}

void H1Connection::RejectAndClose(int status) {
  state_ = State::kWriting;
  keep_alive_ = false;
  exchange_.head.Reset(ctx_->processor->clock()->NowMillis());
  exchange_.head.status = status;
  exchange_.head.content_type = {};
  exchange_.response.body.clear();
  head_out_.clear();
  AppendHttp1Head(&head_out_, exchange_.head, 0, KeepAlive::kClose, version_);
  stream_.expires_after(ctx_->options->header_read_timeout);
  asio::async_write(stream_, asio::buffer(head_out_), [self = shared_from_this()](const error_code& ec, size_t) {
    if (ec || self->state_ == State::kClosed) return self->Close();
    self->LingeringClose();
  });
}

void H1Connection::LingeringClose() {
  // Closing with unread input makes the kernel send RST, which can destroy the response
  // before the client reads it. Half-close, then drain for a bounded time.
  error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  scratch_.resize(64 * 1024);
  stream_.expires_after(
      std::min<std::chrono::milliseconds>(ctx_->options->header_read_timeout, std::chrono::milliseconds(2000)));
  Drain();
}

void H1Connection::Drain() {
  stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](const error_code& ec, size_t) {
    if (ec || self->state_ == State::kClosed) return self->Close();
    self->Drain();
  });
}

}  // namespace sluice::server::http
