#include "server/http/tls_context.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::server::http {
namespace {

using namespace std::string_view_literals;

TEST(TlsContextTest, AlpnPrefersH2ThenHttp11) {
  EXPECT_EQ(ChooseAlpn("\x02h2\x08http/1.1"sv), "h2");
  EXPECT_EQ(ChooseAlpn("\x08http/1.1\x02h2"sv), "h2");  // our preference, not the client's order
  EXPECT_EQ(ChooseAlpn("\x08http/1.1"sv), "http/1.1");
  EXPECT_EQ(ChooseAlpn("\x06spdy/3\x08http/1.1"sv), "http/1.1");
  EXPECT_EQ(ChooseAlpn("\x06spdy/3"sv), "");
  EXPECT_EQ(ChooseAlpn(""sv), "");
  // A length running past the end: what came before it counts, nothing after.
  EXPECT_EQ(ChooseAlpn("\x08http/1.1\x09h2"sv), "http/1.1");
  EXPECT_EQ(ChooseAlpn("\x05h2"sv), "");
  EXPECT_EQ(ChooseAlpn("\x00\x02h2"sv), "h2");  // an empty name is skipped
}

TEST(TlsContextTest, UnreadableFilesAreNamed) {
  auto missing = MakeServerTlsContext("/nonexistent/cert.pem", "/nonexistent/key.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("cannot load TLS certificate /nonexistent/cert.pem"), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace sluice::server::http
