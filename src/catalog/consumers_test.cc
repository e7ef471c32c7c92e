// Enhanced fan-out consumers in the catalog: lifecycle on a manual clock, limits, persistence.
#include <gtest/gtest.h>

#include <string>

#include "catalog/catalog.h"
#include "catalog/catalog_test_fixture.h"
#include "catalog/consumer_arn.h"

namespace sluice::catalog {
namespace {

using testing::CatalogFixture;

class ConsumersTest : public CatalogFixture {
 protected:
  void SetUp() override {
    Make();
    ASSERT_TRUE(Create("s", 1).ok());
  }
  // The consumer's status as ReadConsumer sees it, or "GONE".
  std::string StatusOf(std::string_view stream, ConsumerSelector which) {
    std::string out = "GONE";
    catalog_
        ->ReadConsumer(Key(stream), which,
                       [&](const Stream&, const Consumer& c) {
                         out = ConsumerStatusName(c.StatusAt(clock_.NowMillis()));
                         return Status::Ok();
                       })
        .IgnoreError();
    return out;
  }
  Result<Consumer> Register(std::string_view name, std::string_view stream = "s") {
    return catalog_->RegisterConsumer(Key(stream), name);
  }
};

TEST_F(ConsumersTest, CreatingThenActiveThenDeletingThenGone) {
  auto c = Register("app");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "app");
  EXPECT_EQ(c->arn, "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/app:" +
                        std::to_string(clock_.NowMillis() / 1000));
  EXPECT_EQ(c->created_ms, clock_.NowMillis());
  EXPECT_EQ(c->StatusAt(clock_.NowMillis()), ConsumerStatus::kCreating);
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(c->arn)), "CREATING");
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByName("app")), "CREATING");
  clock_.Advance(999);
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByName("app")), "CREATING");
  clock_.Advance(1);
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(c->arn)), "ACTIVE");

  auto d = catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByArn(c->arn));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->arn, c->arn);
  EXPECT_EQ(d->deleted_at_ms, clock_.NowMillis() + 500);
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByName("app")), "DELETING");
  // Deregistering again while DELETING is accepted and changes nothing.
  auto again = catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("app"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->deleted_at_ms, d->deleted_at_ms);
  clock_.Advance(500);
  // Gone for readers at once, before any sweep ran.
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByName("app")), "GONE");
  Status st = catalog_->ReadConsumer(Key("s"), ConsumerSelector::ByArn(c->arn),
                                     [](const Stream&, const Consumer&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), Errc::kNotFound);
  EXPECT_EQ(st.message(), "Consumer " + c->arn + " not found.");
  EXPECT_EQ(catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("app")).status().code(), Errc::kNotFound);
  catalog_->SweepDeleted();
  EXPECT_TRUE(Get("s").consumers.empty());
}

TEST_F(ConsumersTest, FindConsumerMatchesArnExactly) {
  auto c = Register("app");
  ASSERT_TRUE(c.ok());
  Stream s = Get("s");
  int64_t now = clock_.NowMillis();
  EXPECT_EQ(FindConsumer(s, ConsumerSelector::ByArn(c->arn), now)->name, "app");
  EXPECT_EQ(FindConsumer(s, ConsumerSelector::ByName("app"), now)->arn, c->arn);
  EXPECT_EQ(FindConsumer(s, ConsumerSelector::ByArn(c->arn + "0"), now), nullptr);
  EXPECT_EQ(FindConsumer(s, ConsumerSelector::ByName("other"), now), nullptr);
}

TEST_F(ConsumersTest, DuplicateNameIsInUseWhileRegisteredInAnyStatus) {
  ASSERT_TRUE(Register("app").ok());
  auto dup = Register("app");
  EXPECT_EQ(dup.status().code(), Errc::kInUse);
  EXPECT_EQ(dup.status().message(), "Consumer app under stream s under account 123456789012 already exists.");
  ASSERT_TRUE(catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("app")).ok());
  EXPECT_EQ(Register("app").status().code(), Errc::kInUse);  // still DELETING
  // The same name on another stream is another consumer.
  ASSERT_TRUE(Create("t", 1).ok());
  EXPECT_TRUE(Register("app", "t").ok());
}

TEST_F(ConsumersTest, RegisteringADeletedNameAgainGivesANewArn) {
  auto first = Register("app");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("app")).ok());
  clock_.Advance(500);  // gone, still within the same second
  auto second = Register("app");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->arn, first->arn);
  EXPECT_EQ(FindConsumer(Get("s"), ConsumerSelector::ByArn(first->arn), clock_.NowMillis()), nullptr);
}

TEST_F(ConsumersTest, TwentyPerStream) {
  for (int i = 0; i < 20; ++i) {
    if (i % 5 == 0) clock_.Advance(1000);  // at most 5 CREATING at once
    ASSERT_TRUE(Register("c" + std::to_string(i)).ok()) << i;
  }
  clock_.Advance(1000);
  auto extra = Register("c20");
  EXPECT_EQ(extra.status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(extra.status().message(),
            "Stream s under account 123456789012 already has 20 registered consumers; the limit is 20.");
  // A DELETING consumer still counts; once gone its place is free.
  ASSERT_TRUE(catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("c0")).ok());
  EXPECT_EQ(Register("c20").status().code(), Errc::kLimitExceeded);
  clock_.Advance(500);
  EXPECT_TRUE(Register("c20").ok());
}

TEST_F(ConsumersTest, LimitsComeFromTheOptions) {
  CatalogOptions opts;
  opts.max_consumers_per_stream = 2;
  opts.consumer_activate_delay_ms = 0;
  Make(opts);
  ASSERT_TRUE(Register("a").ok());
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByName("a")), "ACTIVE");  // no CREATING period
  ASSERT_TRUE(Register("b").ok());
  EXPECT_EQ(Register("c").status().code(), Errc::kLimitExceeded);
}

TEST_F(ConsumersTest, AtMostFiveCreatingPerAccount) {
  ASSERT_TRUE(Create("t", 1).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Register("a" + std::to_string(i), "s").ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Register("b" + std::to_string(i), "t").ok());
  auto sixth = Register("b2", "t");
  EXPECT_EQ(sixth.status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(sixth.status().message(),
            "Account 123456789012 already has 5 consumers in CREATING state; wait and retry.");
  clock_.Advance(1000);
  EXPECT_TRUE(Register("b2", "t").ok());
}

TEST_F(ConsumersTest, StreamMustBeActiveOrUpdating) {
  CatalogOptions opts;
  opts.create_stream_delay_ms = 1000;
  opts.update_stream_delay_ms = 1000;
  Make(opts);
  ASSERT_TRUE(Create("new", 2).ok());
  auto r = Register("app", "new");
  EXPECT_EQ(r.status().code(), Errc::kInUse);
  EXPECT_EQ(r.status().message(), "Stream new under account 123456789012 not ACTIVE, instead in state CREATING");
  clock_.Advance(1000);
  ASSERT_TRUE(catalog_->MergeShards(Key("new"), "shardId-000000000000", "shardId-000000000001").ok());
  EXPECT_TRUE(Register("app", "new").ok());  // UPDATING
  EXPECT_EQ(Register("x", "missing").status().code(), Errc::kNotFound);
  ASSERT_TRUE(catalog_->DeleteStream(Key("new")).ok());
  EXPECT_EQ(Register("y", "new").status().code(), Errc::kNotFound);  // delete delay 0: gone
}

TEST_F(ConsumersTest, DeletingTheStreamDeletesItsConsumers) {
  auto c = Register("app");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(catalog_->DeleteStream(Key("s")).ok());
  ASSERT_TRUE(Create("s", 1).ok());
  EXPECT_TRUE(Get("s").consumers.empty());
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(c->arn)), "GONE");
  // The new stream's consumer of the same name has another ARN.
  auto again = Register("app");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->arn, c->arn);
}

TEST_F(ConsumersTest, RestartKeepsConsumersAndTheirStatus) {
  auto active = Register("active");
  ASSERT_TRUE(active.ok());
  clock_.Advance(1000);
  auto creating = Register("creating");
  ASSERT_TRUE(creating.ok());
  auto deleting = Register("deleting");
  ASSERT_TRUE(deleting.ok());
  ASSERT_TRUE(catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("deleting")).ok());
  Make();  // restart over the same stores
  Stream s = Get("s");
  ASSERT_EQ(s.consumers.size(), 3u);
  EXPECT_EQ(s.consumers[0].arn, active->arn);
  EXPECT_EQ(s.consumers[0].created_ms, active->created_ms);
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(active->arn)), "ACTIVE");
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(creating->arn)), "CREATING");
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(deleting->arn)), "DELETING");
  clock_.Advance(1000);
  EXPECT_EQ(StatusOf("s", ConsumerSelector::ByArn(creating->arn)), "ACTIVE");
  // The recovered catalog sweeps the deregistered consumer away, durably.
  catalog_->SweepDeleted();
  EXPECT_EQ(Get("s").consumers.size(), 2u);
  Make();
  EXPECT_EQ(Get("s").consumers.size(), 2u);
  // And still never reissues an ARN within the same second.
  ASSERT_TRUE(catalog_->DeregisterConsumer(Key("s"), ConsumerSelector::ByName("active")).ok());
  clock_.Advance(500);
  auto again = Register("active");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->arn, active->arn);
}

TEST_F(ConsumersTest, ArnParsesToTheStreamKey) {
  auto c = Register("app");
  ASSERT_TRUE(c.ok());
  auto parts = ParseConsumerArn(c->arn);
  ASSERT_TRUE(parts.ok());
  bool found = false;
  ASSERT_TRUE(catalog_
                  ->ReadConsumer({parts->account, parts->region, parts->stream}, ConsumerSelector::ByArn(c->arn),
                                 [&](const Stream& s, const Consumer& got) {
                                   found = s.name == "s" && got.name == "app";
                                   return Status::Ok();
                                 })
                  .ok());
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace sluice::catalog
