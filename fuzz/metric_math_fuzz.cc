// libFuzzer target for the metric-math expression parser (metrics/metric_math.h): arbitrary
// expressions over two known series never crash; ReferencedIds and EvaluateMetricMath agree on
// syntax (an expression whose ids cannot be listed is not evaluated successfully); a series
// result stays on its inputs' grid.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_math.h"

using namespace sluice;
using namespace sluice::metrics;

namespace {

void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

class TwoSeries : public MathInputs {
 public:
  TwoSeries() {
    for (const char* id : {"m1", "m2"}) {
      TimeSeries s;
      s.id = id;
      s.label = id;
      s.start_ms = 60'000;
      s.period_s = 60;
      s.values = {1, 2, NAN, 4, 0, -3};
      MathValue v;
      v.kind = MathValue::Kind::kSeries;
      v.series.push_back(s);
      (id[1] == '1' ? m1_ : m2_) = v;
    }
  }
  const MathValue* Find(std::string_view id) const override {
    if (id == "m1") return &m1_;
    if (id == "m2") return &m2_;
    return nullptr;
  }
  std::vector<TimeSeries> AllMetrics() const override { return {m1_.series[0], m2_.series[0]}; }

 private:
  MathValue m1_, m2_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;  // expressions are short; deep nesting is bounded by the parser
  std::string_view expr(reinterpret_cast<const char*>(data), size);
  static const TwoSeries inputs;
  auto refs = ReferencedIds(expr);
  auto result = EvaluateMetricMath(expr, inputs);
  if (result.ok()) {
    Check(refs.ok(), "an expression evaluates but its ids cannot be listed", expr);
    for (const TimeSeries& s : result->series) {
      Check(s.period_s == 60 && s.start_ms == 60'000, "a series result left its inputs' grid", expr);
      Check(s.values.size() <= 6, "a series result grew", expr);
    }
  }
  return 0;
}
