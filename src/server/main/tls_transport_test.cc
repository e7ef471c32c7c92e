// The transport over TLS with a certificate from LoadOrCreateSelfSignedTls: a client that trusts
// the generated CA talks HTTP/1.1 (ALPN http/1.1 or none) and HTTP/2 (ALPN h2) on the main port
// and the TLS-only port; failed handshakes are counted and leave the server serving.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "server/http/http_server.h"
#include "server/main/self_signed_tls.h"

namespace sluice::server {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Never called: the requests below are answered by the transport itself (GET -> 404).
class NoDispatcher : public api::Dispatcher {
 public:
  void Dispatch(const api::ApiRequest&, api::ApiResponse*, api::Completion done) override { done(); }
};

class TlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-tlsx-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    auto files = LoadOrCreateSelfSignedTls(dir_ + "/tls", {"localhost", "127.0.0.1", "::1"}, SystemClock::Default());
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = *files;
    http::HttpServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.tls_port = 0;
    o.io_threads = 2;
    o.header_read_timeout = std::chrono::milliseconds(300);
    o.tls_cert_file = files_.server_cert;
    o.tls_key_file = files_.server_key;
    server_ = std::make_unique<http::HttpServer>(o, &dispatcher_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->tls_port(), 0);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A verifying client: the generated CA, the host name checked, the ALPN list (wire format).
  std::unique_ptr<ssl::stream<tcp::socket>> Connect(uint16_t port, std::string_view alpn) {
    ctx_.load_verify_file(files_.ca_cert);
    ctx_.set_verify_mode(ssl::verify_peer);
    auto s = std::make_unique<ssl::stream<tcp::socket>>(ioc_, ctx_);
    s->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    if (!alpn.empty())
      SSL_set_alpn_protos(s->native_handle(), reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
    s->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    s->handshake(ssl::stream_base::client);
    return s;
  }

  static std::string Alpn(ssl::stream<tcp::socket>& s) {
    const unsigned char* p = nullptr;
    unsigned n = 0;
    SSL_get0_alpn_selected(s.native_handle(), &p, &n);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }

  // Everything the server sends until it closes.
  template <typename Stream>
  static std::string ReadAll(Stream& s) {
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) return out;
    }
  }

  std::string dir_;
  TlsFiles files_;
  NoDispatcher dispatcher_;
  std::unique_ptr<http::HttpServer> server_;
  asio::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
};

constexpr std::string_view kGet = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

TEST_F(TlsTransportTest, Http1OverTlsOnBothPorts) {
  for (uint16_t port : {server_->port(), server_->tls_port()}) {
    for (std::string_view alpn : {std::string_view("\x08http/1.1"), std::string_view()}) {
      auto s = Connect(port, alpn);
      EXPECT_EQ(Alpn(*s), alpn.empty() ? "" : "http/1.1");
      asio::write(*s, asio::buffer(kGet));
      EXPECT_TRUE(ReadAll(*s).starts_with("HTTP/1.1 404")) << port;
    }
  }
  EXPECT_GE(server_->tls_handshakes(), 4u);
  EXPECT_EQ(server_->tls_handshake_failures(), 0u);
}

TEST_F(TlsTransportTest, AlpnH2StartsHttp2) {
  for (uint16_t port : {server_->port(), server_->tls_port()}) {
    auto s = Connect(port, std::string_view("\x02h2\x08http/1.1", 12));
    EXPECT_EQ(Alpn(*s), "h2");
    asio::write(*s, asio::buffer(kH2Preface));
    asio::write(*s, asio::buffer(std::string("\0\0\0\x04\0\0\0\0\0", 9)));  // empty SETTINGS
    unsigned char head[9];
    asio::read(*s, asio::buffer(head));
    EXPECT_EQ(head[3], 0x04);  // the server's SETTINGS
  }
}

TEST_F(TlsTransportTest, CleartextStillServedOnTheMainPort) {
  tcp::socket s(ioc_);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  asio::write(s, asio::buffer(kGet));
  EXPECT_TRUE(ReadAll(s).starts_with("HTTP/1.1 404"));
}

TEST_F(TlsTransportTest, FailedHandshakesAreCountedAndClosed) {
  // Garbage after a handshake record byte; cleartext on the TLS port; silence past the timeout.
  static constexpr char kGarbage[] = "\x16\x03\x01\x00\x05hello, not a ClientHello";
  const std::pair<uint16_t, std::string> kBad[] = {
      {server_->port(), std::string(kGarbage, sizeof kGarbage - 1)},
      {server_->tls_port(), std::string(kGet)},
      {server_->tls_port(), std::string()},
  };
  for (const auto& [port, bytes] : kBad) {
    tcp::socket s(ioc_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if (!bytes.empty()) asio::write(s, asio::buffer(bytes));
    ReadAll(s);  // returns once the server has closed the connection
  }
  // A timeout closes the socket before the failed handshake's handler runs (and counts it).
  for (int i = 0; i < 500 && server_->tls_handshake_failures() < 3; ++i) ::usleep(10'000);
  EXPECT_EQ(server_->tls_handshake_failures(), 3u);
  auto s = Connect(server_->tls_port(), "");
  asio::write(*s, asio::buffer(kGet));
  EXPECT_TRUE(ReadAll(*s).starts_with("HTTP/1.1 404"));
}

TEST_F(TlsTransportTest, ClientWithoutTheCaRefusesTheCertificate) {
  ssl::context plain(ssl::context::tls_client);
  plain.set_default_verify_paths();
  plain.set_verify_mode(ssl::verify_peer);
  ssl::stream<tcp::socket> s(ioc_, plain);
  s.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->tls_port()));
  boost::system::error_code ec;
  s.handshake(ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  s.next_layer().close();
  // The server saw the client's alert; it keeps serving.
  auto ok = Connect(server_->tls_port(), "");
  asio::write(*ok, asio::buffer(kGet));
  EXPECT_TRUE(ReadAll(*ok).starts_with("HTTP/1.1 404"));
}

}  // namespace
}  // namespace sluice::server
