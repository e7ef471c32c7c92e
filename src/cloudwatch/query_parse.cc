// AWS Query requests: form fields -> Value, rebuilt against the model because the wire is flat
// ("MetricData.member.1.Dimensions.member.2.Value=...").
#include <charconv>
#include <set>

#include "cloudwatch/wire.h"

namespace sluice::cloudwatch {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]);
      int lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

// True if some key equals `prefix` or starts with `prefix` + '.'.
bool HasKeyUnder(const FormFields& f, const std::string& prefix) {
  auto it = f.lower_bound(prefix);
  for (; it != f.end() && it->first.starts_with(prefix); ++it) {
    if (it->first.size() == prefix.size() || it->first[prefix.size()] == '.') return true;
  }
  return false;
}

// Indices N of keys "<prefix>.N" / "<prefix>.N.…", ascending.
std::set<int64_t> IndicesUnder(const FormFields& f, const std::string& prefix) {
  std::set<int64_t> out;
  const std::string p = prefix + ".";
  for (auto it = f.lower_bound(p); it != f.end() && it->first.starts_with(p); ++it) {
    std::string_view rest = std::string_view(it->first).substr(p.size());
    int64_t n = 0;
    auto r = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (r.ec == std::errc() && (r.ptr == rest.data() + rest.size() || *r.ptr == '.')) out.insert(n);
  }
  return out;
}

ApiError Build(const FormFields& f, const ShapeDef& shape, const std::string& prefix, int depth, Value* out) {
  if (depth > kMaxDepth) return {ErrorCode::kSerialization, "Query parameters nested too deeply"};
  switch (shape.type) {
    case ShapeType::kStructure: {
      *out = Value::Struct();
      for (const MemberDef& m : MembersOf(shape)) {
        std::string key = prefix.empty() ? std::string(m.name) : prefix + "." + std::string(m.name);
        if (!HasKeyUnder(f, key)) continue;
        Value child;
        SLUICE_CW_RETURN_IF_ERROR(Build(f, ShapeAt(m.shape), key, depth + 1, &child));
        out->Set(m.name, std::move(child));
      }
      return {};
    }
    case ShapeType::kList: {
      *out = Value::List();  // "Member=" alone is an empty list
      const std::string base = prefix + ".member";
      for (int64_t i : IndicesUnder(f, base)) {
        Value child;
        SLUICE_CW_RETURN_IF_ERROR(Build(f, ShapeAt(shape.element), base + "." + std::to_string(i), depth + 1, &child));
        out->Append(std::move(child));
      }
      return {};
    }
    case ShapeType::kMap: {
      *out = Value::Map();
      const std::string base = prefix + ".entry";
      for (int64_t i : IndicesUnder(f, base)) {
        std::string entry = base + "." + std::to_string(i);
        auto k = f.find(entry + ".key");
        if (k == f.end()) continue;
        Value child;
        SLUICE_CW_RETURN_IF_ERROR(Build(f, ShapeAt(shape.element), entry + ".value", depth + 1, &child));
        out->Set(k->second, std::move(child));
      }
      return {};
    }
    default: {
      auto it = f.find(prefix);
      *out = it == f.end() ? Value() : Value::String(it->second);
      return {};
    }
  }
}

}  // namespace

ApiError ParseForm(std::string_view body, FormFields* out) {
  out->clear();
  std::string key, value;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view item = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (!PercentDecode(item.substr(0, eq), &key) ||
        !PercentDecode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1), &value)) {
      return {ErrorCode::kSerialization, "Malformed query string"};
    }
    (*out)[key] = value;
  }
  return {};
}

ApiError QueryToValue(const FormFields& fields, const ShapeDef& shape, Value* out) {
  Value raw;
  SLUICE_CW_RETURN_IF_ERROR(Build(fields, shape, "", 0, &raw));
  return Conform(raw, shape, /*lenient_strings=*/true, out);
}

}  // namespace sluice::cloudwatch
