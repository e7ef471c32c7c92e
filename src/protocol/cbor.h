#pragma once
// AWS CBOR 1.1 (application/x-amz-cbor-1.1, reference 1.4) transcoded at the codec edge: request
// bodies are turned into the equivalent AWS JSON 1.1 text so the JSON request decoder and every
// handler stay unchanged, and JSON response bodies are turned back into CBOR. See
// docs/formats/cbor.md for the mapping and the limits.
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::protocol {

// Maximum nesting of maps/arrays accepted in either direction (Kinesis shapes nest < 6 deep).
inline constexpr int kCborMaxDepth = 64;

// Decodes one CBOR data item (RFC 8949) and writes equivalent JSON into *json (cleared first):
//   text string -> JSON string (UTF-8 validated, escaped); byte string -> base64 JSON string;
//   indefinite-length strings/arrays/maps (as Jackson writes them) -> their concatenation / JSON
//   array / object; integers -> JSON integers (outside int64 -> error); float16/32/64 -> JSON
//   numbers (NaN/Inf -> error); true/false/null/undefined -> true/false/null/null;
//   tag 1 + integer (epoch milliseconds, AWS CBOR 1.1) -> JSON seconds with millisecond
//   precision, tag 1 + float (seconds, leniently) -> the same; other tags -> their content.
// Map keys must be text strings. Trailing bytes after the item are an error. Iterative (no
// recursion); nesting deeper than kCborMaxDepth is an error. Every error is
// Errc::kSerialization with a message naming the byte offset.
Status CborToJson(std::string_view cbor, std::string* json);

// Transcodes a JSON response body produced by Sluice into CBOR in *cbor (cleared first),
// directed by member names: a string member "Data" -> byte string (base64-decoded); number
// members named like payload timestamps (ApproximateArrivalTimestamp, StreamCreationTimestamp,
// ConsumerCreationTimestamp, StartedAt, EndedAt, EarliestAllowedEndAt; JSON seconds) -> tag 1 +
// integer epoch milliseconds; other numbers -> integers when integral, else float64; strings ->
// text; true/false/null -> simple values; objects/arrays -> definite-length maps/arrays.
// Errors (invalid JSON, bad base64 in "Data", out-of-range timestamp, nesting deeper than
// kCborMaxDepth) -> Errc::kInternal: a response Sluice produced should never fail here.
// Not reentrant across fibers on one thread (uses a thread_local simdjson DOM parser).
Status JsonToCbor(std::string_view json, std::string* cbor);

// Appends a CBOR text string (major type 3, shortest length encoding); s is not validated.
void AppendCborText(std::string* out, std::string_view s);

}  // namespace sluice::protocol
