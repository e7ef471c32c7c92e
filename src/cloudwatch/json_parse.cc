// AWS JSON 1.0 request bodies -> untyped Value tree.
#include <simdjson.h>

#include "cloudwatch/wire.h"

namespace sluice::cloudwatch {
namespace {

ApiError Malformed(std::string_view what) {
  return {ErrorCode::kSerialization, "Malformed JSON body: " + std::string(what)};
}

ApiError FromElement(simdjson::dom::element e, int depth, Value* out) {
  if (depth > kMaxDepth) return Malformed("nested too deeply");
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      *out = Value::Struct();
      for (auto field : simdjson::dom::object(e)) {
        Value child;
        SLUICE_CW_RETURN_IF_ERROR(FromElement(field.value, depth + 1, &child));
        out->Set(field.key, std::move(child));
      }
      return {};
    }
    case simdjson::dom::element_type::ARRAY: {
      *out = Value::List();
      for (auto item : simdjson::dom::array(e)) {
        Value child;
        SLUICE_CW_RETURN_IF_ERROR(FromElement(item, depth + 1, &child));
        out->Append(std::move(child));
      }
      return {};
    }
    case simdjson::dom::element_type::INT64: *out = Value::Int(int64_t(e)); return {};
    case simdjson::dom::element_type::UINT64: *out = Value::Double(static_cast<double>(uint64_t(e))); return {};
    case simdjson::dom::element_type::DOUBLE: *out = Value::Double(double(e)); return {};
    case simdjson::dom::element_type::STRING: *out = Value::String(std::string(std::string_view(e))); return {};
    case simdjson::dom::element_type::BOOL: *out = Value::Bool(bool(e)); return {};
    case simdjson::dom::element_type::NULL_VALUE: *out = Value(); return {};
  }
  return Malformed("unknown value");
}

}  // namespace

ApiError ParseJson(std::string_view body, Value* out) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    *out = Value::Struct();  // an empty body is an empty input
    return {};
  }
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  auto err = parser.parse(padded).get(root);
  if (err != simdjson::SUCCESS) return Malformed(simdjson::error_message(err));
  return FromElement(root, 0, out);
}

}  // namespace sluice::cloudwatch
