#pragma once
// The byte form of one chunk of the metric store: the points of one series in one tier over 60
// consecutive periods. See docs/formats/metrics-store.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_id.h"
#include "metrics/stat_set.h"

namespace sluice::metrics {

struct ChunkPoint {
  int64_t timestamp_ms = 0;  // period start, a multiple of the tier's resolution
  Unit unit = Unit::kNone;
  StatSet stats;
};

// `points` sorted by (timestamp, unit), every timestamp in [chunk_start, chunk_start + 60·res).
void EncodeChunk(const std::vector<ChunkPoint>& points, int64_t chunk_start_ms, int64_t resolution_ms,
                 std::string* out);
// False on malformed input (`out` is then unspecified). Without `with_sketches` the points'
// sketches are skipped unread and left empty (when only the basic statistics are wanted).
bool DecodeChunk(std::string_view in, int64_t chunk_start_ms, int64_t resolution_ms, std::vector<ChunkPoint>* out,
                 bool with_sketches = true);

}  // namespace sluice::metrics
