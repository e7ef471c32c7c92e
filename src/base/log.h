#pragma once
// Structured logging: one JSON object per line on stderr, with a named logger per module.
// Usage: SLOG(kInfo, "server", "listening", {{"port", "4567"}});
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sluice {
class Clock;
}  // namespace sluice

namespace sluice::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using Field = std::pair<std::string_view, std::string>;

void SetLevel(Level level);
Level GetLevel();
bool Enabled(Level level);
void Write(Level level, std::string_view logger, std::string_view message, std::initializer_list<Field> fields = {});
// The clock that timestamps lines; null (the default) is the system clock. Tests pin it.
void SetClock(const Clock* clock);

}  // namespace sluice::log

#define SLOG(level, logger, ...)                                              \
  do {                                                                        \
    if (::sluice::log::Enabled(::sluice::log::Level::level))                  \
      ::sluice::log::Write(::sluice::log::Level::level, logger, __VA_ARGS__); \
  } while (0)
