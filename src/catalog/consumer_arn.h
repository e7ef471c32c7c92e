#pragma once
// Enhanced fan-out consumer ARNs:
//   arn:<partition>:kinesis:<region>:<account>:stream/<stream>/consumer/<consumer>:<epoch seconds>
// The epoch is the registration second, so a name registered again after its deletion gets a
// different ARN and old subscriptions or clients holding the old one cannot reach the new one.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::catalog {

struct ConsumerArnParts {
  std::string partition;  // "aws", "aws-cn", ...
  std::string region;
  std::string account;
  std::string stream;
  std::string consumer;
  uint64_t epoch_seconds = 0;
};

// stream_arn: the stream's ARN (StreamArn()).
std::string ConsumerArn(std::string_view stream_arn, std::string_view consumer_name, uint32_t epoch_seconds);

// kInvalidArgument ("Invalid ConsumerARN: ...") unless arn has exactly the shape above, with a
// 12-digit account, stream and consumer names of [a-zA-Z0-9_.-]{1,128} and a decimal epoch that
// fits in 64 bits.
Result<ConsumerArnParts> ParseConsumerArn(std::string_view arn);

}  // namespace sluice::catalog
