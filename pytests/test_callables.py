"""Callables across the language boundary: Python functions where C++
takes a `std::function` or a function pointer, `std::function` results
called from Python, and Python exceptions raised inside callbacks.
C++ names start with ``cl_``."""
import gc

import pytest

import cpplive
from helpers import cpplive_only, via_dictionary_xfail


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef(r"""
    #include <functional>
    #include <string>
    struct cl_P { int v; cl_P(int v) : v(v) {} };
    int cl_apply(std::function<int(int)> f, int x) { return f(x); }
    double cl_apply2(const std::function<double(double, double)>& f) { return f(1.5, 2.0); }
    void cl_run(std::function<void()> f) { f(); }
    std::string cl_text(std::function<std::string(const std::string&)> f) { return f("ab"); }
    cl_P cl_map(std::function<cl_P(const cl_P&)> f) { return f(cl_P(5)); }
    int cl_via_pointer(std::function<int(cl_P*)> f) { cl_P p(9); return f(&p); }
    std::function<int(int)> cl_times(int k) { return [k](int x) { return x * k; }; }

    std::function<int(int)> cl_saved;
    void cl_keep(std::function<int(int)> f) { cl_saved = f; }
    int cl_fire(int x) { return cl_saved ? cl_saved(x) : -1; }

    struct cl_Guard { static int live; cl_Guard() { ++live; } ~cl_Guard() { --live; } };
    int cl_Guard::live = 0;
    int cl_guarded(std::function<void()> f) { cl_Guard guard; f(); return 1; }
    int cl_swallows(std::function<void()> f) { try { f(); } catch (...) { return 7; } return 0; }

    struct cl_Button { std::function<int(int)> on_click; int click(int x) { return on_click ? on_click(x) : -1; } };

    int cl_call_ptr(int (*f)(int), int x) { return f ? f(x) : -1; }
    double cl_call_ptr2(double (*f)(double, int)) { return f(0.5, 2); }
    int cl_twice(int x) { return 2 * x; }
    """)
    return cpplive.gbl


def test_python_function_as_std_function(g):
    assert g.cl_apply(lambda x: x + 1, 41) == 42
    assert g.cl_apply2(lambda a, b: a * b) == 3.0
    assert g.cl_text(lambda s: s + "c") == "abc"
    calls = []
    g.cl_run(lambda: calls.append(1))
    assert calls == [1]


@cpplive_only  # cppyy cannot convert class-typed callback signatures
def test_class_arguments_and_results_in_callbacks(g):
    assert g.cl_map(lambda p: g.cl_P(p.v + 1)).v == 6
    assert g.cl_via_pointer(lambda p: p.v) == 9


def test_cpp_function_and_bound_method_as_callbacks(g):
    assert g.cl_apply(g.cl_twice, 4) == 8

    class Scale:
        def __init__(self, k):
            self.k = k

        def __call__(self, x):
            return self.k * x

    assert g.cl_apply(Scale(3), 4) == 12
    assert g.cl_apply(Scale(5).__call__, 2) == 10


def test_std_function_result_called_and_passed_back(g):
    f = g.cl_times(3)
    assert f(4) == 12
    assert g.cl_apply(f, 5) == 15


@cpplive_only  # cppyy does not keep the Python function alive
def test_kept_callback_outlives_the_call(g):
    def tenfold(x):
        return 10 * x

    g.cl_keep(tenfold)
    del tenfold
    gc.collect()
    assert g.cl_fire(4) == 40                      # C++'s copy keeps the Python function alive
    g.cl_keep(lambda x: -x)
    assert g.cl_fire(4) == -4


@cpplive_only  # cppyy does not keep the Python function alive
def test_exception_in_callback_propagates_through_cpp(g):
    def boom():
        raise KeyError("from python")

    with pytest.raises(KeyError, match="from python"):
        g.cl_guarded(boom)
    assert g.cl_Guard.live == 0                    # C++ destructors ran on the way out

    def later(x):
        raise ValueError("later %d" % x)

    g.cl_keep(later)
    with pytest.raises(ValueError, match="later 3"):
        g.cl_fire(3)
    g.cl_keep(lambda x: x)
    assert g.cl_fire(3) == 3


@cpplive_only  # cppyy reports the swallowed exception differently
def test_exception_caught_inside_cpp_stays_there(g):
    def boom():
        raise RuntimeError("caught by C++")

    assert g.cl_swallows(boom) == 7
    assert g.cl_apply(lambda x: x, 1) == 1


def test_callback_result_of_the_wrong_type(g):
    with pytest.raises(TypeError):
        g.cl_apply(lambda x: "not an int", 1)


def test_non_callable_is_rejected(g):
    with pytest.raises(TypeError):
        g.cl_apply(3, 1)


def test_std_function_data_member_assigned_a_python_function(g):
    b = g.cl_Button()
    assert b.click(1) == -1
    b.on_click = lambda x: x + 100
    assert b.click(1) == 101


def test_python_function_as_function_pointer(g):
    assert g.cl_call_ptr(lambda x: x * 3, 5) == 15
    assert g.cl_call_ptr2(lambda d, i: d * i) == 1.0
    assert g.cl_call_ptr(g.cl_twice, 4) == 8


def test_null_function_pointer(g):
    assert g.cl_call_ptr(cpplive.nullptr, 1) == -1


@cpplive_only  # the message is cpplive's
def test_none_is_no_function_pointer(g):
    # C++ would call it: a callable was meant.
    with pytest.raises(TypeError, match="None is not a function: pass cpplive.nullptr"):
        g.cl_call_ptr(None, 1)


def test_same_callable_reused_for_a_function_pointer(g):
    def triple(x):
        return 3 * x

    for i in range(5):
        assert g.cl_call_ptr(triple, i) == 3 * i


@cpplive_only  # cppyy reports this exception differently
def test_exception_through_function_pointer(g):
    def bad(x):
        raise IndexError("nope")

    with pytest.raises(IndexError):
        g.cl_call_ptr(bad, 1)


@via_dictionary_xfail("the closure type of a lambda returned by a function has no name the dictionary's code can spell (no deleter or copy for it)")
def test_cpp_lambdas_are_callable_objects(g):
    cpplive.cppdef("""
    auto cl_add = [](int a, int b) { return a + b; };
    auto cl_scaler(int k) { return [k](int x) { return x * k; }; }
    """)
    assert g.cl_add(2, 3) == 5                     # a lambda held by a variable
    times4 = g.cl_scaler(4)                        # a lambda returned by value
    assert times4(5) == 20 and g.cl_scaler(2)(10) == 20
    assert g.cl_apply(times4, 3) == 12             # and passed on as a std::function
    del times4


def test_release_gil_lets_other_python_threads_run(g):
    import threading
    cpplive.cppdef("""
    #include <atomic>
    #include <chrono>
    #include <thread>
    std::atomic<bool> cl_flag{false};
    std::atomic<bool> cl_waiting{false};
    void cl_raise_flag() { cl_flag = true; }
    bool cl_is_waiting() { return cl_waiting; }
    bool cl_wait_for_flag(int ms) {
        cl_waiting = true;
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (!cl_flag) {
            if (std::chrono::steady_clock::now() > end) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }
    """)
    assert g.cl_wait_for_flag.__release_gil__ is False
    g.cl_wait_for_flag.__release_gil__ = True
    import time

    def raise_when_waiting():
        # Gets the GIL only if the waiter released it inside C++.
        while not g.cl_is_waiting():
            time.sleep(0.001)
        g.cl_raise_flag()

    helper = threading.Thread(target=raise_when_waiting)
    results = []
    waiter = threading.Thread(target=lambda: results.append(g.cl_wait_for_flag(5000)))
    waiter.start()
    helper.start()
    waiter.join()
    helper.join()
    assert results == [True]


@pytest.fixture(scope="module")
def fp():
    cpplive.cppdef(r"""
    #include <functional>
    #include <string>
    int cl_fadd(int a, int b) { return a + b; }
    int cl_fsub(int a, int b) { return a - b; }
    double cl_addd(double a, double b) { return a + b; }
    int cl_over(int a) { return a; }
    int cl_over(int a, int b) { return a * b; }
    int (*cl_op)(int, int) = cl_fadd;
    int cl_use_op(int a, int b) { return cl_op ? cl_op(a, b) : -1; }
    typedef int (*cl_op_t)(int, int);
    cl_op_t cl_pick(bool add) { return add ? cl_fadd : cl_fsub; }
    cl_op_t cl_none() { return nullptr; }
    std::string cl_hello() { return "hello"; }
    std::string (*cl_greeter())() { return cl_hello; }
    double cl_calld(double (*f)(double, double), double a, double b) { return f ? f(a, b) : -1.; }
    int cl_calli(int (*f)(int, int), int a, int b) { return f(a, b); }
    struct cl_Holder { int (*op)(int, int) = nullptr; int run(int a, int b) { return op(a, b); } };
    struct cl_Static { static int twice(int x) { return 2 * x; } };
    int cl_call1(int (*f)(int), int x) { return f(x); }
    int cl_refi(void (*f)(int&)) { int i = 1; f(i); return i; }
    long cl_refl(const std::function<void(long&)>& f) { long l = 1; f(l); return l; }
    double cl_refd(void (*f)(double&)) { double d = 1; f(d); return d; }
    int cl_cref(const std::function<int(const int&)>& f) { int i = 7; int r = f(i); return r + i; }
    bool cl_refb(void (*f)(bool&)) { bool b = false; f(b); return b; }
    """)
    return cpplive.gbl


def test_function_pointer_result_is_callable(fp):
    assert fp.cl_pick(True)(2, 3) == 5
    assert fp.cl_pick(False)(2, 3) == -1
    assert fp.cl_greeter()() == "hello"
    # The same pointer reads as the same object.
    assert fp.cl_pick(True) is fp.cl_pick(True)


def test_null_function_pointer_result_is_empty(fp):
    empty = fp.cl_none()
    assert not empty
    with pytest.raises(fp.std.bad_function_call):
        empty(1, 2)


@via_dictionary_xfail('a function-pointer variable read back after being given the same function is a new proxy, not the one read first (identity of function pointers read through a dictionary)')
def test_function_pointer_variable_read_written_and_called(fp):
    first = fp.cl_op
    assert first(2, 3) == 5
    fp.cl_op = fp.cl_fsub
    assert fp.cl_op(2, 3) == -1
    assert fp.cl_use_op(2, 3) == -1
    fp.cl_op = cpplive.nullptr
    assert not fp.cl_op
    assert fp.cl_use_op(2, 3) == -1
    with pytest.raises(fp.std.bad_function_call):
        fp.cl_op(2, 3)
    fp.cl_op = fp.cl_fadd
    assert fp.cl_op is first
    fp.cl_op = lambda a, b: a * b
    assert fp.cl_use_op(3, 4) == 12
    fp.cl_op = fp.cl_fadd


def test_function_pointer_data_member(fp):
    h = fp.cl_Holder()
    assert not h.op
    h.op = fp.cl_fadd
    assert h.op(2, 3) == 5
    assert h.run(2, 3) == 5
    h.op = fp.cl_fsub
    assert h.run(2, 3) == -1


def test_cpp_function_passed_for_a_function_pointer(fp):
    assert fp.cl_calld(fp.cl_addd, 1.5, 2.0) == 3.5
    assert fp.cl_calli(fp.cl_fsub, 5, 3) == 2
    # The overload of the pointer's signature is the one passed.
    assert fp.cl_calli(fp.cl_over, 5, 3) == 15
    assert fp.cl_call1(fp.cl_over, 5) == 5
    assert fp.cl_call1(fp.cl_Static.twice, 5) == 10
    # A function pointer read from C++ goes back as itself.
    assert fp.cl_calli(fp.cl_pick(False), 5, 3) == 2


def test_cpp_function_of_another_signature_is_refused(fp):
    with pytest.raises(TypeError):
        fp.cl_calld(fp.cl_fadd, 2, 3)


def test_python_callbacks_get_references_to_numbers_with_value(fp):
    def set5(ref):
        ref.value = 5
    assert fp.cl_refi(set5) == 5
    assert fp.cl_refl(set5) == 5
    assert fp.cl_refd(set5) == 5.0

    def flip(ref):
        ref.value = not ref.value
    assert fp.cl_refb(flip) is True


@cpplive_only  # cppyy's const reference writes through to the C++ value
def test_const_reference_argument_is_a_copy(fp):
    def bump(ref):
        value = ref.value
        ref.value = 100
        return value * 2
    assert fp.cl_cref(bump) == 21
