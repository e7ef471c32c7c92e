// H1Connection: streamed response bodies (api::ResponseStream, SubscribeToShard's event stream)
// as HTTP/1.1 chunked bodies, one chunk per piece the source returns (whole event-stream
// messages: some clients expect a message per chunk). HTTP/1.0 has no chunked coding: the body
// is written raw and the connection closed after it.
//
// Back-pressure: the source is pulled only when no write is in flight, so a peer that stops
// reading stalls the write (cut off after body_read_timeout) and holds the source back. Waiting
// for the source has no timeout: the source ends the stream (SubscribeToShard after 5 minutes).
#include <boost/asio/write.hpp>

#include "server/http/h1_connection.h"

namespace sluice::server::http {

using boost::system::error_code;
using Pull = api::ResponseStream::Pull;

namespace {

// max_bytes of one Next: a whole event-stream message fits (a 1 MiB record is ~1.4 MB as
// base64 in JSON, plus framing); the source splits anything larger.
constexpr size_t kPullBytes = 2 * 1024 * 1024;
// One write stops pulling past this many bytes (or kMaxPullsPerWrite pieces).
constexpr size_t kBatchBytes = 64 * 1024;
constexpr int kMaxPullsPerWrite = 64;
// Room before each piece for "<hex size>\r\n" (at most 8 hex digits), written once the size is
// known; the unused front of the room is skipped by the gather write.
constexpr size_t kChunkRoom = 10;
// Bytes of a pipelined next request read ahead while streaming; past this we stop reading
// (and so stop noticing the peer leaving until a write fails) until the stream ends.
constexpr size_t kReadAheadCap = 64 * 1024;
// Buffer capacity kept while the source has nothing to send (idle subscriptions are many).
constexpr size_t kIdleCapacity = 16 * 1024;
// Read size while streaming: a peer-watch read mostly sees nothing or EOF, so the request
// read buffer (16 KiB) is given back for the stream's lifetime.
constexpr size_t kWatchReadBytes = 1024;

// A buffer sequence over a vector the connection keeps: async_write copies the sequence, and
// copying this does not allocate.
struct BufferList {
  using value_type = asio::const_buffer;
  using const_iterator = std::vector<asio::const_buffer>::const_iterator;
  const std::vector<asio::const_buffer>* v;
  const_iterator begin() const { return v->begin(); }
  const_iterator end() const { return v->end(); }
};

// Writes "<hex n>\r\n" so that it ends at `end`; returns where it starts.
size_t PutChunkSize(std::string* s, size_t end, size_t n) {
  size_t pos = end;
  (*s)[--pos] = '\n';
  (*s)[--pos] = '\r';
  do {
    (*s)[--pos] = "0123456789abcdef"[n & 0xf];
    n >>= 4;
  } while (n != 0);
  return pos;
}

void ReleaseIfLarge(std::string* s) {
  if (s->capacity() > kIdleCapacity) std::string().swap(*s);
}

}  // namespace

void H1Connection::StartStreaming() {
  state_ = State::kStreaming;
  source_ = std::move(exchange_.response.stream);
  self_while_streaming_ = shared_from_this();
  if (!wake_relay_) {
    // Captures `this`: the relay is closed before this connection goes away.
    wake_relay_ =
        std::make_shared<WakeRelay>(worker_->ioc(), [this](const std::vector<uint64_t>& t) { OnStreamWake(t); });
  }
  stream_wake_ = wake_relay_->MakeWake(++stream_token_);
  if (version_ == 10 || shutting_down_) keep_alive_ = false;
  head_out_.clear();
  AppendHttp1StreamHead(&head_out_, exchange_.head, keep_alive_ ? KeepAlive::kKeep : KeepAlive::kClose, version_);
  head_pending_ = true;
  stream_ending_ = stream_waiting_ = false;
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  // Before the first write: a read started after expires_after would inherit the write timeout.
  WatchPeer();
  source_->Start(stream_wake_);
  if (shutting_down_) return StopStreaming();
  PullAndWrite();
}

void H1Connection::PullAndWrite() {
  stream_waiting_ = false;
  const bool chunked = version_ != 10;
  chunks_.clear();
  chunk_spans_.clear();
  bool stalled = false;  // kData without bytes: retried through a wake rather than spun on
  for (int pulls = 0; source_ != nullptr && chunks_.size() < kBatchBytes && pulls < kMaxPullsPerWrite; ++pulls) {
    const size_t mark = chunks_.size();
    if (chunked) chunks_.append(kChunkRoom, ' ');
    const size_t data_at = chunks_.size();
    const Pull r = source_->Next(kPullBytes, &chunks_);
    const size_t n = chunks_.size() - data_at;
    if (n == 0) {
      chunks_.resize(mark);
    } else if (chunked) {
      const size_t head_at = PutChunkSize(&chunks_, data_at, n);
      chunks_.append("\r\n");
      chunk_spans_.emplace_back(head_at, chunks_.size() - head_at);
    } else {
      chunk_spans_.emplace_back(data_at, n);
    }
    if (r == Pull::kEnd) {
      source_.reset();
      break;
    }
    if (r == Pull::kWait) break;
    if (n == 0) {
      stalled = true;
      break;
    }
  }
  const bool end = source_ == nullptr;
  if (end && chunked) {
    chunk_spans_.emplace_back(chunks_.size(), 5);
    chunks_.append("0\r\n\r\n");
  }
  stream_bufs_.clear();
  if (head_pending_) stream_bufs_.push_back(asio::buffer(head_out_));
  for (const auto& [off, len] : chunk_spans_) stream_bufs_.push_back(asio::buffer(chunks_.data() + off, len));
  head_pending_ = false;
  if (stream_bufs_.empty()) {
    if (end) return EndStreaming();  // HTTP/1.0: nothing more to write
    stream_waiting_ = true;
    ReleaseIfLarge(&chunks_);
    if (stalled) stream_wake_();
    return;
  }
  stream_ending_ = end;
  stream_write_pending_ = true;
  stream_.expires_after(ctx_->options->body_read_timeout);
  asio::async_write(stream_, BufferList{&stream_bufs_},
                    [self = shared_from_this()](const error_code& ec, size_t) { self->OnStreamWritten(ec); });
}

void H1Connection::OnStreamWritten(const error_code& ec) {
  stream_write_pending_ = false;
  if (ec || state_ == State::kClosed) return Close();
  stream_.expires_never();
  if (stream_ending_) return EndStreaming();
  PullAndWrite();
}

void H1Connection::OnStreamWake(const std::vector<uint64_t>& tokens) {
  // Only a wake of the current stream, and only while waiting: during a write the next pull
  // happens when the write completes anyway.
  if (state_ != State::kStreaming || !stream_waiting_ || source_ == nullptr) return;
  for (uint64_t t : tokens) {
    if (t == stream_token_) return PullAndWrite();
  }
}

void H1Connection::WatchPeer() {
  if (stream_read_pending_ || buffer_.size() >= kReadAheadCap) return;
  stream_read_pending_ = true;
  stream_.async_read_some(buffer_.prepare(kWatchReadBytes),
                          [self = shared_from_this()](const error_code& ec, size_t n) { self->OnStreamRead(ec, n); });
}

void H1Connection::OnStreamRead(const error_code& ec, size_t n) {
  stream_read_pending_ = false;
  if (state_ == State::kClosed) return;
  if (!ec) buffer_.commit(n);
  if (state_ == State::kStreaming) {
    if (ec) return Close();  // the peer left (or reset): Close cancels the source
    return WatchPeer();
  }
  // The stream ended while this read was pending; EndStreaming cancelled it to go back to
  // keep-alive (or data arrived first).
  if (ec && ec != asio::error::operation_aborted) return Close();
  WaitForRequest();
}

void H1Connection::EndStreaming() {
  auto self = std::move(self_while_streaming_);
  stream_wake_ = nullptr;
  ReleaseIfLarge(&chunks_);
  if (!keep_alive_ || shutting_down_) return Close();
  state_ = State::kIdle;
  if (stream_read_pending_) {
    // OnStreamRead resumes keep-alive (WaitForRequest applies the idle timeout).
    stream_.cancel();
    return;
  }
  WaitForRequest();
}

void H1Connection::StopStreaming() {
  CancelSource();
  // A write in flight continues; its completion writes the end of the body.
  if (!stream_write_pending_) PullAndWrite();
}

void H1Connection::CancelSource() {
  if (source_ == nullptr) return;
  auto source = std::move(source_);
  source->Cancel();
}

}  // namespace sluice::server::http
