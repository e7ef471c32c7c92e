#pragma once
// The one place where internal error codes become AWS error types.
#include "base/status.h"
#include "protocol/aws_error.h"
#include "server/api/dispatcher.h"

namespace sluice::server::api {

protocol::AwsErrorType MapError(Errc code);
// Fills *resp with the AWS-shaped error for status (which must not be OK).
void WriteError(const Status& status, protocol::BodyEncoding enc, ApiResponse* resp);

}  // namespace sluice::server::api
