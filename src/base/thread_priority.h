#pragma once
// Background work that must not take CPU from request handling: on Linux each thread has its own
// nice value, so a storage checkpoint or a read-ahead thread can run at a lower priority than
// the HTTP threads of the same process.

namespace sluice {

// Raises the calling thread's nice value by `increment` and gives its I/O the lowest
// best-effort priority (best effort: errors are ignored, the thread then runs as before).
void LowerCurrentThreadPriority(int increment = 10);

}  // namespace sluice
