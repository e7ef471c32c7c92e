#include "protocol/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace sluice::protocol::sigv4 {
namespace {

constexpr char kHex[] = "0123456789abcdef";

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

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

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> ToMillis(int y, int mo, int d, int h, int mi, int s) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60 * 1000 + int64_t{s} * 1000;
}

void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

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

Digest Sha256(std::string_view data) {
  Digest d;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

Digest HmacSha256(std::span<const uint8_t> key, std::string_view data) {
  Digest d;
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), d.data(), &len);
  return d;
}

HexDigest ToHex(const Digest& d) {
  HexDigest h;
  for (size_t i = 0; i < d.size(); ++i) {
    h[2 * i] = kHex[d[i] >> 4];
    h[2 * i + 1] = kHex[d[i] & 0xf];
  }
  return h;
}

HexDigest Sha256Hex(std::string_view data) { return ToHex(Sha256(data)); }

Digest DeriveSigningKey(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service) {
  // "AWS4" + secret without a heap allocation for typical secret lengths.
  uint8_t key_buf[4 + 128];
  std::string fallback;
  std::span<const uint8_t> k;
  if (secret.size() <= 128) {
    std::memcpy(key_buf, "AWS4", 4);
    std::memcpy(key_buf + 4, secret.data(), secret.size());
    k = std::span<const uint8_t>(key_buf, 4 + secret.size());
  } else {
    fallback = "AWS4";
    fallback.append(secret);
    k = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(fallback.data()), fallback.size());
  }
  Digest k_date = HmacSha256(k, date8);
  OPENSSL_cleanse(key_buf, sizeof(key_buf));
  Digest k_region = HmacSha256(k_date, region);
  Digest k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, kTerminator);
}

const Digest& SigningKeyCache::Get(std::string_view secret, std::string_view date8, std::string_view region,
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
  HexDigest h = Sha256Hex(canonical_request);
  out->append(h.data(), h.size());
}

HexDigest ComputeSignature(const Digest& signing_key, std::string_view string_to_sign) {
  return ToHex(HmacSha256(signing_key, string_to_sign));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, sec;
  if (!ParseDigits(s, 0, 4, &y) || !ParseDigits(s, 4, 2, &mo) || !ParseDigits(s, 6, 2, &d) ||
      !ParseDigits(s, 9, 2, &h) || !ParseDigits(s, 11, 2, &mi) || !ParseDigits(s, 13, 2, &sec)) {
    return std::nullopt;
  }
  return ToMillis(y, mo, d, h, mi, sec);
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  s = Trim(s);
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int d, y, h, mi, sec, mo = 0;
  std::string_view mon = s.substr(8, 3);
  for (int i = 0; i < 12; ++i) {
    if (mon == kMonths[i]) mo = i + 1;
  }
  if (mo == 0 || !ParseDigits(s, 5, 2, &d) || !ParseDigits(s, 12, 4, &y) || !ParseDigits(s, 17, 2, &h) ||
      !ParseDigits(s, 20, 2, &mi) || !ParseDigits(s, 23, 2, &sec)) {
    return std::nullopt;
  }
  return ToMillis(y, mo, d, h, mi, sec);
}

namespace {
struct Civil {
  int64_t y;
  unsigned mo, d, h, mi, s;
  int64_t days;
};
Civil ToCivil(int64_t unix_millis) {
  int64_t secs = unix_millis >= 0 ? unix_millis / 1000 : (unix_millis - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  Civil c{};
  CivilFromDays(days, &c.y, &c.mo, &c.d);
  c.h = static_cast<unsigned>(rem / 3600);
  c.mi = static_cast<unsigned>(rem / 60 % 60);
  c.s = static_cast<unsigned>(rem % 60);
  c.days = days;
  return c;
}
}  // namespace

void FormatAmzDate(int64_t unix_millis, char out[16]) {
  Civil c = ToCivil(unix_millis);
  unsigned y = static_cast<unsigned>(c.y);
  Put2(out, y / 100);
  Put2(out + 2, y % 100);
  Put2(out + 4, c.mo);
  Put2(out + 6, c.d);
  out[8] = 'T';
  Put2(out + 9, c.h);
  Put2(out + 11, c.mi);
  Put2(out + 13, c.s);
  out[15] = 'Z';
}

std::string FormatAmzDate(int64_t unix_millis) {
  char buf[16];
  FormatAmzDate(unix_millis, buf);
  return std::string(buf, 16);
}

void FormatHttpDate(int64_t unix_millis, char out[29]) {
  Civil c = ToCivil(unix_millis);
  int64_t wd = c.days % 7;
  if (wd < 0) wd += 7;
  std::memcpy(out, kDays[wd], 3);
  out[3] = ',';
  out[4] = ' ';
  Put2(out + 5, c.d);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[c.mo - 1], 3);
  out[11] = ' ';
  unsigned y = static_cast<unsigned>(c.y);
  Put2(out + 12, y / 100);
  Put2(out + 14, y % 100);
  out[16] = ' ';
  Put2(out + 17, c.h);
  out[19] = ':';
  Put2(out + 20, c.mi);
  out[22] = ':';
  Put2(out + 23, c.s);
  std::memcpy(out + 25, " GMT", 4);
}

std::string_view Signer::Sign(const SignInput& in) {
  // Collect the header names to sign, lowercased, plus host and x-amz-date; sort them.
  constexpr size_t kMaxSigned = 32;
  struct Item {
    std::string_view name;  // lowercased, points into names_
    std::string_view value;
  };
  std::array<Item, kMaxSigned + 2> items;
  std::array<Header, kMaxSigned + 2> canon_headers;
  size_t n = 0;
  names_.clear();
  size_t total = 0;
  for (const Header& h : in.headers) total += h.name.size();
  names_.reserve(total);  // so views into names_ stay valid while appending
  for (const Header& h : in.headers) {
    if (n == kMaxSigned) break;
    size_t off = names_.size();
    for (char c : h.name) names_.push_back(LowerAscii(c));
    std::string_view lowered(names_.data() + off, h.name.size());
    items[n++] = {lowered, h.value};
  }
  items[n++] = {"host", in.host};
  items[n++] = {"x-amz-date", in.amz_date};
  std::stable_sort(items.begin(), items.begin() + n, [](const Item& a, const Item& b) { return a.name < b.name; });
  signed_headers_.clear();
  for (size_t i = 0; i < n; ++i) {
    canon_headers[i] = {items[i].name, items[i].value};
    if (i > 0 && items[i].name == items[i - 1].name) continue;
    if (!signed_headers_.empty()) signed_headers_.push_back(';');
    signed_headers_.append(items[i].name);
  }

  HexDigest body_hash;
  std::string_view payload_hash = in.payload_hash;
  if (payload_hash.empty()) {
    body_hash = Sha256Hex(in.body);
    payload_hash = View(body_hash);
  }
  canonical_.clear();
  AppendCanonicalRequest(&canonical_, in.method, in.path, in.query, std::span<const Header>(canon_headers.data(), n),
                         signed_headers_, payload_hash);

  std::string_view date8 = in.amz_date.substr(0, std::min<size_t>(8, in.amz_date.size()));
  // The scope is written once into authorization_ and reused for the string to sign.
  authorization_.clear();
  authorization_.append(kAlgorithm).append(" Credential=").append(in.access_key_id).push_back('/');
  size_t scope_begin = authorization_.size();
  authorization_.append(date8).push_back('/');
  authorization_.append(in.region).push_back('/');
  authorization_.append(in.service).push_back('/');
  authorization_.append(kTerminator);
  size_t scope_end = authorization_.size();

  string_to_sign_.clear();
  AppendStringToSign(&string_to_sign_, in.amz_date,
                     std::string_view(authorization_).substr(scope_begin, scope_end - scope_begin), canonical_);
  const Digest& key = keys_.Get(in.secret_access_key, date8, in.region, in.service);
  HexDigest sig = ComputeSignature(key, string_to_sign_);

  authorization_.append(", SignedHeaders=").append(signed_headers_);
  authorization_.append(", Signature=").append(sig.data(), sig.size());
  return authorization_;
}

std::string SignRequest(const SignInput& in) {
  Signer s;
  return std::string(s.Sign(in));
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
