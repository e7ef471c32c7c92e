#pragma once
// The durable encoding of one Stream's metadata (a MetadataStore row). Shard logs and routes
// are not encoded: Catalog::Recover reopens them.
//
// Layout, version 1 (u = unsigned LEB128 varint, i = zigzag varint, s = u length + bytes,
// o<x> = byte 0 (absent) or 1 followed by x, h = 16 bytes little-endian):
//   byte version=1, u uid, u epoch, s account, s region, s name, i created_ms, i active_at_ms,
//   o<i> deleted_at_ms, byte settled_status, byte mode, i retention_hours,
//   i max_record_size_kib, u tag count + (s key, s value)*, u metric count + s*,
//   u shard count + per shard: u index, h range start, h range end, o<u> parent,
//   o<u> adjacent_parent, i created_ms, o<u> end_offset, o<i> closed_ms.
// Version 2 (resharding) appends: i updating_until_ms, u count + i* scaling_ops_ms.
// Enum bytes are the enumerators' declared order. A new field means a new version; old
// versions stay decodable.
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/stream.h"

namespace sluice::catalog {

std::string EncodeStream(const Stream& s);
// kCorruption if the bytes are truncated, trail garbage, hold out-of-range values or come
// from an unknown version. The result has no logs and no routes.
Result<Stream> DecodeStream(std::string_view bytes);

}  // namespace sluice::catalog
