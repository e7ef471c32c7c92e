// The per-wire entry points: decode a request, encode a response or an error with the wire's
// content type and headers.
#include "cloudwatch/wire.h"

#include "protocol/json_writer.h"

namespace sluice::cloudwatch {

ApiError DecodeRequest(api::Wire wire, std::string_view body, const ShapeDef& input, Value* out) {
  Value raw;
  switch (wire) {
    case api::Wire::kRpcV2Cbor:
    case api::Wire::kAwsCbor: SLUICE_CW_RETURN_IF_ERROR(ParseCbor(body, &raw)); break;
    case api::Wire::kAwsQuery: {
      FormFields fields;
      SLUICE_CW_RETURN_IF_ERROR(ParseForm(body, &fields));
      SLUICE_CW_RETURN_IF_ERROR(QueryToValue(fields, input, out));
      return ValidateShape(*out, input);
    }
    case api::Wire::kAwsJson: SLUICE_CW_RETURN_IF_ERROR(ParseJson(body, &raw)); break;
  }
  SLUICE_CW_RETURN_IF_ERROR(Conform(raw, input, /*lenient_strings=*/false, out));
  return ValidateShape(*out, input);
}

std::string_view ContentTypeFor(api::Wire wire) {
  switch (wire) {
    case api::Wire::kRpcV2Cbor:
    case api::Wire::kAwsCbor: return kCborContentType;
    case api::Wire::kAwsQuery: return kXmlContentType;
    case api::Wire::kAwsJson: break;
  }
  return kJsonContentType;
}

void EncodeResponse(api::Wire wire, std::string_view operation, const Value* result, std::string_view request_id,
                    api::ApiResponse* out) {
  out->http_status = 200;
  out->error_type = {};
  out->body.clear();
  out->content_type = ContentTypeFor(wire);
  static const Value kEmpty = Value::Struct();
  const Value& body = result != nullptr ? *result : kEmpty;
  switch (wire) {
    case api::Wire::kRpcV2Cbor:
    case api::Wire::kAwsCbor:
      out->headers.emplace_back("Smithy-Protocol", "rpc-v2-cbor");
      EncodeCbor(body, &out->body);
      break;
    case api::Wire::kAwsQuery: EncodeXmlResponse(operation, result, request_id, &out->body); break;
    case api::Wire::kAwsJson: EncodeJson(body, &out->body); break;
  }
}

void EncodeError(api::Wire wire, const ErrorInfo& info, std::string_view message, std::string_view request_id,
                 api::ApiResponse* out) {
  out->http_status = info.http_status;
  out->body.clear();
  out->content_type = ContentTypeFor(wire);
  out->error_type = {};
  out->log.error_message.assign(message);
  const std::string query_error = std::string(info.code) + (info.sender_fault ? ";Sender" : ";Receiver");
  const std::string type = std::string(kErrorNamespace) + std::string(info.shape);
  switch (wire) {
    case api::Wire::kRpcV2Cbor:
    case api::Wire::kAwsCbor: {
      out->headers.emplace_back("Smithy-Protocol", "rpc-v2-cbor");
      out->headers.emplace_back("x-amzn-query-error", query_error);
      Value body = Value::Struct();
      body.Set("__type", Value::String(type));
      body.Set("message", Value::String(std::string(message)));
      EncodeCbor(body, &out->body);
      break;
    }
    case api::Wire::kAwsJson: {
      out->error_type = info.shape;
      out->headers.emplace_back("x-amzn-query-error", query_error);
      protocol::JsonWriter w(&out->body);
      w.BeginObject();
      w.Field("__type", type);
      w.Field("message", message);
      w.EndObject();
      break;
    }
    case api::Wire::kAwsQuery: {
      EncodeXmlError(info, message, request_id, &out->body);
      break;
    }
  }
}

void EncodeError(api::Wire wire, const ApiError& error, std::string_view request_id, api::ApiResponse* out) {
  EncodeError(wire, Info(error.code()), error.message(), request_id, out);
}

}  // namespace sluice::cloudwatch
