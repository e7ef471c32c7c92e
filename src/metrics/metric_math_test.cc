#include "metrics/metric_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace sluice::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kT0 = 1767225600000;

TimeSeries Make(const std::string& id, std::vector<double> values, int64_t period_s = 60) {
  TimeSeries s;
  s.id = id;
  s.label = id + "_label";
  s.start_ms = kT0;
  s.period_s = period_s;
  s.values = std::move(values);
  return s;
}

class Inputs : public MathInputs {
 public:
  void Add(TimeSeries s) {
    MathValue v;
    v.kind = MathValue::Kind::kSeries;
    metrics_.push_back(s);
    std::string id = s.id;
    v.series.push_back(std::move(s));
    by_id_[id] = std::move(v);
  }
  const MathValue* Find(std::string_view id) const override {
    auto it = by_id_.find(std::string(id));
    return it == by_id_.end() ? nullptr : &it->second;
  }
  std::vector<TimeSeries> AllMetrics() const override { return metrics_; }

 private:
  std::map<std::string, MathValue> by_id_;
  std::vector<TimeSeries> metrics_;
};

// Values of a single-series result, with NaN shown as -999 for easy comparison.
std::vector<double> Values(const MathValue& v) {
  EXPECT_EQ(v.kind, MathValue::Kind::kSeries);
  std::vector<double> out;
  for (double x : v.series.at(0).values) out.push_back(std::isnan(x) ? -999 : x);
  return out;
}

MathValue Eval(const Inputs& in, std::string_view expr) {
  auto r = EvaluateMetricMath(expr, in);
  EXPECT_TRUE(r.ok()) << expr << ": " << r.status().ToString();
  return r.ok() ? *r : MathValue{};
}

class MetricMathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_.Add(Make("m1", {1, 2, kNaN, 4}));
    in_.Add(Make("m2", {10, 20, 30, kNaN}));
  }
  Inputs in_;
};

TEST_F(MetricMathTest, ArithmeticOnSeriesAndScalars) {
  EXPECT_EQ(Values(Eval(in_, "m1 + m2")), (std::vector<double>{11, 22, -999, -999}));
  EXPECT_EQ(Values(Eval(in_, "(m1 * 2 + 1) / 1")), (std::vector<double>{3, 5, -999, 9}));
  EXPECT_EQ(Values(Eval(in_, "m2 / m1 * 100")), (std::vector<double>{1000, 1000, -999, -999}));
  EXPECT_EQ(Values(Eval(in_, "-m1 ^ 2")), (std::vector<double>{-1, -4, -999, -16}));
  EXPECT_EQ(Values(Eval(in_, "m1 / 0")), (std::vector<double>{-999, -999, -999, -999}));
  MathValue s = Eval(in_, "2 * 3 + 1");
  EXPECT_EQ(s.kind, MathValue::Kind::kScalar);
  EXPECT_EQ(s.scalar, 7);
}

TEST_F(MetricMathTest, ReducersOnSeriesGiveScalarsAndOnArraysGiveSeries) {
  EXPECT_EQ(Eval(in_, "SUM(m1)").scalar, 7);
  EXPECT_EQ(Eval(in_, "AVG(m2)").scalar, 20);
  EXPECT_EQ(Eval(in_, "MIN(m1)").scalar, 1);
  EXPECT_EQ(Eval(in_, "MAX(m2)").scalar, 30);
  EXPECT_EQ(Values(Eval(in_, "SUM(METRICS())")), (std::vector<double>{11, 22, 30, 4}));
  EXPECT_EQ(Values(Eval(in_, "MAX(METRICS())")), (std::vector<double>{10, 20, 30, 4}));
  EXPECT_EQ(Values(Eval(in_, "AVG(METRICS(\"m2\"))")), (std::vector<double>{10, 20, 30, -999}));
  EXPECT_EQ(Values(Eval(in_, "m1 / SUM(m1)")), (std::vector<double>{1.0 / 7, 2.0 / 7, -999, 4.0 / 7}));
  EXPECT_EQ(Eval(in_, "FILL(METRICS(), 0)").series.size(), 2u);
}

TEST_F(MetricMathTest, RateDiffAndFill) {
  EXPECT_EQ(Values(Eval(in_, "DIFF(m1)")), (std::vector<double>{-999, 1, -999, 2}));
  // RATE divides by the seconds since the previous actual datapoint.
  EXPECT_EQ(Values(Eval(in_, "RATE(m1)")), (std::vector<double>{-999, 1.0 / 60, -999, 2.0 / 120}));
  EXPECT_EQ(Values(Eval(in_, "FILL(m1, 0)")), (std::vector<double>{1, 2, 0, 4}));
  EXPECT_EQ(Values(Eval(in_, "FILL(m1, REPEAT)")), (std::vector<double>{1, 2, 2, 4}));
  EXPECT_EQ(Values(Eval(in_, "FILL(m1, LINEAR)")), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(Values(Eval(in_, "FILL(m1, m2)")), (std::vector<double>{1, 2, 30, 4}));
}

TEST_F(MetricMathTest, IfAndLogic) {
  EXPECT_EQ(Values(Eval(in_, "IF(m1 > 1, m2, 0)")), (std::vector<double>{0, 20, -999, -999}));
  EXPECT_EQ(Values(Eval(in_, "IF(m1 >= 2 AND m2 < 25, 1)")), (std::vector<double>{-999, 1, -999, -999}));
  EXPECT_EQ(Values(Eval(in_, "IF(m1 == 1 || NOT (m1 != 4), m1)")), (std::vector<double>{1, -999, -999, 4}));
  EXPECT_EQ(Values(Eval(in_, "ABS(m1 - 3)")), (std::vector<double>{2, 1, -999, 1}));
  EXPECT_EQ(Eval(in_, "PERIOD(m1)").scalar, 60);
}

TEST_F(MetricMathTest, TimestampsMatchAcrossGrids) {
  // m3 starts one period later: m1 + m3 pairs values with equal timestamps.
  TimeSeries m3 = Make("m3", {100, 200});
  m3.start_ms = kT0 + 60'000;
  in_.Add(m3);
  EXPECT_EQ(Values(Eval(in_, "m1 + m3")), (std::vector<double>{-999, 102, -999, -999}));
}

TEST_F(MetricMathTest, Errors) {
  for (std::string_view bad : {"", "m1 +", "FOO(m1)", "m9", "SUM(m1, m2)", "(m1", "m1 $ 2", "METRICS() + METRICS()",
                               "RATE(3)", "FILL(m1)", "REPEAT"}) {
    auto r = EvaluateMetricMath(bad, in_);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) { EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << bad; }
  }
}

TEST_F(MetricMathTest, ReferencedIds) {
  auto r = ReferencedIds("IF(m1 > 0, e2 / m1, FILL(METRICS(), REPEAT))");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ids, (std::vector<std::string>{"m1", "e2"}));
  EXPECT_TRUE(r->uses_metrics);
}

}  // namespace
}  // namespace sluice::metrics
