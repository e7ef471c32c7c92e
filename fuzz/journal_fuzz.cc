// libFuzzer target for the shared journal's and the manifest's on-disk formats, which recovery
// reads back after crashes from disks that may hold anything:
//   1. ReadJournal over the input as journal file 1 must not crash, must end inside the file, and
//      every entry it delivers must pass CheckEntry again at its position;
//   2. DecodeRecord on the input must not crash, and what it accepts must re-encode to the bytes
//      it consumed; ReadManifest over the input as a manifest file must not crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/fault_injecting_file_system.h"
#include "storage/journal_format.h"
#include "storage/journal_reader.h"
#include "storage/manifest.h"

using namespace sluice;
using namespace sluice::storage;

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
  Check(fs.CreateDirs("/j").ok(), "mkdir");
  Check(fs.WriteFileForTest("/j/" + journal::FileName(1), in).ok(), "write journal input");
  auto end = journal::ReadJournal(
      fs, "/j", journal::Position{1, journal::kFileHeaderBytes}, [&](const journal::Entry& e) -> Status {
        Check(e.at.file_number == 1, "entries of the one file");
        Check(e.at.position + journal::kEntryHeaderBytes + e.frame_bytes.size() <= size, "entry inside the file");
        journal::EntryHeader h;
        segment::FrameCheck fc;
        Check(journal::CheckEntry(in.data() + e.at.position, size - e.at.position, 1, &h, &fc) ==
                  journal::EntryCheck::kOk,
              "entry re-checks");
        return Status::Ok();
      });
  Check(end.ok(), "a journal in memory never fails to read");
  Check(end->end.file_number != 1 || end->end.position <= std::max<uint64_t>(size, journal::kFileHeaderBytes),
        "end inside the file");

  if (auto rec = manifest::DecodeRecord(in)) {
    Check(rec->second <= size, "record inside the input");
    Check(manifest::EncodeRecord(rec->first) == in.substr(0, rec->second), "manifest record round trip");
  }
  Check(fs.WriteFileForTest("/j/" + manifest::FileName(1), in).ok(), "write manifest input");
  Check(manifest::ReadManifest(fs, "/j").ok(), "a manifest in memory never fails to read");
  return 0;
}
