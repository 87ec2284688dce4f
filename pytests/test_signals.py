"""Fatal signals in C++ code as Python exceptions: cpplive.ll.signals_as_exception
and set_signals_as_exception. Every case runs in a child process with a time
limit, since without the mode (or with a bug in it) the fault ends the process.

C++ names used in this file: the prefix ``sg_`` (defined in each child).
"""
import signal
import textwrap

import pytest

from helpers import cpplive_only, run_python

# cppyy installs ROOT's crash handlers (they print a stack trace and exit),
# so the deaths asserted here differ there.
pytestmark = cpplive_only

FIXTURES = r'''
#include <cassert>
#include <cstdlib>
#include <functional>
#include <sys/mman.h>
#include <unistd.h>

int sg_next(int x) { return x + 1; }
int sg_deref(int* p) { return *p; }
int sg_divide(int a, int b) { return a / b; }
void sg_assert(bool ok) { assert(ok); }
void sg_abort() { std::abort(); }
void sg_trap() { __builtin_trap(); }
int sg_recurse(int n) { volatile char frame[256]; frame[0] = (char)n; return sg_recurse(n + 1) + frame[0]; }
// Reading a shared mapping past the end of its file.
int sg_bus() {
    char path[] = "/tmp/sg_busXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    unlink(path);
    if (ftruncate(fd, 4096) != 0) return -2;
    volatile char* p = (volatile char*)mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == (volatile char*)MAP_FAILED) return -3;
    if (ftruncate(fd, 0) != 0) return -4;
    close(fd);
    return p[0];
}
struct sg_Holder {
    int* p = nullptr;
    int get() const { return *p; }
};
struct sg_Crashing {
    sg_Crashing() { int* volatile p = nullptr; *p = 1; }
};
int sg_apply(const std::function<int(int)>& f, int x) { return f(x); }
void sg_sleep(int ms) { usleep(ms * 1000); }
// Faults after the callback returned.
int sg_apply_then_fault(const std::function<int(int)>& f) {
    int v = f(1);
    int* volatile p = nullptr;
    return *p + v;
}
'''

PRELUDE = '''
import sys, threading
import cpplive
from cpplive import gbl
from cpplive.ll import signals_as_exception, set_signals_as_exception
ll = cpplive.ll
cpplive.cppdef(%r)

def outcome(f, *args):
    """What a call did, on one line."""
    try:
        return "returned %%r" %% (f(*args),)
    except ll.FatalError as e:
        return "%%s: %%s" %% (type(e).__name__, e)
''' % FIXTURES


def child(body, **kwargs):
    return run_python(PRELUDE + textwrap.dedent(body), **kwargs)


def lines(proc):
    assert proc.returncode == 0, "exit %s\nstdout:\n%s\nstderr:\n%s" % (proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout.splitlines()


def died_of(proc, signo):
    assert proc.returncode == -signo, "expected death by %s, got exit %s\nstdout:\n%s\nstderr:\n%s" % (
        signal.Signals(signo).name, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout.splitlines()


FAULTS = [
    # (call, exception class name, text the message must contain)
    ("gbl.sg_deref(cpplive.nullptr)", "SegmentationViolation", "address 0x0"),
    ("gbl.sg_divide(1, 0)", "FloatingPointException", "integer division by zero"),
    ("gbl.sg_assert(False)", "AbortSignal", "abort"),
    ("gbl.sg_abort()", "AbortSignal", "abort"),
    ("gbl.sg_trap()", "IllegalInstruction", "illegal instruction"),
    ("gbl.sg_bus()", "BusError", "bus error"),
    ("gbl.sg_recurse(0)", "SegmentationViolation", "stack overflow"),
    ("gbl.sg_Holder().get()", "SegmentationViolation", "address 0x0"),
    ("gbl.sg_Crashing()", "SegmentationViolation", "address 0x0"),
]


@pytest.mark.parametrize("call,name,text", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_becomes_exception_and_process_goes_on(call, name, text):
    out = lines(child('''
        with signals_as_exception():
            print(outcome(lambda: %s))
            print(gbl.sg_next(1))
        print(gbl.sg_next(41))
        ''' % call))
    assert out[0].startswith(name + ": "), out
    assert text in out[0], out
    assert out[1:] == ["2", "42"]


def test_exception_classes():
    out = lines(child('''
        for name in ("SegmentationViolation", "BusError", "IllegalInstruction", "AbortSignal"):
            print(name, issubclass(getattr(ll, name), ll.FatalError))
        print(issubclass(ll.FatalError, Exception))
        '''))
    assert out == ["SegmentationViolation True", "BusError True", "IllegalInstruction True", "AbortSignal True", "True"]


def test_floating_point_exception_is_also_floating_point_error():
    out = lines(child('''
        with signals_as_exception():
            try:
                gbl.sg_divide(1, 0)
            except FloatingPointError as e:
                print(type(e).__name__, isinstance(e, ll.FatalError))
        '''))
    assert out == ["FloatingPointException True"]


def test_failed_assert_prints_its_message():
    proc = child('''
        with signals_as_exception():
            print(outcome(gbl.sg_assert, False))
        ''')
    out = lines(proc)
    assert out[0].startswith("AbortSignal"), out
    assert "Assertion" in proc.stderr and "ok" in proc.stderr, proc.stderr


def test_fault_on_the_direct_call_path():
    # After a successful call with int arguments, calls take the direct path
    # (fastcall.rs); a fault there is caught the same way.
    out = lines(child('''
        with signals_as_exception():
            for _ in range(3):
                assert gbl.sg_divide(6, 3) == 2
            print(outcome(gbl.sg_divide, 1, 0))
            print(gbl.sg_divide(9, 3))
        '''))
    assert out[0].startswith("FloatingPointException: "), out
    assert out[1] == "3"


def test_many_faults_in_a_row_then_normal_work():
    out = lines(child('''
        calls = [lambda: gbl.sg_deref(cpplive.nullptr), lambda: gbl.sg_divide(1, 0), lambda: gbl.sg_abort(),
                 lambda: gbl.sg_assert(False), lambda: gbl.sg_trap(), lambda: gbl.sg_bus(), lambda: gbl.sg_recurse(0),
                 lambda: gbl.sg_Holder().get()]
        seen = []
        with signals_as_exception():
            for _ in range(10):
                for call in calls:
                    seen.append(outcome(call).split(":")[0])
                    assert gbl.sg_next(1) == 2
            # New code compiles and runs, and faults there are caught too.
            cpplive.cppdef("int sg_later(int* p, int k) { return *p + k; }")
            seen.append(outcome(gbl.sg_later, cpplive.nullptr, 1).split(":")[0])
            v = gbl.std.vector[int](range(5))
            print(len(seen), sorted(set(seen)))
        print(gbl.sg_next(41), sum(v), len(gbl.std.string("abc")))
        '''))
    assert out[0] == "81 ['AbortSignal', 'BusError', 'FloatingPointException', 'IllegalInstruction', 'SegmentationViolation']"
    assert out[1] == "42 10 3"


def test_fault_in_cpp_called_from_a_python_callback():
    # Python -> sg_apply -> Python callback -> sg_deref (faults): the
    # innermost C++ call reports it, the callback may catch it, and the
    # outer call goes on.
    out = lines(child('''
        def catches(x):
            try:
                gbl.sg_deref(cpplive.nullptr)
            except ll.SegmentationViolation:
                return x + 100
            return -1

        def lets_through(x):
            return gbl.sg_deref(cpplive.nullptr)

        with signals_as_exception():
            print(gbl.sg_apply(catches, 1))
            print(outcome(gbl.sg_apply, lets_through, 1).split(":")[0])
            # A fault in the outer C++ code after the callback returned.
            print(outcome(gbl.sg_apply_then_fault, lambda x: x).split(":")[0])
            print(gbl.sg_apply(lambda x: x * 2, 21))
        '''))
    assert out == ["101", "SegmentationViolation", "SegmentationViolation", "42"]


def test_fault_of_python_code_in_a_callback_is_not_the_calls():
    # A callback runs outside the guarded call it is nested in: a fault in
    # its own (non-C++) code ends the process as it would without the mode.
    out = died_of(child('''
        import ctypes
        def crashes(x):
            print("in callback", flush=True)
            ctypes.string_at(0)
            return x
        with signals_as_exception():
            try:
                gbl.sg_apply(crashes, 1)
            except ll.FatalError as e:
                print("wrongly caught:", e, flush=True)
        '''), signal.SIGSEGV)
    assert out == ["in callback"]


def test_signal_sent_by_kill_is_not_a_fault_of_the_call():
    # SIGABRT from kill() while C++ code runs is not the call's own abort.
    out = died_of(child('''
        import os, signal, time
        gbl.sg_sleep.__release_gil__ = True
        def killer():
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGABRT)
        threading.Thread(target=killer).start()
        with signals_as_exception():
            print("sleeping", flush=True)
            gbl.sg_sleep(5000)
            print("not reached")
        '''), signal.SIGABRT)
    assert out == ["sleeping"]


@pytest.mark.parametrize("call,signo", [
    ("gbl.sg_deref(cpplive.nullptr)", signal.SIGSEGV),
    ("gbl.sg_divide(1, 0)", signal.SIGFPE),
    ("gbl.sg_abort()", signal.SIGABRT),
], ids=["SIGSEGV", "SIGFPE", "SIGABRT"])
def test_without_the_mode_the_process_dies_of_the_signal(call, signo):
    out = died_of(child('''
        print("before", flush=True)
        %s
        print("not reached")
        ''' % call), signo)
    assert out == ["before"]


def test_after_the_mode_is_turned_off_the_process_dies_of_the_signal():
    out = died_of(child('''
        with signals_as_exception():
            print(outcome(gbl.sg_deref, cpplive.nullptr).split(":")[0], flush=True)
        gbl.sg_deref(cpplive.nullptr)
        '''), signal.SIGSEGV)
    assert out == ["SegmentationViolation"]


def test_fault_outside_cpp_calls_still_crashes():
    # The mode covers C++ calls made through cpplive, nothing else.
    out = died_of(child('''
        import ctypes
        with signals_as_exception():
            print("on", flush=True)
            ctypes.string_at(0)
        '''), signal.SIGSEGV)
    assert out == ["on"]


def test_with_faulthandler():
    # faulthandler's handlers were installed first: guarded faults are
    # still exceptions, and a fault elsewhere still reaches faulthandler.
    proc = child('''
        import ctypes
        with signals_as_exception():
            print(outcome(gbl.sg_deref, cpplive.nullptr).split(":")[0], flush=True)
            ctypes.string_at(0)
        ''', python_args=("-X", "faulthandler"))
    out = died_of(proc, signal.SIGSEGV)
    assert out == ["SegmentationViolation"]
    assert "Fatal Python error: Segmentation fault" in proc.stderr, proc.stderr


def test_nested_context_managers_restore_the_outer_setting():
    out = died_of(child('''
        with signals_as_exception():
            with signals_as_exception():
                print(outcome(gbl.sg_deref, cpplive.nullptr).split(":")[0])
            # Still on: the inner block restored the outer setting.
            print(outcome(gbl.sg_divide, 1, 0).split(":")[0])
        try:
            with signals_as_exception():
                raise ValueError
        except ValueError:
            pass
        print(set_signals_as_exception(True), set_signals_as_exception(False), set_signals_as_exception(False))
        print("off", flush=True)
        gbl.sg_deref(cpplive.nullptr)
        '''), signal.SIGSEGV)
    assert out == ["SegmentationViolation", "FloatingPointException", "False True False", "off"]


def test_set_signals_as_exception_switches_the_calling_thread():
    out = lines(child('''
        print(set_signals_as_exception(True))
        print(outcome(gbl.sg_abort).split(":")[0])
        print(set_signals_as_exception(True))
        print(set_signals_as_exception(False))
        print(set_signals_as_exception(1), set_signals_as_exception(0))
        '''))
    assert out == ["False", "AbortSignal", "True", "True", "False True"]


def test_faults_in_several_threads_at_once():
    # Calls that release the GIL fault concurrently; the main thread, with
    # the mode off, keeps calling meanwhile.
    out = lines(child('''
        gbl.sg_deref.__release_gil__ = True
        gbl.sg_recurse.__release_gil__ = True
        results = []
        def worker():
            with signals_as_exception():
                for i in range(40):
                    call = (gbl.sg_deref, cpplive.nullptr) if i % 4 else (gbl.sg_recurse, 0)
                    results.append(outcome(*call).split(" ")[0])
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        total = sum(gbl.sg_next(i) for i in range(20000))
        for t in threads:
            t.join()
        print(len(results), sorted(set(results)), total)
        '''))
    assert out == ["160 ['SegmentationViolation:'] 200010000"]


def test_the_mode_is_per_thread():
    # On in a worker thread only: a fault of the main thread ends the process.
    out = died_of(child('''
        ready, done = threading.Event(), threading.Event()
        def worker():
            with signals_as_exception():
                print(outcome(gbl.sg_deref, cpplive.nullptr).split(":")[0], flush=True)
                ready.set()
                done.wait()
        t = threading.Thread(target=worker, daemon=True)
        t.start()
        ready.wait()
        print("main", flush=True)
        gbl.sg_deref(cpplive.nullptr)
        '''), signal.SIGSEGV)
    assert out == ["SegmentationViolation", "main"]


def test_handlers_are_installed_only_while_a_thread_has_the_mode_on():
    # The SIGSEGV disposition as the C library sees it (a null handler is
    # the default action).
    out = lines(child('''
        import ctypes
        libc = ctypes.CDLL(None)
        def handler():
            action = ctypes.create_string_buffer(256)
            assert libc.sigaction(11, None, action) == 0
            return int.from_bytes(action.raw[:8], sys.byteorder)
        print(handler() == 0)
        with signals_as_exception():
            print(handler() != 0)
        print(handler() == 0)
        # A thread that ends with the mode still on no longer counts (once
        # the system thread has exited, which is a moment after join()).
        import time
        t = threading.Thread(target=set_signals_as_exception, args=(True,))
        t.start()
        t.join()
        deadline = time.monotonic() + 10
        while handler() != 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        print(handler() == 0)
        '''))
    assert out == ["True", "True", "True", "True"]


def test_stack_overflow_in_a_thread():
    # Threads get an alternate signal stack when they turn the mode on.
    out = lines(child('''
        def worker():
            with signals_as_exception():
                print(outcome(gbl.sg_recurse, 0).split(" (")[0])
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        print(gbl.sg_next(1))
        '''))
    assert out == ["SegmentationViolation: stack overflow in C++ code", "2"]


def test_import_forms():
    out = lines(child('''
        import cpplive.ll
        from cpplive.ll import FatalError, SegmentationViolation
        print(cpplive.ll.signals_as_exception is signals_as_exception, FatalError is ll.FatalError)
        '''))
    assert out == ["True True"]


def test_per_function_sig2exc():
    # cppyy's per-function switch: this function's calls are guarded, the
    # thread's mode is as it was around them, other functions are not.
    out = lines(child('''
        gbl.sg_deref.__sig2exc__ = True
        print(gbl.sg_deref.__sig2exc__, gbl.sg_divide.__sig2exc__)
        print(outcome(gbl.sg_deref, cpplive.nullptr))
        print(outcome(gbl.sg_deref, cpplive.nullptr))
        print(gbl.sg_next(1))
        with signals_as_exception():
            print(outcome(gbl.sg_deref, cpplive.nullptr))
            print(outcome(gbl.sg_divide, 1, 0))
        gbl.sg_deref.__sig2exc__ = False
        print(gbl.sg_deref.__sig2exc__)
        '''))
    assert out[0] == "True False"
    assert out[1].startswith("SegmentationViolation: ") and out[2].startswith("SegmentationViolation: ")
    assert out[3] == "2"
    assert out[4].startswith("SegmentationViolation: ")
    assert out[5].startswith("FloatingPointException: ")   # the block's mode is still on
    assert out[6] == "False"


def test_per_function_sig2exc_off_means_the_fault_ends_the_process():
    died_of(child('''
        gbl.sg_deref.__sig2exc__ = True
        gbl.sg_deref.__sig2exc__ = False
        gbl.sg_deref(cpplive.nullptr)
        '''), signal.SIGSEGV)
