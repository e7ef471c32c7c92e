#pragma once
// Status and Result<T>: the error model of every module. Codes are internal; the single mapping
// to AWS error types lives in server/api/error_mapping.cc.
#include <string>
#include <utility>
#include <variant>

namespace sluice {

enum class Errc {
  kOk = 0,
  kNotFound,         // stream/shard/consumer unknown
  kInUse,            // resource busy or in the wrong state
  kInvalidArgument,  // semantically invalid parameter
  kValidation,       // model constraint violated (Coral-format message)
  kLimitExceeded,    // quota or control-plane rate
  kThrottled,        // data-plane throughput exceeded
  kExpiredIterator,
  kExpiredNextToken,
  kAccessDenied,
  kSerialization,  // body could not be decoded
  kUnavailable,    // temporary: storage full, shutting down
  kIoError,
  kCorruption,
  kInternal,
};

const char* ErrcName(Errc c);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == Errc::kOk; }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;
  // Explicitly drop an error; greppable on purpose.
  void IgnoreError() const {}

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT
  Result(Errc code, std::string message) : v_(Status(code, std::move(message))) {}

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

#define SLUICE_RETURN_IF_ERROR(expr) \
  do {                               \
    ::sluice::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)

// SLUICE_ASSIGN_OR_RETURN(auto x, MakeX()); / (x, MakeX()); / (const Foo& f, GetFoo());
// Evaluates a Result<T>; on error returns its Status from the enclosing function, otherwise
// moves the value into the declaration or variable on the left. One statement: not for use as
// the body of an unbraced if/else.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL_(SLUICE_STATUS_CONCAT_(sluice_result_, __LINE__), lhs, expr)
// lhs is a declaration ("auto x"), which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define SLUICE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
#define SLUICE_STATUS_CONCAT_INNER_(a, b) a##b
#define SLUICE_STATUS_CONCAT_(a, b) SLUICE_STATUS_CONCAT_INNER_(a, b)

}  // namespace sluice
