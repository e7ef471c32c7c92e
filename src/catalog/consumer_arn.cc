#include "catalog/consumer_arn.h"

#include <algorithm>
#include <charconv>

namespace sluice::catalog {
namespace {

bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

}  // namespace

std::string ConsumerArn(std::string_view stream_arn, std::string_view consumer_name, uint32_t epoch_seconds) {
  std::string arn(stream_arn);
  arn.append("/consumer/").append(consumer_name).append(":").append(std::to_string(epoch_seconds));
  return arn;
}

Result<ConsumerArnParts> ParseConsumerArn(std::string_view arn) {
  auto invalid = [&] { return Status(Errc::kInvalidArgument, "Invalid ConsumerARN: " + std::string(arn)); };
  // arn : partition : kinesis : region : account : stream/NAME/consumer/CNAME : EPOCH
  std::string_view parts[5];
  std::string_view rest = arn;
  for (auto& part : parts) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return invalid();
    part = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || !parts[1].starts_with("aws") || parts[2] != "kinesis" || parts[4].size() != 12 ||
      !std::all_of(parts[4].begin(), parts[4].end(), [](char c) { return c >= '0' && c <= '9'; }))
    return invalid();
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return invalid();
  std::string_view epoch = rest.substr(colon + 1);
  std::string_view resource = rest.substr(0, colon);
  ConsumerArnParts out;
  auto [end, ec] = std::from_chars(epoch.data(), epoch.data() + epoch.size(), out.epoch_seconds);
  if (epoch.empty() || ec != std::errc() || end != epoch.data() + epoch.size()) return invalid();
  constexpr std::string_view kStream = "stream/";
  constexpr std::string_view kConsumer = "/consumer/";
  if (!resource.starts_with(kStream)) return invalid();
  resource.remove_prefix(kStream.size());
  size_t sep = resource.find(kConsumer);
  if (sep == std::string_view::npos) return invalid();
  std::string_view stream = resource.substr(0, sep);
  std::string_view consumer = resource.substr(sep + kConsumer.size());
  if (!IsName(stream) || !IsName(consumer)) return invalid();
  out.partition = parts[1];
  out.region = parts[3];
  out.account = parts[4];
  out.stream = stream;
  out.consumer = consumer;
  return out;
}

}  // namespace sluice::catalog
