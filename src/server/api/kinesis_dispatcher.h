#pragma once
// Routes an operation name to its handler and turns handler errors into AWS errors.
#include "server/api/api_context.h"
#include "server/api/dispatcher.h"

namespace sluice::server::api {

class KinesisDispatcher final : public Dispatcher {
 public:
  explicit KinesisDispatcher(ApiContext* ctx) : ctx_(ctx) {}
  void Dispatch(const ApiRequest& request, ApiResponse* response, Completion done) override;

 private:
  ApiContext* ctx_;
};

}  // namespace sluice::server::api
