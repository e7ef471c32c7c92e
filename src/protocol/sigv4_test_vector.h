#pragma once
// The SigV4 reference request shared by the signature and signer tests.
#include <string_view>
#include <vector>

#include "protocol/sigv4.h"

namespace sluice::protocol::sigv4 {

// Reference test vector (docs: kinesis-protocol.md 1.7, cross-checked with botocore).
inline constexpr std::string_view kAkid = "AKIDEXAMPLE";
inline constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr std::string_view kDate = "20150830T123600Z";
inline constexpr std::string_view kHost = "127.0.0.1:4567";
inline constexpr std::string_view kBodyHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
inline constexpr std::string_view kCanonicalHash = "fc05624b878260653f78360e53c6080c75302824f6fdbd5643dbfa4a1f8f5ee8";
inline constexpr std::string_view kSigningKey = "1a8ef0fa45f4fb9b8ca6c755f0b81c00b521d0e7b9564a363d2511b8f4d4bc54";
inline constexpr std::string_view kSignature = "62612d5f6ea0d1a861a0e7ede240a2a4dc4b9540b53bb83c8368f278800a3a3b";

inline std::vector<Header> VectorHeaders() {
  return {{"Content-Type", "application/x-amz-json-1.1"},
          {"Host", kHost},
          {"X-Amz-Date", kDate},
          {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
}

}  // namespace sluice::protocol::sigv4
