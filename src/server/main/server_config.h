#pragma once
// Command-line configuration of `sluice serve`, parsed into the per-module options structs.
// Every flag is one row of a table (server_config.cc) from which the parser, --help and the
// flag list below are all derived.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "catalog/catalog.h"
#include "catalog/on_demand_scaler.h"
#include "limits/limits_config.h"
#include "server/api/api_context.h"
#include "server/api/fanout/hub.h"
#include "server/api/fault_injection.h"
#include "server/http/http_options.h"
#include "storage/disk_log_store.h"

namespace sluice::server {

enum class StorageKind : uint8_t { kDisk, kMemory };      // --storage disk|memory
enum class LimitsMode : uint8_t { kAws, kOff, kCustom };  // --limits aws|off|custom
std::string_view StorageKindName(StorageKind kind);       // the flag's spelling
std::string_view LimitsModeName(LimitsMode mode);

struct ServerConfig {
  std::string data_dir = "./data";
  StorageKind storage = StorageKind::kDisk;
  log::Level log_level = log::Level::kInfo;
  http::HttpServerOptions http;
  catalog::CatalogOptions catalog;
  api::ApiOptions api;
  // Heartbeat, lifetime and tail size from flags; the per-subscription rate from `limits`.
  api::fanout::HubOptions fanout;
  storage::DiskLogStoreOptions disk;  // dir is filled in from data_dir at start; --durability
  int64_t retention_check_ms = 60 * 1000;
  uint64_t memory_limit_bytes = 0;  // 0 = unlimited (in-memory storage backend)
  LimitsMode limits_mode = LimitsMode::kAws;
  limits::LimitsConfig limits;  // data_plane / control_plane resolved from the mode flags
  api::FaultConfig faults;
  bool on_demand_scaling = true;
  int64_t on_demand_scaling_interval_ms = 1000;
  // Rates are taken from `limits` at start; the timing fields come from the flags.
  catalog::OnDemandScalerOptions scaler;
  // Observability (server/observe): the access log (empty = off, "-" = stdout) and GET /metrics.
  std::string access_log;
  uint64_t access_log_max_bytes = 100ull * 1024 * 1024;
  uint32_t access_log_max_files = 5;
  uint64_t prometheus_max_series = 10000;
  // --metrics off: no AWS/Kinesis or Sluice/API metrics are recorded (for benchmarking their cost).
  bool metrics = true;
  // --alarm-action ARN=URL: alarm actions (an SNS topic ARN, ...) delivered as webhooks.
  std::map<std::string, std::string> alarm_actions;
  // --tls auto: a private CA and server certificate under data_dir/tls, generated on first start
  // (server.cc fills http.tls_cert_file/tls_key_file from them); tls_names are extra SANs.
  bool tls_auto = false;
  std::vector<std::string> tls_names;
  // A non-loopback --host with --insecure-accept-any-credentials and without --auth verify: any
  // access key is accepted from the network (the server logs a warning banner at start).
  bool insecure_any_credentials = false;
};

// The TLS-only port when TLS is on and --tls-port is not given (an ephemeral one with --port 0).
inline constexpr uint16_t kDefaultTlsPort = 4568;

// True for the hosts only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and
// "localhost". Bound anywhere else, the server verifies signatures unless told otherwise.
bool IsLoopbackHost(std::string_view host);

struct ParseOutcome {
  bool ok = true;
  bool help = false;
  std::string error;
};

ParseOutcome ParseServeFlags(const std::vector<std::string>& args, ServerConfig* config);
std::string ServeHelpText();
// The name of every flag ParseServeFlags accepts ("--port", ...; -h/--help aside), in --help order.
std::vector<std::string_view> ServeFlagNames();

}  // namespace sluice::server
