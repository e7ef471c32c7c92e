#include "protocol/cbor.h"

#include <simdjson.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "base/base64.h"
#include "base/json_escape.h"

namespace sluice::protocol {
namespace {

// Request timestamps beyond this many seconds (about 3 million years) are rejected, as
// json_reader does.
constexpr double kMaxTimestampSeconds = 1e14;
// Response timestamps are real times. Below 1e12 s (about year 33700) the milliseconds survive
// seconds text -> double -> * 1000 exactly (error < 0.25 ms), so re-encoding is stable.
constexpr double kMaxResponseTimestampSeconds = 1e12;

Status CborError(size_t offset, std::string_view what) {
  std::string m = "Malformed CBOR body: ";
  m.append(what);
  m.append(" at byte ");
  m.append(std::to_string(offset));
  return Status(Errc::kSerialization, std::move(m));
}

// ---------------------------------------------------------------------------------------------
// JSON output helpers

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Epoch milliseconds as JSON seconds with exactly three fraction digits: -1500 -> -1.500.
void AppendMillisAsSeconds(std::string* out, int64_t ms) {
  uint64_t a = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (ms < 0) out->push_back('-');
  AppendUint(out, a / 1000);
  unsigned frac = static_cast<unsigned>(a % 1000);
  out->push_back('.');
  out->push_back(static_cast<char>('0' + frac / 100));
  out->push_back(static_cast<char>('0' + frac / 10 % 10));
  out->push_back(static_cast<char>('0' + frac % 10));
}

void AppendBase64String(std::string* out, const char* s, size_t n) {
  size_t at = out->size();
  out->resize(at + 2 + base64::EncodedSize(n));
  (*out)[at] = '"';
  base64::Encode(reinterpret_cast<const uint8_t*>(s), n, out->data() + at + 1);
  out->back() = '"';
}

float HalfToFloat(uint16_t h) {
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // zero and subnormals
  } else if (exp != 31) {
    v = std::ldexp(static_cast<float>(mant + 1024), exp - 25);
  } else {
    v = mant == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  }
  return (h & 0x8000) ? -v : v;
}

// ---------------------------------------------------------------------------------------------
// CBOR -> JSON

class CborToJsonConverter {
 public:
  CborToJsonConverter(std::string_view in, std::string* out)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), n_(in.size()), out_(out) {}

  Status Run();

 private:
  struct Head {
    uint8_t major = 0;
    uint8_t ai = 0;     // additional information; 31 = indefinite length / break
    uint64_t arg = 0;   // the argument (count, length, value or float bits)
    size_t offset = 0;  // of the initial byte
  };
  struct Frame {
    bool is_map = false;
    bool indefinite = false;
    uint64_t seen = 0;   // items read so far (keys and values for maps)
    uint64_t total = 0;  // definite: items expected (2 * pairs for maps)
  };

  size_t Remaining() const { return n_ - pos_; }
  Status ReadHead(Head* h);
  Status ReadString(const Head& h);  // major 2 or 3, definite or indefinite
  Status WriteFloat(const Head& h, bool timestamp);
  Status WriteTimestampSeconds(double seconds, size_t offset);

  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  std::string* out_;
  std::string chunks_;  // concatenated chunks of an indefinite-length string
};

Status CborToJsonConverter::ReadHead(Head* h) {
  if (pos_ >= n_) return CborError(pos_, "unexpected end of input");
  h->offset = pos_;
  uint8_t ib = p_[pos_++];
  h->major = ib >> 5;
  h->ai = ib & 31;
  if (h->ai < 24) {
    h->arg = h->ai;
  } else if (h->ai <= 27) {
    size_t len = size_t{1} << (h->ai - 24);
    if (Remaining() < len) return CborError(h->offset, "truncated argument");
    uint64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = (v << 8) | p_[pos_ + i];
    pos_ += len;
    h->arg = v;
  } else if (h->ai < 31) {
    return CborError(h->offset, "reserved additional information value " + std::to_string(h->ai));
  } else {
    if (h->major == 0 || h->major == 1 || h->major == 6)
      return CborError(h->offset, "indefinite length is not allowed for major type " + std::to_string(h->major));
    h->arg = 0;
  }
  return Status::Ok();
}

Status CborToJsonConverter::ReadString(const Head& h) {
  bool text = h.major == 3;
  const char* data;
  size_t len;
  if (h.ai != 31) {
    if (h.arg > Remaining()) return CborError(h.offset, "string length exceeds the input");
    data = reinterpret_cast<const char*>(p_ + pos_);
    len = static_cast<size_t>(h.arg);
    pos_ += len;
  } else {
    // Indefinite length: definite-length chunks of the same major type up to a break.
    chunks_.clear();
    for (;;) {
      if (pos_ >= n_) return CborError(pos_, "unterminated indefinite-length string");
      if (p_[pos_] == 0xFF) {
        ++pos_;
        break;
      }
      Head c;
      SLUICE_RETURN_IF_ERROR(ReadHead(&c));
      if (c.major != h.major || c.ai == 31)
        return CborError(c.offset, "indefinite-length string chunk is not a definite-length string of the same type");
      if (c.arg > Remaining()) return CborError(c.offset, "string length exceeds the input");
      chunks_.append(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(c.arg));
      pos_ += static_cast<size_t>(c.arg);
    }
    data = chunks_.data();
    len = chunks_.size();
  }
  if (!text) {
    AppendBase64String(out_, data, len);
    return Status::Ok();
  }
  // Chunks are validated as one string: a chunk boundary inside a code point is tolerated.
  if (!simdjson::validate_utf8(data, len)) return CborError(h.offset, "text string is not valid UTF-8");
  AppendJsonString(out_, std::string_view(data, len));
  return Status::Ok();
}

Status CborToJsonConverter::WriteTimestampSeconds(double seconds, size_t offset) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxTimestampSeconds)
    return CborError(offset, "timestamp out of range");
  AppendMillisAsSeconds(out_, static_cast<int64_t>(std::llround(seconds * 1000.0)));
  return Status::Ok();
}

Status CborToJsonConverter::WriteFloat(const Head& h, bool timestamp) {
  double d;
  float f = 0;
  bool single = h.ai != 27;
  if (h.ai == 25) {
    f = HalfToFloat(static_cast<uint16_t>(h.arg));
    d = f;
  } else if (h.ai == 26) {
    f = std::bit_cast<float>(static_cast<uint32_t>(h.arg));
    d = f;
  } else {
    d = std::bit_cast<double>(h.arg);
  }
  if (!std::isfinite(d)) return CborError(h.offset, "NaN and infinite numbers are not allowed");
  if (timestamp) return WriteTimestampSeconds(d, h.offset);
  // Integral values print as integers ("100000", not "1e+05"), so a float sent for an integer
  // member still reads as one; 2^53 bounds the range where every integer is exact.
  if (std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0) {
    AppendInt(out_, static_cast<int64_t>(d));
    return Status::Ok();
  }
  char buf[40];
  // Shortest text that reads back as the same float/double ("0.1" for float32 0.1f). Larger
  // integral values need the exponent form: the shortest general form of 2^68 is 21 digits
  // without a point, which JSON parsers read as an out-of-range integer.
  auto fmt = std::trunc(d) == d ? std::chars_format::scientific : std::chars_format::general;
  auto r = single ? std::to_chars(buf, buf + sizeof buf, f, fmt) : std::to_chars(buf, buf + sizeof buf, d, fmt);
  out_->append(buf, r.ptr);
  return Status::Ok();
}

Status CborToJsonConverter::Run() {
  Frame stack[kCborMaxDepth];
  int depth = 0;
  for (;;) {
    bool want_key = false;
    if (depth > 0) {
      Frame& f = stack[depth - 1];
      bool end;
      if (f.indefinite) {
        if (pos_ >= n_) return CborError(pos_, "unterminated indefinite-length container");
        end = p_[pos_] == 0xFF;
        if (end) {
          if (f.is_map && (f.seen & 1)) return CborError(pos_, "break between a map key and its value");
          ++pos_;
        }
      } else {
        end = f.seen == f.total;
      }
      if (end) {
        out_->push_back(f.is_map ? '}' : ']');
        if (--depth == 0) break;
        continue;
      }
      if (f.is_map) {
        want_key = (f.seen & 1) == 0;
        if (!want_key) {
          out_->push_back(':');
        } else if (f.seen > 0) {
          out_->push_back(',');
        }
      } else if (f.seen > 0) {
        out_->push_back(',');
      }
      ++f.seen;
    }

    Head h;
    SLUICE_RETURN_IF_ERROR(ReadHead(&h));
    bool tag1 = false;  // the innermost tag before the item is 1 (epoch timestamp)
    while (h.major == 6) {
      tag1 = h.arg == 1;
      SLUICE_RETURN_IF_ERROR(ReadHead(&h));
    }
    if (want_key && h.major != 3) return CborError(h.offset, "map key is not a text string");

    switch (h.major) {
      case 0:
        if (h.arg > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return CborError(h.offset, "integer out of the 64-bit signed range");
        if (tag1) {
          AppendMillisAsSeconds(out_, static_cast<int64_t>(h.arg));
        } else {
          AppendUint(out_, h.arg);
        }
        break;
      case 1: {
        if (h.arg > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return CborError(h.offset, "integer out of the 64-bit signed range");
        int64_t v = -1 - static_cast<int64_t>(h.arg);
        if (tag1) {
          AppendMillisAsSeconds(out_, v);
        } else {
          AppendInt(out_, v);
        }
        break;
      }
      case 2:
      case 3: SLUICE_RETURN_IF_ERROR(ReadString(h)); break;
      case 4:
      case 5: {
        bool is_map = h.major == 5;
        if (depth == kCborMaxDepth)
          return CborError(h.offset, "nesting deeper than " + std::to_string(kCborMaxDepth) + " levels");
        Frame& f = stack[depth++];
        f = Frame{};
        f.is_map = is_map;
        f.indefinite = h.ai == 31;
        if (!f.indefinite) {
          // Every item takes at least one byte: a count beyond the input is malformed.
          if (h.arg > (is_map ? Remaining() / 2 : Remaining()))
            return CborError(h.offset, std::string(is_map ? "map" : "array") + " length exceeds the input");
          f.total = is_map ? h.arg * 2 : h.arg;
        }
        out_->push_back(is_map ? '{' : '[');
        break;
      }
      case 7:
        switch (h.ai) {
          case 20: out_->append("false"); break;
          case 21: out_->append("true"); break;
          case 22:
          case 23: out_->append("null"); break;  // null, undefined
          case 24:
            if (h.arg < 32) return CborError(h.offset, "invalid two-byte simple value encoding");
            return CborError(h.offset, "unsupported simple value " + std::to_string(h.arg));
          case 25:
          case 26:
          case 27: SLUICE_RETURN_IF_ERROR(WriteFloat(h, tag1)); break;
          case 31: return CborError(h.offset, "break outside an indefinite-length item");
          default: return CborError(h.offset, "unsupported simple value " + std::to_string(h.ai));
        }
        break;
      default: return CborError(h.offset, "unexpected major type");  // 6 is consumed above
    }
    if (depth == 0) break;  // a scalar at the top level
  }
  if (pos_ != n_) return CborError(pos_, "trailing bytes after the top-level item");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// JSON -> CBOR

Status EncodeError(std::string_view what) {
  std::string message = "Cannot encode the response as CBOR: ";
  message.append(what);
  return Status(Errc::kInternal, std::move(message));
}

void AppendHead(std::string* out, uint8_t major, uint64_t v) {
  uint8_t mt = static_cast<uint8_t>(major << 5);
  if (v < 24) {
    out->push_back(static_cast<char>(mt | v));
    return;
  }
  int bytes;
  if (v <= 0xFF) {
    out->push_back(static_cast<char>(mt | 24));
    bytes = 1;
  } else if (v <= 0xFFFF) {
    out->push_back(static_cast<char>(mt | 25));
    bytes = 2;
  } else if (v <= 0xFFFFFFFFu) {
    out->push_back(static_cast<char>(mt | 26));
    bytes = 4;
  } else {
    out->push_back(static_cast<char>(mt | 27));
    bytes = 8;
  }
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendCborInt(std::string* out, int64_t v) {
  if (v >= 0) {
    AppendHead(out, 0, static_cast<uint64_t>(v));
  } else {
    AppendHead(out, 1, static_cast<uint64_t>(-1 - v));
  }
}

bool IsTimestampMember(std::string_view name) {
  return name == "ApproximateArrivalTimestamp" || name == "StreamCreationTimestamp" ||
         name == "ConsumerCreationTimestamp" || name == "StartedAt" || name == "EndedAt" ||
         name == "EarliestAllowedEndAt";
}

Status AppendTimestamp(std::string* out, double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxResponseTimestampSeconds)
    return EncodeError("timestamp out of range");
  out->push_back(static_cast<char>(0xC1));  // tag 1: epoch time (milliseconds in AWS CBOR 1.1)
  AppendCborInt(out, static_cast<int64_t>(std::llround(seconds * 1000.0)));
  return Status::Ok();
}

Status AppendBlob(std::string* out, std::string_view b64) {
  if (b64.size() % 4 != 0) return EncodeError("Data is not base64");
  size_t exact = b64.size() / 4 * 3;
  if (!b64.empty() && b64.back() == '=') --exact;
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') --exact;
  AppendHead(out, 2, exact);
  size_t at = out->size();
  out->resize(at + base64::MaxDecodedSize(b64.size()));
  size_t written = 0;
  if (base64::Decode(b64, reinterpret_cast<uint8_t*>(out->data() + at), &written) != base64::DecodeError::kNone ||
      written != exact)
    return EncodeError("Data is not base64");
  out->resize(at + written);
  return Status::Ok();
}

Status EncodeElement(simdjson::dom::element e, std::string_view member, int depth, std::string* out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      if (depth >= kCborMaxDepth) return EncodeError("nesting too deep");
      simdjson::dom::array a = e.get_array().value_unsafe();
      size_t n = a.size();
      if (n >= 0xFFFFFF) {  // the tape's count saturates
        n = 0;
        for ([[maybe_unused]] auto child : a) ++n;
      }
      AppendHead(out, 4, n);
      for (simdjson::dom::element child : a) SLUICE_RETURN_IF_ERROR(EncodeElement(child, {}, depth + 1, out));
      return Status::Ok();
    }
    case element_type::OBJECT: {
      if (depth >= kCborMaxDepth) return EncodeError("nesting too deep");
      simdjson::dom::object o = e.get_object().value_unsafe();
      size_t n = o.size();
      if (n >= 0xFFFFFF) {
        n = 0;
        for ([[maybe_unused]] auto field : o) ++n;
      }
      AppendHead(out, 5, n);
      for (simdjson::dom::key_value_pair field : o) {
        AppendCborText(out, field.key);
        SLUICE_RETURN_IF_ERROR(EncodeElement(field.value, field.key, depth + 1, out));
      }
      return Status::Ok();
    }
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (member == "Data") return AppendBlob(out, s);
      AppendCborText(out, s);
      return Status::Ok();
    }
    case element_type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      if (IsTimestampMember(member)) return AppendTimestamp(out, static_cast<double>(v));
      AppendCborInt(out, v);
      return Status::Ok();
    }
    case element_type::UINT64: {
      uint64_t v = e.get_uint64().value_unsafe();
      if (IsTimestampMember(member)) return AppendTimestamp(out, static_cast<double>(v));
      AppendHead(out, 0, v);
      return Status::Ok();
    }
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (IsTimestampMember(member)) return AppendTimestamp(out, d);
      // Integral values in int64 range as integers; [-2^63, 2^63) is exact in double.
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        AppendCborInt(out, static_cast<int64_t>(d));
        return Status::Ok();
      }
      out->push_back(static_cast<char>(0xFB));
      uint64_t bits = std::bit_cast<uint64_t>(d);
      for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(bits >> shift));
      return Status::Ok();
    }
    case element_type::BOOL:
      out->push_back(static_cast<char>(e.get_bool().value_unsafe() ? 0xF5 : 0xF4));
      return Status::Ok();
    case element_type::NULL_VALUE: out->push_back(static_cast<char>(0xF6)); return Status::Ok();
  }
  return EncodeError("unexpected JSON value");
}

}  // namespace

void AppendCborText(std::string* out, std::string_view s) {
  AppendHead(out, 3, s.size());
  out->append(s);
}

Status CborToJson(std::string_view cbor, std::string* json) {
  json->clear();
  if (cbor.empty()) return CborError(0, "empty input");
  CborToJsonConverter c(cbor, json);
  Status st = c.Run();
  if (!st.ok()) json->clear();
  return st;
}

Status JsonToCbor(std::string_view json, std::string* cbor) {
  thread_local simdjson::dom::parser parser;
  cbor->clear();
  simdjson::dom::element root;
  // Copies into the parser's reused, padded buffer (the caller's string has no padding).
  auto err = parser.parse(json.data(), json.size()).get(root);
  if (err != simdjson::SUCCESS) return EncodeError(std::string("invalid JSON: ") + simdjson::error_message(err));
  cbor->reserve(json.size() + 16);
  Status st = EncodeElement(root, {}, 0, cbor);
  if (!st.ok()) cbor->clear();
  return st;
}

}  // namespace sluice::protocol
