#include "server/main/credentials_file.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace sluice::server {
namespace {

using Keys = std::map<std::string, std::string>;

Keys ParseOk(std::string_view text) {
  auto keys = ParseCredentialsFile(text);
  EXPECT_TRUE(keys.ok()) << keys.status().ToString();
  return keys.ok() ? *keys : Keys{};
}

std::string ParseErr(std::string_view text) {
  auto keys = ParseCredentialsFile(text);
  EXPECT_FALSE(keys.ok());
  return keys.status().message();
}

TEST(CredentialsFileTest, EveryProfileWithBothKeys) {
  EXPECT_EQ(ParseOk("[default]\n"
                    "aws_access_key_id = AKIDEXAMPLE\n"
                    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                    "\n"
                    "[producer]\n"
                    "aws_access_key_id=123456789012\n"
                    "aws_secret_access_key=s3cr=t+/x\n"
                    "aws_session_token = ignored\n"
                    "region = eu-west-1\n"),
            (Keys{{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, {"123456789012", "s3cr=t+/x"}}));
}

TEST(CredentialsFileTest, SyntaxBotocoreAccepts) {
  EXPECT_EQ(ParseOk("# comment\r\n"
                    "; another\r\n"
                    "  [ profile spaced ]  \r\n"
                    "AWS_ACCESS_KEY_ID: AK1\r\n"
                    "aws_secret_access_key :  secret one  \r\n"
                    "s3 =\r\n"
                    "    max_concurrent_requests = 10\r\n"
                    "    aws_access_key_id = nested-is-not-a-key\r\n"
                    "\taws_secret_access_key = continues the value above\r\n"
                    "[role]\n"
                    "role_arn = arn:aws:iam::123456789012:role/x\n"
                    "source_profile = spaced\n"
                    "[spaced]\n"
                    "region = us-east-1"),  // no final newline; a header seen twice adds to the profile
            (Keys{{"AK1", "secret one"}}));
  EXPECT_EQ(ParseOk(""), Keys{});
  EXPECT_EQ(ParseOk("# only comments\n\n"), Keys{});
  // A value runs to the end of its line: '#' inside it is not a comment.
  EXPECT_EQ(ParseOk("[a]\naws_access_key_id = AK\naws_secret_access_key = ab#cd ;x\n"), (Keys{{"AK", "ab#cd ;x"}}));
}

TEST(CredentialsFileTest, ErrorsNameTheLine) {
  EXPECT_EQ(ParseErr("aws_access_key_id = AK\n"), "line 1: a setting before the first [profile] header");
  EXPECT_EQ(ParseErr("[a]\njust words\n"), "line 2: expected [profile] or key = value, found 'just words'");
  EXPECT_EQ(ParseErr("\n[a\n"), "line 2: a profile header must end with ']'");
  EXPECT_EQ(ParseErr("[ ]\n"), "line 1: empty profile name");
  EXPECT_EQ(ParseErr("[a]\naws_access_key_id = AK\n"),
            "line 1: profile [a] has aws_access_key_id but no aws_secret_access_key");
  EXPECT_EQ(ParseErr("[x]\n[b]\naws_secret_access_key = S\n"),
            "line 2: profile [b] has aws_secret_access_key but no aws_access_key_id");
  EXPECT_EQ(ParseErr("[a]\naws_access_key_id = AK\naws_secret_access_key = 1\n"
                     "[b]\naws_access_key_id = AK\naws_secret_access_key = 2\n"),
            "line 4: access key AK of profile [b] already has a different secret in profile [a]");
  // The same pair twice is fine.
  EXPECT_EQ(ParseOk("[a]\naws_access_key_id = AK\naws_secret_access_key = 1\n"
                    "[b]\naws_access_key_id = AK\naws_secret_access_key = 1\n"),
            (Keys{{"AK", "1"}}));
}

TEST(CredentialsFileTest, ReadNamesThePath) {
  auto missing = ReadCredentialsFile("/nonexistent/credentials");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "cannot read /nonexistent/credentials");
}

}  // namespace
}  // namespace sluice::server
