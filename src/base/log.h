#pragma once
// Structured logging: one JSON object per line on stderr, with a named logger per module.
// Usage: SLOG(kInfo, "server", "listening", {{"port", "4567"}});
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using Field = std::pair<std::string_view, std::string>;

void SetLevel(Level level);
Level GetLevel();
bool Enabled(Level level);
void Write(Level level, std::string_view logger, std::string_view message, std::initializer_list<Field> fields = {});
// Appends s to out as a JSON string literal (with quotes), escaping as RFC 8259 requires.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace sluice::log

#define SLOG(level, logger, ...)                                              \
  do {                                                                        \
    if (::sluice::log::Enabled(::sluice::log::Level::level))                  \
      ::sluice::log::Write(::sluice::log::Level::level, logger, __VA_ARGS__); \
  } while (0)
