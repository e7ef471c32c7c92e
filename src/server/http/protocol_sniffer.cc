#include "server/http/protocol_sniffer.h"

#include "server/http/h1_connection.h"
#include "server/http/h2_connection.h"

namespace sluice::server::http {

using boost::system::error_code;

SniffResult Sniff(std::string_view received) {
  size_t n = std::min(received.size(), kH2Preface.size());
  if (received.substr(0, n) != kH2Preface.substr(0, n)) return SniffResult::kHttp1;
  return n == kH2Preface.size() ? SniffResult::kHttp2 : SniffResult::kNeedMore;
}

ProtocolSniffer::ProtocolSniffer(Worker* worker, asio::ip::tcp::socket socket)
    : Connection(worker), stream_(std::move(socket)) {}

void ProtocolSniffer::Start() {
  stream_.expires_after(worker_->ctx()->options->header_read_timeout);
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
    SniffResult r = Sniff(std::string_view(static_cast<const char*>(data.data()), data.size()));
    if (r == SniffResult::kNeedMore) return self->Read();
    self->HandOff(r);
  });
}

void ProtocolSniffer::HandOff(SniffResult result) {
  stream_.expires_never();
  closed_ = true;
  asio::ip::tcp::socket socket = stream_.release_socket();
  if (result == SniffResult::kHttp2) {
    auto data = buffer_.cdata();
    std::string preface(static_cast<const char*>(data.data()), data.size());
    std::make_shared<H2Connection>(worker_, std::move(socket), std::move(preface))->Start();
  } else {
    std::make_shared<H1Connection>(worker_, std::move(socket), std::move(buffer_))->Start();
  }
}

}  // namespace sluice::server::http
