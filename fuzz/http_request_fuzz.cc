// libFuzzer target for the HTTP front end's parsing of untrusted bytes: the SigV4 Authorization
// header parser, date parsers, canonical-query builder, protocol sniffing, and the whole
// request check (content type, target, SigV4 structural and verify modes) on a request whose
// headers come from the input.
//
// Input layout: header lines "name: value\n" up to an empty line; the rest is the body. The
// first line may instead be "?query" to set the query string.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/time_format.h"
#include "protocol/sigv4.h"
#include "server/api/dispatcher.h"
#include "server/http/incoming_request.h"
#include "server/http/protocol_sniffer.h"
#include "server/http/request_processor.h"

using namespace sluice;
using namespace sluice::server::http;

namespace {

const RequestProcessor& Processor(bool verify) {
  static ManualClock clock(1440938160000);
  static HttpServerOptions structural_opts;
  static HttpServerOptions verify_opts = [] {
    HttpServerOptions o;
    o.auth_mode = AuthMode::kVerify;
    o.credentials = {{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}};
    return o;
  }();
  static RequestProcessor structural(structural_opts, &clock);
  static RequestProcessor verifying(verify_opts, &clock);
  return verify ? verifying : structural;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  // Stand-alone parsers on the raw input.
  auto parsed = protocol::sigv4::ParseAuthorization(in);
  (void)parsed;
  (void)ParseIso8601Basic(in);
  (void)ParseHttpDate(in);
  (void)Sniff(in);
  std::string scratch;
  protocol::sigv4::AppendCanonicalQuery(&scratch, in.substr(0, 4096));
  scratch.clear();
  protocol::sigv4::AppendCanonicalUri(&scratch, in.substr(0, 4096));

  // A whole request.
  std::vector<protocol::sigv4::Header> headers;
  std::string_view query;
  std::string_view rest = in;
  bool first = true;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty()) break;
    if (first && line[0] == '?') {
      query = line.substr(1);
    } else {
      size_t colon = line.find(':', 1);
      if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        headers.push_back({line.substr(0, colon), value});
      }
    }
    first = false;
  }
  // The transport guarantees padding after the body.
  std::string body(rest);
  body.append(server::api::kBodyPadding, '\0');

  IncomingRequest req;
  req.method = "POST";
  req.path = "/";
  req.query = query;
  req.host = "127.0.0.1:4567";
  req.headers = headers;
  req.body = std::string_view(body.data(), rest.size());
  Exchange ex;
  (void)Processor(false).Prepare(req, &ex);
  (void)Processor(true).Prepare(req, &ex);
  return 0;
}
