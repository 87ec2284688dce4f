// Running a module's static initializers, where a fault of the user's own
// C++ (a null dereference in a global's initializer, a failed assert) would
// otherwise end the process: the signal jumps back here and the input
// fails with what happened. Frames in between (the user's initializer and
// the JIT's code that called it) are abandoned without their destructors,
// as for any C++ call cut short by a signal.

#include "cpplive-clang/shim/impl.h"

#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstring>

namespace cpplive {

namespace {

constexpr int kFaults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

thread_local sigjmp_buf *current_jump = nullptr;
thread_local siginfo_t last_fault;
struct sigaction previous[NSIG];

void on_fault(int signal, siginfo_t *info, void *context) {
  if (current_jump) {
    last_fault = *info;
    siglongjmp(*current_jump, 1);
  }
  // Not ours (another thread, or outside the initializers): whatever was
  // there before decides.
  const struct sigaction &before = previous[signal];
  if (before.sa_flags & SA_SIGINFO) {
    before.sa_sigaction(signal, info, context);
  } else if (before.sa_handler == SIG_DFL) {
    ::sigaction(signal, &before, nullptr); // the faulting instruction runs again, and ends the process
  } else if (before.sa_handler != SIG_IGN) {
    before.sa_handler(signal);
  }
}

} // namespace

void execute_guarded(Session::Impl &impl, clang::PartialTranslationUnit &ptu) {
  struct sigaction ours {};
  ours.sa_sigaction = on_fault;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&ours.sa_mask);
  for (int fault : kFaults)
    ::sigaction(fault, &ours, &previous[fault]);
  sigjmp_buf jump;
  llvm::Error result = llvm::Error::success();
  bool faulted = false;
  if (sigsetjmp(jump, /*savemask=*/1) == 0) {
    current_jump = &jump;
    if (!reuse_compiled(impl, ptu, result))
      result = impl.interp->Execute(ptu);
  } else {
    faulted = true;
  }
  current_jump = nullptr;
  for (int fault : kFaults)
    ::sigaction(fault, &previous[fault], nullptr);
  if (faulted) {
    // Read by link.rs: `cpplive-fault:<signal>:<si_code>:<address>`.
    fail("cpplive-fault:" + std::to_string(last_fault.si_signo) + ":" + std::to_string(last_fault.si_code) + ":" +
         std::to_string(reinterpret_cast<std::uintptr_t>(last_fault.si_addr)));
  }
  if (result)
    fail(error_text(std::move(result)));
}

} // namespace cpplive
