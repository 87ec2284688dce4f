"""Low-level helpers and access rules: ``sizeof``, ``addressof``,
``bind_object``, ``ll.cast``, transparent typedefs, non-public members and
deleted functions.

C++ names used in this file all start with ``lo_``; names defined by
possibly-repeated code come from the ``uid`` fixture.
"""
import pytest

import cpplive
from helpers import WITH_CPPYY, cpplive_only, run_python_ok


def get_ll():
    if WITH_CPPYY:
        import cppyy.ll   # cppyy's ll is a submodule that must be imported
        return cppyy.ll
    return cpplive.ll


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef(r"""
    #include <cstddef>
    #include <cstdint>

    struct lo_S { char c; double d; int i; };
    struct lo_Empty {};
    struct lo_Base { int b = 1; virtual ~lo_Base() {} int bget() const { return b; } };
    struct lo_Other { double o = 2.5; virtual ~lo_Other() {} int oget() const { return (int)(o * 2); } };
    struct lo_Der : lo_Base, lo_Other { int d = 3; };
    struct lo_Packed { char a; char b; short s; };
    size_t lo_sizeof_S() { return sizeof(lo_S); }
    size_t lo_sizeof_Empty() { return sizeof(lo_Empty); }
    size_t lo_sizeof_Der() { return sizeof(lo_Der); }
    size_t lo_sizeof_Packed() { return sizeof(lo_Packed); }
    size_t lo_sizeof_Base() { return sizeof(lo_Base); }

    uintptr_t lo_addr(const lo_S& s) { return (uintptr_t)&s; }
    uintptr_t lo_addr_der(const lo_Der& d) { return (uintptr_t)&d; }
    lo_S* lo_static_s() { static lo_S s{'a', 1.5, 7}; return &s; }
    int lo_static_s_i() { return lo_static_s()->i; }
    lo_S* lo_new_s(int i) { return new lo_S{'n', 0.0, i}; }
    void lo_delete_s(lo_S* s) { delete s; }
    int lo_read_i_at(uintptr_t a) { return ((lo_S*)a)->i; }

    typedef lo_S lo_S_t;
    using lo_S_alias = lo_S;
    typedef int lo_int_t;
    using lo_dbl_t = double;
    typedef lo_int_t lo_int2_t;
    namespace lo_ns { typedef ::lo_S S_in_ns; }
    lo_int_t lo_twice(lo_int_t x) { return 2 * x; }
    lo_int2_t lo_thrice(lo_int2_t x) { return 3 * x; }
    lo_dbl_t lo_half(lo_dbl_t x) { return x / 2; }
    lo_S_t lo_make(int i) { lo_S s{'b', 0.5, i}; return s; }
    int lo_take_alias(const lo_S_alias& s) { return s.i; }

    class lo_Priv {
        int secret = 42;
        int hidden() const { return secret; }
    protected:
        int prot = 5;
        int prot_fn() const { return 6; }
    public:
        int pub = 1;
        int reveal() const { return hidden() + prot; }
    };
    class lo_PrivStatic {
        static int s_hidden;
    public:
        static int s_pub;
        static int get_hidden() { return s_hidden; }
    };
    int lo_PrivStatic::s_hidden = 3;
    int lo_PrivStatic::s_pub = 4;
    class lo_PrivStaticFn {
        static int s_fn() { return 1; }
    public:
        static int call() { return s_fn() + 10; }
    };
    class lo_PrivMethodPoison {
        int m() const { return 1; }
    public:
        int n = 2;
    };

    struct lo_NoCopy {
        int v = 1;
        lo_NoCopy() = default;
        lo_NoCopy(const lo_NoCopy&) = delete;
        lo_NoCopy(int) = delete;
    };
    void lo_overload_del(double) = delete;
    int lo_overload_del(int x) { return x; }
    int lo_only_deleted(int) = delete;
    """)
    return cpplive.gbl


# ---------------------------------------------------------------- sizeof

def test_sizeof_class_matches_cpp(g):
    assert cpplive.sizeof(g.lo_S) == g.lo_sizeof_S()
    assert cpplive.sizeof(g.lo_Packed) == g.lo_sizeof_Packed() == 4
    assert cpplive.sizeof(g.lo_Base) == g.lo_sizeof_Base()


def test_sizeof_padding_is_counted(g):
    # char + double + int with alignment is larger than the sum of members
    assert cpplive.sizeof(g.lo_S) > 1 + 8 + 4


def test_sizeof_empty_class(g):
    assert cpplive.sizeof(g.lo_Empty) == g.lo_sizeof_Empty() == 1


def test_sizeof_multiple_inheritance(g):
    assert cpplive.sizeof(g.lo_Der) == g.lo_sizeof_Der()
    assert cpplive.sizeof(g.lo_Der) > cpplive.sizeof(g.lo_Base)


def test_sizeof_instance(g):
    assert cpplive.sizeof(g.lo_S()) == g.lo_sizeof_S()


def test_sizeof_typedef_class(g):
    assert cpplive.sizeof(g.lo_S_t) == g.lo_sizeof_S()


def test_sizeof_builtin_names(g):
    assert cpplive.sizeof("int") == 4
    assert cpplive.sizeof("double") == 8
    assert cpplive.sizeof("char") == 1


# ---------------------------------------------------------------- addressof / bind_object

def test_addressof_matches_cpp_address(g):
    s = g.lo_S()
    addr = cpplive.addressof(s)
    assert isinstance(addr, int)
    assert addr != 0
    assert addr == g.lo_addr(s)


def test_addressof_of_returned_pointer(g):
    p = g.lo_static_s()
    assert cpplive.addressof(p) == g.lo_addr(p)
    assert cpplive.addressof(p) == cpplive.addressof(g.lo_static_s())


def test_addressof_distinct_objects(g):
    a, b = g.lo_S(), g.lo_S()
    assert cpplive.addressof(a) != cpplive.addressof(b)


def test_bind_object_same_object(g):
    s = g.lo_S()
    s.i = 17
    b = cpplive.bind_object(g.lo_addr(s), g.lo_S)
    assert isinstance(b, g.lo_S)
    assert b.i == 17
    b.i = 18
    assert s.i == 18
    assert cpplive.addressof(b) == cpplive.addressof(s)
    assert b is s


def test_bind_object_to_cpp_owned_object(g):
    p = g.lo_static_s()
    addr = cpplive.addressof(p)
    del p
    b = cpplive.bind_object(addr, g.lo_S)
    assert b.__python_owns__ is False
    old = b.i
    try:
        b.i = 99
        assert g.lo_static_s_i() == 99
        assert g.lo_read_i_at(addr) == 99
    finally:
        b.i = old


def test_bind_object_by_class_name(g):
    addr = cpplive.addressof(g.lo_static_s())
    b = cpplive.bind_object(addr, "lo_S")
    assert type(b) is g.lo_S
    assert b.i == g.lo_static_s_i()


def test_bind_object_of_an_owned_object_moves_ownership(g):
    cpplive.cppdef("""
    struct lo_Counted { static int alive; lo_Counted() { ++alive; } virtual ~lo_Counted() { --alive; } };
    int lo_Counted::alive = 0;
    struct lo_CountedValue : lo_Counted { int value = 5; };
    lo_Counted* lo_make_counted() { return new lo_CountedValue; }
    """)
    g.lo_make_counted.__creates__ = True
    made = g.lo_make_counted()
    assert made.__python_owns__ and g.lo_Counted.alive == 1
    seen = cpplive.bind_object(made, g.lo_CountedValue)
    assert seen.value == 5
    assert seen.__python_owns__ and not made.__python_owns__
    del made
    assert g.lo_Counted.alive == 1          # the new proxy owns it now
    del seen
    assert g.lo_Counted.alive == 0          # deleted once


def test_bind_object_heap_object_then_delete(g):
    p = g.lo_new_s(31)
    addr = cpplive.addressof(p)
    del p
    b = cpplive.bind_object(addr, g.lo_S)
    assert b.i == 31
    g.lo_delete_s(b)


# ---------------------------------------------------------------- ll.cast

def test_ll_cast_to_first_base(g):
    ll = get_ll()
    d = g.lo_Der()
    c = ll.cast[g.lo_Base](d)
    assert type(c) is g.lo_Base
    assert isinstance(c, g.lo_Base)
    assert c.b == 1
    assert c.bget() == 1


@cpplive_only  # cppyy's ll.cast[Klass] returns a converted copy, not a view
def test_ll_cast_views_same_object(g):
    d = g.lo_Der()
    c = cpplive.ll.cast[g.lo_Base](d)
    assert cpplive.addressof(c) == cpplive.addressof(d)
    c.b = 40
    assert d.b == 40
    assert d.bget() == 40


def test_ll_cast_to_second_base(g):
    ll = get_ll()
    d = g.lo_Der()
    c = ll.cast[g.lo_Other](d)
    assert type(c) is g.lo_Other
    assert c.o == 2.5
    assert c.oget() == 5


@cpplive_only  # cppyy's casts deduce their source type differently
def test_ll_static_and_dynamic_casts_adjust_for_multiple_bases(g):
    ll = cpplive.ll
    d = g.lo_Der()
    other = ll.static_cast[g.lo_Other](d)
    assert type(other) is g.lo_Other and other.o == 2.5
    back = ll.static_cast[g.lo_Der](other)
    assert type(back) is g.lo_Der and cpplive.addressof(back) == cpplive.addressof(d)
    assert ll.dynamic_cast[g.lo_Der](other).d == 3
    failed = ll.dynamic_cast[g.lo_Der](g.lo_Other())
    assert type(failed) is g.lo_Der and failed == None    # noqa: E711  (a null object)


@cpplive_only
def test_ll_casts_of_numbers_and_addresses(g, uid):
    ll = cpplive.ll
    assert ll.static_cast[int](3.75) == 3
    assert ll.static_cast["unsigned short"](65537) == 1
    assert ll.cast["double"](7) == 7.0
    s = g.lo_static_s()
    offset = uid("lo_offset_of_i")
    cpplive.cppdef("unsigned long %s() { return offsetof(lo_S, i); }" % offset)
    view = ll.reinterpret_cast["int*"](cpplive.addressof(s) + getattr(g, offset)())
    assert isinstance(view, cpplive.ll.LowLevelView) and view[0] == s.i
    assert ll.cast[g.lo_S](cpplive.addressof(s)) is s


@cpplive_only
def test_ll_casts_c_plus_plus_refuses(g):
    ll = cpplive.ll
    with pytest.raises(TypeError, match="static_cast from 'long long' to 'int\\*'"):
        ll.static_cast["int*"](5)
    with pytest.raises(TypeError, match="dynamic_cast"):
        ll.dynamic_cast[g.lo_Der](g.lo_S())
    with pytest.raises(TypeError):
        ll.static_cast[int]("text")


@cpplive_only  # cppyy's malloc sizes items by sizeof(T*)
def test_ll_malloc_and_free(g):
    ll = cpplive.ll
    items = ll.malloc[int](4)
    try:
        assert len(items) == 4 and items.item_type == "int" and items.typecode == "i"
        for i in range(4):
            items[i] = i + 1
        assert list(items) == [1, 2, 3, 4]
        assert ll.as_ctypes(items)[2] == 3
        assert ll.as_memoryview(items).tolist() == [1, 2, 3, 4]
    finally:
        ll.free(items)


@cpplive_only
def test_ll_array_new_and_delete(g):
    ll = cpplive.ll
    numbers = ll.array_new["double"](3)
    assert len(numbers) == 3 and numbers.item_type == "double"
    numbers[2] = 1.5
    assert numbers[2] == 1.5
    ll.array_delete(numbers)
    objects = ll.array_new[g.lo_S](2)
    # Objects side by side: a view of them, each a proxy into the array.
    assert len(objects) == 2 and all(type(o) is g.lo_S for o in objects)
    assert cpplive.addressof(objects[1]) - cpplive.addressof(objects[0]) == cpplive.sizeof(g.lo_S)
    ll.array_delete(objects)
    with pytest.raises(TypeError):
        ll.array_delete(3)


def test_ll_allocations_say_how_they_were_made_and_can_be_managed(g):
    ll = cpplive.ll
    raw = ll.malloc[int](3)
    assert not raw.__cpp_array__ and not raw.__python_owns__
    ll.free(raw)
    items = ll.array_new[int](3)
    assert items.__cpp_array__ and not items.__python_owns__
    with pytest.raises(TypeError):
        items.__python_owns__ = True    # nothing to release it with
    ll.array_delete(items)
    managed = ll.array_new[int](3, managed=True)
    assert managed.__python_owns__
    managed.__python_owns__ = False
    assert not managed.__python_owns__
    managed.__python_owns__ = True
    with pytest.raises(ValueError):
        ll.array_delete(managed)        # released with the view
    del managed
    owned = ll.malloc["double"](2, managed=True)
    with pytest.raises(ValueError):
        ll.free(owned)
    del owned


def test_ll_managed_memory_is_released_with_its_view():
    # In a child: a release that ran twice, or on the wrong pointer, would
    # abort in glibc's heap checks; one that never ran would grow the heap.
    out = run_python_ok(r"""
import ctypes, gc, resource, cpplive
ll = cpplive.ll
def cycle():
    for _ in range(200):
        view = ll.array_new["int"](1 << 18, managed=True)
        ctypes.memset(view.address, 1, 1 << 20)
        del view
        raw = ll.malloc["double"](1 << 17, managed=True)
        ctypes.memset(raw.address, 1, 1 << 20)
        del raw
cycle()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cycle()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50000)
""", timeout=60)
    assert out.split() == ["True"]


def test_ll_as_ctypes_by_reference_and_array_delete_of_ctypes_pointers(g):
    import ctypes
    ll = cpplive.ll
    cpplive.cppdef("""
    #include <cstdint>
    std::uintptr_t lo_deref(void* p) { return (std::uintptr_t)(*(void**)p); }
    void lo_fill(int** out) { *out = new int[3]{7, 8, 9}; }
    """)
    s = g.lo_S()
    assert ll.as_ctypes(s).value == cpplive.addressof(s)
    assert g.lo_deref(ll.as_ctypes(s, byref=True)) == cpplive.addressof(s)
    p = ctypes.POINTER(ctypes.c_int)()
    g.lo_fill(p)
    assert [p[0], p[1], p[2]] == [7, 8, 9]
    ll.array_delete(p)
    q = ctypes.POINTER(ctypes.c_int)()
    g.lo_fill(q)
    ll.array_delete["void"](q)


@cpplive_only
def test_ll_views_of_objects_as_ctypes_memoryview_and_capsule(g):
    ll = cpplive.ll
    s = g.lo_static_s()
    assert ll.as_ctypes(s).value == cpplive.addressof(s)
    raw = ll.as_memoryview(s)
    assert raw.nbytes == cpplive.sizeof(g.lo_S) and raw.format == "B" and not raw.readonly
    capsule = ll.as_cobject(s)
    assert cpplive.addressof(capsule) == cpplive.addressof(s)
    assert cpplive.bind_object(capsule, g.lo_S) is s
    with pytest.raises(ValueError):
        ll.as_capsule(cpplive.nullptr)


@cpplive_only
def test_bind_object_and_addressof_take_ctypes_and_views(g):
    import ctypes
    s = g.lo_static_s()
    address = cpplive.addressof(s)
    assert cpplive.bind_object(ctypes.c_void_p(address), g.lo_S) is s
    assert cpplive.addressof(cpplive.nullptr) == 0 and cpplive.addressof(0) == 0
    with pytest.raises(TypeError, match="not None"):
        cpplive.addressof(None)
    number = ctypes.c_int(3)
    assert cpplive.addressof(number) == ctypes.addressof(number)
    with pytest.raises(TypeError):
        cpplive.addressof(5)


@cpplive_only
def test_sizeof_any_type_spelling_and_ctypes(g):
    import ctypes
    assert cpplive.sizeof("int*") == ctypes.sizeof(ctypes.c_void_p)
    assert cpplive.sizeof("std::pair<int, double>") == 16
    assert cpplive.sizeof("lo_S[3]") == 3 * g.lo_sizeof_S()
    assert cpplive.sizeof(ctypes.c_short) == 2
    assert cpplive.sizeof(ctypes.c_double(1.0)) == 8
    with pytest.raises(TypeError):
        cpplive.sizeof(object)


# ---------------------------------------------------------------- typedefs

def test_typedef_class_is_same_proxy(g):
    assert g.lo_S_t is g.lo_S
    assert g.lo_S_alias is g.lo_S
    assert g.lo_ns.S_in_ns is g.lo_S


def test_typedef_class_constructs_the_class(g):
    s = g.lo_S_t()
    assert type(s) is g.lo_S
    s.i = 5
    assert g.lo_take_alias(s) == 5


def test_function_returning_typedef_class(g):
    s = g.lo_make(4)
    assert type(s) is g.lo_S
    assert s.i == 4
    assert isinstance(s, g.lo_S_alias)


def test_typedef_builtin_parameters_accept_python_values(g):
    assert g.lo_twice(21) == 42
    assert g.lo_thrice(5) == 15
    r = g.lo_half(3)
    assert r == 1.5
    assert isinstance(r, float)
    with pytest.raises(TypeError):
        g.lo_twice("21")


# ---------------------------------------------------------------- non-public members

def test_private_data_member_raises_attribute_error(g):
    p = g.lo_Priv()
    with pytest.raises(AttributeError):
        p.secret
    assert not hasattr(p, "secret")


@cpplive_only  # cppyy lets Python set a new attribute of that name
def test_private_data_member_assignment_raises_attribute_error(g):
    p = g.lo_Priv()
    with pytest.raises(AttributeError):
        p.secret = 3
    assert p.reveal() == 47


@cpplive_only  # message text
def test_private_member_error_message(g):
    with pytest.raises(AttributeError) as exc:
        g.lo_Priv().secret
    assert "secret" in str(exc.value)


def test_private_method_raises_attribute_error(g):
    p = g.lo_Priv()
    with pytest.raises(AttributeError):
        p.hidden()


def test_protected_members_raise_attribute_error(g):
    p = g.lo_Priv()
    with pytest.raises(AttributeError):
        p.prot
    with pytest.raises(AttributeError):
        p.prot_fn()


def test_public_members_of_class_with_private_ones(g):
    p = g.lo_Priv()
    assert p.pub == 1
    assert p.reveal() == 47


def test_private_static_data_member_raises_attribute_error(g):
    with pytest.raises(AttributeError):
        g.lo_PrivStatic.s_hidden


def test_public_static_next_to_private_static(g):
    assert g.lo_PrivStatic.s_pub == 4
    assert g.lo_PrivStatic.get_hidden() == 3


def test_private_static_method_raises_attribute_error(g):
    with pytest.raises(AttributeError):
        g.lo_PrivStaticFn.s_fn
    assert g.lo_PrivStaticFn.call() == 11


def test_cppdef_after_private_member_lookup(g, uid):
    try:
        getattr(g.lo_PrivMethodPoison, "m")
    except AttributeError:
        pass
    name = uid("lo_after_private")
    assert cpplive.cppdef("int %s() { return 5; }" % name)
    assert getattr(cpplive.gbl, name)() == 5


# ---------------------------------------------------------------- deleted functions

def test_deleted_constructor_raises_type_error(g):
    with pytest.raises(TypeError):
        g.lo_NoCopy(5)
    assert g.lo_NoCopy().v == 1


def test_deleted_copy_constructor_raises_type_error(g):
    a = g.lo_NoCopy()
    with pytest.raises(TypeError):
        g.lo_NoCopy(a)


@cpplive_only  # message text
def test_deleted_constructor_message_mentions_deleted(g):
    with pytest.raises(TypeError) as exc:
        g.lo_NoCopy(5)
    assert "deleted" in str(exc.value)
    with pytest.raises(TypeError) as exc:
        g.lo_NoCopy(g.lo_NoCopy())
    assert "deleted" in str(exc.value)


def test_deleted_overload_of_free_function(g):
    assert g.lo_overload_del(3) == 3
    with pytest.raises(TypeError):
        g.lo_overload_del(1.5)


@cpplive_only  # message text; cppyy raises its own runtime_error for a lone deleted function
def test_deleted_free_function_message_mentions_deleted(g):
    with pytest.raises(TypeError) as exc:
        g.lo_overload_del(1.5)
    assert "deleted" in str(exc.value)
    with pytest.raises(TypeError) as exc:
        g.lo_only_deleted(1)
    assert "deleted" in str(exc.value)


def test_view_size_can_be_told():
    assert cpplive.cppdef("""
    extern int ll_unsized[];
    int ll_unsized[] = {1, 2, 3};
    int* ll_unsized_pointer() { return ll_unsized; }
    """)
    view = cpplive.gbl.ll_unsized_pointer()
    assert view.size is None
    with pytest.raises(TypeError):
        list(view)                                # would walk past the array
    view.size = 3
    assert len(view) == 3 and list(view) == [1, 2, 3]
    exported = memoryview(view)
    view.size = 2                                 # as reshape((2,)): in place
    assert list(view) == [1, 2] and view.size == 2
    assert exported.shape == (3,)                 # an earlier buffer keeps its shape
    exported.release()


def test_views_deduce_as_pointers_to_their_items():
    cpplive.cppdef("""
    namespace lo_ded {
        template<class T> struct Holder { T* p = nullptr; Holder() {} Holder(T* q) : p(q) {} bool eq(T* q) { return p == q; } };
        template<class T> auto hold(T* q) { return Holder<T>(q); }
        template<class T> bool first_is(T* q, T v) { return *q == v; }
    }""")
    ns = cpplive.gbl.lo_ded
    ll = cpplive.ll
    for item in ("int", "int*"):
        view = ll.malloc[item](4)
        try:
            assert ns.Holder[item](view).eq(view) and ns.hold[item](view).eq(view)
        finally:
            ll.free(view)
    numbers = ll.malloc["double"](2)
    numbers[0] = 2.5
    assert ns.first_is(numbers, 2.5)
    ll.free(numbers)


def test_typedef_of_a_builtin_keeps_its_name():
    cpplive.cppdef("""
    namespace lo_tn {
        typedef unsigned int Count;
        using Ratio = double;
        struct Holder { typedef bool Flag; typedef long Size; };
        template<class T> struct Echo { typedef T type; };
    }""")
    ns = cpplive.gbl.lo_tn
    assert ns.Count.__name__ == "Count" and ns.Count.__cpp_name__ == "lo_tn::Count"
    assert issubclass(ns.Count, int) and ns.Count(7) == 7 and 2 * ns.Count(21) == 42
    assert issubclass(ns.Ratio, float) and ns.Ratio(1.5) == 1.5
    assert ns.Count is ns.Count and ns.Holder.Size is ns.Holder.Size
    # A typedef names the C++ type it stands for as a template argument.
    assert ns.Echo[ns.Count] is ns.Echo["unsigned int"]
    assert ns.Echo[ns.Holder.Size] is ns.Echo["long"] and ns.Echo[ns.Holder.Size] is not ns.Echo["int"]


def test_typedef_of_bool_gives_true_and_false():
    cpplive.cppdef("namespace lo_tb { struct S { typedef bool B; }; }")
    b = cpplive.gbl.lo_tb.S.B
    assert b.__name__ == "B" and b.__cpp_name__ == "lo_tb::S::B"
    assert b(1) is True and b() is False and b(0) is False
    assert str(b(1)) == "True"


def test_views_of_pointers_go_to_pointer_pointers_of_their_item_type():
    assert cpplive.cppdef(r"""
    #include <cstdint>
    namespace lo_ptrs {
    const char* which(int* arr[8]) { return "int"; }
    const char* which(uint8_t* arr[8]) { return "uint8_t"; }
    }""")
    ns = cpplive.gbl.lo_ptrs
    for item, expected in (("int*", "int"), ("uint8_t*", "uint8_t")):
        arr = cpplive.ll.array_new[item](4, managed=True)
        assert len(arr) == 4 and ns.which(arr) == expected
    assert memoryview(cpplive.ll.array_new["int*"](2, managed=True)).format == "P"


def test_addressof_a_function_or_one_overload_is_its_code():
    assert cpplive.cppdef(r"""
    namespace lo_fn {
    int free_f(int x) { return x; }
    struct A { static int s(int x) { return x; } int m(double) const { return 1; } int m(int) { return 2; } };
    std::uintptr_t address_of_free() { return (std::uintptr_t)&free_f; }
    }""")
    ns = cpplive.gbl.lo_fn
    assert cpplive.addressof(ns.free_f) == ns.address_of_free()
    assert cpplive.addressof(ns.A.s)
    const_m = cpplive.addressof(ns.A.m.__overload__(":any:", True))
    plain_m = cpplive.addressof(ns.A.m.__overload__(":any:", False))
    assert const_m and plain_m and const_m != plain_m
    with pytest.raises(TypeError):
        cpplive.addressof(ns.A.m)      # two overloads: say which
