#pragma once
// CloudWatch's errors: the codes (query protocol and x-amzn-query-error), the model shapes
// (__type on JSON and CBOR), HTTP statuses and fault sides. The names are strings only in
// errors.cc; everything else passes ErrorCode values.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::cloudwatch {

enum class ErrorCode : uint8_t {
  kInvalidParameterValue,
  kMissingParameter,
  kInvalidParameterCombination,
  kResourceNotFound,
  kLimitExceeded,
  kInvalidNextToken,
  kInternalServiceError,
  kInvalidFormat,
  kConcurrentModification,
  kInvalidAction,  // unknown operation
  kSerialization,  // a body that cannot be decoded
  kRequestEntityTooLarge,
  kResourceNotFoundException,  // the tagging operations' not-found (ResourceType, ResourceId)
};

struct ErrorInfo {
  std::string_view code;   // query code / x-amzn-query-error, e.g. "InvalidParameterValue"
  std::string_view shape;  // JSON/CBOR __type without namespace, e.g. "InvalidParameterValueException"
  int http_status;
  bool sender_fault;
};

const ErrorInfo& Info(ErrorCode code);

// An error a handler or codec returns. ok() is the absence of one.
class [[nodiscard]] ApiError {
 public:
  ApiError() = default;
  ApiError(ErrorCode code, std::string message) : failed_(true), code_(code), message_(std::move(message)) {}
  static ApiError Ok() { return {}; }
  static ApiError InvalidValue(std::string m) { return {ErrorCode::kInvalidParameterValue, std::move(m)}; }
  static ApiError Missing(std::string m) { return {ErrorCode::kMissingParameter, std::move(m)}; }
  static ApiError Combination(std::string m) { return {ErrorCode::kInvalidParameterCombination, std::move(m)}; }
  static ApiError Internal(std::string m) { return {ErrorCode::kInternalServiceError, std::move(m)}; }

  bool ok() const { return !failed_; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  bool failed_ = false;
  ErrorCode code_ = ErrorCode::kInternalServiceError;
  std::string message_;
};

#define SLUICE_CW_RETURN_IF_ERROR(expr)         \
  do {                                          \
    ::sluice::cloudwatch::ApiError _e = (expr); \
    if (!_e.ok()) return _e;                    \
  } while (0)

}  // namespace sluice::cloudwatch
