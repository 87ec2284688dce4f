"""Calls and data members after their first use, when cpplive takes its
direct path for scalar arguments: everything that path does not handle must
still convert or fail exactly as the first call would. Names start with ``fp_``."""
import pytest

import cpplive
from helpers import INT_RANGE_ERRORS, cpplive_only


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef("""
    #include <stdexcept>
    int fp_twice(int x) { return 2 * x; }
    long long fp_big(long long x) { return x + 1; }
    double fp_half(double x) { return x / 2; }
    bool fp_not(bool b) { return !b; }
    void fp_nothing() {}
    int fp_check(int x) { if (x < 0) throw std::invalid_argument("negative"); return x; }
    struct fp_S { int n = 3; double w = 1.5; long long big = 0;
                  int get() const { return n; } int add(int k) { n += k; return n; } };
    struct fp_D : fp_S { int extra = 1; };
    """)
    return cpplive.gbl


def warm(f, *args):
    """Calls twice: the direct path exists from the second call on."""
    f(*args)
    return f(*args)


def test_scalar_calls_after_warm_up(g):
    assert warm(g.fp_twice, 21) == 42
    assert warm(g.fp_big, 2**40) == 2**40 + 1
    assert warm(g.fp_half, 3.0) == 1.5
    assert warm(g.fp_not, True) is False
    assert warm(g.fp_nothing) is None


def test_other_python_types_still_convert_or_fail(g):
    warm(g.fp_twice, 1)
    assert g.fp_twice(True) == 2                 # bool is an int, as before
    with pytest.raises(TypeError):
        g.fp_twice(1.5)
    with pytest.raises(TypeError):
        g.fp_twice("1")
    with pytest.raises(TypeError):
        g.fp_twice()
    warm(g.fp_half, 1.0)
    assert g.fp_half(3) == 1.5                   # int → double, as before


def test_out_of_range_after_warm_up(g):
    warm(g.fp_twice, 1)
    with pytest.raises(INT_RANGE_ERRORS):
        g.fp_twice(2**31)
    warm(g.fp_big, 1)
    with pytest.raises(INT_RANGE_ERRORS):
        g.fp_big(2**64)


@cpplive_only  # std::invalid_argument is also a ValueError in cpplive
def test_cpp_exception_after_warm_up(g):
    warm(g.fp_check, 1)
    with pytest.raises(ValueError) as info:
        g.fp_check(-1)
    assert isinstance(info.value, cpplive.CppException)
    assert "negative" in str(info.value)
    assert g.fp_check(5) == 5


def test_methods_after_warm_up_including_subclass_and_null(g):
    s = g.fp_S()
    assert warm(s.get) == 3
    assert s.add(2) == 5 and s.add(2) == 7
    d = g.fp_D()
    assert d.get() == 3 and d.add(1) == 4        # a subclass receiver
    z = cpplive.bind_object(0, g.fp_S)
    with pytest.raises(ReferenceError):
        z.get()


def test_data_members_after_warm_up(g):
    s = g.fp_S()
    s.n = 1
    s.n = 2
    assert s.n == 2 and s.get() == 2
    s.w = 0.25
    assert s.w == 0.25
    s.w = 2                                      # int into double
    assert s.w == 2.0
    s.big = 2**40
    assert s.big == 2**40
    with pytest.raises(INT_RANGE_ERRORS):
        s.n = 2**31
    with pytest.raises(TypeError):
        s.n = "x"
    assert s.n == 2
    d = g.fp_D()
    d.n = 9
    assert d.n == 9 and d.get() == 9
    z = cpplive.bind_object(0, g.fp_S)
    with pytest.raises(ReferenceError):
        z.n
    with pytest.raises(ReferenceError):
        z.n = 1
