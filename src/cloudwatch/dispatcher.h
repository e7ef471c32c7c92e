#pragma once
// CloudWatch's api::Dispatcher: decodes the request in its wire (gunzipping gzip bodies),
// checks it against the model, runs the operation's handler and encodes the reply or error.
#include "cloudwatch/handler.h"
#include "server/api/dispatcher.h"

namespace sluice::cloudwatch {

// PutMetricData request bodies above this (compressed or not) are refused, as CloudWatch does.
inline constexpr size_t kMaxRequestBytes = 1024 * 1024;
// Bound on a gunzipped body (a compression bomb stops here).
inline constexpr size_t kMaxInflatedBytes = 16 * 1024 * 1024;

class CloudWatchDispatcher : public server::api::Dispatcher {
 public:
  explicit CloudWatchDispatcher(CloudWatchServices services) : services_(services) {}
  void Dispatch(const server::api::ApiRequest& request, server::api::ApiResponse* response,
                server::api::Completion done) override;

 private:
  void Run(const server::api::ApiRequest& request, server::api::ApiResponse* response) const;
  CloudWatchServices services_;
};

// Inflates a gzip (or zlib) stream; false if malformed or larger than `limit`.
bool Gunzip(std::string_view in, size_t limit, std::string* out);

}  // namespace sluice::cloudwatch
