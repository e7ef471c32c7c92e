#include "base/log.h"

#include <atomic>
#include <cstdint>
#include <cstdio>

#include "base/clock.h"
#include "base/json_escape.h"
#include "base/time_format.h"

namespace sluice::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<const Clock*> g_clock{nullptr};  // null: the system clock

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}
}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level GetLevel() { return static_cast<Level>(g_level.load()); }
bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }
void SetClock(const Clock* clock) { g_clock.store(clock); }

void Write(Level level, std::string_view logger, std::string_view message, std::initializer_list<Field> fields) {
  const Clock* clock = g_clock.load();
  char ts[kIso8601MillisSize];
  FormatIso8601Millis((clock != nullptr ? clock : SystemClock::Default())->NowMillis(), ts);
  std::string line;
  line.reserve(128);
  line.append("{\"ts\":\"").append(ts, sizeof ts).append("\",\"level\":\"").append(LevelName(level));
  line.append("\",\"logger\":");
  AppendJsonString(&line, logger);
  line.append(",\"msg\":");
  AppendJsonString(&line, message);
  for (const auto& [k, v] : fields) {
    line.push_back(',');
    AppendJsonString(&line, k);
    line.push_back(':');
    AppendJsonString(&line, v);
  }
  line.append("}\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sluice::log
