#include "server/main/server.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/log.h"
#include "base/random.h"
#include "catalog/catalog.h"
#include "server/api/api_context.h"
#include "server/api/kinesis_dispatcher.h"
#include "server/http/http_server.h"
#include "storage/memory_log_store.h"

namespace sluice::server {

Status LoadOrCreateIteratorKey(const std::string& data_dir, model::IteratorKey* key) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status(Errc::kIoError, "cannot create data dir " + data_dir + ": " + ec.message());
  std::string path = data_dir + "/iterator.key";
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    size_t n = std::fread(key->data(), 1, key->size(), f);
    std::fclose(f);
    if (n == key->size()) return Status::Ok();
    SLOG(kWarn, "server", "iterator key file is short; replacing it", {{"path", path}});
  }
  SecureRandomBytes(key->data(), key->size());
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status(Errc::kIoError, "cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = std::fwrite(key->data(), 1, key->size(), f) == key->size() && std::fflush(f) == 0 &&
            ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status(Errc::kIoError, "cannot write " + path + ": " + std::strerror(errno));
  ::chmod(path.c_str(), 0600);
  return Status::Ok();
}

Server::Server(ServerConfig config) : config_(std::move(config)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  storage::MemoryLogStoreOptions mem;
  mem.memory_limit_bytes = config_.memory_limit_bytes;
  logs_ = storage::NewMemoryLogStore(mem);
  catalog_ = std::make_unique<catalog::Catalog>(config_.catalog, SystemClock::Default(), logs_.get());
  api_ctx_ = std::make_unique<api::ApiContext>();
  api_ctx_->catalog = catalog_.get();
  api_ctx_->clock = SystemClock::Default();
  api_ctx_->options = config_.api;
  SLUICE_RETURN_IF_ERROR(LoadOrCreateIteratorKey(config_.data_dir, &api_ctx_->iterator_key));
  dispatcher_ = std::make_unique<api::KinesisDispatcher>(api_ctx_.get());
  http_ = std::make_unique<http::HttpServer>(config_.http, dispatcher_.get(), SystemClock::Default());
  SLUICE_RETURN_IF_ERROR(http_->Start());
  SLOG(kInfo, "server", "sluice listening",
       {{"host", config_.http.host},
        {"port", std::to_string(http_->port())},
        {"data_dir", config_.data_dir},
        {"region", config_.http.default_region},
        {"account_id", config_.http.default_account_id},
        {"storage", "memory"}});
  return Status::Ok();
}

void Server::Stop() {
  if (http_) http_->Stop();
}

uint16_t Server::port() const { return http_ ? http_->port() : 0; }

}  // namespace sluice::server
