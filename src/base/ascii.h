#pragma once
// ASCII-only character helpers for protocol text (HTTP header names, media types, SigV4
// canonical forms), where locale-dependent <cctype> would be wrong and slower.
#include <string_view>

namespace sluice {

constexpr char AsciiToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive equality of two ASCII strings (bytes >= 0x80 must match exactly).
constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) return false;
  }
  return true;
}

}  // namespace sluice
