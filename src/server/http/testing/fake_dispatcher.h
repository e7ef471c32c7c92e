#pragma once
// A Dispatcher for transport tests: records what it received and answers with a small JSON
// echo, completing inline, from another thread, or when the test releases it.
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "server/api/dispatcher.h"

namespace sluice::server::http::testing {

class FakeDispatcher : public api::Dispatcher {
 public:
  enum class Mode { kInline, kOtherThread, kHold };

  ~FakeDispatcher() override {
    ReleaseAll();
    std::vector<std::thread> threads;
    {
      MutexLock lock(&mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  void Dispatch(const api::ApiRequest& request, api::ApiResponse* response, api::Completion done) override {
    // The transport promises kBodyPadding readable bytes past the end; touch them (ASan checks).
    volatile char sink = 0;
    for (size_t i = 0; i < api::kBodyPadding; ++i) sink = sink + request.body.data()[request.body.size() + i];
    (void)sink;
    Mode mode;
    {
      MutexLock lock(&mu_);
      ++count_;
      last_operation_ = std::string(request.operation);
      last_body_ = std::string(request.body);
      last_caller_ = request.caller;
      last_encoding_ = request.encoding;
      last_request_id_ = std::string(request.request_id);
      mode = mode_;
    }
    response->body.append("{\"Operation\":\"").append(request.operation).append("\",\"Size\":");
    response->body.append(std::to_string(request.body.size())).append("}");
    if (echo_body_) response->body.append(request.body);
    if (!error_type_.empty()) {
      response->http_status = 400;
      response->error_type = error_type_;
    }
    switch (mode) {
      case Mode::kInline: done(); break;
      case Mode::kOtherThread: {
        MutexLock lock(&mu_);
        threads_.emplace_back([done = std::move(done)] { done(); });
        break;
      }
      case Mode::kHold: {
        MutexLock lock(&mu_);
        held_.push_back(std::move(done));
        held_changed_.SignalAll();
        break;
      }
    }
  }

  void set_mode(Mode m) {
    MutexLock lock(&mu_);
    mode_ = m;
  }
  // Appends the request body after the JSON echo (large-response tests). Set before use.
  void set_echo_body(bool b) { echo_body_ = b; }
  void set_error_type(std::string_view t) { error_type_ = t; }

  void WaitForHeld(size_t n) {
    MutexLock lock(&mu_);
    while (held_.size() < n) held_changed_.Wait(&mu_);
  }
  void ReleaseAll() {
    std::vector<api::Completion> held;
    {
      MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (auto& d : held) d();
  }

  int count() {
    MutexLock lock(&mu_);
    return count_;
  }
  std::string last_operation() {
    MutexLock lock(&mu_);
    return last_operation_;
  }
  std::string last_body() {
    MutexLock lock(&mu_);
    return last_body_;
  }
  api::CallerIdentity last_caller() {
    MutexLock lock(&mu_);
    return last_caller_;
  }
  protocol::BodyEncoding last_encoding() {
    MutexLock lock(&mu_);
    return last_encoding_;
  }
  std::string last_request_id() {
    MutexLock lock(&mu_);
    return last_request_id_;
  }

 private:
  Mutex mu_;
  CondVar held_changed_;
  Mode mode_ GUARDED_BY(mu_) = Mode::kInline;
  // Set before requests arrive, read without the lock.
  bool echo_body_ = false;
  std::string_view error_type_;
  int count_ GUARDED_BY(mu_) = 0;
  std::string last_operation_ GUARDED_BY(mu_);
  std::string last_body_ GUARDED_BY(mu_);
  std::string last_request_id_ GUARDED_BY(mu_);
  api::CallerIdentity last_caller_ GUARDED_BY(mu_);
  protocol::BodyEncoding last_encoding_ GUARDED_BY(mu_) = protocol::BodyEncoding::kJson;
  std::vector<std::thread> threads_ GUARDED_BY(mu_);
  std::vector<api::Completion> held_ GUARDED_BY(mu_);
};

}  // namespace sluice::server::http::testing
