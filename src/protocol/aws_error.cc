#include "protocol/aws_error.h"

#include "base/json_escape.h"
#include "protocol/cbor.h"

namespace sluice::protocol {

std::string_view AwsErrorName(AwsErrorType t) {
  switch (t) {
    case AwsErrorType::kResourceNotFound: return "ResourceNotFoundException";
    case AwsErrorType::kResourceInUse: return "ResourceInUseException";
    case AwsErrorType::kInvalidArgument: return "InvalidArgumentException";
    case AwsErrorType::kLimitExceeded: return "LimitExceededException";
    case AwsErrorType::kProvisionedThroughputExceeded: return "ProvisionedThroughputExceededException";
    case AwsErrorType::kExpiredIterator: return "ExpiredIteratorException";
    case AwsErrorType::kExpiredNextToken: return "ExpiredNextTokenException";
    case AwsErrorType::kValidation: return "ValidationException";
    case AwsErrorType::kAccessDenied: return "AccessDeniedException";
    case AwsErrorType::kInternalFailure: return "InternalFailureException";
    case AwsErrorType::kUnknownOperation: return "UnknownOperationException";
    case AwsErrorType::kSerialization: return "SerializationException";
    case AwsErrorType::kMissingAuthenticationToken: return "MissingAuthenticationTokenException";
    case AwsErrorType::kIncompleteSignature: return "IncompleteSignatureException";
    case AwsErrorType::kInvalidSignature: return "InvalidSignatureException";
    case AwsErrorType::kUnrecognizedClient: return "UnrecognizedClientException";
    case AwsErrorType::kServiceUnavailable: return "ServiceUnavailable";
    case AwsErrorType::kRequestEntityTooLarge: return "RequestEntityTooLarge";
  }
  return "InternalFailureException";
}

int AwsErrorHttpStatus(AwsErrorType t) {
  switch (t) {
    case AwsErrorType::kInternalFailure: return 500;
    case AwsErrorType::kServiceUnavailable: return 503;
    // Auth errors are 400 on a JSON/CBOR request: kinesalite (texts and codes captured from the
    // real service) answers 403 only with its XML form, used when the Content-Type is not AWS's.
    case AwsErrorType::kRequestEntityTooLarge: return 413;
    default: return 400;
  }
}

std::string_view RecordErrorCode(RecordError e) {
  switch (e) {
    case RecordError::kProvisionedThroughputExceeded: return AwsErrorName(AwsErrorType::kProvisionedThroughputExceeded);
    case RecordError::kInternalFailure: return "InternalFailure";
  }
  return "InternalFailure";
}

std::string EncodeErrorBody(AwsErrorType t, std::string_view message, BodyEncoding enc) {
  if (t == AwsErrorType::kRequestEntityTooLarge) return {};
  bool has_message = t != AwsErrorType::kUnknownOperation;
  std::string_view message_key = t == AwsErrorType::kSerialization ? "Message" : "message";
  std::string out;
  out.reserve(64 + message.size());
  if (enc == BodyEncoding::kCbor) {
    out.push_back(static_cast<char>(has_message ? 0xA2 : 0xA1));  // map of 2 (or 1) pairs
    AppendCborText(&out, "__type");
    AppendCborText(&out, AwsErrorName(t));
    if (has_message) {
      AppendCborText(&out, message_key);
      AppendCborText(&out, message);
    }
    return out;
  }
  out.append("{\"__type\":");
  AppendJsonString(&out, AwsErrorName(t));
  if (has_message) {
    out.push_back(',');
    AppendJsonString(&out, message_key);
    out.push_back(':');
    AppendJsonString(&out, message);
  }
  out.push_back('}');
  return out;
}

}  // namespace sluice::protocol
