#include "server/http/connection.h"

#include <vector>

namespace sluice::server::http {

void Worker::Unregister(Connection* c) {
  connections_.erase(c);
  if (stopping_ && connections_.empty() && grace_timer_) grace_timer_->cancel();
}

size_t Worker::HeldBufferBytes() const {
  size_t total = 0;
  for (const Connection* c : connections_) total += c->HeldBufferBytes();
  return total;
}

void Worker::BeginShutdown(std::chrono::milliseconds grace) {
  stopping_ = true;
  // Copy: a connection may unregister while we iterate.
  std::vector<Connection*> live(connections_.begin(), connections_.end());
  for (Connection* c : live) c->Shutdown();
  if (connections_.empty()) return;
  grace_timer_.emplace(ioc_, grace);
  grace_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    std::vector<Connection*> left(connections_.begin(), connections_.end());
    for (Connection* c : left) c->ForceClose();
  });
}

}  // namespace sluice::server::http
