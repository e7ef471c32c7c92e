#include "protocol/sigv4.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/ascii.h"

namespace sluice::protocol::sigv4 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendPercentDecoded(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out->push_back(s[i] == '+' ? ' ' : s[i]);
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Finds the values of all headers named `name` (lowercase) and appends the canonical form.
bool AppendHeaderValues(std::string* out, std::string_view name, std::span<const Header> headers) {
  bool found = false;
  for (const Header& h : headers) {
    if (!EqualsIgnoreCase(h.name, name)) continue;
    if (found) out->push_back(',');
    AppendCanonicalHeaderValue(out, h.value);
    found = true;
  }
  return found;
}

}  // namespace

crypto::Digest DeriveSigningKey(std::string_view secret, std::string_view date8, std::string_view region,
                                std::string_view service) {
  // "AWS4" + secret without a heap allocation for typical secret lengths.
  uint8_t key_buf[4 + 128];
  std::string fallback;
  std::span<const uint8_t> k;
  if (secret.size() <= 128) {
    static constexpr uint8_t kKeyPrefix[4] = {'A', 'W', 'S', '4'};
    std::memcpy(key_buf, kKeyPrefix, sizeof kKeyPrefix);
    std::memcpy(key_buf + 4, secret.data(), secret.size());
    k = std::span<const uint8_t>(key_buf, 4 + secret.size());
  } else {
    fallback = "AWS4";
    fallback.append(secret);
    k = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(fallback.data()), fallback.size());
  }
  crypto::Digest k_date = crypto::HmacSha256(k, date8);
  crypto::Cleanse(key_buf, sizeof(key_buf));
  crypto::Digest k_region = crypto::HmacSha256(k_date, region);
  crypto::Digest k_service = crypto::HmacSha256(k_region, service);
  return crypto::HmacSha256(k_service, kTerminator);
}

const crypto::Digest& SigningKeyCache::Get(std::string_view secret, std::string_view date8, std::string_view region,
                                           std::string_view service) {
  scope_scratch_.clear();
  scope_scratch_.append(date8).push_back('/');
  scope_scratch_.append(region).push_back('/');
  scope_scratch_.append(service);
  ++tick_;
  Entry* victim = &entries_[0];
  for (Entry& e : entries_) {
    if (e.last_use != 0 && e.scope == scope_scratch_ && e.secret == secret) {
      e.last_use = tick_;
      return e.key;
    }
    if (e.last_use < victim->last_use) victim = &e;
  }
  victim->secret.assign(secret);
  victim->scope.assign(scope_scratch_);
  victim->key = DeriveSigningKey(secret, date8, region, service);
  victim->last_use = tick_;
  return victim->key;
}

void AppendUriEncoded(std::string* out, std::string_view s, bool encode_slash) {
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back("0123456789ABCDEF"[c >> 4]);
      out->push_back("0123456789ABCDEF"[c & 0xf]);
    }
  }
}

void AppendCanonicalUri(std::string* out, std::string_view path) {
  if (path.empty()) {
    out->push_back('/');
    return;
  }
  AppendUriEncoded(out, path, /*encode_slash=*/false);
}

void AppendCanonicalQuery(std::string* out, std::string_view raw_query) {
  if (raw_query.empty()) return;
  struct Param {
    std::string name, value;
  };
  // Rare path (SDKs send no query to Kinesis): allocation is acceptable here.
  std::vector<Param> params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view item = raw_query.substr(start, amp - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      Param p;
      AppendPercentDecoded(&p.name, item.substr(0, eq));
      if (eq != std::string_view::npos) AppendPercentDecoded(&p.value, item.substr(eq + 1));
      params.push_back(std::move(p));
    }
    start = amp + 1;
  }
  for (Param& p : params) {
    std::string n, v;
    AppendUriEncoded(&n, p.name, true);
    AppendUriEncoded(&v, p.value, true);
    p.name = std::move(n);
    p.value = std::move(v);
  }
  std::sort(params.begin(), params.end(),
            [](const Param& a, const Param& b) { return a.name != b.name ? a.name < b.name : a.value < b.value; });
  bool first = true;
  for (const Param& p : params) {
    if (!first) out->push_back('&');
    first = false;
    out->append(p.name).push_back('=');
    out->append(p.value);
  }
}

void AppendCanonicalHeaderValue(std::string* out, std::string_view value) {
  value = Trim(value);
  bool in_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out->push_back(' ');
    in_space = false;
    out->push_back(c);
  }
}

bool AppendCanonicalRequest(std::string* out, std::string_view method, std::string_view path,
                            std::string_view raw_query, std::span<const Header> headers,
                            std::string_view signed_headers, std::string_view payload_hash) {
  out->append(method).push_back('\n');
  AppendCanonicalUri(out, path);
  out->push_back('\n');
  AppendCanonicalQuery(out, raw_query);
  out->push_back('\n');
  std::string_view rest = signed_headers;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view name = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    if (name.empty()) continue;
    out->append(name).push_back(':');
    if (!AppendHeaderValues(out, name, headers)) return false;
    out->push_back('\n');
  }
  out->push_back('\n');
  out->append(signed_headers).push_back('\n');
  out->append(payload_hash);
  return true;
}

void AppendStringToSign(std::string* out, std::string_view amz_date, std::string_view scope,
                        std::string_view canonical_request) {
  out->append(kAlgorithm).push_back('\n');
  out->append(amz_date).push_back('\n');
  out->append(scope).push_back('\n');
  crypto::HexDigest h = crypto::Sha256Hex(canonical_request);
  out->append(h.data(), h.size());
}

crypto::HexDigest ComputeSignature(const crypto::Digest& signing_key, std::string_view string_to_sign) {
  return crypto::ToHex(crypto::HmacSha256(signing_key, string_to_sign));
}

AuthParseResult ParseAuthorization(std::string_view header) {
  AuthParseResult r;
  header = Trim(header);
  size_t sp = header.find_first_of(" \t,");
  r.parts.algorithm = header.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : header.substr(sp);
  bool have_credential = false, have_signature = false, have_signed = false;
  // Parameters are separated by ',' and/or whitespace; each is Key=Value.
  while (!rest.empty()) {
    size_t b = rest.find_first_not_of(" \t,");
    if (b == std::string_view::npos) break;
    rest.remove_prefix(b);
    size_t e = rest.find_first_of(" \t,");
    std::string_view token = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view() : rest.substr(e);
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = token.substr(0, eq);
    std::string_view value = token.substr(eq + 1);
    if (value.empty()) continue;  // "Signature=" counts as missing, as the real service does
    if (key == "Credential") {
      r.parts.credential = value;
      have_credential = true;
    } else if (key == "Signature") {
      r.parts.signature = value;
      have_signature = true;
    } else if (key == "SignedHeaders") {
      r.parts.signed_headers = value;
      have_signed = true;
    }
  }
  r.missing_credential = !have_credential;
  r.missing_signature = !have_signature;
  r.missing_signed_headers = !have_signed;
  if (!have_credential || !have_signature || !have_signed) {
    r.error = AuthParseError::kMissingParts;
    return r;
  }
  if (r.parts.algorithm != kAlgorithm) {
    r.error = AuthParseError::kBadAlgorithm;
    r.message = "Unsupported AWS 'algorithm': '";
    r.message.append(r.parts.algorithm).append("'");
    return r;
  }
  // Credential: AKID/date8/region/service/aws4_request
  std::string_view parts[5];
  std::string_view cred = r.parts.credential;
  size_t count = 0;
  while (count < 5) {
    size_t slash = cred.find('/');
    parts[count++] = cred.substr(0, slash);
    if (slash == std::string_view::npos) {
      cred = {};
      break;
    }
    cred.remove_prefix(slash + 1);
    if (count == 4) {
      parts[count++] = cred;
      cred = {};
      break;
    }
  }
  bool ok = count == 5 && parts[4].find('/') == std::string_view::npos;
  for (size_t i = 0; ok && i < 5; ++i) ok = !parts[i].empty();
  if (!ok) {
    r.error = AuthParseError::kMalformedCredential;
    r.message = "Credential should be of the form 'AKID/yyyymmdd/region/service/aws4_request', not '";
    r.message.append(r.parts.credential).append("'. ");
    return r;
  }
  r.parts.access_key_id = parts[0];
  r.parts.date8 = parts[1];
  r.parts.region = parts[2];
  r.parts.service = parts[3];
  r.parts.terminator = parts[4];
  if (r.parts.date8.size() != 8 ||
      !std::all_of(r.parts.date8.begin(), r.parts.date8.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    r.error = AuthParseError::kMalformedCredential;
    r.message = "Credential date should be yyyymmdd, not '";
    r.message.append(r.parts.date8).append("'. ");
    return r;
  }
  if (r.parts.terminator != kTerminator) {
    r.error = AuthParseError::kMalformedCredential;
    r.message = "Credential should be scoped with a valid terminator: 'aws4_request', not '";
    r.message.append(r.parts.terminator).append("'. ");
    return r;
  }
  // SignedHeaders: lowercase names separated by ';', no empty names.
  std::string_view sh = r.parts.signed_headers;
  bool sh_ok = sh.front() != ';' && sh.back() != ';' && sh.find(";;") == std::string_view::npos;
  for (char c : sh) {
    if (c >= 'A' && c <= 'Z') sh_ok = false;
    // ':' is allowed: over HTTP/2 the JS SDK v3 signs the ":authority" pseudo-header.
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) sh_ok = false;
  }
  if (!sh_ok) {
    r.error = AuthParseError::kMalformedSignedHeaders;
    r.message = "SignedHeaders should be a ';'-separated list of lowercase header names, not '";
    r.message.append(sh).append("'. ");
    return r;
  }
  return r;
}

}  // namespace sluice::protocol::sigv4
