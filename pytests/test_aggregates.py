"""Aggregates (no user-declared constructors) are built from their fields,
in order, like C++ brace initialization. C++ names start with ``ag_``."""
import pytest

import cpplive


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef("""
    struct ag_Flag { bool on; int n; double w; };
    struct ag_Named { std::string s; int k; };
    struct ag_Deleted { int v = 1; ag_Deleted() = default; ag_Deleted(int) = delete; };
    int ag_count(const ag_Flag& f) { return f.on + f.n; }
    """)
    return cpplive.gbl


def test_all_fields_in_order(g):
    f = g.ag_Flag(True, 3, 0.5)
    assert (f.on, f.n, f.w) == (True, 3, 0.5)


def test_missing_fields_are_value_initialized(g):
    f = g.ag_Flag(True)
    assert (f.on, f.n, f.w) == (True, 0, 0.0)
    assert g.ag_Flag().n == 0


def test_string_field_and_use_as_argument(g):
    assert g.ag_Named("hey", 2).s == "hey"
    assert g.ag_count(g.ag_Flag(True, 41)) == 42


def test_too_many_or_wrong_fields_raise_type_error(g):
    with pytest.raises(TypeError):
        g.ag_Flag(True, 1, 2.0, 4)
    with pytest.raises(TypeError):
        g.ag_Flag("no")


def test_user_declared_constructor_means_no_brace_init(g):
    # A deleted constructor is still user-declared: not an aggregate (C++20).
    with pytest.raises(TypeError):
        g.ag_Deleted(5)
    assert g.ag_Deleted().v == 1


def test_fields_given_by_keyword_in_any_order_leave_the_others_value_initialized():
    cpplive.cppdef("""
    struct ag_Kw { int i; double d; int* p; std::string s; };
    typedef struct { int val; const char* name; } ag_Anon;
    """)
    k = cpplive.gbl.ag_Kw(d=5.0)
    assert (k.i, k.d, k.s) == (0, 5.0, "") and not k.p
    k = cpplive.gbl.ag_Kw(s="x", i=77)
    assert (k.i, k.d, k.s) == (77, 0.0, "x")
    assert cpplive.gbl.ag_Anon(val=3).val == 3
    with pytest.raises(TypeError):
        cpplive.gbl.ag_Kw(nope=1)
