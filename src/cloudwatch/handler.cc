#include "cloudwatch/handler.h"

namespace sluice::cloudwatch {

const Route* FindRoute(std::string_view operation) {
  for (const Route& r : Routes()) {
    if (r.operation == operation) return &r;
  }
  return nullptr;
}

}  // namespace sluice::cloudwatch
