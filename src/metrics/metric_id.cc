#include "metrics/metric_id.h"

#include <algorithm>
#include <array>

#include "metrics/varint.h"

namespace sluice::metrics {
namespace {

void AppendField(std::string_view s, std::string* out) { varint::PutString(s, out); }
bool ReadField(std::string_view* in, std::string* out) { return varint::GetString(in, out); }

// Indexed by Unit's underlying value.
constexpr std::array<std::string_view, 27> kUnitNames = {
    "None",
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
};
static_assert(static_cast<size_t>(Unit::kCountPerSecond) + 1 == kUnitNames.size());

}  // namespace

void MetricId::Normalize() { std::sort(dims.begin(), dims.end()); }

std::string MetricId::Key() const {
  std::string out;
  out.reserve(ns.size() + name.size() + 8 + dims.size() * 24);
  AppendField(ns, &out);
  AppendField(name, &out);
  for (const Dimension& d : dims) {
    AppendField(d.name, &out);
    AppendField(d.value, &out);
  }
  return out;
}

std::string MetricId::EncodeDims() const {
  std::string out;
  for (const Dimension& d : dims) {
    AppendField(d.name, &out);
    AppendField(d.value, &out);
  }
  return out;
}

bool MetricId::DecodeDims(std::string_view in, std::vector<Dimension>* out) {
  out->clear();
  while (!in.empty()) {
    Dimension d;
    if (!ReadField(&in, &d.name) || !ReadField(&in, &d.value)) return false;
    out->push_back(std::move(d));
  }
  return true;
}

std::optional<MetricId> MetricId::FromKey(std::string_view key) {
  MetricId id;
  if (!ReadField(&key, &id.ns) || !ReadField(&key, &id.name) || !DecodeDims(key, &id.dims)) return std::nullopt;
  return id;
}

std::string_view UnitName(Unit u) {
  const auto i = static_cast<size_t>(u);
  return i < kUnitNames.size() ? kUnitNames[i] : std::string_view("None");
}

std::optional<Unit> ParseUnit(std::string_view name) {
  for (size_t i = 0; i < kUnitNames.size(); ++i) {
    if (kUnitNames[i] == name) return static_cast<Unit>(i);
  }
  return std::nullopt;
}

}  // namespace sluice::metrics
