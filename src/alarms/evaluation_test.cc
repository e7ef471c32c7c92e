#include "alarms/evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace sluice::alarms {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kEnd = 1'700'000'100'000;
constexpr int64_t kPeriodMs = 60'000;

// "0 - X - X": the evaluation range, oldest first; 0 = within the threshold, X = breaching,
// - = missing. The threshold is 5 (GreaterThanThreshold); 0 is the value 1, X the value 10.
std::vector<PeriodValue> Range(std::string_view row) {
  std::vector<PeriodValue> out;
  for (char ch : row) {
    if (ch == ' ') continue;
    if (ch == '-') out.push_back({std::nullopt, 0});
    else out.push_back({ch == 'X' ? 10.0 : 1.0, 1});
  }
  return out;
}

AlarmConfig Config(int n, int m, MissingData missing) {
  AlarmConfig c;
  c.name = "a";
  c.metric_name = "Errors";
  c.ns = "App";
  c.statistic = "Maximum";
  c.period_s = kPeriodMs / 1000;
  c.evaluation_periods = n;
  c.datapoints_to_alarm = m;
  c.threshold = 5;
  c.comparison = Comparison::kGreater;
  c.treat_missing_data = missing;
  return c;
}

struct Outcome {
  AlarmState state;
  bool keep;
};

Outcome EvaluateRow(std::string_view row, MissingData missing, AlarmState current = AlarmState::kInsufficientData,
                    int n = 3, int m = 3) {
  AlarmConfig c = Config(n, m, missing);
  EvaluationInput in;
  in.config = &c;
  in.current = current;
  in.query_ms = kEnd + 500;
  in.end_ms = kEnd;
  in.period_ms = kPeriodMs;
  in.periods = Range(row);
  EvaluationResult r = Evaluate(in);
  return {r.state, r.keep_state};
}

constexpr auto kOk = AlarmState::kOk;
constexpr auto kAlarm = AlarmState::kAlarm;
constexpr auto kInsufficient = AlarmState::kInsufficientData;

// Checks one row of the evaluated-datapoints table (3 evaluation periods, 3 datapoints to alarm,
// a 5-period evaluation range) for the four TreatMissingData columns. "keep" = the state stays.
void ExpectRow(std::string_view row, std::optional<AlarmState> missing, std::optional<AlarmState> ignore,
               AlarmState breaching, AlarmState not_breaching) {
  SCOPED_TRACE(std::string(row));
  auto check = [&](MissingData md, std::optional<AlarmState> want) {
    SCOPED_TRACE(std::string(MissingDataName(md)));
    // From OK, so that "the state stays" and "goes to OK" are told apart by a second run from ALARM.
    Outcome from_ok = EvaluateRow(row, md, kOk);
    Outcome from_alarm = EvaluateRow(row, md, kAlarm);
    if (!want) {
      EXPECT_TRUE(from_ok.keep);
      EXPECT_TRUE(from_alarm.keep);
      EXPECT_EQ(from_alarm.state, kAlarm);
    } else {
      EXPECT_FALSE(from_ok.keep);
      EXPECT_EQ(from_ok.state, *want);
      EXPECT_EQ(from_alarm.state, *want);
    }
  };
  check(MissingData::kMissing, missing);
  check(MissingData::kIgnore, ignore);
  check(MissingData::kBreaching, breaching);
  check(MissingData::kNotBreaching, not_breaching);
}

TEST(EvaluationTable, EnoughRealDatapointsIgnoreTheMissingSetting) { ExpectRow("0 - X - X", kOk, kOk, kOk, kOk); }

TEST(EvaluationTable, OneGoodDatapointAndMissingOnes) { ExpectRow("0 - - - -", kOk, kOk, kOk, kOk); }

TEST(EvaluationTable, AllMissing) { ExpectRow("- - - - -", kInsufficient, std::nullopt, kAlarm, kOk); }

TEST(EvaluationTable, PrematureAlarmAfterOldBreachingDatapoint) { ExpectRow("0 - X - -", kAlarm, kAlarm, kAlarm, kOk); }

TEST(EvaluationTable, PrematureAlarmSingleBreachingDatapoint) { ExpectRow("- - X - -", kAlarm, kAlarm, kAlarm, kOk); }

TEST(EvaluationTable, FullRangeUsesTheNMostRecent) { ExpectRow("0 0 X 0 X", kOk, kOk, kOk, kOk); }

TEST(EvaluationTable, OlderRealDatapointsStandInForMissingRecentOnes) {
  ExpectRow("X X X - -", kAlarm, kAlarm, kAlarm, kAlarm);
}

TEST(EvaluationTable, RecentBreachingDatapointTooYoungForPrematureAlarm) {
  ExpectRow("- - - - X", kOk, kOk, kAlarm, kOk);
}

TEST(Evaluation, MOutOfN) {
  EXPECT_EQ(EvaluateRow("- - 0 X X", MissingData::kMissing, kOk, 3, 2).state, kAlarm);
  EXPECT_EQ(EvaluateRow("- - X 0 X", MissingData::kMissing, kOk, 3, 2).state, kAlarm);
  EXPECT_EQ(EvaluateRow("- - X 0 0", MissingData::kMissing, kAlarm, 3, 2).state, kOk);
  EXPECT_EQ(EvaluateRow("- - 0 0 X", MissingData::kMissing, kAlarm, 3, 2).state, kOk);
}

TEST(Evaluation, SingleDatapointAlarm) {
  EXPECT_EQ(EvaluateRow("- - X", MissingData::kMissing, kOk, 1, 1).state, kAlarm);
  EXPECT_EQ(EvaluateRow("- - 0", MissingData::kMissing, kAlarm, 1, 1).state, kOk);
  EXPECT_EQ(EvaluateRow("X - -", MissingData::kMissing, kOk, 1, 1).state, kAlarm);  // older real datapoint stands in
  EXPECT_EQ(EvaluateRow("- - -", MissingData::kMissing, kOk, 1, 1).state, kInsufficient);
}

TEST(Evaluation, ComparisonOperators) {
  EXPECT_TRUE(Breaches(Comparison::kGreaterOrEqual, 5, 5));
  EXPECT_FALSE(Breaches(Comparison::kGreater, 5, 5));
  EXPECT_TRUE(Breaches(Comparison::kLessOrEqual, 5, 5));
  EXPECT_FALSE(Breaches(Comparison::kLess, 5, 5));
  EXPECT_TRUE(Breaches(Comparison::kLess, 4, 5));
}

TEST(Evaluation, ReasonAndReasonData) {
  AlarmConfig c = Config(3, 2, MissingData::kMissing);
  EvaluationInput in;
  in.config = &c;
  in.current = kOk;
  in.query_ms = kEnd + 1234;
  in.end_ms = kEnd;
  in.period_ms = kPeriodMs;
  in.periods = Range("- - 0 X X");
  EvaluationResult r = Evaluate(in);
  EXPECT_EQ(r.state, kAlarm);
  EXPECT_THAT(r.reason, HasSubstr("Threshold Crossed: 2 out of the last 3 datapoints [10.0 ("));
  EXPECT_THAT(r.reason, HasSubstr("were greater than the threshold (5.0)"));
  EXPECT_THAT(r.reason, HasSubstr("(minimum 2 datapoints for OK -> ALARM transition)."));
  simdjson::dom::parser p;
  simdjson::dom::element root;
  ASSERT_EQ(p.parse(r.reason_data).get(root), simdjson::SUCCESS) << r.reason_data;
  EXPECT_EQ(std::string_view(root["version"]), "1.0");
  EXPECT_EQ(std::string_view(root["statistic"]), "Maximum");
  EXPECT_EQ(int64_t(root["period"]), 60);
  EXPECT_EQ(double(root["threshold"]), 5.0);
  EXPECT_EQ(simdjson::dom::array(root["recentDatapoints"]).size(), 3u);
  EXPECT_EQ(simdjson::dom::array(root["evaluatedDatapoints"]).size(), 3u);
  EXPECT_THAT(std::string(std::string_view(root["queryDate"])), ::testing::EndsWith("+0000"));
}

TEST(Evaluation, InsufficientDataReason) {
  AlarmConfig c = Config(2, 2, MissingData::kMissing);
  EvaluationInput in{&c, kOk, kEnd, kEnd, kPeriodMs, Range("- - - -")};
  EvaluationResult r = Evaluate(in);
  EXPECT_EQ(r.state, kInsufficient);
  EXPECT_EQ(r.reason, "Insufficient Data: 2 datapoints were unknown.");
}

TEST(Evaluation, LowSampleCountPercentileIgnored) {
  AlarmConfig c = Config(1, 1, MissingData::kMissing);
  c.statistic.clear();
  c.extended_statistic = "p99";
  c.evaluate_low_sample_count_percentile = "ignore";
  EvaluationInput in{&c, kOk, kEnd, kEnd, kPeriodMs, {{std::nullopt, 0}, {std::nullopt, 0}, {10.0, 5}}};
  EXPECT_TRUE(Evaluate(in).keep_state);  // p99 of 5 samples means little
  in.periods.back().sample_count = 500;
  EvaluationResult r = Evaluate(in);
  EXPECT_FALSE(r.keep_state);
  EXPECT_EQ(r.state, kAlarm);
}

TEST(Evaluation, RangeSize) {
  EXPECT_EQ(EvaluationRangePeriods(1), 3);
  EXPECT_EQ(EvaluationRangePeriods(3), 5);
  EXPECT_EQ(EvaluationRangePeriods(9), 12);
}

TEST(AlarmFormat, JavaDouble) {
  EXPECT_EQ(JavaDouble(5), "5.0");
  EXPECT_EQ(JavaDouble(0.25), "0.25");
  EXPECT_EQ(JavaDouble(-3), "-3.0");
  EXPECT_EQ(JavaDouble(1e10), "1.0E10");
  EXPECT_EQ(JavaDouble(0), "0.0");
}

TEST(AlarmFormat, Arn) {
  EXPECT_EQ(AlarmArn("us-east-1", "123456789012", "my alarm"),
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:my alarm");
  EXPECT_EQ(AlarmNameFromArn("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b"), "a:b");
  EXPECT_EQ(AlarmNameFromArn("arn:aws:sns:us-east-1:123456789012:topic"), std::nullopt);
  EXPECT_EQ(AlarmNameFromArn("arn:aws:cloudwatch:us-east-1:123456789012:dashboard/x"), std::nullopt);
}

}  // namespace
}  // namespace sluice::alarms
