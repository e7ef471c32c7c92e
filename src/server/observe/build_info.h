#pragma once
// What sluice_build_info reports.
#include <string_view>

namespace sluice::server::observe {

inline constexpr std::string_view kSluiceVersion = "0.1.0";

}  // namespace sluice::server::observe
