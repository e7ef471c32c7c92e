#include "cloudwatch/errors.h"

namespace sluice::cloudwatch {

const ErrorInfo& Info(ErrorCode code) {
  // Codes and statuses from the model's error shapes (awsQueryError codes).
  static constexpr ErrorInfo kInvalidParameterValue{"InvalidParameterValue", "InvalidParameterValueException", 400,
                                                    true};
  static constexpr ErrorInfo kMissingParameter{"MissingParameter", "MissingRequiredParameterException", 400, true};
  static constexpr ErrorInfo kInvalidParameterCombination{"InvalidParameterCombination",
                                                          "InvalidParameterCombinationException", 400, true};
  static constexpr ErrorInfo kResourceNotFound{"ResourceNotFound", "ResourceNotFound", 404, true};
  static constexpr ErrorInfo kLimitExceeded{"LimitExceeded", "LimitExceededFault", 400, true};
  static constexpr ErrorInfo kInvalidNextToken{"InvalidNextToken", "InvalidNextToken", 400, true};
  static constexpr ErrorInfo kInternalServiceError{"InternalServiceError", "InternalServiceFault", 500, false};
  static constexpr ErrorInfo kInvalidFormat{"InvalidFormat", "InvalidFormatFault", 400, true};
  static constexpr ErrorInfo kConcurrentModification{"ConcurrentModificationException",
                                                     "ConcurrentModificationException", 429, true};
  static constexpr ErrorInfo kInvalidAction{"InvalidAction", "UnknownOperationException", 400, true};
  static constexpr ErrorInfo kSerialization{"SerializationException", "SerializationException", 400, true};
  static constexpr ErrorInfo kRequestEntityTooLarge{"RequestEntityTooLarge", "RequestEntityTooLarge", 413, true};
  static constexpr ErrorInfo kResourceNotFoundException{"ResourceNotFoundException", "ResourceNotFoundException", 404,
                                                        true};
  switch (code) {
    case ErrorCode::kInvalidParameterValue: return kInvalidParameterValue;
    case ErrorCode::kMissingParameter: return kMissingParameter;
    case ErrorCode::kInvalidParameterCombination: return kInvalidParameterCombination;
    case ErrorCode::kResourceNotFound: return kResourceNotFound;
    case ErrorCode::kLimitExceeded: return kLimitExceeded;
    case ErrorCode::kInvalidNextToken: return kInvalidNextToken;
    case ErrorCode::kInternalServiceError: return kInternalServiceError;
    case ErrorCode::kInvalidFormat: return kInvalidFormat;
    case ErrorCode::kConcurrentModification: return kConcurrentModification;
    case ErrorCode::kInvalidAction: return kInvalidAction;
    case ErrorCode::kSerialization: return kSerialization;
    case ErrorCode::kRequestEntityTooLarge: return kRequestEntityTooLarge;
    case ErrorCode::kResourceNotFoundException: return kResourceNotFoundException;
  }
  return kInternalServiceError;
}

}  // namespace sluice::cloudwatch
