#include <gtest/gtest.h>

#include "server/http/body_buffer.h"
#include "server/http/protocol_sniffer.h"
#include "server/http/response_headers.h"

namespace sluice::server::http {
namespace {

TEST(SniffTest, PrefaceAndHttp1) {
  EXPECT_EQ(Sniff(""), SniffResult::kNeedMore);
  EXPECT_EQ(Sniff("PRI * HTTP/2.0\r\n"), SniffResult::kNeedMore);
  EXPECT_EQ(Sniff(kH2Preface), SniffResult::kHttp2);
  EXPECT_EQ(Sniff(std::string(kH2Preface) + "\x00\x00\x12\x04"), SniffResult::kHttp2);
  EXPECT_EQ(Sniff("POST / HTTP/1.1\r\n"), SniffResult::kHttp1);
  EXPECT_EQ(Sniff("P"), SniffResult::kNeedMore);
  EXPECT_EQ(Sniff("PU"), SniffResult::kHttp1);
}

TEST(ResponseHeadTest, Http1Head) {
  ResponseHead h;
  h.Reset(1440938160000);
  h.status = 400;
  h.error_type = "ResourceNotFoundException";
  std::string out;
  AppendHttp1Head(&out, h, 42, /*keep_alive=*/false);
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: ", 0), 0u);
  EXPECT_NE(out.find("\r\nDate: Sun, 30 Aug 2015 12:36:00 GMT\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Type: application/x-amz-json-1.1\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nx-amzn-ErrorType: ResourceNotFoundException\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Length: 42\r\nConnection: close\r\n\r\n"), std::string::npos);
  ResponseHead other;
  other.Reset(0);
  EXPECT_NE(h.RequestId(), other.RequestId());
}

TEST(BodyBufferTest, KeepsPaddingAndContents) {
  BodyBuffer b;
  b.SetSize(10);
  std::memcpy(b.data(), "0123456789", 10);
  b.Seal();
  EXPECT_GE(b.capacity(), 10 + api::kBodyPadding);
  b.Append("abc", 3);
  b.Seal();
  EXPECT_EQ(b.view(), "0123456789abc");
  for (size_t i = 0; i < api::kBodyPadding; ++i) EXPECT_EQ(b.view().data()[13 + i], 0);
  size_t cap = b.capacity();
  b.Clear();
  b.SetSize(5);
  EXPECT_EQ(b.capacity(), cap);  // reused
}

}  // namespace
}  // namespace sluice::server::http
