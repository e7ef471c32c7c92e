#include "server/observe/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::server::observe {
namespace {

TEST(NegotiateFormat, OpenMetricsOnlyWhenAsked) {
  EXPECT_EQ(NegotiateFormat(""), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("*/*"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("text/plain;version=0.0.4"), ExpositionFormat::kText004);
  // What Prometheus 2.x sends.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                            "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            ExpositionFormat::kOpenMetrics100);
  EXPECT_EQ(NegotiateFormat("text/plain, Application/OpenMetrics-Text"), ExpositionFormat::kOpenMetrics100);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text; q=0"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0.0, text/plain"), ExpositionFormat::kText004);
  EXPECT_EQ(ContentTypeOf(ExpositionFormat::kText004), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(ContentTypeOf(ExpositionFormat::kOpenMetrics100),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(ExpositionText, LabelValuesAreEscaped) {
  std::string out;
  AppendLabelValue(&out, "a\"b\\c\nd");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\"");
}

TEST(ExpositionText, SampleValues) {
  auto v = [](double d) {
    std::string s;
    AppendSampleValue(&s, d);
    return s;
  };
  EXPECT_EQ(v(0), "0");
  EXPECT_EQ(v(42), "42");
  EXPECT_EQ(v(-3), "-3");
  EXPECT_EQ(v(1.5), "1.5");
  EXPECT_EQ(v(0.001), "0.001");
  EXPECT_EQ(v(1e300), "1e+300");
  EXPECT_EQ(v(INFINITY), "+Inf");
  EXPECT_EQ(v(-INFINITY), "-Inf");
  EXPECT_EQ(v(NAN), "NaN");
  EXPECT_EQ(BucketBound(1), "1.0");
  EXPECT_EQ(BucketBound(0.005), "0.005");
  EXPECT_EQ(BucketBound(2.5), "2.5");
  EXPECT_EQ(BucketBound(INFINITY), "+Inf");
}

TEST(ExpositionWriter, CounterInBothFormats) {
  std::string text, om;
  for (auto [format, out] : {std::pair{ExpositionFormat::kText004, &text}, {ExpositionFormat::kOpenMetrics100, &om}}) {
    ExpositionWriter w(format, out);
    w.BeginFamily("x_bytes", MetricType::kCounter, "Help with \\ and \"quotes\"\nand a line.", "bytes");
    w.Sample(w.ValueSuffix(), {{"stream", "s"}}, 7);
    w.BeginFamily("x_build", MetricType::kInfo, "Build.");
    w.Sample(w.ValueSuffix(), {{"version", "1"}}, 1);
    w.Finish();
  }
  EXPECT_EQ(text,
            "# HELP x_bytes_total Help with \\\\ and \"quotes\"\\nand a line.\n"
            "# TYPE x_bytes_total counter\n"
            "x_bytes_total{stream=\"s\"} 7\n"
            "# HELP x_build_info Build.\n"
            "# TYPE x_build_info gauge\n"
            "x_build_info{version=\"1\"} 1\n");
  EXPECT_EQ(om,
            "# HELP x_bytes Help with \\\\ and \\\"quotes\\\"\\nand a line.\n"
            "# TYPE x_bytes counter\n"
            "# UNIT x_bytes bytes\n"
            "x_bytes_total{stream=\"s\"} 7\n"
            "# HELP x_build Build.\n"
            "# TYPE x_build info\n"
            "x_build_info{version=\"1\"} 1\n"
            "# EOF\n");
}

}  // namespace
}  // namespace sluice::server::observe
