// libFuzzer target for the CBOR codec edge (protocol/cbor.h):
//   1. CborToJson on arbitrary bytes never crashes, reads only the input, and on success yields
//      valid JSON (simdjson DOM parses it) no larger than 6 bytes per input byte (+2); on failure
//      it reports kSerialization with an empty output.
//   2. When it succeeded, JsonToCbor on that JSON either fails cleanly (kInternal: e.g. a text
//      "Data" member that is not base64) or yields CBOR that decodes again, and re-encoding that
//      JSON reproduces the same CBOR byte for byte (the transcoding is stable after one pass).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/cbor.h"

using namespace sluice;

namespace {

void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

void CheckJson(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element e;
  auto err = parser.parse(json).get(e);
  Check(err == simdjson::SUCCESS, "CborToJson produced invalid JSON", json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  // An exact-size copy so ASan flags any read past the end (the transport's padding is not
  // something the CBOR decoder may rely on).
  std::unique_ptr<char[]> copy(new char[size ? size : 1]);
  if (size) std::memcpy(copy.get(), data, size);
  std::string_view input(copy.get(), size);

  std::string json = "stale";
  Status st = protocol::CborToJson(input, &json);
  if (!st.ok()) {
    Check(st.code() == Errc::kSerialization, "CborToJson error is not kSerialization", st.ToString());
    Check(json.empty(), "CborToJson left output on error");
    return 0;
  }
  Check(json.size() <= 6 * size + 2, "JSON output larger than the bound", json);
  CheckJson(parser, json);

  std::string cbor;
  st = protocol::JsonToCbor(json, &cbor);
  if (!st.ok()) {
    Check(st.code() == Errc::kInternal, "JsonToCbor error is not kInternal", st.ToString());
    Check(cbor.empty(), "JsonToCbor left output on error");
    return 0;
  }
  std::string json2;
  st = protocol::CborToJson(cbor, &json2);
  Check(st.ok(), "CborToJson rejected JsonToCbor's output", st.ToString() + "\n" + json);
  CheckJson(parser, json2);
  std::string cbor2;
  st = protocol::JsonToCbor(json2, &cbor2);
  Check(st.ok(), "JsonToCbor rejected its own round trip", st.ToString() + "\n" + json2);
  Check(cbor2 == cbor, "JSON -> CBOR -> JSON -> CBOR is not stable", json + "\n" + json2);
  return 0;
}
