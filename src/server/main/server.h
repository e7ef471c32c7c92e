#pragma once
// The composition root: builds storage, catalog, API and transport from a ServerConfig and
// starts/stops them in order.
#include <memory>

#include "base/clock.h"
#include "base/periodic_tasks.h"
#include "base/status.h"
#include "model/shard_iterator.h"
#include "server/main/server_config.h"

namespace sluice::storage {
class LogStore;
class DiskLogStore;
class MemoryLogStore;
}  // namespace sluice::storage
namespace sluice::catalog {
class Catalog;
class MetadataStore;
class OnDemandScaler;
}  // namespace sluice::catalog
namespace sluice::limits {
class LimitsRegistry;
}
namespace sluice::metrics {
class MetricStore;
class MetricsAggregator;
}  // namespace sluice::metrics
namespace sluice::server::http {
class HttpServer;
}
namespace sluice::metrics {
class MetricStore;
}
namespace sluice::cloudwatch {
class CloudWatchDispatcher;
}
namespace sluice::alarms {
class AlarmService;
}
namespace sluice::server::observe {
class AccessLog;
class PrometheusExporter;
}  // namespace sluice::server::observe
namespace sluice::server::api {
class Dispatcher;
class KinesisDispatcher;
class KinesisMetrics;
struct ApiContext;
namespace fanout {
class Hub;
}
}  // namespace sluice::server::api

namespace sluice::server {

class Server {
 public:
  // `clock` (all time: stream lifecycle, iterators, signatures, timeouts) must outlive the server.
  explicit Server(ServerConfig config, const Clock* clock = SystemClock::Default());
  ~Server();
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  // The access log and the Prometheus page, handed to the transport before it starts.
  Status StartObservers();

  ServerConfig config_;
  const Clock* clock_;

  // Declared first so they outlive the catalog: a stream's recorders unregister from the
  // aggregator when the stream goes.
  std::unique_ptr<metrics::MetricStore> metrics_store_;   // metrics.db under data_dir, or in memory
  std::unique_ptr<metrics::MetricsAggregator> metrics_;   // collects the recorders every second
  std::unique_ptr<api::KinesisMetrics> kinesis_metrics_;  // null with --metrics off
  // Before logs_: the storage commit thread reports appends to it until logs_ is gone.
  std::unique_ptr<api::fanout::Hub> fanout_hub_;
  std::unique_ptr<storage::LogStore> logs_;
  storage::DiskLogStore* disk_ = nullptr;         // logs_ when --storage disk
  storage::MemoryLogStore* memory_ = nullptr;     // logs_ when --storage memory
  std::unique_ptr<catalog::MetadataStore> meta_;  // outlives catalog_, which writes to it
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<catalog::OnDemandScaler> scaler_;  // null with --on-demand-scaling off
  std::unique_ptr<limits::LimitsRegistry> limits_;   // null with every limit off
  std::unique_ptr<api::ApiContext> api_ctx_;
  std::unique_ptr<api::KinesisDispatcher> dispatcher_;
  std::unique_ptr<alarms::AlarmService> alarms_;  // alarms.db under --data-dir, or in memory
  std::unique_ptr<cloudwatch::CloudWatchDispatcher> cloudwatch_;
  std::unique_ptr<api::Dispatcher> router_;                  // by ApiRequest::service: Kinesis or CloudWatch
  std::unique_ptr<observe::AccessLog> access_log_;           // null unless --access-log
  std::unique_ptr<observe::PrometheusExporter> prometheus_;  // GET /metrics
  std::unique_ptr<http::HttpServer> http_;
  PeriodicTasks background_;  // retention, the on-demand scaler, metrics
};

// Loads the secret that signs shard iterators from data_dir, creating it on first start, so
// iterators stay valid across restarts (--storage memory).
Status LoadOrCreateIteratorKey(const std::string& data_dir, model::IteratorKey* key);
// Same, kept in the metadata store (--storage disk). A data_dir/iterator.key left by an older
// version is imported once and then removed, so iterators it signed stay valid.
Status LoadOrCreateIteratorKey(catalog::MetadataStore* meta, const std::string& data_dir, model::IteratorKey* key);

}  // namespace sluice::server
