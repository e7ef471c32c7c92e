#pragma once
// Turns StreamName / StreamARN (/ ResourceARN) into a catalog key for the caller's account
// and region, with AWS's errors for missing, malformed or mismatching addresses.
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/catalog.h"
#include "protocol/requests.h"
#include "server/api/dispatcher.h"

namespace sluice::server::api {

struct ResolvedStream {
  std::string account;
  std::string region;
  std::string name;
  catalog::StreamKey key() const { return {account, region, name}; }
};

struct ParsedArn {
  std::string region;
  std::string account;
  std::string stream;
  std::string consumer;  // empty for stream ARNs
};

// Parses arn:<partition>:kinesis:<region>:<account>:stream/<name>[/consumer/<c>:<ts>].
Result<ParsedArn> ParseKinesisArn(std::string_view arn);

Result<ResolvedStream> ResolveStream(const CallerIdentity& caller, const protocol::StreamRef& ref);
// A ConsumerARN (SubscribeToShard, DescribeStreamConsumer, DeregisterStreamConsumer): the stream
// it names for the caller, with the errors a stream ARN gets (InvalidArgument if malformed,
// AccessDenied for another account, NotFound for another region). Then look the consumer up
// with catalog->ReadConsumer(resolved.key(), catalog::ConsumerSelector::ByArn(consumer_arn), fn).
Result<ResolvedStream> ResolveConsumerArn(const CallerIdentity& caller, std::string_view consumer_arn);
// ResourceARN of TagResource/UntagResource/ListTagsForResource: a stream, or a consumer (then
// *is_consumer is set and the result is the consumer's stream).
Result<ResolvedStream> ResolveTaggableResource(const CallerIdentity& caller, std::string_view arn, bool* is_consumer);

}  // namespace sluice::server::api
