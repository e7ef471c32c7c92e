// H2Connection: streamed response bodies (api::ResponseStream, SubscribeToShard's event stream).
//
// Memory is bounded per stream by construction: the provider calls Next only once everything
// the previous Next returned has been framed, with max_bytes = the frame length nghttp2 offers
// (at most the peer's window and 16 KiB frames), so a stream holds at most one frame of body
// here. nghttp2 calls the provider only while the peer's window is open: a reader that does not
// send WINDOW_UPDATE stops the pulls, and the source holds what it has not handed over.
#include <algorithm>

#include "server/http/h2_connection.h"
#include "server/http/h2_stream.h"

namespace sluice::server::http {

using Pull = api::ResponseStream::Pull;

namespace {

// `pending` capacity kept while the source has nothing to send (idle subscriptions are many).
constexpr size_t kIdleCapacity = 4 * 1024;

}  // namespace

void H2Connection::StartStreaming(Stream* s, std::shared_ptr<api::ResponseStream> source) {
  if (!wake_relay_) {
    // Captures `this`: the relay is closed before this connection goes away.
    wake_relay_ =
        std::make_shared<WakeRelay>(worker_->ioc(), [this](const std::vector<uint64_t>& t) { OnStreamWake(t); });
  }
  s->streaming = true;
  s->deferred = false;
  s->source = std::move(source);
  // Stream ids are never reused on a connection: a late wake of an ended stream finds nothing.
  s->wake = wake_relay_->MakeWake(static_cast<uint64_t>(s->id));
  s->source->Start(s->wake);
  SubmitResponse(s);
  if (shutting_down_) s->CancelSource();  // the body ends at once
}

ssize_t H2Connection::ReadStreamedBody(nghttp2_session*, int32_t, uint8_t*, size_t length, uint32_t* flags,
                                       nghttp2_data_source* source, void*) {
  auto* s = static_cast<Stream*>(source->ptr);
  if (s->sent == s->pending.size() && s->source != nullptr) {
    s->pending.clear();
    s->sent = s->written = 0;
    const Pull r = s->source->Next(length, &s->pending);
    if (r == Pull::kEnd) {
      s->source.reset();
      s->wake = nullptr;
    } else if (s->pending.empty()) {
      s->deferred = true;
      if (s->pending.capacity() > kIdleCapacity) std::string().swap(s->pending);
      // kData without bytes breaks the contract; retry through a wake rather than spin here.
      if (r == Pull::kData) s->wake();
      return NGHTTP2_ERR_DEFERRED;
    }
  }
  // NO_COPY: SendData appends the frame's bytes from `pending`.
  const size_t n = std::min(length, s->pending.size() - s->sent);
  s->sent += n;
  *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
  if (s->source == nullptr && s->sent == s->pending.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

void H2Connection::OnStreamWake(const std::vector<uint64_t>& tokens) {
  if (closed_) return;
  bool resumed = false;
  for (uint64_t token : tokens) {
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session_, static_cast<int32_t>(token)));
    // Only a deferred provider needs resuming; otherwise it calls Next when nghttp2 next asks.
    if (s == nullptr || !s->streaming || !s->deferred) continue;
    s->deferred = false;
    if (nghttp2_session_resume_data(session_, s->id) == 0) resumed = true;
  }
  if (resumed) Flush();  // one write for every stream woken together
}

void H2Connection::StopStreams() {
  for (auto& s : pool_) {
    if (!s->streaming || s->source == nullptr) continue;
    s->CancelSource();
    // The provider sends what is pending, then END_STREAM.
    if (s->deferred) {
      s->deferred = false;
      nghttp2_session_resume_data(session_, s->id);
    }
  }
}

}  // namespace sluice::server::http
