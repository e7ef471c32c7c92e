#pragma once
// Writing the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0.0 by hand: the two
// differ in the counter family name (OpenMetrics drops "_total" from it), the `# UNIT` line,
// `info` families, escaping in HELP and the closing `# EOF`.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::server::observe {

enum class ExpositionFormat : uint8_t { kText004, kOpenMetrics100 };

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// OpenMetrics when the Accept header lists application/openmetrics-text (with a q above 0), as
// Prometheus sends it; the text format otherwise.
ExpositionFormat NegotiateFormat(std::string_view accept);
std::string_view ContentTypeOf(ExpositionFormat format);

enum class MetricType : uint8_t { kCounter, kGauge, kHistogram, kInfo };

// A label set, already in output order. Values are escaped when written.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Appends `"value"` escaped per the formats (backslash, double quote, line feed).
void AppendLabelValue(std::string* out, std::string_view value);
// Appends a sample value: integers exactly, other values shortest round-trip, +Inf/-Inf/NaN.
void AppendSampleValue(std::string* out, double value);
// The `le` label of a bucket bound: "0.005", "1.0", "+Inf" (as the client libraries spell it).
std::string BucketBound(double le);

class ExpositionWriter {
 public:
  ExpositionWriter(ExpositionFormat format, std::string* out) : format_(format), out_(out) {}

  // Starts a family. `name` is the base name: without "_total" for counters and without "_info"
  // for info families; `unit` (OpenMetrics # UNIT) must be the name's last component or empty.
  void BeginFamily(std::string_view name, MetricType type, std::string_view help, std::string_view unit = {});
  // One sample of the current family: name = base + suffix ("_total", "_bucket", "", ...).
  void Sample(std::string_view suffix, const Labels& labels, double value,
              std::pair<std::string_view, std::string_view> extra_label = {});
  // The counter's sample suffix ("_total"), "_info" for info families, else "".
  std::string_view ValueSuffix() const;
  // Closes the exposition (OpenMetrics: "# EOF").
  void Finish();

 private:
  ExpositionFormat format_;
  std::string* out_;
  std::string name_;
  MetricType type_ = MetricType::kGauge;
};

}  // namespace sluice::server::observe
