#pragma once
// The API call log (--access-log): one JSON line per call with CloudTrail-like fields. The io
// thread formats the line and appends it to a bounded in-memory batch (one short lock, no
// wake-up); a writer thread takes the batch every 100 ms (sooner when it is half full), appends
// it to the file and rotates the file by size. When the batch is full (the disk or
// stdout cannot keep up) lines are dropped and counted rather than slowing the API down.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "server/http/observer.h"

namespace sluice::server::observe {

struct AccessLogOptions {
  std::string path;                           // "-" = standard output (never rotated)
  uint64_t max_bytes = 100ull * 1024 * 1024;  // rotate before the file would grow past this
  uint32_t max_files = 5;                     // rotated files kept: path.1 (newest) .. path.N
  size_t queue_bytes = 8 * 1024 * 1024;       // formatted lines waiting for the writer
};

// Appends one line (with '\n') for `call` to *out. `event_id` is a UUID (36 chars). Never writes
// record data: request parameters come from the handlers' CallLogFields only.
void FormatAccessLogLine(const http::CallRecord& call, std::string_view event_id, std::string* out);

// The CloudTrail eventName: the routed operation, else the one named by X-Amz-Target or (AWS
// Query) the Action form field, else "".
std::string_view CallEventName(const http::CallRecord& call);

class AccessLog final : public http::CallObserver {
 public:
  // Opens (appends to) the file and starts the writer thread.
  static Result<std::unique_ptr<AccessLog>> Open(AccessLogOptions options);
  ~AccessLog() override;  // writes what is queued, then stops
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void OnCall(const http::CallRecord& call) override;

  // Blocks until every line queued before the call has been written (tests, shutdown).
  void Flush();

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  explicit AccessLog(AccessLogOptions options);
  Status OpenFile();
  void WriterLoop();
  // Appends to the file, rotating first when it would pass max_bytes. Writer thread only.
  void WriteBatch(const std::string& batch);
  void Rotate();

  const AccessLogOptions options_;
  int fd_ = -1;             // writer thread (and Open) only
  uint64_t file_size_ = 0;  // writer thread only

  Mutex mu_;
  CondVar wake_;     // writer: work or stop
  CondVar flushed_;  // Flush(): a batch was written
  std::string pending_ GUARDED_BY(mu_);
  size_t pending_lines_ GUARDED_BY(mu_) = 0;
  uint64_t queued_seq_ GUARDED_BY(mu_) = 0;   // lines accepted
  uint64_t written_seq_ GUARDED_BY(mu_) = 0;  // lines handed to write()
  bool stop_ GUARDED_BY(mu_) = false;
  int flush_requests_ GUARDED_BY(mu_) = 0;  // Flush() calls waiting

  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> write_errors_{0};
  std::thread writer_;
};

}  // namespace sluice::server::observe
