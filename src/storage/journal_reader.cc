#include "storage/journal_reader.h"

#include <memory>

#include "storage/chunked_reader.h"

namespace sluice::storage::journal {
namespace {

constexpr uint64_t kProgressEveryBytes = uint64_t{64} << 20;

// The journal file numbered `number`, or nullptr when it is missing or does not start with an
// intact header carrying that number (a file being created, or the wrong file).
Result<std::unique_ptr<File>> OpenJournalFile(const FileSystem& fs, const std::string& dir, uint64_t number) {
  const std::string path = dir + "/" + FileName(number);
  if (!fs.Exists(path)) return std::unique_ptr<File>();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> file, OpenForRead(fs, path));
  char header[64];
  SLUICE_ASSIGN_OR_RETURN(const size_t got, file->ReadAt(0, header, sizeof header));
  if (DecodeFileHeader(header, got) != number) return std::unique_ptr<File>();
  return file;
}

}  // namespace

Result<End> ReadJournal(const FileSystem& fs, const std::string& dir, Position start,
                        const std::function<Status(const Entry&)>& on_entry,
                        const std::function<void(uint64_t)>& on_progress) {
  End end;
  end.end = start;
  ReadBuffer buf;            // shared by the files read, so that its pages are touched once
  uint64_t read_before = 0;  // bytes read in earlier files
  uint64_t next_progress = kProgressEveryBytes;
  for (Position at = start;;) {
    SLUICE_ASSIGN_OR_RETURN(const std::unique_ptr<File> file, OpenJournalFile(fs, dir, at.file_number));
    if (!file) {
      end.missing_file = true;
      return end;
    }
    ++end.files;
    SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
    ChunkedReader reader(file.get(), size, kDefaultChunkBytes, &buf);
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(std::string_view bytes,
                              reader.Read(at.position, kEntryHeaderBytes + segment::kFrameHeaderBytes));
      // A frame entry's header says how long the entry is: have all of it before checking.
      if (bytes.size() >= kEntryHeaderBytes) {
        const EntryHeader h = DecodeEntryHeader(bytes.data());
        const uint64_t length = kEntryHeaderBytes + uint64_t{h.frame_length};
        if (h.kind == EntryKind::kFrame && h.frame_length <= segment::kMaxFrameBytes && bytes.size() < length) {
          SLUICE_ASSIGN_OR_RETURN(bytes, reader.Read(at.position, static_cast<size_t>(length)));
        }
      }
      if (on_progress && read_before + reader.bytes_read() >= next_progress) {
        on_progress(read_before + reader.bytes_read());
        while (next_progress <= read_before + reader.bytes_read()) next_progress += kProgressEveryBytes;
      }
      Entry entry;
      entry.at = at;
      const EntryCheck check = CheckEntry(bytes.data(), bytes.size(), at.file_number, &entry.header, &end.frame_check);
      if (check != EntryCheck::kOk) {
        end.check = check;
        return end;
      }
      if (entry.header.kind == EntryKind::kNextFile) {
        at = {at.file_number + 1, kFileHeaderBytes};
        end.end = at;
        break;
      }
      entry.frame_bytes = bytes.substr(kEntryHeaderBytes, entry.header.frame_length);
      entry.frame = segment::DecodeFrameHeader(entry.frame_bytes.data());
      SLUICE_RETURN_IF_ERROR(on_entry(entry));
      ++end.entries;
      end.bytes += kEntryHeaderBytes + entry.header.frame_length;
      at.position += kEntryHeaderBytes + entry.header.frame_length;
      end.end = at;
    }
    read_before += reader.bytes_read();
  }
}

}  // namespace sluice::storage::journal
