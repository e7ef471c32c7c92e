#include "server/main/self_signed_tls.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "server/http/tls_context.h"

namespace sluice::server {
namespace {

constexpr int64_t kDayMillis = 86'400'000;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Cert LoadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  Cert cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

// What a client does: the chain server cert <- CA verifies, for `host`, at `now`.
bool ClientAccepts(const TlsFiles& files, const std::string& host, int64_t now_millis) {
  Cert ca = LoadCert(files.ca_cert);
  Cert server = LoadCert(files.server_cert);
  if (!ca || !server) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, server.get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now_millis / 1000));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  if (host.find(':') != std::string::npos ||
      std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

class SelfSignedTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-tls-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    dir_ = root_ + "/tls";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  TlsFiles Make(const std::vector<std::string>& names) {
    auto files = LoadOrCreateSelfSignedTls(dir_, names, &clock_);
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    return files.ok() ? *files : TlsFiles{};
  }

  std::string root_, dir_;
  ManualClock clock_{1'760'000'000'000};
  const std::vector<std::string> local_ = {"localhost", "127.0.0.1", "::1"};
};

TEST_F(SelfSignedTlsTest, CreatesACaAndAServerCertificateClientsAccept) {
  TlsFiles files = Make(local_);
  EXPECT_EQ(files.ca_cert, dir_ + "/ca.pem");
  EXPECT_EQ(files.server_cert, dir_ + "/server.pem");
  EXPECT_EQ(files.server_key, dir_ + "/server.key");
  EXPECT_EQ(ModeOf(files.server_key), 0600u);
  EXPECT_EQ(ModeOf(dir_ + "/ca.key"), 0600u);
  EXPECT_EQ(ModeOf(dir_), 0700u);
  for (const char* host : {"localhost", "127.0.0.1", "::1", "LOCALHOST"})
    EXPECT_TRUE(ClientAccepts(files, host, clock_.NowMillis())) << host;
  EXPECT_FALSE(ClientAccepts(files, "example.com", clock_.NowMillis()));
  EXPECT_FALSE(ClientAccepts(files, "10.0.0.1", clock_.NowMillis()));
  // The TLS context accepts the pair (the key matches the certificate).
  EXPECT_TRUE(http::MakeServerTlsContext(files.server_cert, files.server_key).ok());
  Cert ca = LoadCert(files.ca_cert);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
}

TEST_F(SelfSignedTlsTest, ReusedOnRestart) {
  TlsFiles a = Make(local_);
  const std::string ca = ReadText(a.ca_cert), cert = ReadText(a.server_cert), key = ReadText(a.server_key);
  clock_.Advance(100 * kDayMillis);
  TlsFiles b = Make(local_);
  EXPECT_EQ(ReadText(b.ca_cert), ca);
  EXPECT_EQ(ReadText(b.server_cert), cert);
  EXPECT_EQ(ReadText(b.server_key), key);
  // A subset of the names is covered by the certificate as it is.
  Make({"localhost"});
  EXPECT_EQ(ReadText(b.server_cert), cert);
}

TEST_F(SelfSignedTlsTest, NewHostReissuesTheServerCertificateUnderTheSameCa) {
  TlsFiles a = Make(local_);
  const std::string ca = ReadText(a.ca_cert), cert = ReadText(a.server_cert);
  std::vector<std::string> names = local_;
  names.push_back("10.1.2.3");
  names.push_back("sluice.example");
  TlsFiles b = Make(names);
  EXPECT_EQ(ReadText(b.ca_cert), ca);
  EXPECT_NE(ReadText(b.server_cert), cert);
  for (const char* host : {"localhost", "10.1.2.3", "sluice.example"})
    EXPECT_TRUE(ClientAccepts(b, host, clock_.NowMillis())) << host;
}

TEST_F(SelfSignedTlsTest, ExpiringServerCertificateIsReissued) {
  TlsFiles a = Make(local_);
  const std::string ca = ReadText(a.ca_cert), cert = ReadText(a.server_cert);
  clock_.Advance(800 * kDayMillis);  // 825-day validity: within the 30 days before expiry
  TlsFiles b = Make(local_);
  EXPECT_EQ(ReadText(b.ca_cert), ca);
  EXPECT_NE(ReadText(b.server_cert), cert);
  EXPECT_TRUE(ClientAccepts(b, "localhost", clock_.NowMillis() + 700 * kDayMillis));
}

TEST_F(SelfSignedTlsTest, DamagedFilesAreReplaced) {
  TlsFiles a = Make(local_);
  const std::string ca = ReadText(a.ca_cert), cert = ReadText(a.server_cert);
  std::ofstream(a.server_key) << "not a key";
  TlsFiles b = Make(local_);
  EXPECT_EQ(ReadText(b.ca_cert), ca);
  EXPECT_NE(ReadText(b.server_cert), cert);
  EXPECT_TRUE(http::MakeServerTlsContext(b.server_cert, b.server_key).ok());

  // Without its key the CA cannot sign again: a new CA, and a server certificate from it.
  std::filesystem::remove(dir_ + "/ca.key");
  TlsFiles c = Make(local_);
  EXPECT_NE(ReadText(c.ca_cert), ca);
  EXPECT_TRUE(ClientAccepts(c, "127.0.0.1", clock_.NowMillis()));
}

TEST_F(SelfSignedTlsTest, UnwritableDirectoryIsAnError) {
  std::ofstream(root_ + "/file") << "x";
  auto files = LoadOrCreateSelfSignedTls(root_ + "/file/tls", local_, &clock_);
  EXPECT_FALSE(files.ok());
}

TEST(SelfSignedTlsNamesTest, LoopbackAndTheHost) {
  std::vector<std::string> local = {"localhost", "127.0.0.1", "::1"};
  EXPECT_EQ(SelfSignedTlsNames("127.0.0.1", {}), local);
  EXPECT_EQ(SelfSignedTlsNames("localhost", {}), local);
  std::vector<std::string> more = local;
  more.push_back("10.0.0.7");
  more.push_back("kinesis.internal");
  more.push_back("fd00::1");
  EXPECT_EQ(SelfSignedTlsNames("10.0.0.7", {"Kinesis.Internal", "fd00:0::1", "10.0.0.7"}), more);
  // A wildcard adds this machine's name and addresses.
  std::vector<std::string> any = SelfSignedTlsNames("0.0.0.0", {});
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  std::string lower(hostname);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_NE(std::find(any.begin(), any.end(), lower), any.end());
  EXPECT_EQ(std::find(any.begin(), any.end(), "0.0.0.0"), any.end());
}

}  // namespace
}  // namespace sluice::server
