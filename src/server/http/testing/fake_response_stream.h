#pragma once
// A ResponseStream and a Dispatcher returning it, for the transport's streaming tests. The
// stream emits `messages` messages of `message_size` bytes ("m<index>:" + filler + "\n"), one
// per Next (split when max_bytes is smaller); messages become ready as the test Release()s them
// (from its own thread, as the fan-out core wakes from commit threads), and the source answers
// kWait until then. It counts what the transport did: Start, Next, Cancel, bytes pulled, and
// any call that breaks the contract.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "server/api/dispatcher.h"

namespace sluice::server::http::testing {

inline constexpr std::string_view kEventStreamType = "application/vnd.amazon.eventstream";

// The bytes of message i of a FakeResponseStream.
inline std::string FakeMessage(int i, size_t size) {
  std::string m = "m" + std::to_string(i) + ":";
  if (m.size() + 1 < size) m.append(size - m.size() - 1, static_cast<char>('a' + i % 26));
  m.push_back('\n');
  return m;
}

class FakeResponseStream : public api::ResponseStream {
 public:
  struct Options {
    int messages = 5;
    size_t message_size = 100;
    int ready = 1;               // messages ready before the first Next
    bool end_with_last = false;  // kEnd together with the last message's bytes
  };
  explicit FakeResponseStream(Options o) : o_(o), ready_(o.ready) {}

  void Start(std::function<void()> wake) override {
    MutexLock lock(&mu_);
    if (starts_++ > 0 || over_) ++violations_;
    wake_ = wake;
    kept_wake_ = std::move(wake);
    changed_.SignalAll();
  }

  Pull Next(size_t max_bytes, std::string* out) override {
    MutexLock lock(&mu_);
    ++next_calls_;
    if (starts_ == 0 || over_ || max_bytes == 0) ++violations_;
    changed_.SignalAll();
    if (next_ == o_.messages) return End();
    if (next_ >= ready_) return Pull::kWait;
    if (current_.empty()) current_ = FakeMessage(next_, o_.message_size);
    const size_t n = std::min(max_bytes, current_.size() - offset_);
    out->append(current_, offset_, n);
    offset_ += n;
    pulled_ += n;
    if (offset_ == current_.size()) {
      current_.clear();
      offset_ = 0;
      ++next_;
      if (o_.end_with_last && next_ == o_.messages) return End();
    }
    return Pull::kData;
  }

  void Cancel() override {
    MutexLock lock(&mu_);
    ++cancels_;
    if (starts_ == 0 || over_) ++violations_;
    over_ = true;
    wake_ = nullptr;
    changed_.SignalAll();
  }

  // From any thread: n more messages are ready. Wakes the transport (outside the lock, as a
  // real source would, and also after the stream is over: the wake must then do nothing).
  void Release(int n) {
    std::function<void()> wake;
    {
      MutexLock lock(&mu_);
      ready_ = std::min(o_.messages, ready_ + n);
      wake = wake_;
    }
    if (wake) wake();
  }
  // Makes the rest ready.
  void ReleaseAll() { Release(o_.messages); }
  // Calls the wake given to Start, even after Cancel or kEnd, as a source that has not yet
  // noticed may (also after the connection, or the whole server, is gone).
  void WakeLate() {
    std::function<void()> wake;
    {
      MutexLock lock(&mu_);
      wake = kept_wake_;
    }
    if (wake) wake();
  }
  // Calls the stored wake without releasing anything (spurious wakes must be harmless).
  void WakeOnly() {
    std::function<void()> wake;
    {
      MutexLock lock(&mu_);
      wake = wake_;
    }
    if (wake) wake();
  }

  void WaitForCancel() {
    MutexLock lock(&mu_);
    while (cancels_ == 0) changed_.Wait(&mu_);
  }
  void WaitForEnd() {
    MutexLock lock(&mu_);
    while (!ended_) changed_.Wait(&mu_);
  }
  void WaitForNextCalls(int n) {
    MutexLock lock(&mu_);
    while (next_calls_ < n) changed_.Wait(&mu_);
  }

  int starts() {
    MutexLock lock(&mu_);
    return starts_;
  }
  int cancels() {
    MutexLock lock(&mu_);
    return cancels_;
  }
  int violations() {
    MutexLock lock(&mu_);
    return violations_;
  }
  bool ended() {
    MutexLock lock(&mu_);
    return ended_;
  }
  size_t bytes_pulled() {
    MutexLock lock(&mu_);
    return pulled_;
  }
  int next_calls() {
    MutexLock lock(&mu_);
    return next_calls_;
  }
  const Options& options() const { return o_; }

 private:
  Pull End() REQUIRES(mu_) {
    ended_ = over_ = true;
    wake_ = nullptr;
    return Pull::kEnd;
  }

  const Options o_;
  Mutex mu_;
  CondVar changed_;
  std::function<void()> wake_ GUARDED_BY(mu_);       // cleared when the stream is over
  std::function<void()> kept_wake_ GUARDED_BY(mu_);  // never cleared
  int ready_ GUARDED_BY(mu_);
  int next_ GUARDED_BY(mu_) = 0;  // next message to start
  std::string current_ GUARDED_BY(mu_);
  size_t offset_ GUARDED_BY(mu_) = 0;
  size_t pulled_ GUARDED_BY(mu_) = 0;
  int starts_ GUARDED_BY(mu_) = 0;
  int next_calls_ GUARDED_BY(mu_) = 0;
  int cancels_ GUARDED_BY(mu_) = 0;
  int violations_ GUARDED_BY(mu_) = 0;
  bool ended_ GUARDED_BY(mu_) = false;
  bool over_ GUARDED_BY(mu_) = false;  // kEnd returned or cancelled
};

// Answers SubscribeToShard with a FakeResponseStream, completing from its own thread (as the
// real handler does after its checks); any other operation inline with a small JSON body.
class StreamingDispatcher : public api::Dispatcher {
 public:
  explicit StreamingDispatcher(FakeResponseStream::Options o = {}) : options_(o) {
    completer_ = std::thread([this] { CompleteLoop(); });
  }
  ~StreamingDispatcher() override {
    {
      MutexLock lock(&mu_);
      stopping_ = true;
      changed_.SignalAll();
    }
    completer_.join();
  }

  void set_options(FakeResponseStream::Options o) {
    MutexLock lock(&mu_);
    options_ = o;
  }

  void Dispatch(const api::ApiRequest& request, api::ApiResponse* response, api::Completion done) override {
    if (request.operation != "SubscribeToShard") {
      response->body.append("{\"Operation\":\"").append(request.operation).append("\"}");
      return done();
    }
    MutexLock lock(&mu_);
    auto stream = std::make_shared<FakeResponseStream>(options_);
    streams_.push_back(stream);
    response->stream = std::move(stream);
    response->content_type = kEventStreamType;
    to_complete_.push_back(std::move(done));
    changed_.SignalAll();
  }

  // Waits until n streams have been handed out; returns them (in dispatch order).
  std::vector<std::shared_ptr<FakeResponseStream>> WaitForStreams(size_t n) {
    MutexLock lock(&mu_);
    while (streams_.size() < n) changed_.Wait(&mu_);
    return streams_;
  }

 private:
  void CompleteLoop() {
    for (;;) {
      std::vector<api::Completion> batch;
      {
        MutexLock lock(&mu_);
        while (to_complete_.empty() && !stopping_) changed_.Wait(&mu_);
        if (to_complete_.empty()) return;
        batch.swap(to_complete_);
      }
      for (auto& done : batch) done();
    }
  }

  Mutex mu_;
  CondVar changed_;
  FakeResponseStream::Options options_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<FakeResponseStream>> streams_ GUARDED_BY(mu_);
  std::vector<api::Completion> to_complete_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread completer_;
};

}  // namespace sluice::server::http::testing
