#include "server/http/h2_connection.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>

#include "base/ascii.h"
#include "base/log.h"
#include "server/http/h2_stream.h"

namespace sluice::server::http {

using boost::system::error_code;

namespace {

std::string_view View(nghttp2_rcbuf* b) {
  nghttp2_vec v = nghttp2_rcbuf_get_buf(b);
  return {reinterpret_cast<const char*>(v.base), v.len};
}

// TLS read sizes: one read yields at most one record's plaintext (16 KiB). The large size is
// used while reads fill the buffer (a body is arriving), the small one otherwise.
constexpr size_t kTlsIdleReadBytes = 4 * 1024;
constexpr size_t kTlsRecordBytes = 16 * 1024;
// Cleartext bytes read in one go before the worker's other connections get a turn.
constexpr size_t kMaxReadPerWake = 1024 * 1024;
// Write buffer capacity kept once the timer finds it flushed.
constexpr size_t kKeptWriteBytes = 64 * 1024;

bool ParseSize(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 19) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

// nghttp2 C callbacks, forwarding to the connection.
struct H2Callbacks {
  static H2Connection* Conn(void* user) { return static_cast<H2Connection*>(user); }
  static H2Connection::Stream* StreamOf(nghttp2_session* session, int32_t id) {
    return static_cast<H2Connection::Stream*>(nghttp2_session_get_stream_user_data(session, id));
  }

  static int OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    H2Connection* c = Conn(user);
    H2Connection::Stream* s = c->AcquireStream(frame->hd.stream_id);
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, s);
    return 0;
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, nghttp2_rcbuf* name, nghttp2_rcbuf* value,
                      uint8_t, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Connection::Stream* s = StreamOf(session, frame->hd.stream_id);
    if (s == nullptr) return 0;  // trailers of an unknown stream etc.
    H2Connection* c = Conn(user);
    std::string_view n = View(name), v = View(value);
    s->header_bytes += n.size() + v.size() + 32;
    if (s->header_bytes > c->ctx_->options->max_header_bytes) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    nghttp2_rcbuf_incref(name);
    nghttp2_rcbuf_incref(value);
    s->rcbufs.push_back(name);
    s->rcbufs.push_back(value);
    if (!n.empty() && n[0] == ':') {
      if (n == ":method") s->method = v;
      else if (n == ":path") s->path = v;
      else if (n == ":authority") s->authority = v;
      return 0;
    }
    s->headers.push_back({n, v});
    if (n == "content-length") {
      size_t len = 0;
      if (ParseSize(v, &len)) {
        const size_t cap = std::max(c->ctx_->options->h2_max_buffered_bytes, c->ctx_->options->max_body_bytes);
        if (len > c->ctx_->options->max_body_bytes) {
          s->too_large = true;
        } else if (c->buffered_bytes_ + len <= cap) {
          s->body.Reserve(len);  // a hint only: a declared length is not trusted with memory
        }
      }
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                         void* user) {
    H2Connection::Stream* s = StreamOf(session, stream_id);
    if (s == nullptr || s->too_large) return 0;
    H2Connection* c = Conn(user);
    if (s->body.size() + len > c->ctx_->options->max_body_bytes) {
      s->too_large = true;
      c->buffered_bytes_ -= s->body.size();
      s->body.Clear();
      if (!s->answered) c->AnswerTooLarge(s);
      return 0;
    }
    const size_t cap = std::max(c->ctx_->options->h2_max_buffered_bytes, c->ctx_->options->max_body_bytes);
    if (c->buffered_bytes_ + len > cap) {
      c->buffered_bytes_ -= s->body.size();
      s->body.Clear();
      s->too_large = true;  // stop buffering; the stream is reset
      s->answered = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_ENHANCE_YOUR_CALM);
      return 0;
    }
    s->body.Append(reinterpret_cast<const char*>(data), len);
    c->buffered_bytes_ += len;
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    H2Connection::Stream* s = StreamOf(session, frame->hd.stream_id);
    if (s == nullptr) return 0;
    H2Connection* c = Conn(user);
    if (s->too_large && !s->answered) c->AnswerTooLarge(s);
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
      s->request_complete = true;
      if (!s->answered) c->StartRequest(s);
    }
    return 0;
  }

  static int OnFrameSend(nghttp2_session* session, const nghttp2_frame* frame, void*) {
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      H2Connection::Stream* s = StreamOf(session, frame->hd.stream_id);
      // Answered before the request ended (413): tell the client to stop sending (RFC 9113 8.1).
      if (s != nullptr && !s->request_complete) {
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
      }
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t, void* user) {
    H2Connection::Stream* s = StreamOf(session, stream_id);
    if (s == nullptr) return 0;
    H2Connection* c = Conn(user);
    nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
    if (s->dispatched) {
      s->closed = true;  // released when the dispatcher is done with it
    } else {
      c->ReleaseStream(s);
    }
    return 0;
  }

  // NO_COPY: nghttp2 only decides the frame length here; SendData then appends the frame
  // straight from the response body to the write buffer, saving a copy per byte.
  static ssize_t ReadResponseBody(nghttp2_session*, int32_t, uint8_t*, size_t length, uint32_t* flags,
                                  nghttp2_data_source* source, void*) {
    auto* s = static_cast<H2Connection::Stream*>(source->ptr);
    const std::string& body = s->exchange.response.body;
    size_t n = std::min(length, body.size() - s->sent);
    s->sent += n;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (s->sent == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int SendData(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd, size_t length,
                      nghttp2_data_source* source, void* user) {
    auto* s = static_cast<H2Connection::Stream*>(source->ptr);
    std::string& out = Conn(user)->write_buf_;
    out.append(reinterpret_cast<const char*>(framehd), 9);
    if (frame->data.padlen > 0) out.push_back(static_cast<char>(frame->data.padlen - 1));
    out.append(s->streaming ? s->pending : s->exchange.response.body, s->written, length);
    s->written += length;
    if (frame->data.padlen > 1) out.append(frame->data.padlen - 1, '\0');
    return 0;
  }
};

H2Connection::H2Connection(Worker* worker, Socket socket, std::string preface)
    : Connection(worker),
      ctx_(worker->ctx()),
      socket_(std::move(socket)),
      preface_(std::move(preface)),
      idle_timer_(worker->ioc()) {}

H2Connection::~H2Connection() {
  if (wake_relay_) wake_relay_->Close();
  // Streams hold nghttp2 header buffers whose allocator lives in the session: release first.
  for (auto& s : pool_) s->Reset();
  if (session_ != nullptr) nghttp2_session_del(session_);
}

void H2Connection::Start() {
  nghttp2_session_callbacks* cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &H2Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback2(cbs, &H2Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &H2Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &H2Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &H2Callbacks::OnFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &H2Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_send_data_callback(cbs, &H2Callbacks::SendData);
  int rv = nghttp2_session_server_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) {
    session_ = nullptr;
    return Close();
  }
  const HttpServerOptions& o = *ctx_->options;
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.h2_max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(o.h2_initial_window_size)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(o.max_header_bytes)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, o.h2_connection_window_size);

  if (!socket_.is_tls()) {
    error_code ec;
    socket_.socket().non_blocking(true, ec);  // ReadAvailable reads until the socket is drained
    if (ec) return Close();
  }
  last_activity_ns_ = NowNanos();
  ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(preface_.data()), preface_.size());
  std::string().swap(preface_);
  if (n < 0) return Close();
  ArmIdleTimer();
  Flush();
  // Cleartext: bytes that arrived after the sniff may already be waiting, and readiness is
  // reported once per arrival: read before waiting.
  if (socket_.is_tls()) {
    DoRead();
  } else {
    ReadAvailable();
  }
}

void H2Connection::Shutdown() {
  if (closed_) return;
  shutting_down_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
  StopStreams();
  Flush();
  MaybeClose();
}

void H2Connection::ForceClose() { Close(); }

void H2Connection::Close() {
  if (closed_) return;
  closed_ = true;
  // The session reports no stream closes after this: give every streamed body's source up now.
  for (auto& s : pool_) s->CancelSource();
  if (wake_relay_) wake_relay_->Close();
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  idle_timer_.cancel();
}

int64_t H2Connection::NowNanos() const { return ctx_->processor->clock()->MonotonicNanos(); }

void H2Connection::ArmIdleTimer() {
  // One periodic timer: close connections idle (no streams, no bytes) for idle_timeout, close
  // those whose peer stopped reading our responses, and reset streams whose request has not
  // fully arrived within header_read_timeout + body_read_timeout (slow or abandoned uploads).
  const HttpServerOptions& o = *ctx_->options;
  idle_timer_.expires_after(std::min({o.idle_timeout, o.header_read_timeout, o.body_read_timeout}));
  idle_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed_) return;
    self->OnTimerTick();
    if (self->closed_) return;
    self->TrimIdleMemory();
    self->ArmIdleTimer();
  });
}

void H2Connection::OnTimerTick() {
  const HttpServerOptions& o = *ctx_->options;
  const int64_t now = NowNanos();
  auto since = [now](int64_t start_ns) { return std::chrono::nanoseconds(now - start_ns); };
  if (writing_ && since(write_started_ns_) > o.body_read_timeout) return Close();
  if (open_streams_ == 0 && dispatched_ == 0 && since(last_activity_ns_) >= o.idle_timeout) {
    if (!shutting_down_) {
      nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session_),
                            NGHTTP2_NO_ERROR, nullptr, 0);
      shutting_down_ = true;
      Flush();
    }
    MaybeClose();
    return;
  }
  bool reset = false;
  for (auto& s : pool_) {
    if (s->id == 0 || s->request_complete || s->answered) continue;
    if (since(s->started_ns) > o.header_read_timeout + o.body_read_timeout) {
      s->answered = true;
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
      reset = true;
    }
  }
  if (reset) Flush();
}

void H2Connection::DoRead() {
  if (closed_) return;
  if (!socket_.is_tls()) {
    // Called only once a read found the socket drained (would_block): the reactor reports
    // readiness per arrival of bytes, so a wait with bytes still unread could sleep forever.
    socket_.socket().async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
      if (self->closed_) return;
      if (ec) return self->Close();
      self->ReadAvailable();
    });
    return;
  }
  const size_t size = tls_read_filled_ ? kTlsRecordBytes : kTlsIdleReadBytes;
  if (tls_read_size_ != size) {
    tls_read_buf_.reset();
    tls_read_buf_ = std::make_unique_for_overwrite<uint8_t[]>(size);
    tls_read_size_ = size;
  }
  socket_.async_read_some(asio::buffer(tls_read_buf_.get(), size),
                          [self = shared_from_this()](const error_code& ec, size_t n) {
                            if (self->closed_) return;
                            if (ec) return self->Close();
                            self->tls_read_filled_ = n == self->tls_read_size_;
                            if (self->Receive(self->tls_read_buf_.get(), n)) self->DoRead();
                          });
}

void H2Connection::ReadAvailable() {
  uint8_t* buf = worker_->shared_read_buffer();
  size_t total = 0;
  for (;;) {
    error_code ec;
    const size_t n = socket_.socket().read_some(asio::buffer(buf, Worker::kSharedReadBytes), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) return Close();  // includes the peer's EOF
    // Receive hands every byte to nghttp2 before returning: the shared buffer is free again.
    if (!Receive(buf, n)) return;
    total += n;
    if (total >= kMaxReadPerWake) {
      // Let the worker's other connections run. More bytes may be waiting, which the reactor
      // would not report again: continue without waiting.
      asio::post(worker_->ioc(), [self = shared_from_this()] {
        if (!self->closed_) self->ReadAvailable();
      });
      return;
    }
  }
  DoRead();
}

bool H2Connection::Receive(const uint8_t* data, size_t n) {
  last_activity_ns_ = NowNanos();
  // nghttp2 processes all n bytes unless it fails (no callback of ours pauses it), copying
  // partial frames and header blocks into its own buffers.
  const ssize_t rv = nghttp2_session_mem_recv(session_, data, n);
  if (rv < 0) {
    SLOG(kDebug, "http", "h2 protocol error", {{"error", nghttp2_strerror(static_cast<int>(rv))}});
    Close();
    return false;
  }
  Flush();
  return !closed_;
}

void H2Connection::TrimIdleMemory() {
  // A large response leaves the write buffer up to ~1 MiB; keep what small frames need.
  if (!writing_ && write_buf_.capacity() > kKeptWriteBytes) std::string().swap(write_buf_);
  // Streams stay pooled (with their request and response buffers) for the next request;
  // after a whole timer period in which none started, they are given back. Open streams
  // (idle subscriptions among them) are kept.
  if (streams_acquired_ != acquired_at_last_trim_) {
    acquired_at_last_trim_ = streams_acquired_;
    return;
  }
  if (free_.empty()) return;
  std::erase_if(pool_, [](const std::unique_ptr<Stream>& s) { return s->id == 0; });
  free_.clear();
}

size_t H2Connection::HeldBufferBytes() const {
  size_t n = tls_read_size_ + write_buf_.capacity() + preface_.capacity() + nv_arena_.capacity() +
             nva_.capacity() * sizeof(nghttp2_nv);
  for (const auto& s : pool_) n += sizeof(Stream) + s->HeldBufferBytes();
  return n;
}

void H2Connection::Flush() {
  if (writing_ || closed_) return;
  write_buf_.clear();
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return Close();
    if (n == 0) break;
    write_buf_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (write_buf_.size() >= 1024 * 1024) break;
  }
  if (write_buf_.empty()) return MaybeClose();
  writing_ = true;
  write_started_ns_ = NowNanos();
  asio::async_write(socket_, asio::buffer(write_buf_), [self = shared_from_this()](const error_code& ec, size_t) {
    self->writing_ = false;
    if (ec) return self->Close();
    self->Flush();
  });
}

void H2Connection::MaybeClose() {
  if (closed_ || writing_) return;
  bool done = !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
  if (shutting_down_ && open_streams_ == 0 && dispatched_ == 0) done = true;
  if (done) Close();
}

H2Connection::Stream* H2Connection::AcquireStream(int32_t id) {
  Stream* s;
  if (!free_.empty()) {
    s = free_.back();
    free_.pop_back();
  } else {
    pool_.push_back(std::make_unique<Stream>());
    s = pool_.back().get();
  }
  s->id = id;
  s->started_ns = NowNanos();
  ++open_streams_;
  ++streams_acquired_;
  return s;
}

void H2Connection::ReleaseStream(Stream* s) {
  buffered_bytes_ -= s->body.size();
  s->Reset();
  // Pooled streams keep their buffers for reuse, but not a burst's worth of large ones.
  if (free_.size() >= 16 && s->body.capacity() > 1024 * 1024) s->body.Free();
  free_.push_back(s);
  --open_streams_;
}

IncomingRequest H2Connection::MakeRequest(Stream* s) {
  bool has_host = false;
  for (const auto& h : s->headers) {
    if (h.name == "host") has_host = true;
  }
  // HTTP/2 carries the host in :authority. Most signers sign it as `host`; the JS SDK v3 signs
  // ":authority" itself. Offer both to the verifier.
  if (!s->authority.empty()) {
    if (!has_host) s->headers.push_back({"host", s->authority});
    s->headers.push_back({":authority", s->authority});
  }
  size_t q = s->path.find('?');
  IncomingRequest req;
  req.method = s->method;
  req.path = s->path.substr(0, q);
  req.query = q == std::string_view::npos ? std::string_view() : s->path.substr(q + 1);
  req.host = s->authority;
  req.headers = s->headers;
  s->body.Seal();
  req.body = s->body.view();
  return req;
}

void H2Connection::AnswerTooLarge(Stream* s) {
  IncomingRequest req = MakeRequest(s);
  ctx_->processor->PrepareTooLarge(req, &s->exchange);
  SubmitResponse(s);
}

void H2Connection::StartRequest(Stream* s) {
  IncomingRequest req = MakeRequest(s);
  if (ctx_->calls != nullptr) s->complete_ns = NowNanos();
  if (!ctx_->processor->Prepare(req, &s->exchange)) {
    if (ctx_->calls != nullptr && req.method == "POST") ReportCall(s);
    return SubmitResponse(s);
  }
  s->dispatched = true;
  if (dispatched_++ == 0) {
    self_while_dispatched_ = shared_from_this();
    work_.emplace(worker_->ioc().get_executor());
  }
  // {this, s} is trivially copyable and small: std::function keeps it inline.
  ctx_->dispatcher->Dispatch(s->exchange.request, &s->exchange.response,
                             [this, s] { asio::post(worker_->ioc(), [this, s] { OnDispatchDone(s); }); });
}

void H2Connection::OnDispatchDone(Stream* s) {
  s->dispatched = false;
  if (ctx_->calls != nullptr) {
    RequestProcessor::Finish(&s->exchange);
    ReportCall(s);
  }
  // A streamed body was reported above: latency to the head, not to the end of the stream.
  auto streamed = std::move(s->exchange.response.stream);
  if (s->closed) {
    ReleaseStream(s);
  } else if (!closed_) {
    RequestProcessor::Finish(&s->exchange);
    if (streamed != nullptr && s->exchange.head.status == 200) {
      StartStreaming(s, std::move(streamed));
    } else {
      SubmitResponse(s);
    }
    Flush();
  }
  AbandonResponseStream(std::move(streamed));  // not started: the client left, or an error status
  if (--dispatched_ == 0) {
    work_.reset();
    auto self = std::move(self_while_dispatched_);  // may destroy *this on return
    MaybeClose();
  }
}

void H2Connection::ReportCall(Stream* s) {
  if (peer_.empty()) {
    error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_ = ec ? std::string("-") : ep.address().to_string();
  }
  CallRecord call;
  call.request = &s->exchange.request;
  call.response = &s->exchange.response;
  for (const auto& h : s->headers) {
    if (h.name == "x-amz-target") call.target = h.value;
    else if (h.name == "user-agent") call.user_agent = h.value;
  }
  call.source_ip = peer_;
  call.protocol = "h2";
  call.request_id = s->exchange.head.RequestId();
  call.http_status = s->exchange.head.status;
  call.error_type = s->exchange.head.error_type;
  call.bytes_in = s->body.size();
  call.bytes_out = s->exchange.response.body.size();
  call.latency_ns = NowNanos() - s->complete_ns;
  ctx_->calls->OnCall(call);
}

void H2Connection::SubmitResponse(Stream* s) {
  s->answered = true;
  s->sent = s->written = 0;
  const ResponseHead& head = s->exchange.head;
  const std::string& body = s->exchange.response.body;
  // HTTP/2 header names must be lowercase; nghttp2 copies names and values on submit, so the
  // arena only has to live through this call. Reserve so pointers into it stay valid.
  nv_arena_.clear();
  nv_arena_.reserve(1024 + head.allow_headers.size() + head.allow_methods.size());
  nva_.clear();
  // HTTP/2 header names are lowercase; names Sluice spells itself already are.
  enum class Name : uint8_t { kAsIs, kLowercase };
  auto add = [this](std::string_view name, std::string_view value, Name spelling) {
    size_t off = nv_arena_.size();
    for (char c : name) nv_arena_.push_back(spelling == Name::kLowercase ? AsciiToLower(c) : c);
    nghttp2_nv nv;
    nv.name = reinterpret_cast<uint8_t*>(nv_arena_.data() + off);
    nv.namelen = name.size();
    nv.value = reinterpret_cast<uint8_t*>(const_cast<char*>(value.data()));
    nv.valuelen = value.size();
    nv.flags = NGHTTP2_NV_FLAG_NONE;
    nva_.push_back(nv);
  };
  char status[3] = {static_cast<char>('0' + head.status / 100 % 10), static_cast<char>('0' + head.status / 10 % 10),
                    static_cast<char>('0' + head.status % 10)};
  add(":status", std::string_view(status, 3), Name::kAsIs);
  ForEachResponseHeader(head, [&](std::string_view n, std::string_view v) { add(n, v, Name::kLowercase); });
  char len_buf[24];
  size_t len_n = 0;
  {
    std::string tmp;
    AppendDecimal(&tmp, body.size());
    len_n = tmp.size();
    std::memcpy(len_buf, tmp.data(), len_n);
  }
  if (!s->streaming) add("content-length", std::string_view(len_buf, len_n), Name::kAsIs);

  nghttp2_data_provider provider;
  provider.source.ptr = s;
  provider.read_callback = s->streaming ? &ReadStreamedBody : &H2Callbacks::ReadResponseBody;
  const bool has_body = s->streaming || !body.empty();
  int rv = nghttp2_submit_response(session_, s->id, nva_.data(), nva_.size(), has_body ? &provider : nullptr);
  if (rv != 0) { nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR); }
}

}  // namespace sluice::server::http
