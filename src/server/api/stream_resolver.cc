#include "server/api/stream_resolver.h"

#include "catalog/consumer_arn.h"
#include "protocol/validation.h"

namespace sluice::server::api {

Result<ParsedArn> ParseKinesisArn(std::string_view arn) {
  // arn : partition : service : region : account : resource
  std::string_view parts[6];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', start);
    if (c == std::string_view::npos) return Status(Errc::kInvalidArgument, "Invalid ARN: " + std::string(arn));
    parts[i] = arn.substr(start, c - start);
    start = c + 1;
  }
  parts[5] = arn.substr(start);
  if (parts[0] != "arn" || !parts[1].starts_with("aws") || parts[2] != "kinesis" || parts[4].size() != 12)
    return Status(Errc::kInvalidArgument, "Invalid ARN: " + std::string(arn));
  std::string_view res = parts[5];
  if (!res.starts_with("stream/")) return Status(Errc::kInvalidArgument, "Invalid ARN: " + std::string(arn));
  res.remove_prefix(7);
  ParsedArn out;
  out.region = parts[3];
  out.account = parts[4];
  size_t slash = res.find('/');
  out.stream = res.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view rest = res.substr(slash + 1);
    if (!rest.starts_with("consumer/")) return Status(Errc::kInvalidArgument, "Invalid ARN: " + std::string(arn));
    out.consumer = rest.substr(9);
  }
  if (!protocol::MatchesName(out.stream) || out.stream.size() > 128)
    return Status(Errc::kInvalidArgument, "Invalid ARN: " + std::string(arn));
  return out;
}

namespace {

// An ARN of another account: AccessDenied, as AWS answers without a resource policy.
Status CheckAccount(const CallerIdentity& caller, std::string_view arn, std::string_view account) {
  if (account == caller.account_id) return Status::Ok();
  return Status(Errc::kAccessDenied, "User account " + caller.account_id + " is not authorized to access resource " +
                                         std::string(arn) + " because no resource-based policy allows it");
}

// Whether a consumer ARN (stream ARN + "/consumer/...") names its stream here.
enum class ConsumerArn : uint8_t { kAccepted, kRejected };

Result<ResolvedStream> ResolveArn(const CallerIdentity& caller, std::string_view arn, ConsumerArn consumer_arn) {
  SLUICE_ASSIGN_OR_RETURN(auto parsed, ParseKinesisArn(arn));
  if (!parsed.consumer.empty() && consumer_arn == ConsumerArn::kRejected)
    return Status(Errc::kInvalidArgument, "A stream ARN is required: " + std::string(arn));
  SLUICE_RETURN_IF_ERROR(CheckAccount(caller, arn, parsed.account));
  if (parsed.region != caller.region) {
    return Status(Errc::kNotFound, "Stream " + parsed.stream + " under account " + parsed.account +
                                       " not found in region " + caller.region + ".");
  }
  return ResolvedStream{caller.account_id, caller.region, parsed.stream};
}

}  // namespace

Result<ResolvedStream> ResolveConsumerArn(const CallerIdentity& caller, std::string_view consumer_arn) {
  SLUICE_ASSIGN_OR_RETURN(auto parts, catalog::ParseConsumerArn(consumer_arn));
  SLUICE_RETURN_IF_ERROR(CheckAccount(caller, consumer_arn, parts.account));
  if (parts.region != caller.region)
    return Status(Errc::kNotFound,
                  "Consumer " + std::string(consumer_arn) + " not found in region " + caller.region + ".");
  return ResolvedStream{caller.account_id, caller.region, parts.stream};
}

Result<ResolvedStream> ResolveTaggableResource(const CallerIdentity& caller, std::string_view arn, bool* is_consumer) {
  SLUICE_ASSIGN_OR_RETURN(auto parsed, ParseKinesisArn(arn));
  *is_consumer = !parsed.consumer.empty();
  if (*is_consumer) return ResolveConsumerArn(caller, arn);
  return ResolveArn(caller, arn, ConsumerArn::kAccepted);
}

Result<ResolvedStream> ResolveStream(const CallerIdentity& caller, const protocol::StreamRef& ref) {
  if (ref.stream_arn) {
    auto r = ResolveArn(caller, *ref.stream_arn, ConsumerArn::kRejected);
    if (!r.ok()) return r;
    if (ref.stream_name && *ref.stream_name != r->name) {
      return Status(Errc::kInvalidArgument, "StreamARN " + std::string(*ref.stream_arn) + " and StreamName " +
                                                std::string(*ref.stream_name) + " do not refer to the same stream.");
    }
    return r;
  }
  if (!ref.stream_name) return Status(Errc::kInvalidArgument, "Either StreamName or StreamARN should be provided.");
  return ResolvedStream{caller.account_id, caller.region, std::string(*ref.stream_name)};
}

}  // namespace sluice::server::api
