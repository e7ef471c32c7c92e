#include "cloudwatch/dispatcher.h"

#include <zlib.h>

#include <string>

#include "base/ascii.h"
#include "cloudwatch/wire.h"

namespace sluice::cloudwatch {
namespace api = ::sluice::server::api;

bool Gunzip(std::string_view in, size_t limit, std::string* out) {
  out->clear();
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return false;  // 32: detect gzip or zlib header
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(buf, sizeof buf - zs.avail_out);
    if (out->size() > limit) break;
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END && out->size() <= limit;
}

void CloudWatchDispatcher::Dispatch(const api::ApiRequest& request, api::ApiResponse* response, api::Completion done) {
  Run(request, response);
  done();
}

void CloudWatchDispatcher::Run(const api::ApiRequest& request, api::ApiResponse* response) const {
  response->headers.clear();
  const api::Wire wire = request.wire;
  auto fail = [&](const ApiError& e) { EncodeError(wire, e, request.request_id, response); };

  if (request.body.size() > kMaxRequestBytes) {
    return fail({ErrorCode::kRequestEntityTooLarge,
                 "Request size " + std::to_string(request.body.size()) + " exceeded 1048576 bytes"});
  }
  std::string inflated;
  std::string_view body = request.body;
  if (!request.content_encoding.empty() && !EqualsIgnoreCase(request.content_encoding, "identity")) {
    if (!EqualsIgnoreCase(request.content_encoding, "gzip")) {
      return fail(ApiError::InvalidValue("Unsupported Content-Encoding: " + std::string(request.content_encoding)));
    }
    if (!Gunzip(body, kMaxInflatedBytes, &inflated)) {
      return fail(ApiError::InvalidValue("The gzip-compressed request body could not be decompressed"));
    }
    body = inflated;
  }

  std::string operation(request.operation);
  if (wire == api::Wire::kAwsQuery) {
    FormFields fields;
    if (ApiError e = ParseForm(body, &fields); !e.ok()) return fail(e);
    auto it = fields.find("Action");
    if (it == fields.end() || it->second.empty()) {
      return fail(ApiError::Missing("The request must contain the parameter Action."));
    }
    operation = it->second;
  }

  const Route* route = FindRoute(operation);
  const OperationDef* def = FindOperation(operation);
  if (route == nullptr || def == nullptr) {
    return fail({ErrorCode::kInvalidAction, def == nullptr ? "Could not find operation " + operation
                                                           : "Operation " + operation + " is not supported"});
  }

  Value input = Value::Struct();
  if (def->input >= 0) {
    if (ApiError e = DecodeRequest(wire, body, ShapeAt(def->input), &input); !e.ok()) return fail(e);
  }
  Value output;
  const HandlerContext ctx{request, services_, services_.clock->NowMillis()};
  if (ApiError e = route->handler(ctx, input, &output); !e.ok()) return fail(e);
  if (def->output >= 0 && !output.is_struct()) output = Value::Struct();
  EncodeResponse(wire, operation, def->output >= 0 ? &output : nullptr, request.request_id, response);
}

}  // namespace sluice::cloudwatch
