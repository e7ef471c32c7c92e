// libFuzzer target for the durable log's on-disk formats, which recovery and the offline tool
// read back from disks that may hold anything (torn writes, media damage):
//   1. ScanSegment over the input as a segment file must not crash, must stop inside the file,
//      and every frame it accepts must pass CheckFrame again at its reported position;
//   2. DecodeIndex on the input must not crash, and what it accepts must re-encode to the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/fault_injecting_file_system.h"
#include "storage/segment_format.h"
#include "storage/segment_scan.h"

using namespace sluice;
using namespace sluice::storage::segment;

namespace {
void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  FaultInjectingFileSystem fs;
  Check(fs.WriteFileForTest("/seg.log", in).ok(), "write input");
  auto file = fs.Open("/seg.log", {});
  Check(file.ok(), "open input");
  // The segment's name is its first frame's offset; take it from the input so seeds scan.
  uint64_t first = size >= kFrameHeaderBytes ? DecodeFrameHeader(in.data()).first_offset : 0;
  auto scan = ScanSegment(**file, first, [&](uint64_t pos, const FrameHeader& h) {
    Check(pos + h.length <= size, "frame inside the file");
    FrameHeader again;
    Check(CheckFrame(in.data() + pos, size - pos, h.first_offset, &again) == FrameCheck::kOk, "frame re-checks");
  });
  Check(scan.ok(), "scan of an in-memory file never fails");
  Check(scan->end_position <= size, "end inside the file");

  if (auto idx = DecodeIndex(in)) Check(EncodeIndex(*idx) == in, "index round trip");
  return 0;
}
