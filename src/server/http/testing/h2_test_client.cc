#include "server/http/testing/h2_test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <vector>

namespace sluice::server::http::testing {

namespace asio = boost::asio;

H2TestClient::H2TestClient(uint16_t port, Options options) : socket_(ioc_) {
  socket_.connect({asio::ip::address_v4::loopback(), port});
  socket_.set_option(asio::ip::tcp::no_delay(true));
  nghttp2_session_callbacks* cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &OnData);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &OnFrameRecv);
  nghttp2_option* opt;
  nghttp2_option_new(&opt);
  if (options.manual_window_updates) nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_session_client_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  // Default 65535-byte windows on purpose: large responses must wait for our WINDOW_UPDATEs.
  std::vector<nghttp2_settings_entry> settings;
  if (options.initial_window_size >= 0) {
    settings.push_back({NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(options.initial_window_size)});
  }
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
}

H2TestClient::~H2TestClient() { nghttp2_session_del(session_); }

int32_t H2TestClient::Submit(const Headers& headers, std::string body) {
  std::vector<nghttp2_nv> nva;
  for (const auto& [n, v] : headers) {
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  auto owned = std::make_unique<Pending>(Pending{std::move(body), 0});
  Pending* p = owned.get();
  pending_.push_back(std::move(owned));
  nghttp2_data_provider provider;
  provider.source.ptr = p;
  provider.read_callback = &ReadBody;
  int32_t id =
      nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), p->body.empty() ? nullptr : &provider, nullptr);
  if (id > 0) {
    responses[id];
    ++open_;
  }
  return id;
}

int32_t H2TestClient::SubmitUnfinished(const Headers& headers) {
  std::vector<nghttp2_nv> nva;
  for (const auto& [n, v] : headers) {
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  int32_t id = nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, -1, nullptr, nva.data(), nva.size(), nullptr);
  if (id > 0) {
    responses[id];
    ++open_;
  }
  return id;
}

ssize_t H2TestClient::ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                               nghttp2_data_source* source, void*) {
  auto* p = static_cast<Pending*>(source->ptr);
  size_t n = std::min(length, p->body.size() - p->offset);
  // A DATA frame's bytes, not a C string.
  std::memcpy(buf, p->body.data() + p->offset, n);  // NOLINT(bugprone-not-null-terminated-result)
  p->offset += n;
  if (p->offset == p->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

int H2TestClient::OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                           const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  auto* self = static_cast<H2TestClient*>(user);
  std::string n(reinterpret_cast<const char*>(name), namelen), v(reinterpret_cast<const char*>(value), valuelen);
  Response& r = self->responses[frame->hd.stream_id];
  if (n == ":status") r.status = std::stoi(v);
  r.headers[n] = v;
  return 0;
}

int H2TestClient::OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* user) {
  auto* self = static_cast<H2TestClient*>(user);
  self->responses[id].body.append(reinterpret_cast<const char*>(data), len);
  self->unconsumed_[id] += len;
  return 0;
}

int H2TestClient::OnStreamClose(nghttp2_session*, int32_t id, uint32_t error, void* user) {
  auto* self = static_cast<H2TestClient*>(user);
  Response& r = self->responses[id];
  r.closed = true;
  r.error_code = error;
  --self->open_;
  return 0;
}

int H2TestClient::OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<H2TestClient*>(user);
  if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK)) self->ping_acked_ = true;
  if (frame->hd.type == NGHTTP2_GOAWAY) self->goaway_received = true;
  return 0;
}

bool H2TestClient::SendAll() {
  for (;;) {
    const uint8_t* data;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return false;
    if (n == 0) return true;
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(data, static_cast<size_t>(n)), ec);
    if (ec) return false;
  }
}

bool H2TestClient::PumpOnce() {
  if (!SendAll()) return false;
  uint8_t buf[64 * 1024];
  boost::system::error_code ec;
  size_t n = socket_.read_some(asio::buffer(buf), ec);
  if (ec) return false;
  if (nghttp2_session_mem_recv(session_, buf, n) < 0) return false;
  return SendAll();
}

bool H2TestClient::Run() {
  while (open_ > 0) {
    if (!PumpOnce()) return false;
  }
  return true;
}

bool H2TestClient::RunUntil(const std::function<bool()>& done) {
  if (!SendAll()) return false;
  while (!done()) {
    if (!PumpOnce()) return false;
  }
  return true;
}

bool H2TestClient::Ping() {
  ping_acked_ = false;
  nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
  while (!ping_acked_) {
    if (!PumpOnce()) return false;
  }
  return true;
}

void H2TestClient::Reset(int32_t id, uint32_t error_code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, error_code);
}

void H2TestClient::ConsumeReceived() {
  for (auto& [id, n] : unconsumed_) {
    if (n > 0) nghttp2_session_consume(session_, id, n);
    n = 0;
  }
}

void H2TestClient::Disconnect() {
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace sluice::server::http::testing
