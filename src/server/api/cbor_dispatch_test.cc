// CBOR (application/x-amz-cbor-1.1) end to end through KinesisDispatcher over the in-memory
// store: requests are transcoded to JSON at the edge and replies back to CBOR.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "model/shard_id.h"
#include "protocol/cbor.h"
#include "server/api/api_context.h"
#include "server/api/kinesis_dispatcher.h"
#include "storage/memory_log_store.h"

namespace sluice::server::api {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

// A minimal CBOR writer for request bodies, able to write Jackson's indefinite-length forms.
class Cbor {
 public:
  Cbor& Head(int major, uint64_t n) {
    auto mt = static_cast<uint8_t>(major << 5);
    if (n < 24) {
      s_.push_back(static_cast<char>(mt | n));
    } else {
      int bytes = n <= 0xFF ? 1 : n <= 0xFFFF ? 2 : n <= 0xFFFFFFFFu ? 4 : 8;
      s_.push_back(static_cast<char>(mt | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27)));
      for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) s_.push_back(static_cast<char>(n >> shift));
    }
    return *this;
  }
  Cbor& Uint(uint64_t n) { return Head(0, n); }
  Cbor& Bytes(std::string_view b) {
    Head(2, b.size());
    s_.append(b);
    return *this;
  }
  Cbor& Text(std::string_view t) {
    Head(3, t.size());
    s_.append(t);
    return *this;
  }
  Cbor& Map(uint64_t pairs) { return Head(5, pairs); }
  Cbor& Array(uint64_t n) { return Head(4, n); }
  Cbor& BeginMap() { return Raw(0xBF); }
  Cbor& BeginArray() { return Raw(0x9F); }
  Cbor& End() { return Raw(0xFF); }
  Cbor& Tag(uint64_t t) { return Head(6, t); }
  Cbor& Raw(uint8_t b) {
    s_.push_back(static_cast<char>(b));
    return *this;
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

std::string BigEndian64(uint64_t v) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
  return out;
}

// `needle` preceded by a CBOR text key.
std::string KeyThen(std::string_view key, std::string_view value_bytes) {
  Cbor c;
  c.Text(key);
  std::string out = c.str();
  out.append(value_bytes);
  return out;
}

struct Reply {
  int status = 0;
  std::string error_type;
  std::string body;            // raw CBOR
  std::string json;            // CborToJson(body)
  simdjson::dom::element doc;  // parsed json; valid for the fixture's lifetime
};

std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << "HTTP " << r.status << " " << r.error_type << " " << r.json;
}

class CborDispatchTest : public ::testing::Test {
 protected:
  CborDispatchTest() {
    catalog_ = std::make_unique<catalog::Catalog>(catalog::CatalogOptions{}, &clock_, logs_.get(), meta_.get());
    ctx_.catalog = catalog_.get();
    ctx_.clock = &clock_;
    for (size_t i = 0; i < ctx_.iterator_key.size(); ++i) ctx_.iterator_key[i] = static_cast<uint8_t>(i * 7 + 3);
    dispatcher_ = std::make_unique<KinesisDispatcher>(&ctx_);
  }

  Reply Call(std::string_view op, std::string_view body, protocol::BodyEncoding enc = protocol::BodyEncoding::kCbor) {
    // A CBOR body is decoded without reading past its end: give it an exact-size allocation so
    // AddressSanitizer would catch an over-read. JSON bodies get the transport's padding.
    size_t alloc = body.size() + (enc == protocol::BodyEncoding::kJson ? kBodyPadding : 0);
    auto& buf = bodies_.emplace_back(new char[alloc > 0 ? alloc : 1]);
    std::copy(body.begin(), body.end(), buf.get());
    std::fill(buf.get() + body.size(), buf.get() + alloc, ' ');
    ApiRequest req;
    req.operation = op;
    req.encoding = enc;
    req.body = std::string_view(buf.get(), body.size());
    req.caller = {"123456789012", "us-east-1", "AKIAEXAMPLE"};
    req.request_id = "00000000-0000-4000-8000-000000000000";
    req.received_at_ms = clock_.NowMillis();
    ApiResponse resp;
    resp.body = "junk left over from a previous response";
    int completions = 0;
    dispatcher_->Dispatch(req, &resp, [&] { ++completions; });
    EXPECT_EQ(completions, 1) << op;
    Reply r;
    r.status = resp.http_status;
    r.error_type = std::string(resp.error_type);
    r.body = resp.body;
    if (enc == protocol::BodyEncoding::kCbor && !r.body.empty()) {
      Status st = protocol::CborToJson(r.body, &r.json);
      EXPECT_TRUE(st.ok()) << op << " replied with invalid CBOR: " << st.ToString();
    } else {
      r.json = r.body;
    }
    if (!r.json.empty()) {
      auto& parser = parsers_.emplace_back();
      EXPECT_EQ(parser.parse(r.json).get(r.doc), simdjson::SUCCESS) << r.json;
    }
    return r;
  }

  Reply Ok(std::string_view op, const Cbor& body) {
    Reply r = Call(op, body.str());
    EXPECT_EQ(r.status, 200) << op << " -> " << r;
    EXPECT_TRUE(r.error_type.empty()) << r;
    return r;
  }

  void CreateStream(std::string_view name, uint64_t shards) {
    // Jackson writes indefinite-length maps.
    Reply r = Ok("CreateStream", Cbor().BeginMap().Text("StreamName").Text(name).Text("ShardCount").Uint(shards).End());
    EXPECT_EQ(r.body, "") << "no output shape: empty body";
  }

  std::string Iterator(const Cbor& body) {
    Reply r = Ok("GetShardIterator", body);
    std::string_view it;
    EXPECT_EQ(r.doc["ShardIterator"].get(it), simdjson::SUCCESS) << r;
    return std::string(it);
  }

  ManualClock clock_{kStart};
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  std::unique_ptr<catalog::MetadataStore> meta_ = catalog::NewMemoryMetadataStore();
  std::unique_ptr<catalog::Catalog> catalog_;
  ApiContext ctx_;
  std::unique_ptr<KinesisDispatcher> dispatcher_;
  std::deque<std::unique_ptr<char[]>> bodies_;
  std::deque<simdjson::dom::parser> parsers_;
};

TEST_F(CborDispatchTest, PutAndGetBinaryRecord) {
  CreateStream("cbor", 1);
  clock_.Advance(123);  // an arrival time with a millisecond part

  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  Reply put = Ok(
      "PutRecord",
      Cbor().BeginMap().Text("StreamName").Text("cbor").Text("Data").Bytes(data).Text("PartitionKey").Text("k").End());
  ASSERT_FALSE(put.body.empty());
  EXPECT_EQ(static_cast<uint8_t>(put.body[0]) >> 5, 5) << "reply is a CBOR map";
  EXPECT_EQ(std::string_view(put.doc["ShardId"]), model::FormatShardId({0}));
  EXPECT_EQ(std::string_view(put.doc["SequenceNumber"]).size(), 56u);
  EXPECT_EQ(std::string_view(put.doc["EncryptionType"]), "NONE");

  std::string it = Iterator(Cbor()
                                .Map(3)
                                .Text("StreamName")
                                .Text("cbor")
                                .Text("ShardId")
                                .Text(model::FormatShardId({0}))
                                .Text("ShardIteratorType")
                                .Text("TRIM_HORIZON"));
  Reply get = Ok("GetRecords", Cbor().BeginMap().Text("ShardIterator").Text(it).Text("Limit").Uint(10).End());
  // Data comes back as a CBOR byte string (major type 2) holding the raw bytes ...
  EXPECT_NE(get.body.find(KeyThen("Data", Cbor().Bytes(data).str())), std::string::npos) << get;
  // ... and the arrival time as tag 1 + integer epoch milliseconds.
  EXPECT_NE(get.body.find(KeyThen("ApproximateArrivalTimestamp", "\xc1\x1b" + BigEndian64(kStart + 123))),
            std::string::npos)
      << get;
  auto records = simdjson::dom::array(get.doc["Records"]);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(double(records.at(0)["ApproximateArrivalTimestamp"]), (kStart + 123) / 1000.0);
  EXPECT_EQ(std::string_view(records.at(0)["PartitionKey"]), "k");
  EXPECT_EQ(int64_t(get.doc["MillisBehindLatest"]), 0);

  // AT_TIMESTAMP with a tag-1 millisecond timestamp, as the Java SDK writes it.
  clock_.Advance(10);
  std::string at = Iterator(Cbor()
                                .BeginMap()
                                .Text("StreamName")
                                .Text("cbor")
                                .Text("ShardId")
                                .Text(model::FormatShardId({0}))
                                .Text("ShardIteratorType")
                                .Text("AT_TIMESTAMP")
                                .Text("Timestamp")
                                .Tag(1)
                                .Uint(kStart + 124)
                                .End());
  Reply none = Ok("GetRecords", Cbor().Map(1).Text("ShardIterator").Text(at));
  EXPECT_EQ(simdjson::dom::array(none.doc["Records"]).size(), 0u) << none;
  at = Iterator(Cbor()
                    .BeginMap()
                    .Text("StreamName")
                    .Text("cbor")
                    .Text("ShardId")
                    .Text(model::FormatShardId({0}))
                    .Text("ShardIteratorType")
                    .Text("AT_TIMESTAMP")
                    .Text("Timestamp")
                    .Tag(1)
                    .Uint(kStart + 123)
                    .End());
  Reply one = Ok("GetRecords", Cbor().Map(1).Text("ShardIterator").Text(at));
  EXPECT_EQ(simdjson::dom::array(one.doc["Records"]).size(), 1u) << one;
}

TEST_F(CborDispatchTest, PutRecordsWithIndefiniteArrays) {
  CreateStream("batch", 2);
  Cbor body;
  body.BeginMap().Text("StreamName").Text("batch").Text("Records").BeginArray();
  for (int i = 0; i < 5; ++i)
    body.BeginMap()
        .Text("Data")
        .Bytes(std::string(3, static_cast<char>(i)))
        .Text("PartitionKey")
        .Text("pk" + std::to_string(i))
        .End();
  body.End().End();
  Reply r = Ok("PutRecords", body);
  EXPECT_EQ(int64_t(r.doc["FailedRecordCount"]), 0);
  EXPECT_EQ(simdjson::dom::array(r.doc["Records"]).size(), 5u);
}

TEST_F(CborDispatchTest, DescribeStreamSummaryTimestampIsTag1Millis) {
  CreateStream("summary", 1);
  Reply r = Ok("DescribeStreamSummary", Cbor().Map(1).Text("StreamName").Text("summary"));
  EXPECT_NE(r.body.find(KeyThen("StreamCreationTimestamp", "\xc1\x1b" + BigEndian64(kStart))), std::string::npos) << r;
  EXPECT_EQ(std::string_view(r.doc["StreamDescriptionSummary"]["StreamStatus"]), "ACTIVE");
  EXPECT_EQ(int64_t(r.doc["StreamDescriptionSummary"]["OpenShardCount"]), 1);
}

TEST_F(CborDispatchTest, EmptyBodiesAndEmptyMaps) {
  for (std::string_view body : {std::string_view(), std::string_view("\xa0", 1), std::string_view("\xbf\xff", 2)}) {
    Reply r = Call("ListStreams", body);
    EXPECT_EQ(r.status, 200) << r;
    EXPECT_EQ(simdjson::dom::array(r.doc["StreamNames"]).size(), 0u) << r;
    EXPECT_FALSE(bool(r.doc["HasMoreStreams"]));
  }
}

TEST_F(CborDispatchTest, MalformedCborIsSerializationExceptionInCbor) {
  for (std::string_view body :
       {std::string_view("\xbf\x61", 2), std::string_view("\xff", 1), std::string_view("\xa1\x01\x02", 3),
        std::string_view("\xa0\x00", 2), std::string_view("\x61\xff", 2)}) {
    Reply r = Call("ListStreams", body);
    EXPECT_EQ(r.status, 400) << r;
    EXPECT_EQ(r.error_type, "SerializationException");
    ASSERT_FALSE(r.body.empty());
    EXPECT_EQ(static_cast<uint8_t>(r.body[0]), 0xA2) << "a CBOR map of __type and Message";
    EXPECT_EQ(std::string_view(r.doc["__type"]), "SerializationException");
    std::string_view m;
    EXPECT_EQ(r.doc["Message"].get(m), simdjson::SUCCESS) << r;
    EXPECT_NE(m.find("CBOR"), std::string_view::npos) << m;
  }
  // Well-formed CBOR of the wrong shape is reported by the JSON decoder, still in CBOR.
  Reply r = Call("CreateStream", Cbor().Map(2).Text("StreamName").Text("s").Text("ShardCount").Text("1").str());
  EXPECT_EQ(r.error_type, "SerializationException") << r;
  EXPECT_EQ(std::string_view(r.doc["__type"]), "SerializationException");
  Reply top = Call("ListStreams", Cbor().Array(0).str());
  EXPECT_EQ(top.error_type, "SerializationException") << top;
}

TEST_F(CborDispatchTest, HandlerErrorsAreCbor) {
  Reply r = Call("DescribeStream", Cbor().Map(1).Text("StreamName").Text("missing").str());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "ResourceNotFoundException");
  EXPECT_EQ(std::string_view(r.doc["__type"]), "ResourceNotFoundException");
  Reply v = Call("CreateStream", Cbor().Map(2).Text("StreamName").Text("bad name!").Text("ShardCount").Uint(1).str());
  EXPECT_EQ(v.error_type, "ValidationException");
  EXPECT_EQ(std::string_view(v.doc["__type"]), "ValidationException");
  // The async put path too.
  Reply p = Call(
      "PutRecord",
      Cbor().Map(3).Text("StreamName").Text("missing").Text("Data").Bytes("x").Text("PartitionKey").Text("k").str());
  EXPECT_EQ(p.error_type, "ResourceNotFoundException") << p;
  EXPECT_EQ(std::string_view(p.doc["__type"]), "ResourceNotFoundException");
  Reply u = Call("Nope", "\xa0");
  EXPECT_EQ(u.error_type, "UnknownOperationException");
  EXPECT_EQ(std::string_view(u.doc["__type"]), "UnknownOperationException");
}

TEST_F(CborDispatchTest, JsonStaysJsonAfterCbor) {
  CreateStream("mixed", 1);
  Reply j = Call("DescribeStreamSummary", R"({"StreamName":"mixed"})", protocol::BodyEncoding::kJson);
  EXPECT_EQ(j.status, 200) << j;
  EXPECT_EQ(j.body.front(), '{');
  EXPECT_EQ(double(j.doc["StreamDescriptionSummary"]["StreamCreationTimestamp"]), kStart / 1000.0);
}

}  // namespace
}  // namespace sluice::server::api
