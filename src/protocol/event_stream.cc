#include "protocol/event_stream.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>

namespace sluice::protocol::eventstream {
namespace {

// zlib's crc32 takes a uInt length; messages are capped far below 4 GiB, but keep the call
// correct for any size the caller hands in.
uint32_t Crc32(uint32_t crc, const char* data, size_t n) {
  while (n > 0) {
    const uInt chunk = n > 0x40000000u ? 0x40000000u : static_cast<uInt>(n);
    crc = static_cast<uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(data), chunk));
    data += chunk;
    n -= chunk;
  }
  return crc;
}

void PutBig(char* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>(v >> (8 * (n - 1 - i)));
}

uint64_t GetBig(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// What is written of a name and of a bytes/string value: anything over the one-byte or uint16
// length is cut rather than framed wrongly (callers never get there; debug builds assert).
std::string_view StoredName(const Header& h) { return h.name.substr(0, 255); }
std::string_view StoredValue(const Header& h) { return h.bytes.substr(0, 0xffff); }

// Bytes of the value that follows the type byte; 0 for booleans. kBytes/kString count their
// 2-byte length prefix.
size_t ValueBytes(const Header& h) {
  switch (h.type) {
    case HeaderType::kBoolTrue:
    case HeaderType::kBoolFalse: return 0;
    case HeaderType::kByte: return 1;
    case HeaderType::kInt16: return 2;
    case HeaderType::kInt32: return 4;
    case HeaderType::kInt64:
    case HeaderType::kTimestamp: return 8;
    case HeaderType::kBytes:
    case HeaderType::kString: return 2 + StoredValue(h).size();
    case HeaderType::kUuid: return 16;
  }
  return 0;
}

size_t HeadersBytes(const Header* headers, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += 1 + StoredName(headers[i]).size() + 1 + ValueBytes(headers[i]);
  return total;
}

// Appends one header. Values go through a small stack buffer so that a header costs two appends
// at most (its fixed part, then a string value), never an allocation beyond out's reserve.
void AppendHeader(std::string* out, const Header& h) {
  assert(!h.name.empty() && h.name.size() <= 255);
  const std::string_view name = StoredName(h);
  char buf[1 + 255 + 1 + 16];
  size_t n = 0;
  buf[n++] = static_cast<char>(name.size());
  std::memcpy(buf + n, name.data(), name.size());
  n += name.size();
  buf[n++] = static_cast<char>(h.type);
  std::string_view tail;
  switch (h.type) {
    case HeaderType::kBoolTrue:
    case HeaderType::kBoolFalse: break;
    case HeaderType::kByte:
      PutBig(buf + n, static_cast<uint64_t>(h.integer), 1);
      n += 1;
      break;
    case HeaderType::kInt16:
      PutBig(buf + n, static_cast<uint64_t>(h.integer), 2);
      n += 2;
      break;
    case HeaderType::kInt32:
      PutBig(buf + n, static_cast<uint64_t>(h.integer), 4);
      n += 4;
      break;
    case HeaderType::kInt64:
    case HeaderType::kTimestamp:
      PutBig(buf + n, static_cast<uint64_t>(h.integer), 8);
      n += 8;
      break;
    case HeaderType::kBytes:
    case HeaderType::kString:
      assert(h.bytes.size() <= 0xffff);
      tail = StoredValue(h);
      PutBig(buf + n, tail.size(), 2);
      n += 2;
      break;
    case HeaderType::kUuid:
      // Always 16 bytes (zero-padded if the caller gave fewer) so that the headers length holds.
      assert(h.bytes.size() == 16);
      std::memset(buf + n, 0, 16);
      std::memcpy(buf + n, h.bytes.data(), std::min<size_t>(h.bytes.size(), 16));
      n += 16;
      break;
  }
  out->append(buf, n);
  out->append(tail);
}

void Append(std::string* out, const Header* headers, size_t n, std::string_view payload) {
  const size_t headers_bytes = HeadersBytes(headers, n);
  assert(headers_bytes <= kMaxHeadersBytes);
  const size_t total = kPreludeBytes + headers_bytes + payload.size() + kTrailerBytes;
  const size_t start = out->size();
  out->reserve(start + total);

  char prelude[kPreludeBytes];
  PutBig(prelude, total, 4);
  PutBig(prelude + 4, headers_bytes, 4);
  const uint32_t prelude_crc = Crc32(0, prelude, 8);
  PutBig(prelude + 8, prelude_crc, 4);
  out->append(prelude, kPreludeBytes);
  for (size_t i = 0; i < n; ++i) AppendHeader(out, headers[i]);
  out->append(payload);

  // The message CRC covers everything before it, prelude included; zlib's crc32 continues from
  // the prelude CRC, so the first 8 bytes are not hashed twice.
  const uint32_t message_crc = Crc32(prelude_crc, out->data() + start + 8, total - 8 - kTrailerBytes);
  char trailer[kTrailerBytes];
  PutBig(trailer, message_crc, 4);
  out->append(trailer, kTrailerBytes);
}

void AppendThree(std::string* out, std::string_view message_type, std::string_view kind_name, std::string_view kind,
                 std::string_view content_type, std::string_view payload) {
  const std::array<Header, 3> headers = {
      Header{":message-type", HeaderType::kString, message_type, 0},
      Header{kind_name, HeaderType::kString, kind, 0},
      Header{":content-type", HeaderType::kString, content_type, 0},
  };
  Append(out, headers.data(), headers.size(), payload);
}

Status Corrupt(const char* what) { return Status(Errc::kCorruption, std::string("event-stream message: ") + what); }

}  // namespace

void AppendMessage(std::string* out, const std::vector<Header>& headers, std::string_view payload) {
  Append(out, headers.data(), headers.size(), payload);
}

size_t EncodedSize(const std::vector<Header>& headers, size_t payload_bytes) {
  return kPreludeBytes + HeadersBytes(headers.data(), headers.size()) + payload_bytes + kTrailerBytes;
}

void AppendEvent(std::string* out, std::string_view event_type, std::string_view content_type,
                 std::string_view payload) {
  AppendThree(out, "event", ":event-type", event_type, content_type, payload);
}

void AppendException(std::string* out, std::string_view exception_type, std::string_view content_type,
                     std::string_view payload) {
  AppendThree(out, "exception", ":exception-type", exception_type, content_type, payload);
}

const Header* Message::Find(std::string_view name) const {
  for (const Header& h : headers) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

namespace {

Status DecodeInto(std::string_view in, Message* message, size_t* consumed) {
  if (in.size() < kPreludeBytes) return Status::Ok();

  const char* p = in.data();
  const uint64_t total = GetBig(p, 4);
  const uint64_t headers_bytes = GetBig(p + 4, 4);
  const uint32_t prelude_crc = Crc32(0, p, 8);
  if (prelude_crc != GetBig(p + 8, 4)) return Corrupt("prelude CRC mismatch");
  if (total < kPreludeBytes + kTrailerBytes) return Corrupt("total length below the minimum");
  if (total > kMaxMessageBytes) return Corrupt("total length over the limit");
  if (headers_bytes > kMaxHeadersBytes) return Corrupt("headers length over the limit");
  if (headers_bytes > total - kPreludeBytes - kTrailerBytes) return Corrupt("headers longer than the message");
  if (in.size() < total) return Status::Ok();

  const uint32_t message_crc = Crc32(prelude_crc, p + 8, total - 8 - kTrailerBytes);
  if (message_crc != GetBig(p + total - kTrailerBytes, 4)) return Corrupt("message CRC mismatch");

  const char* h = p + kPreludeBytes;
  const char* const end = h + headers_bytes;
  while (h < end) {
    Header header;
    const size_t name_len = static_cast<uint8_t>(*h++);
    if (name_len == 0) return Corrupt("empty header name");
    // The name and the type byte.
    if (static_cast<size_t>(end - h) < name_len + 1) return Corrupt("header past the headers block");
    header.name = std::string_view(h, name_len);
    h += name_len;
    const uint8_t type = static_cast<uint8_t>(*h++);
    if (type > static_cast<uint8_t>(HeaderType::kUuid)) return Corrupt("unknown header type");
    header.type = static_cast<HeaderType>(type);
    const size_t left = end - h;
    size_t fixed = 0;
    switch (header.type) {
      case HeaderType::kBoolTrue:
      case HeaderType::kBoolFalse: break;
      case HeaderType::kByte: fixed = 1; break;
      case HeaderType::kInt16: fixed = 2; break;
      case HeaderType::kInt32: fixed = 4; break;
      case HeaderType::kInt64:
      case HeaderType::kTimestamp: fixed = 8; break;
      case HeaderType::kUuid: fixed = 16; break;
      case HeaderType::kBytes:
      case HeaderType::kString: {
        if (left < 2) return Corrupt("header past the headers block");
        const size_t len = GetBig(h, 2);
        if (left - 2 < len) return Corrupt("header past the headers block");
        header.bytes = std::string_view(h + 2, len);
        h += 2 + len;
        break;
      }
    }
    if (fixed > 0) {
      if (left < fixed) return Corrupt("header past the headers block");
      if (header.type == HeaderType::kUuid) {
        header.bytes = std::string_view(h, 16);
      } else {
        // Sign-extend the big-endian two's-complement value of `fixed` bytes.
        const uint64_t raw = GetBig(h, fixed);
        const unsigned shift = 64 - 8 * static_cast<unsigned>(fixed);
        header.integer = static_cast<int64_t>(raw << shift) >> shift;
      }
      h += fixed;
    }
    message->headers.push_back(header);
  }

  message->payload =
      std::string_view(p + kPreludeBytes + headers_bytes, total - kPreludeBytes - headers_bytes - kTrailerBytes);
  *consumed = total;
  return Status::Ok();
}

}  // namespace

Status DecodeMessage(std::string_view in, Message* message, size_t* consumed) {
  *consumed = 0;
  message->headers.clear();
  message->payload = {};
  Status st = DecodeInto(in, message, consumed);
  if (!st.ok()) message->headers.clear();
  return st;
}

}  // namespace sluice::protocol::eventstream
