#pragma once
// The AWS error types Sluice can return, their wire names and HTTP statuses. Error names are
// strings only here, at the codec edge; everything inside passes AwsErrorType values.
#include <string>
#include <string_view>

namespace sluice::protocol {

enum class AwsErrorType {
  // Kinesis-modelled errors.
  kResourceNotFound,
  kResourceInUse,
  kInvalidArgument,
  kLimitExceeded,
  kProvisionedThroughputExceeded,
  kExpiredIterator,
  kExpiredNextToken,
  kValidation,
  kAccessDenied,
  kInternalFailure,
  // Front-end errors.
  kUnknownOperation,
  kSerialization,
  kMissingAuthenticationToken,
  kIncompleteSignature,
  kInvalidSignature,
  kUnrecognizedClient,
  kServiceUnavailable,
  kRequestEntityTooLarge,  // HTTP 413, empty body
};

std::string_view AwsErrorName(AwsErrorType t);
int AwsErrorHttpStatus(AwsErrorType t);

// Why PutRecords failed one record of a request that succeeded as a whole.
enum class RecordError { kProvisionedThroughputExceeded, kInternalFailure };
// The record's ErrorCode: the throttling exception's name, or "InternalFailure" (the service
// spells the per-record code without the "Exception" of InternalFailureException).
std::string_view RecordErrorCode(RecordError e);

enum class BodyEncoding { kJson, kCbor };

// Serialises an error body ({"__type":..., "message":...}) in the request's encoding.
// SerializationException uses "Message" and UnknownOperationException has no message, as the
// real front end does.
std::string EncodeErrorBody(AwsErrorType t, std::string_view message, BodyEncoding enc = BodyEncoding::kJson);

}  // namespace sluice::protocol
