#pragma once
// The composition root: builds storage, catalog, API and transport from a ServerConfig and
// starts/stops them in order.
#include <memory>

#include "base/status.h"
#include "model/shard_iterator.h"
#include "server/main/server_config.h"

namespace sluice::storage {
class LogStore;
}
namespace sluice::catalog {
class Catalog;
}
namespace sluice::server::http {
class HttpServer;
}
namespace sluice::server::api {
class KinesisDispatcher;
struct ApiContext;
}  // namespace sluice::server::api

namespace sluice::server {

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  ServerConfig config_;
  std::unique_ptr<storage::LogStore> logs_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::ApiContext> api_ctx_;
  std::unique_ptr<api::KinesisDispatcher> dispatcher_;
  std::unique_ptr<http::HttpServer> http_;
};

// Loads the secret that signs shard iterators from data_dir, creating it on first start, so
// iterators stay valid across restarts.
Status LoadOrCreateIteratorKey(const std::string& data_dir, model::IteratorKey* key);

}  // namespace sluice::server
