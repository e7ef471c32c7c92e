#include "metrics/chunk_codec.h"

#include "metrics/varint.h"

namespace sluice::metrics {
namespace {

constexpr uint8_t kFormatVersion = 1;
// Per-point flags: which of the four values are small integers (varints; else raw doubles),
// whether max equals min (and is omitted), whether a sketch follows.
constexpr uint8_t kCountInt = 1 << 0;
constexpr uint8_t kSumInt = 1 << 1;
constexpr uint8_t kMinInt = 1 << 2;
constexpr uint8_t kMaxInt = 1 << 3;
constexpr uint8_t kMaxIsMin = 1 << 4;
constexpr uint8_t kHasSketch = 1 << 5;
constexpr uint8_t kKnownFlags = (1 << 6) - 1;

}  // namespace

void EncodeChunk(const std::vector<ChunkPoint>& points, int64_t chunk_start_ms, int64_t resolution_ms,
                 std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  varint::PutU64(points.size(), out);
  std::string scratch;
  int64_t prev = 0;
  for (const ChunkPoint& p : points) {
    const int64_t slot = (p.timestamp_ms - chunk_start_ms) / resolution_ms;
    varint::PutU64(static_cast<uint64_t>(slot - prev), out);  // points are sorted: deltas ≥ 0
    prev = slot;
    out->push_back(static_cast<char>(p.unit));
    const StatSet& s = p.stats;
    uint8_t flags = 0;
    if (varint::IsSmallInteger(s.sample_count)) flags |= kCountInt;
    if (varint::IsSmallInteger(s.sum)) flags |= kSumInt;
    if (varint::IsSmallInteger(s.min)) flags |= kMinInt;
    if (s.max == s.min) {
      flags |= kMaxIsMin;
    } else if (varint::IsSmallInteger(s.max)) {
      flags |= kMaxInt;
    }
    if (!s.sketch.empty()) flags |= kHasSketch;
    out->push_back(static_cast<char>(flags));
    varint::PutDouble(s.sample_count, flags & kCountInt, out);
    varint::PutDouble(s.sum, flags & kSumInt, out);
    varint::PutDouble(s.min, flags & kMinInt, out);
    if (!(flags & kMaxIsMin)) varint::PutDouble(s.max, flags & kMaxInt, out);
    if (flags & kHasSketch) {
      // Length-prefixed, so a reader that wants only the basic statistics skips it in O(1).
      scratch.clear();
      s.sketch.EncodeTo(&scratch);
      varint::PutString(scratch, out);
    }
  }
}

bool DecodeChunk(std::string_view in, int64_t chunk_start_ms, int64_t resolution_ms, std::vector<ChunkPoint>* out,
                 bool with_sketches) {
  out->clear();
  if (in.empty() || static_cast<uint8_t>(in[0]) != kFormatVersion) return false;
  in.remove_prefix(1);
  uint64_t n;
  if (!varint::GetU64(&in, &n) || n > in.size()) return false;
  out->resize(n);
  uint64_t slot = 0;
  for (ChunkPoint& p : *out) {
    uint64_t delta;
    if (!varint::GetU64(&in, &delta) || in.size() < 2) return false;
    slot += delta;
    if (slot >= 60) return false;
    p.timestamp_ms = chunk_start_ms + static_cast<int64_t>(slot) * resolution_ms;
    p.unit = static_cast<Unit>(static_cast<uint8_t>(in[0]));
    const auto flags = static_cast<uint8_t>(in[1]);
    in.remove_prefix(2);
    if (static_cast<uint8_t>(p.unit) > static_cast<uint8_t>(Unit::kCountPerSecond) || (flags & ~kKnownFlags))
      return false;
    StatSet& s = p.stats;
    if (!varint::GetDouble(&in, flags & kCountInt, &s.sample_count) ||
        !varint::GetDouble(&in, flags & kSumInt, &s.sum) || !varint::GetDouble(&in, flags & kMinInt, &s.min))
      return false;
    if (flags & kMaxIsMin) {
      s.max = s.min;
    } else if (!varint::GetDouble(&in, flags & kMaxInt, &s.max)) {
      return false;
    }
    if (flags & kHasSketch) {
      uint64_t len;
      if (!varint::GetU64(&in, &len) || len > in.size()) return false;
      std::string_view bytes = in.substr(0, len);
      in.remove_prefix(len);
      if (with_sketches && (!Sketch::DecodeFrom(&bytes, &s.sketch) || !bytes.empty())) return false;
    }
  }
  return in.empty();
}

}  // namespace sluice::metrics
