#include "protocol/sigv4_signer.h"

#include <algorithm>
#include <array>

#include "base/ascii.h"
#include "base/crypto.h"

namespace sluice::protocol::sigv4 {

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
    for (char c : h.name) names_.push_back(AsciiToLower(c));
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

  crypto::HexDigest body_hash;
  std::string_view payload_hash = in.payload_hash;
  if (payload_hash.empty()) {
    body_hash = crypto::Sha256Hex(in.body);
    payload_hash = crypto::View(body_hash);
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
  const crypto::Digest& key = keys_.Get(in.secret_access_key, date8, in.region, in.service);
  crypto::HexDigest sig = ComputeSignature(key, string_to_sign_);

  authorization_.append(", SignedHeaders=").append(signed_headers_);
  authorization_.append(", Signature=").append(sig.data(), sig.size());
  return authorization_;
}

std::string SignRequest(const SignInput& in) {
  Signer s;
  return std::string(s.Sign(in));
}

}  // namespace sluice::protocol::sigv4
