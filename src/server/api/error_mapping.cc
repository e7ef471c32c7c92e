#include "server/api/error_mapping.h"

namespace sluice::server::api {

using protocol::AwsErrorType;

AwsErrorType MapError(Errc code) {
  switch (code) {
    case Errc::kNotFound: return AwsErrorType::kResourceNotFound;
    case Errc::kInUse: return AwsErrorType::kResourceInUse;
    case Errc::kInvalidArgument: return AwsErrorType::kInvalidArgument;
    case Errc::kValidation: return AwsErrorType::kValidation;
    case Errc::kLimitExceeded: return AwsErrorType::kLimitExceeded;
    case Errc::kThrottled: return AwsErrorType::kProvisionedThroughputExceeded;
    case Errc::kExpiredIterator: return AwsErrorType::kExpiredIterator;
    case Errc::kExpiredNextToken: return AwsErrorType::kExpiredNextToken;
    case Errc::kAccessDenied: return AwsErrorType::kAccessDenied;
    case Errc::kSerialization: return AwsErrorType::kSerialization;
    case Errc::kUnavailable: return AwsErrorType::kServiceUnavailable;
    case Errc::kOk:
    case Errc::kIoError:
    case Errc::kCorruption:
    case Errc::kInternal: return AwsErrorType::kInternalFailure;
  }
  return AwsErrorType::kInternalFailure;
}

void WriteError(const Status& status, protocol::BodyEncoding enc, ApiResponse* resp) {
  AwsErrorType t = MapError(status.code());
  resp->http_status = protocol::AwsErrorHttpStatus(t);
  resp->error_type = protocol::AwsErrorName(t);
  // Internal details stay in the server log; clients get AWS's generic text.
  resp->body.assign(protocol::EncodeErrorBody(
      t, t == AwsErrorType::kInternalFailure ? std::string_view("Internal service failure.") : status.message(), enc));
}

}  // namespace sluice::server::api
