#include "server/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace sluice::server::http {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 list without the DHE suites (they need DH parameters and
// nothing that speaks HTTP/2 needs them). All are on HTTP/2's allowed list (RFC 7540 9.2.2).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// OpenSSL's TLS 1.3 suites with AES-128 first: with the server's preference it is what clients
// get, and it decrypts large PutRecords bodies faster than AES-256 with no practical loss.
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* /*arg*/) {
  std::string_view chosen = ChooseAlpn(std::string_view(reinterpret_cast<const char*>(in), inlen));
  // No common protocol: carry on without ALPN (the connection sniffs what the client sends).
  if (chosen.empty()) return SSL_TLSEXT_ERR_NOACK;
  *out = reinterpret_cast<const unsigned char*>(chosen.data());
  *outlen = static_cast<unsigned char>(chosen.size());
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::string OpenSslErrorText(std::string_view what) {
  std::string text(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text.append(": ").append(buf);
  }
  ERR_clear_error();
  return text;
}

std::string_view ChooseAlpn(std::string_view client_protocols) {
  bool http11 = false;
  for (size_t i = 0; i < client_protocols.size();) {
    size_t n = static_cast<unsigned char>(client_protocols[i]);
    if (i + 1 + n > client_protocols.size()) break;  // malformed: use what came before
    std::string_view name = client_protocols.substr(i + 1, n);
    if (name == "h2") return client_protocols.substr(i + 1, n);
    if (name == "http/1.1") http11 = true;
    i += 1 + n;
  }
  // Views into the client's list are what OpenSSL wants; a literal outlives the call too.
  return http11 ? std::string_view("http/1.1") : std::string_view();
}

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_chain_file,
                                                           const std::string& key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 || SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1)
    return Status(Errc::kInternal, OpenSslErrorText("TLS cipher list rejected"));
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file.c_str()) != 1)
    return Status(Errc::kInvalidArgument, OpenSslErrorText("cannot load TLS certificate " + cert_chain_file));
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status(Errc::kInvalidArgument, OpenSslErrorText("cannot load TLS private key " + key_file));
  if (SSL_CTX_check_private_key(ctx) != 1)
    return Status(Errc::kInvalidArgument,
                  OpenSslErrorText("TLS private key " + key_file + " does not match certificate " + cert_chain_file));
  static constexpr unsigned char kSessionContext[] = "sluice";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx, &SelectAlpn, nullptr);
  return context;
}

}  // namespace sluice::server::http
