#pragma once
// Background work that runs every so often for the life of a server (retention, the on-demand
// scaler, ...): each task gets its own thread, so a slow task never delays another, and Stop()
// wakes every thread at once instead of waiting out an interval.
//
//   PeriodicTasks tasks;
//   tasks.Add("compact", std::chrono::milliseconds(60'000), [&] { return store->Compact(); });
//   ...
//   tasks.Stop();
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace sluice {

class PeriodicTasks {
 public:
  // A failed run is logged (warn, logger "periodic") with the task's name; the task keeps its
  // schedule.
  using Task = std::function<Status()>;

  PeriodicTasks();
  ~PeriodicTasks();  // Stop()
  PeriodicTasks(const PeriodicTasks&) = delete;
  PeriodicTasks& operator=(const PeriodicTasks&) = delete;

  // Runs `task` on a thread of its own, first one `interval` after Add, then one `interval` after
  // the previous run ended (never more often). Ignored after Stop().
  void Add(std::string name, std::chrono::milliseconds interval, Task task) EXCLUDES(mu_);

  // Wakes every task thread and joins it; a run in progress finishes first. Idempotent.
  void Stop() EXCLUDES(mu_);

 private:
  struct Entry;
  void RunLoop(const Entry& entry) EXCLUDES(mu_);

  Mutex mu_;
  CondVar wake_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Entry>> entries_ GUARDED_BY(mu_);
};

}  // namespace sluice
