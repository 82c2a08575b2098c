// PID 1's crash handler. Rule: a fault in PID 1 never becomes a kernel
// panic. On SIGSEGV, SIGBUS, SIGABRT, SIGILL or SIGFPE the handler says what
// happened on the console and in the kernel log, then keeps the machine up
// and debuggable: it offers a shell on the console when the image has one,
// and reaps children for as long as the machine runs (the services that
// were running go on; nothing new starts). Outside PID 1 the process dies of
// the signal as usual, after the message.
//
// Everything the handler does is async-signal-safe: no allocation, no lock,
// no stdio. The heap or a lock may be exactly what broke.
#pragma once

namespace fastinit {

struct CrashHandlerOptions {
    // Written at the start of every crash message ("fastinit",
    // "fastinit[initrd]"); must outlive the process (a string literal).
    const char* who = "fastinit";
    // The shell offered on the console, tried in order; nullptr ends the
    // list. Tests pass an empty list.
    const char* const* shells = nullptr;
    // Also write the message to /dev/kmsg (a real boot; in a PID namespace
    // the kernel log is the host's).
    bool kmsg = false;
    // Keep the process alive after a crash even when it is not PID 1 (tests
    // of the handler run it in an ordinary child process).
    bool keep_alive_outside_pid1 = false;
};

// Installs the handler for the fatal signals, with an alternate signal stack
// for the calling thread (a stack overflow is a SIGSEGV with no stack left).
// Call early, from the main thread; calling it again replaces the options.
void install_crash_handler(const CrashHandlerOptions& options);

}  // namespace fastinit
