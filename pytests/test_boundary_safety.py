"""Memory safety where Python objects become C++ pointers.

A pointer to non-const items (``char*``, ``int*``, ``void*``, ``T**``) takes
only mutable memory: ``bytearray``, ctypes arrays and objects,
``array.array``, NumPy arrays, writable memoryviews; a ``str``, ``bytes`` or
read-only buffer is refused, since C++ may write through the pointer.
Pointers to const items also take immutable objects.  Buffers must hold the
pointee's items (type code, size, byte order) in one contiguous block.
``nullptr`` (or ``0``) is the null pointer for every pointer kind; ``None``
is refused for every one, as in cppyy, with a message naming ``nullptr``.

Cases whose failure could crash the interpreter (C++ writing into a Python
object, or dereferencing what it was given) run in child processes, one per
group; each case reports on its own line.

C++ names used in this file all start with ``bs_``.
"""
import array
import ctypes
import json

import pytest

import cpplive
from helpers import cpplive_only, run_child

# cppyy lets char* write into a str: these are cpplive's rules.
pytestmark = cpplive_only

DECLS = r"""
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

struct bs_Obj { int v = 3; };

// Each function dereferences what it is given unless it is null.
void bs_fill(char* p, int n) { for (int i = 0; i < n; ++i) p[i] = 'a'; }
int bs_len(const char* s) { return s ? (int)strlen(s) : -1; }
int bs_strlen(const char* s) { return (int)strlen(s); }
int bs_first(char* p) { return p ? p[0] : -1; }
void bs_fill_uchar(unsigned char* p, int n) { for (int i = 0; i < n; ++i) p[i] = 200; }
int bs_sum_uchar(const unsigned char* p, int n) { int s = 0; for (int i = 0; i < n; ++i) s += p[i]; return s; }
void bs_fill_int(int* p, int n) { for (int i = 0; i < n; ++i) p[i] = 10 * i + 1; }
int bs_sum_int(const int* p, int n) { int s = 0; for (int i = 0; i < n; ++i) s += p[i]; return s; }
void bs_fill_double(double* p, int n) { for (int i = 0; i < n; ++i) p[i] = i + 0.5; }
double bs_sum_double(const double* p, int n) { double s = 0; for (int i = 0; i < n; ++i) s += p[i]; return s; }
void bs_fill_void(void* p, int n) { memset(p, 7, n); }
uintptr_t bs_cvoid_addr(const void* p) { return (uintptr_t)p; }
int* bs_static_ints() { static int a[3] = {1, 2, 3}; return a; }

// null or not, for every pointer kind (reading through the pointer when set)
int bs_obj(bs_Obj* p) { return p ? p->v : -1; }
int bs_cobj(const bs_Obj* p) { return p ? p->v : -1; }
int bs_obj_cref(bs_Obj* const& p) { return p ? p->v : -1; }
int bs_int(int* p) { return p ? *p : -1; }
int bs_cdouble(const double* p) { return p ? (int)*p : -1; }
int bs_void(void* p) { return p ? *(unsigned char*)p : -1; }
int bs_intpp(int** p) { return p ? (*p ? **p : 0) : -1; }
int bs_voidpp(void** p) { return p ? (*p ? 1 : 0) : -1; }
int bs_objpp(bs_Obj** p) { return p ? (*p ? (*p)->v : 0) : -1; }
int bs_cstrpp(const char** p) { return p ? (*p ? (int)strlen(*p) : 0) : -1; }
int bs_fnptr(int (*f)(int)) { return f ? f(20) : -1; }

// pointers to pointers as out-parameters and arrays
void bs_give_int(int** out) { static int v = 41; *out = &v; }
void bs_give_obj(bs_Obj** out) { static bs_Obj o; o.v = 9; *out = &o; }
void bs_give_void(void** out) { *out = (void*)0x1234; }
int bs_total_len(int n, const char** strs) { int s = 0; for (int i = 0; i < n; ++i) s += (int)strlen(strs[i]); return s; }

// overload sets
const char* bs_ov_cc(const char*) { return "const char*"; }
const char* bs_ov_cc(char*) { return "char*"; }
const char* bs_ov_rev(char*) { return "char*"; }
const char* bs_ov_rev(const char*) { return "const char*"; }
const char* bs_ov_str(char*) { return "char*"; }
const char* bs_ov_str(const std::string&) { return "std::string"; }
const char* bs_ov_int(const int*) { return "const int*"; }
const char* bs_ov_int(int*) { return "int*"; }
const char* bs_ov_mix(int*) { return "int*"; }
const char* bs_ov_mix(double*) { return "double*"; }
const char* bs_ov_mix(const char*) { return "const char*"; }

struct bs_Holder { char* text = nullptr; };
void bs_upper(bs_Holder& h) { h.text[0] = 'A'; }
struct bs_Ptrs { bs_Obj* obj = nullptr; void* raw = nullptr; int** pp = nullptr; };
bs_Obj*& bs_obj_slot() { static bs_Obj o; static bs_Obj* p = &o; return p; }

// callbacks: the result converts as an argument of the result type would
int bs_call_len(std::function<const char*()> f) { return (int)strlen(f()); }
int bs_call_fill(std::function<char*()> f) { char* p = f(); p[0] = 'X'; return 1; }
"""

# Runs in the child: each case prints one JSON line [name, [outcome, value]].
CHILD_PRELUDE = r"""
import array, ctypes, json
import cpplive
cpplive.cppdef(%r)
g = cpplive.gbl

def case(name, run):
    print("starting " + name, flush=True)
    try:
        outcome = ["ok", run()]
    except Exception as e:
        outcome = [type(e).__name__, str(e)]
    print(json.dumps([name, outcome]), flush=True)
""" % DECLS


def run_cases(body):
    """Runs `body` (calls of case(name, fn)) in a child; returns
    {name: (outcome, value)}."""
    proc = run_child(CHILD_PRELUDE + body)
    assert proc.returncode == 0, "child failed:\nstdout:\n%s\nstderr:\n%s" % (proc.stdout, proc.stderr)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("["):
            name, (outcome, value) = json.loads(line)
            results[name] = (outcome, value)
    return results


def refused(result, *words):
    outcome, message = result
    assert outcome == "TypeError", result
    for word in words:
        assert word in message, (word, message)


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef(DECLS)
    return cpplive.gbl


# ---------------------------------------------------------------- writable char*

def test_writable_char_pointer_refuses_immutable_objects_and_leaves_them_intact():
    r = run_cases(r"""
s = "q" + "rs"
case("str", lambda: g.bs_fill(s, 3))
case("str intact", lambda: [s, s == "qrs", s.encode().decode()])
b = b"xy" + b"z"
case("bytes", lambda: g.bs_fill(b, 3))
case("bytes intact", lambda: b.decode())
case("readonly memoryview", lambda: g.bs_fill(memoryview(b), 3))
ro = memoryview(bytearray(b"xyz")).toreadonly()
case("toreadonly memoryview", lambda: g.bs_fill(ro, 3))
case("toreadonly intact", lambda: ro.tobytes().decode())
case("None", lambda: g.bs_fill(None, 3))
case("first of nullptr", lambda: g.bs_first(cpplive.nullptr))
""")
    for name in ("str", "bytes"):
        refused(r[name], "read-only", "char *", "bytearray", "ctypes.create_string_buffer")
    assert r["str intact"] == ("ok", ["qrs", True, "qrs"])
    assert r["bytes intact"] == ("ok", "xyz")
    refused(r["readonly memoryview"], "read-only")
    refused(r["toreadonly memoryview"], "read-only")
    assert r["toreadonly intact"] == ("ok", "xyz")
    refused(r["None"], "None is not a string", "cpplive.nullptr")
    assert r["first of nullptr"] == ("ok", -1)


def test_writable_char_pointer_writes_into_mutable_buffers():
    r = run_cases(r"""
def filled(buf, read):
    g.bs_fill(buf, 3)
    return read(buf)
case("bytearray", lambda: filled(bytearray(b"xyz!"), lambda b: b.decode()))
case("create_string_buffer", lambda: filled(ctypes.create_string_buffer(4), lambda b: b.value.decode()))
case("ctypes char array", lambda: filled((ctypes.c_char * 4)(), lambda b: b.value.decode()))
case("array b", lambda: filled(array.array("b", [0] * 4), lambda b: b.tolist()))
case("array B", lambda: filled(array.array("B", [0] * 4), lambda b: b.tolist()))
case("memoryview of bytearray", lambda: filled(memoryview(bytearray(4)), lambda b: b.tobytes().decode()))
case("byref", lambda: filled(ctypes.byref(ctypes.create_string_buffer(4)), lambda b: b._obj.value.decode()))
""")
    assert r["bytearray"] == ("ok", "aaa!")
    assert r["create_string_buffer"] == ("ok", "aaa")
    assert r["ctypes char array"] == ("ok", "aaa")
    assert r["array b"] == ("ok", [97, 97, 97, 0])
    assert r["array B"] == ("ok", [97, 97, 97, 0])
    assert r["memoryview of bytearray"] == ("ok", "aaa\0")
    assert r["byref"] == ("ok", "aaa")


def test_writable_char_pointer_with_numpy():
    pytest.importorskip("numpy")
    r = run_cases(r"""
import numpy as np
a = np.zeros(4, np.uint8)
case("uint8", lambda: (g.bs_fill(a, 3), a.tolist())[1])
case("int8", lambda: (g.bs_fill(np.zeros(3, np.int8), 3), "done")[1])
ro = np.frombuffer(b"xyz", np.uint8)
case("read-only", lambda: g.bs_fill(ro, 3))
case("read-only intact", lambda: ro.tobytes().decode())
case("strided", lambda: g.bs_fill(np.zeros(6, np.uint8)[::2], 3))
case("int32", lambda: g.bs_fill(np.zeros(3, np.int32), 3))
""")
    assert r["uint8"] == ("ok", [97, 97, 97, 0])
    assert r["int8"] == ("ok", "done")
    refused(r["read-only"], "read-only", "bytearray")
    assert r["read-only intact"] == ("ok", "xyz")
    refused(r["strided"], "contiguous")
    refused(r["int32"], "'char' items", "4-byte items")


# ---------------------------------------------------------------- const char*

def test_const_char_pointer_reads_immutable_and_mutable_objects(g):
    assert g.bs_len("hello") == 5
    assert g.bs_len(b"hey") == 3
    assert g.bs_len(bytearray(b"four")) == 4
    assert g.bs_len(ctypes.create_string_buffer(b"abc", 8)) == 3
    assert g.bs_len(memoryview(b"ab\0")) == 2
    assert g.bs_len(cpplive.nullptr) == -1


def test_const_char_pointer_refuses_none_and_wrong_items():
    r = run_cases(r"""
case("None", lambda: g.bs_strlen(None))
case("int array", lambda: g.bs_strlen(array.array("i", [0])))
case("str", lambda: g.bs_strlen("abc"))
""")
    refused(r["None"], "None is not a string", "cpplive.nullptr", "const char *")
    refused(r["int array"], "'char' items")
    assert r["str"] == ("ok", 3)


# ---------------------------------------------------------------- unsigned char*, int*, double*, void*

def test_writable_builtin_pointers_refuse_immutable_objects():
    r = run_cases(r"""
b = bytes(16)
case("uchar bytes", lambda: g.bs_fill_uchar(b, 4))
case("uchar str", lambda: g.bs_fill_uchar("abcd", 4))
case("int cast memoryview", lambda: g.bs_fill_int(memoryview(b).cast("i"), 4))
case("double cast memoryview", lambda: g.bs_fill_double(memoryview(b).cast("d"), 2))
case("void bytes", lambda: g.bs_fill_void(b, 16))
case("bytes intact", lambda: b == bytes(16))
""")
    refused(r["uchar bytes"], "read-only", "unsigned char *", "bytearray")
    refused(r["uchar str"], "read-only", "bytearray")
    refused(r["int cast memoryview"], "read-only", "array.array('i'", "ctypes.c_int")
    refused(r["double cast memoryview"], "read-only", "array.array('d'", "ctypes.c_double")
    refused(r["void bytes"], "read-only", "void *")
    assert r["bytes intact"] == ("ok", True)


def test_const_builtin_pointers_read_immutable_buffers(g):
    assert g.bs_sum_uchar(b"\x01\x02\x03", 3) == 6
    assert g.bs_sum_int(memoryview(array.array("i", [1, 2, 3]).tobytes()).cast("i"), 3) == 6
    assert g.bs_sum_double(memoryview(array.array("d", [0.5, 1.5]).tobytes()).cast("d"), 2) == 2.0
    data = b"abc"
    assert g.bs_cvoid_addr(data) != 0


def test_writable_builtin_pointers_write_into_mutable_buffers(g):
    u = bytearray(3)
    g.bs_fill_uchar(u, 3)
    assert list(u) == [200, 200, 200]
    a = array.array("i", [0] * 3)
    g.bs_fill_int(a, 3)
    assert a.tolist() == [1, 11, 21]
    c = (ctypes.c_int * 3)()
    g.bs_fill_int(c, 3)
    assert list(c) == [1, 11, 21]
    m = array.array("i", [0] * 3)
    g.bs_fill_int(memoryview(m), 3)
    assert m.tolist() == [1, 11, 21]
    d = array.array("d", [0.0] * 2)
    g.bs_fill_double(d, 2)
    assert d.tolist() == [0.5, 1.5]
    cd = (ctypes.c_double * 2)()
    g.bs_fill_double(cd, 2)
    assert list(cd) == [0.5, 1.5]
    v = bytearray(4)
    g.bs_fill_void(v, 4)
    assert v == b"\x07" * 4
    cv = ctypes.create_string_buffer(2)
    g.bs_fill_void(cv, 2)
    assert cv.raw == b"\x07\x07"


def test_builtin_pointers_with_numpy(g):
    np = pytest.importorskip("numpy")
    a = np.zeros(3, np.intc)
    g.bs_fill_int(a, 3)
    assert a.tolist() == [1, 11, 21]
    d = np.zeros(2, np.float64)
    g.bs_fill_double(d, 2)
    assert d.tolist() == [0.5, 1.5]
    grid = np.zeros((2, 2), np.intc)
    g.bs_fill_int(grid, 4)
    assert grid.tolist() == [[1, 11], [21, 31]]
    frozen = np.arange(3, dtype=np.intc)
    frozen.setflags(write=False)
    assert g.bs_sum_int(frozen, 3) == 3
    with pytest.raises(TypeError, match="read-only"):
        g.bs_fill_int(frozen, 3)
    assert frozen.tolist() == [0, 1, 2]


def test_buffers_of_other_items_are_refused(g):
    cases = [
        array.array("h", [0] * 8),   # 2-byte integers
        array.array("q", [0] * 4),   # 8-byte integers
        array.array("f", [0.0] * 8), # 4-byte floating point
        bytearray(16),
        (ctypes.c_double * 4)(),
    ]
    for buf in cases:
        before = bytes(memoryview(buf).cast("B"))
        with pytest.raises(TypeError, match="'int' items"):
            g.bs_fill_int(buf, 4)
        with pytest.raises(TypeError, match="'int' items"):
            g.bs_sum_int(buf, 4)
        assert bytes(memoryview(buf).cast("B")) == before
    # Same size, other family: 8-byte integers are not doubles.
    with pytest.raises(TypeError, match="'double' items"):
        g.bs_fill_double(array.array("q", [0] * 2), 2)
    with pytest.raises(TypeError, match="'double' items"):
        g.bs_sum_double(array.array("f", [0.0] * 4), 2)


def test_numpy_buffers_of_other_layouts_are_refused(g):
    np = pytest.importorskip("numpy")
    wrong = {
        "int64": np.zeros(4, np.int64),
        "float32": np.zeros(4, np.float32),
        "big-endian": np.zeros(4, ">i4"),
        "structured": np.zeros(4, [("a", "<i4")]),
    }
    for name, buf in wrong.items():
        with pytest.raises(TypeError, match="'int' items"):
            g.bs_fill_int(buf, 4)
        assert not buf.tobytes().strip(b"\0"), name
    with pytest.raises(TypeError, match="format '>i'"):
        g.bs_sum_int(wrong["big-endian"], 4)
    with pytest.raises(TypeError, match="contiguous"):
        g.bs_fill_int(np.zeros(8, np.intc)[::2], 4)
    with pytest.raises(TypeError, match="contiguous"):
        g.bs_sum_int(np.zeros((2, 2), np.intc, order="F"), 4)
    with pytest.raises(TypeError, match="contiguous"):
        g.bs_sum_double(np.zeros((3, 3))[:, 1], 3)


def test_non_contiguous_memoryviews_are_refused(g):
    a = array.array("i", range(6))
    with pytest.raises(TypeError, match="contiguous"):
        g.bs_sum_int(memoryview(a)[::2], 3)
    with pytest.raises(TypeError, match="contiguous"):
        g.bs_fill(memoryview(bytearray(6))[::2], 3)
    assert a.tolist() == list(range(6))
    # A contiguous slice is one block.
    assert g.bs_sum_int(memoryview(a)[2:5], 3) == 2 + 3 + 4


def test_ctypes_byref_offsets_stay_inside_their_object():
    r = run_cases(r"""
arr = (ctypes.c_int * 3)(1, 2, 3)
case("inside", lambda: g.bs_sum_int(ctypes.byref(arr, ctypes.sizeof(ctypes.c_int)), 2))
case("straddling the end", lambda: g.bs_sum_int(ctypes.byref(arr, 10), 1))
case("at the end", lambda: g.bs_fill_int(ctypes.byref(arr, 12), 1))
case("intact", lambda: list(arr))
""")
    assert r["inside"] == ("ok", 5)
    refused(r["straddling the end"], "byref")
    refused(r["at the end"], "byref")
    assert r["intact"] == ("ok", [1, 2, 3])


def test_returned_views_go_back_into_pointers_of_their_type(g):
    view = g.bs_static_ints()
    assert g.bs_sum_int(view, 3) == 6
    with pytest.raises(TypeError, match="'double' items"):
        g.bs_sum_double(view, 1)


def test_any_object_pointer_is_a_void_pointer(g):
    o = g.bs_Obj()
    assert g.bs_cvoid_addr(o) == cpplive.addressof(o)


# ---------------------------------------------------------------- None and nullptr

def test_none_and_nullptr_for_every_pointer_kind():
    r = run_cases(r"""
kinds = ["bs_first", "bs_len", "bs_obj", "bs_cobj", "bs_obj_cref", "bs_int", "bs_cdouble", "bs_void",
         "bs_intpp", "bs_voidpp", "bs_objpp", "bs_cstrpp", "bs_fnptr"]
for kind in kinds:
    case(kind + " nullptr", lambda: getattr(g, kind)(cpplive.nullptr))
    case(kind + " None", lambda: getattr(g, kind)(None))
""")
    for kind in ("bs_first", "bs_len"):
        assert r[kind + " nullptr"] == ("ok", -1), kind
        refused(r[kind + " None"], "None is not a string", "cpplive.nullptr")
    # A callable was meant: C++ would call the null pointer.
    assert r["bs_fnptr nullptr"] == ("ok", -1)
    refused(r["bs_fnptr None"], "None is not a function", "cpplive.nullptr")
    for kind in ("bs_obj", "bs_cobj", "bs_obj_cref", "bs_int", "bs_cdouble", "bs_void",
                 "bs_intpp", "bs_voidpp", "bs_objpp", "bs_cstrpp"):
        assert r[kind + " nullptr"] == ("ok", -1), kind
        refused(r[kind + " None"], "None is not a pointer", "cpplive.nullptr")


def test_pointer_kinds_still_take_their_objects(g):
    o = g.bs_Obj()
    assert g.bs_obj(o) == 3 and g.bs_cobj(o) == 3 and g.bs_obj_cref(o) == 3
    assert g.bs_int(ctypes.c_int(5)) == 5
    assert g.bs_cdouble(array.array("d", [7.5])) == 7
    assert g.bs_void(bytearray(b"\x09")) == 9
    assert g.bs_fnptr(lambda x: x + 1) == 21


# ---------------------------------------------------------------- pointers to pointers

def test_pointer_to_pointer_out_parameters(g):
    p = ctypes.POINTER(ctypes.c_int)()
    g.bs_give_int(ctypes.byref(p))
    assert p[0] == 41
    q = ctypes.POINTER(ctypes.c_int)()
    g.bs_give_int(q)                   # the pointer object's own slot
    assert q[0] == 41
    v = ctypes.c_void_p()
    g.bs_give_void(ctypes.byref(v))
    assert v.value == 0x1234
    w = ctypes.c_void_p()
    g.bs_give_void(w)
    assert w.value == 0x1234
    slot = ctypes.c_void_p()
    g.bs_give_obj(ctypes.byref(slot))
    assert cpplive.bind_object(slot.value, g.bs_Obj).v == 9


def test_pointer_to_pointer_arrays(g):
    strs = (ctypes.c_char_p * 2)(b"ab", b"cde")
    assert g.bs_total_len(2, strs) == 5
    one = ctypes.c_int(6)
    ptrs = (ctypes.POINTER(ctypes.c_int) * 1)(ctypes.pointer(one))
    assert g.bs_intpp(ptrs) == 6


def test_pointer_to_pointer_refuses_other_items():
    r = run_cases(r"""
d = ctypes.POINTER(ctypes.c_double)()
case("pointer to double", lambda: g.bs_give_int(ctypes.byref(d)))
case("integers", lambda: g.bs_intpp(array.array("q", [0])))
b = bytes(8)
case("bytes", lambda: g.bs_give_void(b))
case("bytes intact", lambda: b == bytes(8))
case("list", lambda: g.bs_total_len(1, ["ab"]))
case("list of ints", lambda: g.bs_total_len(1, [1]))
""")
    refused(r["pointer to double"], "int **", "pointers", "&<d")
    refused(r["integers"], "pointers")
    refused(r["bytes"], "read-only", "ctypes array of pointers")
    assert r["bytes intact"] == ("ok", True)
    assert r["list"] == ("ok", 2)       # a list of str is an array of C strings
    refused(r["list of ints"], "const char **")


# ---------------------------------------------------------------- overload sets

def test_char_pointer_overloads_follow_constness(g):
    for f in (g.bs_ov_cc, g.bs_ov_rev):
        assert f("text") == "const char*"
        assert f(b"text") == "const char*"
        assert f(bytearray(b"text")) == "char*"
        assert f(ctypes.create_string_buffer(4)) == "char*"
    assert g.bs_ov_str("text") == "std::string"
    assert g.bs_ov_str(bytearray(b"text")) == "char*"


def test_builtin_pointer_overloads_follow_constness_and_items(g):
    assert g.bs_ov_int(array.array("i", [1])) == "int*"
    assert g.bs_ov_int(memoryview(bytes(4)).cast("i")) == "const int*"
    assert g.bs_ov_mix(array.array("i", [1])) == "int*"
    assert g.bs_ov_mix(array.array("d", [1.0])) == "double*"
    assert g.bs_ov_mix("s") == "const char*"
    with pytest.raises(TypeError) as info:
        g.bs_ov_mix(array.array("h", [1]))
    message = str(info.value)
    assert message.count("needs a buffer of") == 3, message


# ---------------------------------------------------------------- data members

def test_char_pointer_member_points_at_a_copy_of_a_str(g):
    h = g.bs_Holder()
    assert h.text == ""                    # null, read as cppyy reads it
    s = "ab" + "c"
    h.text = s
    assert h.text == "abc"
    g.bs_upper(h)          # C++ writes into the copy, never into the str
    assert h.text == "Abc" and s == "abc"
    h.text = cpplive.nullptr
    assert h.text == ""


def test_pointer_members_and_pointer_references_read_the_pointer(g):
    h = g.bs_Ptrs()
    assert not h.obj and h.obj == None      # noqa: E711  (a null object of its class)
    assert h.raw is cpplive.nullptr         # a null void*, as in cppyy
    assert not h.pp and len(h.pp) == 0     # a null pointer: an empty view
    o = g.bs_Obj()
    h.obj = o
    assert cpplive.addressof(h.obj) == cpplive.addressof(o)
    assert h.obj.v == 3
    h.raw = o
    # Any other void* is a view at its address (of void* items).
    assert isinstance(h.raw, cpplive.ll.LowLevelView) and cpplive.addressof(h.raw) == cpplive.addressof(o)
    assert cpplive.bind_object(h.raw, g.bs_Obj) is o
    with pytest.raises(TypeError, match="None is not a pointer: pass cpplive.nullptr"):
        h.obj = None
    assert h.obj.v == 3
    h.obj = cpplive.nullptr
    h.raw = cpplive.nullptr
    assert h.obj == None and h.raw is cpplive.nullptr     # noqa: E711
    assert g.bs_obj_slot().v == 3


# ---------------------------------------------------------------- callbacks

def test_callback_results_keep_the_constness_of_the_result_type():
    r = run_cases(r"""
kept = "hel" + "lo"
case("const char*", lambda: g.bs_call_len(lambda: kept))
case("char*", lambda: g.bs_call_fill(lambda: kept))
case("intact", lambda: kept)
""")
    assert r["const char*"] == ("ok", 5)
    refused(r["char*"], "returned a 'str'")
    assert r["intact"] == ("ok", "hello")
