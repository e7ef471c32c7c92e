// A standalone HttpServer with canned Kinesis answers, for trying real clients (AWS CLI, boto3,
// @aws-sdk/client-kinesis over h2c) against the transport alone:
//   canned_server [port] [verify]   (verify: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "server/http/http_server.h"

namespace {

class CannedDispatcher : public sluice::server::api::Dispatcher {
 public:
  void Dispatch(const sluice::server::api::ApiRequest& req, sluice::server::api::ApiResponse* res,
                sluice::server::api::Completion done) override {
    if (req.operation == "ListStreams") {
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
