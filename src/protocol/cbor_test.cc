#include "protocol/cbor.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <string>
#include <vector>

namespace sluice::protocol {
namespace {

// "a2 61 61 01" -> bytes; spaces ignored.
std::string H(std::string_view hex) {
  std::string out;
  int nibbles = 0;
  unsigned v = 0;
  for (char c : hex) {
    if (c == ' ') continue;
    unsigned d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    v = v << 4 | d;
    if (++nibbles == 2) {
      out.push_back(static_cast<char>(v));
      nibbles = 0;
      v = 0;
    }
  }
  EXPECT_EQ(nibbles, 0) << hex;
  return out;
}

// "\"" + s + "\"" without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out.push_back('"');
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// Decodes CBOR; returns the JSON (checked to be valid JSON) or fails the test.
std::string J(std::string_view cbor) {
  std::string json = "stale";
  Status st = CborToJson(cbor, &json);
  EXPECT_TRUE(st.ok()) << Hex(cbor) << ": " << st.ToString();
  if (!st.ok()) return "<error>";
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json).get(e), simdjson::SUCCESS) << "invalid JSON from " << Hex(cbor) << ": " << json;
  return json;
}

// Expects a SerializationException-class error; returns its message.
std::string Bad(std::string_view cbor) {
  std::string json = "stale";
  Status st = CborToJson(cbor, &json);
  EXPECT_FALSE(st.ok()) << Hex(cbor) << " decoded to " << json;
  EXPECT_EQ(st.code(), Errc::kSerialization) << Hex(cbor);
  EXPECT_NE(st.message().find("at byte"), std::string::npos) << st.message();
  EXPECT_TRUE(json.empty());
  return st.message();
}

std::string C(std::string_view json) {
  std::string cbor = "stale";
  Status st = JsonToCbor(json, &cbor);
  EXPECT_TRUE(st.ok()) << json << ": " << st.ToString();
  return cbor;
}

// ---------------------------------------------------------------------------------------------
// CBOR -> JSON: every major type and width

TEST(CborToJsonTest, UnsignedIntegersEveryWidth) {
  EXPECT_EQ(J(H("00")), "0");
  EXPECT_EQ(J(H("17")), "23");
  EXPECT_EQ(J(H("18 18")), "24");
  EXPECT_EQ(J(H("18 ff")), "255");
  EXPECT_EQ(J(H("19 01 00")), "256");
  EXPECT_EQ(J(H("19 ff ff")), "65535");
  EXPECT_EQ(J(H("1a 00 01 00 00")), "65536");
  EXPECT_EQ(J(H("1a ff ff ff ff")), "4294967295");
  EXPECT_EQ(J(H("1b 00 00 00 01 00 00 00 00")), "4294967296");
  EXPECT_EQ(J(H("1b 7f ff ff ff ff ff ff ff")), "9223372036854775807");
  // Non-preferred (longer than needed) encodings are well-formed.
  EXPECT_EQ(J(H("18 05")), "5");
  EXPECT_EQ(J(H("1b 00 00 00 00 00 00 00 07")), "7");
  // Beyond int64: SerializationException.
  EXPECT_NE(Bad(H("1b 80 00 00 00 00 00 00 00")).find("64-bit"), std::string::npos);
  Bad(H("1b ff ff ff ff ff ff ff ff"));
}

TEST(CborToJsonTest, NegativeIntegersEveryWidth) {
  EXPECT_EQ(J(H("20")), "-1");
  EXPECT_EQ(J(H("37")), "-24");
  EXPECT_EQ(J(H("38 18")), "-25");
  EXPECT_EQ(J(H("38 ff")), "-256");
  EXPECT_EQ(J(H("39 01 00")), "-257");
  EXPECT_EQ(J(H("3a 00 01 00 00")), "-65537");
  EXPECT_EQ(J(H("3b 00 00 00 01 00 00 00 00")), "-4294967297");
  EXPECT_EQ(J(H("3b 7f ff ff ff ff ff ff ff")), "-9223372036854775808");
  Bad(H("3b 80 00 00 00 00 00 00 00"));
  Bad(H("3b ff ff ff ff ff ff ff ff"));
}

TEST(CborToJsonTest, ByteStringsBecomeBase64) {
  EXPECT_EQ(J(H("40")), "\"\"");
  EXPECT_EQ(J(H("43 00 ff 10")), "\"AP8Q\"");
  EXPECT_EQ(J(H("41 00")), "\"AA==\"");
  EXPECT_EQ(J(H("58 01 61")), "\"YQ==\"");
  // Indefinite length: chunks concatenated (RFC 8949 appendix A: 0x5f42010243030405ff).
  EXPECT_EQ(J(H("5f 42 01 02 43 03 04 05 ff")), "\"AQIDBAU=\"");
  EXPECT_EQ(J(H("5f ff")), "\"\"");
  EXPECT_EQ(J(H("5f 40 40 ff")), "\"\"");
  std::string big(300, '\x7f');
  std::string cbor = H("59 01 2c") + big;
  std::string json = J(cbor);
  EXPECT_EQ(json.size(), 2 + 400u);
}

TEST(CborToJsonTest, TextStrings) {
  EXPECT_EQ(J(H("60")), "\"\"");
  EXPECT_EQ(J(H("61 61")), "\"a\"");
  EXPECT_EQ(J(H("62 c3 bc")), "\"\xc3\xbc\"");                // ü passes through as UTF-8
  EXPECT_EQ(J(H("64 f0 9f 98 80")), "\"\xf0\x9f\x98\x80\"");  // 4-byte sequence
  EXPECT_EQ(J(H("78 18") + std::string(24, 'x')), Quoted(std::string(24, 'x')));
  EXPECT_EQ(J(H("79 01 00") + std::string(256, 'y')), Quoted(std::string(256, 'y')));
  EXPECT_EQ(J(H("7a 00 00 00 03 61 62 63")), "\"abc\"");
  EXPECT_EQ(J(H("7b 00 00 00 00 00 00 00 01 7a")), "\"z\"");
  // Escaping.
  EXPECT_EQ(J(H("68 22 5c 0a 0d 09 08 0c 01")), R"("\"\\\n\r\t\b\f\u0001")");
  EXPECT_EQ(J(H("62 1f 7f")), "\"\\u001f\x7f\"");
  // Indefinite length as Jackson writes long strings (RFC 8949: 0x7f657374726561646d696e67ff).
  EXPECT_EQ(J(H("7f 65 73 74 72 65 61 64 6d 69 6e 67 ff")), "\"streaming\"");
  EXPECT_EQ(J(H("7f ff")), "\"\"");
  // A code point split across chunks is accepted (validated as a whole).
  EXPECT_EQ(J(H("7f 61 c3 61 bc ff")), "\"\xc3\xbc\"");
}

TEST(CborToJsonTest, InvalidUtf8IsRejected) {
  EXPECT_NE(Bad(H("61 ff")).find("UTF-8"), std::string::npos);
  Bad(H("62 c3 28"));        // bad continuation
  Bad(H("62 c0 af"));        // overlong
  Bad(H("63 ed a0 80"));     // UTF-16 surrogate
  Bad(H("64 f4 90 80 80"));  // beyond U+10FFFF
  Bad(H("61 c3"));           // truncated sequence
  Bad(H("7f 61 c3 ff"));     // truncated across chunks
  // ... also as a map key.
  Bad(H("a1 61 ff 01"));
}

TEST(CborToJsonTest, Arrays) {
  EXPECT_EQ(J(H("80")), "[]");
  EXPECT_EQ(J(H("83 01 02 03")), "[1,2,3]");
  EXPECT_EQ(J(H("83 01 82 02 03 82 04 05")), "[1,[2,3],[4,5]]");
  std::string a25 = H("98 19");
  std::string want = "[";
  for (int i = 1; i <= 25; ++i) {
    a25 += i < 24 ? std::string(1, static_cast<char>(i)) : H("18") + std::string(1, static_cast<char>(i));
    if (i > 1) want += ",";
    want += std::to_string(i);
  }
  EXPECT_EQ(J(a25), want + "]");
  EXPECT_EQ(J(H("99 00 02 01 02")), "[1,2]");
  EXPECT_EQ(J(H("9a 00 00 00 01 01")), "[1]");
  EXPECT_EQ(J(H("9b 00 00 00 00 00 00 00 01 01")), "[1]");
  // Indefinite forms (RFC 8949 appendix A).
  EXPECT_EQ(J(H("9f ff")), "[]");
  EXPECT_EQ(J(H("9f 01 82 02 03 9f 04 05 ff ff")), "[1,[2,3],[4,5]]");
  EXPECT_EQ(J(H("83 01 82 02 03 9f 04 05 ff")), "[1,[2,3],[4,5]]");
  EXPECT_EQ(J(H("83 01 9f 02 03 ff 82 04 05")), "[1,[2,3],[4,5]]");
  EXPECT_EQ(J(H("9f 80 9f ff a0 bf ff ff")), "[[],[],{},{}]");
}

TEST(CborToJsonTest, Maps) {
  EXPECT_EQ(J(H("a0")), "{}");
  EXPECT_EQ(J(H("a2 61 61 01 61 62 82 02 03")), R"({"a":1,"b":[2,3]})");
  EXPECT_EQ(J(H("b8 01 61 61 f6")), R"({"a":null})");
  // Indefinite (RFC 8949 appendix A).
  EXPECT_EQ(J(H("bf 61 61 01 61 62 9f 02 03 ff ff")), R"({"a":1,"b":[2,3]})");
  EXPECT_EQ(J(H("bf 63 46 75 6e f5 63 41 6d 74 21 ff")), R"({"Fun":true,"Amt":-2})");
  EXPECT_EQ(J(H("82 61 61 bf 61 62 61 63 ff")), R"(["a",{"b":"c"}])");
  // Chunked text keys; keys needing escapes.
  EXPECT_EQ(J(H("a1 7f 61 6b 61 79 ff 01")), R"({"ky":1})");
  EXPECT_EQ(J(H("a1 61 22 01")), R"({"\"":1})");
  // Keys must be text.
  EXPECT_NE(Bad(H("a1 01 02")).find("map key"), std::string::npos);
  Bad(H("a1 41 61 01"));
  Bad(H("bf 01 02 ff"));
  Bad(H("a1 a0 01"));
  Bad(H("a1 f6 01"));
  // Tags before a key are skipped; the key must still be text.
  EXPECT_EQ(J(H("a1 d8 20 61 6b 01")), R"({"k":1})");
  Bad(H("a1 c1 01 02"));
}

TEST(CborToJsonTest, FloatsHalfSingleDouble) {
  auto num = [](std::string_view cbor) {
    std::string json = J(cbor);
    simdjson::dom::parser p;
    double d = 0;
    EXPECT_EQ(p.parse(json).get_double().get(d), simdjson::SUCCESS) << json;
    return d;
  };
  // float16 (RFC 8949 appendix A).
  EXPECT_EQ(J(H("f9 00 00")), "0");
  EXPECT_EQ(J(H("f9 80 00")), "0");  // integral values print as integers
  EXPECT_EQ(J(H("f9 3c 00")), "1");
  EXPECT_EQ(J(H("f9 3e 00")), "1.5");
  EXPECT_EQ(J(H("f9 7b ff")), "65504");
  EXPECT_EQ(J(H("f9 c4 00")), "-4");
  EXPECT_EQ(static_cast<float>(num(H("f9 00 01"))), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(static_cast<float>(num(H("f9 04 00"))), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(static_cast<float>(num(H("f9 35 55"))), 0.333251953125f);
  // float32 prints as the shortest text of the float.
  EXPECT_EQ(J(H("fa 47 c3 50 00")), "100000");
  EXPECT_EQ(J(H("fa 3d cc cc cd")), "0.1");
  EXPECT_EQ(J(H("fa 7f 7f ff ff")), "3.4028235e+38");
  EXPECT_EQ(J(H("fb 43 30 00 00 00 00 00 00")), "4503599627370496");        // 2^52: still an integer
  EXPECT_EQ(J(H("fb 44 30 00 00 00 00 00 00")), "2.9514790517935283e+20");  // 2^68: beyond int64
  // float64.
  EXPECT_EQ(J(H("fb 3f f1 99 99 99 99 99 9a")), "1.1");
  EXPECT_EQ(J(H("fb c0 10 66 66 66 66 66 66")), "-4.1");
  EXPECT_EQ(num(H("fb 7e 37 e4 3c 88 00 75 9c")), 1e300);
  // NaN and infinities have no JSON form.
  for (std::string_view nan :
       {"f9 7c 00", "f9 fc 00", "f9 7e 00", "fa 7f c0 00 00", "fa 7f 80 00 00", "fb 7f f8 00 00 00 00 00 00",
        "fb 7f f0 00 00 00 00 00 00", "fb ff f0 00 00 00 00 00 00"})
    EXPECT_NE(Bad(H(nan)).find("NaN"), std::string::npos) << nan;
  Bad(H("f9 3c"));
  Bad(H("fa 3d cc cc"));
  Bad(H("fb 3f f1 99 99 99 99 99"));
}

TEST(CborToJsonTest, SimpleValues) {
  EXPECT_EQ(J(H("f4")), "false");
  EXPECT_EQ(J(H("f5")), "true");
  EXPECT_EQ(J(H("f6")), "null");
  EXPECT_EQ(J(H("f7")), "null");  // undefined
  EXPECT_EQ(J(H("84 f4 f5 f6 f7")), "[false,true,null,null]");
  Bad(H("e0"));     // simple(0)
  Bad(H("f0"));     // simple(16)
  Bad(H("f3"));     // simple(19)
  Bad(H("f8 18"));  // two-byte form of a one-byte simple value: malformed
  Bad(H("f8 1f"));
  Bad(H("f8 20"));  // simple(32): unassigned
  Bad(H("f8 ff"));
  Bad(H("f8"));
}

TEST(CborToJsonTest, Tag1IntegerIsEpochMillis) {
  EXPECT_EQ(J(H("c1 1b 00 00 01 8b cf e5 68 00")), "1700000000.000");
  EXPECT_EQ(J(H("c1 1b 00 00 01 8b cf e5 68 7b")), "1700000000.123");
  EXPECT_EQ(J(H("c1 00")), "0.000");
  EXPECT_EQ(J(H("c1 18 2a")), "0.042");
  EXPECT_EQ(J(H("c1 19 04 d2")), "1.234");
  EXPECT_EQ(J(H("c1 20")), "-0.001");
  EXPECT_EQ(J(H("c1 39 05 db")), "-1.500");
  EXPECT_EQ(J(H("c1 3b 7f ff ff ff ff ff ff ff")), "-9223372036854775.808");
  EXPECT_EQ(J(H("c1 1b 7f ff ff ff ff ff ff ff")), "9223372036854775.807");
  // As a member value, the way the Java SDK writes GetShardIterator's Timestamp.
  EXPECT_EQ(J(H("a1 69") + "Timestamp" + H("c1 1b 00 00 01 8b cf e5 68 7b")), R"({"Timestamp":1700000000.123})");
  Bad(H("c1 1b 80 00 00 00 00 00 00 00"));
}

TEST(CborToJsonTest, Tag1FloatIsSecondsLeniently) {
  EXPECT_EQ(J(H("c1 fb 41 d9 54 fc 40 20 00 00")), "1700000000.500");
  EXPECT_EQ(J(H("c1 f9 3c 00")), "1.000");
  EXPECT_EQ(J(H("c1 fa 3f c0 00 00")), "1.500");
  EXPECT_EQ(J(H("c1 f9 80 00")), "0.000");
  EXPECT_EQ(J(H("c1 fb bf f8 00 00 00 00 00 00")), "-1.500");
  Bad(H("c1 fb 7e 37 e4 3c 88 00 75 9c"));  // 1e300 s
  Bad(H("c1 f9 7e 00"));                    // NaN
}

TEST(CborToJsonTest, OtherTagsYieldTheirContent) {
  EXPECT_EQ(J(H("c0 74") + "2013-03-21T20:04:00Z"), "\"2013-03-21T20:04:00Z\"");
  EXPECT_EQ(J(H("c2 49 01 00 00 00 00 00 00 00 00")), "\"AQAAAAAAAAAA\"");  // bignum -> its bytes
  EXPECT_EQ(J(H("d8 20 63 61 62 63")), "\"abc\"");
  EXPECT_EQ(J(H("d9 d9 f7 a1 61 61 01")), R"({"a":1})");  // self-described CBOR
  EXPECT_EQ(J(H("da 00 01 00 00 00")), "0");
  EXPECT_EQ(J(H("db 00 00 00 01 00 00 00 00 f5")), "true");
  EXPECT_EQ(J(H("c1 63 61 62 63")), "\"abc\"");  // tag 1 on a string: content (decoder reports the type)
  EXPECT_EQ(J(H("c6 c1 00")), "0.000");          // innermost tag decides
  EXPECT_EQ(J(H("c1 c6 00")), "0");
  EXPECT_EQ(J(H("82 c1 00 c1 01")), "[0.000,0.001]");
  Bad(H("c1"));
  Bad(H("c1 ff"));
  Bad(H("d8"));
  // A long chain of tags is iterative, not recursive.
  std::string chain(200000, '\xc6');
  EXPECT_EQ(J(chain + H("01")), "1");
}

// ---------------------------------------------------------------------------------------------
// CBOR -> JSON: malformed input

TEST(CborToJsonTest, TruncatedInput) {
  EXPECT_NE(Bad("").find("empty"), std::string::npos);
  for (std::string_view hex : {"18",       "19 01",    "1a 00 01 00", "1b 00 00 00 00 00 00 00",
                               "38",       "62 61",    "42 00",       "5f",
                               "5f 41 00", "7f 61 61", "81",          "82 01",
                               "9f",       "9f 01",    "a1",          "a1 61 61",
                               "bf",       "bf 61 61", "bf 61 61 01", "c1",
                               "f9",       "fa 00",    "fb 00"}) {
    Bad(H(hex));
  }
}

TEST(CborToJsonTest, ReservedAdditionalInformation) {
  for (int major = 0; major < 8; ++major) {
    for (int ai = 28; ai <= 30; ++ai) {
      std::string in(1, static_cast<char>(major << 5 | ai));
      std::string msg = Bad(in + H("00 00 00 00 00 00 00 00"));
      EXPECT_NE(msg.find("reserved"), std::string::npos) << major << "/" << ai << ": " << msg;
    }
  }
}

TEST(CborToJsonTest, IndefiniteLengthWhereNotAllowed) {
  Bad(H("1f"));           // unsigned
  Bad(H("3f"));           // negative
  Bad(H("df 00"));        // tag
  Bad(H("5f 5f ff ff"));  // nested indefinite chunk
  Bad(H("7f 7f ff ff"));
  Bad(H("5f 61 61 ff"));  // text chunk inside a byte string
  Bad(H("7f 41 61 ff"));  // byte chunk inside a text string
  Bad(H("7f 01 ff"));
}

TEST(CborToJsonTest, BreakOutsideIndefiniteItem) {
  EXPECT_NE(Bad(H("ff")).find("break"), std::string::npos);
  Bad(H("81 ff"));
  Bad(H("82 01 ff"));
  Bad(H("a1 61 61 ff"));
  Bad(H("bf 61 61 ff"));  // break between key and value
  EXPECT_NE(Bad(H("bf 61 61 ff")).find("key and its value"), std::string::npos);
  Bad(H("9f 01 ff ff"));  // extra break: trailing
}

TEST(CborToJsonTest, TrailingBytes) {
  EXPECT_NE(Bad(H("00 00")).find("trailing"), std::string::npos);
  Bad(H("a0 a0"));
  Bad(H("9f ff 00"));
  Bad(H("a0 ff"));
}

TEST(CborToJsonTest, DepthLimit) {
  auto nested = [](int levels, std::string_view open, std::string_view close) {
    std::string s;
    for (int i = 0; i < levels; ++i) s += H(open);
    s += H("00");
    for (int i = 0; i < levels && !close.empty(); ++i) s += H(close);
    return s;
  };
  EXPECT_EQ(J(nested(kCborMaxDepth, "81", "")),
            std::string(kCborMaxDepth, '[') + "0" + std::string(kCborMaxDepth, ']'));
  EXPECT_NE(Bad(nested(kCborMaxDepth + 1, "81", "")).find("nesting"), std::string::npos);
  Bad(nested(100000, "81", ""));
  Bad(nested(100000, "9f", "ff"));
  Bad(std::string(1000000, '\x9f'));
  Bad(std::string(1000000, '\xbf'));
  std::string maps;
  for (int i = 0; i < 1000; ++i) maps += H("a1 61 61");
  Bad(maps + H("00"));
  std::string ok_maps;
  for (int i = 0; i < kCborMaxDepth; ++i) ok_maps += H("a1 61 61");
  J(ok_maps + H("00"));
}

TEST(CborToJsonTest, HugeDeclaredLengths) {
  EXPECT_NE(Bad(H("5b ff ff ff ff ff ff ff ff")).find("exceeds"), std::string::npos);
  Bad(H("5b 7f ff ff ff ff ff ff ff 00"));
  Bad(H("7b 00 00 00 01 00 00 00 00 61"));
  Bad(H("7a ff ff ff ff 61"));
  Bad(H("5f 5b ff ff ff ff ff ff ff ff ff"));
  EXPECT_NE(Bad(H("9b ff ff ff ff ff ff ff ff")).find("exceeds"), std::string::npos);
  Bad(H("9a 00 01 00 00 00 00"));
  Bad(H("bb ff ff ff ff ff ff ff ff"));
  Bad(H("bb 80 00 00 00 00 00 00 00"));
  Bad(H("ba 00 00 00 02 61 61 01"));  // 2 pairs need at least 4 bytes
  Bad(H("82 01"));
}

TEST(CborToJsonTest, JacksonStylePutRecordsRequest) {
  // What the Java SDK v2 (Jackson CBORGenerator) writes: indefinite maps and arrays, definite
  // byte strings for blobs.
  std::string cbor = H("bf 6a") + "StreamName" + H("66") + "orders" + H("67") + "Records" + H("9f bf 64") + "Data" +
                     H("44 00 01 fe ff 6c") + "PartitionKey" + H("61 6b ff bf 64") + "Data" + H("40 6c") +
                     "PartitionKey" + H("7f 61 6b 62 65 79 ff 6f") + "ExplicitHashKey" + H("61 31 ff ff ff");
  EXPECT_EQ(J(cbor), R"({"StreamName":"orders","Records":[{"Data":"AAH+/w==","PartitionKey":"k"},)"
                     R"({"Data":"","PartitionKey":"key","ExplicitHashKey":"1"}]})");
}

TEST(CborToJsonTest, OutputIsClearedAndReusable) {
  std::string json = "previous contents";
  ASSERT_TRUE(CborToJson(H("a1 61 61 01"), &json).ok());
  EXPECT_EQ(json, R"({"a":1})");
  EXPECT_FALSE(CborToJson(H("a1 61 61"), &json).ok());
  EXPECT_EQ(json, "");
}

// ---------------------------------------------------------------------------------------------
// JSON -> CBOR

TEST(JsonToCborTest, Scalars) {
  EXPECT_EQ(Hex(C("0")), "00");
  EXPECT_EQ(Hex(C("23")), "17");
  EXPECT_EQ(Hex(C("24")), "18 18");
  EXPECT_EQ(Hex(C("256")), "19 01 00");
  EXPECT_EQ(Hex(C("65536")), "1a 00 01 00 00");
  EXPECT_EQ(Hex(C("4294967296")), "1b 00 00 00 01 00 00 00 00");
  EXPECT_EQ(Hex(C("18446744073709551615")), "1b ff ff ff ff ff ff ff ff");
  EXPECT_EQ(Hex(C("-1")), "20");
  EXPECT_EQ(Hex(C("-25")), "38 18");
  EXPECT_EQ(Hex(C("-9223372036854775808")), "3b 7f ff ff ff ff ff ff ff");
  EXPECT_EQ(Hex(C("2.0")), "02");  // integral -> integer
  EXPECT_EQ(Hex(C("-0.0")), "00");
  EXPECT_EQ(Hex(C("1.5")), "fb 3f f8 00 00 00 00 00 00");
  EXPECT_EQ(Hex(C("1e300")), "fb 7e 37 e4 3c 88 00 75 9c");
  EXPECT_EQ(Hex(C("true")), "f5");
  EXPECT_EQ(Hex(C("false")), "f4");
  EXPECT_EQ(Hex(C("null")), "f6");
  EXPECT_EQ(Hex(C(R"("")")), "60");
  EXPECT_EQ(Hex(C(R"("a\"\u00fc")")), "64 61 22 c3 bc");
}

TEST(JsonToCborTest, StringLengthHeads) {
  for (size_t n : {23u, 24u, 255u, 256u, 65535u, 65536u}) {
    std::string cbor = C(Quoted(std::string(n, 'x')));
    std::string head = cbor.substr(0, cbor.size() - n);
    std::string want =
        n < 24      ? H("77")
        : n < 256   ? H("78") + std::string(1, static_cast<char>(n))
        : n < 65536 ? H("79") + std::string(1, static_cast<char>(n >> 8)) + std::string(1, static_cast<char>(n & 0xff))
                    : H("7a 00 01 00 00");
    EXPECT_EQ(Hex(head), Hex(want)) << n;
  }
}

TEST(JsonToCborTest, ContainersAreDefiniteLength) {
  EXPECT_EQ(Hex(C("{}")), "a0");
  EXPECT_EQ(Hex(C("[]")), "80");
  EXPECT_EQ(Hex(C(R"({"a":1,"b":[2,3]})")), "a2 61 61 01 61 62 82 02 03");
  std::string many = "[";
  for (int i = 0; i < 30; ++i) many += (i ? ",0" : "0");
  EXPECT_EQ(Hex(C(many + "]").substr(0, 2)), "98 1e");
}

TEST(JsonToCborTest, DataMemberBecomesByteString) {
  EXPECT_EQ(Hex(C(R"({"Data":"AP8Q"})")), "a1 64 44 61 74 61 43 00 ff 10");
  EXPECT_EQ(Hex(C(R"({"Data":"AA=="})")), "a1 64 44 61 74 61 41 00");
  EXPECT_EQ(Hex(C(R"({"Data":"AAE="})")), "a1 64 44 61 74 61 42 00 01");
  EXPECT_EQ(Hex(C(R"({"Data":""})")), "a1 64 44 61 74 61 40");
  // Only the member named exactly Data, and only strings.
  EXPECT_EQ(Hex(C(R"({"data":"AA=="})")), "a1 64 64 61 74 61 64 41 41 3d 3d");
  EXPECT_EQ(Hex(C(R"({"Data":null})")), "a1 64 44 61 74 61 f6");
  EXPECT_EQ(Hex(C(R"(["AA=="])")), "81 64 41 41 3d 3d");
  std::string cbor;
  Status st = JsonToCbor(R"({"Data":"abc"})", &cbor);
  EXPECT_EQ(st.code(), Errc::kInternal);
  EXPECT_EQ(JsonToCbor(R"({"Data":"a*c="})", &cbor).code(), Errc::kInternal);
  EXPECT_TRUE(cbor.empty());
}

TEST(JsonToCborTest, TimestampMembersBecomeTag1Millis) {
  for (std::string_view name : {"ApproximateArrivalTimestamp", "StreamCreationTimestamp", "ConsumerCreationTimestamp",
                                "StartedAt", "EndedAt", "EarliestAllowedEndAt"}) {
    std::string member = "{";
    member += Quoted(name);
    std::string cbor = C(member + ":1700000000.123}");
    std::string key = C(Quoted(name));
    EXPECT_EQ(Hex(cbor), Hex(H("a1") + key + H("c1 1b 00 00 01 8b cf e5 68 7b"))) << name;
    // Integral seconds too (never a float on the wire).
    EXPECT_EQ(Hex(C(member + ":1700000000}")), Hex(H("a1") + key + H("c1 1b 00 00 01 8b cf e5 68 00")));
  }
  EXPECT_EQ(Hex(C(R"({"StartedAt":0.001})")), Hex(H("a1 69") + "StartedAt" + H("c1 01")));
  EXPECT_EQ(Hex(C(R"({"StartedAt":0})")), Hex(H("a1 69") + "StartedAt" + H("c1 00")));
  // Other numbers are untouched.
  EXPECT_EQ(Hex(C(R"({"MillisBehindLatest":0})")), Hex(H("a1 72") + "MillisBehindLatest" + H("00")));
  std::string cbor;
  EXPECT_EQ(JsonToCbor(R"({"StartedAt":1e300})", &cbor).code(), Errc::kInternal);
}

TEST(JsonToCborTest, InvalidJsonAndDepth) {
  std::string cbor;
  EXPECT_EQ(JsonToCbor("{", &cbor).code(), Errc::kInternal);
  EXPECT_EQ(JsonToCbor("", &cbor).code(), Errc::kInternal);
  EXPECT_EQ(JsonToCbor("{} {}", &cbor).code(), Errc::kInternal);
  std::string ok = std::string(kCborMaxDepth, '[') + std::string(kCborMaxDepth, ']');
  EXPECT_TRUE(JsonToCbor(ok, &cbor).ok());
  EXPECT_EQ(cbor, std::string(kCborMaxDepth - 1, '\x81') + H("80"));
  std::string deep = std::string(kCborMaxDepth + 1, '[') + std::string(kCborMaxDepth + 1, ']');
  EXPECT_EQ(JsonToCbor(deep, &cbor).code(), Errc::kInternal);
}

// ---------------------------------------------------------------------------------------------
// Round trips of real Sluice response bodies: JSON -> CBOR -> JSON is the identity.

void ExpectRoundTrip(const std::string& json) {
  std::string cbor = C(json);
  EXPECT_EQ(J(cbor), json) << Hex(cbor);
}

TEST(CborRoundTripTest, PutRecords) {
  ExpectRoundTrip(
      R"({"Records":[{"SequenceNumber":"49546986683135544286507457936321625675700192471156785154",)"
      R"("ShardId":"shardId-000000000000"},{"ErrorCode":"InternalFailure","ErrorMessage":"Internal service failure."}],)"
      R"("FailedRecordCount":1,"EncryptionType":"NONE"})");
}

TEST(CborRoundTripTest, GetRecordsWithBinaryData) {
  std::string json = R"({"Records":[{"SequenceNumber":"49546986683135544286507457936321625675700192471156785154",)"
                     R"("ApproximateArrivalTimestamp":1700000000.123,"Data":"AAEC/f7/gA==","PartitionKey":"k\"1"},)"
                     R"({"SequenceNumber":"49546986683135544286507457936321625675700192471156785155",)"
                     R"("ApproximateArrivalTimestamp":1700000001.000,"Data":"","PartitionKey":"\u00fc"}],)"
                     R"("NextShardIterator":"AAAAAAAAAAGx+/=","MillisBehindLatest":0})";
  std::string cbor = C(json);
  // Data is a byte string, timestamps are tag 1 + integer millis.
  std::string data_member = H("64") + "Data" + H("47 00 01 02 fd fe ff 80");
  EXPECT_NE(cbor.find(data_member), std::string::npos) << Hex(cbor);
  std::string ts_member = H("78 1b") + "ApproximateArrivalTimestamp" + H("c1 1b 00 00 01 8b cf e5 68 7b");
  EXPECT_NE(cbor.find(ts_member), std::string::npos) << Hex(cbor);
  std::string back = J(cbor);
  // The JSON decoder unescapes \u00fc; CborToJson writes it as UTF-8.
  std::string want = json;
  want.replace(want.find("\\u00fc"), 6, "\xc3\xbc");
  EXPECT_EQ(back, want);
}

TEST(CborRoundTripTest, DescribeStreamSummaryWithTimestamps) {
  ExpectRoundTrip(
      R"({"StreamDescriptionSummary":{"StreamName":"orders","StreamARN":"arn:aws:kinesis:us-east-1:123456789012:)"
      R"(stream/orders","StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"PROVISIONED"},)"
      R"("RetentionPeriodHours":24,"StreamCreationTimestamp":1700000000.000,)"
      R"("EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"NONE","OpenShardCount":3,)"
      R"("ConsumerCount":0,"MaxRecordSizeInKiB":1024,"HasMore":false,"KeyId":null}})");
}

}  // namespace
}  // namespace sluice::protocol
