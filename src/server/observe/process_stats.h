#pragma once
// The standard process_* gauges (as the Prometheus client libraries define them), read from
// /proc. Linux only; elsewhere ok stays false and the families are left out.
#include "server/observe/prometheus_page.h"

namespace sluice::server::observe {

ProcessStats ReadProcessStats();

}  // namespace sluice::server::observe
