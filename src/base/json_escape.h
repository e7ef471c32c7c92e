#pragma once
// JSON string literals, escaped as RFC 8259 requires. On the response path of every record
// (partition keys, iterators), so the common no-escape case is a scan and one append.
#include <string>
#include <string_view>

namespace sluice {

// Appends s to out as a JSON string literal (with quotes). Bytes >= 0x80 (UTF-8) pass through.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace sluice
