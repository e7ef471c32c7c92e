#include "server/observe/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "base/json_escape.h"
#include "base/log.h"
#include "base/random.h"
#include "base/time_format.h"

namespace sluice::server::observe {

namespace {

constexpr std::chrono::milliseconds kWriterPeriod{100};
constexpr std::string_view kCloudWatchTargetPrefix = "GraniteServiceVersion20100801.";

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// Milliseconds with microsecond precision: "12.345".
void AppendMillis(std::string* out, int64_t nanos) {
  if (nanos < 0) nanos = 0;
  const int64_t micros = nanos / 1000;
  AppendInt(out, micros / 1000);
  char frac[4] = {'.', static_cast<char>('0' + micros / 100 % 10), static_cast<char>('0' + micros / 10 % 10),
                  static_cast<char>('0' + micros % 10)};
  out->append(frac, 4);
}

void AppendKey(std::string* out, std::string_view key) {
  out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

// "key":"value", or "key":null for an empty value.
void AppendStringField(std::string* out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  if (value.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, value);
  }
}

bool IsCloudWatch(const http::CallRecord& call) {
  if (call.request != nullptr && call.request->service == api::Service::kCloudWatch) return true;
  return call.target.substr(0, kCloudWatchTargetPrefix.size()) == kCloudWatchTargetPrefix;
}

// The value of `Action` in a form-encoded body (AWS Query); operation names need no decoding.
std::string_view FormAction(std::string_view body) {
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(pos, end - pos);
    if (pair.substr(0, 7) == "Action=") return pair.substr(7);
    pos = end + 1;
  }
  return {};
}

// The error message of an error body the dispatcher encoded without reporting it in CallLogFields:
// appends it as a JSON string and returns true, or returns false. JSON bodies hold it as an already
// escaped literal; CBOR bodies as a text string.
bool AppendBodyMessage(std::string* out, const api::ApiRequest& req, std::string_view body) {
  if (req.encoding == protocol::BodyEncoding::kCbor) {
    for (std::string_view key : {std::string_view("\x67message", 8), std::string_view("\x67Message", 8)}) {
      size_t pos = body.find(key);
      if (pos == std::string_view::npos) continue;
      pos += key.size();
      if (pos >= body.size()) return false;
      const auto head = static_cast<uint8_t>(body[pos]);
      size_t len = 0, skip = 1;
      if (head >= 0x60 && head <= 0x77) {
        len = head - 0x60;
      } else if (head == 0x78 && pos + 1 < body.size()) {
        len = static_cast<uint8_t>(body[pos + 1]);
        skip = 2;
      } else if (head == 0x79 && pos + 2 < body.size()) {
        len = static_cast<size_t>(static_cast<uint8_t>(body[pos + 1])) << 8 | static_cast<uint8_t>(body[pos + 2]);
        skip = 3;
      } else {
        return false;
      }
      if (pos + skip + len > body.size()) return false;
      AppendJsonString(out, body.substr(pos + skip, len));
      return true;
    }
    return false;
  }
  for (std::string_view key : {std::string_view("\"message\":"), std::string_view("\"Message\":")}) {
    size_t pos = body.find(key);
    if (pos == std::string_view::npos) continue;
    pos += key.size();
    while (pos < body.size() && body[pos] == ' ') ++pos;
    if (pos >= body.size() || body[pos] != '"') return false;
    size_t end = pos + 1;
    while (end < body.size() && body[end] != '"') end += body[end] == '\\' ? 2 : 1;
    if (end >= body.size()) return false;
    out->append(body.substr(pos, end + 1 - pos));
    return true;
  }
  return false;
}

// The raw JSON literal (quotes included) of a top-level string member `"key": "..."` found in the
// first or last kScanBytes of a JSON body, or "". A fallback for calls whose handler did not fill
// CallLogFields: bounded, so a 5 MiB PutRecords costs no more than a small call, and safe against
// record data, which is base64 or a JSON string and so cannot contain an unescaped `"key":`.
constexpr size_t kScanBytes = 1024;

std::string_view FindStringMember(std::string_view body, std::string_view quoted_key) {
  auto scan = [&](std::string_view part) -> std::string_view {
    size_t pos = part.find(quoted_key);
    if (pos == std::string_view::npos) return {};
    pos += quoted_key.size();
    while (pos < part.size() && (part[pos] == ' ' || part[pos] == '\t')) ++pos;
    if (pos >= part.size() || part[pos] != ':') return {};
    ++pos;
    while (pos < part.size() && (part[pos] == ' ' || part[pos] == '\t')) ++pos;
    if (pos >= part.size() || part[pos] != '"') return {};
    size_t end = pos + 1;
    while (end < part.size() && part[end] != '"') end += part[end] == '\\' ? 2 : 1;
    if (end >= part.size()) return {};
    return part.substr(pos, end + 1 - pos);
  };
  std::string_view found = scan(body.substr(0, kScanBytes));
  if (found.empty() && body.size() > kScanBytes) found = scan(body.substr(body.size() - kScanBytes));
  return found;
}

}  // namespace

std::string_view CallEventName(const http::CallRecord& call) {
  if (call.request != nullptr && !call.request->operation.empty()) return call.request->operation;
  std::string_view t = call.target;
  size_t dot = t.find('.');
  if (dot != std::string_view::npos && dot + 1 < t.size()) return t.substr(dot + 1);
  if (call.request != nullptr && call.request->service == api::Service::kCloudWatch &&
      call.request->wire == api::Wire::kAwsQuery) {
    return FormAction(call.request->body);
  }
  return {};
}

void FormatAccessLogLine(const http::CallRecord& call, std::string_view event_id, std::string* out) {
  const api::ApiRequest* req = call.request;
  const api::ApiResponse* resp = call.response;
  const bool cloudwatch = IsCloudWatch(call);
  out->append("{\"eventVersion\":\"1.08\"");
  AppendKey(out, "eventTime");
  char time[kIso8601MillisSize];
  FormatIso8601Millis(req != nullptr ? req->received_at_ms : 0, time);
  out->push_back('"');
  out->append(time, sizeof(time));
  out->push_back('"');
  AppendStringField(out, "eventSource", cloudwatch ? "monitoring.amazonaws.com" : "kinesis.amazonaws.com");
  AppendStringField(out, "eventName", CallEventName(call));
  AppendStringField(out, "eventType", "AwsApiCall");
  std::string_view region, account, key;
  if (req != nullptr) {
    region = req->caller.region;
    account = req->caller.account_id;
    key = req->caller.access_key_id;
  }
  AppendStringField(out, "awsRegion", region);
  AppendStringField(out, "sourceIPAddress", call.source_ip);
  AppendStringField(out, "userAgent", call.user_agent);
  AppendKey(out, "userIdentity");
  out->append("{\"type\":\"IAMUser\"");
  AppendStringField(out, "accessKeyId", key);
  AppendStringField(out, "accountId", account);
  out->push_back('}');

  // requestParameters: what the handler reported (never record data).
  AppendKey(out, "requestParameters");
  const api::CallLogFields* log = resp != nullptr ? &resp->log : nullptr;
  const bool get_records = CallEventName(call) == "GetRecords";
  bool any = false;
  auto begin_field = [&](std::string_view k) {
    out->append(any ? "," : "{");
    any = true;
    out->push_back('"');
    out->append(k);
    out->append("\":");
  };
  if (log != nullptr) {
    if (!log->stream_name.empty()) {
      begin_field("streamName");
      AppendJsonString(out, log->stream_name);
    }
    if (!log->stream_arn.empty()) {
      begin_field("streamARN");
      AppendJsonString(out, log->stream_arn);
    }
    if (!log->shard_id.empty()) {
      begin_field("shardId");
      AppendJsonString(out, log->shard_id);
    }
    if (!log->consumer_name.empty()) {
      begin_field("consumerName");
      AppendJsonString(out, log->consumer_name);
    }
    if (log->records >= 0 && !get_records) {
      begin_field("recordCount");
      AppendInt(out, log->records);
    }
  }
  // Handlers that report nothing: the stream and shard named at the top level of a JSON request.
  const bool reported = log != nullptr && (!log->stream_name.empty() || !log->stream_arn.empty() ||
                                           !log->shard_id.empty() || !log->consumer_name.empty());
  if (!reported && req != nullptr && req->encoding == protocol::BodyEncoding::kJson && !cloudwatch) {
    for (auto [key, name] : {std::pair<std::string_view, std::string_view>{"\"StreamName\"", "streamName"},
                             {"\"StreamARN\"", "streamARN"},
                             {"\"ShardId\"", "shardId"}}) {
      std::string_view literal = FindStringMember(req->body, key);
      if (literal.empty()) continue;
      begin_field(name);
      out->append(literal);
    }
  }
  out->append(any ? "}" : "null");

  // responseElements: counts the handler already had (GetRecords records, PutRecords failures).
  AppendKey(out, "responseElements");
  any = false;
  if (log != nullptr) {
    if (log->records >= 0 && get_records) {
      begin_field("recordCount");
      AppendInt(out, log->records);
    }
    if (log->failed_records >= 0) {
      begin_field("failedRecordCount");
      AppendInt(out, log->failed_records);
    }
  }
  out->append(any ? "}" : "null");

  if (!call.error_type.empty() || call.http_status >= 400) {
    AppendStringField(out, "errorCode", call.error_type);
    if (log != nullptr && !log->error_message.empty()) {
      AppendStringField(out, "errorMessage", log->error_message);
    } else {
      AppendKey(out, "errorMessage");
      if (req == nullptr || resp == nullptr || !AppendBodyMessage(out, *req, resp->body)) out->append("null");
    }
  }
  AppendStringField(out, "requestID", call.request_id);
  AppendStringField(out, "eventID", event_id);
  AppendStringField(out, "recipientAccountId", account);
  AppendKey(out, "latency");
  AppendMillis(out, call.latency_ns);
  AppendKey(out, "bytesIn");
  AppendInt(out, static_cast<int64_t>(call.bytes_in));
  AppendKey(out, "bytesOut");
  AppendInt(out, static_cast<int64_t>(call.bytes_out));
  AppendKey(out, "httpStatus");
  AppendInt(out, call.http_status);
  AppendStringField(out, "protocol", call.protocol);
  out->append("}\n");
}

AccessLog::AccessLog(AccessLogOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<AccessLog>> AccessLog::Open(AccessLogOptions options) {
  if (options.path.empty()) return Status(Errc::kInvalidArgument, "access log path is empty");
  std::unique_ptr<AccessLog> log(new AccessLog(std::move(options)));
  SLUICE_RETURN_IF_ERROR(log->OpenFile());
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  return log;
}

AccessLog::~AccessLog() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  wake_.Signal();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
}

Status AccessLog::OpenFile() {
  if (options_.path == "-") {
    fd_ = STDOUT_FILENO;
    return Status::Ok();
  }
  fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    return Status(Errc::kIoError,
                  "cannot open access log " + options_.path + ": " + std::generic_category().message(errno));
  }
  off_t end = ::lseek(fd_, 0, SEEK_END);
  file_size_ = end > 0 ? static_cast<uint64_t>(end) : 0;
  return Status::Ok();
}

void AccessLog::OnCall(const http::CallRecord& call) {
  // Formatted outside the lock into a per-thread buffer that keeps its capacity.
  thread_local std::string line;
  line.clear();
  char id[36];
  const uint64_t hi = FastRandom64(), lo = FastRandom64();
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0, bit = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      id[i] = '-';
      continue;
    }
    uint64_t word = bit < 64 ? hi : lo;
    id[i] = kHex[(word >> (bit % 64)) & 0xf];
    bit += 4;
  }
  id[14] = '4';                         // version 4
  id[19] = kHex[8 | (lo >> 60 & 0x3)];  // variant 10xx
  FormatAccessLogLine(call, std::string_view(id, sizeof(id)), &line);
  bool wake = false;
  {
    MutexLock lock(&mu_);
    const size_t before = pending_.size();
    if (before + line.size() > options_.queue_bytes) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pending_.append(line);
    ++pending_lines_;
    ++queued_seq_;
    // The writer wakes on its own every kWriterPeriod; it is signalled (a futex call) only when
    // the batch crosses half the queue, so the io threads normally pay no wake-up.
    wake = before <= options_.queue_bytes / 2 && pending_.size() > options_.queue_bytes / 2;
  }
  if (wake) wake_.Signal();
}

void AccessLog::Flush() {
  MutexLock lock(&mu_);
  const uint64_t target = queued_seq_;
  ++flush_requests_;
  wake_.Signal();
  while (written_seq_ < target && !stop_) flushed_.Wait(&mu_);
  --flush_requests_;
}

void AccessLog::WriterLoop() {
  std::string batch;
  for (;;) {
    size_t lines = 0;
    uint64_t seq = 0;
    bool stop = false;
    {
      MutexLock lock(&mu_);
      // One wait per period, cut short by stop, Flush() or a half-full queue.
      const bool flush_wanted = flush_requests_ > 0 && written_seq_ < queued_seq_;
      if (!stop_ && !flush_wanted && pending_.size() <= options_.queue_bytes / 2) wake_.WaitFor(&mu_, kWriterPeriod);
      while (pending_.empty() && !stop_ && !(flush_requests_ > 0 && written_seq_ < queued_seq_))
        wake_.WaitFor(&mu_, kWriterPeriod);
      batch.swap(pending_);  // pending_ takes the writer's old (empty) buffer and its capacity
      pending_.clear();
      lines = pending_lines_;
      pending_lines_ = 0;
      seq = queued_seq_;
      stop = stop_;
    }
    if (!batch.empty()) WriteBatch(batch);
    written_.fetch_add(lines, std::memory_order_relaxed);
    batch.clear();
    {
      MutexLock lock(&mu_);
      written_seq_ = seq;
      flushed_.SignalAll();
      if (stop && pending_.empty()) return;
    }
  }
}

void AccessLog::WriteBatch(const std::string& batch) {
  std::string_view rest(batch);
  const bool rotating = fd_ != STDOUT_FILENO && options_.max_bytes > 0;
  while (!rest.empty()) {
    if (fd_ < 0) {
      write_errors_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // The whole lines that fit in this file (at least one, so an oversized line still goes out).
    size_t take = rest.size();
    if (rotating && file_size_ + rest.size() > options_.max_bytes) {
      const size_t room = options_.max_bytes > file_size_ ? options_.max_bytes - file_size_ : 0;
      size_t cut = room == 0 ? std::string_view::npos : rest.rfind('\n', room - 1);
      if (cut == std::string_view::npos) {
        if (file_size_ > 0) {
          Rotate();
          continue;
        }
        cut = rest.find('\n');
      }
      take = cut == std::string_view::npos ? rest.size() : cut + 1;
    }
    size_t off = 0;
    while (off < take) {
      ssize_t n = ::write(fd_, rest.data() + off, take - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        write_errors_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      off += static_cast<size_t>(n);
      file_size_ += static_cast<uint64_t>(n);
    }
    rest.remove_prefix(take);
  }
}

void AccessLog::Rotate() {
  ::close(fd_);
  fd_ = -1;
  const std::string& base = options_.path;
  if (options_.max_files == 0) {
    ::unlink(base.c_str());
  } else {
    // path.N-1 -> path.N, ..., path -> path.1; the oldest (path.N) is overwritten.
    for (uint32_t i = options_.max_files; i > 1; --i) {
      std::string from = base + "." + std::to_string(i - 1);
      std::string to = base + "." + std::to_string(i);
      ::rename(from.c_str(), to.c_str());  // ENOENT for files not there yet
    }
    if (::rename(base.c_str(), (base + ".1").c_str()) != 0) {
      SLOG(kWarn, "access-log", "cannot rotate", {{"path", base}, {"error", std::generic_category().message(errno)}});
    }
  }
  file_size_ = 0;
  if (!OpenFile().ok()) {
    SLOG(kWarn, "access-log", "cannot reopen after rotation", {{"path", base}});
    fd_ = -1;
  }
}

}  // namespace sluice::server::observe
