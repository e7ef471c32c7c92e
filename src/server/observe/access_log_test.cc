#include "server/observe/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol/aws_error.h"

namespace sluice::server::observe {
namespace {

constexpr std::string_view kEventId = "6e1f2c3a-0b1d-4c2e-9f00-123456789abc";

struct Call {
  api::ApiRequest request;
  api::ApiResponse response;
  http::CallRecord record;

  Call() {
    request.service = api::Service::kKinesis;
    request.operation = "PutRecords";
    request.caller = {"123456789012", "eu-west-1", "AKIDEXAMPLE"};
    request.received_at_ms = 1'765'130'400'123;  // 2025-12-07T18:00:00.123Z
    // Record data in the body must never reach the log.
    request.body = R"({"StreamName":"orders","Records":[{"Data":"U0VDUkVU","PartitionKey":"pk-secret"}]})";
    response.log.stream_name = "orders";
    response.log.stream_arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/orders";
    response.log.records = 1;
    response.log.failed_records = 0;
    record.request = &request;
    record.response = &response;
    record.target = "Kinesis_20131202.PutRecords";
    record.user_agent = "Boto3/1.35.0 \"quoted\"";
    record.source_ip = "127.0.0.1";
    record.protocol = "HTTP/1.1";
    record.request_id = "f0e1d2c3-b4a5-4968-8776-655443322110";
    record.http_status = 200;
    record.bytes_in = 92;
    record.bytes_out = 140;
    record.latency_ns = 1'234'567;
  }
};

TEST(AccessLogFormat, ExactLineForAPut) {
  Call c;
  std::string line;
  FormatAccessLogLine(c.record, kEventId, &line);
  EXPECT_EQ(line,
            "{\"eventVersion\":\"1.08\",\"eventTime\":\"2025-12-07T18:00:00.123Z\","
            "\"eventSource\":\"kinesis.amazonaws.com\",\"eventName\":\"PutRecords\",\"eventType\":\"AwsApiCall\","
            "\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"127.0.0.1\","
            "\"userAgent\":\"Boto3/1.35.0 \\\"quoted\\\"\","
            "\"userIdentity\":{\"type\":\"IAMUser\",\"accessKeyId\":\"AKIDEXAMPLE\",\"accountId\":\"123456789012\"},"
            "\"requestParameters\":{\"streamName\":\"orders\","
            "\"streamARN\":\"arn:aws:kinesis:eu-west-1:123456789012:stream/orders\",\"recordCount\":1},"
            "\"responseElements\":{\"failedRecordCount\":0},"
            "\"requestID\":\"f0e1d2c3-b4a5-4968-8776-655443322110\","
            "\"eventID\":\"6e1f2c3a-0b1d-4c2e-9f00-123456789abc\",\"recipientAccountId\":\"123456789012\","
            "\"latency\":1.234,\"bytesIn\":92,\"bytesOut\":140,\"httpStatus\":200,\"protocol\":\"HTTP/1.1\"}\n");
  EXPECT_EQ(line.find("U0VDUkVU"), std::string::npos);
  EXPECT_EQ(line.find("pk-secret"), std::string::npos);
}

TEST(AccessLogFormat, ErrorsAndGetRecords) {
  Call c;
  c.request.operation = "GetRecords";
  c.response.log.Clear();
  c.response.log.shard_id = "shardId-000000000001";
  c.response.log.records = 25;
  c.record.protocol = "h2";
  std::string line;
  FormatAccessLogLine(c.record, kEventId, &line);
  EXPECT_NE(line.find("\"requestParameters\":{\"shardId\":\"shardId-000000000001\"},"
                      "\"responseElements\":{\"recordCount\":25},"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find("errorCode"), std::string::npos);
  EXPECT_NE(line.find("\"protocol\":\"h2\"}"), std::string::npos);

  // Refused before routing (no operation, no caller): the name comes from X-Amz-Target.
  Call e;
  e.request.operation = {};
  e.request.caller = {};
  e.response.log.Clear();
  e.response.log.error_message = "Missing Authentication Token";
  e.record.http_status = 400;
  e.record.error_type = "MissingAuthenticationTokenException";
  line.clear();
  FormatAccessLogLine(e.record, kEventId, &line);
  EXPECT_NE(line.find("\"eventName\":\"PutRecords\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"awsRegion\":null"), std::string::npos);
  EXPECT_NE(line.find("\"accessKeyId\":null"), std::string::npos);
  // Nothing reported by a handler: the stream named in the (JSON) request.
  EXPECT_NE(line.find("\"requestParameters\":{\"streamName\":\"orders\"},\"responseElements\":null,"
                      "\"errorCode\":\"MissingAuthenticationTokenException\","
                      "\"errorMessage\":\"Missing Authentication Token\","),
            std::string::npos)
      << line;
}

TEST(AccessLogFormat, ErrorMessageFromTheBodyWhenTheHandlerLeftItOut) {
  for (auto enc : {protocol::BodyEncoding::kJson, protocol::BodyEncoding::kCbor}) {
    Call c;
    c.request.encoding = enc;
    c.response.log.Clear();
    c.response.http_status = c.record.http_status = 400;
    c.record.error_type = "ResourceNotFoundException";
    c.response.body = protocol::EncodeErrorBody(protocol::AwsErrorType::kResourceNotFound,
                                                "Stream \"x\" under account 1 not found.", enc);
    std::string line;
    FormatAccessLogLine(c.record, kEventId, &line);
    EXPECT_NE(line.find("\"errorCode\":\"ResourceNotFoundException\","
                        "\"errorMessage\":\"Stream \\\"x\\\" under account 1 not found.\","),
              std::string::npos)
        << line;
  }
}

TEST(AccessLogFormat, StreamAndShardFromTheRequestWhenTheHandlerReportedNone) {
  Call c;
  c.response.log.Clear();
  c.request.operation = "GetShardIterator";
  c.request.body = R"({"ShardIteratorType": "LATEST", "ShardId": "shardId-000000000002", "StreamName": "a\"b"})";
  std::string line;
  FormatAccessLogLine(c.record, kEventId, &line);
  EXPECT_NE(line.find("\"requestParameters\":{\"streamName\":\"a\\\"b\",\"shardId\":\"shardId-000000000002\"},"),
            std::string::npos)
      << line;

  // A large PutRecords: found at the end, record data (even with a look-alike inside a string) ignored.
  std::string body = R"({"Records":[)";
  for (int i = 0; i < 2000; ++i) body += R"({"Data":"AAAA","PartitionKey":"\"StreamName\":\"evil\""},)";
  body.back() = ']';
  body += R"(,"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s"})";
  c.request.operation = "PutRecords";
  c.request.body = body;
  line.clear();
  FormatAccessLogLine(c.record, kEventId, &line);
  EXPECT_NE(line.find("\"requestParameters\":{\"streamARN\":\"arn:aws:kinesis:us-east-1:000000000000:stream/s\"},"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find("evil"), std::string::npos);
}

TEST(AccessLogFormat, CloudWatchSourceAndQueryAction) {
  Call c;
  c.request.service = api::Service::kCloudWatch;
  c.request.wire = api::Wire::kAwsQuery;
  c.request.operation = {};
  c.request.body = "Version=2010-08-01&Action=GetMetricStatistics&Namespace=AWS%2FKinesis";
  c.record.target = {};
  std::string line;
  FormatAccessLogLine(c.record, kEventId, &line);
  EXPECT_NE(line.find("\"eventSource\":\"monitoring.amazonaws.com\",\"eventName\":\"GetMetricStatistics\""),
            std::string::npos)
      << line;
  EXPECT_EQ(CallEventName(c.record), "GetMetricStatistics");
}

class AccessLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("access_log_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

  std::filesystem::path dir_;
};

TEST_F(AccessLogFileTest, WritesOneLinePerCall) {
  AccessLogOptions o;
  o.path = (dir_ / "access.log").string();
  auto log = AccessLog::Open(o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  Call c;
  for (int i = 0; i < 10; ++i) (*log)->OnCall(c.record);
  (*log)->Flush();
  std::string text = Read(o.path);
  EXPECT_EQ(Lines(text), 10u);
  EXPECT_EQ((*log)->written(), 10u);
  EXPECT_EQ((*log)->dropped(), 0u);
  // Every line is its own object with a distinct version-4 event id.
  size_t first = text.find("\"eventID\":\"");
  size_t second = text.find("\"eventID\":\"", first + 1);
  ASSERT_NE(second, std::string::npos);
  EXPECT_NE(text.substr(first, 48), text.substr(second, 48));
  EXPECT_EQ(text[first + 11 + 14], '4');
}

TEST_F(AccessLogFileTest, RotatesBySizeAndKeepsMaxFiles) {
  AccessLogOptions o;
  o.path = (dir_ / "access.log").string();
  Call c;
  std::string one;
  FormatAccessLogLine(c.record, kEventId, &one);
  o.max_bytes = one.size() * 3 + 10;  // three lines per file
  o.max_files = 2;
  {
    auto log = AccessLog::Open(o);
    ASSERT_TRUE(log.ok());
    // Flushing after each line makes every batch one line, so files fill to exactly three.
    for (int i = 0; i < 11; ++i) {
      (*log)->OnCall(c.record);
      (*log)->Flush();
    }
  }
  // 11 lines: access.log.2 (oldest kept: lines 4-6), .1 (7-9), access.log (10-11); lines 1-3 rotated away.
  EXPECT_EQ(Lines(Read(dir_ / "access.log")), 2u);
  EXPECT_EQ(Lines(Read(dir_ / "access.log.1")), 3u);
  EXPECT_EQ(Lines(Read(dir_ / "access.log.2")), 3u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "access.log.3"));
  for (const char* name : {"access.log", "access.log.1", "access.log.2"}) {
    EXPECT_LE(std::filesystem::file_size(dir_ / name), o.max_bytes) << name;
  }
}

TEST_F(AccessLogFileTest, ABatchIsSplitAcrossFilesAtLineBoundaries) {
  AccessLogOptions o;
  o.path = (dir_ / "access.log").string();
  Call c;
  std::string one;
  FormatAccessLogLine(c.record, kEventId, &one);
  o.max_bytes = one.size() * 3 + 10;
  o.max_files = 5;
  {
    auto log = AccessLog::Open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 8; ++i) (*log)->OnCall(c.record);  // most likely one batch
  }
  // 8 lines: 3 + 3 + 2, newest last; no file over the limit, no line split.
  EXPECT_EQ(Lines(Read(dir_ / "access.log.2")), 3u);
  EXPECT_EQ(Lines(Read(dir_ / "access.log.1")), 3u);
  EXPECT_EQ(Lines(Read(dir_ / "access.log")), 2u);
  for (const char* name : {"access.log", "access.log.1", "access.log.2"}) {
    EXPECT_LE(std::filesystem::file_size(dir_ / name), o.max_bytes) << name;
    EXPECT_EQ(Read(dir_ / name).back(), '\n');
  }
}

TEST_F(AccessLogFileTest, AppendsToAnExistingFile) {
  AccessLogOptions o;
  o.path = (dir_ / "access.log").string();
  Call c;
  for (int round = 0; round < 2; ++round) {
    auto log = AccessLog::Open(o);
    ASSERT_TRUE(log.ok());
    (*log)->OnCall(c.record);
  }  // the destructor writes what is queued
  EXPECT_EQ(Lines(Read(dir_ / "access.log")), 2u);
}

TEST_F(AccessLogFileTest, DropsAndCountsWhenTheQueueIsFull) {
  AccessLogOptions o;
  o.path = (dir_ / "access.log").string();
  o.queue_bytes = 10;  // smaller than any line
  auto log = AccessLog::Open(o);
  ASSERT_TRUE(log.ok());
  Call c;
  for (int i = 0; i < 5; ++i) (*log)->OnCall(c.record);
  (*log)->Flush();
  EXPECT_EQ((*log)->dropped(), 5u);
  EXPECT_EQ((*log)->written(), 0u);
}

TEST_F(AccessLogFileTest, UnwritablePathIsAnError) {
  AccessLogOptions o;
  o.path = (dir_ / "missing-dir" / "access.log").string();
  EXPECT_FALSE(AccessLog::Open(o).ok());
}

}  // namespace
}  // namespace sluice::server::observe
