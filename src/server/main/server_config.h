#pragma once
// Command-line configuration of `sluice serve`, parsed into the per-module options structs.
#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "server/api/api_context.h"
#include "server/http/http_options.h"

namespace sluice::server {

struct ServerConfig {
  std::string data_dir = "./data";
  std::string log_level = "info";
  http::HttpServerOptions http;
  catalog::CatalogOptions catalog;
  api::ApiOptions api;
  uint64_t memory_limit_bytes = 0;  // 0 = unlimited (in-memory storage backend)
};

struct ParseOutcome {
  bool ok = true;
  bool help = false;
  std::string error;
};

ParseOutcome ParseServeFlags(const std::vector<std::string>& args, ServerConfig* config);
std::string ServeHelpText();

}  // namespace sluice::server
