// KinesisDispatcher: GetShardIterator and GetRecords (iterator types, expiry, forgery).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

using ::testing::HasSubstr;

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
  puts.reserve(5);
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

}  // namespace
}  // namespace sluice::server::api::dispatcher_testing
