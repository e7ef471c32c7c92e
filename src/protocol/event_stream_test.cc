#include "protocol/event_stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sluice::protocol::eventstream {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

// A bitwise CRC32 (IEEE, reflected 0xEDB88320), independent of the zlib the codec uses.
uint32_t ReferenceCrc32(std::string_view data) {
  uint32_t crc = 0xffffffffu;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void PutU32(std::string* s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

// Rewrites both CRCs of the message in *s so that only the deliberate damage remains.
void Reseal(std::string* s) {
  PutU32(s, 8, ReferenceCrc32(std::string_view(*s).substr(0, 8)));
  PutU32(s, s->size() - 4, ReferenceCrc32(std::string_view(*s).substr(0, s->size() - 4)));
}

// A message with the given raw headers block and payload, CRCs valid.
std::string Raw(std::string_view headers_block, std::string_view payload) {
  std::string s(12, '\0');
  s.append(headers_block);
  s.append(payload);
  s.append(4, '\0');
  PutU32(&s, 0, static_cast<uint32_t>(s.size()));
  PutU32(&s, 4, static_cast<uint32_t>(headers_block.size()));
  Reseal(&s);
  return s;
}

Status Decode(std::string_view in, Message* m, size_t* consumed) { return DecodeMessage(in, m, consumed); }

TEST(EventStreamTest, InitialResponseMatchesTheReferenceVector) {
  std::string out;
  AppendEvent(&out, "initial-response", "application/json", "{}");
  EXPECT_EQ(Hex(out),
            "00000068000000564e681724"
            "0d3a6d6573736167652d74797065070005"
            "6576656e74"
            "0b3a6576656e742d74797065070010"
            "696e697469616c2d726573706f6e7365"
            "0d3a636f6e74656e742d74797065070010"
            "6170706c69636174696f6e2f6a736f6e"
            "7b7d"
            "fe942c1d");
  EXPECT_EQ(out.size(), 104u);
  EXPECT_EQ(ReferenceCrc32(std::string_view(out).substr(0, 100)), 0xfe942c1du);

  Message m;
  size_t consumed = 99;
  ASSERT_TRUE(Decode(out, &m, &consumed).ok());
  EXPECT_EQ(consumed, 104u);
  ASSERT_EQ(m.headers.size(), 3u);
  ASSERT_NE(m.Find(":message-type"), nullptr);
  EXPECT_EQ(m.Find(":message-type")->bytes, "event");
  EXPECT_EQ(m.Find(":event-type")->bytes, "initial-response");
  EXPECT_EQ(m.Find(":content-type")->bytes, "application/json");
  EXPECT_EQ(m.Find(":content-type")->type, HeaderType::kString);
  EXPECT_EQ(m.Find(":exception-type"), nullptr);
  EXPECT_EQ(m.payload, "{}");
}

TEST(EventStreamTest, ExceptionFrameCarriesItsThreeHeaders) {
  std::string out = "prefix";
  AppendException(&out, "ResourceInUseException", "application/x-amz-cbor-1.1", "\xa1gmessagebhi");
  Message m;
  size_t consumed = 0;
  ASSERT_TRUE(Decode(std::string_view(out).substr(6), &m, &consumed).ok());
  EXPECT_EQ(consumed, out.size() - 6);
  ASSERT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.headers[0].name, ":message-type");
  EXPECT_EQ(m.headers[0].bytes, "exception");
  EXPECT_EQ(m.headers[1].name, ":exception-type");
  EXPECT_EQ(m.headers[1].bytes, "ResourceInUseException");
  EXPECT_EQ(m.headers[2].name, ":content-type");
  EXPECT_EQ(m.headers[2].bytes, "application/x-amz-cbor-1.1");
  EXPECT_EQ(m.payload, "\xa1gmessagebhi");
}

TEST(EventStreamTest, EveryHeaderTypeRoundTrips) {
  const std::string uuid("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
  const std::string blob("\x00\xff\x00zz", 5);
  const std::string long_string(70000 - 5000, 's');  // near the uint16 length limit
  const std::vector<Header> headers = {
      {"t", HeaderType::kBoolTrue, {}, 0},
      {"f", HeaderType::kBoolFalse, {}, 0},
      {"byte-min", HeaderType::kByte, {}, -128},
      {"byte-max", HeaderType::kByte, {}, 127},
      {"i16-min", HeaderType::kInt16, {}, std::numeric_limits<int16_t>::min()},
      {"i16", HeaderType::kInt16, {}, 12345},
      {"i32-min", HeaderType::kInt32, {}, std::numeric_limits<int32_t>::min()},
      {"i32", HeaderType::kInt32, {}, -7},
      {"i64-min", HeaderType::kInt64, {}, std::numeric_limits<int64_t>::min()},
      {"i64-max", HeaderType::kInt64, {}, std::numeric_limits<int64_t>::max()},
      {"bytes", HeaderType::kBytes, blob, 0},
      {"empty-bytes", HeaderType::kBytes, {}, 0},
      {"string", HeaderType::kString, "h\xc3\xa9llo", 0},
      {"long-string", HeaderType::kString, long_string, 0},
      {":date", HeaderType::kTimestamp, {}, 1767323045678},
      {"before-epoch", HeaderType::kTimestamp, {}, -1},
      {"id", HeaderType::kUuid, uuid, 0},
      {std::string_view("n\0l", 3), HeaderType::kString, "", 0},
  };
  const std::string payload("binary\0payload", 14);

  std::string out = "xyz";  // appends after what is already there
  AppendMessage(&out, headers, payload);
  const size_t size = out.size() - 3;
  EXPECT_EQ(size, EncodedSize(headers, payload.size()));

  Message m;
  size_t consumed = 0;
  ASSERT_TRUE(Decode(std::string_view(out).substr(3), &m, &consumed).ok());
  EXPECT_EQ(consumed, size);
  ASSERT_EQ(m.headers.size(), headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    SCOPED_TRACE(std::string(headers[i].name));
    EXPECT_EQ(m.headers[i].name, headers[i].name);
    EXPECT_EQ(m.headers[i].type, headers[i].type);
    EXPECT_EQ(m.headers[i].bytes, headers[i].bytes);
    EXPECT_EQ(m.headers[i].integer, headers[i].integer);
  }
  EXPECT_EQ(m.payload, payload);
  EXPECT_EQ(m.Find("i32")->integer, -7);
}

TEST(EventStreamTest, IntegerHeadersAreBigEndianTwosComplement) {
  std::string out;
  AppendMessage(&out, {{"a", HeaderType::kInt16, {}, -2}, {"b", HeaderType::kInt32, {}, 0x01020304}}, "");
  // prelude, then 01 'a' 03 fffe, 01 'b' 04 01020304.
  EXPECT_EQ(Hex(out.substr(12, 12)),
            "016103fffe016204"
            "01020304");
  EXPECT_EQ(out.size(), 12u + 12u + 4u);
}

TEST(EventStreamTest, EmptyMessageIsSixteenBytes) {
  std::string out;
  AppendMessage(&out, {}, "");
  EXPECT_EQ(out.size(), 16u);
  EXPECT_EQ(EncodedSize({}, 0), 16u);
  Message m;
  size_t consumed = 0;
  ASSERT_TRUE(Decode(out, &m, &consumed).ok());
  EXPECT_EQ(consumed, 16u);
  EXPECT_TRUE(m.headers.empty());
  EXPECT_TRUE(m.payload.empty());
}

TEST(EventStreamTest, PrefixAsksForMoreAndConcatenatedMessagesDecodeInTurn) {
  std::string out;
  AppendEvent(&out, "initial-response", "application/json", "{}");
  AppendEvent(&out, "SubscribeToShardEvent", "application/json", R"({"Records":[]})");
  const size_t first = 104;
  for (size_t n = 0; n < first; ++n) {
    Message m;
    size_t consumed = 7;
    Status st = Decode(std::string_view(out).substr(0, n), &m, &consumed);
    ASSERT_TRUE(st.ok()) << n << " " << st.ToString();
    EXPECT_EQ(consumed, 0u) << n;
  }
  Message m;
  size_t consumed = 0;
  ASSERT_TRUE(Decode(out, &m, &consumed).ok());
  ASSERT_EQ(consumed, first);
  ASSERT_TRUE(Decode(std::string_view(out).substr(consumed), &m, &consumed).ok());
  EXPECT_EQ(consumed, out.size() - first);
  EXPECT_EQ(m.Find(":event-type")->bytes, "SubscribeToShardEvent");
  EXPECT_EQ(m.payload, R"({"Records":[]})");
}

TEST(EventStreamTest, AnyFlippedBitIsCorruption) {
  std::string good;
  AppendEvent(&good, "SubscribeToShardEvent", "application/json", R"({"Records":[]})");
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Message m;
      size_t consumed = 0;
      Status st = Decode(bad, &m, &consumed);
      // A flipped length bit in the prelude is caught by the prelude CRC before the lengths
      // are believed; everything else by the message CRC.
      EXPECT_EQ(st.code(), Errc::kCorruption) << "byte " << i << " bit " << bit;
      EXPECT_EQ(consumed, 0u);
      EXPECT_TRUE(m.headers.empty());
    }
  }
}

TEST(EventStreamTest, PreludeCrcIsCheckedBeforeWaitingForTheRest) {
  std::string good;
  AppendEvent(&good, "SubscribeToShardEvent", "application/json", "{}");
  std::string bad = good.substr(0, 12);
  bad[9] = static_cast<char>(bad[9] ^ 0x40);
  Message m;
  size_t consumed = 0;
  Status st = Decode(bad, &m, &consumed);
  EXPECT_EQ(st.code(), Errc::kCorruption);
  EXPECT_NE(st.message().find("prelude CRC"), std::string::npos) << st.ToString();
}

TEST(EventStreamTest, MessageCrcMismatchIsNamed) {
  std::string bad;
  AppendEvent(&bad, "initial-response", "application/json", "{}");
  bad[bad.size() - 3] = static_cast<char>(bad[bad.size() - 3] ^ 1);  // the trailer itself
  Message m;
  size_t consumed = 0;
  Status st = Decode(bad, &m, &consumed);
  EXPECT_EQ(st.code(), Errc::kCorruption);
  EXPECT_NE(st.message().find("message CRC"), std::string::npos) << st.ToString();
}

Status DecodeRaw(std::string_view headers_block, std::string_view payload = "p") {
  const std::string s = Raw(headers_block, payload);
  Message m;
  size_t consumed = 0;
  Status st = Decode(s, &m, &consumed);
  if (!st.ok()) {
    EXPECT_EQ(consumed, 0u);
    EXPECT_TRUE(m.headers.empty());
  }
  return st;
}

TEST(EventStreamTest, RawHeadersBlocksThatAreValid) {
  EXPECT_TRUE(DecodeRaw(std::string("\x01"
                                    "a"
                                    "\x07"
                                    "\x00\x02"
                                    "hi",
                                    7))
                  .ok());
  EXPECT_TRUE(DecodeRaw(std::string("\x01"
                                    "a"
                                    "\x00"
                                    "\x01"
                                    "b"
                                    "\x01",
                                    6))
                  .ok());
  EXPECT_TRUE(DecodeRaw("").ok());
}

TEST(EventStreamTest, HeaderPastTheHeadersBlockIsCorruption) {
  // String length 3 with 2 bytes left (the payload "p" follows and must not be read as header).
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x07"
                                  "\x00\x03"
                                  "hi",
                                  7))
                .code(),
            Errc::kCorruption);
  // Length prefix cut.
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x06"
                                  "\x00",
                                  4))
                .code(),
            Errc::kCorruption);
  // Name longer than the block.
  EXPECT_EQ(DecodeRaw(std::string("\x05"
                                  "ab",
                                  3))
                .code(),
            Errc::kCorruption);
  // Name without its type byte.
  EXPECT_EQ(DecodeRaw(std::string("\x02"
                                  "ab",
                                  3))
                .code(),
            Errc::kCorruption);
  // Fixed-size values cut short: int64, int32, int16, byte, timestamp, uuid.
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x05"
                                  "1234567",
                                  10))
                .code(),
            Errc::kCorruption);
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x04"
                                  "123",
                                  6))
                .code(),
            Errc::kCorruption);
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x03"
                                  "1",
                                  4))
                .code(),
            Errc::kCorruption);
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x02",
                                  3))
                .code(),
            Errc::kCorruption);
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x08"
                                  "1234",
                                  7))
                .code(),
            Errc::kCorruption);
  EXPECT_EQ(DecodeRaw(std::string("\x01"
                                  "a"
                                  "\x09"
                                  "0123456789abcde",
                                  18))
                .code(),
            Errc::kCorruption);
  // Empty header name.
  EXPECT_EQ(DecodeRaw(std::string("\x00\x00", 2)).code(), Errc::kCorruption);
}

TEST(EventStreamTest, UnknownHeaderTypeIsCorruption) {
  for (int type : {10, 11, 0x7f, 0xff}) {
    std::string block(
        "\x01"
        "a",
        2);
    block.push_back(static_cast<char>(type));
    block.append(16, 'x');
    Status st = DecodeRaw(block);
    EXPECT_EQ(st.code(), Errc::kCorruption) << type;
    EXPECT_NE(st.message().find("unknown header type"), std::string::npos) << st.ToString();
  }
}

// A 12-byte prelude with a valid CRC for the given lengths.
std::string Prelude(uint32_t total, uint32_t headers) {
  std::string s(12, '\0');
  PutU32(&s, 0, total);
  PutU32(&s, 4, headers);
  PutU32(&s, 8, ReferenceCrc32(std::string_view(s).substr(0, 8)));
  return s;
}

TEST(EventStreamTest, ImpossibleOrOversizeLengthsAreCorruptionFromThePreludeAlone) {
  struct Case {
    uint32_t total, headers;
  };
  for (Case c : {Case{kMaxMessageBytes + 1, 0}, Case{0xffffffffu, 0}, Case{15, 0}, Case{0, 0},
                 Case{1024, kMaxHeadersBytes + 1}, Case{100, 85}, Case{kMaxMessageBytes, 0xffffffffu}}) {
    Message m;
    size_t consumed = 0;
    EXPECT_EQ(Decode(Prelude(c.total, c.headers), &m, &consumed).code(), Errc::kCorruption)
        << c.total << " " << c.headers;
  }
  // The largest allowed lengths only ask for more bytes.
  Message m;
  size_t consumed = 1;
  EXPECT_TRUE(Decode(Prelude(kMaxMessageBytes, kMaxHeadersBytes), &m, &consumed).ok());
  EXPECT_EQ(consumed, 0u);
  EXPECT_TRUE(Decode(Prelude(100, 84), &m, &consumed).ok());
  EXPECT_EQ(consumed, 0u);
}

#ifdef NDEBUG
// Out-of-contract headers (debug builds assert on them) still give a well-framed message: the
// name and value are cut to their length fields, a short uuid is zero-padded.
TEST(EventStreamTest, OutOfContractHeadersStayWellFramed) {
  const std::string long_name(300, 'n');
  const std::string long_value(70000, 'v');
  std::string out;
  AppendMessage(&out, {{long_name, HeaderType::kString, long_value, 0}, {"u", HeaderType::kUuid, "short", 0}}, "p");
  Message m;
  size_t consumed = 0;
  ASSERT_TRUE(Decode(out, &m, &consumed).ok());
  EXPECT_EQ(consumed, out.size());
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].name, long_name.substr(0, 255));
  EXPECT_EQ(m.headers[0].bytes, long_value.substr(0, 0xffff));
  EXPECT_EQ(m.headers[1].bytes, std::string("short\0\0\0\0\0\0\0\0\0\0\0", 16));
  EXPECT_EQ(m.payload, "p");
}
#endif

TEST(EventStreamTest, DecodeReusesTheMessage) {
  std::string a, b;
  AppendEvent(&a, "one", "application/json", "1");
  AppendMessage(&b, {{"only", HeaderType::kBoolTrue, {}, 0}}, "2");
  Message m;
  size_t consumed = 0;
  ASSERT_TRUE(Decode(a, &m, &consumed).ok());
  ASSERT_EQ(m.headers.size(), 3u);
  ASSERT_TRUE(Decode(b, &m, &consumed).ok());
  ASSERT_EQ(m.headers.size(), 1u);
  EXPECT_EQ(m.headers[0].type, HeaderType::kBoolTrue);
  EXPECT_EQ(m.payload, "2");
}

}  // namespace
}  // namespace sluice::protocol::eventstream
