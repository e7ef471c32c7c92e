// KinesisDispatcher: enhanced fan-out consumers (Register/Describe/List/DeregisterStreamConsumer)
// and what they change in DeleteStream and DescribeStreamSummary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "limits/limits_registry.h"
#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

// Records what the handlers ask the fan-out hub to end.
class RecordingFanOut final : public FanOutControl {
 public:
  void EndConsumerSubscriptions(std::string_view consumer_arn) override { consumers.emplace_back(consumer_arn); }
  void EndStreamSubscriptions(uint64_t stream_uid) override { streams.push_back(stream_uid); }
  std::vector<std::string> consumers;
  std::vector<uint64_t> streams;
};

class ConsumersTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    ctx_.fanout = &fanout_;
    CreateStream("s", 1);
  }
  std::string Register(std::string_view name, std::string_view stream = "s") {
    Reply r = Ok("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn(stream)) + ",\"ConsumerName\":" + Q(name) + "}");
    if (r.status != 200) return "";
    return Str(r.json["Consumer"]["ConsumerARN"]);
  }
  std::string StatusByArn(std::string_view arn) {
    Reply r = Ok("DescribeStreamConsumer", "{\"ConsumerARN\":" + Q(arn) + "}");
    return r.status == 200 ? Str(r.json["ConsumerDescription"]["ConsumerStatus"]) : "";
  }
  std::vector<std::string> ListNames(std::string_view stream, std::string_view extra = "",
                                     std::optional<std::string>* next = nullptr) {
    Reply r = Ok("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn(stream)) + std::string(extra) + "}");
    std::vector<std::string> names;
    if (r.status != 200) return names;
    for (simdjson::dom::element c : simdjson::dom::array(r.json["Consumers"])) names.push_back(Str(c["ConsumerName"]));
    if (next) {
      std::string_view t;
      *next = r.json["NextToken"].get(t) == simdjson::SUCCESS ? std::optional<std::string>(t) : std::nullopt;
    }
    return names;
  }
  RecordingFanOut fanout_;
};

TEST_F(ConsumersTest, RegisterReturnsTheConsumerCreating) {
  Reply r = Ok("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"app\"}");
  simdjson::dom::element c = r.json["Consumer"];
  EXPECT_EQ(Str(c["ConsumerName"]), "app");
  EXPECT_EQ(Str(c["ConsumerARN"]), Arn("s") + "/consumer/app:" + std::to_string(kStart / 1000));
  EXPECT_EQ(Str(c["ConsumerStatus"]), "CREATING");
  EXPECT_EQ(double(c["ConsumerCreationTimestamp"]), kStart / 1000.0);
  simdjson::dom::element x;
  EXPECT_NE(c["StreamARN"].get(x), simdjson::SUCCESS);  // the Consumer shape has none
  // Timestamps are epoch seconds with their fraction.
  clock_.Advance(1234);
  Reply r2 = Ok("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"b\"}");
  EXPECT_THAT(r2.body, HasSubstr("\"ConsumerCreationTimestamp\":1700000001.234"));
}

TEST_F(ConsumersTest, DescribeByArnOrByStreamAndNameUntilActive) {
  std::string arn = Register("app");
  EXPECT_EQ(StatusByArn(arn), "CREATING");
  clock_.Advance(1000);
  Reply r = Ok("DescribeStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"app\"}");
  simdjson::dom::element d = r.json["ConsumerDescription"];
  EXPECT_EQ(Str(d["ConsumerName"]), "app");
  EXPECT_EQ(Str(d["ConsumerARN"]), arn);
  EXPECT_EQ(Str(d["ConsumerStatus"]), "ACTIVE");
  EXPECT_EQ(Str(d["StreamARN"]), Arn("s"));
  EXPECT_EQ(double(d["ConsumerCreationTimestamp"]), kStart / 1000.0);
  // All three, consistent.
  Ok("DescribeStreamConsumer",
     "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"app\",\"ConsumerARN\":" + Q(arn) + "}");
}

TEST_F(ConsumersTest, DescribeArgumentErrors) {
  std::string arn = Register("app");
  CreateStream("t", 1);
  EXPECT_EQ(Err("DescribeStreamConsumer", "{}", "InvalidArgumentException"),
            "Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
  Err("DescribeStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + "}", "InvalidArgumentException");
  Err("DescribeStreamConsumer", R"({"ConsumerName":"app"})", "InvalidArgumentException");
  Err("DescribeStreamConsumer", "{\"StreamARN\":" + Q(Arn("t")) + ",\"ConsumerARN\":" + Q(arn) + "}",
      "InvalidArgumentException");
  Err("DescribeStreamConsumer", "{\"ConsumerName\":\"other\",\"ConsumerARN\":" + Q(arn) + "}",
      "InvalidArgumentException");
  // Malformed ARNs fail the model's pattern.
  Err("DescribeStreamConsumer", "{\"ConsumerARN\":" + Q(Arn("s")) + "}", "ValidationException");
  Err("DescribeStreamConsumer", R"({"ConsumerARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c"})",
      "ValidationException");
  // Unknown consumers, streams, older registrations and other regions are not found.
  EXPECT_EQ(Err("DescribeStreamConsumer", "{\"ConsumerARN\":" + Q(arn + "9") + "}", "ResourceNotFoundException"),
            "Consumer " + arn + "9 not found.");
  Err("DescribeStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"nope\"}",
      "ResourceNotFoundException");
  Err("DescribeStreamConsumer", "{\"StreamARN\":" + Q(Arn("nope")) + ",\"ConsumerName\":\"app\"}",
      "ResourceNotFoundException");
  Err("DescribeStreamConsumer",
      R"({"ConsumerARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/s/consumer/app:1700000000"})",
      "ResourceNotFoundException");
  Err("DescribeStreamConsumer",
      R"({"ConsumerARN":"arn:aws:kinesis:us-east-1:999999999999:stream/s/consumer/app:1700000000"})",
      "AccessDeniedException");
}

TEST_F(ConsumersTest, RegisterErrors) {
  Register("app");
  EXPECT_EQ(Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"app\"}",
                "ResourceInUseException"),
            "Consumer app under stream s under account 123456789012 already exists.");
  Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("nope")) + ",\"ConsumerName\":\"app\"}",
      "ResourceNotFoundException");
  Err("RegisterStreamConsumer", R"({"StreamName":"s","ConsumerName":"app"})", "ValidationException");
  Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + "}", "ValidationException");
  Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"x\",\"Tags\":{\"aws:k\":\"v\"}}",
      "InvalidArgumentException");
}

TEST_F(ConsumersTest, TwentyFirstIsLimitExceeded) {
  for (int i = 0; i < 20; ++i) {
    if (i % 5 == 0) clock_.Advance(1000);  // at most 5 CREATING at once
    Register(Num("c", i));
  }
  clock_.Advance(1000);
  Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"c20\"}",
      "LimitExceededException");
}

TEST_F(ConsumersTest, SixthCreatingIsLimitExceeded) {
  for (int i = 0; i < 5; ++i) Register(Num("c", i));
  Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"c5\"}",
      "LimitExceededException");
}

TEST_F(ConsumersTest, ListPagesInRegistrationOrder) {
  for (int i = 0; i < 7; ++i) {
    if (i % 5 == 0) clock_.Advance(1000);
    clock_.Advance(1);
    Register(Num("c", i));
  }
  std::optional<std::string> next;
  EXPECT_THAT(ListNames("s", "", &next), ::testing::ElementsAre("c0", "c1", "c2", "c3", "c4", "c5", "c6"));
  EXPECT_FALSE(next.has_value());
  std::vector<std::string> all;
  std::string extra = ",\"MaxResults\":3";
  for (int page = 0; page < 5; ++page) {
    auto names = ListNames("s", extra, &next);
    all.insert(all.end(), names.begin(), names.end());
    if (!next) break;
    extra = ",\"MaxResults\":3,\"NextToken\":" + Q(*next);
  }
  EXPECT_THAT(all, ::testing::ElementsAre("c0", "c1", "c2", "c3", "c4", "c5", "c6"));

  Reply r = Ok("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("s")) + ",\"MaxResults\":1}");
  simdjson::dom::element c = r.json["Consumers"].at(0);
  EXPECT_EQ(Str(c["ConsumerStatus"]), "ACTIVE");
  EXPECT_EQ(Str(c["ConsumerARN"]).substr(0, Arn("s").size()), Arn("s"));
  simdjson::dom::element x;
  EXPECT_NE(c["StreamARN"].get(x), simdjson::SUCCESS);
  std::string token = Str(r.json["NextToken"]);
  // A token belongs to its stream; a forged one is refused; an old one expires.
  CreateStream("t", 1);
  Err("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("t")) + ",\"NextToken\":" + Q(token) + "}",
      "InvalidArgumentException");
  Err("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("s")) + ",\"NextToken\":\"AAAA\"}", "InvalidArgumentException");
  clock_.Advance(300'001);
  Err("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("s")) + ",\"NextToken\":" + Q(token) + "}",
      "ExpiredNextTokenException");
}

TEST_F(ConsumersTest, ListChecksStreamCreationTimestamp) {
  Register("app");
  EXPECT_THAT(ListNames("s", ",\"StreamCreationTimestamp\":1700000000.5"), ::testing::ElementsAre("app"));
  Err("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("s")) + ",\"StreamCreationTimestamp\":1600000000}",
      "ResourceNotFoundException");
  Err("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("nope")) + "}", "ResourceNotFoundException");
  EXPECT_TRUE(ListNames("s", ",\"MaxResults\":10000").size() == 1);
}

TEST_F(ConsumersTest, DeregisterByArnOrNameEndsSubscriptions) {
  std::string a = Register("a");
  std::string b = Register("b");
  Reply r = Ok("DeregisterStreamConsumer", "{\"ConsumerARN\":" + Q(a) + "}");
  EXPECT_EQ(r.body, "");
  EXPECT_THAT(fanout_.consumers, ::testing::ElementsAre(a));
  EXPECT_EQ(StatusByArn(a), "DELETING");
  Ok("DeregisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"b\"}");
  EXPECT_THAT(fanout_.consumers, ::testing::ElementsAre(a, b));
  EXPECT_THAT(ListNames("s"), ::testing::ElementsAre("a", "b"));  // DELETING ones are listed
  clock_.Advance(500);
  EXPECT_TRUE(ListNames("s").empty());
  Err("DescribeStreamConsumer", "{\"ConsumerARN\":" + Q(a) + "}", "ResourceNotFoundException");
  Err("DeregisterStreamConsumer", "{\"ConsumerARN\":" + Q(a) + "}", "ResourceNotFoundException");
  Err("DeregisterStreamConsumer", "{}", "InvalidArgumentException");
  // The name is free again, with a new ARN.
  std::string again = Register("a");
  EXPECT_NE(again, a);
}

TEST_F(ConsumersTest, DeleteStreamNeedsEnforceConsumerDeletion) {
  Register("app");
  Reply summary = Ok("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(int64_t(summary.json["StreamDescriptionSummary"]["ConsumerCount"]), 1);
  Err("DeleteStream", R"({"StreamName":"s"})", "ResourceInUseException");
  Err("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":false})", "ResourceInUseException");
  EXPECT_TRUE(fanout_.streams.empty());
  uint64_t uid = 0;
  ASSERT_TRUE(catalog_
                  ->Read({kAccount, kRegion, "s"},
                         [&](const catalog::Stream& s) {
                           uid = s.uid;
                           return Status::Ok();
                         })
                  .ok());
  Ok("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":true})");
  EXPECT_THAT(fanout_.streams, ::testing::ElementsAre(uid));
  CreateStream("s", 1);
  EXPECT_TRUE(ListNames("s").empty());
  // Without consumers no flag is needed.
  Ok("DeleteStream", R"({"StreamName":"s"})");
}

std::vector<std::pair<std::string, std::string>> Tags(const Reply& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (simdjson::dom::element t : simdjson::dom::array(r.json["Tags"]))
    out.emplace_back(Str(t["Key"]), Str(t["Value"]));
  return out;
}

TEST_F(ConsumersTest, ConsumerTags) {
  Reply reg = Ok("RegisterStreamConsumer",
                 "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"app\",\"Tags\":{\"team\":\"data\"}}");
  std::string arn = Str(reg.json["Consumer"]["ConsumerARN"]);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Tags(Ok("ListTagsForResource", "{\"ResourceARN\":" + Q(arn) + "}")), (Pairs{{"team", "data"}}));
  EXPECT_EQ(Ok("TagResource", "{\"ResourceARN\":" + Q(arn) + ",\"Tags\":{\"env\":\"ci\"}}").body, "");
  EXPECT_EQ(Ok("UntagResource", "{\"ResourceARN\":" + Q(arn) + ",\"TagKeys\":[\"team\"]}").body, "");
  EXPECT_EQ(Tags(Ok("ListTagsForResource", "{\"ResourceARN\":" + Q(arn) + "}")), (Pairs{{"env", "ci"}}));
  // The stream's own tags are separate.
  EXPECT_TRUE(Tags(Ok("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("s")) + "}")).empty());
  // Tags survive a restart (the consumer's record is the stream's).
  Rebuild({});
  ASSERT_TRUE(catalog_->Recover().ok());
  EXPECT_EQ(Tags(Ok("ListTagsForResource", "{\"ResourceARN\":" + Q(arn) + "}")), (Pairs{{"env", "ci"}}));
  std::string many = "{";
  for (int i = 0; i < 50; ++i) many += (i ? "," : "") + Q(Num("k", i)) + ":\"v\"";
  many += "}";
  EXPECT_THAT(Err("TagResource", "{\"ResourceARN\":" + Q(arn) + ",\"Tags\":" + many + "}", "LimitExceededException"),
              HasSubstr("a given consumer cannot have more than 50 tags"));
  std::string too_many = many.substr(0, many.size() - 1) + ",\"k50\":\"v\"}";
  EXPECT_THAT(Err("RegisterStreamConsumer",
                  "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"x\",\"Tags\":" + too_many + "}",
                  "LimitExceededException"),
              HasSubstr("a given consumer cannot have more than 50 tags"));
  Err("TagResource", "{\"ResourceARN\":" + Q(arn + "1") + ",\"Tags\":{\"a\":\"b\"}}", "ResourceNotFoundException");
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("s") + "/consumer/app") + "}", "InvalidArgumentException");
}

TEST_F(ConsumersTest, ControlPlaneRates) {
  limits::LimitsConfig lc;
  lc.data_plane = false;
  limits::LimitsRegistry registry(lc);
  ctx_.limits = &registry;
  std::string arn = Register("app");
  for (int i = 0; i < 20; ++i) Ok("DescribeStreamConsumer", "{\"ConsumerARN\":" + Q(arn) + "}");
  EXPECT_EQ(Err("DescribeStreamConsumer", "{\"ConsumerARN\":" + Q(arn) + "}", "LimitExceededException"),
            "Rate exceeded for stream s under account 123456789012.");
  for (int i = 0; i < 5; ++i) ListNames("s");
  Err("ListStreamConsumers", "{\"StreamARN\":" + Q(Arn("s")) + "}", "LimitExceededException");
  for (int i = 0; i < 4; ++i) Register(Num("r", i));
  EXPECT_EQ(Err("RegisterStreamConsumer", "{\"StreamARN\":" + Q(Arn("s")) + ",\"ConsumerName\":\"x\"}",
                "LimitExceededException"),
            "Rate exceeded for account 123456789012.");
  ctx_.limits = nullptr;
}

}  // namespace
}  // namespace sluice::server::api::dispatcher_testing
