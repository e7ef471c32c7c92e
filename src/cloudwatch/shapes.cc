#include "cloudwatch/shapes.h"

#include <algorithm>

namespace sluice::cloudwatch {

const OperationDef* FindOperation(std::string_view name) {
  auto ops = Operations();
  // Generated sorted by name.
  auto it = std::lower_bound(ops.begin(), ops.end(), name,
                             [](const OperationDef& o, std::string_view n) { return o.name < n; });
  return it != ops.end() && it->name == name ? &*it : nullptr;
}

std::span<const MemberDef> MembersOf(const ShapeDef& s) {
  return Members().subspan(static_cast<size_t>(s.first_member), static_cast<size_t>(s.member_count));
}

const MemberDef* FindMember(const ShapeDef& s, std::string_view name) {
  for (const MemberDef& m : MembersOf(s)) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

bool IsEnumValue(const ShapeDef& s, std::string_view value) {
  std::string_view list = s.enum_values;
  while (!list.empty()) {
    size_t bar = list.find('|');
    if (list.substr(0, bar) == value) return true;
    if (bar == std::string_view::npos) break;
    list.remove_prefix(bar + 1);
  }
  return false;
}

}  // namespace sluice::cloudwatch
