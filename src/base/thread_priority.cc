#include "base/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sluice {

void LowerCurrentThreadPriority(int increment) {
  // PRIO_PROCESS with a thread id applies to that thread alone on Linux.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  int now = ::getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  (void)::setpriority(PRIO_PROCESS, tid, now + increment);
  // And the lowest best-effort I/O priority: schedulers that honour it (mq-deadline, bfq) send
  // the thread's writes after other threads' (the journal's, which appends wait for).
  constexpr int kIoprioClassShift = 13, kIoprioClassBestEffort = 2, kIoprioWhoProcess = 1, kLowestLevel = 7;
  (void)::syscall(SYS_ioprio_set, kIoprioWhoProcess, static_cast<int>(tid),
                  (kIoprioClassBestEffort << kIoprioClassShift) | kLowestLevel);
}

}  // namespace sluice
