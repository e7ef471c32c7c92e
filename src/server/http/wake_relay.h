#pragma once
// Carries api::ResponseStream wake-ups from any thread to the connection's thread. One relay per
// connection, one token per streamed response (the HTTP/2 stream id, or a per-connection counter
// over HTTP/1.1). Wake-ups are coalesced twice: a token already queued is not queued again, and
// one post to the io_context carries every token queued meanwhile, so a commit that wakes 1,000
// subscriptions on one connection costs one handler and one write there.
//
// A wake function may outlive the connection (the source keeps it until it sees Cancel or kEnd,
// or later): it keeps the relay alive, and after Close() it does nothing. Close() runs on the
// connection's thread while the connection, and so its io_context, still exist; the relay posts
// only under its mutex and only while open, so it never posts to a destroyed io_context.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "server/api/dispatcher.h"

namespace sluice::server::http {

class WakeRelay : public std::enable_shared_from_this<WakeRelay> {
 public:
  // Runs on `ioc`'s thread with the tokens woken since the last call (each once).
  using Handler = std::function<void(const std::vector<uint64_t>& tokens)>;

  WakeRelay(boost::asio::io_context& ioc, Handler handler) : ioc_(ioc), handler_(std::move(handler)) {}

  // The function for ResponseStream::Start: callable from any thread, any number of times.
  std::function<void()> MakeWake(uint64_t token);

  // On the connection's thread: no handler runs and nothing is posted after this. Idempotent.
  void Close();

 private:
  struct Entry {
    std::shared_ptr<WakeRelay> relay;
    uint64_t token;
    std::atomic<bool> queued{false};
  };
  void Wake(const std::shared_ptr<Entry>& entry);
  void Run();  // the posted handler

  boost::asio::io_context& ioc_;
  Handler handler_;                            // connection thread only
  bool live_ = true;                           // connection thread only: false once Close() ran
  std::vector<std::shared_ptr<Entry>> batch_;  // connection thread only (reused)
  std::vector<uint64_t> tokens_;               // connection thread only (reused)
  Mutex mu_;
  bool open_ GUARDED_BY(mu_) = true;
  bool posted_ GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Entry>> queue_ GUARDED_BY(mu_);
};

// A source the transport will not send (the client left, or the status is not 200, before the
// dispatcher finished): started and cancelled at once, so every source the dispatcher hands
// over sees Start and then kEnd or Cancel.
void AbandonResponseStream(std::shared_ptr<api::ResponseStream> source);

}  // namespace sluice::server::http
