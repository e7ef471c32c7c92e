#include "model/shard_iterator.h"

#include <cstring>

#include "base/base64.h"
#include "base/crypto.h"

namespace sluice::model {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kPayload = 1 + 8 + 4 + 8 + 8;
constexpr size_t kMac = 16;
constexpr size_t kTokenBytes = kPayload + kMac;

void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void Mac(const IteratorKey& key, const uint8_t* data, size_t n, uint8_t* out16) {
  const crypto::Digest full = crypto::HmacSha256(key, std::span<const uint8_t>(data, n));
  std::memcpy(out16, full.data(), kMac);
}

}  // namespace

std::string EncodeShardIterator(const IteratorKey& key, const IteratorPosition& pos) {
  uint8_t buf[kTokenBytes];
  buf[0] = kVersion;
  PutU64(buf + 1, pos.stream_uid);
  buf[9] = static_cast<uint8_t>(pos.shard_index >> 24);
  buf[10] = static_cast<uint8_t>(pos.shard_index >> 16);
  buf[11] = static_cast<uint8_t>(pos.shard_index >> 8);
  buf[12] = static_cast<uint8_t>(pos.shard_index);
  PutU64(buf + 13, pos.offset);
  PutU64(buf + 21, static_cast<uint64_t>(pos.issued_at_ms));
  Mac(key, buf, kPayload, buf + kPayload);
  std::string out(base64::EncodedSize(kTokenBytes), '\0');
  base64::Encode(buf, kTokenBytes, out.data());
  return out;
}

std::optional<IteratorPosition> DecodeShardIterator(const IteratorKey& key, std::string_view token) {
  if (token.size() != base64::EncodedSize(kTokenBytes)) return std::nullopt;
  uint8_t buf[base64::MaxDecodedSize(base64::EncodedSize(kTokenBytes))];
  size_t n = 0;
  if (base64::Decode(token, buf, &n) != base64::DecodeError::kNone || n != kTokenBytes) return std::nullopt;
  if (buf[0] != kVersion) return std::nullopt;
  uint8_t mac[kMac];
  Mac(key, buf, kPayload, mac);
  if (!crypto::ConstantTimeEquals(mac, std::span<const uint8_t>(buf + kPayload, kMac))) return std::nullopt;
  IteratorPosition pos;
  pos.stream_uid = GetU64(buf + 1);
  pos.shard_index = (uint32_t{buf[9]} << 24) | (uint32_t{buf[10]} << 16) | (uint32_t{buf[11]} << 8) | buf[12];
  pos.offset = GetU64(buf + 13);
  pos.issued_at_ms = static_cast<int64_t>(GetU64(buf + 21));
  return pos;
}

}  // namespace sluice::model
