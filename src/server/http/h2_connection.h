#pragma once
// HTTP/2 (cleartext by prior knowledge, as @aws-sdk/client-kinesis and the Java SDK's Netty
// client use it, or over TLS after ALPN h2) on nghttp2's server session over an Asio socket. nghttp2 does framing,
// HPACK, flow control (we advertise large windows so ~700 KB bodies flow without stalls) and PING replies; this class
// moves bytes and maps streams to Exchanges.
//
// Streamed bodies (api::ResponseStream, SubscribeToShard's event stream; h2_streaming.cc): the
// response is submitted with a data provider that pulls the source at most one frame at a time
// and returns NGHTTP2_ERR_DEFERRED while it has nothing; a wake resumes it on this thread. The
// peer's flow-control window decides when the provider runs, so a slow reader holds the source
// back.
#include <nghttp2/nghttp2.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/http/body_buffer.h"
#include "server/http/connection.h"
#include "server/http/socket.h"
#include "server/http/wake_relay.h"

namespace sluice::server::http {

class H2Connection final : public Connection, public std::enable_shared_from_this<H2Connection> {
 public:
  // `preface` holds the bytes already read by the sniffer (starting with the client preface).
  H2Connection(Worker* worker, Socket socket, std::string preface);
  ~H2Connection() override;

  void Start();
  void Shutdown() override;
  void ForceClose() override;
  size_t HeldBufferBytes() const override;

 private:
  struct Stream;
  friend struct H2Callbacks;

  // Reading. Cleartext: wait until the socket is readable, then read into the worker's shared
  // buffer until the socket is drained. TLS: OpenSSL and Asio's TLS engine hold bytes of their
  // own (decrypted or not) that readiness of the TCP socket does not show, so a TLS connection
  // keeps a read pending into a buffer of its own, small while idle (one read yields at most
  // one TLS record, <= 16 KiB, so a larger buffer would not read more at a time).
  void DoRead();
  void ReadAvailable();
  // Feeds bytes to nghttp2, which consumes them all (or fails) and copies what it keeps.
  // Returns false if the connection is closed.
  bool Receive(const uint8_t* data, size_t n);
  // Called by the periodic timer: gives back buffers that a burst left behind.
  void TrimIdleMemory();
  void Flush();
  void MaybeClose();
  void Close();
  void ArmIdleTimer();
  void OnTimerTick();
  // Timeouts are measured on the server's Clock (a ManualClock in tests).
  int64_t NowNanos() const;

  Stream* AcquireStream(int32_t id);
  void ReleaseStream(Stream* s);
  IncomingRequest MakeRequest(Stream* s);
  void StartRequest(Stream* s);
  void AnswerTooLarge(Stream* s);
  void OnDispatchDone(Stream* s);
  // Tells ctx_->calls (the access log) about the answered request.
  void ReportCall(Stream* s);
  void SubmitResponse(Stream* s);

  // Streamed bodies (h2_streaming.cc).
  void StartStreaming(Stream* s, std::shared_ptr<api::ResponseStream> source);
  void OnStreamWake(const std::vector<uint64_t>& tokens);
  // Server stopping: cancel every source; each body ends (END_STREAM) after what was pulled.
  void StopStreams();
  static ssize_t ReadStreamedBody(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t length,
                                  uint32_t* flags, nghttp2_data_source* source, void* user);

  const ServerContext* ctx_;
  Socket socket_;  // cleartext or TLS
  nghttp2_session* session_ = nullptr;
  std::string preface_;
  std::unique_ptr<uint8_t[]> tls_read_buf_;  // TLS only; cleartext reads into the worker's buffer
  size_t tls_read_size_ = 0;
  bool tls_read_filled_ = false;  // the last TLS read filled its buffer: more is likely coming
  std::string write_buf_;
  bool writing_ = false;
  bool closed_ = false;
  bool shutting_down_ = false;
  int64_t last_activity_ns_ = 0;
  size_t open_streams_ = 0;
  size_t dispatched_ = 0;
  size_t buffered_bytes_ = 0;                  // request body bytes held by live streams
  std::vector<std::unique_ptr<Stream>> pool_;  // owns every Stream
  std::vector<Stream*> free_;
  uint64_t streams_acquired_ = 0;       // streams started over the connection's life
  uint64_t acquired_at_last_trim_ = 0;  // ... when the timer last looked
  asio::steady_timer idle_timer_;
  int64_t write_started_ns_ = 0;
  std::string peer_;  // remote address, filled on the first ReportCall
  std::string nv_arena_;
  std::vector<nghttp2_nv> nva_;
  std::shared_ptr<H2Connection> self_while_dispatched_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::shared_ptr<WakeRelay> wake_relay_;  // created with the first streamed response
};

}  // namespace sluice::server::http
