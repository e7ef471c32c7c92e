#pragma once
// `--tls auto`: a private certificate authority and a server certificate it signs, generated
// under a directory on first start and reused afterwards, so clients configured once to trust
// ca.pem keep working across restarts:
//   ca.pem      the CA certificate (what clients trust: --ca-bundle, verify=, ca:)
//   ca.key      its private key (mode 0600), kept to re-issue the server certificate
//   server.pem  the server certificate (ECDSA P-256, serverAuth, the names as SANs)
//   server.key  its private key (mode 0600)
// The server certificate is re-issued by the same CA when it does not name every requested
// host, is not signed by the CA, or expires within 30 days; the CA is replaced only when it is
// missing, unreadable or about to expire (clients must then trust the new ca.pem).
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace sluice::server {

struct TlsFiles {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
};

// `names`: DNS names and IP literals the server certificate must carry (e.g. localhost,
// 127.0.0.1, ::1, the listen address). Validity periods start at clock->NowMillis().
Result<TlsFiles> LoadOrCreateSelfSignedTls(const std::string& dir, const std::vector<std::string>& names,
                                           const Clock* clock);

// The names `--tls auto` puts in the certificate for a listen host: localhost, 127.0.0.1 and
// ::1, the host itself unless it is a wildcard; for a wildcard (0.0.0.0, ::) also this machine's
// host name and interface addresses; then `extra` (--tls-name). Without duplicates.
std::vector<std::string> SelfSignedTlsNames(const std::string& host, const std::vector<std::string>& extra);

}  // namespace sluice::server
