#pragma once
// Where alarms, their state, tags and history survive restarts: a SQLite file (alarms.db under
// --data-dir), or nothing at all with --storage memory (the service keeps everything in memory
// either way; the store is written through).
#include <memory>
#include <string>
#include <vector>

#include "alarms/alarm.h"
#include "base/status.h"

namespace sluice::alarms {

class AlarmStore {
 public:
  virtual ~AlarmStore() = default;
  virtual Result<std::vector<Alarm>> LoadAlarms() = 0;
  virtual Result<std::vector<HistoryItem>> LoadHistory() = 0;  // oldest first
  virtual Status PutAlarm(const Alarm& alarm) = 0;             // insert or replace
  virtual Status DeleteAlarm(const std::string& name) = 0;
  virtual Status AppendHistory(const HistoryItem& item) = 0;
  // Drops history older than `before_ms`, and beyond the newest `per_alarm` items of each alarm.
  virtual Status PruneHistory(int64_t before_ms, size_t per_alarm) = 0;
};

Result<std::unique_ptr<AlarmStore>> OpenSqliteAlarmStore(const std::string& path);
std::unique_ptr<AlarmStore> NewNullAlarmStore();

// The alarm as the store keeps it (JSON), and back.
std::string EncodeAlarm(const Alarm& a);
Result<Alarm> DecodeAlarm(std::string_view json);

}  // namespace sluice::alarms
