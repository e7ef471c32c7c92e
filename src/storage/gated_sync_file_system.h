#pragma once
// A FileSystem wrapper for group-commit tests (not part of sluice_storage): holds every
// File::Sync while its gate is closed, so a test can stage appends behind a commit in progress.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_system.h"

namespace sluice::storage::testing {

class GatedSyncFileSystem final : public FileSystem {
 public:
  explicit GatedSyncFileSystem(FileSystem* inner) : inner_(inner) {}
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  void OpenGate() {
    {
      std::lock_guard lock(mu_);
      closed_ = false;
    }
    cv_.notify_all();
  }
  void WaitForBlockedSync() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return blocked_ > 0; });
  }

  Result<std::unique_ptr<File>> Open(const std::string& path, const FileOptions& o) override {
    auto f = inner_->Open(path, o);
    if (!f.ok()) return f.status();
    return std::unique_ptr<File>(new GatedFile(this, std::move(f.value())));
  }
  Status CreateDirs(const std::string& p) override { return inner_->CreateDirs(p); }
  Status SyncDir(const std::string& p) override { return inner_->SyncDir(p); }
  Status SyncFileSystem(const std::string& p) override { return inner_->SyncFileSystem(p); }
  Result<std::vector<std::string>> ListDir(const std::string& p) const override { return inner_->ListDir(p); }
  bool Exists(const std::string& p) const override { return inner_->Exists(p); }
  Status RemoveFile(const std::string& p) override { return inner_->RemoveFile(p); }
  Status RemoveAll(const std::string& p) override { return inner_->RemoveAll(p); }
  Status Rename(const std::string& a, const std::string& b) override { return inner_->Rename(a, b); }

 private:
  class GatedFile final : public File {
   public:
    GatedFile(GatedSyncFileSystem* fs, std::unique_ptr<File> f) : fs_(fs), f_(std::move(f)) {}
    Result<size_t> ReadAt(uint64_t pos, void* buf, size_t n) const override { return f_->ReadAt(pos, buf, n); }
    Status WriteAt(uint64_t pos, const void* buf, size_t n) override { return f_->WriteAt(pos, buf, n); }
    Status Sync() override {
      {
        std::unique_lock lock(fs_->mu_);
        ++fs_->blocked_;
        fs_->cv_.notify_all();
        fs_->cv_.wait(lock, [&] { return !fs_->closed_; });
        --fs_->blocked_;
      }
      return f_->Sync();
    }
    Status Truncate(uint64_t size) override { return f_->Truncate(size); }
    Result<uint64_t> Size() const override { return f_->Size(); }
    bool direct_io() const override { return f_->direct_io(); }

   private:
    GatedSyncFileSystem* fs_;
    std::unique_ptr<File> f_;
  };

  FileSystem* inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  int blocked_ = 0;
};

}  // namespace sluice::storage::testing
