// Value -> JSON 1.0 / RPC v2 CBOR / query XML, and the response envelopes of each wire.
#include <bit>
#include <charconv>
#include <cmath>

#include "base/base64.h"
#include "base/time_format.h"
#include "cloudwatch/wire.h"
#include "protocol/json_writer.h"

namespace sluice::cloudwatch {
namespace {

void AppendDouble(std::string* out, double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
}

std::string_view NonFiniteName(double d) {
  if (std::isnan(d)) return "NaN";
  return d > 0 ? "Infinity" : "-Infinity";
}

void WriteJson(const Value& v, protocol::JsonWriter* w) {
  switch (v.kind()) {
    case Value::Kind::kNull: w->Null(); break;
    case Value::Kind::kBool: w->Bool(v.bool_value()); break;
    case Value::Kind::kInt: w->Int(v.int_value()); break;
    case Value::Kind::kDouble:
      if (std::isfinite(v.double_value())) {
        std::string num;
        AppendDouble(&num, v.double_value());
        w->RawValue(num);
      } else {
        w->String(NonFiniteName(v.double_value()));
      }
      break;
    case Value::Kind::kString: w->String(v.string_value()); break;
    case Value::Kind::kTimestamp: w->TimestampMillis(v.timestamp_ms()); break;
    case Value::Kind::kBlob: {
      std::string b64;
      base64::AppendEncoded(v.string_value(), &b64);
      w->String(b64);
      break;
    }
    case Value::Kind::kList:
      w->BeginArray();
      for (const Value& item : v.items()) WriteJson(item, w);
      w->EndArray();
      break;
    case Value::Kind::kStruct:
      w->BeginObject();
      for (const auto& [name, child] : v.members()) {
        if (child.is_null()) continue;
        w->Key(name);
        WriteJson(child, w);
      }
      w->EndObject();
      break;
  }
}

void CborHead(std::string* out, int major, uint64_t arg) {
  const auto mt = static_cast<uint8_t>(major << 5);
  if (arg < 24) {
    out->push_back(static_cast<char>(mt | arg));
    return;
  }
  int bytes = arg <= 0xff ? 1 : arg <= 0xffff ? 2 : arg <= 0xffffffffULL ? 4 : 8;
  const uint8_t info = bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27;
  out->push_back(static_cast<char>(mt | info));
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((arg >> (8 * i)) & 0xff));
}

void CborInt(std::string* out, int64_t v) {
  if (v >= 0) {
    CborHead(out, 0, static_cast<uint64_t>(v));
  } else {
    CborHead(out, 1, static_cast<uint64_t>(-1 - v));
  }
}

void CborDouble(std::string* out, double d) {
  out->push_back(static_cast<char>(0xfb));
  const auto bits = std::bit_cast<uint64_t>(d);
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void CborText(std::string* out, std::string_view s) {
  CborHead(out, 3, s.size());
  out->append(s);
}

void WriteCbor(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNull: out->push_back(static_cast<char>(0xf6)); break;
    case Value::Kind::kBool: out->push_back(static_cast<char>(v.bool_value() ? 0xf5 : 0xf4)); break;
    case Value::Kind::kInt: CborInt(out, v.int_value()); break;
    case Value::Kind::kDouble: CborDouble(out, v.double_value()); break;
    case Value::Kind::kString: CborText(out, v.string_value()); break;
    case Value::Kind::kTimestamp:
      // Tag 1: epoch seconds, an integer when whole, else a float64.
      out->push_back(static_cast<char>(0xc1));
      if (v.timestamp_ms() % 1000 == 0) {
        CborInt(out, v.timestamp_ms() / 1000);
      } else {
        CborDouble(out, static_cast<double>(v.timestamp_ms()) / 1000.0);
      }
      break;
    case Value::Kind::kBlob:
      CborHead(out, 2, v.string_value().size());
      out->append(v.string_value());
      break;
    case Value::Kind::kList:
      CborHead(out, 4, v.items().size());
      for (const Value& item : v.items()) WriteCbor(item, out);
      break;
    case Value::Kind::kStruct: {
      size_t n = 0;
      for (const auto& m : v.members()) n += m.second.is_null() ? 0 : 1;
      CborHead(out, 5, n);  // nulls are omitted
      for (const auto& [name, child] : v.members()) {
        if (child.is_null()) continue;
        CborText(out, name);
        WriteCbor(child, out);
      }
      break;
    }
  }
}

void XmlEscape(std::string_view s, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      case '\'': out->append("&apos;"); break;
      case '\r': out->append("&#xD;"); break;
      default: out->push_back(c);
    }
  }
}

void WriteXml(const Value& v, std::string* out);

void WriteXmlElement(std::string_view name, const Value& v, std::string* out) {
  out->push_back('<');
  out->append(name);
  out->push_back('>');
  WriteXml(v, out);
  out->append("</");
  out->append(name);
  out->push_back('>');
}

void WriteXml(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNull: break;
    case Value::Kind::kBool: out->append(v.bool_value() ? "true" : "false"); break;
    case Value::Kind::kInt: out->append(std::to_string(v.int_value())); break;
    case Value::Kind::kDouble:
      if (std::isfinite(v.double_value())) {
        AppendDouble(out, v.double_value());
      } else {
        out->append(NonFiniteName(v.double_value()));
      }
      break;
    case Value::Kind::kString: XmlEscape(v.string_value(), out); break;
    case Value::Kind::kTimestamp: out->append(FormatIso8601Millis(v.timestamp_ms())); break;
    case Value::Kind::kBlob: base64::AppendEncoded(v.string_value(), out); break;
    case Value::Kind::kList:
      for (const Value& item : v.items()) WriteXmlElement("member", item, out);
      break;
    case Value::Kind::kStruct:
      for (const auto& [name, child] : v.members()) {
        if (child.is_null()) continue;
        if (v.is_map()) {
          out->append("<entry><key>");
          XmlEscape(name, out);
          out->append("</key>");
          WriteXmlElement("value", child, out);
          out->append("</entry>");
        } else {
          WriteXmlElement(name, child, out);
        }
      }
      break;
  }
}

void AppendResponseMetadata(std::string_view request_id, std::string* out) {
  out->append("<ResponseMetadata><RequestId>");
  XmlEscape(request_id, out);
  out->append("</RequestId></ResponseMetadata>");
}

}  // namespace

void EncodeJson(const Value& v, std::string* out) {
  protocol::JsonWriter w(out);
  WriteJson(v, &w);
}

void EncodeCbor(const Value& v, std::string* out) { WriteCbor(v, out); }

void EncodeXmlResponse(std::string_view operation, const Value* result, std::string_view request_id, std::string* out) {
  out->append("<").append(operation).append("Response xmlns=\"").append(kXmlNamespace).append("\">");
  if (result != nullptr) {
    out->append("<").append(operation).append("Result>");
    WriteXml(*result, out);
    out->append("</").append(operation).append("Result>");
  }
  AppendResponseMetadata(request_id, out);
  out->append("</").append(operation).append("Response>");
}

void EncodeXmlError(const ErrorInfo& info, std::string_view message, std::string_view request_id, std::string* out) {
  out->append("<ErrorResponse xmlns=\"").append(kXmlNamespace).append("\"><Error><Type>");
  out->append(info.sender_fault ? "Sender" : "Receiver");
  out->append("</Type><Code>");
  XmlEscape(info.code, out);
  out->append("</Code><Message>");
  XmlEscape(message, out);
  out->append("</Message></Error><RequestId>");
  XmlEscape(request_id, out);
  out->append("</RequestId></ErrorResponse>");
}

}  // namespace sluice::cloudwatch
