#include "server/observe/prometheus_text.h"

#include <charconv>
#include <cmath>

#include "base/ascii.h"

namespace sluice::server::observe {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// q=0 means "not acceptable" (RFC 9110 12.4.2).
bool QualityIsZero(std::string_view params) {
  size_t pos = 0;
  while (pos < params.size()) {
    size_t end = params.find(';', pos);
    if (end == std::string_view::npos) end = params.size();
    std::string_view p = Trim(params.substr(pos, end - pos));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string_view v = p.substr(2);
      return v.find_first_not_of("0.") == std::string_view::npos;
    }
    pos = end + 1;
  }
  return false;
}

void AppendHelp(std::string* out, std::string_view help, bool escape_quotes) {
  for (char c : help) {
    if (c == '\\') out->append("\\\\");
    else if (c == '\n') out->append("\\n");
    else if (c == '"' && escape_quotes) out->append("\\\"");
    else out->push_back(c);
  }
}

}  // namespace

ExpositionFormat NegotiateFormat(std::string_view accept) {
  size_t pos = 0;
  while (pos < accept.size()) {
    size_t end = accept.find(',', pos);
    if (end == std::string_view::npos) end = accept.size();
    std::string_view item = Trim(accept.substr(pos, end - pos));
    size_t semi = item.find(';');
    std::string_view media = Trim(item.substr(0, semi));
    if (EqualsIgnoreCase(media, "application/openmetrics-text") &&
        !(semi != std::string_view::npos && QualityIsZero(item.substr(semi + 1)))) {
      return ExpositionFormat::kOpenMetrics100;
    }
    pos = end + 1;
  }
  return ExpositionFormat::kText004;
}

std::string_view ContentTypeOf(ExpositionFormat format) {
  return format == ExpositionFormat::kOpenMetrics100 ? kOpenMetricsContentType : kTextContentType;
}

void AppendLabelValue(std::string* out, std::string_view value) {
  out->push_back('"');
  for (char c : value) {
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
  out->push_back('"');
}

void AppendSampleValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {  // 2^53: exact
    auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(value));
    out->append(buf, r.ptr);
    return;
  }
  // Plain decimals where they are readable ("0.0005", not "5e-04"), exponents beyond.
  const double mag = std::fabs(value);
  auto r = mag >= 1e-4 && mag < 1e15 ? std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed)
                                     : std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, r.ptr);
}

std::string BucketBound(double le) {
  std::string s;
  if (std::isinf(le)) return "+Inf";
  AppendSampleValue(&s, le);
  if (s.find_first_of(".eE") == std::string::npos) s.append(".0");
  return s;
}

void ExpositionWriter::BeginFamily(std::string_view name, MetricType type, std::string_view help,
                                   std::string_view unit) {
  const bool om = format_ == ExpositionFormat::kOpenMetrics100;
  type_ = type;
  name_.assign(name);
  // The text format names counter families with their sample name (_total); info families are
  // gauges there.
  std::string family(name);
  if (!om) family.append(ValueSuffix());
  std::string_view type_name = "gauge";
  switch (type) {
    case MetricType::kCounter: type_name = "counter"; break;
    case MetricType::kHistogram: type_name = "histogram"; break;
    case MetricType::kInfo: type_name = om ? "info" : "gauge"; break;
    case MetricType::kGauge: break;
  }
  out_->append("# HELP ").append(family).push_back(' ');
  AppendHelp(out_, help, om);
  out_->append("\n# TYPE ").append(family).append(" ").append(type_name).push_back('\n');
  if (om && !unit.empty()) out_->append("# UNIT ").append(family).append(" ").append(unit).push_back('\n');
}

std::string_view ExpositionWriter::ValueSuffix() const {
  if (type_ == MetricType::kCounter) return "_total";
  if (type_ == MetricType::kInfo) return "_info";
  return "";
}

void ExpositionWriter::Sample(std::string_view suffix, const Labels& labels, double value,
                              std::pair<std::string_view, std::string_view> extra_label) {
  out_->append(name_).append(suffix);
  if (!labels.empty() || !extra_label.first.empty()) {
    out_->push_back('{');
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_->push_back(',');
      first = false;
      out_->append(k).push_back('=');
      AppendLabelValue(out_, v);
    }
    if (!extra_label.first.empty()) {
      if (!first) out_->push_back(',');
      out_->append(extra_label.first).push_back('=');
      AppendLabelValue(out_, extra_label.second);
    }
    out_->push_back('}');
  }
  out_->push_back(' ');
  AppendSampleValue(out_, value);
  out_->push_back('\n');
}

void ExpositionWriter::Finish() {
  if (format_ == ExpositionFormat::kOpenMetrics100) out_->append("# EOF\n");
}

}  // namespace sluice::server::observe
