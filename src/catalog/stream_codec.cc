#include "catalog/stream_codec.h"

#include <charconv>
#include <cstdint>
#include <optional>

#include "catalog/consumer_arn.h"

namespace sluice::catalog {
namespace {

constexpr uint8_t kVersion = 4;
constexpr uint8_t kOldestVersion = 1;

class Writer {
 public:
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void U(uint64_t v) {
    while (v >= 0x80) {
      Byte(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    Byte(static_cast<uint8_t>(v));
  }
  void I(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  void H(model::HashKey k) {
    for (int i = 0; i < 16; ++i) Byte(static_cast<uint8_t>(k >> (8 * i)));
  }
  template <typename T, typename F>
  void Opt(const std::optional<T>& v, F put) {
    Byte(v.has_value());
    if (v) put(*v);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every read checks bounds; the first failure sticks and the result is then discarded.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

  uint8_t Byte() {
    if (pos_ >= in_.size()) return Fail();
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = Byte();
      if (!ok_) return 0;
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  int64_t I() {
    uint64_t u = U();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  uint32_t U32() {
    uint64_t v = U();
    return v > UINT32_MAX ? Fail() : static_cast<uint32_t>(v);
  }
  int32_t I32() {
    int64_t v = I();
    return v < INT32_MIN || v > INT32_MAX ? Fail() : static_cast<int32_t>(v);
  }
  std::string S() {
    uint64_t n = U();
    if (!ok_ || n > in_.size() - pos_) {
      Fail();
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  model::HashKey H() {
    model::HashKey k = 0;
    for (int i = 0; i < 16; ++i) k |= model::HashKey{Byte()} << (8 * i);
    return k;
  }
  template <typename F>
  auto Opt(F get) -> std::optional<decltype(get())> {
    uint8_t present = Byte();
    if (present > 1) Fail();
    if (!ok_ || !present) return std::nullopt;
    return get();
  }
  uint8_t Enum(uint8_t max) {
    uint8_t b = Byte();
    return b > max ? Fail() : b;
  }
  // Counts bounded by the bytes left, so a corrupt count cannot trigger a huge allocation.
  uint64_t Count() {
    uint64_t n = U();
    return n > in_.size() - pos_ ? Fail() : n;
  }
  uint8_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The registration second at the end of a consumer ARN (what the row stores; the ARN itself is
// rebuilt from the stream's ARN, the name and this).
uint32_t ConsumerArnEpoch(std::string_view arn) {
  uint32_t epoch = 0;
  std::string_view digits = arn.substr(arn.rfind(':') + 1);
  std::from_chars(digits.data(), digits.data() + digits.size(), epoch);
  return epoch;
}

}  // namespace

std::string EncodeStream(const Stream& s) {
  Writer w;
  w.Byte(kVersion);
  w.U(s.uid);
  w.U(s.epoch);
  w.S(s.account);
  w.S(s.region);
  w.S(s.name);
  w.I(s.created_ms);
  w.I(s.active_at_ms);
  w.Opt(s.deleted_at_ms, [&](int64_t v) { w.I(v); });
  w.Byte(static_cast<uint8_t>(s.settled_status));
  w.Byte(static_cast<uint8_t>(s.mode));
  w.I(s.retention_hours);
  w.I(s.max_record_size_kib);
  w.U(s.tags.size());
  for (const auto& [k, v] : s.tags) {
    w.S(k);
    w.S(v);
  }
  w.U(s.shard_level_metrics.size());
  for (const auto& m : s.shard_level_metrics) w.S(m);
  w.U(s.shards.size());
  for (const Shard& sh : s.shards) {
    w.U(sh.index);
    w.H(sh.range.start);
    w.H(sh.range.end);
    w.Opt(sh.parent, [&](uint32_t v) { w.U(v); });
    w.Opt(sh.adjacent_parent, [&](uint32_t v) { w.U(v); });
    w.I(sh.created_ms);
    w.Opt(sh.end_offset, [&](uint64_t v) { w.U(v); });
    w.Opt(sh.closed_ms, [&](int64_t v) { w.I(v); });
  }
  w.I(s.updating_until_ms);
  w.U(s.scaling_ops_ms.size());
  for (int64_t t : s.scaling_ops_ms) w.I(t);
  w.U(s.mode_switches_ms.size());
  for (int64_t t : s.mode_switches_ms) w.I(t);
  w.U(s.consumers.size());
  for (const Consumer& c : s.consumers) {
    w.S(c.name);
    w.U(ConsumerArnEpoch(c.arn));
    w.I(c.created_ms);
    w.I(c.active_at_ms);
    w.Opt(c.deleted_at_ms, [&](int64_t v) { w.I(v); });
    w.U(c.tags.size());
    for (const auto& [k, v] : c.tags) {
      w.S(k);
      w.S(v);
    }
  }
  return w.Take();
}

Result<Stream> DecodeStream(std::string_view bytes) {
  Reader r(bytes);
  uint8_t version = r.Byte();
  if (r.ok() && (version < kOldestVersion || version > kVersion))
    return Status(Errc::kCorruption, "unknown stream metadata version " + std::to_string(version));
  Stream s;
  s.uid = r.U();
  s.epoch = r.U32();
  s.account = r.S();
  s.region = r.S();
  s.name = r.S();
  s.created_ms = r.I();
  s.active_at_ms = r.I();
  s.deleted_at_ms = r.Opt([&] { return r.I(); });
  s.settled_status = static_cast<StreamStatus>(r.Enum(static_cast<uint8_t>(StreamStatus::kDeleting)));
  s.mode = static_cast<StreamMode>(r.Enum(static_cast<uint8_t>(StreamMode::kOnDemand)));
  s.retention_hours = r.I32();
  s.max_record_size_kib = r.I32();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string k = r.S();
    s.tags[std::move(k)] = r.S();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) s.shard_level_metrics.push_back(r.S());
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Shard sh;
    sh.index = r.U32();
    sh.range.start = r.H();
    sh.range.end = r.H();
    sh.parent = r.Opt([&] { return r.U32(); });
    sh.adjacent_parent = r.Opt([&] { return r.U32(); });
    sh.created_ms = r.I();
    sh.end_offset = r.Opt([&] { return r.U(); });
    sh.closed_ms = r.Opt([&] { return r.I(); });
    // Shards are stored by index; anything else would break Stream::shards[index] lookups.
    if (sh.index != s.shards.size()) r.Fail();
    s.shards.push_back(std::move(sh));
  }
  if (version >= 2) {
    s.updating_until_ms = r.I();
    for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) s.scaling_ops_ms.push_back(r.I());
  }
  if (version >= 3) {
    for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) s.mode_switches_ms.push_back(r.I());
  }
  std::vector<uint32_t> consumer_epochs;
  if (version >= 4) {
    for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
      Consumer c;
      c.name = r.S();
      consumer_epochs.push_back(r.U32());
      c.created_ms = r.I();
      c.active_at_ms = r.I();
      c.deleted_at_ms = r.Opt([&] { return r.I(); });
      for (uint64_t t = r.Count(); t > 0 && r.ok(); --t) {
        std::string k = r.S();
        c.tags[std::move(k)] = r.S();
      }
      s.consumers.push_back(std::move(c));
    }
  }
  if (!r.ok() || !r.done()) return Status(Errc::kCorruption, "stream metadata is truncated or malformed");
  s.arn = StreamArn(s.region, s.account, s.name);
  for (size_t i = 0; i < s.consumers.size(); ++i)
    s.consumers[i].arn = ConsumerArn(s.arn, s.consumers[i].name, consumer_epochs[i]);
  return s;
}

}  // namespace sluice::catalog
