#include "base/base64.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::base64 {
namespace {

// A deliberately naive reference encoder (RFC 4648, section 4) to compare the table-driven
// one against.
std::string ReferenceEncode(std::string_view in) {
  static const char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    uint32_t b[3] = {0, 0, 0};
    size_t n = 0;
    for (; n < 3 && i < in.size(); ++n, ++i) b[n] = static_cast<uint8_t>(in[i]);
    uint32_t v = (b[0] << 16) | (b[1] << 8) | b[2];
    out.push_back(kAlpha[(v >> 18) & 63]);
    out.push_back(kAlpha[(v >> 12) & 63]);
    out.push_back(n >= 2 ? kAlpha[(v >> 6) & 63] : '=');
    out.push_back(n >= 3 ? kAlpha[v & 63] : '=');
  }
  return out;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

std::string EncodeString(std::string_view in) {
  std::string out(EncodedSize(in.size()), '?');
  Encode(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data());
  return out;
}

// Decodes with the raw API into a buffer of exactly MaxDecodedSize bytes (plus a guard
// region that must stay untouched).
DecodeError DecodeExact(std::string_view text, std::string* out) {
  constexpr uint8_t kGuard = 0xA5;
  size_t max = MaxDecodedSize(text.size());
  std::vector<uint8_t> buf(max + 16, kGuard);
  size_t written = 12345;
  DecodeError e = Decode(text, buf.data(), &written);
  for (size_t i = max; i < buf.size(); ++i) EXPECT_EQ(buf[i], kGuard) << "write past MaxDecodedSize at " << i;
  if (e == DecodeError::kNone) {
    EXPECT_LE(written, max);
    out->assign(reinterpret_cast<const char*>(buf.data()), written);
  }
  return e;
}

TEST(Base64Test, SizeHelpers) {
  EXPECT_EQ(EncodedSize(0), 0u);
  EXPECT_EQ(EncodedSize(1), 4u);
  EXPECT_EQ(EncodedSize(2), 4u);
  EXPECT_EQ(EncodedSize(3), 4u);
  EXPECT_EQ(EncodedSize(4), 8u);
  EXPECT_EQ(EncodedSize(45), 60u);
  EXPECT_EQ(MaxDecodedSize(0), 0u);
  EXPECT_EQ(MaxDecodedSize(4), 3u);
  EXPECT_EQ(MaxDecodedSize(8), 6u);
  for (size_t n = 0; n < 1000; ++n) EXPECT_GE(MaxDecodedSize(EncodedSize(n)), n);
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, enc] : kVectors) {
    EXPECT_EQ(EncodeString(plain), enc);
    std::string dec;
    ASSERT_TRUE(DecodeToString(enc, &dec)) << enc;
    EXPECT_EQ(dec, plain);
  }
  // The example body from the reference: Data "AAFoaQ==" is 00 01 'h' 'i'.
  std::string dec;
  ASSERT_TRUE(DecodeToString("AAFoaQ==", &dec));
  EXPECT_EQ(dec, std::string("\x00\x01hi", 4));
}

TEST(Base64Test, EncodeMatchesReferenceAllLengths) {
  std::mt19937_64 rng(42);
  for (size_t n = 0; n <= 300; ++n) {
    std::string in = RandomBytes(rng, n);
    EXPECT_EQ(EncodeString(in), ReferenceEncode(in)) << "length " << n;
  }
}

TEST(Base64Test, EncodeEveryByteValueInEveryPosition) {
  // Every byte value at each of the three positions of a group, plus every padding shape.
  for (int pos = 0; pos < 3; ++pos) {
    for (int b = 0; b < 256; ++b) {
      for (size_t len = static_cast<size_t>(pos) + 1; len <= 3; ++len) {
        std::string in(len, '\x5a');
        in[static_cast<size_t>(pos)] = static_cast<char>(b);
        ASSERT_EQ(EncodeString(in), ReferenceEncode(in)) << "pos " << pos << " byte " << b << " len " << len;
        std::string dec;
        ASSERT_TRUE(DecodeToString(ReferenceEncode(in), &dec));
        ASSERT_EQ(dec, in);
      }
    }
  }
}

TEST(Base64Test, EncodeWritesExactlyEncodedSize) {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 64; ++n) {
    std::string in = RandomBytes(rng, n);
    std::string out(EncodedSize(n) + 8, '#');
    Encode(reinterpret_cast<const uint8_t*>(in.data()), n, out.data());
    EXPECT_EQ(out.substr(EncodedSize(n)), std::string(8, '#')) << "length " << n;
  }
}

TEST(Base64Test, AppendEncodedAppends) {
  std::string out = "prefix:";
  AppendEncoded("foobar", &out);
  EXPECT_EQ(out, "prefix:Zm9vYmFy");
  AppendEncoded("", &out);
  EXPECT_EQ(out, "prefix:Zm9vYmFy");
  AppendEncoded("f", &out);
  EXPECT_EQ(out, "prefix:Zm9vYmFyZg==");
}

TEST(Base64Test, RoundTripAllLengths0To300) {
  std::mt19937_64 rng(1234);
  for (size_t n = 0; n <= 300; ++n) {
    for (int rep = 0; rep < 4; ++rep) {
      std::string in;
      switch (rep) {
        case 0: in = RandomBytes(rng, n); break;
        case 1: in.assign(n, '\0'); break;
        case 2: in.assign(n, '\xff'); break;
        default:
          in.resize(n);
          for (size_t i = 0; i < n; ++i) in[i] = static_cast<char>(i);
      }
      std::string enc = EncodeString(in);
      ASSERT_EQ(enc.size() % 4, 0u);
      size_t pad = enc.empty() ? 0 : (enc.back() == '=') + (enc[enc.size() - 2] == '=');
      EXPECT_EQ(pad, (3 - n % 3) % 3) << "length " << n;
      std::string dec;
      ASSERT_EQ(DecodeExact(enc, &dec), DecodeError::kNone) << "length " << n;
      EXPECT_EQ(dec, in) << "length " << n;
      std::string dec2 = "garbage";
      ASSERT_TRUE(DecodeToString(enc, &dec2));
      EXPECT_EQ(dec2, in);
    }
  }
}

TEST(Base64Test, DecodeEmpty) {
  std::string dec = "x";
  EXPECT_EQ(DecodeExact("", &dec), DecodeError::kNone);
  EXPECT_EQ(dec, "");
  std::string s = "junk";
  EXPECT_TRUE(DecodeToString("", &s));
  EXPECT_EQ(s, "");
}

TEST(Base64Test, RejectsLengthNotMultipleOf4) {
  std::mt19937_64 rng(9);
  for (size_t n = 1; n <= 41; ++n) {
    if (n % 4 == 0) continue;
    std::string text = ReferenceEncode(RandomBytes(rng, 60)).substr(0, n);
    std::string dec;
    EXPECT_EQ(DecodeExact(text, &dec), DecodeError::kBadLength) << text;
    std::string s = "keep";
    EXPECT_FALSE(DecodeToString(text, &s));
    EXPECT_TRUE(s.empty());
  }
  std::string dec;
  EXPECT_EQ(DecodeExact("=", &dec), DecodeError::kBadLength);
  EXPECT_EQ(DecodeExact("Zg=", &dec), DecodeError::kBadLength);
  EXPECT_EQ(DecodeExact("Zg===", &dec), DecodeError::kBadLength);
}

bool InAlphabet(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

TEST(Base64Test, RejectsEveryNonAlphabetCharacterInEveryPosition) {
  const std::string base = "Zm9vYmFyZm9vYmFy";  // three full quads + one, no padding
  for (size_t pos = 0; pos < base.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      if (InAlphabet(c) || c == '=') continue;
      std::string text = base;
      text[pos] = static_cast<char>(c);
      std::string dec;
      ASSERT_EQ(DecodeExact(text, &dec), DecodeError::kBadCharacter) << "pos " << pos << " char " << c;
    }
  }
  // Also inside a padded final quad.
  for (const std::string base2 : {"Zm9vZg==", "Zm9vZm8="}) {
    for (size_t pos = 4; pos < 8; ++pos) {
      if (base2[pos] == '=') continue;
      for (int c = 0; c < 256; ++c) {
        if (InAlphabet(c) || c == '=') continue;
        std::string text = base2;
        text[pos] = static_cast<char>(c);
        std::string dec;
        ASSERT_EQ(DecodeExact(text, &dec), DecodeError::kBadCharacter) << base2 << " pos " << pos << " char " << c;
      }
    }
  }
}

TEST(Base64Test, AcceptsEveryAlphabetCharacterInEveryPosition) {
  const std::string base = "Zm9vYmFy";
  for (size_t pos = 0; pos < base.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      if (!InAlphabet(c)) continue;
      std::string text = base;
      text[pos] = static_cast<char>(c);
      std::string dec;
      ASSERT_EQ(DecodeExact(text, &dec), DecodeError::kNone) << "pos " << pos << " char " << c;
      ASSERT_EQ(dec.size(), 6u);
      EXPECT_EQ(EncodeString(dec), text);
    }
  }
}

// Long inputs go through the vectorised (32-character block) decoder where the build enables
// it; the tests below cover every position of several blocks, the scalar tail and the final
// quad.
std::string LongText(size_t chars, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string raw = RandomBytes(rng, chars / 4 * 3);
  return ReferenceEncode(raw);
}

std::string ReferenceDecode(std::string_view text) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i + 4 <= text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=') {
        ++pad;
        v <<= 6;
      } else {
        v = (v << 6) | static_cast<uint32_t>(val(c));
      }
    }
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>(v >> 8));
    if (pad < 1) out.push_back(static_cast<char>(v));
  }
  return out;
}

TEST(Base64Test, LongInputsMatchReferenceDecoder) {
  std::mt19937_64 rng(31337);
  for (size_t n = 0; n <= 1200; n += (n < 200 ? 1 : 7)) {
    std::string raw = RandomBytes(rng, n);
    std::string text = ReferenceEncode(raw);
    std::string dec;
    ASSERT_EQ(DecodeExact(text, &dec), DecodeError::kNone) << "length " << n;
    ASSERT_EQ(dec, raw) << "length " << n;
    ASSERT_EQ(dec, ReferenceDecode(text));
  }
}

TEST(Base64Test, LongInputRejectsEveryNonAlphabetCharacterAtEveryPosition) {
  for (size_t len : {128u, 132u, 160u, 200u}) {
    const std::string base = LongText(len, len);
    ASSERT_EQ(base.size(), len);
    for (size_t pos = 0; pos < base.size(); ++pos) {
      for (int c = 0; c < 256; ++c) {
        if (InAlphabet(c)) continue;
        if (c == '=' && pos + 2 >= base.size()) continue;  // valid padding positions
        std::string text = base;
        text[pos] = static_cast<char>(c);
        std::string dec;
        ASSERT_EQ(DecodeExact(text, &dec), DecodeError::kBadCharacter)
            << "len " << len << " pos " << pos << " char " << c;
      }
    }
  }
}

TEST(Base64Test, LongInputAcceptsEveryAlphabetCharacterAtEveryPosition) {
  const std::string base = LongText(160, 5);
  for (size_t pos = 0; pos < base.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      if (!InAlphabet(c)) continue;
      std::string text = base;
      text[pos] = static_cast<char>(c);
      std::string dec;
      ASSERT_EQ(DecodeExact(text, &dec), DecodeError::kNone) << "pos " << pos << " char " << c;
      ASSERT_EQ(dec, ReferenceDecode(text)) << "pos " << pos << " char " << c;
    }
  }
}

TEST(Base64Test, LongInputRejectsPaddingInTheMiddle) {
  const std::string base = LongText(256, 8);
  for (size_t pos = 0; pos + 2 < base.size(); ++pos) {
    for (const char* pad : {"=", "==", "===", "===="}) {
      std::string text = base;
      text.replace(pos, std::strlen(pad), pad);
      text.resize(base.size());
      std::string dec;
      ASSERT_NE(DecodeExact(text, &dec), DecodeError::kNone) << "pos " << pos << " pad " << pad;
    }
  }
  // A padded quad followed by a full block of data.
  std::string text = "Zg==" + base;
  std::string dec;
  EXPECT_EQ(DecodeExact(text, &dec), DecodeError::kBadCharacter);
}

TEST(Base64Test, RejectsMisplacedPadding) {
  const char* kBad[] = {
      "====",  // all padding
      "A===",  // three padding characters
      "=AAA",  // padding first
      "A=AA",  // padding second, data after
      "AA=A",  // padding third, data after
      "==AA",     "=A=A",
      "AA==AAAA",  // padding in the middle of the text
      "AAA=AAAA",  // padded quad followed by more data
      "AA==AA==",  // two padded quads
      "AAAA=AAA",  // padding at the start of the last quad
      "AAAAA=AA", "AAAAAA=A", "AAAA====", "AAAAA===", "Zm9vYg==Zm9v", "Zm=vYmFy",
  };
  for (const char* text : kBad) {
    std::string dec;
    EXPECT_NE(DecodeExact(text, &dec), DecodeError::kNone) << text;
    EXPECT_EQ(DecodeExact(text, &dec), DecodeError::kBadCharacter) << text;
    std::string s;
    EXPECT_FALSE(DecodeToString(text, &s)) << text;
  }
}

TEST(Base64Test, PaddingCasesDecodeToTheRightLength) {
  std::string dec;
  ASSERT_EQ(DecodeExact("AAAA", &dec), DecodeError::kNone);
  EXPECT_EQ(dec, std::string(3, '\0'));
  ASSERT_EQ(DecodeExact("AAA=", &dec), DecodeError::kNone);
  EXPECT_EQ(dec, std::string(2, '\0'));
  ASSERT_EQ(DecodeExact("AA==", &dec), DecodeError::kNone);
  EXPECT_EQ(dec, std::string(1, '\0'));
  ASSERT_EQ(DecodeExact("////", &dec), DecodeError::kNone);
  EXPECT_EQ(dec, std::string(3, '\xff'));
  ASSERT_EQ(DecodeExact("+/+/Zg==", &dec), DecodeError::kNone);
  EXPECT_EQ(dec, std::string("\xfb\xff\xbf"
                             "f"));
}

TEST(Base64Test, DecodeToStringOnFailureClearsOutput) {
  std::string s = "previous";
  EXPECT_FALSE(DecodeToString("Zm9v!mFy", &s));
  EXPECT_TRUE(s.empty());
}

TEST(Base64Test, RandomGarbageNeverCrashesAndValidOutputReencodes) {
  std::mt19937_64 rng(99);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  for (int iter = 0; iter < 20000; ++iter) {
    size_t n = rng() % 24;
    std::string text(n, 'A');
    for (auto& c : text) c = (rng() % 8 == 0) ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % alphabet.size()];
    std::string dec;
    DecodeError e = DecodeExact(text, &dec);
    if (e == DecodeError::kNone) {
      EXPECT_EQ(dec.size(), MaxDecodedSize(n) - (n ? (text.back() == '=') + (text[n - 2] == '=') : 0)) << text;
      // Re-encoding gives back the text up to non-canonical trailing bits.
      std::string re = EncodeString(dec);
      ASSERT_EQ(re.size(), text.size());
      std::string back;
      ASSERT_TRUE(DecodeToString(re, &back));
      EXPECT_EQ(back, dec);
    }
  }
}

}  // namespace
}  // namespace sluice::base64
