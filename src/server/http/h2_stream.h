#pragma once
// One HTTP/2 stream's state, pooled per H2Connection (shared by h2_connection.cc and
// h2_streaming.cc).
#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/api/dispatcher.h"
#include "server/http/body_buffer.h"
#include "server/http/h2_connection.h"
#include "server/http/request_processor.h"

namespace sluice::server::http {

struct H2Connection::Stream {
  int32_t id = 0;
  // Header bytes stay in nghttp2's reference-counted buffers; no copy.
  std::vector<nghttp2_rcbuf*> rcbufs;
  std::vector<protocol::sigv4::Header> headers;
  std::string_view method, path, authority;
  size_t header_bytes = 0;
  int64_t started_ns = 0;   // Clock::MonotonicNanos when its HEADERS arrived
  int64_t complete_ns = 0;  // ... when the request was complete (with an access log only)
  BodyBuffer body;
  bool too_large = false;
  bool request_complete = false;  // END_STREAM received from the client
  bool answered = false;          // a response has been submitted
  bool dispatched = false;        // the dispatcher owns exchange
  bool closed = false;            // nghttp2 closed the stream while dispatched
  // Response bytes handed to nghttp2 as DATA frame lengths / appended to the write buffer: of
  // exchange.response.body, or of `pending` for a streamed body.
  size_t sent = 0;
  size_t written = 0;
  Exchange exchange;

  // A streamed body (h2_streaming.cc). `pending` holds what the last Next returned (at most
  // the frame length nghttp2 offered) until SendData has framed it.
  bool streaming = false;
  bool deferred = false;                        // the provider returned NGHTTP2_ERR_DEFERRED
  std::shared_ptr<api::ResponseStream> source;  // null once kEnd or cancelled
  std::function<void()> wake;                   // the source's wake (to retry a stalled source)
  std::string pending;

  // Gives the source up (Cancel) if it is still live.
  void CancelSource() {
    if (source == nullptr) return;
    auto s = std::move(source);
    wake = nullptr;
    s->Cancel();
  }

  // Capacity of the buffers this stream owns (nghttp2's header buffers not included).
  size_t HeldBufferBytes() const {
    return body.capacity() + pending.capacity() + exchange.response.body.capacity() +
           rcbufs.capacity() * sizeof(nghttp2_rcbuf*) + headers.capacity() * sizeof(protocol::sigv4::Header);
  }

  void Reset() {
    CancelSource();
    for (nghttp2_rcbuf* b : rcbufs) nghttp2_rcbuf_decref(b);
    rcbufs.clear();
    headers.clear();
    method = path = authority = {};
    header_bytes = 0;
    body.Clear();
    too_large = request_complete = answered = dispatched = closed = false;
    sent = written = 0;
    streaming = deferred = false;
    wake = nullptr;
    std::string().swap(pending);
    id = 0;
  }
};

}  // namespace sluice::server::http
