// The fan-out core driven without HTTP: SubscribeToShard through the dispatcher over the
// in-memory store and a ManualClock, the returned ResponseStream pulled like a transport does,
// and the bytes decoded as event-stream messages.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "protocol/cbor.h"
#include "protocol/event_stream.h"
#include "server/api/dispatcher_test_fixture.h"
#include "server/api/fanout/hub.h"
#include "server/api/fanout/subscription.h"

namespace sluice::server::api {
namespace {

using namespace dispatcher_testing;  // NOLINT(google-build-using-namespace)
namespace es = protocol::eventstream;

struct Event {
  std::string message_type;  // event | exception
  std::string type;          // :event-type or :exception-type
  std::string content_type;
  std::string payload;
};

// What a transport does with a ResponseStream, step by step.
class Puller {
 public:
  explicit Puller(std::shared_ptr<ResponseStream> s) : stream_(std::move(s)) {
    stream_->Start([this] { wakes_.fetch_add(1); });
  }
  ~Puller() {
    if (!ended_) stream_->Cancel();
  }
  // Pulls until the source waits or ends; returns the whole messages received.
  std::vector<Event> Pull(size_t max_bytes = 100000) {
    std::vector<Event> out;
    for (int i = 0; i < 1000 && !ended_; ++i) {
      auto r = stream_->Next(max_bytes, &buf_);
      if (r == ResponseStream::Pull::kWait) break;
      if (r == ResponseStream::Pull::kEnd) ended_ = true;
    }
    for (;;) {
      es::Message m;
      size_t used = 0;
      Status st = es::DecodeMessage(buf_, &m, &used);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (!st.ok() || used == 0) break;
      Event e;
      auto get = [&](std::string_view name) {
        const es::Header* h = m.Find(name);
        return h ? std::string(h->bytes) : std::string();
      };
      e.message_type = get(":message-type");
      e.type = e.message_type == "event" ? get(":event-type") : get(":exception-type");
      e.content_type = get(":content-type");
      e.payload = std::string(m.payload);
      out.push_back(std::move(e));
      buf_.erase(0, used);
    }
    return out;
  }
  bool ended() const { return ended_; }
  int wakes() const { return wakes_.load(); }

 private:
  std::shared_ptr<ResponseStream> stream_;
  std::string buf_;
  bool ended_ = false;
  std::atomic<int> wakes_{0};
};

struct EventBody {
  std::vector<std::string> data;
  std::vector<std::string> seqs;
  std::optional<std::string> continuation;
  int64_t millis_behind = -1;
  std::vector<std::string> children;
};

EventBody ParseEvent(const std::string& json) {
  static simdjson::dom::parser parser;
  EventBody b;
  simdjson::dom::element e = parser.parse(json);
  for (simdjson::dom::element rec : simdjson::dom::array(e["Records"])) {
    std::string d;
    EXPECT_TRUE(base64::DecodeToString(std::string_view(rec["Data"]), &d));
    b.data.push_back(d);
    b.seqs.emplace_back(std::string_view(rec["SequenceNumber"]));
  }
  std::string_view c;
  if (e["ContinuationSequenceNumber"].get(c) == simdjson::SUCCESS) b.continuation = std::string(c);
  b.millis_behind = int64_t(e["MillisBehindLatest"]);
  simdjson::dom::array kids;
  if (e["ChildShards"].get(kids) == simdjson::SUCCESS)
    for (simdjson::dom::element k : kids) b.children.emplace_back(std::string_view(k["ShardId"]));
  return b;
}

class FanOutTest : public DispatcherTest {
 protected:
  void SetUp() override { Build({}); }

  void Build(fanout::HubOptions opt) {
    hub_ = std::make_unique<fanout::Hub>(opt, &clock_);
    Rebuild({});
    catalog_->SetShardEventListener(hub_.get());
    ctx_.fanout = hub_.get();
    ctx_.fanout_hub = hub_.get();
  }

  // Registers a consumer and waits (on the manual clock) until it is ACTIVE.
  std::string AddConsumer(std::string_view stream, std::string_view name) {
    auto c = catalog_->RegisterConsumer({kAccount, kRegion, stream}, name);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return "";
    clock_.Advance(catalog_->options().consumer_activate_delay_ms);
    return c->arn;
  }

  struct Subscribed {
    int status = 0;
    std::string error_type;
    std::string body;
    std::shared_ptr<ResponseStream> stream;
  };

  Subscribed Subscribe(std::string_view arn, std::string_view shard, std::string_view position,
                       protocol::BodyEncoding enc = protocol::BodyEncoding::kJson) {
    std::string json = "{\"ConsumerARN\":" + Q(arn) + ",\"ShardId\":" + Q(shard) +
                       ",\"StartingPosition\":" + std::string(position) + "}";
    std::string body = json;
    if (enc == protocol::BodyEncoding::kCbor) {
      body.clear();
      EXPECT_TRUE(protocol::JsonToCbor(json, &body).ok());
    }
    std::string buf = body + std::string(kBodyPadding, '}');
    ApiRequest req;
    req.operation = "SubscribeToShard";
    req.encoding = enc;
    req.body = std::string_view(buf.data(), body.size());
    req.caller = caller_;
    ApiResponse resp;
    int done = 0;
    dispatcher_->Dispatch(req, &resp, [&] { ++done; });
    EXPECT_EQ(done, 1);
    return {resp.http_status, std::string(resp.error_type), resp.body, resp.stream};
  }

  std::unique_ptr<fanout::Hub> hub_;
};

constexpr std::string_view kLatest = R"({"Type":"LATEST"})";
constexpr std::string_view kTrim = R"({"Type":"TRIM_HORIZON"})";

TEST_F(FanOutTest, InitialResponseThenPushedRecordsThenHeartbeat) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto sub = Subscribe(arn, "shardId-000000000000", kLatest);
  ASSERT_EQ(sub.status, 200) << sub.error_type << sub.body;
  ASSERT_TRUE(sub.stream);
  Puller p(sub.stream);
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, "initial-response");
  EXPECT_EQ(ev[0].content_type, "application/json");
  EXPECT_EQ(ev[0].payload, "{}");
  int wakes = p.wakes();
  PutResult put = Put("s", "k", "hello");
  EXPECT_GT(p.wakes(), wakes) << "an acknowledged append wakes the subscriber";
  ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, "SubscribeToShardEvent");
  EventBody b = ParseEvent(ev[0].payload);
  ASSERT_EQ(b.data.size(), 1u);
  EXPECT_EQ(b.data[0], "hello");
  EXPECT_EQ(b.seqs[0], put.sequence_number);
  EXPECT_EQ(b.continuation, put.sequence_number);
  EXPECT_EQ(b.millis_behind, 0);
  EXPECT_TRUE(p.Pull().empty()) << "nothing new: the source waits";
  clock_.Advance(4999);
  hub_->RunDueTimers();
  EXPECT_TRUE(p.Pull().empty());
  clock_.Advance(1);
  wakes = p.wakes();
  hub_->RunDueTimers();
  EXPECT_GT(p.wakes(), wakes) << "the heartbeat timer wakes the subscriber";
  ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  b = ParseEvent(ev[0].payload);
  EXPECT_TRUE(b.data.empty());
  ASSERT_TRUE(b.continuation);
  // The heartbeat's continuation resumes right after the delivered record.
  auto sn = model::ParseSequenceNumber(*b.continuation);
  ASSERT_TRUE(sn);
  EXPECT_EQ(sn->offset + 1, 1u);
  EXPECT_EQ(b.millis_behind, 0);
}

TEST_F(FanOutTest, ContinuationOfAnEmptyShardResumesAtItsFirstRecord) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto sub = Subscribe(arn, "shardId-000000000000", kTrim);
  ASSERT_EQ(sub.status, 200);
  Puller p(sub.stream);
  p.Pull();
  clock_.Advance(5000);
  hub_->RunDueTimers();
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EventBody b = ParseEvent(ev[0].payload);
  ASSERT_TRUE(b.continuation);
  Put("s", "k", "first");
  sub.stream->Cancel();
  // Resubscribing AFTER the empty shard's continuation must deliver record 0.
  clock_.Advance(1000);
  auto again = Subscribe(arn, "shardId-000000000000",
                         R"({"Type":"AFTER_SEQUENCE_NUMBER","SequenceNumber":")" + *b.continuation + "\"}");
  ASSERT_EQ(again.status, 200) << again.error_type << again.body;
  Puller q(again.stream);
  ev = q.Pull();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ParseEvent(ev[1].payload).data, std::vector<std::string>{"first"});
  // The iterator path reads the same position the same way.
  std::string it =
      Iterator("s", "shardId-000000000000", "AT_SEQUENCE_NUMBER", ",\"StartingSequenceNumber\":" + Q(*b.continuation));
  EXPECT_EQ(Get(it).records.size(), 1u);
}

TEST_F(FanOutTest, TrimHorizonCatchesUpWithMillisBehindLatest) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  for (int i = 0; i < 5; ++i) Put("s", "k", std::string(300 * 1024, char('a' + i)));
  clock_.Advance(2000);
  auto sub = Subscribe(arn, "shardId-000000000000", kTrim);
  Puller p(sub.stream);
  auto ev = p.Pull();
  // 1.5 MB of records at 1 MiB per event: two events, the first behind, the second caught up.
  ASSERT_EQ(ev.size(), 3u);
  EventBody first = ParseEvent(ev[1].payload);
  EventBody second = ParseEvent(ev[2].payload);
  EXPECT_EQ(first.data.size() + second.data.size(), 5u);
  EXPECT_EQ(first.millis_behind, 2000);
  EXPECT_EQ(second.millis_behind, 0);
}

TEST_F(FanOutTest, ClosedShardEndsWithChildShardsAndNoContinuation) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto sub = Subscribe(arn, "shardId-000000000000", kLatest);
  Puller p(sub.stream);
  p.Pull();
  Put("s", "k", "before");
  int wakes = p.wakes();
  Ok("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000"})");
  EXPECT_GT(p.wakes(), wakes) << "a reshard wakes subscribers of the stream";
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ParseEvent(ev[0].payload).data, std::vector<std::string>{"before"});
  EventBody last = ParseEvent(ev[1].payload);
  EXPECT_FALSE(last.continuation) << ev[1].payload;
  EXPECT_EQ(last.children, (std::vector<std::string>{"shardId-000000000001", "shardId-000000000002"}));
  EXPECT_TRUE(p.ended());
  // Subscribing again at the end gets the final event again.
  clock_.Advance(1000);
  auto again = Subscribe(arn, "shardId-000000000000", kLatest);
  ASSERT_EQ(again.status, 200);
  Puller q(again.stream);
  ev = q.Pull();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_FALSE(ParseEvent(ev[1].payload).continuation);
  EXPECT_TRUE(q.ended());
}

TEST_F(FanOutTest, SecondSubscriptionWithinFiveSecondsIsInUseThenTakesOver) {
  CreateStream("s", 2);
  std::string arn = AddConsumer("s", "c");
  auto first = Subscribe(arn, "shardId-000000000000", kLatest);
  ASSERT_EQ(first.status, 200);
  Puller p(first.stream);
  p.Pull();
  clock_.Advance(1000);
  auto early = Subscribe(arn, "shardId-000000000000", kLatest);
  EXPECT_EQ(early.error_type, "ResourceInUseException");
  EXPECT_FALSE(early.stream);
  // Another shard of the same consumer is independent.
  auto other = Subscribe(arn, "shardId-000000000001", kLatest);
  EXPECT_EQ(other.status, 200) << other.error_type;
  clock_.Advance(4000);
  auto later = Subscribe(arn, "shardId-000000000000", kLatest);
  ASSERT_EQ(later.status, 200) << later.error_type;
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].message_type, "exception");
  EXPECT_EQ(ev[0].type, "ResourceInUseException");
  EXPECT_TRUE(p.ended());
}

TEST_F(FanOutTest, CallsFasterThanOneASecondAreLimited) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto bad = Subscribe(arn, "shardId-000000000000", R"({"Type":"AT_TIMESTAMP"})");
  EXPECT_EQ(bad.error_type, "InvalidArgumentException");
  auto a = Subscribe(arn, "shardId-000000000000", kLatest);
  ASSERT_EQ(a.status, 200);
  a.stream->Cancel();
  auto b = Subscribe(arn, "shardId-000000000000", kLatest);
  EXPECT_EQ(b.error_type, "LimitExceededException");
  clock_.Advance(1000);
  auto c = Subscribe(arn, "shardId-000000000000", kLatest);
  EXPECT_EQ(c.status, 200);
}

TEST_F(FanOutTest, RequestErrorsAreHttpErrors) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  EXPECT_EQ(Subscribe(arn, "shardId-000000000007", kLatest).error_type, "ResourceNotFoundException");
  EXPECT_EQ(Subscribe(Arn("s") + "/consumer/nope:1", "shardId-000000000000", kLatest).error_type,
            "ResourceNotFoundException");
  EXPECT_EQ(Subscribe(arn, "shardId-000000000000", R"({"Type":"AT_SEQUENCE_NUMBER","SequenceNumber":"12"})").error_type,
            "InvalidArgumentException");
}

TEST_F(FanOutTest, StreamDeletionEndsSubscriptionsWithResourceNotFound) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto sub = Subscribe(arn, "shardId-000000000000", kLatest);
  Puller p(sub.stream);
  p.Pull();
  uint64_t uid = 0;
  ASSERT_TRUE(catalog_
                  ->Read({kAccount, kRegion, "s"},
                         [&](const catalog::Stream& s) {
                           uid = s.uid;
                           return Status::Ok();
                         })
                  .ok());
  Ok("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":true})");
  hub_->EndStreamSubscriptions(uid);  // what DeleteStream's handler does
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, "ResourceNotFoundException");
  EXPECT_TRUE(p.ended());
}

TEST_F(FanOutTest, LifetimeEndsTheResponseNormally) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto sub = Subscribe(arn, "shardId-000000000000", kLatest);
  Puller p(sub.stream);
  p.Pull();
  for (int i = 0; i < 60; ++i) {
    clock_.Advance(5000);
    hub_->RunDueTimers();
    p.Pull();
  }
  EXPECT_TRUE(p.ended());
  EXPECT_EQ(hub_->live_subscriptions(), 0u);
}

TEST_F(FanOutTest, SubscribersAtTheTipShareOneReadOfEachRecord) {
  CreateStream("s", 1);
  std::vector<std::unique_ptr<Puller>> pullers;
  for (int i = 0; i < 5; ++i) {
    std::string arn = AddConsumer("s", "c" + std::to_string(i));
    auto sub = Subscribe(arn, "shardId-000000000000", kLatest);
    ASSERT_EQ(sub.status, 200);
    pullers.push_back(std::make_unique<Puller>(sub.stream));
    pullers.back()->Pull();
  }
  for (int r = 0; r < 10; ++r) {
    Put("s", "k", std::string(1000, 'x'));
    for (auto& p : pullers) EXPECT_EQ(p->Pull().size(), 1u);
  }
  fanout::TailStats st = hub_->TailTotals();
  EXPECT_EQ(st.bytes_from_log, 10u * 1000);
  EXPECT_EQ(st.bytes_served, 5u * 10 * 1000);
  EXPECT_EQ(st.direct_reads, 0u);
}

TEST_F(FanOutTest, RateLimitHoldsBackASubscriptionUntilItsBucketRefills) {
  fanout::HubOptions opt;
  opt.bytes_per_second = 1000;
  Build(opt);
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  for (int i = 0; i < 3; ++i) Put("s", "k", std::string(800, 'x'));
  auto sub = Subscribe(arn, "shardId-000000000000", kTrim);
  Puller p(sub.stream);
  auto ev = p.Pull();
  // 1000 tokens: one 800-byte record, then one more (the bucket may go negative by one record).
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ParseEvent(ev[1].payload).data.size(), 1u);
  EXPECT_EQ(ParseEvent(ev[2].payload).data.size(), 1u);
  EXPECT_TRUE(p.Pull().empty());
  clock_.Advance(1000);
  hub_->RunDueTimers();
  ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ParseEvent(ev[0].payload).data.size(), 1u);
}

TEST_F(FanOutTest, RecordsThatExpireUnderASlowSubscriberAreSkipped) {
  fanout::HubOptions opt;
  opt.bytes_per_second = 1000;           // slow: one 800-byte record per second
  opt.lifetime_ms = 48LL * 3600 * 1000;  // outlives the retention period here
  Build(opt);
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  for (int i = 0; i < 3; ++i) Put("s", "k", std::string(800, char('a' + i)));
  clock_.Advance(3600 * 1000);
  PutResult fresh = Put("s", "k", "fresh");
  auto sub = Subscribe(arn, "shardId-000000000000", kTrim);
  Puller p(sub.stream);
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 3u);  // initial-response, then a and b (the bucket goes negative once)
  EXPECT_EQ(ParseEvent(ev[1].payload).data[0][0], 'a');
  // The stream's 24 h retention passes while the subscriber waits for its bucket: record c is
  // gone, and the next event starts at the first record still retained.
  clock_.Advance(23 * 3600 * 1000 + 1000);
  hub_->RunDueTimers();
  ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EventBody b = ParseEvent(ev[0].payload);
  EXPECT_EQ(b.data, std::vector<std::string>{"fresh"});
  EXPECT_EQ(b.seqs[0], fresh.sequence_number);
}

TEST_F(FanOutTest, CborSubscribersGetCborEvents) {
  CreateStream("s", 1);
  std::string arn = AddConsumer("s", "c");
  auto sub = Subscribe(arn, "shardId-000000000000", kLatest, protocol::BodyEncoding::kCbor);
  ASSERT_EQ(sub.status, 200);
  Puller p(sub.stream);
  auto ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].content_type, "application/x-amz-cbor-1.1");
  EXPECT_EQ(ev[0].payload, std::string("\xa0", 1));
  Put("s", "k", "bin");
  ev = p.Pull();
  ASSERT_EQ(ev.size(), 1u);
  std::string json;
  ASSERT_TRUE(protocol::CborToJson(ev[0].payload, &json).ok());
  EXPECT_EQ(ParseEvent(json).data, std::vector<std::string>{"bin"});
}

}  // namespace
}  // namespace sluice::server::api
