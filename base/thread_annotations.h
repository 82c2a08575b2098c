// Clang's thread-safety analysis (-Wthread-safety): which mutex guards which
// data, and which functions take or need it, said in the code so the
// compiler checks every access. A clang build (scripts/test) turns a data
// race the annotations can see into a build error; under GCC the macros
// expand to nothing. Annotate data with the mutex that guards it; use the
// annotated Mutex and SharedMutex of base/mutex.h (libstdc++'s are not
// capabilities the analysis knows).
#pragma once

#if defined(__clang__)
#define FI_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FI_THREAD_ANNOTATION(x)
#endif

// A type that is a lock ("mutex"): what GUARDED_BY and REQUIRES name.
#define CAPABILITY(x) FI_THREAD_ANNOTATION(capability(x))
// An RAII type that holds a capability for its lifetime.
#define SCOPED_CAPABILITY FI_THREAD_ANNOTATION(scoped_lockable)
// Data read or written only with the capability held.
#define GUARDED_BY(x) FI_THREAD_ANNOTATION(guarded_by(x))
// Data behind a pointer, read or written only with the capability held.
#define PT_GUARDED_BY(x) FI_THREAD_ANNOTATION(pt_guarded_by(x))
// The caller holds the capability (exclusively, or at least shared).
#define REQUIRES(...) FI_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) FI_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// The function takes, or gives back, the capability.
#define ACQUIRE(...) FI_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) FI_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) FI_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) FI_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) FI_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
// The caller must not hold the capability (the function takes it).
#define EXCLUDES(...) FI_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// The function returns a reference to the capability.
#define RETURN_CAPABILITY(x) FI_THREAD_ANNOTATION(lock_returned(x))
// Opts a function out of the analysis; say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS FI_THREAD_ANNOTATION(no_thread_safety_analysis)
