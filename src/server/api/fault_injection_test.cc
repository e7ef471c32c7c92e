#include "server/api/fault_injection.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace sluice::server::api {
namespace {

TEST(FaultConfig, Decide) {
  FaultConfig f;
  EXPECT_EQ(f.Decide(0), Fault::kNone);
  f.error_rate = 0.5;
  EXPECT_EQ(f.Decide(0), Fault::kInternal);
  EXPECT_EQ(f.Decide(1), Fault::kThrottle);
  EXPECT_EQ(f.Decide(~uint64_t{0}), Fault::kNone);
  f.error_rate = 1;
  EXPECT_NE(f.Decide(~uint64_t{0}), Fault::kNone);
}

}  // namespace
}  // namespace sluice::server::api
