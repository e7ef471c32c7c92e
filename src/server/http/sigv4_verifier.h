#pragma once
// Server-side SigV4 checks (reference 1.7) with the real service's error codes and texts
// (taken from kinesalite, which captured them from AWS).
#include <map>
#include <string>

#include "base/clock.h"
#include "protocol/aws_error.h"
#include "server/api/dispatcher.h"
#include "server/http/http_options.h"
#include "server/http/incoming_request.h"

namespace sluice::server::http {

struct AuthFailure {
  protocol::AwsErrorType type = protocol::AwsErrorType::kMissingAuthenticationToken;
  std::string message;
};

class Sigv4Verifier {
 public:
  Sigv4Verifier(AuthMode mode, std::map<std::string, std::string> credentials, std::string default_account_id,
                const Clock* clock);

  // Thread-safe. On success fills *caller and returns true; otherwise fills *failure. The
  // credential scope must name `service` ("kinesis"; "monitoring" for CloudWatch).
  bool Verify(const IncomingRequest& request, api::CallerIdentity* caller, AuthFailure* failure,
              std::string_view service = "kinesis") const;

 private:
  bool VerifySignature(const IncomingRequest& request, const protocol::sigv4::ParsedAuthorization& auth,
                       std::string_view amz_date, const std::string& secret, AuthFailure* failure) const;

  AuthMode mode_;
  std::map<std::string, std::string, std::less<>> credentials_;
  std::string default_account_id_;
  const Clock* clock_;
};

}  // namespace sluice::server::http
