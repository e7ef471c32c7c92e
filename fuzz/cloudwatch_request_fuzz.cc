// libFuzzer target for the CloudWatch request decoders (cloudwatch/wire.h): the first input byte
// picks the wire (JSON 1.0, RPC v2 CBOR, query form) and the operation whose input shape the
// rest is decoded against. Invariants:
//   1. DecodeRequest never crashes and reads only the input, whatever the bytes.
//   2. A value it accepts encodes (JSON and CBOR) without crashing, and the JSON encoding of a
//      request decoded from JSON decodes again (the encoders write what the decoders read).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloudwatch/shapes.h"
#include "cloudwatch/wire.h"

using namespace sluice;
using namespace sluice::cloudwatch;

namespace {

void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

constexpr api::Wire kWires[] = {api::Wire::kAwsJson, api::Wire::kRpcV2Cbor, api::Wire::kAwsQuery};

void RoundTrip(api::Wire wire, const Value& v, const ShapeDef& shape) {
  std::string cbor;
  EncodeCbor(v, &cbor);
  std::string json;
  EncodeJson(v, &json);
  if (wire != api::Wire::kAwsJson) return;
  Value again;
  Check(DecodeRequest(api::Wire::kAwsJson, json, shape, &again).ok(),
        "an accepted JSON request does not decode again after re-encoding", json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto ops = Operations();
  const api::Wire wire = kWires[data[0] % 3];
  const OperationDef& op = ops[(data[0] / 3) % ops.size()];
  if (op.input < 0) return 0;
  const ShapeDef& shape = ShapeAt(op.input);
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  Value v;
  ApiError err = DecodeRequest(wire, body, shape, &v);
  if (err.ok()) RoundTrip(wire, v, shape);
  return 0;
}
