"""Many Python threads using the object model at once, and C++ threads
calling back into Python. Each case runs in a child process with a time
limit, so that a crash or a hang fails the test instead of ending the run.

C++ names used in this file: the prefix ``cc_`` (in the children only).
"""
import textwrap

from helpers import cpplive_only, run_python_ok

# Shared by the children: C++ threads that call a Python callback, through a
# std::function and through a function pointer.
CALLBACK_THREADS = r"""
#include <functional>
#include <thread>
#include <vector>
template <class F> long cc_on_threads(F f, int threads, int calls) {
    std::vector<std::thread> pool;
    std::vector<long> sums(threads, 0);
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] { for (int k = 0; k < calls; ++k) sums[t] += f(t * 1000 + k); });
    for (auto& th : pool) th.join();
    long total = 0;
    for (long s : sums) total += s;
    return total;
}
long cc_threads_fn(std::function<long(long)> f, int threads, int calls) { return cc_on_threads(f, threads, calls); }
long cc_threads_ptr(long (*f)(long), int threads, int calls) { return cc_on_threads(f, threads, calls); }
"""


def child(body, timeout=300):
    """Runs `body` in a child process (with `CALLBACK_THREADS` defined
    there); it prints OK when every check held. A hang dumps every
    thread's stack before the time limit ends it."""
    code = ("import faulthandler, sys, threading\n"
            "faulthandler.dump_traceback_later(%d, exit=True)\n"
            "CALLBACK_THREADS = %r\n" % (timeout - 20, CALLBACK_THREADS)
            + textwrap.dedent(body))
    out = run_python_ok(code, timeout)
    assert out.strip().endswith("OK"), out


def test_threads_calling_fresh_overloads_that_do_not_match():
    # Twenty threads make the first call of an overload set at once, and
    # no overload matches (each also tries an implicit construction, which
    # runs Python code mid-resolution): a TypeError every time, no crash.
    child(r"""
        import cpplive
        sys.setswitchinterval(1e-6)
        sets = 60
        cpplive.cppdef("\n".join('''
            struct cc_A%(i)d { int v; cc_A%(i)d(int x) : v(x) {} };
            struct cc_B%(i)d { int v; };
            int cc_nomatch%(i)d(int x, int y) { return x + y; }
            int cc_nomatch%(i)d(double x, const cc_A%(i)d& a) { return a.v; }
            int cc_nomatch%(i)d(const cc_A%(i)d& a, cc_B%(i)d b) { return a.v + b.v; }
            int cc_nomatch%(i)d(const char* s, long n) { return (int)n; }
        ''' % {"i": i} for i in range(sets)))
        wrong = []
        for i in range(sets):
            f = getattr(cpplive.gbl, "cc_nomatch%d" % i)
            start = threading.Barrier(20, timeout=60)
            def work():
                start.wait()
                for _ in range(100):
                    try:
                        f("no", "match")
                    except TypeError as e:
                        if "cc_nomatch" not in str(e):
                            wrong.append(str(e))
                    else:
                        wrong.append("no TypeError")
            threads = [threading.Thread(target=work) for _ in range(20)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert not wrong, wrong[:3]
        print("OK")
    """)


def test_float_pointer_callback_from_cpp_threads():
    # A Python callback taking `float*` (rows of a 2-D array), called from
    # C++ std::threads while the Python caller waits with the GIL released.
    child(r"""
        import cpplive
        cpplive.cppdef(r'''
            #include <functional>
            #include <thread>
            #include <vector>
            float cc_rows[8][16];
            template <class F> double cc_row_sums(F f, int threads) {
                std::vector<std::thread> pool;
                std::vector<double> sums(threads, 0);
                for (int t = 0; t < threads; ++t)
                    pool.emplace_back([&, t] { for (int k = 0; k < 25; ++k) sums[t] += f(cc_rows[t % 8], 16); });
                for (auto& th : pool) th.join();
                double total = 0;
                for (double s : sums) total += s;
                return total;
            }
            double cc_rows_fn(std::function<double(float*, int)> f, int threads) { return cc_row_sums(f, threads); }
            double cc_rows_ptr(double (*f)(float*, int), int threads) { return cc_row_sums(f, threads); }
        ''')
        g = cpplive.gbl
        for i in range(8):
            for j in range(16):
                g.cc_rows[i][j] = i + j

        def row_sum(row, n):
            return float(sum(row[k] for k in range(n)))

        g.cc_rows_fn.__release_gil__ = True
        g.cc_rows_ptr.__release_gil__ = True
        expected = sum(25 * sum(t % 8 + j for j in range(16)) for t in range(8))
        for _ in range(10):
            assert g.cc_rows_fn(row_sum, 8) == expected
            assert g.cc_rows_ptr(row_sum, 8) == expected
        print("OK")
    """)


def test_gil_released_inside_a_callback_and_taken_again_by_a_nested_callback():
    # A callback calls a __release_gil__ function that calls back on the
    # same thread, while another Python thread keeps running: the nested
    # callback must take the GIL again.
    child(r"""
        import cpplive
        cpplive.cppdef(r'''
            #include <functional>
            long cc_call(std::function<long(long)> f, long x) { return f(x); }
            long cc_call_released(std::function<long(long)> f, long x) { return f(x); }
        ''')
        g = cpplive.gbl
        g.cc_call_released.__release_gil__ = True
        def leaf(x):
            return sum(range(x)) + len([str(i) for i in range(200)])
        def outer(x):
            return g.cc_call_released(leaf, x) + 1
        stop = []
        def spin():
            while not stop:
                [str(i) for i in range(100)]
        t = threading.Thread(target=spin)
        t.start()
        for _ in range(2000):
            assert g.cc_call(outer, 10) == 45 + 200 + 1
        stop.append(True)
        t.join()
        print("OK")
    """)


def test_callback_from_cpp_thread_while_the_caller_keeps_the_gil():
    # Without __release_gil__, a C++ thread calling back waits for the GIL
    # until the call returns (as in cppyy; joining it inside the call would
    # never end). Here C++ gives up waiting: the callback runs once the call
    # is back in Python, and nothing crashes.
    child(r"""
        import cpplive
        cpplive.cppdef(r'''
            #include <atomic>
            #include <chrono>
            #include <functional>
            #include <thread>
            std::thread cc_worker;
            std::atomic<bool> cc_done{false};
            long cc_result = 0;
            bool cc_start(std::function<long(long)> f) {
                cc_worker = std::thread([f] { cc_result = f(20); cc_done = true; });
                auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
                while (!cc_done && std::chrono::steady_clock::now() < end)
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                return cc_done;
            }
            long cc_finish() { cc_worker.join(); return cc_result; }
        ''')
        g = cpplive.gbl
        ran = []
        def twice(x):
            ran.append(threading.get_ident())
            return 2 * x
        assert g.cc_start(twice) is False      # the callback could not run yet
        g.cc_finish.__release_gil__ = True
        assert g.cc_finish() == 40
        assert len(ran) == 1 and ran[0] != threading.get_ident()
        print("OK")
    """)


@cpplive_only  # the errors are cpplive's
def test_exception_in_callback_on_cpp_thread():
    # The exception cannot reach the Python caller through the C++ thread's
    # frames: it is printed there, and reaches the caller as a RuntimeError
    # when C++ carries it over (here as a std::exception_ptr).
    child(r"""
        import cpplive
        cpplive.cppdef(r'''
            #include <exception>
            #include <functional>
            #include <thread>
            long cc_async(std::function<long(long)> f) {
                long r = 0;
                std::exception_ptr raised;
                std::thread worker([&] { try { r = f(1); } catch (...) { raised = std::current_exception(); } });
                worker.join();
                if (raised) std::rethrow_exception(raised);
                return r;
            }
        ''')
        g = cpplive.gbl
        g.cc_async.__release_gil__ = True
        def bad(x):
            raise KeyError("from a C++ thread")
        try:
            g.cc_async(bad)
        except RuntimeError as e:
            assert "another thread" in str(e), e
        else:
            raise AssertionError("no error")
        assert g.cc_async(lambda x: x + 1) == 2
        print("OK")
    """)


@cpplive_only  # the errors are cpplive's
def test_python_callback_run_by_cppdef_while_other_threads_use_cpplive():
    # A static initializer in cppdef code calls a Python callback (the
    # backend is busy declaring meanwhile). Another thread that needs the
    # backend waits for it without holding the GIL, which the callback
    # needs; the callback itself using cpplive gets an error, not a hang.
    child(r"""
        import time
        import cpplive
        cpplive.cppdef(r'''
            #include <functional>
            std::function<int(int)> cc_hook;
            void cc_set_hook(std::function<int(int)> f) { cc_hook = f; }
            int cc_plain(int x) { return x + 1; }
        ''')
        g = cpplive.gbl
        started = threading.Event()
        inside = []
        def hook(x):
            started.set()
            time.sleep(0.3)                 # the other thread runs now
            try:
                g.cc_plain(0)               # first call: needs the backend
            except RuntimeError as e:
                inside.append(str(e))
            return 2 * x
        g.cc_set_hook(hook)
        results = []
        def other():
            started.wait(60)
            results.append(g.cc_plain(1))
        t = threading.Thread(target=other)
        t.start()
        cpplive.cppdef("int cc_value = cc_hook(21);")
        t.join()
        assert g.cc_value == 42 and results == [2], (g.cc_value, results)
        assert len(inside) == 1 and "busy on this thread" in inside[0], inside
        assert g.cc_plain(5) == 6
        print("OK")
    """, timeout=120)


def test_stress_many_threads_on_the_object_model():
    # 32 Python threads for a few seconds: matching and non-matching
    # overloads, first calls of fresh overloads (all threads at once),
    # objects made and destroyed, data members, implicit conversions, and
    # callbacks (std::function and function pointers, from the calling
    # thread and from C++ threads with the GIL released). Every result is
    # checked; at the end no C++ object is left alive.
    child(r"""
        import gc, random, time
        import cpplive
        THREADS, ROUNDS, SECONDS = 32, 6, 4.0
        sys.setswitchinterval(1e-5)      # switch threads often
        cpplive.cppdef(CALLBACK_THREADS + r'''
            #include <atomic>
            #include <string>
            std::atomic<long> cc_live{0};
            struct cc_Counted {
                int v;
                cc_Counted(int a) : v(a) { ++cc_live; }
                cc_Counted(const cc_Counted& o) : v(o.v) { ++cc_live; }
                ~cc_Counted() { --cc_live; }
                int twice() const { return 2 * v; }
            };
            long cc_alive() { return cc_live; }
            struct cc_Point { int x = 0; double y = 0; std::string name; int sum() const { return x + (int)y; } };
            int cc_over(int a) { return 1; }
            int cc_over(double a) { return 2; }
            int cc_over(const std::string& s) { return 3; }
            int cc_over(const cc_Point& p) { return 4; }
            int cc_over(int a, int b) { return a + b; }
            int cc_value(const cc_Counted& c) { return c.v; }
            long cc_apply(const std::function<long(long)>& f, long x) { return f(x); }
            long cc_apply_ptr(long (*f)(long), long x) { return f(x); }
        ''')
        # Fresh sets, each first called by every thread at once (preparing
        # them makes the class cc_Q, which runs Python code)...
        cpplive.cppdef("\n".join('''
            struct cc_R%(r)d { int v; cc_R%(r)d(int a) : v(2 * a) {} int get() const { return v + %(r)d; } };
            struct cc_Q%(r)d { int v; cc_Q%(r)d(double a) : v(3) {} };
            int cc_round%(r)d(int a) { return a + %(r)d; }
            int cc_round%(r)d(double a) { return -%(r)d; }
            int cc_round%(r)d(const cc_R%(r)d& o) { return o.v * 1000 + %(r)d; }
            int cc_round%(r)d(const cc_Q%(r)d& q, int a) { return q.v + a; }
        ''' % {"r": r} for r in range(ROUNDS)))
        # ... and one set per thread, first called while the others work.
        cpplive.cppdef("\n".join(
            "int cc_mine%d(int a) { return a * %d; } int cc_mine%d(const char*) { return -1; }" % (t, t + 1, t)
            for t in range(THREADS)))
        g = cpplive.gbl
        g.cc_threads_fn.__release_gil__ = True
        g.cc_threads_ptr.__release_gil__ = True
        failures = []
        counts = [0] * THREADS
        start = threading.Barrier(THREADS, timeout=120)

        def check(got, expected, what):
            if got != expected:
                failures.append("%s: got %r, expected %r" % (what, got, expected))

        def refused(call, *args):
            try:
                call(*args)
            except TypeError:
                return True
            return False

        def on_threads(x):
            return x % 7

        def expected_threads(threads, calls):
            return sum((t * 1000 + k) % 7 for t in range(threads) for k in range(calls))

        def step(me, rng):
            op = rng.randrange(9)
            if op == 0:
                check(g.cc_over(1), 1, "over(int)")
                check(g.cc_over(1.5), 2, "over(double)")
                check(g.cc_over("s"), 3, "over(str)")
                check(g.cc_over(3, 4), 7, "over(int, int)")
            elif op == 1:
                check(refused(g.cc_over, None), True, "over(None)")
                check(refused(g.cc_over, "a", "b"), True, "over(str, str)")
                check(refused(g.cc_value, "x"), True, "value(str)")
            elif op == 2:
                objects = [g.cc_Counted(i) for i in range(5)]
                check([o.twice() for o in objects], [0, 2, 4, 6, 8], "Counted.twice")
                del objects
            elif op == 3:
                p = g.cc_Point()
                p.x, p.y, p.name = me, me * 0.5, "t%d" % me
                check((p.x, p.y, p.name, p.sum()), (me, me * 0.5, "t%d" % me, me + int(me * 0.5)), "Point members")
                check(g.cc_over(p), 4, "over(Point)")
            elif op == 4:
                check(g.cc_value(me), me, "implicit Counted(int)")
            elif op == 5:
                check(g.cc_apply(lambda x: x * 3, me), me * 3, "std::function callback")
                check(g.cc_apply_ptr(on_threads, me), me % 7, "function pointer callback")
            elif op == 6:
                check(g.cc_threads_fn(on_threads, 3, 10), expected_threads(3, 10), "std::function from C++ threads")
            elif op == 7:
                check(g.cc_threads_ptr(on_threads, 3, 10), expected_threads(3, 10), "function pointer from C++ threads")
            else:
                mine = getattr(g, "cc_mine%d" % me)
                check(mine(3), 3 * (me + 1), "own fresh set")
                check(mine("x"), -1, "own fresh set (str)")
                check(refused(mine, 1.5), True, "own fresh set (float)")

        def work(me):
            rng = random.Random(me)
            try:
                for r in range(ROUNDS):
                    f, cls = getattr(g, "cc_round%d" % r), getattr(g, "cc_R%d" % r)
                    start.wait()
                    check(f(me), me + r, "fresh round(int)")
                    check(f(0.5), -r, "fresh round(double)")
                    check(refused(f, "no"), True, "fresh round(str)")
                    check(f(0.5, me), 3 + me, "fresh round(Q from float, int)")
                    check(f(cls(me)), 2 * me * 1000 + r, "fresh round(R)")
                    check(cls(me).get(), 2 * me + r, "fresh R.get")
                deadline = time.monotonic() + SECONDS
                while time.monotonic() < deadline:
                    step(me, rng)
                    counts[me] += 1
            except Exception as e:
                failures.append("thread %d: %s: %s" % (me, type(e).__name__, e))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        gc.collect()
        check(g.cc_alive(), 0, "C++ objects left alive")
        assert not failures, failures[:5]
        assert min(counts) > 0, counts
        print("steps:", sum(counts))
        print("OK")
    """, timeout=400)
