// The access log's cost per API call on the io thread: formatting the line, and formatting plus
// queueing it for the writer thread (which appends to a file in /tmp meanwhile), from one and two
// threads. Multiply by the calls per second of a scenario to get the CPU it costs.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "server/observe/access_log.h"

namespace {

using namespace sluice::server;

struct Call {
  api::ApiRequest request;
  api::ApiResponse response;
  http::CallRecord record;
  Call() {
    request.operation = "PutRecords";
    request.caller = {"000000000000", "us-east-1", "AKIDSLUICETESTKEY"};
    request.received_at_ms = 1'765'130'400'123;
    response.log.stream_name = "bench-stream";
    response.log.stream_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/bench-stream";
    response.log.records = 500;
    response.log.failed_records = 0;
    record.request = &request;
    record.response = &response;
    record.target = "Kinesis_20131202.PutRecords";
    record.user_agent = "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2";
    record.source_ip = "127.0.0.1";
    record.protocol = "HTTP/1.1";
    record.request_id = "f0e1d2c3-b4a5-4968-8776-655443322110";
    record.bytes_in = 700'000;
    record.bytes_out = 40'000;
    record.latency_ns = 1'234'567;
  }
};

void BM_FormatLine(benchmark::State& state) {
  Call c;
  std::string line;
  for (auto _ : state) {
    line.clear();
    observe::FormatAccessLogLine(c.record, "6e1f2c3a-0b1d-4c2e-9f00-123456789abc", &line);
    benchmark::DoNotOptimize(line.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_FormatLine);

// OnCall as the io threads call it, with the writer thread appending to a real file.
void BM_OnCall(benchmark::State& state) {
  static std::unique_ptr<observe::AccessLog> log;
  static std::string path;
  if (state.thread_index() == 0) {
    path = (std::filesystem::temp_directory_path() / ("access_log_bench_" + std::to_string(::getpid()))).string();
    observe::AccessLogOptions o;
    o.path = path;
    o.max_bytes = 64ull * 1024 * 1024;
    o.max_files = 1;
    log = std::move(*observe::AccessLog::Open(o));
  }
  Call c;
  for (auto _ : state) log->OnCall(c.record);
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    log->Flush();
    state.counters["dropped"] = static_cast<double>(log->dropped());
    log.reset();
    std::filesystem::remove(path);
    std::filesystem::remove(path + ".1");
  }
}
BENCHMARK(BM_OnCall)->Threads(1)->UseRealTime();
BENCHMARK(BM_OnCall)->Threads(2)->UseRealTime();

}  // namespace
