#pragma once
// Command-line configuration of `sluice serve`, parsed into the per-module options structs.
#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/on_demand_scaler.h"
#include "limits/limits_config.h"
#include "server/api/api_context.h"
#include "server/http/http_options.h"
#include "storage/disk_log_store.h"

namespace sluice::server {

struct ServerConfig {
  std::string data_dir = "./data";
  std::string storage = "disk";  // "disk" | "memory"
  std::string log_level = "info";
  http::HttpServerOptions http;
  catalog::CatalogOptions catalog;
  api::ApiOptions api;
  storage::DiskLogStoreOptions disk;  // dir is filled in from data_dir at start
  int64_t retention_check_ms = 60 * 1000;
  uint64_t memory_limit_bytes = 0;  // 0 = unlimited (in-memory storage backend)
  std::string limits_mode = "aws";  // "aws" | "off" | "custom"
  limits::LimitsConfig limits;      // data_plane / control_plane resolved from the mode flags
  api::FaultConfig faults;
  bool on_demand_scaling = true;
  int64_t on_demand_scaling_interval_ms = 1000;
  // Rates are taken from `limits` at start; the timing fields come from the flags.
  catalog::OnDemandScalerOptions scaler;
};

struct ParseOutcome {
  bool ok = true;
  bool help = false;
  std::string error;
};

ParseOutcome ParseServeFlags(const std::vector<std::string>& args, ServerConfig* config);
std::string ServeHelpText();

}  // namespace sluice::server
