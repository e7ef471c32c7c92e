#include "alarms/alarm_request.h"

#include <gtest/gtest.h>

namespace sluice::alarms {
namespace {

PutMetricAlarmRequest Valid() {
  PutMetricAlarmRequest r;
  r.alarm_name = "high-errors";
  r.metric_name = "Errors";
  r.ns = "App";
  r.statistic = "Sum";
  r.period = 60;
  r.evaluation_periods = 3;
  r.threshold = 10;
  r.comparison_operator = "GreaterThanThreshold";
  return r;
}

AlarmErrorKind Kind(const PutMetricAlarmRequest& r) {
  AlarmConfig c;
  return BuildAlarmConfig(r, &c).kind;
}

TEST(AlarmRequest, ValidSingleMetricAlarm) {
  PutMetricAlarmRequest r = Valid();
  r.dims = {{"Service", "api"}};
  r.datapoints_to_alarm = 2;
  r.treat_missing_data = "breaching";
  r.unit = "Count";
  AlarmConfig c;
  ASSERT_TRUE(BuildAlarmConfig(r, &c).ok());
  EXPECT_EQ(c.name, "high-errors");
  EXPECT_EQ(c.M(), 2);
  EXPECT_EQ(c.missing(), MissingData::kBreaching);
  EXPECT_EQ(c.unit, metrics::Unit::kCount);
  EXPECT_EQ(c.EvaluationPeriodSeconds(), 60);
  EXPECT_TRUE(c.actions_enabled);
}

TEST(AlarmRequest, RequiredMembers) {
  for (auto clear :
       {+[](PutMetricAlarmRequest& r) { r.alarm_name.reset(); },
        +[](PutMetricAlarmRequest& r) { r.evaluation_periods.reset(); },
        +[](PutMetricAlarmRequest& r) { r.comparison_operator.reset(); },
        +[](PutMetricAlarmRequest& r) { r.threshold.reset(); }, +[](PutMetricAlarmRequest& r) { r.period.reset(); },
        +[](PutMetricAlarmRequest& r) { r.ns.reset(); }}) {
    PutMetricAlarmRequest r = Valid();
    clear(r);
    EXPECT_EQ(Kind(r), AlarmErrorKind::kMissingParameter);
  }
}

TEST(AlarmRequest, Period) {
  for (int64_t p : {10, 20, 30, 60, 120, 3600}) {
    PutMetricAlarmRequest r = Valid();
    r.period = p;
    r.evaluation_periods = 1;
    EXPECT_EQ(Kind(r), AlarmErrorKind::kNone) << p;
  }
  for (int64_t p : {0, 1, 15, 45, 90}) {
    PutMetricAlarmRequest r = Valid();
    r.period = p;
    EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue) << p;
  }
}

TEST(AlarmRequest, EvaluationRangeLimits) {
  PutMetricAlarmRequest r = Valid();
  r.period = 60;
  r.evaluation_periods = 1440;  // exactly one day
  EXPECT_EQ(Kind(r), AlarmErrorKind::kNone);
  r.evaluation_periods = 1441;
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
  r.period = 3600;
  r.evaluation_periods = 168;  // seven days of hourly periods
  EXPECT_EQ(Kind(r), AlarmErrorKind::kNone);
  r.evaluation_periods = 169;
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
}

TEST(AlarmRequest, DatapointsToAlarmAtMostEvaluationPeriods) {
  PutMetricAlarmRequest r = Valid();
  r.datapoints_to_alarm = 4;
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
  r.datapoints_to_alarm = 0;
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
}

TEST(AlarmRequest, StatisticXorExtendedStatistic) {
  PutMetricAlarmRequest r = Valid();
  r.extended_statistic = "p99";
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterCombination);
  r.statistic.reset();
  EXPECT_EQ(Kind(r), AlarmErrorKind::kNone);
  r.extended_statistic.reset();
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterCombination);
  r.statistic = "Median";
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
}

TEST(AlarmRequest, EnumsAndAnomalyOperators) {
  PutMetricAlarmRequest r = Valid();
  r.comparison_operator = "LessThanLowerOrGreaterThanUpperThreshold";
  AlarmConfig c;
  AlarmError e = BuildAlarmConfig(r, &c);
  EXPECT_EQ(e.kind, AlarmErrorKind::kInvalidParameterValue);
  EXPECT_NE(e.message.find("anomaly detection"), std::string::npos);
  r = Valid();
  r.treat_missing_data = "zero";
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
  r = Valid();
  r.unit = "Furlongs";
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
  r = Valid();
  r.threshold_metric_id = "ad1";
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
}

TEST(AlarmRequest, MetricsXorMetricName) {
  PutMetricAlarmRequest r = Valid();
  MetricQueryRequest q;
  q.id = "m1";
  q.has_metric_stat = true;
  q.metric_name = "Errors";
  q.ns = "App";
  q.stat_period = 60;
  q.stat = "Sum";
  r.metrics = {q};
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterCombination);

  PutMetricAlarmRequest m = Valid();
  m.metric_name.reset();
  m.ns.reset();
  m.statistic.reset();
  m.period.reset();
  m.metrics = {q};
  AlarmConfig c;
  ASSERT_TRUE(BuildAlarmConfig(m, &c).ok());
  EXPECT_TRUE(c.is_math());
  EXPECT_EQ(c.EvaluationPeriodSeconds(), 60);

  MetricQueryRequest e;
  e.id = "e1";
  e.expression = "m1 * 2";
  m.metrics = {q, e};  // two queries return data
  EXPECT_EQ(Kind(m), AlarmErrorKind::kInvalidParameterValue);
  m.metrics[0].return_data = false;
  EXPECT_EQ(Kind(m), AlarmErrorKind::kNone);
  m.metrics[1].id = "m1";
  EXPECT_EQ(Kind(m), AlarmErrorKind::kInvalidParameterValue);  // duplicate id
}

TEST(AlarmRequest, ActionsAtMostFive) {
  PutMetricAlarmRequest r = Valid();
  r.alarm_actions.assign(6, "arn:aws:sns:us-east-1:000000000000:t");
  EXPECT_EQ(Kind(r), AlarmErrorKind::kInvalidParameterValue);
  r.alarm_actions.resize(5);
  EXPECT_EQ(Kind(r), AlarmErrorKind::kNone);
}

}  // namespace
}  // namespace sluice::alarms
