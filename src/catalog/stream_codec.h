#pragma once
// The durable encoding of one Stream's metadata (a MetadataStore row). Shard logs and routes
// are not encoded: Catalog::Recover reopens them.
//
// Written as version 4; versions 1 to 3 still decode. Field by field, with the encodings,
// what each version added and the compatibility rules: docs/formats/stream-metadata.md.
// A new field is appended and bumps the version; old versions stay decodable.
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
