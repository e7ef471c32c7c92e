#pragma once
// Client-testing faults (`--inject-error-rate`, `--inject-latency-ms`): pure decisions over a
// random draw passed in, so tests can force each outcome.
#include <cstdint>

namespace sluice::server::api {

enum class Fault : uint8_t { kNone, kThrottle, kInternal };

struct FaultConfig {
  double error_rate = 0;   // probability per record (PutRecords) or per call
  int64_t latency_ms = 0;  // added before data-plane calls answer

  bool enabled() const { return error_rate > 0 || latency_ms > 0; }
  // Half the injected failures are throttles, half internal failures: clients must handle both.
  Fault Decide(uint64_t draw) const {
    if (error_rate <= 0) return Fault::kNone;
    double u = static_cast<double>(draw >> 11) * 0x1.0p-53;
    if (u >= error_rate) return Fault::kNone;
    return (draw & 1) ? Fault::kThrottle : Fault::kInternal;
  }
};

}  // namespace sluice::server::api
