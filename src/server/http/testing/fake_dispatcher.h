#pragma once
// A Dispatcher for transport tests: records what it received and answers with a small JSON
// echo, completing inline, from another thread, or when the test releases it.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/api/dispatcher.h"

namespace sluice::server::http::testing {

class FakeDispatcher : public api::Dispatcher {
 public:
  enum class Mode { kInline, kOtherThread, kHold };

  ~FakeDispatcher() override {
    ReleaseAll();
    for (auto& t : threads_) t.join();
  }

  void Dispatch(const api::ApiRequest& request, api::ApiResponse* response, api::Completion done) override {
    // The transport promises kBodyPadding readable bytes past the end; touch them (ASan checks).
    volatile char sink = 0;
    for (size_t i = 0; i < api::kBodyPadding; ++i) sink = sink + request.body.data()[request.body.size() + i];
    (void)sink;
    Mode mode;
    {
      std::lock_guard<std::mutex> lock(mu_);
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
        std::lock_guard<std::mutex> lock(mu_);
        threads_.emplace_back([done = std::move(done)] { done(); });
        break;
      }
      case Mode::kHold: {
        std::lock_guard<std::mutex> lock(mu_);
        held_.push_back(std::move(done));
        cv_.notify_all();
        break;
      }
    }
  }

  void set_mode(Mode m) {
    std::lock_guard<std::mutex> lock(mu_);
    mode_ = m;
  }
  // Appends the request body after the JSON echo (large-response tests). Set before use.
  void set_echo_body(bool b) { echo_body_ = b; }
  void set_error_type(std::string_view t) { error_type_ = t; }

  void WaitForHeld(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return held_.size() >= n; });
  }
  void ReleaseAll() {
    std::vector<api::Completion> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& d : held) d();
  }

  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  std::string last_operation() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_operation_;
  }
  std::string last_body() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_body_;
  }
  api::CallerIdentity last_caller() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_caller_;
  }
  protocol::BodyEncoding last_encoding() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_encoding_;
  }
  std::string last_request_id() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_request_id_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Mode mode_ = Mode::kInline;
  bool echo_body_ = false;
  std::string_view error_type_;
  int count_ = 0;
  std::string last_operation_, last_body_, last_request_id_;
  api::CallerIdentity last_caller_;
  protocol::BodyEncoding last_encoding_ = protocol::BodyEncoding::kJson;
  std::vector<std::thread> threads_;
  std::vector<api::Completion> held_;
};

}  // namespace sluice::server::http::testing
