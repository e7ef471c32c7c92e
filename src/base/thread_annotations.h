#pragma once
// Clang thread-safety analysis attributes (-Wthread-safety). They state which mutex guards which
// data and which functions must be called with it held, so the compiler checks the locking
// discipline that comments used to describe. Other compilers see nothing.
//
// Use with the annotated types in base/mutex.h (std::mutex carries no annotations in libstdc++).

#if defined(__clang__)
#define SLUICE_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define SLUICE_THREAD_ANNOTATION_(x)
#endif

// On a type: it is a lockable capability (a mutex).
#define CAPABILITY(x) SLUICE_THREAD_ANNOTATION_(capability(x))
// On a type: an RAII object that holds a capability for its lifetime.
#define SCOPED_CAPABILITY SLUICE_THREAD_ANNOTATION_(scoped_lockable)
// On a data member: read or written only with the given mutex held (reads: at least shared).
#define GUARDED_BY(x) SLUICE_THREAD_ANNOTATION_(guarded_by(x))
// On a pointer member: the pointee is guarded by the given mutex.
#define PT_GUARDED_BY(x) SLUICE_THREAD_ANNOTATION_(pt_guarded_by(x))
// On a mutex member: lock order. This mutex is taken before / after the listed ones.
#define ACQUIRED_BEFORE(...) SLUICE_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) SLUICE_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))
// On a function: the caller must hold the mutex exclusively / at least shared.
#define REQUIRES(...) SLUICE_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SLUICE_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
// On a function: it takes / releases the mutex (exclusive or shared).
#define ACQUIRE(...) SLUICE_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SLUICE_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SLUICE_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SLUICE_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) SLUICE_THREAD_ANNOTATION_(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SLUICE_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))
// On a function: the caller must NOT hold the mutex (the function takes it).
#define EXCLUDES(...) SLUICE_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
// On a function: asserts (at run time, by construction) that the mutex is held.
#define ASSERT_CAPABILITY(x) SLUICE_THREAD_ANNOTATION_(assert_capability(x))
// On a function: returns a reference to the given mutex.
#define RETURN_CAPABILITY(x) SLUICE_THREAD_ANNOTATION_(lock_returned(x))
// On a function: opt out of the analysis. Say why beside every use.
#define NO_THREAD_SAFETY_ANALYSIS SLUICE_THREAD_ANNOTATION_(no_thread_safety_analysis)
