#pragma once
// RFC 4648 standard-alphabet base64 with padding, as AWS JSON blobs use it. Hot path for
// PutRecords/GetRecords: both directions write into caller-provided memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::base64 {

constexpr size_t EncodedSize(size_t n) { return (n + 2) / 3 * 4; }
// Upper bound of decoded size; exact size is known only after Decode.
constexpr size_t MaxDecodedSize(size_t n) { return n / 4 * 3; }

// Writes EncodedSize(n) characters to out.
void Encode(const uint8_t* in, size_t n, char* out);
void AppendEncoded(std::string_view in, std::string* out);

enum class DecodeError { kNone, kBadLength, kBadCharacter };

// Decodes text into out (which must hold MaxDecodedSize(text.size()) bytes). Returns the
// number of bytes written via *written. Rejects lengths that are not a multiple of 4,
// characters outside the alphabet, and misplaced padding.
DecodeError Decode(std::string_view text, uint8_t* out, size_t* written);
// Convenience for cold paths.
bool DecodeToString(std::string_view text, std::string* out);

}  // namespace sluice::base64
