// Drives KinesisDispatcher directly (no HTTP) over the in-memory store and a ManualClock.
#include "server/api/kinesis_dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "model/hash_key.h"
#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "model/shard_iterator.h"
#include "server/api/api_context.h"
#include "storage/memory_log_store.h"

namespace sluice::server::api {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kRegion = "us-east-1";
constexpr int64_t kStart = 1'700'000'000'000;

std::string Arn(std::string_view name, std::string_view region = kRegion, std::string_view account = kAccount) {
  return "arn:aws:kinesis:" + std::string(region) + ":" + std::string(account) + ":stream/" + std::string(name);
}

std::string B64(std::string_view raw) {
  std::string out;
  base64::AppendEncoded(raw, &out);
  return out;
}

// JSON string literal for test-built bodies (keys and names here need no escaping beyond this).
std::string Q(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// "prefix" + number without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
std::string Num(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

struct Reply {
  int status = 0;
  std::string error_type;
  std::string body;
  simdjson::dom::element json;  // parsed body (valid for the fixture's lifetime); null if empty
  int completions = 0;

  std::string Message() const {
    std::string_view m;
    if (json["message"].get(m) == simdjson::SUCCESS) return std::string(m);
    if (json["Message"].get(m) == simdjson::SUCCESS) return std::string(m);
    return "";
  }
};

std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << "HTTP " << r.status << " " << r.error_type << " " << r.body;
}

std::string Str(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view v = e;  // throws (failing the test) if missing or not a string
  return std::string(v);
}

struct PutResult {
  std::string shard_id;
  std::string sequence_number;
};

struct Rec {
  std::string sequence_number;
  std::string data;
  std::string partition_key;
  double arrival = 0;
};

struct Page {
  std::vector<Rec> records;
  std::optional<std::string> next;
  int64_t millis_behind = -1;
  bool has_child_shards = false;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Rebuild({}); }

  void Rebuild(catalog::CatalogOptions options, ApiOptions api = {}) {
    catalog_ = std::make_unique<catalog::Catalog>(options, &clock_, logs_.get(), meta_.get());
    ctx_.catalog = catalog_.get();
    ctx_.clock = &clock_;
    for (size_t i = 0; i < ctx_.iterator_key.size(); ++i) ctx_.iterator_key[i] = static_cast<uint8_t>(i * 13 + 5);
    ctx_.options = api;
    dispatcher_ = std::make_unique<KinesisDispatcher>(&ctx_);
  }

  Reply Call(std::string_view op, std::string_view json, const CallerIdentity* who = nullptr,
             protocol::BodyEncoding enc = protocol::BodyEncoding::kJson) {
    // The body is followed by kBodyPadding readable bytes, as the transport guarantees.
    bodies_.emplace_back();
    std::string& buf = bodies_.back();
    buf.reserve(json.size() + kBodyPadding);
    buf.assign(json);
    buf.append(kBodyPadding, '}');
    ApiRequest req;
    req.operation = op;
    req.encoding = enc;
    req.body = std::string_view(buf.data(), json.size());
    req.caller = who ? *who : caller_;
    req.request_id = "00000000-0000-4000-8000-000000000000";
    req.received_at_ms = clock_.NowMillis();
    ApiResponse resp;
    resp.body = "junk left over from a previous response";
    Reply r;
    dispatcher_->Dispatch(req, &resp, [&r] { ++r.completions; });
    EXPECT_EQ(r.completions, 1) << op << " must complete exactly once (synchronously with the in-memory store)";
    r.status = resp.http_status;
    r.error_type = std::string(resp.error_type);
    r.body = resp.body;
    if (!r.body.empty() && enc == protocol::BodyEncoding::kJson) {
      parsers_.emplace_back();
      auto err = parsers_.back().parse(r.body).get(r.json);
      EXPECT_EQ(err, simdjson::SUCCESS) << op << " returned invalid JSON: " << r.body;
    }
    return r;
  }

  Reply Ok(std::string_view op, std::string_view json, const CallerIdentity* who = nullptr) {
    Reply r = Call(op, json, who);
    EXPECT_EQ(r.status, 200) << op << " " << json << " -> " << r;
    EXPECT_TRUE(r.error_type.empty()) << r;
    return r;
  }

  // Expects an AWS error of the given type; returns its message.
  std::string Err(std::string_view op, std::string_view json, std::string_view type, int http = 400,
                  const CallerIdentity* who = nullptr) {
    Reply r = Call(op, json, who);
    EXPECT_EQ(r.status, http) << op << " " << json << " -> " << r;
    EXPECT_EQ(r.error_type, type) << op << " " << json << " -> " << r;
    std::string_view t;
    if (r.json["__type"].get(t) == simdjson::SUCCESS) {
      EXPECT_EQ(t, type);
    } else {
      ADD_FAILURE() << "error body without __type: " << r;
    }
    return r.Message();
  }

  void CreateStream(std::string_view name, int shards) {
    Reply r = Ok("CreateStream", "{\"StreamName\":" + Q(name) + ",\"ShardCount\":" + std::to_string(shards) + "}");
    EXPECT_EQ(r.body, "");  // no output shape: empty body
  }

  PutResult Put(std::string_view stream, std::string_view key, std::string_view data,
                std::optional<std::string_view> ehk = std::nullopt) {
    std::string body =
        "{\"StreamName\":" + Q(stream) + ",\"PartitionKey\":" + Q(key) + ",\"Data\":\"" + B64(data) + "\"";
    if (ehk) body += ",\"ExplicitHashKey\":" + Q(*ehk);
    body += "}";
    Reply r = Ok("PutRecord", body);
    PutResult out;
    if (r.status != 200) return out;
    out.shard_id = Str(r.json["ShardId"]);
    out.sequence_number = Str(r.json["SequenceNumber"]);
    EXPECT_EQ(std::string_view(r.json["EncryptionType"]), "NONE");
    return out;
  }

  std::string Iterator(std::string_view stream, std::string_view shard, std::string_view type,
                       std::string_view extra = "") {
    Reply r = Ok("GetShardIterator", "{\"StreamName\":" + Q(stream) + ",\"ShardId\":" + Q(shard) +
                                         ",\"ShardIteratorType\":" + Q(type) + std::string(extra) + "}");
    std::string_view it;
    if (r.json["ShardIterator"].get(it) != simdjson::SUCCESS) {
      ADD_FAILURE() << "no ShardIterator in " << r;
      return "";
    }
    return std::string(it);
  }

  Page Get(std::string_view iterator, std::optional<int> limit = std::nullopt) {
    std::string body = "{\"ShardIterator\":" + Q(iterator);
    if (limit) body += ",\"Limit\":" + std::to_string(*limit);
    body += "}";
    Reply r = Ok("GetRecords", body);
    Page p;
    if (r.status != 200) return p;
    for (simdjson::dom::element rec : simdjson::dom::array(r.json["Records"])) {
      Rec x;
      x.sequence_number = Str(rec["SequenceNumber"]);
      std::string_view data = rec["Data"];
      EXPECT_TRUE(base64::DecodeToString(data, &x.data)) << data;
      x.partition_key = Str(rec["PartitionKey"]);
      x.arrival = double(rec["ApproximateArrivalTimestamp"]);
      p.records.push_back(std::move(x));
    }
    std::string_view next;
    if (r.json["NextShardIterator"].get(next) == simdjson::SUCCESS) p.next = std::string(next);
    p.millis_behind = int64_t(r.json["MillisBehindLatest"]);
    simdjson::dom::element children;
    p.has_child_shards = r.json["ChildShards"].get(children) == simdjson::SUCCESS;
    return p;
  }

  // Every record of a shard from TRIM_HORIZON.
  std::vector<Rec> ReadShard(std::string_view stream, std::string_view shard) {
    std::vector<Rec> all;
    std::string it = Iterator(stream, shard, "TRIM_HORIZON");
    for (int i = 0; i < 100 && !it.empty(); ++i) {
      Page p = Get(it);
      if (p.records.empty()) break;
      for (auto& r : p.records) all.push_back(std::move(r));
      if (!p.next) break;
      it = *p.next;
    }
    return all;
  }

  size_t TotalRecords(std::string_view stream, int shards) {
    size_t n = 0;
    for (int i = 0; i < shards; ++i) n += ReadShard(stream, model::FormatShardId({static_cast<uint32_t>(i)})).size();
    return n;
  }

  static model::SequenceNumber Sn(std::string_view text) {
    auto sn = model::ParseSequenceNumber(text);
    EXPECT_TRUE(sn.has_value()) << text;
    return sn.value_or(model::SequenceNumber{});
  }

  ManualClock clock_{kStart};
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  std::unique_ptr<catalog::MetadataStore> meta_ = catalog::NewMemoryMetadataStore();
  std::unique_ptr<catalog::Catalog> catalog_;
  ApiContext ctx_;
  std::unique_ptr<KinesisDispatcher> dispatcher_;
  CallerIdentity caller_{std::string(kAccount), std::string(kRegion), "AKIAEXAMPLE"};
  std::deque<std::string> bodies_;
  std::deque<simdjson::dom::parser> parsers_;
};

// ---------------------------------------------------------------------------------------------
// Routing and framing

TEST_F(DispatcherTest, UnknownOperation) {
  for (std::string_view op : {"Nope", "", "putrecord", "PutRecordz", "StartStreamEncryption", "SubscribeToShard"}) {
    Reply r = Call(op, "{}");
    EXPECT_EQ(r.status, 400) << op;
    EXPECT_EQ(r.error_type, "UnknownOperationException") << op;
    EXPECT_EQ(r.body, R"({"__type":"UnknownOperationException"})") << op;
  }
}

TEST_F(DispatcherTest, MalformedCborIsSerializationExceptionInCbor) {
  // CBOR is supported (cbor_dispatch_test.cc); a malformed body (a lone break) is rejected.
  Reply r = Call("ListStreams", "\xff", nullptr, protocol::BodyEncoding::kCbor);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "SerializationException");
  // The error answers in the request's encoding: a CBOR map naming the error type.
  ASSERT_FALSE(r.body.empty());
  EXPECT_EQ(static_cast<uint8_t>(r.body[0]) >> 5, 5) << "not a CBOR map";
  EXPECT_NE(r.body.find("__type"), std::string::npos);
  EXPECT_NE(r.body.find("SerializationException"), std::string::npos);
  // Unknown operations too.
  Reply u = Call("Nope", "\xa0", nullptr, protocol::BodyEncoding::kCbor);
  EXPECT_EQ(u.status, 400);
  EXPECT_EQ(u.error_type, "UnknownOperationException");
  ASSERT_FALSE(u.body.empty());
  EXPECT_EQ(static_cast<uint8_t>(u.body[0]) >> 5, 5) << "not a CBOR map";
  EXPECT_NE(u.body.find("UnknownOperationException"), std::string::npos);
}

TEST_F(DispatcherTest, MalformedBodyIsSerializationException) {
  std::string msg = Err("ListStreams", "{", "SerializationException");
  EXPECT_FALSE(msg.empty());
  Reply r = Call("CreateStream", R"({"StreamName":"s","ShardCount":"1"})");
  EXPECT_EQ(r.error_type, "SerializationException");
  // SerializationException carries "Message" (capital M).
  std::string_view m;
  EXPECT_EQ(r.json["Message"].get(m), simdjson::SUCCESS) << r;
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AAA"})", "SerializationException");
}

TEST_F(DispatcherTest, ValidationExceptionCarriesCoralMessage) {
  EXPECT_EQ(Err("CreateStream", R"({"StreamName":"bad name!","ShardCount":1})", "ValidationException"),
            "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
}

TEST_F(DispatcherTest, EmptyBodyWorksForInputlessOperations) {
  Reply r = Ok("ListStreams", "");
  EXPECT_EQ(simdjson::dom::array(r.json["StreamNames"]).size(), 0u);
  EXPECT_FALSE(bool(r.json["HasMoreStreams"]));
  Ok("DescribeLimits", "");
  Ok("DescribeAccountSettings", "");
}

// ---------------------------------------------------------------------------------------------
// CreateStream / DescribeStreamSummary / DeleteStream

TEST_F(DispatcherTest, CreateAndDescribeSummary) {
  CreateStream("orders", 3);
  Reply r = Ok("DescribeStreamSummary", R"({"StreamName":"orders"})");
  auto d = r.json["StreamDescriptionSummary"];
  EXPECT_EQ(std::string_view(d["StreamName"]), "orders");
  EXPECT_EQ(std::string_view(d["StreamARN"]), Arn("orders"));
  EXPECT_EQ(std::string_view(d["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(std::string_view(d["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_EQ(int64_t(d["RetentionPeriodHours"]), 24);
  EXPECT_EQ(int64_t(d["OpenShardCount"]), 3);
  EXPECT_EQ(int64_t(d["MaxRecordSizeInKiB"]), 1024);
  EXPECT_EQ(int64_t(d["ConsumerCount"]), 0);
  EXPECT_EQ(std::string_view(d["EncryptionType"]), "NONE");
  EXPECT_DOUBLE_EQ(double(d["StreamCreationTimestamp"]), 1700000000.0);
  EXPECT_EQ(simdjson::dom::array(d["EnhancedMonitoring"]).size(), 1u);
  EXPECT_EQ(simdjson::dom::array(d["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]).size(), 0u);
  // Never StreamId (botocore would bypass the endpoint override).
  simdjson::dom::element id;
  EXPECT_NE(d["StreamId"].get(id), simdjson::SUCCESS);
  EXPECT_EQ(r.body.find("StreamId"), std::string::npos);
  // Same through the ARN.
  Reply by_arn = Ok("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("orders")) + "}");
  EXPECT_EQ(std::string_view(by_arn.json["StreamDescriptionSummary"]["StreamName"]), "orders");
}

TEST_F(DispatcherTest, CreateStreamErrors) {
  CreateStream("s", 1);
  EXPECT_EQ(Err("CreateStream", R"({"StreamName":"s","ShardCount":1})", "ResourceInUseException"),
            "Stream s under account 123456789012 already exists.");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":2,"StreamModeDetails":{"StreamMode":"ON_DEMAND"}})",
      "ValidationException");
  Err("CreateStream", R"({"StreamName":"t","StreamModeDetails":{"StreamMode":"PROVISIONED"}})",
      "InvalidArgumentException");
  Err("CreateStream", "{\"StreamARN\":" + Q(Arn("t")) + ",\"ShardCount\":1}", "ValidationException");
  Err("CreateStream", R"({"ShardCount":1})", "ValidationException");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":0})", "ValidationException");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":1,"Tags":{"bad*key":"v"}})", "InvalidArgumentException");
  Err("CreateStream", R"({"StreamName":"t","ShardCount":1,"WarmThroughputMiBps":10})", "InvalidArgumentException");
  std::string tags;
  for (int i = 0; i < 51; ++i) tags += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  Err("CreateStream", "{\"StreamName\":\"t\",\"ShardCount\":1,\"Tags\":{" + tags + "}}", "LimitExceededException");
  Err("DescribeStreamSummary", R"({"StreamName":"t"})", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, CreateStreamWithTagsAndRecordSize) {
  Ok("CreateStream", R"({"StreamName":"t","ShardCount":1,"Tags":{"b":"2","a":"1"},"MaxRecordSizeInKiB":4096})");
  Reply tags = Ok("ListTagsForStream", R"({"StreamName":"t"})");
  auto list = simdjson::dom::array(tags.json["Tags"]);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(std::string_view(list.at(0)["Key"]), "a");
  EXPECT_EQ(std::string_view(list.at(1)["Key"]), "b");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"t"})");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["MaxRecordSizeInKiB"]), 4096);
}

TEST_F(DispatcherTest, OnDemandStreams) {
  Ok("CreateStream", R"({"StreamName":"od","StreamModeDetails":{"StreamMode":"ON_DEMAND"}})");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"od"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]), "ON_DEMAND");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 4);
  // Neither ShardCount nor StreamModeDetails: on-demand.
  Ok("CreateStream", R"({"StreamName":"od2"})");
  Reply d2 = Ok("DescribeStreamSummary", R"({"StreamName":"od2"})");
  EXPECT_EQ(std::string_view(d2.json["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]), "ON_DEMAND");
  Reply limits = Ok("DescribeLimits", "{}");
  EXPECT_EQ(int64_t(limits.json["OnDemandStreamCount"]), 2);
  EXPECT_EQ(int64_t(limits.json["OnDemandStreamCountLimit"]), 50);
  EXPECT_EQ(int64_t(limits.json["OpenShardCount"]), 0);
}

TEST_F(DispatcherTest, ShardLimitIsLimitExceeded) {
  catalog::CatalogOptions o;
  o.shard_limit = 5;
  Rebuild(o);
  CreateStream("a", 3);
  Err("CreateStream", R"({"StreamName":"b","ShardCount":3})", "LimitExceededException");
  CreateStream("b", 2);
  Reply limits = Ok("DescribeLimits", "{}");
  EXPECT_EQ(int64_t(limits.json["ShardLimit"]), 5);
  EXPECT_EQ(int64_t(limits.json["OpenShardCount"]), 5);
}

TEST_F(DispatcherTest, CreatingStreamLifecycle) {
  catalog::CatalogOptions o;
  o.create_stream_delay_ms = 2000;
  o.delete_stream_delay_ms = 1000;
  Rebuild(o);
  CreateStream("s", 2);
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamStatus"]), "CREATING");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 0);
  Reply ds = Ok("DescribeStream", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(ds.json["StreamDescription"]["StreamStatus"]), "CREATING");
  EXPECT_EQ(simdjson::dom::array(ds.json["StreamDescription"]["Shards"]).size(), 0u);
  // Data plane: the stream has no readable shards yet.
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AAAA"})", "ResourceNotFoundException");
  Err("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"})",
      "ResourceNotFoundException");
  Err("ListShards", R"({"StreamName":"s"})", "ResourceInUseException");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"b"}})", "ResourceInUseException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})", "ResourceInUseException");
  clock_.Advance(2000);
  d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamStatus"]), "ACTIVE");
  Put("s", "k", "x");
  Ok("DeleteStream", R"({"StreamName":"s"})");
  d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamStatus"]), "DELETING");
  clock_.Advance(1000);
  EXPECT_EQ(Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException"),
            "Stream s under account 123456789012 not found.");
}

TEST_F(DispatcherTest, DeleteStream) {
  CreateStream("s", 1);
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  Reply r = Ok("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":true})");
  EXPECT_EQ(r.body, "");
  Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException");
  Err("DeleteStream", R"({"StreamName":"s"})", "ResourceNotFoundException");
  // An iterator of the deleted stream finds nothing, even after a stream of the same name is
  // created again.
  Err("GetRecords", "{\"ShardIterator\":" + Q(it) + "}", "ResourceNotFoundException");
  CreateStream("s", 1);
  Put("s", "k", "new incarnation");
  Reply again = Call("GetRecords", "{\"ShardIterator\":" + Q(it) + "}");
  EXPECT_NE(again.status, 200) << again;
  Err("DeleteStream", "{}", "InvalidArgumentException");
}

// ---------------------------------------------------------------------------------------------
// Stream addressing

TEST_F(DispatcherTest, ArnResolution) {
  CreateStream("s", 1);
  Ok("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s")) + "}");
  Ok("DescribeStreamSummary", "{\"StreamName\":\"s\",\"StreamARN\":" + Q(Arn("s")) + "}");
  // Another partition with the same account and region names the same stream.
  Ok("DescribeStreamSummary", "{\"StreamARN\":\"arn:aws-cn:kinesis:us-east-1:123456789012:stream/s\"}");
  // Account mismatch: access denied.
  std::string msg = Err("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s", kRegion, "999999999999")) + "}",
                        "AccessDeniedException");
  EXPECT_THAT(msg, HasSubstr("123456789012"));
  Err("PutRecord",
      "{\"StreamARN\":" + Q(Arn("s", kRegion, "999999999999")) + ",\"PartitionKey\":\"k\",\"Data\":\"AAAA\"}",
      "AccessDeniedException");
  // Region mismatch: not found (the stream does not exist in the caller's region).
  Err("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s", "eu-west-1")) + "}", "ResourceNotFoundException");
  // Name and ARN disagree.
  Err("DescribeStreamSummary", "{\"StreamName\":\"other\",\"StreamARN\":" + Q(Arn("s")) + "}",
      "InvalidArgumentException");
  // A consumer ARN where a stream ARN is expected.
  Err("DescribeStreamSummary", "{\"StreamARN\":" + Q(Arn("s") + "/consumer/c:1700000000") + "}",
      "InvalidArgumentException");
  // Neither.
  Err("DescribeStreamSummary", "{}", "InvalidArgumentException");
  Err("DescribeStream", "{}", "InvalidArgumentException");
  Err("PutRecord", R"({"PartitionKey":"k","Data":"AAAA"})", "InvalidArgumentException");
  // Malformed ARN: a model violation.
  Err("DescribeStreamSummary", R"({"StreamARN":"arn:aws:kinesis:us-east-1:12345678901:stream/s"})",
      "ValidationException");
}

TEST_F(DispatcherTest, CallersSeeOnlyTheirOwnStreams) {
  CreateStream("s", 1);
  CallerIdentity other{"999999999999", std::string(kRegion), "AKIAOTHER"};
  CallerIdentity other_region{std::string(kAccount), "eu-west-1", "AKIAEXAMPLE"};
  Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException", 400, &other);
  Err("DescribeStreamSummary", R"({"StreamName":"s"})", "ResourceNotFoundException", 400, &other_region);
  Reply ls = Ok("ListStreams", "{}", &other);
  EXPECT_EQ(simdjson::dom::array(ls.json["StreamNames"]).size(), 0u);
  // The same name can exist for the other account.
  Ok("CreateStream", R"({"StreamName":"s","ShardCount":2})", &other);
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})", &other);
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 2);
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamARN"]), Arn("s", kRegion, "999999999999"));
}

// ---------------------------------------------------------------------------------------------
// PutRecord / PutRecords

TEST_F(DispatcherTest, PutRecordRoutesByMd5OfPartitionKey) {
  CreateStream("s", 4);
  // Reference vectors: "a" -> 16955237001963240173058271559858726497 (shard 0 of 4),
  // "partitionKey" -> 193318062818912349798954611745638949166 (shard 2 of 4).
  EXPECT_EQ(Put("s", "a", "1").shard_id, "shardId-000000000000");
  EXPECT_EQ(Put("s", "partitionKey", "2").shard_id, "shardId-000000000002");
  for (int i = 0; i < 200; ++i) {
    std::string key = "key-" + std::to_string(i);
    model::HashKey h = model::HashPartitionKey(key);
    uint32_t expect = 0;
    for (uint32_t s = 0; s < 4; ++s)
      if (model::EvenRange(s, 4).Contains(h)) expect = s;
    ASSERT_EQ(Put("s", key, "v").shard_id, model::FormatShardId({expect})) << key;
  }
}

TEST_F(DispatcherTest, PutRecordRoutesByExplicitHashKey) {
  CreateStream("s", 4);
  EXPECT_EQ(Put("s", "a", "x", "0").shard_id, "shardId-000000000000");
  EXPECT_EQ(Put("s", "a", "x", "85070591730234615865843651857942052863").shard_id, "shardId-000000000000");
  EXPECT_EQ(Put("s", "a", "x", "85070591730234615865843651857942052864").shard_id, "shardId-000000000001");
  EXPECT_EQ(Put("s", "a", "x", "170141183460469231731687303715884105728").shard_id, "shardId-000000000002");
  EXPECT_EQ(Put("s", "a", "x", "255211775190703847597530955573826158591").shard_id, "shardId-000000000002");
  EXPECT_EQ(Put("s", "a", "x", "340282366920938463463374607431768211455").shard_id, "shardId-000000000003");
  std::string msg = Err("PutRecord",
                        R"({"StreamName":"s","PartitionKey":"a","Data":"AAAA",
                            "ExplicitHashKey":"340282366920938463463374607431768211456"})",
                        "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("340282366920938463463374607431768211456"));
  EXPECT_THAT(msg, HasSubstr("[0, 340282366920938463463374607431768211455]"));
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"a","Data":"AAAA","ExplicitHashKey":"01"})",
      "ValidationException");
}

TEST_F(DispatcherTest, PutRecordSequenceNumbersIncrease) {
  CreateStream("s", 2);
  std::map<std::string, std::string> last;
  std::map<std::string, uint64_t> count;
  for (int i = 0; i < 100; ++i) {
    PutResult p = Put("s", Num("k", i % 7), Num("data", i));
    ASSERT_EQ(p.sequence_number.size(), 56u);
    model::SequenceNumber sn = Sn(p.sequence_number);
    EXPECT_EQ(sn.shard_index, model::ParseShardId(p.shard_id)->value);
    EXPECT_EQ(sn.offset, count[p.shard_id]++);
    EXPECT_EQ(sn.sub, 0u);
    EXPECT_EQ(sn.stream_epoch, static_cast<uint32_t>(kStart / 1000));
    if (last.count(p.shard_id)) { EXPECT_LT(last[p.shard_id], p.sequence_number); }
    last[p.shard_id] = p.sequence_number;
  }
}

TEST_F(DispatcherTest, PutRecordErrors) {
  CreateStream("s", 1);
  EXPECT_EQ(Err("PutRecord", R"({"StreamName":"nope","PartitionKey":"k","Data":"AAAA"})", "ResourceNotFoundException"),
            "Stream nope under account 123456789012 not found.");
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AA!A"})", "SerializationException");
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"A=AA"})", "SerializationException");
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"","Data":"AAAA"})", "ValidationException");
  Err("PutRecord", R"({"StreamName":"s","Data":"AAAA"})", "ValidationException");
  EXPECT_EQ(TotalRecords("s", 1), 0u);
}

TEST_F(DispatcherTest, PutRecordSequenceNumberForOrdering) {
  CreateStream("s", 1);
  PutResult first = Put("s", "k", "1");
  Reply r = Ok("PutRecord",
               "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"AAAA\","
               "\"SequenceNumberForOrdering\":" +
                   Q(first.sequence_number) + "}");
  EXPECT_GT(Str(r.json["SequenceNumber"]), first.sequence_number);
  // A number Sluice never issued for this stream.
  Err("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"AAAA","SequenceNumberForOrdering":"12345"})",
      "InvalidArgumentException");
  // A number of another stream (created in another second).
  clock_.Advance(5000);
  CreateStream("t", 1);
  PutResult other = Put("t", "k", "1");
  Err("PutRecord",
      "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"AAAA\",\"SequenceNumberForOrdering\":" +
          Q(other.sequence_number) + "}",
      "InvalidArgumentException");
}

TEST_F(DispatcherTest, PutRecordsRoutesAndNumbers) {
  CreateStream("s", 4);
  std::string body = R"({"StreamName":"s","Records":[)";
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    if (i) body += ",";
    body +=
        "{\"Data\":\"" + B64("payload-" + std::to_string(i)) + "\",\"PartitionKey\":\"pk" + std::to_string(i) + "\"";
    if (i % 10 == 9) body += ",\"ExplicitHashKey\":\"340282366920938463463374607431768211455\"";
    body += "}";
  }
  body += "]}";
  Reply r = Ok("PutRecords", body);
  EXPECT_EQ(int64_t(r.json["FailedRecordCount"]), 0);
  EXPECT_EQ(std::string_view(r.json["EncryptionType"]), "NONE");
  auto records = simdjson::dom::array(r.json["Records"]);
  ASSERT_EQ(records.size(), static_cast<size_t>(n));
  std::map<std::string, std::vector<std::string>> by_shard;  // sequence numbers in request order
  size_t i = 0;
  for (simdjson::dom::element rec : records) {
    std::string shard = Str(rec["ShardId"]);
    std::string sn = Str(rec["SequenceNumber"]);
    simdjson::dom::element ec;
    EXPECT_NE(rec["ErrorCode"].get(ec), simdjson::SUCCESS);
    uint32_t expect = 3;
    if (i % 10 != 9) {
      model::HashKey h = model::HashPartitionKey("pk" + std::to_string(i));
      for (uint32_t s = 0; s < 4; ++s)
        if (model::EvenRange(s, 4).Contains(h)) expect = s;
    }
    EXPECT_EQ(shard, model::FormatShardId({expect})) << i;
    EXPECT_EQ(Sn(sn).shard_index, expect);
    by_shard[shard].push_back(sn);
    ++i;
  }
  // Within a shard, numbers increase in request order and are consecutive offsets.
  for (const auto& [shard, sns] : by_shard) {
    for (size_t k = 0; k < sns.size(); ++k) {
      EXPECT_EQ(Sn(sns[k]).offset, k) << shard;
      if (k) { EXPECT_LT(sns[k - 1], sns[k]); }
    }
    // And they read back in that order with the right data.
    std::vector<Rec> got = ReadShard("s", shard);
    ASSERT_EQ(got.size(), sns.size());
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k].sequence_number, sns[k]);
  }
  EXPECT_EQ(TotalRecords("s", 4), static_cast<size_t>(n));
  // A second batch continues the numbering.
  Reply r2 = Ok("PutRecords", R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"x",
                                  "ExplicitHashKey":"340282366920938463463374607431768211455"}]})");
  EXPECT_EQ(Sn(std::string_view(r2.json["Records"].at(0)["SequenceNumber"])).offset,
            by_shard["shardId-000000000003"].size());
}

TEST_F(DispatcherTest, FailingPutRecordsWritesNothing) {
  CreateStream("s", 2);
  const std::string good = R"({"Data":"AAAA","PartitionKey":"a"},{"Data":"Zm9v","PartitionKey":"b"})";
  // Bad base64 character in the third record.
  Err("PutRecords", R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":"A*AA","PartitionKey":"c"}]})",
      "SerializationException");
  EXPECT_EQ(TotalRecords("s", 2), 0u);
  // Data length not a multiple of 4.
  Err("PutRecords", R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":"AAAAA","PartitionKey":"c"}]})",
      "SerializationException");
  // Explicit hash key above 2^128 - 1.
  Err("PutRecords",
      R"({"StreamName":"s","Records":[)" + good +
          R"(,{"Data":"AAAA","PartitionKey":"c","ExplicitHashKey":"340282366920938463463374607431768211456"}]})",
      "InvalidArgumentException");
  // Constraint violation.
  EXPECT_EQ(Err("PutRecords", R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":"AAAA","PartitionKey":""}]})",
                "ValidationException"),
            "1 validation error detected: Value '' at 'records.3.member.partitionKey' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");
  // A record above the stream's 1 MiB limit.
  std::string big = B64(std::string(1024 * 1024 + 1, 'x'));
  EXPECT_EQ(Err("PutRecords",
                R"({"StreamName":"s","Records":[)" + good + R"(,{"Data":")" + big + R"(","PartitionKey":"c"}]})",
                "ValidationException"),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at "
            "'records.3.member.data' failed to satisfy constraint: Member must have length less than or equal to "
            "1048576");
  // More than 5 MiB in total.
  std::string mib = B64(std::string(1024 * 1024 - 10, 'y'));
  std::string six = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < 6; ++i)
    six += (i ? "," : "") + std::string(R"({"Data":")") + mib + R"(","PartitionKey":"p)" + std::to_string(i) + "\"}";
  six += "]}";
  Err("PutRecords", six, "InvalidArgumentException");
  // Unknown stream.
  Err("PutRecords", R"({"StreamName":"nope","Records":[)" + good + "]}", "ResourceNotFoundException");
  EXPECT_EQ(TotalRecords("s", 2), 0u);
  // The same good records then go through, numbered from offset 0.
  Reply ok = Ok("PutRecords", R"({"StreamName":"s","Records":[)" + good + "]}");
  EXPECT_EQ(int64_t(ok.json["FailedRecordCount"]), 0);
  EXPECT_EQ(TotalRecords("s", 2), 2u);
  for (simdjson::dom::element rec : simdjson::dom::array(ok.json["Records"]))
    EXPECT_EQ(Sn(std::string_view(rec["SequenceNumber"])).offset, 0u);
}

TEST_F(DispatcherTest, PutRecordsAcceptsFiveHundredRecords) {
  CreateStream("s", 3);
  std::string body = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < 500; ++i)
    body += (i ? "," : "") + std::string(R"({"Data":"AAAA","PartitionKey":"k)") + std::to_string(i) + "\"}";
  body += "]}";
  Reply r = Ok("PutRecords", body);
  EXPECT_EQ(simdjson::dom::array(r.json["Records"]).size(), 500u);
  EXPECT_EQ(TotalRecords("s", 3), 500u);
  body.insert(body.size() - 2, R"(,{"Data":"AAAA","PartitionKey":"extra"})");
  Err("PutRecords", body, "ValidationException");
  EXPECT_EQ(TotalRecords("s", 3), 500u);
}

// ---------------------------------------------------------------------------------------------
// GetShardIterator / GetRecords

TEST_F(DispatcherTest, GetRecordsRoundTrip) {
  CreateStream("s", 1);
  std::string binary;
  for (int c = 0; c < 256; ++c) binary.push_back(static_cast<char>(c));
  std::vector<PutResult> puts;
  puts.push_back(Put("s", "k1", "hello"));
  clock_.Advance(7);
  puts.push_back(Put("s", "k\xc3\xa9", binary));
  clock_.Advance(1000);
  puts.push_back(Put("s", "k3", ""));
  Page p = Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"));
  ASSERT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.records[0].data, "hello");
  EXPECT_EQ(p.records[0].partition_key, "k1");
  EXPECT_EQ(p.records[0].sequence_number, puts[0].sequence_number);
  EXPECT_DOUBLE_EQ(p.records[0].arrival, 1700000000.000);
  EXPECT_EQ(p.records[1].data, binary);
  EXPECT_EQ(p.records[1].partition_key, "k\xc3\xa9");
  EXPECT_EQ(p.records[1].sequence_number, puts[1].sequence_number);
  EXPECT_DOUBLE_EQ(p.records[1].arrival, 1700000000.007);
  EXPECT_EQ(p.records[2].data, "");
  EXPECT_EQ(p.records[2].sequence_number, puts[2].sequence_number);
  EXPECT_DOUBLE_EQ(p.records[2].arrival, 1700000001.007);
  ASSERT_TRUE(p.next.has_value());
  EXPECT_EQ(p.millis_behind, 0);
  EXPECT_FALSE(p.has_child_shards);
  // Caught up: nothing more, still an iterator (open shard).
  Page empty = Get(*p.next);
  EXPECT_TRUE(empty.records.empty());
  ASSERT_TRUE(empty.next.has_value());
  EXPECT_EQ(empty.millis_behind, 0);
  // New data appears on the next call.
  Put("s", "k4", "later");
  Page later = Get(*empty.next);
  ASSERT_EQ(later.records.size(), 1u);
  EXPECT_EQ(later.records[0].data, "later");
}

TEST_F(DispatcherTest, GetRecordsResponseShape) {
  CreateStream("s", 1);
  Put("s", "k", "v");
  Reply r = Ok("GetRecords", "{\"ShardIterator\":" + Q(Iterator("s", "shardId-000000000000", "TRIM_HORIZON")) + "}");
  simdjson::dom::element rec = r.json["Records"].at(0);
  simdjson::dom::object obj = rec;
  std::set<std::string> keys;
  for (auto kv : obj) keys.insert(std::string(kv.key));
  EXPECT_EQ(keys, (std::set<std::string>{"SequenceNumber", "ApproximateArrivalTimestamp", "Data", "PartitionKey"}));
  EXPECT_EQ(std::string_view(rec["Data"]), "dg==");
}

TEST_F(DispatcherTest, GetRecordsLimit) {
  CreateStream("s", 1);
  for (int i = 0; i < 5; ++i) Put("s", "k", std::to_string(i));
  Page a = Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), 2);
  ASSERT_EQ(a.records.size(), 2u);
  EXPECT_EQ(a.records[0].data, "0");
  EXPECT_EQ(a.records[1].data, "1");
  Page b = Get(*a.next, 2);
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(b.records[0].data, "2");
  EXPECT_EQ(b.records[1].data, "3");
  Page c = Get(*b.next, 2);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].data, "4");
  Page d = Get(*c.next, 2);
  EXPECT_TRUE(d.records.empty());
  EXPECT_TRUE(d.next.has_value());
  Page one = Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), 1);
  EXPECT_EQ(one.records.size(), 1u);
  Page all = Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), 10000);
  EXPECT_EQ(all.records.size(), 5u);
  Err("GetRecords", "{\"ShardIterator\":" + Q(*a.next) + ",\"Limit\":0}", "ValidationException");
  Err("GetRecords", "{\"ShardIterator\":" + Q(*a.next) + ",\"Limit\":10001}", "ValidationException");
}

TEST_F(DispatcherTest, IteratorsAreReusableWithinTheirLifetime) {
  CreateStream("s", 1);
  Put("s", "k", "a");
  Put("s", "k", "b");
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  Page first = Get(it, 1);
  Page again = Get(it, 1);
  ASSERT_EQ(first.records.size(), 1u);
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(first.records[0].sequence_number, again.records[0].sequence_number);
}

TEST_F(DispatcherTest, MillisBehindLatest) {
  CreateStream("s", 1);
  Put("s", "k", "a");
  clock_.Advance(1000);
  Put("s", "k", "b");
  clock_.Advance(1000);
  Put("s", "k", "c");
  clock_.Advance(3000);  // now = start + 5000
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  Page p1 = Get(it, 1);
  ASSERT_EQ(p1.records.size(), 1u);
  EXPECT_EQ(p1.millis_behind, 5000);  // now - arrival of the last record returned
  Page p2 = Get(*p1.next, 1);
  EXPECT_EQ(p2.millis_behind, 4000);
  Page p3 = Get(*p2.next, 1);
  ASSERT_EQ(p3.records.size(), 1u);
  EXPECT_EQ(p3.millis_behind, 0);  // reached the tip
  Page p4 = Get(*p3.next);
  EXPECT_EQ(p4.millis_behind, 0);
  EXPECT_EQ(Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON")).millis_behind, 0);
}

TEST_F(DispatcherTest, GetShardIteratorTypes) {
  CreateStream("s", 1);
  std::vector<PutResult> puts;
  for (int i = 0; i < 5; ++i) puts.push_back(Put("s", "k", "r" + std::to_string(i)));
  const std::string shard = "shardId-000000000000";
  auto first_data = [&](const std::string& it) {
    Page p = Get(it);
    return p.records.empty() ? std::string("<none>") : p.records[0].data;
  };
  EXPECT_EQ(first_data(Iterator("s", shard, "TRIM_HORIZON")), "r0");
  EXPECT_EQ(first_data(Iterator("s", shard, "LATEST")), "<none>");
  EXPECT_EQ(first_data(Iterator("s", shard, "AT_SEQUENCE_NUMBER",
                                ",\"StartingSequenceNumber\":" + Q(puts[2].sequence_number))),
            "r2");
  EXPECT_EQ(first_data(Iterator("s", shard, "AFTER_SEQUENCE_NUMBER",
                                ",\"StartingSequenceNumber\":" + Q(puts[2].sequence_number))),
            "r3");
  EXPECT_EQ(first_data(Iterator("s", shard, "AFTER_SEQUENCE_NUMBER",
                                ",\"StartingSequenceNumber\":" + Q(puts[4].sequence_number))),
            "<none>");
  EXPECT_EQ(first_data(Iterator("s", shard, "AT_SEQUENCE_NUMBER",
                                ",\"StartingSequenceNumber\":" + Q(puts[0].sequence_number))),
            "r0");
  // Positions, not records: a sub-position between r1 and r2 starts at r2.
  model::SequenceNumber between = Sn(puts[1].sequence_number);
  between.sub = 5;
  EXPECT_EQ(first_data(Iterator("s", shard, "AT_SEQUENCE_NUMBER",
                                ",\"StartingSequenceNumber\":" + Q(model::FormatSequenceNumber(between)))),
            "r2");
  // The shard's StartingSequenceNumber is a valid AT position for the first record.
  Reply ls = Ok("ListShards", R"({"StreamName":"s"})");
  std::string start = Str(ls.json["Shards"].at(0)["SequenceNumberRange"]["StartingSequenceNumber"]);
  EXPECT_EQ(first_data(Iterator("s", shard, "AT_SEQUENCE_NUMBER", ",\"StartingSequenceNumber\":" + Q(start))), "r0");
  // LATEST sees only records written after it was issued.
  std::string latest = Iterator("s", shard, "LATEST");
  Put("s", "k", "r5");
  EXPECT_EQ(first_data(latest), "r5");
}

TEST_F(DispatcherTest, GetShardIteratorAtTimestamp) {
  CreateStream("s", 1);
  const std::string shard = "shardId-000000000000";
  Put("s", "k", "t0");  // at start
  clock_.Advance(1000);
  Put("s", "k", "t1000");  // start + 1000
  clock_.Advance(1500);
  Put("s", "k", "t2500");  // start + 2500
  clock_.Advance(10'000);
  auto first_at = [&](const std::string& ts) {
    Page p = Get(Iterator("s", shard, "AT_TIMESTAMP", ",\"Timestamp\":" + ts));
    return p.records.empty() ? std::string("<none>") : p.records[0].data;
  };
  EXPECT_EQ(first_at("1600000000"), "t0");  // long before: from the trim horizon
  EXPECT_EQ(first_at("1700000000"), "t0");  // exactly the first arrival
  EXPECT_EQ(first_at("1700000000.001"), "t1000");
  EXPECT_EQ(first_at("1700000001"), "t1000");      // integer seconds, as botocore sends them
  EXPECT_EQ(first_at("1.7000000015E9"), "t2500");  // exponent form
  EXPECT_EQ(first_at("1700000002.5"), "t2500");
  EXPECT_EQ(first_at("1700000002.501"), "<none>");
  EXPECT_EQ(first_at("1700000012.5"), "<none>");  // now: nothing at or after
  std::string msg = Err("GetShardIterator",
                        R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP",
                            "Timestamp":1700000012.501})",
                        "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("1700000012501"));
  EXPECT_THAT(msg, HasSubstr("1700000012500"));
}

TEST_F(DispatcherTest, GetShardIteratorErrors) {
  CreateStream("s", 2);
  PutResult p0 = Put("s", "k", "x", "0");  // shard 0
  const std::string base = R"({"StreamName":"s","ShardId":"shardId-000000000000",)";
  Err("GetShardIterator", base + R"("ShardIteratorType":"AT_SEQUENCE_NUMBER"})", "InvalidArgumentException");
  Err("GetShardIterator", base + R"("ShardIteratorType":"AFTER_SEQUENCE_NUMBER"})", "InvalidArgumentException");
  Err("GetShardIterator",
      base + R"("ShardIteratorType":"TRIM_HORIZON","StartingSequenceNumber":)" + Q(p0.sequence_number) + "}",
      "InvalidArgumentException");
  Err("GetShardIterator", base + R"("ShardIteratorType":"AT_TIMESTAMP"})", "InvalidArgumentException");
  Err("GetShardIterator", base + R"("ShardIteratorType":"LATEST","Timestamp":1700000000})", "InvalidArgumentException");
  Err("GetShardIterator", base + R"("ShardIteratorType":"OLDEST"})", "ValidationException");
  Err("GetShardIterator", R"({"StreamName":"s","ShardIteratorType":"LATEST"})", "ValidationException");
  // A number of another shard: the message names both shards.
  std::string msg = Err("GetShardIterator",
                        R"({"StreamName":"s","ShardId":"shardId-000000000001","ShardIteratorType":"AT_SEQUENCE_NUMBER",
                            "StartingSequenceNumber":)" +
                            Q(p0.sequence_number) + "}",
                        "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("shardId-000000000000"));
  EXPECT_THAT(msg, HasSubstr("shardId-000000000001"));
  // A malformed or foreign number.
  Err("GetShardIterator", base + R"("ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"1"})",
      "InvalidArgumentException");
  model::SequenceNumber foreign = Sn(p0.sequence_number);
  foreign.stream_epoch -= 100;
  Err("GetShardIterator",
      base + R"("ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":)" +
          Q(model::FormatSequenceNumber(foreign)) + "}",
      "InvalidArgumentException");
  // Unknown shards.
  EXPECT_EQ(
      Err("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000002","ShardIteratorType":"LATEST"})",
          "ResourceNotFoundException"),
      "Shard shardId-000000000002 in stream s under account 123456789012 does not exist");
  Err("GetShardIterator", R"({"StreamName":"s","ShardId":"shard-0","ShardIteratorType":"LATEST"})",
      "ResourceNotFoundException");
  Err("GetShardIterator", R"({"StreamName":"nope","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"})",
      "ResourceNotFoundException");
}

TEST_F(DispatcherTest, IteratorExpiresAfterFiveMinutes) {
  CreateStream("s", 1);
  Put("s", "k", "v");
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  clock_.Advance(300'000);
  Page still = Get(it);  // exactly 300000 ms old: fine
  ASSERT_EQ(still.records.size(), 1u);
  ASSERT_TRUE(still.next.has_value());
  clock_.Advance(1);
  std::string msg = Err("GetRecords", "{\"ShardIterator\":" + Q(it) + "}", "ExpiredIteratorException");
  EXPECT_THAT(msg, HasSubstr("300000"));
  EXPECT_THAT(msg, HasSubstr("Tue Nov 14 22:13:20 UTC 2023"));  // kStart, as Java prints dates
  // The NextShardIterator returned at +300000 ms is fresh: valid until +600000 ms.
  Page next = Get(*still.next);  // now +300001
  EXPECT_TRUE(next.records.empty());
  clock_.Advance(299'999);  // now +600000: exactly 300000 ms old
  Get(*still.next);
  clock_.Advance(1);
  Err("GetRecords", "{\"ShardIterator\":" + Q(*still.next) + "}", "ExpiredIteratorException");
}

TEST_F(DispatcherTest, ForgedIteratorsAreInvalid) {
  CreateStream("s", 1);
  Put("s", "k", "v");
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  auto expect_invalid = [&](const std::string& token) {
    EXPECT_EQ(Err("GetRecords", "{\"ShardIterator\":" + Q(token) + "}", "InvalidArgumentException"),
              "Invalid ShardIterator.")
        << token;
  };
  for (size_t pos : {0ul, 5ul, 20ul, 40ul, 59ul}) {
    std::string bad = it;
    bad[pos] = bad[pos] == 'A' ? 'B' : 'A';
    expect_invalid(bad);
  }
  expect_invalid(std::string(60, 'A'));
  expect_invalid("AAAAAAAAAAETqSmxWqV2PpzQH7RWp1q0b7LdPfOzPDpqrEw2Q6UcmrGFu9lmH0XQ8z6r1uwXfwP3XrHjpdq4aLpOG7wT7l0R");
  expect_invalid(it.substr(0, 56));
  expect_invalid(it + "AAAA");
  expect_invalid("not an iterator");
  // Signed with another server's key.
  model::IteratorKey other_key{};
  other_key[0] = 1;
  expect_invalid(model::EncodeShardIterator(other_key, {1, 0, 0, clock_.NowMillis()}));
  // A well-signed iterator for a stream that never existed.
  std::string unknown = model::EncodeShardIterator(ctx_.iterator_key, {0x1234, 0, 0, clock_.NowMillis()});
  Err("GetRecords", "{\"ShardIterator\":" + Q(unknown) + "}", "ResourceNotFoundException");
  // A well-signed iterator naming a shard the stream does not have.
  uint64_t uid = 0;
  ASSERT_TRUE(catalog_
                  ->Read({kAccount, kRegion, "s"},
                         [&](const catalog::Stream& s) {
                           uid = s.uid;
                           return Status::Ok();
                         })
                  .ok());
  expect_invalid(model::EncodeShardIterator(ctx_.iterator_key, {uid, 7, 0, clock_.NowMillis()}));
  // Presented by another account or region.
  CallerIdentity other{"999999999999", std::string(kRegion), "AKIAOTHER"};
  Reply r = Call("GetRecords", "{\"ShardIterator\":" + Q(it) + "}", &other);
  EXPECT_EQ(r.error_type, "InvalidArgumentException");
  CallerIdentity other_region{std::string(kAccount), "eu-west-1", "AKIAEXAMPLE"};
  r = Call("GetRecords", "{\"ShardIterator\":" + Q(it) + "}", &other_region);
  EXPECT_EQ(r.error_type, "InvalidArgumentException");
  // With a StreamARN that is not the iterator's stream.
  Err("GetRecords", "{\"ShardIterator\":" + Q(it) + ",\"StreamARN\":" + Q(Arn("other")) + "}",
      "InvalidArgumentException");
  Ok("GetRecords", "{\"ShardIterator\":" + Q(it) + ",\"StreamARN\":" + Q(Arn("s")) + "}");
  // Empty: a constraint violation.
  Err("GetRecords", R"({"ShardIterator":""})", "ValidationException");
  Err("GetRecords", "{}", "ValidationException");
}

// ---------------------------------------------------------------------------------------------
// ListShards / DescribeStream / ListStreams paging

std::vector<std::string> ShardIds(const Reply& r, const char* key = "Shards") {
  std::vector<std::string> ids;
  simdjson::dom::array shards;
  if (r.json[key].get(shards) != simdjson::SUCCESS) return ids;
  for (simdjson::dom::element s : shards) ids.emplace_back(std::string_view(s["ShardId"]));
  return ids;
}

TEST_F(DispatcherTest, ListShardsContent) {
  CreateStream("s", 4);
  Reply r = Ok("ListShards", R"({"StreamName":"s"})");
  auto shards = simdjson::dom::array(r.json["Shards"]);
  ASSERT_EQ(shards.size(), 4u);
  uint32_t i = 0;
  for (simdjson::dom::element sh : shards) {
    EXPECT_EQ(std::string_view(sh["ShardId"]), model::FormatShardId({i}));
    EXPECT_EQ(std::string_view(sh["HashKeyRange"]["StartingHashKey"]),
              model::FormatHashKey(model::EvenRange(i, 4).start));
    EXPECT_EQ(std::string_view(sh["HashKeyRange"]["EndingHashKey"]), model::FormatHashKey(model::EvenRange(i, 4).end));
    EXPECT_EQ(std::string_view(sh["SequenceNumberRange"]["StartingSequenceNumber"]),
              model::FormatSequenceNumber({static_cast<uint32_t>(kStart / 1000), i, 0, 0}));
    simdjson::dom::element x;
    EXPECT_NE(sh["SequenceNumberRange"]["EndingSequenceNumber"].get(x), simdjson::SUCCESS);
    EXPECT_NE(sh["ParentShardId"].get(x), simdjson::SUCCESS);
    ++i;
  }
  EXPECT_EQ(std::string_view(r.json["Shards"].at(3)["HashKeyRange"]["EndingHashKey"]),
            "340282366920938463463374607431768211455");
  EXPECT_EQ(std::string_view(r.json["Shards"].at(1)["HashKeyRange"]["StartingHashKey"]),
            "85070591730234615865843651857942052864");
  simdjson::dom::element tok;
  EXPECT_NE(r.json["NextToken"].get(tok), simdjson::SUCCESS);
}

TEST_F(DispatcherTest, ListShardsPaging) {
  CreateStream("s", 5);
  Reply p1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":2})");
  EXPECT_EQ(ShardIds(p1), (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001"}));
  std::string t1 = Str(p1.json["NextToken"]);
  Reply p2 = Ok("ListShards", "{\"NextToken\":" + Q(t1) + ",\"MaxResults\":2}");
  EXPECT_EQ(ShardIds(p2), (std::vector<std::string>{"shardId-000000000002", "shardId-000000000003"}));
  std::string t2 = Str(p2.json["NextToken"]);
  Reply p3 = Ok("ListShards", "{\"NextToken\":" + Q(t2) + ",\"MaxResults\":2}");
  EXPECT_EQ(ShardIds(p3), (std::vector<std::string>{"shardId-000000000004"}));
  simdjson::dom::element tok;
  EXPECT_NE(p3.json["NextToken"].get(tok), simdjson::SUCCESS);
  // Exactly a page left: no NextToken.
  Reply exact = Ok("ListShards", R"({"StreamName":"s","MaxResults":5})");
  EXPECT_EQ(ShardIds(exact).size(), 5u);
  EXPECT_NE(exact.json["NextToken"].get(tok), simdjson::SUCCESS);
  // Tokens can be reused while valid.
  EXPECT_EQ(ShardIds(Ok("ListShards", "{\"NextToken\":" + Q(t1) + ",\"MaxResults\":2}")), ShardIds(p2));
  // Default page size is 1000 and larger values behave as 1000 (here: everything).
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","MaxResults":10000})")).size(), 5u);
  // ExclusiveStartShardId.
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000002"})")),
            (std::vector<std::string>{"shardId-000000000003", "shardId-000000000004"}));
  // ShardFilter AFTER_SHARD_ID.
  EXPECT_EQ(
      ShardIds(Ok("ListShards",
                  R"({"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"shardId-000000000003"}})")),
      (std::vector<std::string>{"shardId-000000000004"}));
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST"}})")).size(), 5u);
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_TRIM_HORIZON"}})")).size(), 5u);
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"FROM_TRIM_HORIZON"}})")).size(), 5u);
  EXPECT_EQ(
      ShardIds(Ok("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":1700000000}})"))
          .size(),
      5u);
  // A filter survives paging.
  Reply f1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":3,"ShardFilter":{"Type":"AT_LATEST"}})");
  EXPECT_EQ(ShardIds(f1).size(), 3u);
  Reply f2 = Ok("ListShards", "{\"NextToken\":" + Q(Str(f1.json["NextToken"])) + "}");
  EXPECT_EQ(ShardIds(f2), (std::vector<std::string>{"shardId-000000000003", "shardId-000000000004"}));
  // Through the ARN.
  EXPECT_EQ(ShardIds(Ok("ListShards", "{\"StreamARN\":" + Q(Arn("s")) + "}")).size(), 5u);
}

TEST_F(DispatcherTest, ListShardsErrors) {
  CreateStream("s", 3);
  Reply p1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":1})");
  std::string tok = Str(p1.json["NextToken"]);
  Err("ListShards", "{\"NextToken\":" + Q(tok) + ",\"StreamName\":\"s\"}", "InvalidArgumentException");
  Err("ListShards", "{\"NextToken\":" + Q(tok) + ",\"ExclusiveStartShardId\":\"shardId-000000000000\"}",
      "InvalidArgumentException");
  Err("ListShards", "{}", "InvalidArgumentException");
  Err("ListShards", R"({"NextToken":"bm90IGEgdG9rZW4="})", "InvalidArgumentException");
  std::string tampered = tok;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  Err("ListShards", "{\"NextToken\":" + Q(tampered) + "}", "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID"}})", "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP"}})", "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST","ShardId":"shardId-000000000000"}})",
      "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"AT_LATEST","Timestamp":1700000000}})",
      "InvalidArgumentException");
  Err("ListShards", R"({"StreamName":"s","ShardFilter":{"Type":"NOPE"}})", "ValidationException");
  Err("ListShards", R"({"StreamName":"s","MaxResults":0})", "ValidationException");
  Err("ListShards", R"({"StreamName":"nope"})", "ResourceNotFoundException");
  // StreamCreationTimestamp must match the stream's.
  Ok("ListShards", R"({"StreamName":"s","StreamCreationTimestamp":1700000000})");
  Err("ListShards", R"({"StreamName":"s","StreamCreationTimestamp":1600000000})", "ResourceNotFoundException");
  // A ListStreams token is not a ListShards token.
  CreateStream("t", 1);
  Reply ls = Ok("ListStreams", R"({"Limit":1})");
  Err("ListShards", "{\"NextToken\":" + Q(Str(ls.json["NextToken"])) + "}", "InvalidArgumentException");
}

TEST_F(DispatcherTest, ListShardsNextTokenExpires) {
  CreateStream("s", 3);
  Reply p1 = Ok("ListShards", R"({"StreamName":"s","MaxResults":1})");
  std::string tok = Str(p1.json["NextToken"]);
  clock_.Advance(300'000);
  Ok("ListShards", "{\"NextToken\":" + Q(tok) + "}");  // exactly 300 s: still valid
  clock_.Advance(1);
  Err("ListShards", "{\"NextToken\":" + Q(tok) + "}", "ExpiredNextTokenException");
}

TEST_F(DispatcherTest, DescribeStreamPaging) {
  CreateStream("s", 5);
  Reply p1 = Ok("DescribeStream", R"({"StreamName":"s","Limit":2})");
  auto d1 = p1.json["StreamDescription"];
  EXPECT_EQ(std::string_view(d1["StreamName"]), "s");
  EXPECT_EQ(std::string_view(d1["StreamARN"]), Arn("s"));
  EXPECT_EQ(std::string_view(d1["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(int64_t(d1["RetentionPeriodHours"]), 24);
  EXPECT_EQ(std::string_view(d1["EncryptionType"]), "NONE");
  EXPECT_EQ(std::string_view(d1["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_DOUBLE_EQ(double(d1["StreamCreationTimestamp"]), 1700000000.0);
  EXPECT_EQ(simdjson::dom::array(d1["EnhancedMonitoring"].at(0)["ShardLevelMetrics"]).size(), 0u);
  std::vector<std::string> ids;
  {
    simdjson::dom::array shards = d1["Shards"];
    for (simdjson::dom::element s : shards) ids.emplace_back(std::string_view(s["ShardId"]));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001"}));
  EXPECT_TRUE(bool(d1["HasMoreShards"]));
  std::vector<std::string> all = ids;
  std::string last = ids.back();
  for (int page = 0; page < 5; ++page) {
    Reply p = Ok("DescribeStream", "{\"StreamName\":\"s\",\"Limit\":2,\"ExclusiveStartShardId\":" + Q(last) + "}");
    simdjson::dom::array shards = p.json["StreamDescription"]["Shards"];
    for (simdjson::dom::element s : shards) all.emplace_back(std::string_view(s["ShardId"]));
    last = all.back();
    if (!bool(p.json["StreamDescription"]["HasMoreShards"])) break;
  }
  EXPECT_EQ(all, (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002",
                                           "shardId-000000000003", "shardId-000000000004"}));
  Reply exact = Ok("DescribeStream", R"({"StreamName":"s","Limit":5})");
  EXPECT_FALSE(bool(exact.json["StreamDescription"]["HasMoreShards"]));
  Reply after_last = Ok("DescribeStream", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000004"})");
  EXPECT_EQ(simdjson::dom::array(after_last.json["StreamDescription"]["Shards"]).size(), 0u);
  EXPECT_FALSE(bool(after_last.json["StreamDescription"]["HasMoreShards"]));
}

TEST_F(DispatcherTest, DescribeStreamLimitAbove100BehavesAs100) {
  CreateStream("s", 120);
  for (const char* body :
       {R"({"StreamName":"s"})", R"({"StreamName":"s","Limit":10000})", R"({"StreamName":"s","Limit":101})"}) {
    Reply r = Ok("DescribeStream", body);
    EXPECT_EQ(simdjson::dom::array(r.json["StreamDescription"]["Shards"]).size(), 100u) << body;
    EXPECT_TRUE(bool(r.json["StreamDescription"]["HasMoreShards"]));
  }
  Reply rest = Ok("DescribeStream", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000099"})");
  EXPECT_EQ(simdjson::dom::array(rest.json["StreamDescription"]["Shards"]).size(), 20u);
  EXPECT_FALSE(bool(rest.json["StreamDescription"]["HasMoreShards"]));
  // ListShards pages up to 1000.
  EXPECT_EQ(ShardIds(Ok("ListShards", R"({"StreamName":"s"})")).size(), 120u);
}

std::vector<std::string> StreamNames(const Reply& r) {
  std::vector<std::string> names;
  for (simdjson::dom::element n : simdjson::dom::array(r.json["StreamNames"])) names.emplace_back(std::string_view(n));
  return names;
}

TEST_F(DispatcherTest, ListStreamsPaging) {
  for (const char* n : {"delta", "alpha", "echo", "charlie", "bravo"}) CreateStream(n, 1);
  CallerIdentity other{"999999999999", std::string(kRegion), "AKIAOTHER"};
  Ok("CreateStream", R"({"StreamName":"zulu-other-account","ShardCount":1})", &other);
  Reply all = Ok("ListStreams", "{}");
  EXPECT_EQ(StreamNames(all), (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_FALSE(bool(all.json["HasMoreStreams"]));
  simdjson::dom::element tok;
  EXPECT_NE(all.json["NextToken"].get(tok), simdjson::SUCCESS);
  auto summaries = simdjson::dom::array(all.json["StreamSummaries"]);
  ASSERT_EQ(summaries.size(), 5u);
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamName"]), "alpha");
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamARN"]), Arn("alpha"));
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(std::string_view(summaries.at(0)["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_DOUBLE_EQ(double(summaries.at(0)["StreamCreationTimestamp"]), 1700000000.0);

  Reply p1 = Ok("ListStreams", R"({"Limit":2})");
  EXPECT_EQ(StreamNames(p1), (std::vector<std::string>{"alpha", "bravo"}));
  EXPECT_TRUE(bool(p1.json["HasMoreStreams"]));
  EXPECT_EQ(simdjson::dom::array(p1.json["StreamSummaries"]).size(), 2u);
  std::string t1 = Str(p1.json["NextToken"]);
  Reply p2 = Ok("ListStreams", "{\"Limit\":2,\"NextToken\":" + Q(t1) + "}");
  EXPECT_EQ(StreamNames(p2), (std::vector<std::string>{"charlie", "delta"}));
  EXPECT_TRUE(bool(p2.json["HasMoreStreams"]));
  std::string t2 = Str(p2.json["NextToken"]);
  Reply p3 = Ok("ListStreams", "{\"Limit\":2,\"NextToken\":" + Q(t2) + "}");
  EXPECT_EQ(StreamNames(p3), (std::vector<std::string>{"echo"}));
  EXPECT_FALSE(bool(p3.json["HasMoreStreams"]));
  EXPECT_NE(p3.json["NextToken"].get(tok), simdjson::SUCCESS);
  // Legacy paging.
  EXPECT_EQ(StreamNames(Ok("ListStreams", R"({"ExclusiveStartStreamName":"charlie"})")),
            (std::vector<std::string>{"delta", "echo"}));
  EXPECT_EQ(StreamNames(Ok("ListStreams", R"({"ExclusiveStartStreamName":"c"})")),
            (std::vector<std::string>{"charlie", "delta", "echo"}));
  // Token expiry.
  clock_.Advance(300'000);
  Ok("ListStreams", "{\"NextToken\":" + Q(t1) + "}");
  clock_.Advance(1);
  Err("ListStreams", "{\"NextToken\":" + Q(t1) + "}", "ExpiredNextTokenException");
  // A ListShards token is not a ListStreams token; garbage is invalid.
  CreateStream("multi", 2);
  Reply ls2 = Ok("ListShards", R"({"StreamName":"multi","MaxResults":1})");
  Err("ListStreams", "{\"NextToken\":" + Q(Str(ls2.json["NextToken"])) + "}", "InvalidArgumentException");
  Err("ListStreams", R"({"NextToken":"garbage"})", "InvalidArgumentException");
  Err("ListStreams", R"({"Limit":0})", "ValidationException");
}

TEST_F(DispatcherTest, ListStreamsLimitAbove100BehavesAs100) {
  catalog::CatalogOptions o;
  o.shard_limit = 1000;
  Rebuild(o);
  for (int i = 0; i < 105; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "s%03d", i);
    CreateStream(name, 1);
  }
  Reply r = Ok("ListStreams", R"({"Limit":1000})");
  EXPECT_EQ(StreamNames(r).size(), 100u);
  EXPECT_TRUE(bool(r.json["HasMoreStreams"]));
  Reply dflt = Ok("ListStreams", "{}");
  EXPECT_EQ(StreamNames(dflt).size(), 100u);
  Reply rest = Ok("ListStreams", "{\"NextToken\":" + Q(Str(dflt.json["NextToken"])) + "}");
  EXPECT_EQ(StreamNames(rest), (std::vector<std::string>{"s100", "s101", "s102", "s103", "s104"}));
}

// ---------------------------------------------------------------------------------------------
// Tags

std::vector<std::pair<std::string, std::string>> TagList(const Reply& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (simdjson::dom::element t : simdjson::dom::array(r.json["Tags"]))
    out.emplace_back(std::string_view(t["Key"]), std::string_view(t["Value"]));
  return out;
}

TEST_F(DispatcherTest, StreamTags) {
  CreateStream("s", 1);
  EXPECT_EQ(Ok("AddTagsToStream", R"({"StreamName":"s","Tags":{"b":"2","a":"1","c":""}})").body, "");
  Reply l = Ok("ListTagsForStream", R"({"StreamName":"s"})");
  EXPECT_EQ(TagList(l), (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}, {"c", ""}}));
  EXPECT_FALSE(bool(l.json["HasMoreTags"]));
  // Overwrite.
  Ok("AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"one"}})");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s","Limit":1})")),
            (std::vector<std::pair<std::string, std::string>>{{"a", "one"}}));
  Reply page = Ok("ListTagsForStream", R"({"StreamName":"s","Limit":1,"ExclusiveStartTagKey":"a"})");
  EXPECT_EQ(TagList(page), (std::vector<std::pair<std::string, std::string>>{{"b", "2"}}));
  EXPECT_TRUE(bool(page.json["HasMoreTags"]));
  Reply last = Ok("ListTagsForStream", R"({"StreamName":"s","ExclusiveStartTagKey":"b"})");
  EXPECT_EQ(TagList(last), (std::vector<std::pair<std::string, std::string>>{{"c", ""}}));
  EXPECT_FALSE(bool(last.json["HasMoreTags"]));
  // Remove (unknown keys ignored).
  EXPECT_EQ(Ok("RemoveTagsFromStream", R"({"StreamName":"s","TagKeys":["b","zzz"]})").body, "");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s"})")),
            (std::vector<std::pair<std::string, std::string>>{{"a", "one"}, {"c", ""}}));
  // Character rules.
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"a*b":"v"}})", "InvalidArgumentException");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"k":"v#"}})", "InvalidArgumentException");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"aws:reserved":"v"}})", "InvalidArgumentException");
  Ok("AddTagsToStream", R"({"StreamName":"s","Tags":{"ok_.:/=+-@ key":"v a l"}})");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{}})", "ValidationException");
  Err("AddTagsToStream", R"({"StreamName":"nope","Tags":{"a":"b"}})", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, TagLimitOfFiftyPerStream) {
  CreateStream("s", 1);
  std::string tags;
  for (int i = 0; i < 45; ++i) tags += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  Ok("AddTagsToStream", "{\"StreamName\":\"s\",\"Tags\":{" + tags + "}}");
  // 10 more would make 55: refused as a whole.
  std::string more;
  for (int i = 45; i < 55; ++i) more += (i > 45 ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  Err("AddTagsToStream", "{\"StreamName\":\"s\",\"Tags\":{" + more + "}}", "LimitExceededException");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s"})")).size(), 45u);
  // Overwriting existing keys does not count; reaching exactly 50 is fine.
  std::string five = R"("k0":"x","k1":"x","k45":"v","k46":"v","k47":"v","k48":"v","k49":"v")";
  Ok("AddTagsToStream", "{\"StreamName\":\"s\",\"Tags\":{" + five + "}}");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"k50":"v"}})", "LimitExceededException");
  Reply l = Ok("ListTagsForStream", R"({"StreamName":"s","Limit":50})");
  EXPECT_EQ(TagList(l).size(), 50u);
  EXPECT_FALSE(bool(l.json["HasMoreTags"]));
}

TEST_F(DispatcherTest, ResourceTags) {
  CreateStream("s", 1);
  const std::string arn = Arn("s");
  EXPECT_EQ(Ok("TagResource", "{\"ResourceARN\":" + Q(arn) + ",\"Tags\":{\"x\":\"1\",\"y\":\"2\"}}").body, "");
  Reply l = Ok("ListTagsForResource", "{\"ResourceARN\":" + Q(arn) + "}");
  EXPECT_EQ(TagList(l), (std::vector<std::pair<std::string, std::string>>{{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ(Ok("UntagResource", "{\"ResourceARN\":" + Q(arn) + ",\"TagKeys\":[\"x\"]}").body, "");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s"})")),
            (std::vector<std::pair<std::string, std::string>>{{"y", "2"}}));
  // Consumers do not exist yet.
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(arn + "/consumer/c:1700000000") + "}",
      "ResourceNotFoundException");
  Err("TagResource", "{\"ResourceARN\":" + Q(arn + "/consumer/c:1700000000") + ",\"Tags\":{\"a\":\"b\"}}",
      "ResourceNotFoundException");
  // Addressing rules as for StreamARN.
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("s", kRegion, "999999999999")) + "}", "AccessDeniedException");
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("s", "eu-west-1")) + "}", "ResourceNotFoundException");
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("nope")) + "}", "ResourceNotFoundException");
  Err("ListTagsForResource", "{}", "ValidationException");
  Err("TagResource", "{\"ResourceARN\":" + Q(arn) + ",\"Tags\":{\"a!\":\"b\"}}", "InvalidArgumentException");
}

// ---------------------------------------------------------------------------------------------
// Retention and record size

TEST_F(DispatcherTest, RetentionRules) {
  CreateStream("s", 1);
  auto retention = [&] {
    return int64_t(
        Ok("DescribeStreamSummary", R"({"StreamName":"s"})").json["StreamDescriptionSummary"]["RetentionPeriodHours"]);
  };
  EXPECT_EQ(Ok("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})").body, "");
  EXPECT_EQ(retention(), 48);
  // Increase must not shorten; Decrease must not lengthen.
  std::string msg = Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":24})",
                        "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("24"));
  EXPECT_THAT(msg, HasSubstr("48"));
  msg = Err("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":72})",
            "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("72"));
  EXPECT_THAT(msg, HasSubstr("48"));
  EXPECT_EQ(retention(), 48);
  // The same period is neither an increase nor a decrease.
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})", "InvalidArgumentException");
  Err("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})", "InvalidArgumentException");
  EXPECT_EQ(retention(), 48);
  Ok("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":24})");
  EXPECT_EQ(retention(), 24);
  // Bounds 24..8760.
  msg = Err("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":23})",
            "InvalidArgumentException");
  EXPECT_THAT(msg, HasSubstr("24"));
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":8761})", "InvalidArgumentException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":0})", "InvalidArgumentException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":-5})", "InvalidArgumentException");
  Ok("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":8760})");
  EXPECT_EQ(retention(), 8760);
  Reply ds = Ok("DescribeStream", R"({"StreamName":"s"})");
  EXPECT_EQ(int64_t(ds.json["StreamDescription"]["RetentionPeriodHours"]), 8760);
  // Missing value, unknown stream, ARN addressing.
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"s"})", "ValidationException");
  Err("IncreaseStreamRetentionPeriod", R"({"StreamName":"nope","RetentionPeriodHours":48})",
      "ResourceNotFoundException");
  Ok("DecreaseStreamRetentionPeriod", "{\"StreamARN\":" + Q(Arn("s")) + ",\"RetentionPeriodHours\":100}");
  EXPECT_EQ(retention(), 100);
}

TEST_F(DispatcherTest, UpdateMaxRecordSizeThenTwoMiBRecordIsAccepted) {
  CreateStream("s", 1);
  const std::string one_mib = std::string(1024 * 1024, 'a');
  const std::string two_mib = std::string(2 * 1024 * 1024, 'b');
  auto put_body = [](const std::string& data) {
    return "{\"StreamName\":\"s\",\"PartitionKey\":\"k\",\"Data\":\"" + B64(data) + "\"}";
  };
  // Default: 1 MiB.
  Ok("PutRecord", put_body(one_mib));
  EXPECT_EQ(Err("PutRecord", put_body(one_mib + "x"), "ValidationException"),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' "
            "failed to satisfy constraint: Member must have length less than or equal to 1048576");
  Err("PutRecord", put_body(two_mib), "ValidationException");
  // Raise to 2 MiB.
  EXPECT_EQ(Ok("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":2048}").body, "");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["MaxRecordSizeInKiB"]), 2048);
  PutResult big = [&] {
    Reply r = Ok("PutRecord", put_body(two_mib));
    return PutResult{Str(r.json["ShardId"]), Str(r.json["SequenceNumber"])};
  }();
  Err("PutRecord", put_body(two_mib + "x"), "ValidationException");
  // PutRecords takes it too (the request cap rises to 10 MiB).
  Reply pr = Ok("PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"PartitionKey\":\"k\",\"Data\":\"" + B64(two_mib) +
                                  "\"},{\"PartitionKey\":\"k\",\"Data\":\"" + B64(two_mib) +
                                  "\"},{\"PartitionKey\":\"k\",\"Data\":\"" + B64(two_mib) + "\"}]}");
  EXPECT_EQ(int64_t(pr.json["FailedRecordCount"]), 0);
  // And it reads back intact.
  std::vector<Rec> all = ReadShard("s", "shardId-000000000000");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].data, one_mib);
  EXPECT_EQ(all[1].data, two_mib);
  EXPECT_EQ(all[1].sequence_number, big.sequence_number);
  EXPECT_EQ(all[4].data, two_mib);
  // Errors.
  EXPECT_EQ(Err("UpdateMaxRecordSize", R"({"StreamName":"s","MaxRecordSizeInKiB":2048})", "InvalidArgumentException"),
            "StreamARN must be provided.");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":10241}", "ValidationException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":1023}", "ValidationException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + "}", "ValidationException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("nope")) + ",\"MaxRecordSizeInKiB\":2048}",
      "ResourceNotFoundException");
  // Back down to 1 MiB: 2 MiB records are refused again.
  Ok("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":1024}");
  Err("PutRecord", put_body(two_mib), "ValidationException");
}

TEST_F(DispatcherTest, PartitionKeysAreStoredAndHashedAsUtf8) {
  CreateStream("s", 8);
  // JSON escapes are decoded before hashing: "\u00e9" is the UTF-8 bytes C3 A9.
  Reply r = Ok("PutRecord", R"({"StreamName":"s","PartitionKey":"caf\u00e9 \"q\" \\ \n","Data":"AAAA"})");
  const std::string key = "caf\xc3\xa9 \"q\" \\ \n";
  model::HashKey h = model::HashPartitionKey(key);
  uint32_t expect = 0;
  for (uint32_t i = 0; i < 8; ++i)
    if (model::EvenRange(i, 8).Contains(h)) expect = i;
  EXPECT_EQ(Str(r.json["ShardId"]), model::FormatShardId({expect}));
  std::vector<Rec> got = ReadShard("s", model::FormatShardId({expect}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].partition_key, key);
}

TEST_F(DispatcherTest, ProvisionedModeAndHugeShardCounts) {
  Ok("CreateStream", R"({"StreamName":"p","ShardCount":2,"StreamModeDetails":{"StreamMode":"PROVISIONED"}})");
  Reply d = Ok("DescribeStreamSummary", R"({"StreamName":"p"})");
  EXPECT_EQ(std::string_view(d.json["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]), "PROVISIONED");
  EXPECT_EQ(int64_t(d.json["StreamDescriptionSummary"]["OpenShardCount"]), 2);
  Err("CreateStream", R"({"StreamName":"big","ShardCount":501})", "LimitExceededException");
  Err("CreateStream", R"({"StreamName":"big","ShardCount":9999999999})", "LimitExceededException");
  Err("CreateStream", R"({"StreamName":"big","ShardCount":9223372036854775807})", "LimitExceededException");
  Err("DescribeStreamSummary", R"({"StreamName":"big"})", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, DataPlaneKeepsWorkingWhileDeleting) {
  catalog::CatalogOptions o;
  o.delete_stream_delay_ms = 10'000;
  Rebuild(o);
  CreateStream("s", 1);
  Put("s", "k", "before");
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  Ok("DeleteStream", R"({"StreamName":"s"})");
  Page p = Get(it);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].data, "before");
  // Control operations that change the stream need it ACTIVE.
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"b"}})", "ResourceInUseException");
  Err("UpdateMaxRecordSize", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxRecordSizeInKiB\":2048}",
      "ResourceInUseException");
  clock_.Advance(10'000);
  Err("GetRecords", "{\"ShardIterator\":" + Q(*p.next) + "}", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, SequenceNumbersOfAPreviousIncarnationAreRejected) {
  // docs/formats/sequence-number.md: the epoch "distinguishes a re-created stream of the same
  // name", and a number whose epoch is not the stream's is InvalidArgumentException.
  CreateStream("s", 1);
  PutResult old = Put("s", "k", "old incarnation");
  clock_.Advance(2000);
  Ok("DeleteStream", R"({"StreamName":"s"})");
  CreateStream("s", 1);
  Put("s", "k", "new incarnation");
  const std::string req =
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER",
                              "StartingSequenceNumber":)" +
      Q(old.sequence_number) + "}";
  Err("GetShardIterator", req, "InvalidArgumentException");
  // Re-created within the same second (a common pattern in test suites that reset a stream).
  Ok("DeleteStream", R"({"StreamName":"s"})");
  CreateStream("s", 1);
  PutResult third = Put("s", "k", "third incarnation");
  (void)third;
  const std::string req2 =
      R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER",
                               "StartingSequenceNumber":)" +
      Q(Put("s", "k", "x").sequence_number) + "}";
  Ok("GetShardIterator", req2);
  clock_.Advance(10);
  Ok("DeleteStream", R"({"StreamName":"s"})");
  CreateStream("s", 1);
  Reply r = Call("GetShardIterator", req2);
  EXPECT_EQ(r.error_type, "InvalidArgumentException") << r;
}

TEST_F(DispatcherTest, RecordsOlderThanRetentionAreNotReturned) {
  CreateStream("s", 1);
  Put("s", "k", "old");
  clock_.Advance(24 * 3600 * 1000 + 1000);  // the record is now past the 24 h retention
  Put("s", "k", "new");
  Page p = Get(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"));
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].data, "new");
}

// ---------------------------------------------------------------------------------------------
// Account-level

TEST_F(DispatcherTest, DescribeLimitsAndAccountSettings) {
  CreateStream("a", 3);
  CreateStream("b", 2);
  Reply l = Ok("DescribeLimits", "{}");
  EXPECT_EQ(int64_t(l.json["ShardLimit"]), 500);
  EXPECT_EQ(int64_t(l.json["OpenShardCount"]), 5);
  EXPECT_EQ(int64_t(l.json["OnDemandStreamCount"]), 0);
  EXPECT_EQ(int64_t(l.json["OnDemandStreamCountLimit"]), 50);
  CallerIdentity other{"999999999999", std::string(kRegion), "AKIAOTHER"};
  EXPECT_EQ(int64_t(Ok("DescribeLimits", "{}", &other).json["OpenShardCount"]), 0);
  Reply s = Ok("DescribeAccountSettings", "{}");
  EXPECT_EQ(std::string_view(s.json["MinimumThroughputBillingCommitment"]["Status"]), "DISABLED");
  Err("DescribeLimits", "[]", "SerializationException");
}

TEST_F(DispatcherTest, EveryOperationCompletesExactlyOnceEvenOnErrors) {
  const char* ops[] = {"PutRecords",
                       "PutRecord",
                       "GetRecords",
                       "GetShardIterator",
                       "ListShards",
                       "DescribeStreamSummary",
                       "DescribeStream",
                       "ListStreams",
                       "CreateStream",
                       "DeleteStream",
                       "IncreaseStreamRetentionPeriod",
                       "DecreaseStreamRetentionPeriod",
                       "AddTagsToStream",
                       "RemoveTagsFromStream",
                       "ListTagsForStream",
                       "TagResource",
                       "UntagResource",
                       "ListTagsForResource",
                       "DescribeLimits",
                       "DescribeAccountSettings",
                       "UpdateMaxRecordSize"};
  for (const char* op : ops) {
    for (const char* body : {"{", "{}", "[]", R"({"StreamName":"nope"})", ""}) {
      Reply r = Call(op, body);  // Call checks the completion count
      EXPECT_TRUE(r.status == 200 || r.status == 400) << op << " " << body << " -> " << r;
      if (r.status != 200) {
        std::string_view t;
        EXPECT_EQ(r.json["__type"].get(t), simdjson::SUCCESS) << r;
        EXPECT_EQ(t, r.error_type);
      }
    }
  }
}

}  // namespace
}  // namespace sluice::server::api
