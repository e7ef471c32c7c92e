#include "base/periodic_tasks.h"

#include <thread>
#include <utility>

#include "base/log.h"

namespace sluice {

struct PeriodicTasks::Entry {
  std::string name;
  std::chrono::milliseconds interval;
  Task task;
  std::thread thread;
};

PeriodicTasks::PeriodicTasks() = default;
PeriodicTasks::~PeriodicTasks() { Stop(); }

void PeriodicTasks::Add(std::string name, std::chrono::milliseconds interval, Task task) {
  MutexLock lock(&mu_);
  if (stopping_) return;
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->interval = interval;
  entry->task = std::move(task);
  const Entry& e = *entry;
  // The thread reads only fields set above; entries_ never moves an Entry (unique_ptr).
  entry->thread = std::thread([this, &e] { RunLoop(e); });
  entries_.push_back(std::move(entry));
}

void PeriodicTasks::RunLoop(const Entry& entry) {
  MutexLock lock(&mu_);
  while (!stopping_) {
    // A wake-up before the interval is over (Stop, or a spurious one) starts a new interval rather
    // than running early: WaitFor returns true only when woken.
    if (wake_.WaitFor(&mu_, entry.interval) || stopping_) continue;
    lock.Unlock();
    Status st = entry.task();
    if (!st.ok()) SLOG(kWarn, "periodic", "task failed", {{"task", entry.name}, {"error", st.ToString()}});
    lock.Lock();
  }
}

void PeriodicTasks::Stop() {
  std::vector<std::unique_ptr<Entry>> entries;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    entries.swap(entries_);
  }
  wake_.SignalAll();
  for (auto& e : entries) e->thread.join();
}

}  // namespace sluice
