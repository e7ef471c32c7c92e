#include "server/main/credentials_file.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "base/ascii.h"

namespace sluice::server {
namespace {

constexpr std::string_view kSpace = " \t\r\f\v";

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

struct Profile {
  std::string name;
  int line = 0;  // of its (first) header
  std::string access_key_id;
  std::string secret_access_key;
};

Status LineError(int line, const std::string& what) {
  return Status(Errc::kInvalidArgument, "line " + std::to_string(line) + ": " + what);
}

}  // namespace

Result<std::map<std::string, std::string>> ParseCredentialsFile(std::string_view text) {
  // Parsed the way botocore reads the file (Python's configparser): '#' and ';' start comment
  // lines (not inline comments: a value runs to the end of its line), "key = value" or
  // "key: value" with keys in any case, indented lines continue the previous value.
  std::vector<Profile> profiles;
  Profile* current = nullptr;
  bool in_value = false;  // an indented line now continues a value (e.g. a nested "s3 =" block)
  int n = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++n;
    std::string_view line = Trim(raw);
    if (line.empty()) {
      in_value = false;
      continue;
    }
    if (line[0] == '#' || line[0] == ';') continue;
    if (in_value && kSpace.find(raw[0]) != std::string_view::npos) continue;
    in_value = false;
    if (line[0] == '[') {
      if (line.back() != ']') return LineError(n, "a profile header must end with ']'");
      std::string_view name = Trim(line.substr(1, line.size() - 2));
      if (name.starts_with("profile ") || name.starts_with("profile\t")) name = Trim(name.substr(8));
      if (name.empty()) return LineError(n, "empty profile name");
      current = nullptr;
      for (Profile& p : profiles)
        if (p.name == name) current = &p;
      if (current == nullptr) {
        profiles.push_back(Profile{std::string(name), n, {}, {}});
        current = &profiles.back();
      }
      continue;
    }
    size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos)
      return LineError(n, "expected [profile] or key = value, found '" + std::string(line) + "'");
    if (current == nullptr) return LineError(n, "a setting before the first [profile] header");
    std::string key(Trim(line.substr(0, sep)));
    for (char& c : key) c = AsciiToLower(c);
    std::string_view value = Trim(line.substr(sep + 1));
    in_value = true;
    if (key == "aws_access_key_id") current->access_key_id = value;
    if (key == "aws_secret_access_key") current->secret_access_key = value;
  }
  std::map<std::string, std::string> out;
  std::map<std::string, std::string> owner;  // access key id -> profile, for the error below
  for (const Profile& p : profiles) {
    if (p.access_key_id.empty() && p.secret_access_key.empty()) continue;  // e.g. a role profile
    if (p.access_key_id.empty() || p.secret_access_key.empty())
      return LineError(p.line, "profile [" + p.name + "] has " +
                                   (p.access_key_id.empty() ? "aws_secret_access_key but no aws_access_key_id"
                                                            : "aws_access_key_id but no aws_secret_access_key"));
    auto [it, inserted] = out.emplace(p.access_key_id, p.secret_access_key);
    if (!inserted && it->second != p.secret_access_key)
      return LineError(p.line, "access key " + p.access_key_id + " of profile [" + p.name +
                                   "] already has a different secret in profile [" + owner[p.access_key_id] + "]");
    owner.emplace(p.access_key_id, p.name);
  }
  return out;
}

Result<std::map<std::string, std::string>> ReadCredentialsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::kIoError, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseCredentialsFile(text.str());
  if (!parsed.ok()) return Status(parsed.status().code(), path + ": " + parsed.status().message());
  return parsed;
}

}  // namespace sluice::server
