#include "server/main/server.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "alarms/alarm_service.h"
#include "base/file_system.h"
#include "base/log.h"
#include "base/random.h"
#include "catalog/catalog.h"
#include "catalog/metadata_store.h"
#include "catalog/on_demand_scaler.h"
#include "cloudwatch/dispatcher.h"
#include "metrics/aggregator.h"
#include "metrics/metric_store.h"
#include "server/api/api_context.h"
#include "server/api/fanout/hub.h"
#include "server/api/kinesis_dispatcher.h"
#include "server/api/kinesis_metrics.h"
#include "server/http/http_server.h"
#include "server/main/self_signed_tls.h"
#include "server/observe/access_log.h"
#include "server/observe/build_info.h"
#include "server/observe/prometheus_exporter.h"
#include "storage/disk_log_store.h"
#include "storage/memory_log_store.h"

namespace sluice::server {

namespace {

// Every shard keeps its segment files open (two descriptors for the one being written).
void RaiseOpenFileLimit() {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

Status CreateDataDir(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status(Errc::kIoError, "cannot create data dir " + data_dir + ": " + ec.message());
  return Status::Ok();
}

// True if the file holds a whole key; a short one is as good as none.
bool ReadKeyFile(const std::string& path, model::IteratorKey* key) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  size_t n = std::fread(key->data(), 1, key->size(), f);
  std::fclose(f);
  if (n == key->size()) return true;
  SLOG(kWarn, "server", "iterator key file is short; replacing it", {{"path", path}});
  return false;
}

// Loud on purpose: the server is reachable from other machines and checks no signature.
void LogInsecureBanner(const std::string& host) {
  SLOG(kWarn, "server",
       "WARNING: INSECURE: --insecure-accept-any-credentials: signatures are not verified and any access key is "
       "accepted on a non-loopback address; anyone who can reach this port can create, read, write and delete every "
       "stream. Use --credentials-file to verify signatures instead.",
       {{"host", host}});
}

// Sends each request to its service's dispatcher (the transport has set ApiRequest::service).
class ServiceRouter : public api::Dispatcher {
 public:
  ServiceRouter(api::Dispatcher* kinesis, api::Dispatcher* cloudwatch) : kinesis_(kinesis), cloudwatch_(cloudwatch) {}
  void Dispatch(const api::ApiRequest& request, api::ApiResponse* response, api::Completion done) override {
    (request.service == api::Service::kCloudWatch ? cloudwatch_ : kinesis_)
        ->Dispatch(request, response, std::move(done));
  }

 private:
  api::Dispatcher* kinesis_;
  api::Dispatcher* cloudwatch_;
};

Result<std::unique_ptr<metrics::MetricStore>> OpenMetricStore(const ServerConfig& config, const Clock* clock) {
  if (config.storage == StorageKind::kMemory) return metrics::NewMemoryMetricStore(clock);
  SLUICE_RETURN_IF_ERROR(CreateDataDir(config.data_dir));
  return metrics::OpenDiskMetricStore(config.data_dir + "/metrics.db", clock);
}

// The metrics task runs every second; the store is flushed and trimmed less often.
constexpr int64_t kMetricsFlushEveryTicks = 10;
constexpr int64_t kMetricsRetentionEveryTicks = 600;

Result<std::unique_ptr<catalog::MetadataStore>> OpenMetadataStore(const ServerConfig& config) {
  if (config.storage == StorageKind::kMemory) return catalog::NewMemoryMetadataStore();
  SLUICE_RETURN_IF_ERROR(CreateDataDir(config.data_dir));
  return catalog::NewSqliteMetadataStore(config.data_dir + "/metadata.db");
}

}  // namespace

Status LoadOrCreateIteratorKey(catalog::MetadataStore* meta, const std::string& data_dir, model::IteratorKey* key) {
  SLUICE_ASSIGN_OR_RETURN(auto stored, meta->GetValue(catalog::kIteratorKeyKey));
  if (stored.has_value()) {
    const std::string& bytes = *stored;
    if (bytes.size() != key->size())
      return Status(Errc::kCorruption, "stored iterator key has " + std::to_string(bytes.size()) + " bytes");
    std::memcpy(key->data(), bytes.data(), key->size());
    return Status::Ok();
  }
  std::string path = data_dir + "/iterator.key";
  bool imported = ReadKeyFile(path, key);
  if (!imported) SecureRandomBytes(key->data(), key->size());
  SLUICE_RETURN_IF_ERROR(
      meta->PutValue(catalog::kIteratorKeyKey, {reinterpret_cast<const char*>(key->data()), key->size()}));
  if (imported) {
    // The store is now the only copy that counts; the file would only be a second secret lying around.
    std::remove(path.c_str());
    SLOG(kInfo, "server", "imported iterator key into the metadata store", {{"path", path}});
  }
  return Status::Ok();
}

Status LoadOrCreateIteratorKey(const std::string& data_dir, model::IteratorKey* key) {
  SLUICE_RETURN_IF_ERROR(CreateDataDir(data_dir));
  std::string path = data_dir + "/iterator.key";
  if (ReadKeyFile(path, key)) return Status::Ok();
  SecureRandomBytes(key->data(), key->size());
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status(Errc::kIoError, "cannot write " + tmp + ": " + std::generic_category().message(errno));
  bool ok =
      std::fwrite(key->data(), 1, key->size(), f) == key->size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status(Errc::kIoError, "cannot write " + path + ": " + std::generic_category().message(errno));
  ::chmod(path.c_str(), 0600);
  return Status::Ok();
}

Server::Server(ServerConfig config, const Clock* clock) : config_(std::move(config)), clock_(clock) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  RaiseOpenFileLimit();
  if (config_.storage == StorageKind::kMemory) {
    storage::MemoryLogStoreOptions mem;
    mem.memory_limit_bytes = config_.memory_limit_bytes;
    auto store = storage::NewMemoryLogStore(mem);
    memory_ = store.get();
    logs_ = std::move(store);
  } else {
    storage::DiskLogStoreOptions disk = config_.disk;
    disk.dir = config_.data_dir + "/shards";
    SLUICE_ASSIGN_OR_RETURN(auto store, storage::OpenDiskLogStore(DefaultFileSystem(), disk));
    disk_ = store.get();
    logs_ = std::move(store);
  }
  SLUICE_ASSIGN_OR_RETURN(meta_, OpenMetadataStore(config_));
  catalog::CatalogOptions catalog_options = config_.catalog;
  // The UpdateShardCount calls-per-day quota is a control-plane limit like the call rates.
  if (!config_.limits.control_plane) catalog_options.scaling_ops_per_day = 0;
  catalog_ = std::make_unique<catalog::Catalog>(catalog_options, clock_, logs_.get(), meta_.get());
  api::fanout::HubOptions fanout = config_.fanout;
  // Each consumer gets the shard's read rate (2 MiB/s on AWS) per shard, apart from polling readers.
  fanout.bytes_per_second = config_.limits.data_plane ? config_.limits.shard_read_bytes_per_sec : 0;
  fanout_hub_ = std::make_unique<api::fanout::Hub>(fanout, clock_);
  catalog_->SetShardEventListener(fanout_hub_.get());
  SLUICE_ASSIGN_OR_RETURN(metrics_store_, OpenMetricStore(config_, clock_));
  metrics_ = std::make_unique<metrics::MetricsAggregator>(metrics_store_.get(), clock_);
  if (config_.metrics) {
    kinesis_metrics_ = std::make_unique<api::KinesisMetrics>(metrics_.get(), api::KinesisOperations());
    catalog_->SetAttachmentFactory(
        [m = kinesis_metrics_.get()](const catalog::Stream& s, const catalog::StreamAttachment* previous) {
          return m->Attach(s, previous);
        });
  }
  const int64_t recover_start_ns = clock_->MonotonicNanos();
  SLUICE_RETURN_IF_ERROR(catalog_->Recover());
  SLOG(kInfo, "server", "recovered streams and shard logs",
       {{"elapsed_ms", std::to_string((clock_->MonotonicNanos() - recover_start_ns) / 1'000'000)},
        {"disk_bytes", disk_ ? std::to_string(disk_->DiskBytes()) : "-"}});
  api_ctx_ = std::make_unique<api::ApiContext>();
  api_ctx_->catalog = catalog_.get();
  api_ctx_->clock = clock_;
  api_ctx_->options = config_.api;
  if (config_.limits.data_plane || config_.limits.control_plane)
    limits_ = std::make_unique<limits::LimitsRegistry>(config_.limits);
  api_ctx_->limits = limits_.get();
  api_ctx_->faults = config_.faults;
  api_ctx_->metrics = kinesis_metrics_.get();
  api_ctx_->fanout = fanout_hub_.get();
  api_ctx_->fanout_hub = fanout_hub_.get();
  SLUICE_RETURN_IF_ERROR(config_.storage == StorageKind::kMemory
                             ? LoadOrCreateIteratorKey(config_.data_dir, &api_ctx_->iterator_key)
                             : LoadOrCreateIteratorKey(meta_.get(), config_.data_dir, &api_ctx_->iterator_key));
  dispatcher_ = std::make_unique<api::KinesisDispatcher>(api_ctx_.get());
  alarms::AlarmServiceOptions alarm_options;
  alarm_options.data_dir = config_.data_dir;
  alarm_options.memory = config_.storage == StorageKind::kMemory;
  alarm_options.clock = clock_;
  alarm_options.metric_store = metrics_store_.get();
  alarm_options.region = config_.http.default_region;
  alarm_options.account_id = config_.http.default_account_id;
  alarm_options.action_urls = config_.alarm_actions;
  SLUICE_ASSIGN_OR_RETURN(alarms_, alarms::AlarmService::Open(std::move(alarm_options)));
  alarms_->Start();
  cloudwatch::CloudWatchServices cw;
  cw.store = metrics_store_.get();
  cw.clock = clock_;
  cw.alarms = alarms_.get();
  cloudwatch_ = std::make_unique<cloudwatch::CloudWatchDispatcher>(cw);
  router_ = std::make_unique<ServiceRouter>(dispatcher_.get(), cloudwatch_.get());
  std::string tls_ca;  // the CA clients trust, with --tls auto
  if (config_.tls_auto) {
    SLUICE_ASSIGN_OR_RETURN(
        TlsFiles tls, LoadOrCreateSelfSignedTls(config_.data_dir + "/tls",
                                                SelfSignedTlsNames(config_.http.host, config_.tls_names), clock_));
    config_.http.tls_cert_file = tls.server_cert;
    config_.http.tls_key_file = tls.server_key;
    tls_ca = tls.ca_cert;
  }
  http_ = std::make_unique<http::HttpServer>(config_.http, router_.get(), clock_);
  SLUICE_RETURN_IF_ERROR(StartObservers());
  SLUICE_RETURN_IF_ERROR(http_->Start());
  background_.Add("retention", std::chrono::milliseconds(config_.retention_check_ms), [this] {
    catalog_->EnforceRetention();
    return Status::Ok();
  });
  // Each alarm is evaluated at its period boundaries; the tick finds the alarms that reached one.
  background_.Add("alarms", std::chrono::milliseconds(1000), [this] { return alarms_->Tick(); });
  background_.Add("metrics", std::chrono::milliseconds(1000), [this, ticks = int64_t{0}]() mutable -> Status {
    metrics_->Tick();
    ++ticks;
    if (ticks % kMetricsFlushEveryTicks == 0) SLUICE_RETURN_IF_ERROR(metrics_store_->Flush());
    if (ticks % kMetricsRetentionEveryTicks == 0) SLUICE_RETURN_IF_ERROR(metrics_store_->EnforceRetention());
    return Status::Ok();
  });
  if (config_.on_demand_scaling) {
    catalog::OnDemandScalerOptions so = config_.scaler;
    // The scaler calls a shard hot relative to the limit the put path enforces.
    so.shard_write_bytes_per_sec = config_.limits.shard_write_bytes_per_sec;
    so.shard_write_records_per_sec = config_.limits.shard_write_records_per_sec;
    scaler_ = std::make_unique<catalog::OnDemandScaler>(so, catalog_.get(), clock_);
    background_.Add("on-demand-scaler", std::chrono::milliseconds(config_.on_demand_scaling_interval_ms), [this] {
      scaler_->Tick();
      return Status::Ok();
    });
  }
  if (config_.insecure_any_credentials) LogInsecureBanner(config_.http.host);
  SLOG(kInfo, "server", "sluice listening",
       {{"host", config_.http.host},
        {"port", std::to_string(http_->port())},
        {"tls_port", std::to_string(http_->tls_port())},
        {"tls_ca", tls_ca.empty() ? "-" : tls_ca},
        {"auth", config_.http.auth_mode == http::AuthMode::kVerify ? "verify" : "any access key"},
        {"access_log", config_.access_log.empty() ? "off" : config_.access_log},
        {"data_dir", config_.data_dir},
        {"region", config_.http.default_region},
        {"account_id", config_.http.default_account_id},
        {"storage", std::string(StorageKindName(config_.storage))},
        {"limits", std::string(LimitsModeName(config_.limits_mode))},
        {"control_plane_limits", config_.limits.control_plane ? "on" : "off"},
        {"durability",
         config_.storage == StorageKind::kDisk ? std::string(storage::DurabilityName(config_.disk.durability)) : "-"}});
  return Status::Ok();
}

Status Server::StartObservers() {
  if (!config_.access_log.empty()) {
    observe::AccessLogOptions ao;
    ao.path = config_.access_log;
    ao.max_bytes = config_.access_log_max_bytes;
    ao.max_files = config_.access_log_max_files;
    SLUICE_ASSIGN_OR_RETURN(access_log_, observe::AccessLog::Open(std::move(ao)));
  }
  observe::PrometheusSources ps;
  ps.aggregator = metrics_.get();
  ps.store = metrics_store_.get();
  ps.clock = clock_;
  ps.access_log = access_log_.get();
  ps.storage = [this] {
    observe::StorageGauges g;
    g.streams = 0;
    g.open_shards = 0;
    catalog_->ForEachStream([&g](const catalog::Stream& s) {
      ++g.streams;
      int64_t open = 0;
      for (const auto& shard : s.shards) open += shard.is_open() ? 1 : 0;
      g.open_shards += open;
      g.stream_open_shards.emplace_back(s.name, open);
    });
    if (disk_ != nullptr) g.disk_bytes = static_cast<int64_t>(disk_->DiskBytes());
    if (memory_ != nullptr) g.memory_bytes = static_cast<int64_t>(memory_->BytesHeld());
    return g;
  };
  prometheus_ = std::make_unique<observe::PrometheusExporter>(std::move(ps), std::string(observe::kSluiceVersion),
                                                              config_.prometheus_max_series);
  http_->SetObservers({prometheus_.get(), access_log_.get()});
  return Status::Ok();
}

void Server::Stop() {
  if (http_) http_->Stop();
  // After the transport: no more calls; the destructor writes what is queued.
  access_log_.reset();
  background_.Stop();
  if (alarms_) alarms_->Stop();  // abandons webhooks still queued
  // The last second's samples, and whatever the store holds in memory.
  if (metrics_) {
    metrics_->Tick();
    if (Status st = metrics_store_->FlushAll(); !st.ok())
      SLOG(kWarn, "server", "flushing metrics failed", {{"error", st.ToString()}});
  }
  // Whatever was acknowledged without an fdatasync (interval/none) is synced on a clean stop.
  if (disk_) disk_->Flush();
}

uint16_t Server::port() const { return http_ ? http_->port() : 0; }

}  // namespace sluice::server
