#pragma once
// The AWS event-stream message framing (application/vnd.amazon.eventstream) that carries
// SubscribeToShard's events: a prelude (total length, headers length, prelude CRC32), typed
// headers, a payload and a message CRC32 (IEEE, as zlib's crc32). Layout and limits:
// docs/formats/event-stream.md.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::protocol::eventstream {

// Header value types as numbered on the wire.
enum class HeaderType : uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kBytes = 6,
  kString = 7,
  kTimestamp = 8,  // int64 milliseconds since the epoch
  kUuid = 9,       // 16 bytes
};

// One header. For kBytes/kString/kUuid the value is `bytes` (a view); for the integer types
// and kTimestamp it is `integer`; booleans carry their value in the type.
struct Header {
  std::string_view name;  // 1..255 bytes
  HeaderType type = HeaderType::kString;
  std::string_view bytes;
  int64_t integer = 0;
};

inline constexpr size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
inline constexpr size_t kTrailerBytes = 4;   // message CRC
inline constexpr size_t kMaxHeadersBytes = 128 * 1024;
inline constexpr size_t kMaxMessageBytes = 16 * 1024 * 1024;  // aws-c-event-stream's cap

// Appends one complete message to *out. The caller keeps headers within kMaxHeadersBytes and
// names within 255 bytes (checked in debug builds only: these are the server's own messages).
void AppendMessage(std::string* out, const std::vector<Header>& headers, std::string_view payload);

// Size AppendMessage would append.
size_t EncodedSize(const std::vector<Header>& headers, size_t payload_bytes);

// The two shapes SubscribeToShard sends:
// :message-type=event, :event-type=<event_type>, :content-type=<content_type>.
void AppendEvent(std::string* out, std::string_view event_type, std::string_view content_type,
                 std::string_view payload);
// :message-type=exception, :exception-type=<exception_type>, :content-type=<content_type>;
// payload is the error body ({"message":"..."} in the request's encoding).
void AppendException(std::string* out, std::string_view exception_type, std::string_view content_type,
                     std::string_view payload);

// A decoded message: views into the decoded buffer.
struct Message {
  std::vector<Header> headers;
  std::string_view payload;
  // First header named `name`, or nullptr.
  const Header* Find(std::string_view name) const;
};

// Decodes the message at the start of `in`. Returns:
// - Ok with *consumed = its length when a whole, valid message is there;
// - Ok with *consumed = 0 when `in` holds only a prefix of a message (read more);
// - kCorruption for a bad CRC, an impossible length, a header past the headers block, an
//   unknown header type or a message over kMaxMessageBytes.
Status DecodeMessage(std::string_view in, Message* message, size_t* consumed);

}  // namespace sluice::protocol::eventstream
