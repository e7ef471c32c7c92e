#include "server/http/wake_relay.h"

#include <boost/asio/post.hpp>

namespace sluice::server::http {

std::function<void()> WakeRelay::MakeWake(uint64_t token) {
  auto entry = std::make_shared<Entry>();
  entry->relay = shared_from_this();
  entry->token = token;
  return [entry] { entry->relay->Wake(entry); };
}

void WakeRelay::Wake(const std::shared_ptr<Entry>& entry) {
  // Cleared by Run() before the handler looks at the stream, so a wake that races with the
  // handler is queued again rather than lost.
  if (entry->queued.exchange(true, std::memory_order_acq_rel)) return;
  MutexLock lock(&mu_);
  if (!open_) return;
  queue_.push_back(entry);
  if (posted_) return;
  posted_ = true;
  boost::asio::post(ioc_, [self = shared_from_this()] { self->Run(); });
}

void WakeRelay::Run() {
  {
    MutexLock lock(&mu_);
    posted_ = false;
    batch_.swap(queue_);
  }
  tokens_.clear();
  for (const auto& e : batch_) {
    e->queued.store(false, std::memory_order_release);
    tokens_.push_back(e->token);
  }
  batch_.clear();
  if (live_ && !tokens_.empty()) handler_(tokens_);
}

void WakeRelay::Close() {
  // handler_ stays: Close() may run inside it (the connection closing while handling a wake).
  live_ = false;
  MutexLock lock(&mu_);
  open_ = false;
  queue_.clear();
}

void AbandonResponseStream(std::shared_ptr<api::ResponseStream> source) {
  if (source == nullptr) return;
  source->Start([] {});
  source->Cancel();
}

}  // namespace sluice::server::http
