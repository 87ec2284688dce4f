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


@pytest.mark.parametrize("value", [0, 1, -1, 7, -300, 2**30 - 1, -(2**30 - 1), 2**30, -(2**30), 2**31 - 1, -(2**31)])
def test_int_member_and_argument_across_digit_boundaries(g, value):
    # Values up to 30 bits are read without a call into CPython; larger
    # ones take the general conversion. Both must agree.
    s = g.fp_S()
    s.n = 0
    s.n = value
    assert s.n == value and s.get() == value
    warm(g.fp_twice, 1)
    if -(2**30) <= value < 2**30:
        assert g.fp_twice(value) == 2 * value


@pytest.mark.parametrize("value", [0, -1, 2**30 - 1, 2**30, -(2**30), 2**62, -(2**63), 2**63 - 1])
def test_long_long_member_across_digit_boundaries(g, value):
    s = g.fp_S()
    s.big = 1
    s.big = value
    assert s.big == value
    warm(g.fp_big, 1)
    if value < 2**63 - 1:
        assert g.fp_big(value) == value + 1


def test_int_member_rejects_bool_subclass_and_float_as_before(g):
    s = g.fp_S()
    s.n = 5
    s.n = 6
    with pytest.raises(TypeError):
        s.n = 1.5
    with pytest.raises(INT_RANGE_ERRORS):
        s.n = -(2**31) - 1
    assert s.n == 6
    class MyInt(int):
        pass
    s.n = MyInt(11)                              # int subclasses convert as ints
    assert s.n == 11


def test_other_attributes_on_instances_still_work(g):
    s = g.fp_S()
    s.python_side = [1, 2]                       # not a C++ member: kept in the instance dict
    assert s.python_side == [1, 2]
    del s.python_side
    assert not hasattr(s, "python_side")
    with pytest.raises((AttributeError, TypeError)):
        del s.n                                  # a C++ member cannot be deleted


@cpplive_only  # pythonization hook name and signature are cpplive's
def test_pythonized_setattr_is_honoured(g):
    cpplive.cppdef("struct fp_Guarded { int n = 0; };")
    seen = []

    def guard(klass, name):
        if name == "fp_Guarded":
            def __setattr__(self, attr, value):
                seen.append(attr)
                object.__setattr__(self, attr, value)
            klass.__setattr__ = __setattr__

    cpplive.add_pythonization(guard)
    try:
        o = cpplive.gbl.fp_Guarded()
    finally:
        cpplive.remove_pythonization(guard)
    o.n = 4
    assert seen == ["n"] and o.n == 4


def test_object_setattr_and_super_setattr_reach_cpp_members(g):
    # Proxies keep CPython's generic attribute store, so the usual ways of
    # bypassing a Python-level __setattr__ work on them.
    s = g.fp_S()
    object.__setattr__(s, "n", 12)
    assert s.get() == 12

    class Logged(g.fp_S):
        def __setattr__(self, name, value):
            super().__setattr__(name, value * 2)

    o = Logged()
    o.n = 5
    assert o.n == 10 and o.get() == 10
