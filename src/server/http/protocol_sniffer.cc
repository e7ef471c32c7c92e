#include "server/http/protocol_sniffer.h"

#include "base/log.h"
#include "server/http/h1_connection.h"
#include "server/http/h2_connection.h"

namespace sluice::server::http {

using boost::system::error_code;

SniffResult Sniff(std::string_view received) {
  size_t n = std::min(received.size(), kH2Preface.size());
  if (received.substr(0, n) != kH2Preface.substr(0, n)) return SniffResult::kHttp1;
  return n == kH2Preface.size() ? SniffResult::kHttp2 : SniffResult::kNeedMore;
}

ProtocolSniffer::ProtocolSniffer(Worker* worker, asio::ip::tcp::socket socket, Mode mode)
    : Connection(worker), mode_(mode), stream_(std::move(socket)) {}

void ProtocolSniffer::Start() {
  stream_.expires_after(worker_->ctx()->options->header_read_timeout);
  if (mode_ == Mode::kTlsOnly) return Handshake();
  Read();
}

void ProtocolSniffer::Shutdown() {
  if (closed_) return;
  closed_ = true;
  stream_.close();
}

void ProtocolSniffer::Read() {
  stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](const error_code& ec, size_t n) {
    if (ec || self->closed_) return self->Shutdown();
    self->buffer_.commit(n);
    auto data = self->buffer_.cdata();
    std::string_view received(static_cast<const char*>(data.data()), data.size());
    if (self->mode_ == Mode::kAny && !self->stream_.is_tls() &&
        static_cast<unsigned char>(received[0]) == kTlsHandshakeRecord) {
      return self->Handshake();
    }
    SniffResult r = Sniff(received);
    if (r == SniffResult::kNeedMore) return self->Read();
    self->HandOff(r);
  });
}

void ProtocolSniffer::Handshake() {
  ServerContext* ctx = worker_->ctx();
  stream_.StartTls(*ctx->tls);
  // What the sniff read is the start of the ClientHello: the TLS engine takes it first. A client
  // sends nothing beyond its first flight before our answer (no 0-RTT), so it is all consumed.
  stream_.async_handshake(buffer_.cdata(), [self = shared_from_this()](const error_code& ec, size_t) {
    self->buffer_.clear();
    self->OnHandshake(ec);
  });
}

void ProtocolSniffer::OnHandshake(const error_code& ec) {
  if (closed_) return;
  ServerContext* ctx = worker_->ctx();
  if (ec) {
    ctx->tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
    error_code ignored;
    auto peer = stream_.remote_endpoint(ignored);
    SLOG(kDebug, "http", "TLS handshake failed",
         {{"peer", ignored ? std::string("-") : peer.address().to_string()}, {"error", ec.message()}});
    return Shutdown();
  }
  ctx->tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  std::string_view alpn = stream_.alpn();
  if (alpn == "h2") return HandOff(SniffResult::kHttp2);
  if (alpn == "http/1.1") return HandOff(SniffResult::kHttp1);
  // No ALPN (e.g. a client with HTTP/2 prior knowledge over TLS): look at what it sends.
  stream_.expires_after(ctx->options->header_read_timeout);
  Read();
}

void ProtocolSniffer::HandOff(SniffResult result) {
  stream_.expires_never();
  closed_ = true;
  if (result == SniffResult::kHttp2) {
    auto data = buffer_.cdata();
    std::string preface(static_cast<const char*>(data.data()), data.size());
    std::make_shared<H2Connection>(worker_, std::move(stream_), std::move(preface))->Start();
  } else {
    std::make_shared<H1Connection>(worker_, std::move(stream_), std::move(buffer_))->Start();
  }
}

}  // namespace sluice::server::http
