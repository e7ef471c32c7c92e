#pragma once
// Routes an operation name to its handler and turns handler errors into AWS errors.
#include <string_view>
#include <vector>

#include "server/api/api_context.h"
#include "server/api/dispatcher.h"

namespace sluice::server::api {

// Every operation the dispatcher routes, then "Unknown" for names it does not know: the
// Operation dimension of the Sluice/API metrics (index = KinesisMetrics' operation index).
std::vector<std::string_view> KinesisOperations();

class KinesisDispatcher final : public Dispatcher {
 public:
  explicit KinesisDispatcher(ApiContext* ctx) : ctx_(ctx) {}
  void Dispatch(const ApiRequest& request, ApiResponse* response, Completion done) override;

 private:
  ApiContext* ctx_;
};

}  // namespace sluice::server::api
