#pragma once
// Access keys for signature verification from a file in the AWS shared-credentials format
// (~/.aws/credentials), so secrets need not appear on the command line, where every local user
// can read them in the process list:
//
//   [default]
//   aws_access_key_id = AKIDEXAMPLE
//   aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//   [producer]
//   ...
//
// Every profile that has both keys contributes one pair; other settings (aws_session_token,
// region, role_arn, nested sections) are ignored. "[profile NAME]" headers (the config-file
// spelling) are accepted too.
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::server {

// access key id -> secret access key. Errors (kInvalidArgument) name the line: a setting outside
// any [profile], a line that is neither a header, a setting nor a comment, a profile with only
// one of the two keys, one access key id with two different secrets.
Result<std::map<std::string, std::string>> ParseCredentialsFile(std::string_view text);

// Reads and parses `path`; errors start with the path.
Result<std::map<std::string, std::string>> ReadCredentialsFile(const std::string& path);

}  // namespace sluice::server
