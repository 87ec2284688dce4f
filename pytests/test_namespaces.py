"""Namespaces: nesting, functions and variables inside them, and imports
from ``cpplive.gbl``.

C++ names used in this file all start with ``ns_``.
"""
import pytest

import cpplive


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef("""
    namespace ns_outer {
        int ns_value = 7;
        int twice(int x) { return 2 * x; }
        namespace ns_inner {
            int f() { return 42; }
            double ratio = 0.25;
            int read_outer() { return ns_value; }
            namespace ns_deep { int depth() { return 3; } }
        }
        struct Point {
            int x, y;
            Point(int a, int b) : x(a), y(b) {}
            int sum() const { return x + y; }
        };
        int point_sum(const Point& p) { return p.sum(); }
    }
    namespace ns_other {
        int twice(int x) { return 2 * x + 1; }   // same name, different namespace
    }
    namespace ns_importable {
        int imported_fn(int x) { return x - 1; }
        struct Thing { int v = 5; int get() const { return v; } };
    }
    int ns_free_function(int a, int b) { return a * b; }
    struct ns_FreeClass {
        int n;
        ns_FreeClass(int v) : n(v) {}
        int get() const { return n; }
    };
    """)
    return cpplive.gbl


def test_nested_namespace_function(g):
    assert g.ns_outer.ns_inner.f() == 42
    assert g.ns_outer.ns_inner.ns_deep.depth() == 3


def test_namespace_function(g):
    assert g.ns_outer.twice(21) == 42


def test_same_name_in_different_namespaces(g):
    assert g.ns_outer.twice(5) == 10
    assert g.ns_other.twice(5) == 11


def test_namespace_variable_read(g):
    assert g.ns_outer.ns_value == 7
    assert g.ns_outer.ns_inner.ratio == 0.25


def test_namespace_variable_write_seen_by_cpp(g):
    g.ns_outer.ns_value = 99
    assert g.ns_outer.ns_value == 99
    assert g.ns_outer.ns_inner.read_outer() == 99
    g.ns_outer.ns_inner.ratio = 1.5
    assert g.ns_outer.ns_inner.ratio == 1.5


def test_namespace_is_same_object_each_access(g):
    a = g.ns_outer
    b = g.ns_outer
    assert a.twice(1) == b.twice(1) == 2
    inner = g.ns_outer.ns_inner
    assert inner.f() == 42


def test_class_in_namespace(g):
    p = g.ns_outer.Point(3, 4)
    assert p.x == 3 and p.y == 4
    assert p.sum() == 7
    assert g.ns_outer.point_sum(p) == 7
    assert isinstance(p, g.ns_outer.Point)


def test_from_gbl_import_function(g):
    from cpplive.gbl import ns_free_function
    assert ns_free_function(6, 7) == 42


def test_from_gbl_import_class(g):
    from cpplive.gbl import ns_FreeClass
    obj = ns_FreeClass(12)
    assert obj.get() == 12
    assert isinstance(obj, ns_FreeClass)


def test_from_gbl_import_namespace(g):
    from cpplive.gbl import ns_other
    assert ns_other.twice(0) == 1


def test_from_gbl_namespace_import_after_access(g):
    # Access the namespace first so it is known, then import from it.
    assert g.ns_importable is not None
    from cpplive.gbl.ns_importable import imported_fn, Thing
    assert imported_fn(10) == 9
    assert Thing().get() == 5


def test_unknown_name_in_namespace(g):
    with pytest.raises(AttributeError) as exc:
        g.ns_outer.ns_no_such_thing
    assert "ns_no_such_thing" in str(exc.value)


def test_builtin_type_names_in_the_global_namespace():
    assert cpplive.gbl.int is int and cpplive.gbl.double is float


def test_opaque_enum_with_fixed_type():
    cpplive.cppdef("enum class ns_opaque : unsigned char;")
    assert cpplive.gbl.ns_opaque(3) == 3
    assert cpplive.gbl.std.byte(7) == 7                 # std::byte has no named values
