"""Object identity and memory ownership: one proxy per (address, class),
``__python_owns__``, destructors on collection, null proxies.

C++ names used in this file all start with ``mm_``.
"""
import gc

import pytest

import cpplive
from helpers import cpplive_only, run_python_ok


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef(r"""
    #include <cstdint>
    struct mm_T {
        static int dtors;
        static int live;
        int v;
        mm_T(int x = 0) : v(x) { ++live; }
        mm_T(const mm_T& o) : v(o.v) { ++live; }
        virtual ~mm_T() { ++dtors; --live; }
        mm_T& self() { return *this; }
        mm_T* self_ptr() { return this; }
        const mm_T& self_cref() const { return *this; }
        mm_T& set(int x) { v = x; return *this; }
        mm_T copy() const { return *this; }
        int get() const { return v; }
    };
    int mm_T::dtors = 0;
    int mm_T::live = 0;
    struct mm_U : mm_T { int u = 8; mm_U() : mm_T(9) {} };

    mm_T* mm_static_ptr() { static mm_T t(5); return &t; }
    mm_T& mm_static_ref() { return *mm_static_ptr(); }
    int mm_static_value() { return mm_static_ptr()->v; }
    mm_T mm_by_value(int v) { return mm_T(v); }
    mm_T* mm_new(int v) { return new mm_T(v); }
    mm_T* mm_new_u() { return new mm_U(); }
    void mm_delete(mm_T* p) { delete p; }
    void mm_delete_at(uintptr_t a) { delete (mm_T*)a; }

    struct mm_I { int q = 3; };
    struct mm_W { mm_I first; int z = 4; };
    """)
    return cpplive.gbl


def collect():
    for _ in range(2):
        gc.collect()


# ---------------------------------------------------------------- identity

def test_method_returning_this_by_reference_is_same_object(g):
    o = g.mm_T(1)
    assert o.self() is o
    assert o.self_cref() is o
    assert o.set(7) is o
    assert o.v == 7


def test_method_returning_this_by_pointer_is_same_object(g):
    o = g.mm_T(1)
    assert o.self_ptr() is o


def test_chained_calls_return_same_object(g):
    o = g.mm_T(1)
    assert o.set(2).set(3).self() is o
    assert o.get() == 3


def test_same_static_object_by_pointer_twice_is_identical(g):
    a = g.mm_static_ptr()
    b = g.mm_static_ptr()
    assert a is b
    assert g.mm_static_ref() is a


def test_returned_reference_reflects_cpp_state(g):
    a = g.mm_static_ptr()
    old = a.v
    try:
        a.v = 55
        assert g.mm_static_value() == 55
        assert g.mm_static_ref().v == 55
    finally:
        a.v = old


def test_by_value_returns_are_distinct(g):
    a = g.mm_by_value(1)
    b = g.mm_by_value(1)
    assert a is not b
    assert cpplive.addressof(a) != cpplive.addressof(b)
    c = a.copy()
    assert c is not a
    assert c.v == 1


def test_member_at_offset_zero_is_distinct_proxy(g):
    # same address, different class => different proxy
    w = g.mm_W()
    f = w.first
    assert cpplive.addressof(f) == cpplive.addressof(w)
    assert f is not w
    assert type(f) is g.mm_I
    assert w.first is f
    assert f.q == 3


def test_base_and_derived_views_of_same_address(g):
    u = g.mm_U()
    b = cpplive.bind_object(cpplive.addressof(u), g.mm_T)
    assert b is not u
    assert type(b) is g.mm_T
    assert b.v == 9
    b.v = 10
    assert u.v == 10


# ---------------------------------------------------------------- ownership flags

def test_python_owns_for_constructed_object(g):
    assert g.mm_T(1).__python_owns__ is True


def test_python_owns_for_by_value_return(g):
    assert g.mm_by_value(3).__python_owns__ is True
    assert g.mm_T(1).copy().__python_owns__ is True


def test_python_does_not_own_returned_pointer_or_reference(g):
    assert g.mm_static_ptr().__python_owns__ is False
    assert g.mm_static_ref().__python_owns__ is False
    n = g.mm_new(4)
    try:
        assert n.__python_owns__ is False
    finally:
        g.mm_delete(n)


def test_self_reference_keeps_original_ownership(g):
    o = g.mm_T(1)
    assert o.self().__python_owns__ is True


# ---------------------------------------------------------------- destructors

def test_destructor_runs_for_owned_object(g):
    T = g.mm_T
    o = T(1)
    collect()
    d0, live0 = T.dtors, T.live
    del o
    collect()
    assert T.dtors == d0 + 1
    assert T.live == live0 - 1


def test_destructor_runs_for_by_value_return(g):
    T = g.mm_T
    o = g.mm_by_value(2)
    collect()
    d0 = T.dtors
    del o
    collect()
    assert T.dtors == d0 + 1


def test_destructor_not_run_for_returned_pointer(g):
    T = g.mm_T
    p = g.mm_static_ptr()
    collect()
    d0 = T.dtors
    del p
    collect()
    assert T.dtors == d0
    assert g.mm_static_value() == g.mm_static_ptr().v


def test_disowned_object_not_destroyed_then_deleted_manually(g):
    T = g.mm_T
    o = T(21)
    o.__python_owns__ = False
    assert o.__python_owns__ is False
    addr = cpplive.addressof(o)
    collect()
    d0, live0 = T.dtors, T.live
    del o
    collect()
    assert T.dtors == d0
    assert T.live == live0
    # the C++ object is still alive: rebind and delete it from C++
    again = cpplive.bind_object(addr, T)
    assert again.v == 21
    g.mm_delete(again)
    assert T.dtors == d0 + 1
    assert T.live == live0 - 1
    del again
    collect()
    assert T.dtors == d0 + 1


def test_disowned_object_deleted_via_address(g):
    T = g.mm_T
    o = g.mm_by_value(6)
    o.__python_owns__ = False
    addr = cpplive.addressof(o)
    del o
    collect()
    d0 = T.dtors
    g.mm_delete_at(addr)
    assert T.dtors == d0 + 1


def test_taking_ownership_runs_destructor(g):
    T = g.mm_T
    n = g.mm_new(4)
    n.__python_owns__ = True
    assert n.__python_owns__ is True
    addr = cpplive.addressof(n)
    collect()
    d0 = T.dtors
    del n
    collect()
    ran = T.dtors - d0
    if ran == 0:
        g.mm_delete_at(addr)      # avoid the leak before failing
    assert ran == 1


def test_many_owned_objects_destroyed(g):
    T = g.mm_T
    collect()
    live0 = T.live
    objs = [T(i) for i in range(25)] + [g.mm_by_value(i) for i in range(25)]
    assert T.live == live0 + 50
    assert sum(o.v for o in objs) == 2 * sum(range(25))
    del objs
    collect()
    assert T.live == live0


def test_new_object_at_reused_address_is_fresh(g):
    T = g.mm_T
    stale = {}
    for i in range(20):
        o = T(i)
        stale[cpplive.addressof(o)] = i
        del o
        collect()
    # whatever address it lands on, the new proxy reflects the new object
    for i in range(20):
        o = T(100 + i)
        assert o.v == 100 + i
        assert o.__python_owns__ is True
        assert o.self() is o


# ---------------------------------------------------------------- null proxies

def test_null_proxy_is_falsy(g):
    z = cpplive.bind_object(0, g.mm_T)
    assert isinstance(z, g.mm_T)
    assert not z
    assert cpplive.addressof(z) == 0


def test_method_on_null_proxy_raises_reference_error(g):
    z = cpplive.bind_object(0, g.mm_T)
    with pytest.raises(ReferenceError):
        z.get()
    with pytest.raises(ReferenceError):
        z.set(3)


def test_data_member_on_null_proxy_raises_reference_error(g):
    z = cpplive.bind_object(0, g.mm_T)
    with pytest.raises(ReferenceError):
        z.v
    with pytest.raises(ReferenceError):
        z.v = 3


def test_interpreter_fine_after_null_access(g):
    z = cpplive.bind_object(0, g.mm_T)
    with pytest.raises(ReferenceError):
        z.get()
    assert g.mm_T(12).get() == 12


def test_implicit_temporaries_die_when_the_call_ends():
    cpplive.cppdef("""
    struct mem_Temp { static int live; int v; mem_Temp(int v) : v(v) { ++live; }
                      mem_Temp(const mem_Temp& o) : v(o.v) { ++live; } ~mem_Temp() { --live; } };
    int mem_Temp::live = 0;
    int mem_take(const mem_Temp& t) { return t.v; }
    """)
    g = cpplive.gbl
    assert g.mem_take(5) == 5                        # a mem_Temp made from 5 for the call
    assert g.mem_Temp.live == 0                      # and gone right after it, as in C++
    for i in range(3):
        assert g.mem_take(i) == i
    assert g.mem_Temp.live == 0


@pytest.fixture(scope="module")
def cr():
    cpplive.cppdef(r"""
    struct mm_Made { static int alive; int v = 3; mm_Made() { ++alive; } ~mm_Made() { --alive; } };
    int mm_Made::alive = 0;
    mm_Made* mm_make() { return new mm_Made; }
    mm_Made& mm_make_ref() { return *new mm_Made; }
    struct mm_Factory { mm_Made* make() const { return new mm_Made; } };
    """)
    return cpplive.gbl


@pytest.mark.parametrize("make", ["mm_make", "mm_make_ref", "method"])
def test_creates_gives_python_ownership_of_the_result(cr, make):
    made = cr.mm_Made
    if make == "method":
        function = cr.mm_Factory.make
        call = lambda: cr.mm_Factory().make()
    else:
        function = getattr(cr, make)
        call = function
    before = made.alive
    o = call()
    assert not o.__python_owns__               # by default a returned pointer is C++'s
    o.__python_owns__ = True
    del o
    gc.collect()
    assert made.alive == before
    assert function.__creates__ is False
    function.__creates__ = True
    try:
        o = call()
        assert o.__python_owns__ and o.v == 3
        assert made.alive == before + 1
        del o
        gc.collect()
        assert made.alive == before                # deleted with its proxy
    finally:
        function.__creates__ = False


@cpplive_only  # cppyy's memory policies do act (heuristics); here they are kept only
def test_mempolicy_and_useffi_are_kept(cr):
    f = cr.mm_make
    assert (f.__mempolicy__, f.__useffi__) == (0, False)
    f.__mempolicy__, f.__useffi__ = 2, True
    assert (f.__mempolicy__, f.__useffi__) == (2, True)
    f.__mempolicy__, f.__useffi__ = 0, False


def test_method_result_keeps_its_object_alive():
    # A reference (or an object referring into it) returned by a method
    # keeps the object it came from alive; an already known proxy does not
    # (no cycles), and everything is freed at the end.
    cpplive.cppdef(r"""
    #include <vector>
    struct mm_LfItem { int v = 7; };
    struct mm_LfBox {
        static int alive;
        std::vector<mm_LfItem> items{3};
        mm_LfBox() { ++alive; } ~mm_LfBox() { --alive; }
        mm_LfItem& first() { return items[0]; }
        mm_LfBox& self() { return *this; }
    };
    int mm_LfBox::alive = 0;
    """)
    box_cls = cpplive.gbl.mm_LfBox
    before = box_cls.alive
    item = box_cls().first()
    gc.collect()
    assert box_cls.alive == before + 1 and item.v == 7
    del item
    gc.collect()
    assert box_cls.alive == before
    b = box_cls()
    assert b.self() is b
    del b
    gc.collect()
    assert box_cls.alive == before


def test_instances_give_back_their_reference_to_the_class():
    import sys
    import weakref
    cpplive.cppdef("struct mem_RefCounted { int a = 1; }; mem_RefCounted mem_make_counted() { return {}; }")
    cls = cpplive.gbl.mem_RefCounted
    cls()
    cpplive.gbl.mem_make_counted()
    gc.collect()
    before = sys.getrefcount(cls)
    alive = [cls() for _ in range(10)] + [cpplive.gbl.mem_make_counted() for _ in range(10)]
    assert sys.getrefcount(cls) == before + 20
    del alive
    gc.collect()
    assert sys.getrefcount(cls) == before

    def python_subclass():
        class Temporary(cls):
            pass
        Temporary()
        return weakref.ref(Temporary)
    gone = python_subclass()
    gc.collect()
    assert gone() is None                         # a Python subclass is freed with its last instance


def test_init_runs_once_on_a_live_object():
    cpplive.cppdef("""
    struct mem_Once { static int alive; mem_Once() { ++alive; } mem_Once(const mem_Once&) { ++alive; }
                      mem_Once& operator=(const mem_Once&) { return *this; } ~mem_Once() { --alive; } };
    int mem_Once::alive = 0;
    """)
    Once = cpplive.gbl.mem_Once
    gc.collect()
    c = Once()
    with pytest.raises(ReferenceError):
        c.__init__(Once())                         # would leak or destroy the first object
    gc.collect()
    assert Once.alive == 1
    c.__assign__(Once())                           # copying into it is assignment
    gc.collect()
    assert Once.alive == 1
    c.__destruct__()
    assert Once.alive == 0
    c.__init__(Once())                             # an empty proxy takes a new object
    gc.collect()
    assert Once.alive == 1
    del c
    gc.collect()
    assert Once.alive == 0
    null = cpplive.bind_object(cpplive.nullptr, Once)
    null.__init__()
    assert Once.alive == 1 and null.__python_owns__
    del null
    gc.collect()
    assert Once.alive == 0


def test_element_of_a_temporary_vector_keeps_the_chain_alive():
    # In a child: an element whose vector was freed would read freed memory.
    out = run_python_ok(r'''
import gc
import cpplive
cpplive.cppdef("""
struct mem_A1 { mem_A1(int x) : x(x) {} int x; };
struct mem_A2 { mem_A2(int x) { v.emplace_back(x); } std::vector<mem_A1> v; std::vector<mem_A1>& get() { return v; } };
struct mem_A3 { mem_A3(int x) { v.emplace_back(x); } std::vector<mem_A2> v; std::vector<mem_A2>& get() { return v; } };
mem_A3 mem_gime(int i) { return mem_A3(i); }
""")
g = cpplive.gbl
for i in range(50):
    assert g.mem_gime(42).get()[0].get()[0].x == 42
    element = g.mem_gime(i).get()[0]        # keeps its vector, which keeps the temporary
    gc.collect()
    others = [g.mem_A3(-1) for k in range(10)]
    assert element.get()[0].x == i
print("ok")
''', 120)
    assert out.strip() == "ok"
