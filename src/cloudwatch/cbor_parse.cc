// Smithy RPC v2 CBOR request bodies -> untyped Value tree (RFC 8949 subset the protocol uses).
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "cloudwatch/wire.h"

namespace sluice::cloudwatch {
namespace {

constexpr uint64_t kIndefinite = ~uint64_t{0};

class CborReader {
 public:
  explicit CborReader(std::string_view in) : in_(in) {}

  ApiError Item(int depth, Value* out) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    uint8_t ib = 0;
    if (!Byte(&ib)) return Error("truncated");
    const int major = ib >> 5;
    const uint8_t info = ib & 0x1f;
    if (major == 7) return Simple(info, out);
    uint64_t arg = 0;
    SLUICE_CW_RETURN_IF_ERROR(Arg(info, major, &arg));
    switch (major) {
      case 0:
        if (arg > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          *out = Value::Double(static_cast<double>(arg));
        } else {
          *out = Value::Int(static_cast<int64_t>(arg));
        }
        return {};
      case 1:
        if (arg > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          *out = Value::Double(-1.0 - static_cast<double>(arg));
        } else {
          *out = Value::Int(-1 - static_cast<int64_t>(arg));
        }
        return {};
      case 2:
      case 3: {
        std::string s;
        SLUICE_CW_RETURN_IF_ERROR(String(major, arg, &s));
        *out = major == 2 ? Value::Blob(std::move(s)) : Value::String(std::move(s));
        return {};
      }
      case 4: {
        *out = Value::List();
        for (uint64_t i = 0; arg == kIndefinite || i < arg; ++i) {
          if (arg == kIndefinite && AtBreak()) break;
          Value child;
          SLUICE_CW_RETURN_IF_ERROR(Item(depth + 1, &child));
          out->Append(std::move(child));
        }
        return {};
      }
      case 5: {
        *out = Value::Struct();
        for (uint64_t i = 0; arg == kIndefinite || i < arg; ++i) {
          if (arg == kIndefinite && AtBreak()) break;
          Value key;
          SLUICE_CW_RETURN_IF_ERROR(Item(depth + 1, &key));
          if (key.kind() != Value::Kind::kString) return Error("map key is not a text string");
          Value child;
          SLUICE_CW_RETURN_IF_ERROR(Item(depth + 1, &child));
          out->Set(key.string_value(), std::move(child));
        }
        return {};
      }
      case 6: {
        Value content;
        SLUICE_CW_RETURN_IF_ERROR(Item(depth + 1, &content));
        if (arg != 1) {  // other tags: their content
          *out = std::move(content);
          return {};
        }
        double seconds = 0;
        if (content.kind() == Value::Kind::kInt) {
          seconds = static_cast<double>(content.int_value());
        } else if (content.kind() == Value::Kind::kDouble) {
          seconds = content.double_value();
        } else {
          return Error("tag 1 without a number");
        }
        if (!std::isfinite(seconds) || std::fabs(seconds) > 1e14) return Error("timestamp out of range");
        *out = Value::TimestampMs(std::llround(seconds * 1000));
        return {};
      }
      default: return Error("bad major type");
    }
  }

  bool AtEnd() const { return pos_ == in_.size(); }
  size_t pos() const { return pos_; }

 private:
  ApiError Error(std::string_view what) const {
    return {ErrorCode::kSerialization,
            "Malformed CBOR body: " + std::string(what) + " at byte " + std::to_string(pos_)};
  }
  bool Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool Bytes(size_t n, uint64_t* v) {
    if (in_.size() - pos_ < n) return false;
    uint64_t r = 0;
    for (size_t i = 0; i < n; ++i) r = (r << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += n;
    *v = r;
    return true;
  }
  bool AtBreak() {
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) == 0xff) {
      ++pos_;
      return true;
    }
    return false;
  }
  ApiError Arg(uint8_t info, int major, uint64_t* arg) {
    if (info < 24) {
      *arg = info;
      return {};
    }
    if (info >= 24 && info <= 27) {
      if (!Bytes(size_t{1} << (info - 24), arg)) return Error("truncated");
      return {};
    }
    if (info == 31 && (major == 2 || major == 3 || major == 4 || major == 5)) {
      *arg = kIndefinite;
      return {};
    }
    return Error("bad additional information");
  }
  ApiError String(int major, uint64_t len, std::string* out) {
    if (len != kIndefinite) {
      if (in_.size() - pos_ < len) return Error("truncated string");
      out->assign(in_.substr(pos_, len));
      pos_ += len;
      return {};
    }
    while (!AtBreak()) {  // chunks of the same major type, each definite
      uint8_t ib = 0;
      if (!Byte(&ib)) return Error("truncated");
      if ((ib >> 5) != major) return Error("bad string chunk");
      uint64_t n = 0;
      SLUICE_CW_RETURN_IF_ERROR(Arg(ib & 0x1f, 0, &n));
      if (in_.size() - pos_ < n) return Error("truncated string");
      out->append(in_.substr(pos_, n));
      pos_ += n;
    }
    return {};
  }
  ApiError Simple(uint8_t info, Value* out) {
    uint64_t bits = 0;
    switch (info) {
      case 20: *out = Value::Bool(false); return {};
      case 21: *out = Value::Bool(true); return {};
      case 22:
      case 23: *out = Value(); return {};  // null, undefined
      case 25: {
        if (!Bytes(2, &bits)) return Error("truncated");
        *out = Value::Double(HalfToDouble(static_cast<uint16_t>(bits)));
        return {};
      }
      case 26: {
        if (!Bytes(4, &bits)) return Error("truncated");
        *out = Value::Double(static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits))));
        return {};
      }
      case 27: {
        if (!Bytes(8, &bits)) return Error("truncated");
        *out = Value::Double(std::bit_cast<double>(bits));
        return {};
      }
      default: return Error("unsupported simple value");
    }
  }
  static double HalfToDouble(uint16_t h) {
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    double v = 0;
    if (exp == 0) {
      v = std::ldexp(mant, -24);
    } else if (exp != 31) {
      v = std::ldexp(mant + 1024, exp - 25);
    } else {
      v = mant == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
    }
    return (h & 0x8000) != 0 ? -v : v;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

ApiError ParseCbor(std::string_view body, Value* out) {
  if (body.empty()) {
    *out = Value::Struct();  // no body: empty input
    return {};
  }
  CborReader r(body);
  SLUICE_CW_RETURN_IF_ERROR(r.Item(0, out));
  if (!r.AtEnd()) {
    return {ErrorCode::kSerialization, "Malformed CBOR body: trailing bytes at byte " + std::to_string(r.pos())};
  }
  return {};
}

}  // namespace sluice::cloudwatch
