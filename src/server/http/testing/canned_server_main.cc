// A standalone HttpServer with canned Kinesis answers, for trying real clients (AWS CLI, boto3,
// @aws-sdk/client-kinesis over h2c) against the transport alone:
//   canned_server [port] [verify]   (verify: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)
// SubscribeToShard answers with a streamed body of five text lines, one every 200 ms (not
// event-stream framing: for looking at the transport's chunking with curl -N).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "server/http/http_server.h"

namespace {

using sluice::Mutex;
using sluice::MutexLock;
using Pull = sluice::server::api::ResponseStream::Pull;

// "event <i>\n" for i in [0, 5), each once the ticker has ticked past it.
class TickingStream : public sluice::server::api::ResponseStream {
 public:
  void Start(std::function<void()> wake) override {
    MutexLock lock(&mu_);
    wake_ = std::move(wake);
  }
  Pull Next(size_t, std::string* out) override {
    MutexLock lock(&mu_);
    if (sent_ == kEvents) return Pull::kEnd;
    if (sent_ >= ticks_) return Pull::kWait;
    out->append("event ").append(std::to_string(sent_++)).append("\n");
    return Pull::kData;
  }
  void Cancel() override {
    MutexLock lock(&mu_);
    wake_ = nullptr;
  }
  // From the ticker thread. False once every event is out.
  bool Tick() {
    std::function<void()> wake;
    {
      MutexLock lock(&mu_);
      if (ticks_ == kEvents) return false;
      ++ticks_;
      wake = wake_;
    }
    if (wake) wake();
    return true;
  }

 private:
  static constexpr int kEvents = 5;
  Mutex mu_;
  std::function<void()> wake_ GUARDED_BY(mu_);
  int ticks_ GUARDED_BY(mu_) = 1;
  int sent_ GUARDED_BY(mu_) = 0;
};

// Ticks every live TickingStream every 200 ms, from its own thread.
class Ticker {
 public:
  Ticker()
      : thread_([this] {
          for (;;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            MutexLock lock(&mu_);
            if (stop_) return;
            std::erase_if(streams_, [](const std::shared_ptr<TickingStream>& s) { return !s->Tick(); });
          }
        }) {}
  ~Ticker() {
    {
      MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }
  void Add(std::shared_ptr<TickingStream> s) {
    MutexLock lock(&mu_);
    streams_.push_back(std::move(s));
  }

 private:
  Mutex mu_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<TickingStream>> streams_ GUARDED_BY(mu_);
  std::thread thread_;
};

class CannedDispatcher : public sluice::server::api::Dispatcher {
 public:
  void Dispatch(const sluice::server::api::ApiRequest& req, sluice::server::api::ApiResponse* res,
                sluice::server::api::Completion done) override {
    if (req.operation == "SubscribeToShard") {
      auto stream = std::make_shared<TickingStream>();
      ticker_.Add(stream);
      res->stream = std::move(stream);
      res->content_type = "text/plain";
    } else if (req.operation == "ListStreams") {
      res->body.append("{\"StreamNames\":[],\"HasMoreStreams\":false,\"StreamSummaries\":[]}");
    } else if (req.operation == "PutRecord") {
      res->body.append(
          "{\"SequenceNumber\":\"49590338271490256608559692538361571095921575989136588898\","
          "\"ShardId\":\"shardId-000000000000\"}");
    } else if (req.operation == "PutRecords") {
      res->body.append("{\"FailedRecordCount\":0,\"Records\":[]}");
    } else {
      res->http_status = 400;
      res->error_type = "ResourceNotFoundException";
      res->body.append("{\"__type\":\"ResourceNotFoundException\",\"message\":\"canned server\"}");
    }
    done();
  }

 private:
  Ticker ticker_;
};

}  // namespace

int main(int argc, char** argv) {
  sluice::server::http::HttpServer::Options opts;
  opts.port = argc > 1 ? static_cast<uint16_t>(std::atoi(argv[1])) : 4567;
  if (argc > 2 && std::string(argv[2]) == "verify") {
    opts.auth_mode = sluice::server::http::AuthMode::kVerify;
    opts.credentials = {{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}};
  }
  // Block before Start() so the io threads inherit the mask and sigwait() gets the signal.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  CannedDispatcher dispatcher;
  sluice::server::http::HttpServer server(opts, &dispatcher);
  sluice::Status st = server.Start();
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  std::cout << server.port() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}
