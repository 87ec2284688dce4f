"""Pointers and references: class types by pointer / reference / rvalue
reference, builtin out-parameters through ctypes, buffers for builtin
pointers, low-level views of returned pointers and array members, null
pointers.

C++ names used in this file all start with ``pt_``.
"""
import array
import ctypes

import pytest

import cpplive
from helpers import cpplive_only, run_python_ok


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef(r"""
    #include <cstdint>
    #include <utility>
    #include <vector>

    struct pt_Box {
        int v;
        std::vector<int> data;
        static int moves;
        pt_Box(int x = 0) : v(x), data(3, x) {}
        pt_Box(const pt_Box& o) : v(o.v), data(o.data) {}
        pt_Box(pt_Box&& o) : v(o.v), data(std::move(o.data)) { o.v = -1; ++moves; }
    };
    int pt_Box::moves = 0;

    int pt_by_ptr(pt_Box* b) { b->v += 1; return b->v; }
    int pt_by_const_ptr(const pt_Box* b) { return b->v * 2; }
    int pt_by_ref(pt_Box& b) { b.v += 10; return b.v; }
    int pt_by_cref(const pt_Box& b) { return b.v; }
    int pt_by_value(pt_Box b) { b.v = 999; return (int)b.data.size(); }
    int pt_by_rref(pt_Box&& b) {
        pt_Box taken(std::move(b));
        return (int)taken.data.size() * 100 + taken.v;
    }
    pt_Box&& pt_as_rvalue(pt_Box& b) { return std::move(b); }
    uintptr_t pt_addr_cref(const pt_Box& b) { return (uintptr_t)&b; }
    uintptr_t pt_addr_ptr(const pt_Box* b) { return (uintptr_t)b; }
    pt_Box& pt_static_box_ref() { static pt_Box b(41); return b; }
    pt_Box* pt_static_box_ptr() { return &pt_static_box_ref(); }
    int pt_static_box_v() { return pt_static_box_ref().v; }

    // builtin out-parameters
    void pt_out_int(int& x) { x = 42; }
    void pt_out_double(double& x) { x = 2.5; }
    void pt_inc_int(int& x) { x += 1; }
    void pt_scale_double(double& x, double k) { x *= k; }
    void pt_two_outs(int& q, int& r, int a, int b) { q = a / b; r = a % b; }
    void pt_set_int_ptr(int* p) { *p = 77; }
    int pt_read_cint_ptr(const int* p) { return *p; }

    // buffers
    void pt_fill_ints(int* p, int n) { for (int i = 0; i < n; ++i) p[i] = i * i; }
    void pt_fill_doubles(double* p, int n) { for (int i = 0; i < n; ++i) p[i] = i * 0.5; }
    int pt_sum_ints(const int* p, int n) { int s = 0; for (int i = 0; i < n; ++i) s += p[i]; return s; }
    uintptr_t pt_int_addr(int* p) { return (uintptr_t)p; }
    uintptr_t pt_double_addr(double* p) { return (uintptr_t)p; }

    // returned builtin pointers
    int* pt_static_ints() { static int a[4] = {5, 6, 7, 8}; return a; }
    int pt_static_ints_get(int i) { return pt_static_ints()[i]; }
    void pt_static_ints_reset() { int* a = pt_static_ints(); for (int i = 0; i < 4; ++i) a[i] = 5 + i; }
    double* pt_static_doubles() { static double a[3] = {0.5, 1.5, 2.5}; return a; }

    // array data members
    struct pt_Arr {
        int a[3] = {1, 2, 3};
        double d[2] = {0.25, 0.75};
        int get(int i) const { return a[i]; }
        double getd(int i) const { return d[i]; }
        void set(int i, int v) { a[i] = v; }
    };

    // null pointers
    bool pt_is_null(pt_Box* p) { return p == nullptr; }
    bool pt_is_null_int(int* p) { return p == nullptr; }
    bool pt_is_null_cptr(const pt_Box* p) { return p == nullptr; }
    pt_Box* pt_null_box() { return nullptr; }
    pt_Box* pt_maybe_box(bool give) { return give ? &pt_static_box_ref() : nullptr; }
    """)
    return cpplive.gbl


# ---------------------------------------------------------------- class types

def test_class_by_pointer_modifies(g):
    b = g.pt_Box(5)
    assert g.pt_by_ptr(b) == 6
    assert b.v == 6
    assert g.pt_by_const_ptr(b) == 12


def test_class_by_reference_modifies(g):
    b = g.pt_Box(5)
    assert g.pt_by_ref(b) == 15
    assert b.v == 15


def test_class_by_const_reference_no_copy(g):
    b = g.pt_Box(7)
    assert g.pt_by_cref(b) == 7
    assert g.pt_addr_cref(b) == cpplive.addressof(b)
    assert g.pt_addr_ptr(b) == cpplive.addressof(b)


def test_class_by_value_copies(g):
    b = g.pt_Box(7)
    assert g.pt_by_value(b) == 3
    assert b.v == 7
    assert b.data.size() == 3


def test_rvalue_reference_from_temporary(g):
    moves0 = g.pt_Box.moves
    # (not inside the assert: pytest's rewriting keeps extra references to temporaries)
    r = g.pt_by_rref(g.pt_Box(4))
    assert r == 304
    assert g.pt_Box.moves == moves0 + 1


def test_rvalue_reference_refuses_a_live_object(g):
    b = g.pt_Box(9)
    with pytest.raises(cpplive.NotMovedError) as info:   # C++ would not bind an lvalue there
        g.pt_by_rref(b)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert "std.move" in str(info.value)
    assert b.v == 9 and b.data.size() == 3
    moves0 = g.pt_Box.moves
    assert g.pt_by_rref(cpplive.gbl.std.move(b)) == 309
    assert g.pt_Box.moves == moves0 + 1
    # the object was moved from: its vector is empty and the move ctor marked it
    assert b.data.size() == 0
    assert b.v == -1
    # the mark is used up by the call it was made for
    with pytest.raises(TypeError):
        g.pt_by_rref(b)


def test_std_move_picks_the_move_constructor_and_assignment(g):
    b = g.pt_Box(5)
    moves0 = g.pt_Box.moves
    copy = g.pt_Box(b)                             # an lvalue: the copy constructor
    assert g.pt_Box.moves == moves0 and b.data.size() == 3
    moved = g.pt_Box(cpplive.gbl.std.move(b))
    assert g.pt_Box.moves == moves0 + 1 and moved.v == 5 and b.v == -1
    assert copy.v == 5
    assert cpplive.gbl.std.move(copy) is copy      # the same object, marked


def test_std_move_of_other_values_is_cpps():
    assert cpplive.gbl.std.move(3) == 3


def test_rvalue_reference_from_std_move(g):
    b = g.pt_Box(2)
    r = g.pt_by_rref(cpplive.gbl.std.move(b))
    assert r == 302
    assert b.data.size() == 0


def test_function_returning_rvalue_reference(g):
    b = g.pt_Box(2)
    r = g.pt_as_rvalue(b)
    assert cpplive.addressof(r) == cpplive.addressof(b)
    assert r.v == 2


def test_returned_reference_and_pointer_alias_cpp_object(g):
    r = g.pt_static_box_ref()
    p = g.pt_static_box_ptr()
    assert cpplive.addressof(r) == cpplive.addressof(p)
    old = r.v
    try:
        r.v = 123
        assert g.pt_static_box_v() == 123
        assert p.v == 123
    finally:
        r.v = old


# ---------------------------------------------------------------- ctypes out-parameters

def test_int_reference_out_parameter(g):
    x = ctypes.c_int(0)
    assert g.pt_out_int(x) is None
    assert x.value == 42


def test_double_reference_out_parameter(g):
    x = ctypes.c_double(0.0)
    g.pt_out_double(x)
    assert x.value == 2.5


def test_int_reference_in_out(g):
    x = ctypes.c_int(5)
    g.pt_inc_int(x)
    g.pt_inc_int(x)
    assert x.value == 7


def test_double_reference_in_out(g):
    x = ctypes.c_double(1.5)
    g.pt_scale_double(x, 4.0)
    assert x.value == 6.0


def test_two_out_parameters(g):
    q, r = ctypes.c_int(-1), ctypes.c_int(-1)
    g.pt_two_outs(q, r, 17, 5)
    assert (q.value, r.value) == (3, 2)


def test_ctypes_int_for_int_pointer(g):
    x = ctypes.c_int(0)
    g.pt_set_int_ptr(x)
    assert x.value == 77
    assert g.pt_read_cint_ptr(ctypes.c_int(9)) == 9


def test_ctypes_byref_and_pointer_for_int_pointer(g):
    x = ctypes.c_int(0)
    g.pt_set_int_ptr(ctypes.byref(x))
    assert x.value == 77
    x.value = 0
    g.pt_set_int_ptr(ctypes.pointer(x))
    assert x.value == 77
    assert g.pt_int_addr(ctypes.byref(x)) == ctypes.addressof(x)
    assert g.pt_int_addr(ctypes.pointer(x)) == ctypes.addressof(x)
    assert g.pt_read_cint_ptr(ctypes.byref(ctypes.c_int(9))) == 9


@cpplive_only  # cppyy refuses a byref with an offset
def test_ctypes_byref_with_offset_points_inside(g):
    arr = (ctypes.c_int * 3)(1, 2, 3)
    g.pt_set_int_ptr(ctypes.byref(arr, ctypes.sizeof(ctypes.c_int)))
    assert list(arr) == [1, 77, 3]


def test_ctypes_byref_and_pointer_check_the_element_type(g):
    d = ctypes.c_double(0.0)
    with pytest.raises(TypeError):
        g.pt_set_int_ptr(ctypes.byref(d))
    with pytest.raises(TypeError):
        g.pt_set_int_ptr(ctypes.pointer(d))
    assert d.value == 0.0
    assert g.pt_double_addr(ctypes.pointer(d)) == ctypes.addressof(d)


def test_null_ctypes_pointer_is_null(g):
    assert g.pt_int_addr(ctypes.POINTER(ctypes.c_int)()) == 0


# ---------------------------------------------------------------- buffers for builtin pointers

def test_int_pointer_accepts_array_without_copy(g):
    a = array.array("i", [0] * 5)
    g.pt_fill_ints(a, 5)
    assert a.tolist() == [0, 1, 4, 9, 16]
    assert g.pt_int_addr(a) == a.buffer_info()[0]
    assert g.pt_sum_ints(a, 5) == 30


def test_double_pointer_accepts_array_without_copy(g):
    a = array.array("d", [9.0] * 4)
    g.pt_fill_doubles(a, 3)
    assert a.tolist() == [0.0, 0.5, 1.0, 9.0]
    assert g.pt_double_addr(a) == a.buffer_info()[0]


def test_int_pointer_rejects_wrong_buffer_type(g):
    with pytest.raises(TypeError):
        g.pt_set_int_ptr(array.array("d", [1.0]))
    with pytest.raises(TypeError):
        g.pt_set_int_ptr(bytearray(4))


def test_int_pointer_rejects_list(g):
    with pytest.raises(TypeError):
        g.pt_fill_ints([0, 0, 0], 3)


def test_numpy_arrays_without_copy(g):
    np = pytest.importorskip("numpy")
    a = np.zeros(4, dtype=np.intc)
    g.pt_fill_ints(a, 4)
    assert a.tolist() == [0, 1, 4, 9]
    assert g.pt_int_addr(a) == a.ctypes.data
    d = np.full(3, 7.0, dtype=np.float64)
    g.pt_fill_doubles(d, 2)
    assert d.tolist() == [0.0, 0.5, 7.0]
    assert g.pt_double_addr(d) == d.ctypes.data


# ---------------------------------------------------------------- returned pointers as views

def test_returned_int_pointer_indexing(g):
    g.pt_static_ints_reset()
    p = g.pt_static_ints()
    assert [p[0], p[1], p[2], p[3]] == [5, 6, 7, 8]


def test_returned_int_pointer_item_assignment_writes_cpp(g):
    g.pt_static_ints_reset()
    p = g.pt_static_ints()
    try:
        p[2] = 70
        assert g.pt_static_ints_get(2) == 70
    finally:
        g.pt_static_ints_reset()


def test_returned_double_pointer_indexing(g):
    d = g.pt_static_doubles()
    assert d[0] == 0.5 and d[2] == 2.5


@cpplive_only  # cppyy's reshape works in place and returns None
def test_returned_int_pointer_reshape(g):
    g.pt_static_ints_reset()
    view = g.pt_static_ints().reshape((4,))
    assert len(view) == 4
    assert list(view) == [5, 6, 7, 8]
    assert [x for x in view] == [5, 6, 7, 8]
    m = memoryview(view)
    assert m.tolist() == [5, 6, 7, 8]
    assert m.itemsize == ctypes.sizeof(ctypes.c_int)
    assert m.shape == (4,)
    try:
        m[3] = 80
        assert g.pt_static_ints_get(3) == 80
        view[0] = 50
        assert g.pt_static_ints_get(0) == 50
    finally:
        g.pt_static_ints_reset()


# ---------------------------------------------------------------- array data members

@cpplive_only
def test_returned_int_pointer_of_unknown_size_is_not_iterable(g):
    # Walking a view of unknown length would read past the C++ array.
    p = g.pt_static_ints()
    with pytest.raises(TypeError, match="unknown"):
        list(p)
    assert list(p.reshape((4,))) == [5, 6, 7, 8]


def test_view_of_unknown_size_has_a_made_up_length_for_buffer_consumers(g):
    # As in cppyy: INT_MAX bytes, so that ctypes and NumPy can wrap the
    # memory with the length the program knows.
    p = g.pt_static_ints()
    assert len(p) == (2**31 - 1) // ctypes.sizeof(ctypes.c_int)
    wrapped = (ctypes.c_int * len(p)).from_buffer(p)
    assert [wrapped[i] for i in range(4)] == [5, 6, 7, 8]
    numpy = pytest.importorskip("numpy")
    assert numpy.frombuffer(p, dtype=numpy.intc, count=4).tolist() == [5, 6, 7, 8]


def test_reshape_works_in_place_and_keeps_a_known_size(g):
    p = g.pt_static_ints()
    assert p.reshape((4,)) is p
    assert len(p) == 4 and list(p) == [5, 6, 7, 8]
    with pytest.raises(ValueError):
        p.reshape((1, 2))
    with pytest.raises(TypeError):
        p.reshape(8)
    p.reshape((2, 2))
    assert p.shape == (2, 2) and p[1][0] == 7 and p[1, 1] == 8
    m = memoryview(p)
    assert m.shape == (2, 2)
    p.reshape((4,))
    # A buffer exported before keeps its own shape.
    assert m.shape == (2, 2) and memoryview(p).shape == (4,)


def test_views_take_tuple_indices(g):
    cpplive.cppdef("struct pt_Grid3 { short m[2][3] = {{1, 2, 3}, {4, 5, 6}}; int* rows[2]; int r0[2] = {7, 8}; int r1[2] = {9, 10}; pt_Grid3() { rows[0] = r0; rows[1] = r1; } };")
    grid = cpplive.gbl.pt_Grid3()
    assert grid.m[1, 2] == 6
    grid.m[0, 1] = 20
    assert grid.m[0][1] == 20
    assert grid.rows[1, 0] == 9
    grid.rows[0, 1] = 80
    assert grid.r0[1] == 80
    with pytest.raises(IndexError):
        grid.m[0, 3]


def test_array_member_reads_as_view(g):
    o = g.pt_Arr()
    assert len(o.a) == 3
    assert list(o.a) == [1, 2, 3]
    assert o.a[2] == 3
    assert len(o.d) == 2
    assert list(o.d) == [0.25, 0.75]


def test_array_member_item_assignment_writes_cpp(g):
    o = g.pt_Arr()
    o.a[1] = 20
    assert o.get(1) == 20
    o.d[0] = -1.5
    assert o.getd(0) == -1.5
    assert list(o.a) == [1, 20, 3]


def test_array_member_sees_cpp_writes(g):
    o = g.pt_Arr()
    view = o.a
    o.set(0, 99)
    assert view[0] == 99


def test_array_member_out_of_range(g):
    o = g.pt_Arr()
    with pytest.raises(IndexError):
        o.a[3]


# ---------------------------------------------------------------- null pointers

def test_nullptr_as_null_pointer(g):
    assert g.pt_is_null(cpplive.nullptr) is True
    assert g.pt_is_null_cptr(cpplive.nullptr) is True
    assert g.pt_is_null_int(cpplive.nullptr) is True
    assert g.pt_is_null(g.pt_Box(1)) is False


def test_none_is_no_null_pointer(g):
    # As in cppyy: nullptr (or 0) is the null pointer; None is refused.
    for f in (g.pt_is_null, g.pt_is_null_cptr, g.pt_is_null_int):
        with pytest.raises(TypeError):
            f(None)
        assert f(0) is True


def test_returned_null_class_pointer_is_falsy(g):
    r = g.pt_null_box()
    assert not r
    assert not g.pt_maybe_box(False)
    ok = g.pt_maybe_box(True)
    assert ok
    assert ok.v == g.pt_static_box_v()


def test_returned_null_class_pointer_is_a_null_object_of_its_class(g):
    r = g.pt_null_box()
    assert type(r) is g.pt_Box and isinstance(r, g.pt_Box)
    assert r == None and None == r and not (r != None)       # noqa: E711
    assert r == cpplive.nullptr and cpplive.addressof(r) == 0
    with pytest.raises(ReferenceError):
        r.v
    assert g.pt_is_null_cptr(r) is True                     # goes back as a null pointer
    assert g.pt_null_box() is not r                         # null objects are not in the identity table


def test_null_objects_compare_equal_to_null_objects_of_their_class(g):
    cpplive.cppdef("""
    struct pt_Eq { int v = 1; bool operator==(const pt_Eq& o) const { return v == o.v; } };
    struct pt_EqDerived : pt_Eq {};
    pt_Eq* pt_null_eq() { return nullptr; }
    """)
    a, b = g.pt_null_box(), cpplive.bind_object(0, g.pt_Box)
    assert a == b and not (a != b)
    e, d = g.pt_null_eq(), cpplive.bind_object(0, g.pt_EqDerived)
    assert e == d and d == e                # a null base and a null derived object
    assert a != e and e != a                # unrelated classes
    live = g.pt_Eq()
    # C++'s operator== is never handed a null object.
    assert live != e and e != live and not (live == e)
    assert live == g.pt_Eq() and live != None and None != live  # noqa: E711
    assert g.pt_static_box_ptr() != a and a != g.pt_static_box_ptr()


def test_null_class_pointers_in_members_variables_and_containers(g):
    cpplive.cppdef("""
    struct pt_NullHolder { pt_Box* box = nullptr; };
    pt_Box* pt_null_global = nullptr;
    std::vector<pt_Box*> pt_with_null() { return {nullptr, &pt_static_box_ref()}; }
    """)
    h = g.pt_NullHolder()
    assert type(h.box) is g.pt_Box and h.box == None        # noqa: E711
    with pytest.raises(ReferenceError):
        g.pt_null_global.v
    first, second = list(g.pt_with_null())
    assert type(first) is g.pt_Box and not first and second.v == g.pt_static_box_v()


def test_two_dimensional_array_member_reads_as_rows():
    cpplive.cppdef("struct pt_Grid { double m[2][3] = {{1, 2, 3}, {4, 5, 6}}; };")
    grid = cpplive.gbl.pt_Grid()
    assert len(grid.m) == 2 and len(grid.m[0]) == 3
    assert grid.m[1][0] == 4.0
    assert [list(row) for row in grid.m] == [[1, 2, 3], [4, 5, 6]]
    grid.m[1][2] = 9.5
    assert grid.m[1][2] == 9.5


@cpplive_only  # the view type is cpplive's
def test_multi_dimensional_views_export_their_shape():
    numpy = pytest.importorskip("numpy")
    cpplive.cppdef("struct pt_Grid2 { int m[2][3] = {{1, 2, 3}, {4, 5, 6}}; }; int* pt_six() { static int a[6] = {1, 2, 3, 4, 5, 6}; return a; }")
    grid = cpplive.gbl.pt_Grid2()
    assert numpy.asarray(grid.m).shape == (2, 3)
    assert numpy.asarray(grid.m)[1, 2] == 6
    view = cpplive.gbl.pt_six().reshape((3, 2))
    assert view[2][1] == 6 and numpy.asarray(view).tolist() == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError):
        grid.m[0] = 1


# ------------------------------------------------------ character data as str

@pytest.fixture(scope="module")
def text():
    assert cpplive.cppdef(r"""
    namespace pt_text {
    const char* name = "aap";
    const char16_t* name16 = u"z\u00df\u6c34";
    const char32_t* name32 = U"z\u00df\U0001f34c";
    const char fixed[] = "noot";
    char buffer[8] = "mies";
    struct Rec {
        const char* label = nullptr;
        char* mutable_label = nullptr;
        const char* const fixed_label = "const";
        char16_t wide[6] = u"hi";
        char rows[2][4] = {"ab", "cd"};
        const char* get_label() const { return label; }
    };
    int first_char(const Rec& r) { return r.label ? r.label[0] : -1; }
    void shout(Rec& r) { r.mutable_label[0] = 'X'; }
    Rec* make_rec() { return new Rec; }
    const char* name_of() { return name; }
    }""")
    return cpplive.gbl.pt_text


def test_character_pointer_variables_read_as_str(text):
    assert text.name == "aap"
    assert text.name16 == "z\u00df\u6c34"
    assert text.name32 == "z\u00df\U0001f34c"
    assert text.fixed == "noot"


def test_character_pointer_variable_takes_a_copy_of_a_str(text):
    s = "wim" + "pie"
    text.name = s
    del s
    assert text.name == "wimpie"
    assert text.name_of() == "wimpie"
    text.name16 = "\u6c34!"
    assert text.name16 == "\u6c34!"


def test_character_pointer_member_assignment_outlives_the_str(text):
    r = text.Rec()
    assert r.label == ""                 # null, read as cppyy reads it
    r.label = "".join(["ab", "c"])
    assert r.label == "abc" and r.get_label() == "abc" and text.first_char(r) == ord("a")
    r.label = b"bytes"
    assert r.label == "bytes"
    r.label = "aap\0noot"          # C++ sees the text up to the NUL
    assert r.label == "aap"
    r.label = cpplive.nullptr
    assert r.label == "" and text.first_char(r) == -1


def test_char_pointer_member_is_a_writable_copy(text):
    r = text.Rec()
    s = "quiet"
    r.mutable_label = s
    text.shout(r)
    assert r.mutable_label == "Xuiet" and s == "quiet"


def test_character_text_of_an_object_cpp_owns_stays_valid():
    out = run_python_ok(r"""
import gc, cpplive
cpplive.cppdef('struct pt_T { const char* s = nullptr; }; pt_T* pt_t_make() { return new pt_T; }')
r = cpplive.gbl.pt_t_make()
address = cpplive.addressof(r)
r.s = "x" * 1000
del r; gc.collect()
again = cpplive.bind_object(address, cpplive.gbl.pt_T)
print(again.s == "x" * 1000)
""", timeout=60)
    assert out.split() == ["True"]


def test_const_character_pointer_is_read_only(text):
    r = text.Rec()
    assert r.fixed_label == "const"
    with pytest.raises(TypeError, match="is const"):
        r.fixed_label = "other"
    with pytest.raises(AttributeError):
        r.fixed_label = "other"


def test_char_array_is_a_view_and_takes_a_str(text):
    assert text.buffer.as_string() == "mies" and len(text.buffer) == 8
    text.buffer = "aap"
    assert text.buffer.as_string() == "aap"
    assert "".join(text.buffer)[:3] == "aap"
    with pytest.warns(RuntimeWarning, match="too long"):
        text.buffer = "123456789"
    assert text.buffer.as_string() == "12345678"


def test_wide_character_array_reads_as_str_and_takes_one(text):
    r = text.Rec()
    assert r.wide == "hi\0\0\0\0"
    r.wide = "hello"
    assert r.wide[:5] == "hello"
    with pytest.warns(RuntimeWarning):
        r.wide = "hellowd"
    assert r.wide == "hellow"
    with pytest.raises(TypeError):
        r.wide = 3


def test_rows_of_chars_are_views_with_as_string(text):
    r = text.Rec()
    assert r.rows.shape == (2, 4)
    assert [r.rows[i].as_string() for i in range(2)] == ["ab", "cd"]


# ------------------------------------------------- views of pointers and objects

@pytest.fixture(scope="module")
def items():
    assert cpplive.cppdef(r"""
    namespace pt_items {
    const char* words[3] = {"aap", "noot", "mies"};
    int** make(int n, int m) {
        int** r = new int*[n];
        for (int i = 0; i < n; ++i) { r[i] = new int[m]; for (int j = 0; j < m; ++j) r[i][j] = 10*i + j; }
        return r;
    }
    int** matrix = make(2, 3);
    int sum(int** m, int n, int k) { int s = 0; for (int i = 0; i < n; ++i) for (int j = 0; j < k; ++j) s += m[i][j]; return s; }
    struct S { int v; };
    S objects[3] = {{1}, {2}, {3}};
    S* pointers[2] = {&objects[0], &objects[2]};
    void* addresses[2] = {nullptr, &objects[1]};
    enum E { A, B };
    E enums[2] = {B, A};
    struct Layers { double* layers[2]; Layers() { layers[0] = new double[2]{1, 2}; layers[1] = new double[2]{3, 4}; } };
    }""")
    return cpplive.gbl.pt_items


def test_array_of_c_strings_reads_as_strs(items):
    assert list(items.words) == ["aap", "noot", "mies"]
    assert items.words.shape == (3,)
    with pytest.raises(TypeError, match="outlive"):
        items.words[0] = "x"


def test_pointer_to_pointers_is_indexable_and_passes_back(items):
    m = items.make(2, 3)
    assert m[1][2] == 12 and items.matrix[1][0] == 10
    assert items.sum(m, 2, 3) == items.sum(items.matrix, 2, 3) == 36
    row = items.matrix[0].reshape((3,))
    assert list(row) == [0, 1, 2]


def test_arrays_of_objects_pointers_and_enums(items):
    assert [s.v for s in items.objects] == [1, 2, 3]
    assert [s.v for s in items.pointers] == [1, 3]
    assert items.addresses[0] == 0 and items.addresses[1] == cpplive.addressof(items.objects[1])
    assert list(items.enums) == [items.B, items.A]
    items.pointers[0] = items.objects[1]
    assert items.pointers[0].v == 2
    items.enums[0] = items.A
    assert list(items.enums) == [items.A, items.A]


def test_array_of_builtin_pointers_member(items):
    layers = items.Layers().layers
    assert len(layers) == 2
    assert list(layers[1].reshape((2,))) == [3.0, 4.0]
    assert memoryview(layers).format == "P"


# ------------------------------------------------------------ pointer arguments

@pytest.fixture(scope="module")
def args():
    import sysconfig
    cpplive.add_include_path(sysconfig.get_config_var("INCLUDEPY"))
    assert cpplive.cppdef(r"""
    #include "Python.h"
    #include <cstddef>
    #include <string>
    namespace pt_args {
    struct P { int v = 1; };
    P other{42};
    long deref(void** p) { return (long)*p; }
    void repoint(P** p) { *p = &other; }
    int value_of(P** p) { return (*p)->v; }
    long address(void* p) { return (long)p; }
    bool is_null(P* p) { return p == nullptr; }
    int sum_bytes(const std::byte* b, int n) { int s = 0; for (int i = 0; i < n; ++i) s += (int)b[i]; return s; }
    std::string join(const char** s, int n) { std::string r; for (int i = 0; i < n; ++i) r += s[i]; return r; }
    int shout_all(char** argv) { int n = 0; for (; argv[n]; ++n) argv[n][0] = 'X'; return n; }
    long as_long(PyObject* o) { return PyLong_AsLong(o); }
    PyObject* same(PyObject* o) { Py_INCREF(o); return o; }
    }""")
    return cpplive.gbl.pt_args


def test_object_for_a_pointer_to_pointer_passes_its_own_pointer(args):
    p = args.P()
    assert args.deref(p) == cpplive.addressof(p)
    assert args.value_of(p) == 1


def test_pointer_to_pointer_out_parameter_repoints_the_proxy(args):
    p = args.P()
    assert p.__python_owns__
    args.repoint(p)
    assert p.v == 42 and cpplive.addressof(p) == cpplive.addressof(args.other)
    # what it owned is left to C++; it does not delete `other` either
    assert not p.__python_owns__


def test_object_for_a_void_pointer_reference_passes_its_own_pointer():
    cpplive.cppdef("""
    namespace pt_vref {
    struct Q { int v = 5; };
    Q other{7};
    long read(void*& p) { return (long)p; }
    void repoint(void*& p) { p = &other; }
    }""")
    ns = cpplive.gbl.pt_vref
    q = ns.Q()
    assert ns.read(q) == cpplive.addressof(q)
    unbound = cpplive.bind_object(cpplive.nullptr, ns.Q)
    ns.repoint(unbound)
    assert cpplive.addressof(unbound) == cpplive.addressof(ns.other) and unbound.v == 7


def test_int_for_void_pointer_and_zero_for_null(args):
    assert args.address(1234) == 1234
    assert args.is_null(0) and args.is_null(cpplive.nullptr)
    with pytest.raises(TypeError):
        args.is_null(1)


def test_pointer_to_enum_takes_a_buffer_of_its_underlying_type(args):
    assert args.sum_bytes(array.array("B", b"123"), 3) == 150
    assert args.sum_bytes((ctypes.c_ubyte * 3)(1, 2, 3), 3) == 6
    with pytest.raises(TypeError):
        args.sum_bytes(array.array("i", [1]), 1)


def test_char_pointer_pointer_from_a_list_of_str(args):
    assert args.join(["aap", b"noot", "mies"], 3) == "aapnootmies"
    assert args.join(("a", "b"), 2) == "ab"
    words = ["one", "two"]
    assert args.shout_all(words) == 2
    assert words == ["one", "two"]          # C++ wrote into copies
    with pytest.raises(TypeError):
        args.join(["aap", 1], 2)
    with pytest.raises(TypeError):
        args.join(["aap", None], 2)


def test_pyobject_pointer_is_the_object_itself(args):
    assert args.as_long(7) == 7
    obj = [1, 2]
    assert args.same(obj) is obj


def test_copy_or_move_is_chosen_on_every_call(g):
    # The winner for an object argument is not remembered by its type: its
    # std.move mark decides.
    b = g.pt_Box(3)
    for _ in range(3):
        moves0 = g.pt_Box.moves
        g.pt_Box(b)
        assert g.pt_Box.moves == moves0 and b.v == 3
    g.pt_Box(cpplive.gbl.std.move(b))
    assert b.v == -1
    c = g.pt_Box(4)
    g.pt_Box(c)
    assert c.v == 4


def test_ctypes_character_pointers_stand_for_their_text():
    # A c_char_p (c_wchar_p) holds a pointer: for `void*` (and `char*`) it
    # passes that pointer, for `char**` the place C++ writes one into. It
    # once passed its own storage to `free`, which ended the process.
    out = run_python_ok(r"""
import ctypes, cpplive
cpplive.cppdef('''
#include <cstdlib>
#include <cstdint>
#include <cwchar>
intptr_t pt_alloc_text(char** p) { *p = (char*)malloc(4); (*p)[0] = 'o'; (*p)[1] = 'k'; (*p)[2] = 0; return (intptr_t)*p; }
intptr_t pt_alloc_wide(wchar_t** p) { *p = (wchar_t*)malloc(4 * sizeof(wchar_t)); return (intptr_t)*p; }
intptr_t pt_freeit(void* p) { intptr_t out = (intptr_t)p; free(p); return out; }
int pt_text_len(const char* s) { return s ? (int)__builtin_strlen(s) : -1; }
int pt_wide_len(const wchar_t* s) { return s ? (int)std::wcslen(s) : -1; }
''')
g = cpplive.gbl
p = ctypes.c_char_p()
made = g.pt_alloc_text(p)
print(p.value, g.pt_text_len(p))
print(g.pt_freeit(p) == made)
w = ctypes.c_wchar_p()
made = g.pt_alloc_wide(w)
print(g.pt_freeit(w) == made)
print(g.pt_wide_len(ctypes.c_wchar_p("abc")))
""", timeout=60)
    assert out.split() == ["b'ok'", "2", "True", "True", "3"]


def test_array_members_take_a_copy_of_a_buffer_of_their_shape():
    numpy = pytest.importorskip("numpy")
    import array
    cpplive.cppdef("""
    #include <cstddef>
    struct pt_Arrays { unsigned char bytes[4] = {}; short grid[3][5] = {}; std::byte raw[2] = {}; double d[3] = {1, 2, 3}; };
    """)
    a = cpplive.gbl.pt_Arrays()
    a.bytes = array.array("B", [1, 2, 250, 4])
    # Views of signed and unsigned char hold numbers (bytes).
    assert list(a.bytes) == [1, 2, 250, 4]
    a.grid = numpy.arange(15, dtype=numpy.int16).reshape(3, 5)
    assert a.grid[2, 4] == 14 and a.grid[1][0] == 5
    a.raw = bytearray(b"\x07\x08")
    assert int(a.raw[1]) == 8
    a.d = numpy.array([9.0, 8.0])          # fewer items: the rest stays
    assert list(a.d) == [9.0, 8.0, 3.0]
    with pytest.raises(ValueError):
        a.grid = numpy.ones((5, 5), dtype=numpy.int16)
    with pytest.raises(ValueError):
        a.d = numpy.ones(4)
    with pytest.raises(TypeError):
        a.grid = numpy.ones((3, 5), dtype=numpy.int64)


def test_null_pointer_results_are_empty_views(g):
    cpplive.cppdef("int* pt_null_ints() { return nullptr; } bool pt_no_ints(int* p) { return !p; }")
    p = cpplive.gbl.pt_null_ints()
    assert not p and len(p) == 0 and list(p) == []
    with pytest.raises(ReferenceError):
        p[0]
    assert cpplive.gbl.pt_no_ints(p)


def test_typedefs_to_pointers_make_handles():
    import ctypes
    cpplive.cppdef("""
    namespace pt_h {
        typedef void* Handle;
        void open(Handle* h) { *h = new int(42); }
        bool close(Handle h) { bool ok = *(int*)h == 42; delete (int*)h; return ok; }
        struct Obj { int v = 3; };
        typedef Obj* ObjPtr;
        int value(ObjPtr p) { return p ? p->v : -1; }
        void make(ObjPtr* p) { *p = new Obj; }
    }""")
    ns = cpplive.gbl.pt_h
    h = ns.Handle(cpplive.nullptr)
    assert isinstance(h, ctypes.c_void_p) and not h.value
    ns.open(h)
    assert h.value and ns.close(h)
    o = ns.Obj()
    p = ns.ObjPtr(o)
    assert cpplive.addressof(p) == cpplive.addressof(o) and ns.value(p) == 3
    q = ns.ObjPtr()
    ns.make(q)
    assert ns.value(q) == 3


def test_references_to_pointers_take_ctypes_pointer_objects():
    import ctypes
    cpplive.cppdef("""
    #include <cstring>
    namespace pt_pr {
        int initialize(int& argc, char**& argv) { argv[0][0] = 'H'; return argc; }
        void fill(int& argc, char**& argv) { argc = 1; argv = new char*[1]; argv[0] = new char[3]; std::strcpy(argv[0], "ok"); }
        void release(char** argv) { delete[] argv[0]; delete[] argv; }
    }""")
    ns = cpplive.gbl.pt_pr
    words = (ctypes.c_char_p * 2)(b"hello", b"world")
    argv = ctypes.POINTER(ctypes.c_char_p)(words)
    assert ns.initialize(ctypes.c_int(2), argv) == 2 and words[0] == b"Hello"
    argc, out = ctypes.c_int(0), ctypes.c_void_p()
    ns.fill(argc, out)
    assert argc.value == 1 and ctypes.cast(out, ctypes.POINTER(ctypes.c_char_p))[0] == b"ok"
    ns.release(ctypes.cast(out, ctypes.POINTER(ctypes.c_char_p)))
    with pytest.raises(TypeError):
        ns.fill(argc, 0)


def test_pointers_to_enum_pointers_and_enum_ctypes():
    import ctypes
    cpplive.cppdef("""
    #include <cstdlib>
    namespace pt_ep {
        enum Kind : short { A = 1, B = 42 };
        void build(Kind** p, int* n) { *p = (Kind*)std::malloc(2 * sizeof(Kind)); (*p)[0] = A; (*p)[1] = B; *n = 2; }
    }""")
    ns = cpplive.gbl.pt_ep
    assert ns.Kind.__ctype__ is ctypes.c_short
    n = ctypes.c_int(0)
    for p in (ctypes.c_void_p(0), ctypes.pointer(ns.Kind.__ctype__(0))):
        ns.build(p, ctypes.pointer(n))
        items = cpplive.ll.cast["pt_ep::Kind*"](p)
        items.reshape((n.value,))
        assert list(items) == [1, 42]
        cpplive.ll.free(p)


def test_pointer_members_keep_the_buffer_they_were_given():
    numpy = pytest.importorskip("numpy")
    import gc
    cpplive.cppdef("struct pt_Buf { double* data = nullptr; int size = 0; }; double pt_buf_sum(const pt_Buf& b) { double s = 0; for (int i = 0; i < b.size; ++i) s += b.data[i]; return s; }")
    b = cpplive.gbl.pt_Buf()
    b.data = 4.0 * numpy.arange(10, dtype=numpy.float64)
    b.size = 10
    gc.collect()
    # The array lives as long as the object; the view has its length.
    junk = [numpy.full(10, 99.0) for _ in range(50)]
    assert len(b.data) == 10 and list(b.data) == [4.0 * i for i in range(10)]
    assert cpplive.gbl.pt_buf_sum(b) == 180.0
    b.data = numpy.ones(3)
    assert len(b.data) == 3
    b.data = cpplive.nullptr
    assert not b.data
    del junk


def test_a_pointer_members_view_keeps_its_shape_while_it_shows_the_same_memory(g):
    cpplive.cppdef("""
    struct pt_Rows {
        int** rows;
        int cells[6];
        int* other;
        int first[6], second[6];
        pt_Rows() : rows(new int*[2]), other(first) {
            for (int i = 0; i < 2; ++i) {
                rows[i] = new int[3];
                for (int j = 0; j < 3; ++j) rows[i][j] = 3*i + j;
            }
            for (int k = 0; k < 6; ++k) { cells[k] = k; first[k] = 10 + k; second[k] = 20 + k; }
        }
        ~pt_Rows() { delete[] rows[0]; delete[] rows[1]; delete[] rows; }
        void repoint() { other = second; }
    };
    int pt_grid_cells[4] = {1, 2, 3, 4};
    int* pt_grid_global = pt_grid_cells;
    """)
    r = g.pt_Rows()
    r.rows.reshape((2, 3))                      # as cppyy: the member keeps the shape
    assert r.rows.shape == (2, 3)
    assert [[r.rows[i, j] for j in range(3)] for i in range(2)] == [[0, 1, 2], [3, 4, 5]]
    r.cells.reshape((2, 3))
    assert r.cells.shape == (2, 3) and r.cells[1][0] == 3
    view = r.other
    view.reshape((6,))
    assert r.other is view
    r.repoint()                                 # C++ points it elsewhere: a new view
    assert r.other is not view and r.other[0] == 20
    kept = r.other
    r.other = array.array("i", [7, 8])          # so does an assignment from Python
    assert r.other is not kept and list(r.other) == [7, 8]
    g.pt_grid_global.reshape((2, 2))            # a variable's view is kept likewise
    assert g.pt_grid_global.shape == (2, 2) and g.pt_grid_global[1, 1] == 4


def test_a_null_object_is_false_whatever_its_class_says_about_truth(g):
    cpplive.cppdef("""
    struct pt_Truthy { explicit operator bool() const { return true; } };
    pt_Truthy* pt_null_truthy() { return nullptr; }
    std::vector<int>* pt_null_vector() { return nullptr; }
    """)
    assert g.pt_Truthy() and not g.pt_null_truthy()
    assert not g.pt_null_vector() and g.pt_null_vector() == None   # noqa: E711  (no call of empty())


@pytest.fixture(scope="module")
def arrays():
    assert cpplive.cppdef(r"""
    #include <cstdlib>
    #include <string>
    namespace pt_arrays {
    struct P { int v; };
    P pool[3] = {{4}, {5}, {6}};
    P* first = pool;
    P* rows[2] = {pool, pool + 1};
    struct Holder { P* items; Holder() : items(new P[2]{{1}, {2}}) {} ~Holder() { delete[] items; } };
    P* get_first() { return pool; }
    typedef struct { int x, y, z; } xy;
    xy** make(int n, int m) {
        xy** mat = (xy**)malloc(n * sizeof(xy*));
        xy* all = (xy*)malloc(n * m * sizeof(xy));
        for (int i = 0; i < n; ++i) { mat[i] = all + i * m; for (int j = 0; j < m; ++j) { mat[i][j].x = i; mat[i][j].y = j; } }
        return mat;
    }
    void release(xy** mat) { free(mat[0]); free(mat); }
    int sum(const P* p, int n) { int s = 0; for (int i = 0; i < n; ++i) s += p[i].v; return s; }
    void* opaque(bool null) { return null ? nullptr : (void*)pool; }
    void* table[2] = {(void*)pool, nullptr};
    void* table_at = (void*)table;
    std::string restricted(const char* __restrict s, int* __restrict n) { *n = (int)std::string(s).size(); return s; }
    struct Named { std::string name; };
    Named global_named{"Hello"};
    struct RefMember { const Named& named; int& count; int c = 7; RefMember() : named(global_named), count(c) {} };
    }""")
    return cpplive.gbl.pt_arrays


def test_class_pointers_read_in_place_index_as_arrays(arrays):
    # A `T*` member, variable or item may point at an array, as in cppyy.
    h = arrays.Holder()
    assert h.items.v == 1 and h.items[1].v == 2 and h.items[0] is h.items
    assert arrays.first[2].v == 6
    assert arrays.rows[1][1].v == 6
    # Results and values are single objects; iteration is not offered.
    with pytest.raises(TypeError, match="not subscriptable"):
        arrays.get_first()[1]
    with pytest.raises(TypeError, match="not subscriptable"):
        arrays.pool[0][1]
    with pytest.raises(TypeError):
        iter(h.items)
    with pytest.raises(IndexError):
        h.items[-1]


def test_views_of_object_pointers_show_the_first_objects_members(arrays):
    m = arrays.make(2, 3)
    assert (m.x, m.y) == (0, 0)
    assert [(m[i].x, m[i][j].x, m[i][j].y) for i in range(2) for j in range(3)] == \
        [(i, i, j) for i in range(2) for j in range(3)]
    assert not hasattr(m, "__array_interface__")
    arrays.release(m)


def test_views_of_objects_pass_to_object_pointers(arrays):
    objects = cpplive.ll.array_new[arrays.P](3)
    for i, o in enumerate(objects):
        o.v = i + 1
    assert arrays.sum(objects, 3) == 6
    with pytest.raises(TypeError):
        arrays.sum(cpplive.ll.array_new[int](3), 3)
    cpplive.ll.array_delete(objects)


def test_void_pointers_read_as_nullptr_or_a_view_of_addresses(arrays):
    assert arrays.opaque(True) is cpplive.nullptr
    p = arrays.opaque(False)
    assert cpplive.addressof(p) == cpplive.addressof(arrays.pool[0])
    assert cpplive.bind_object(p, arrays.P).v == 4
    assert arrays.sum(cpplive.bind_object(p, arrays.P), 1) == 4
    # Its items are the addresses an array of void* holds.
    assert arrays.table_at[0] == cpplive.addressof(arrays.pool[0]) and arrays.table_at[1] == 0
    assert arrays.table[1] == 0
    assert cpplive.addressof(0) == 0
    with pytest.raises(TypeError):
        cpplive.addressof(1234)


def test_restrict_qualified_pointer_parameters(arrays):
    n = ctypes.c_int(0)
    assert arrays.restricted("aap", n) == "aap" and n.value == 3


def test_reference_members_read_what_they_refer_to(arrays):
    r = arrays.RefMember()
    assert r.named.name == "Hello" and r.count == 7
    r.c = 9
    assert r.count == 9


def test_null_goes_to_a_builtin_pointer_overload_before_a_class_pointer_one():
    assert cpplive.cppdef(r"""
    #include <complex>
    namespace pt_null_overloads {
    struct K { int v = 1; };
    const char* which(std::complex<double>*) { return "complex"; }
    const char* which(short*) { return "short"; }
    const char* which(K*) { return "K"; }
    const char* which(void*) { return "void"; }
    }""")
    ns = cpplive.gbl.pt_null_overloads
    assert ns.which(0) == "short" and ns.which(cpplive.nullptr) == "short"
    assert ns.which(ns.K()) == "K"          # void* takes any object, after K*
    assert ns.which(array.array("h", [1])) == "short"


def test_constructors_keep_the_buffers_they_were_given():
    import gc
    assert cpplive.cppdef(r"""
    namespace pt_kept { struct Info { double* data; int size; }; }
    """)
    ns = cpplive.gbl.pt_kept
    info = ns.Info(array.array("d", [1.0, 2.0, 3.0]), 3)
    gc.collect()
    others = [array.array("d", [9.0] * 3) for _ in range(50)]
    assert [info.data[i] for i in range(info.size)] == [1.0, 2.0, 3.0]
    del others


def test_pointer_pointers_of_classes_and_void_take_integer_addresses():
    assert cpplive.cppdef(r"""
    #include <cstdint>
    namespace pt_addrs {
    struct O { int v = 3; };
    intptr_t first(void** p) { return (intptr_t)*p; }
    int value(O** p) { return (*p)->v; }
    }""")
    ns = cpplive.gbl.pt_addrs
    o = ns.O()
    addresses = array.array("l", [cpplive.addressof(o)])
    assert ns.first(addresses) == cpplive.addressof(o)
    assert ns.value(addresses) == 3
    with pytest.raises(TypeError):
        ns.first(array.array("i", [1, 2]))     # not pointer-sized
