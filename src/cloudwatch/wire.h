#pragma once
// CloudWatch's three wire protocols over the generic Value tree: AWS JSON 1.0, Smithy RPC v2
// CBOR and AWS Query (form-encoded requests, XML responses). Requests are decoded against the
// operation's input shape; responses and errors are encoded into an api::ApiResponse with the
// wire's content type and headers (Smithy-Protocol on every CBOR response, x-amzn-query-error
// on JSON and CBOR errors, as CloudWatch is awsQueryCompatible).
#include <map>
#include <string>
#include <string_view>

#include "cloudwatch/errors.h"
#include "cloudwatch/shapes.h"
#include "cloudwatch/value.h"
#include "server/api/dispatcher.h"

namespace sluice::cloudwatch {
namespace api = ::sluice::server::api;

inline constexpr std::string_view kJsonContentType = "application/x-amz-json-1.0";
inline constexpr std::string_view kCborContentType = "application/cbor";
inline constexpr std::string_view kXmlContentType = "text/xml";
inline constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded";
inline constexpr std::string_view kServiceName = "GraniteServiceVersion20100801";
inline constexpr std::string_view kTargetPrefix = "GraniteServiceVersion20100801.";
inline constexpr std::string_view kXmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
inline constexpr std::string_view kErrorNamespace = "com.amazonaws.cloudwatch#";
inline constexpr int kMaxDepth = 32;

// --- decoding ---
// Parses a JSON document into an untyped tree (objects -> kStruct, numbers -> kInt/kDouble).
ApiError ParseJson(std::string_view body, Value* out);
// Parses one CBOR item (RFC 8949) into an untyped tree: tag 1 -> kTimestamp (integer or
// half/single/double float seconds), byte strings -> kBlob, undefined -> null, indefinite
// lengths allowed; trailing bytes are an error.
ApiError ParseCbor(std::string_view body, Value* out);
// Form fields of an x-www-form-urlencoded body, percent-decoded ('+' is a space).
using FormFields = std::map<std::string, std::string, std::less<>>;
ApiError ParseForm(std::string_view body, FormFields* out);
// Rebuilds the input structure from flat query keys ("Dimensions.member.1.Name").
ApiError QueryToValue(const FormFields& fields, const ShapeDef& shape, Value* out);

// Types an untyped tree by the model: numbers to the member's type, epoch seconds to
// timestamps, base64 to blobs; with `lenient_strings` (query) scalars are parsed from text,
// timestamps from ISO 8601. Unknown members are dropped. Type mismatches -> kSerialization.
ApiError Conform(const Value& raw, const ShapeDef& shape, bool lenient_strings, Value* out);
// Required members present and enum values known, recursively -> MissingParameter /
// InvalidParameterValue naming the member as the query protocol spells it.
ApiError ValidateShape(const Value& v, const ShapeDef& shape, std::string_view path = {});

// Decodes `body` for the operation's input shape in the given wire.
ApiError DecodeRequest(api::Wire wire, std::string_view body, const ShapeDef& input, Value* out);

// ISO 8601 date-time ("2026-01-01T00:00:00Z", fractions and offsets allowed) -> epoch ms.
bool ParseIso8601(std::string_view s, int64_t* ms);

// --- encoding ---
void EncodeJson(const Value& v, std::string* out);
void EncodeCbor(const Value& v, std::string* out);
// <OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>...</OpResponse>; no Result
// element when `result` is null (operations without output).
void EncodeXmlResponse(std::string_view operation, const Value* result, std::string_view request_id, std::string* out);

// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
void EncodeXmlError(const ErrorInfo& info, std::string_view message, std::string_view request_id, std::string* out);

// Fills body, content type, status and headers of a success response.
void EncodeResponse(api::Wire wire, std::string_view operation, const Value* result, std::string_view request_id,
                    api::ApiResponse* out);
// Fills an error response. `info` may come from Info(code) or describe a transport error.
void EncodeError(api::Wire wire, const ErrorInfo& info, std::string_view message, std::string_view request_id,
                 api::ApiResponse* out);
void EncodeError(api::Wire wire, const ApiError& error, std::string_view request_id, api::ApiResponse* out);
std::string_view ContentTypeFor(api::Wire wire);

}  // namespace sluice::cloudwatch
