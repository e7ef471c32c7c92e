#pragma once
// Sequence numbers: 56-digit decimals like AWS's, encoding (stream epoch, shard, offset) so
// that AT/AFTER_SEQUENCE_NUMBER are index lookups. Layout: docs/formats/sequence-number.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::model {

struct SequenceNumber {
  uint32_t stream_epoch = 0;
  uint32_t shard_index = 0;  // < 2^24
  uint64_t offset = 0;       // record offset within the shard
  uint64_t sub = 0;          // 0 for records; non-zero values sit between offset and offset+1
  auto operator<=>(const SequenceNumber&) const = default;
};

inline constexpr uint32_t kMaxShardIndexInSequence = (1u << 24) - 1;
// Longest decimal rendering (values lie in [2^185, 2^186)).
inline constexpr size_t kSequenceNumberDigits = 56;

std::string FormatSequenceNumber(const SequenceNumber& sn);
// Writes exactly kSequenceNumberDigits characters.
void FormatSequenceNumberTo(const SequenceNumber& sn, char* out);
// True if text matches the model pattern 0|([1-9]\d{0,128}).
bool MatchesSequenceNumberPattern(std::string_view text);
// Decodes a number Sluice issued. nullopt if it is well-formed decimal but not ours.
std::optional<SequenceNumber> ParseSequenceNumber(std::string_view text);

// Formats the numbers of consecutive offsets of one shard cheaply: the first by division,
// the rest by adding 2^64 (the offset field starts at bit 64). The low 19 digits are kept in
// binary too, so a step is one 64-bit add, a re-render of those digits and a short decimal
// increment of the digits above them.
class SequenceNumberSequence {
 public:
  SequenceNumberSequence(uint32_t epoch, uint32_t shard, uint64_t first_offset);
  // The current number (kSequenceNumberDigits chars, not NUL-terminated).
  std::string_view Current() const { return {digits_, kSequenceNumberDigits}; }
  void Next();

 private:
  char digits_[kSequenceNumberDigits];
  uint64_t low_;  // the value mod 10^19: digits_[37..55]
};

}  // namespace sluice::model
