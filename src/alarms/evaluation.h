#pragma once
// One evaluation of a metric alarm: from the datapoints of its evaluation range to the state it
// should be in, with CloudWatch's state reason and reason data. Pure: no clock, no store.
//
// The rules are those of CloudWatch's "Configuring how CloudWatch alarms treat missing data":
// - CloudWatch reads more periods than EvaluationPeriods (N), the evaluation range (here
//   N + max(N/3, 2) periods).
// - With at least N real datapoints in the range, the N most recent real ones are evaluated and
//   the TreatMissingData setting plays no part.
// - With fewer, every real datapoint of the range is evaluated; breaching / notBreaching add as
//   few filled-in periods (breaching / non-breaching) as it takes to make N; missing / ignore add
//   none. Except with notBreaching, the alarm goes to ALARM early ("premature alarm") when, among
//   the N most recent periods, the oldest breaching datapoint is at least DatapointsToAlarm (M)
//   periods old and every more recent one is breaching or missing.
// - With no real datapoint in the range: missing -> INSUFFICIENT_DATA, ignore -> the state stays,
//   breaching -> ALARM, notBreaching -> OK.
// M or more breaching evaluated datapoints -> ALARM, otherwise OK.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarms/alarm.h"

namespace sluice::alarms {

struct PeriodValue {
  std::optional<double> value;  // the statistic; absent when the period has no data
  double sample_count = 0;
};

struct EvaluationInput {
  const AlarmConfig* config = nullptr;
  AlarmState current = AlarmState::kInsufficientData;
  int64_t query_ms = 0;  // when the evaluation runs
  int64_t end_ms = 0;    // end of the newest period in `periods`
  int64_t period_ms = 0;
  std::vector<PeriodValue> periods;  // the evaluation range, oldest first, ending at end_ms
};

struct EvaluationResult {
  AlarmState state = AlarmState::kInsufficientData;
  bool keep_state = false;  // ignore with no data / low sample counts: the state does not change
  std::string reason;
  std::string reason_data;  // JSON
};

// Periods in the evaluation range for an alarm with N evaluation periods.
int EvaluationRangePeriods(int evaluation_periods);

EvaluationResult Evaluate(const EvaluationInput& in);

}  // namespace sluice::alarms
