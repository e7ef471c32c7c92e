#include "alarms/webhook_notifier.h"

#include "base/log.h"

namespace sluice::alarms {

WebhookNotifier::WebhookNotifier(WebhookOptions options) : options_(std::move(options)) {
  if (!options_.post) {
    auto timeout = options_.timeout;
    options_.post = [timeout](const Notification& n) { return HttpPost(n.url, n.headers, n.body, timeout); };
  }
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

WebhookNotifier::~WebhookNotifier() { Stop(); }

void WebhookNotifier::Start() {
  MutexLock lock(&mu_);
  if (worker_.joinable() || stopping_) return;
  worker_ = std::thread([this] { Run(); });
}

void WebhookNotifier::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    stats_.failed += queue_.size();
    queue_.clear();
  }
  cv_.SignalAll();
  if (worker_.joinable()) worker_.join();
}

bool WebhookNotifier::Enqueue(Notification n) {
  {
    MutexLock lock(&mu_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      ++stats_.dropped;
      SLOG(kWarn, "alarms", "notification dropped: queue full",
           {{"alarm", n.alarm_name}, {"action", n.action_arn}, {"capacity", std::to_string(options_.queue_capacity)}});
      return false;
    }
    ++stats_.enqueued;
    queue_.push_back(std::move(n));
  }
  cv_.Signal();
  return true;
}

WebhookStats WebhookNotifier::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

Status WebhookNotifier::Deliver(Notification& n, bool wait) {
  std::chrono::milliseconds backoff = options_.initial_backoff;
  Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    last = options_.post(n);
    if (last.ok()) return last;
    SLOG(kWarn, "alarms", "webhook attempt failed",
         {{"alarm", n.alarm_name},
          {"action", n.action_arn},
          {"attempt", std::to_string(attempt)},
          {"error", last.message()}});
    if (attempt == options_.max_attempts) break;
    MutexLock lock(&mu_);
    ++stats_.retries;
    if (wait) {
      // Waiting out the backoff; Stop() cuts it short.
      cv_.WaitFor(&mu_, backoff);
      if (stopping_) break;
    }
    backoff *= 2;
  }
  return last;
}

void WebhookNotifier::Finish(Notification& n, bool wait) {
  Status s = Deliver(n, wait);
  {
    MutexLock lock(&mu_);
    if (s.ok()) ++stats_.delivered;
    else ++stats_.failed;
  }
  if (options_.on_done) options_.on_done(n, s);
}

void WebhookNotifier::Run() {
  for (;;) {
    Notification n;
    {
      MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(&mu_);
      if (stopping_) return;
      n = std::move(queue_.front());
      queue_.pop_front();
    }
    Finish(n, /*wait=*/true);
  }
}

void WebhookNotifier::DeliverPendingForTest() {
  for (;;) {
    Notification n;
    {
      MutexLock lock(&mu_);
      if (queue_.empty()) return;
      n = std::move(queue_.front());
      queue_.pop_front();
    }
    Finish(n, /*wait=*/false);
  }
}

}  // namespace sluice::alarms
