#include "server/main/self_signed_tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>

#include "base/ascii.h"
#include "base/log.h"
#include "base/random.h"
#include "server/http/tls_context.h"

namespace sluice::server {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Names = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

constexpr int64_t kCaDays = 3650;
constexpr int64_t kServerDays = 825;  // the longest validity Apple's clients accept
constexpr int64_t kRenewDays = 30;    // re-issue certificates this close to expiry
constexpr int64_t kDaySeconds = 86'400;
// notBefore lies this far back, for clients whose clocks run behind the server's.
constexpr int64_t kBackdateSeconds = 3600;

using http::OpenSslErrorText;

std::string Lower(std::string s) {
  for (char& c : s) c = AsciiToLower(c);
  return s;
}

// IP literals in their canonical text form; anything else is a DNS name, compared in lower case.
std::string CanonicalName(const std::string& name) {
  unsigned char bytes[sizeof(in6_addr)];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, name.c_str(), bytes) == 1) return inet_ntop(AF_INET, bytes, text, sizeof text);
  if (inet_pton(AF_INET6, name.c_str(), bytes) == 1) return inet_ntop(AF_INET6, bytes, text, sizeof text);
  return Lower(name);
}

PKey ReadKey(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return PKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

Cert ReadCert(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// Written to a temporary file first so a crash never leaves half a key or certificate.
Status WriteFileAtomically(const std::string& path, const std::string& contents, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  auto fail = [&](const std::string& what) {
    Status st(Errc::kIoError, what + " " + tmp + ": " + std::generic_category().message(errno));
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  if (fd < 0) return fail("cannot create");
  if (::fchmod(fd, mode) != 0) return fail("cannot chmod");  // the file may have existed
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync");
  ::close(fd);
  fd = -1;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  return Status::Ok();
}

Status WriteKey(const std::string& path, EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status(Errc::kInternal, OpenSslErrorText("cannot encode private key"));
  return WriteFileAtomically(path, BioText(bio.get()), 0600);
}

Status WriteCert(const std::string& path, X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return Status(Errc::kInternal, OpenSslErrorText("cannot encode certificate"));
  return WriteFileAtomically(path, BioText(bio.get()), 0644);
}

// True while `cert` is valid at `now` and stays valid for kRenewDays more.
bool CurrentForAWhile(X509* cert, int64_t now_s) {
  return ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), static_cast<time_t>(now_s)) <= 0 &&
         ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), static_cast<time_t>(now_s + kRenewDays * kDaySeconds)) > 0;
}

std::set<std::string> SubjectAltNames(X509* cert) {
  std::set<std::string> out;
  Names names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
    if (gen->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gen->d.dNSName;
      out.insert(Lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<size_t>(ASN1_STRING_length(s)))));
    } else if (gen->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gen->d.iPAddress;
      char text[INET6_ADDRSTRLEN];
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : ASN1_STRING_length(ip) == 16 ? AF_INET6 : 0;
      if (family != 0 && inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text) != nullptr) out.insert(text);
    }
  }
  return out;
}

PKey NewKey() { return PKey(EVP_EC_gen("P-256")); }

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool AddSubjectAltNames(X509* cert, const std::vector<std::string>& names) {
  Names gens(sk_GENERAL_NAME_new_null());
  if (!gens) return false;
  for (const std::string& name : names) {
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (gen == nullptr) return false;
    if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str())) {
      GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      if (dns == nullptr || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
        ASN1_IA5STRING_free(dns);
        GENERAL_NAME_free(gen);
        return false;
      }
      GENERAL_NAME_set0_value(gen, GEN_DNS, dns);
    }
    if (sk_GENERAL_NAME_push(gens.get(), gen) == 0) {
      GENERAL_NAME_free(gen);
      return false;
    }
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

struct Issued {
  Cert cert;
  PKey key;
};

// A new key and a certificate for it: a self-signed CA when `issuer` is null, else a server
// certificate carrying `names`, signed by issuer/issuer_key.
Result<Issued> Issue(const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
                     const std::vector<std::string>& names, int64_t now_s) {
  const bool ca = issuer == nullptr;
  Issued out;
  out.key = NewKey();
  out.cert.reset(X509_new());
  if (!out.key || !out.cert) return Status(Errc::kInternal, OpenSslErrorText("cannot create a key"));
  X509* cert = out.cert.get();
  // A random, positive 127-bit serial: unique per issuer without keeping a counter.
  unsigned char serial[16];
  SecureRandomBytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  Bignum bn(BN_bin2bn(serial, sizeof serial, nullptr));
  const int64_t days = ca ? kCaDays : kServerDays;
  bool ok = X509_set_version(cert, X509_VERSION_3) == 1 && bn &&
            BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr &&
            ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(now_s - kBackdateSeconds)) != nullptr &&
            ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(now_s + days * kDaySeconds)) != nullptr &&
            X509_set_pubkey(cert, out.key.get()) == 1;
  X509_NAME* subject = X509_get_subject_name(cert);
  ok = ok &&
       X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Sluice"), -1, -1,
                                  0) == 1 &&
       X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1 &&
       X509_set_issuer_name(cert, ca ? subject : X509_get_subject_name(issuer)) == 1;
  X509* signer = ca ? cert : issuer;
  if (ca) {
    ok = ok && AddExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         AddExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(cert, signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert, signer, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(cert, signer, NID_ext_key_usage, "serverAuth") && AddSubjectAltNames(cert, names);
  }
  // Python's strict verification (3.13+) wants both key identifiers.
  ok = ok && AddExtension(cert, signer, NID_subject_key_identifier, "hash") &&
       AddExtension(cert, signer, NID_authority_key_identifier, "keyid:always");
  ok = ok && X509_sign(cert, ca ? out.key.get() : issuer_key, EVP_sha256()) > 0;
  if (!ok) return Status(Errc::kInternal, OpenSslErrorText("cannot issue certificate " + common_name));
  return out;
}

}  // namespace

Result<TlsFiles> LoadOrCreateSelfSignedTls(const std::string& dir, const std::vector<std::string>& names,
                                           const Clock* clock) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Errc::kIoError, "cannot create TLS dir " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  const int64_t now_s = clock->NowMillis() / 1000;
  TlsFiles files{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  const std::string ca_key_path = dir + "/ca.key";

  Cert ca = ReadCert(files.ca_cert);
  PKey ca_key = ReadKey(ca_key_path);
  bool new_ca = !ca || !ca_key || X509_check_private_key(ca.get(), ca_key.get()) != 1 || X509_check_ca(ca.get()) < 1 ||
                !CurrentForAWhile(ca.get(), now_s);
  ERR_clear_error();  // the failed reads of absent files
  if (new_ca) {
    bool replacing = std::filesystem::exists(files.ca_cert, ec);
    // The random part tells CAs of different installations apart in a client's trust store.
    unsigned char id[4];
    SecureRandomBytes(id, sizeof id);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
    SLUICE_ASSIGN_OR_RETURN(Issued issued, Issue(std::string("Sluice local CA ") + hex, nullptr, nullptr, {}, now_s));
    SLUICE_RETURN_IF_ERROR(WriteKey(ca_key_path, issued.key.get()));
    SLUICE_RETURN_IF_ERROR(WriteCert(files.ca_cert, issued.cert.get()));
    ca = std::move(issued.cert);
    ca_key = std::move(issued.key);
    if (replacing) {
      SLOG(kWarn, "tls",
           "replaced the TLS certificate authority (unusable or expiring): clients must trust the new one",
           {{"ca", files.ca_cert}});
    } else {
      SLOG(kInfo, "tls", "created a TLS certificate authority", {{"ca", files.ca_cert}});
    }
  }

  std::vector<std::string> wanted;
  wanted.reserve(names.size());
  for (const std::string& n : names) wanted.push_back(CanonicalName(n));
  Cert server = ReadCert(files.server_cert);
  PKey server_key = ReadKey(files.server_key);
  ERR_clear_error();
  bool reuse = !new_ca && server && server_key && X509_check_private_key(server.get(), server_key.get()) == 1 &&
               X509_check_issued(ca.get(), server.get()) == X509_V_OK &&
               X509_verify(server.get(), X509_get0_pubkey(ca.get())) == 1 && CurrentForAWhile(server.get(), now_s);
  if (reuse) {
    std::set<std::string> have = SubjectAltNames(server.get());
    reuse = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& n) { return have.count(n) > 0; });
  }
  ERR_clear_error();
  if (reuse) return files;
  const std::string common_name = wanted.empty() ? std::string("localhost") : wanted.front();
  SLUICE_ASSIGN_OR_RETURN(Issued issued, Issue(common_name, ca.get(), ca_key.get(), wanted, now_s));
  SLUICE_RETURN_IF_ERROR(WriteKey(files.server_key, issued.key.get()));
  SLUICE_RETURN_IF_ERROR(WriteCert(files.server_cert, issued.cert.get()));
  std::string joined;
  for (const std::string& n : wanted) joined.append(joined.empty() ? "" : ",").append(n);
  SLOG(kInfo, "tls", "issued a TLS server certificate", {{"cert", files.server_cert}, {"names", joined}});
  return files;
}

std::vector<std::string> SelfSignedTlsNames(const std::string& host, const std::vector<std::string>& extra) {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  auto add = [&names](const std::string& name) {
    std::string canonical = CanonicalName(name);
    if (!canonical.empty() && std::find(names.begin(), names.end(), canonical) == names.end())
      names.push_back(canonical);
  };
  const std::string canonical_host = CanonicalName(host);
  if (canonical_host == "0.0.0.0" || canonical_host == "::") {
    char hostname[HOST_NAME_MAX + 1] = {};
    if (::gethostname(hostname, sizeof hostname - 1) == 0) add(hostname);
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
      for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
        if (it->ifa_addr == nullptr) continue;
        char text[INET6_ADDRSTRLEN];
        if (it->ifa_addr->sa_family == AF_INET) {
          const auto* a = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
          if (inet_ntop(AF_INET, &a->sin_addr, text, sizeof text) != nullptr) add(text);
        } else if (it->ifa_addr->sa_family == AF_INET6) {
          const auto* a = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
          // Link-local addresses need a zone, which no URL a client would use carries.
          if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
          if (inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text) != nullptr) add(text);
        }
      }
      ::freeifaddrs(list);
    }
  } else {
    add(host);
  }
  for (const std::string& n : extra) add(n);
  return names;
}

}  // namespace sluice::server
