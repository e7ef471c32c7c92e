#include "server/http/sigv4_verifier.h"

#include <utility>

#include "base/crypto.h"
#include "base/time_format.h"
#include "protocol/sigv4.h"

namespace sluice::server::http {
namespace sigv4 = protocol::sigv4;
using protocol::AwsErrorType;

namespace {

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details.";

// Raw (still percent-encoded) value of a query parameter, or nullopt.
std::optional<std::string_view> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = item.find('=');
    if (item.substr(0, eq) == name) { return eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1); }
  }
  return std::nullopt;
}

std::string AmzDate(int64_t ms) { return FormatIso8601Basic(ms); }

bool IsTwelveDigits(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ContainsSignedHeader(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t semi = list.find(';');
    if (list.substr(0, semi) == name) return true;
    if (semi == std::string_view::npos) break;
    list.remove_prefix(semi + 1);
  }
  return false;
}

}  // namespace

Sigv4Verifier::Sigv4Verifier(AuthMode mode, std::map<std::string, std::string> credentials,
                             std::string default_account_id, const Clock* clock)
    : mode_(mode),
      credentials_(credentials.begin(), credentials.end()),
      default_account_id_(std::move(default_account_id)),
      clock_(clock) {}

bool Sigv4Verifier::Verify(const IncomingRequest& req, api::CallerIdentity* caller, AuthFailure* failure,
                           std::string_view service) const {
  bool has_header = false;
  std::string_view authorization = req.Header("authorization", &has_header);
  bool has_query_auth = QueryParam(req.query, "X-Amz-Algorithm").has_value();

  if (has_header && has_query_auth) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";
    return false;
  }
  if (!has_header && !has_query_auth) {
    failure->type = AwsErrorType::kMissingAuthenticationToken;
    failure->message = "Missing Authentication Token";
    return false;
  }
  if (!has_header) {
    // Presigned query (not used by SDKs for Kinesis): checked for completeness only.
    std::string msg;
    for (std::string_view p :
         {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}) {
      auto v = QueryParam(req.query, p);
      if (!v || v->empty()) msg.append("AWS query-string parameters must include '").append(p).append("'. ");
    }
    if (!msg.empty()) {
      failure->type = AwsErrorType::kIncompleteSignature;
      failure->message = msg + "Re-examine the query-string parameters.";
      return false;
    }
    if (mode_ == AuthMode::kVerify) {
      failure->type = AwsErrorType::kInvalidSignature;
      failure->message = "Query-string (presigned) authentication is not supported by this server.";
      return false;
    }
    std::string_view cred = *QueryParam(req.query, "X-Amz-Credential");
    size_t end = cred.find('/');
    if (end == std::string_view::npos) end = cred.find("%2F");
    caller->access_key_id.assign(cred.substr(0, end));
    caller->account_id = IsTwelveDigits(caller->access_key_id) ? caller->access_key_id : default_account_id_;
    return true;
  }

  bool has_amz_date = false, has_date = false;
  std::string_view amz_date = req.Header("x-amz-date", &has_amz_date);
  std::string_view http_date = req.Header("date", &has_date);

  sigv4::AuthParseResult parsed = sigv4::ParseAuthorization(authorization);
  if (parsed.error == sigv4::AuthParseError::kMissingParts || (!has_amz_date && !has_date)) {
    std::string msg;
    if (parsed.missing_credential) msg += "Authorization header requires 'Credential' parameter. ";
    if (parsed.missing_signature) msg += "Authorization header requires 'Signature' parameter. ";
    if (parsed.missing_signed_headers) msg += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!has_amz_date && !has_date) {
      msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    msg.append("Authorization=").append(authorization);
    failure->type = AwsErrorType::kIncompleteSignature;
    failure->message = std::move(msg);
    return false;
  }
  if (parsed.error != sigv4::AuthParseError::kOk) {
    failure->type = AwsErrorType::kIncompleteSignature;
    failure->message = std::move(parsed.message);
    return false;
  }
  const sigv4::ParsedAuthorization& auth = parsed.parts;

  std::optional<int64_t> request_ms;
  if (has_amz_date) {
    request_ms = ParseIso8601Basic(amz_date);
    if (!request_ms) {
      failure->type = AwsErrorType::kIncompleteSignature;
      failure->message.assign("Date must be in ISO-8601 'basic format'. Got '")
          .append(amz_date)
          .append("'. See http://en.wikipedia.org/wiki/ISO_8601");
      return false;
    }
  } else {
    request_ms = ParseHttpDate(http_date);
    if (!request_ms) {
      failure->type = AwsErrorType::kIncompleteSignature;
      failure->message.assign("Date must be in RFC 1123 format. Got '").append(http_date).append("'.");
      return false;
    }
  }
  const std::string request_amz = AmzDate(*request_ms);

  const int64_t now = clock_->NowMillis();
  if (*request_ms < now - sigv4::kMaxSkewMillis) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message = "Signature expired: " + request_amz + " is now earlier than " +
                       AmzDate(now - sigv4::kMaxSkewMillis) + " (" + AmzDate(now) + " - 5 min.)";
    return false;
  }
  if (*request_ms > now + sigv4::kMaxSkewMillis) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message = "Signature not yet current: " + request_amz + " is still later than " +
                       AmzDate(now + sigv4::kMaxSkewMillis) + " (" + AmzDate(now) + " + 5 min.)";
    return false;
  }
  if (auth.date8 != std::string_view(request_amz).substr(0, 8)) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message
        .assign("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '")
        .append(auth.date8)
        .append("' != '")
        .append(request_amz.substr(0, 8))
        .append("', from '")
        .append(request_amz)
        .append("'.");
    return false;
  }
  if (auth.service != service) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message.assign("Credential should be scoped to correct service: '").append(service).append("'. ");
    return false;
  }
  if (!ContainsSignedHeader(auth.signed_headers, "host") && !ContainsSignedHeader(auth.signed_headers, ":authority")) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
    return false;
  }

  if (mode_ == AuthMode::kVerify) {
    auto it = credentials_.find(auth.access_key_id);
    if (it == credentials_.end()) {
      failure->type = AwsErrorType::kUnrecognizedClient;
      failure->message = "The security token included in the request is invalid.";
      return false;
    }
    // The string to sign carries the date exactly as sent.
    std::string_view signed_date = has_amz_date ? amz_date : std::string_view(request_amz);
    if (!VerifySignature(req, auth, signed_date, it->second, failure)) return false;
  }

  caller->access_key_id.assign(auth.access_key_id);
  caller->region.assign(auth.region);
  if (IsTwelveDigits(auth.access_key_id)) {
    caller->account_id.assign(auth.access_key_id);
  } else {
    caller->account_id.assign(default_account_id_);
  }
  return true;
}

bool Sigv4Verifier::VerifySignature(const IncomingRequest& req, const sigv4::ParsedAuthorization& auth,
                                    std::string_view amz_date, const std::string& secret, AuthFailure* failure) const {
  // Per io thread: the scratch strings keep their capacity and the key cache its keys.
  thread_local std::string canonical;
  thread_local std::string string_to_sign;
  thread_local sigv4::SigningKeyCache keys;

  bool has_content_sha = false;
  std::string_view content_sha = req.Header("x-amz-content-sha256", &has_content_sha);
  crypto::HexDigest body_hash;
  std::string_view payload_hash;
  if (has_content_sha && content_sha == sigv4::kUnsignedPayload) {
    payload_hash = content_sha;
  } else {
    body_hash = crypto::Sha256Hex(req.body);
    payload_hash = crypto::View(body_hash);
    if (has_content_sha && !crypto::ConstantTimeEquals(content_sha, payload_hash)) {
      failure->type = AwsErrorType::kInvalidSignature;
      failure->message = "The provided 'x-amz-content-sha256' header does not match what was computed.";
      return false;
    }
  }

  canonical.clear();
  if (!sigv4::AppendCanonicalRequest(&canonical, req.method, req.path, req.query, req.headers, auth.signed_headers,
                                     payload_hash)) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message = std::string(kSignatureMismatch);
    return false;
  }
  // Scope = credential without the access key id and its '/'.
  std::string_view scope = auth.credential.substr(auth.access_key_id.size() + 1);
  string_to_sign.clear();
  sigv4::AppendStringToSign(&string_to_sign, amz_date, scope, canonical);
  const crypto::Digest& key = keys.Get(secret, auth.date8, auth.region, auth.service);
  crypto::HexDigest expected = sigv4::ComputeSignature(key, string_to_sign);
  if (!crypto::ConstantTimeEquals(crypto::View(expected), auth.signature)) {
    failure->type = AwsErrorType::kInvalidSignature;
    failure->message = std::string(kSignatureMismatch);
    return false;
  }
  return true;
}

}  // namespace sluice::server::http
