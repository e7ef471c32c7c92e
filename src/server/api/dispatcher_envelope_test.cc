// KinesisDispatcher: routing, request framing, error envelopes and account-level actions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

// ---------------------------------------------------------------------------------------------
// Routing and framing

TEST_F(DispatcherTest, UnknownOperation) {
  for (std::string_view op : {"Nope", "", "putrecord", "PutRecordz", "StartStreamEncryption", "GetResourcePolicy"}) {
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
}  // namespace sluice::server::api::dispatcher_testing
