#pragma once
// Delivers alarm notifications to webhooks off the evaluation path: a bounded queue (a full
// queue drops the notification and counts it), one worker thread, and retries with exponential
// backoff.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "alarms/http_post.h"
#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace sluice::alarms {

struct Notification {
  std::string alarm_name;
  std::string action_arn;
  std::string url;
  Headers headers;
  std::string body;
};

struct WebhookOptions {
  size_t queue_capacity = 1000;
  int max_attempts = 4;  // first try + 3 retries
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds timeout{5000};
  // The transport; HttpPost unless a test injects one.
  std::function<Status(const Notification&)> post;
  // Called once per notification with the final outcome (from the worker thread).
  std::function<void(const Notification&, const Status&)> on_done;
};

struct WebhookStats {
  uint64_t enqueued = 0;
  uint64_t delivered = 0;
  uint64_t failed = 0;   // gave up after max_attempts
  uint64_t dropped = 0;  // queue full
  uint64_t retries = 0;
};

class WebhookNotifier {
 public:
  explicit WebhookNotifier(WebhookOptions options);
  ~WebhookNotifier();  // Stop()
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  void Start() EXCLUDES(mu_);
  // Stops the worker; notifications still queued are abandoned (counted as failed).
  void Stop() EXCLUDES(mu_);
  // False (and counted as dropped) when the queue is full.
  bool Enqueue(Notification n) EXCLUDES(mu_);
  // Delivers everything queued on the calling thread, retrying without waiting (tests).
  void DeliverPendingForTest() EXCLUDES(mu_);
  WebhookStats stats() const EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);
  Status Deliver(Notification& n, bool wait) EXCLUDES(mu_);
  // Delivers with retries, counts the outcome and reports it to on_done.
  void Finish(Notification& n, bool wait) EXCLUDES(mu_);

  WebhookOptions options_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<Notification> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  WebhookStats stats_ GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace sluice::alarms
