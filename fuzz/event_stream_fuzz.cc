// libFuzzer target for the event-stream codec (protocol/event_stream.h), which the server only
// writes but which its tests and clients decode:
//   1. DecodeMessage over arbitrary bytes (message after message) never crashes and reads only
//      the input; an error is kCorruption with nothing consumed; a success consumes a message
//      that AppendMessage re-encodes byte for byte from the decoded headers and payload; "need
//      more" happens only while the input is shorter than the prelude or the announced length.
//   2. Headers and a payload derived from the input encode to EncodedSize bytes and decode back
//      exactly; every shorter prefix of the message asks for more; one flipped bit anywhere is
//      kCorruption (CRC32 catches every single-bit error).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/event_stream.h"

using namespace sluice;
using namespace sluice::protocol::eventstream;

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

uint32_t Be32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8 | static_cast<uint32_t>(static_cast<uint8_t>(p[3]));
}

bool SameHeader(const Header& a, const Header& b) {
  return a.name == b.name && a.type == b.type && a.bytes == b.bytes && a.integer == b.integer;
}

void DecodeAnything(std::string_view in) {
  Message m;
  while (!in.empty()) {
    size_t consumed = 12345;
    Status st = DecodeMessage(in, &m, &consumed);
    if (!st.ok()) {
      Check(st.code() == Errc::kCorruption, "decode error is not kCorruption");
      Check(consumed == 0, "consumed bytes on error");
      return;
    }
    if (consumed == 0) {
      Check(in.size() < kPreludeBytes || Be32(in.data()) > in.size(), "asked for more with a whole message there");
      return;
    }
    Check(consumed <= in.size() && consumed >= kPreludeBytes + kTrailerBytes, "consumed outside the input");
    std::string again;
    AppendMessage(&again, m.headers, m.payload);
    Check(again == in.substr(0, consumed), "decoded message does not re-encode to its bytes");
    Check(EncodedSize(m.headers, m.payload.size()) == consumed, "EncodedSize of a decoded message");
    in.remove_prefix(consumed);
  }
}

void RoundTrip(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  const size_t n = fdp.ConsumeIntegralInRange<size_t>(0, 12);
  std::vector<std::string> storage;  // names and values the headers view
  storage.reserve(2 * n);
  std::vector<Header> headers;
  for (size_t i = 0; i < n; ++i) {
    Header h;
    storage.push_back(fdp.ConsumeRandomLengthString(255));
    if (storage.back().empty()) storage.back() = "n";
    h.name = storage.back();
    h.type = static_cast<HeaderType>(fdp.ConsumeIntegralInRange<uint8_t>(0, 9));
    switch (h.type) {
      case HeaderType::kBoolTrue:
      case HeaderType::kBoolFalse: break;
      case HeaderType::kByte: h.integer = fdp.ConsumeIntegral<int8_t>(); break;
      case HeaderType::kInt16: h.integer = fdp.ConsumeIntegral<int16_t>(); break;
      case HeaderType::kInt32: h.integer = fdp.ConsumeIntegral<int32_t>(); break;
      case HeaderType::kInt64:
      case HeaderType::kTimestamp: h.integer = fdp.ConsumeIntegral<int64_t>(); break;
      case HeaderType::kBytes:
      case HeaderType::kString:
        storage.push_back(fdp.ConsumeRandomLengthString(0xffff));
        h.bytes = storage.back();
        break;
      case HeaderType::kUuid:
        storage.push_back(fdp.ConsumeBytesAsString(16));
        storage.back().resize(16, '\0');
        h.bytes = storage.back();
        break;
    }
    headers.push_back(h);
  }
  const std::string payload = fdp.ConsumeRemainingBytesAsString();
  // The encoder's preconditions (the server's own messages stay far inside them).
  if (EncodedSize(headers, 0) - kPreludeBytes - kTrailerBytes > kMaxHeadersBytes ||
      EncodedSize(headers, payload.size()) > kMaxMessageBytes) {
    return;
  }

  std::string out = "pre";
  AppendMessage(&out, headers, payload);
  const size_t encoded = out.size() - 3;
  Check(encoded == EncodedSize(headers, payload.size()), "EncodedSize disagrees with AppendMessage");
  // An exact-size copy so ASan flags any read past the message.
  std::unique_ptr<char[]> copy(new char[encoded]);
  std::memcpy(copy.get(), out.data() + 3, encoded);
  const std::string_view msg(copy.get(), encoded);

  Message m;
  size_t consumed = 0;
  Check(DecodeMessage(msg, &m, &consumed).ok(), "own message rejected");
  Check(consumed == encoded, "own message not consumed whole");
  Check(m.headers.size() == headers.size(), "header count");
  for (size_t i = 0; i < headers.size(); ++i) Check(SameHeader(m.headers[i], headers[i]), "header round trip");
  Check(m.payload == payload, "payload round trip");

  // Prefixes: a few cut points rather than all of them (large payloads would be quadratic).
  for (size_t cut : {size_t{0}, size_t{11}, size_t{12}, encoded / 2, encoded - 1}) {
    if (cut >= encoded) continue;
    Check(DecodeMessage(msg.substr(0, cut), &m, &consumed).ok() && consumed == 0, "prefix must ask for more");
  }

  if (size >= 4) {
    uint32_t pick;
    std::memcpy(&pick, data, 4);
    const size_t bit = pick % (encoded * 8);
    std::string bad(msg);
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    Status st = DecodeMessage(bad, &m, &consumed);
    Check(st.code() == Errc::kCorruption && consumed == 0, "a flipped bit went unnoticed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<char[]> copy(new char[size ? size : 1]);
  if (size) std::memcpy(copy.get(), data, size);
  DecodeAnything(std::string_view(copy.get(), size));
  RoundTrip(data, size);
  return 0;
}
