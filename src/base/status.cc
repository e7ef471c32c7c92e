#include "base/status.h"

namespace sluice {

const char* ErrcName(Errc c) {
  switch (c) {
    case Errc::kOk: return "Ok";
    case Errc::kNotFound: return "NotFound";
    case Errc::kInUse: return "InUse";
    case Errc::kInvalidArgument: return "InvalidArgument";
    case Errc::kValidation: return "Validation";
    case Errc::kLimitExceeded: return "LimitExceeded";
    case Errc::kThrottled: return "Throttled";
    case Errc::kExpiredIterator: return "ExpiredIterator";
    case Errc::kExpiredNextToken: return "ExpiredNextToken";
    case Errc::kAccessDenied: return "AccessDenied";
    case Errc::kSerialization: return "Serialization";
    case Errc::kUnavailable: return "Unavailable";
    case Errc::kIoError: return "IoError";
    case Errc::kCorruption: return "Corruption";
    case Errc::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrcName(code_)) + ": " + message_;
}

}  // namespace sluice
