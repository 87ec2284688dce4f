"""std::string <-> str and std::vector<int>.

C++ names used in this file all start with ``sv_``.
"""
import pytest

import cpplive
from helpers import cpplive_only


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef("""
    #include <string>
    #include <vector>
    std::string sv_hello(const std::string& name) { return "hello, " + name; }
    std::string sv_repeat(std::string s, int n) {
        std::string r; for (int i = 0; i < n; ++i) r += s; return r; }
    unsigned long sv_length(const std::string& s) { return (unsigned long)s.size(); }
    std::string sv_empty() { return std::string(); }
    std::string sv_with_nul() { return std::string("a\\0b", 3); }

    int sv_sum(const std::vector<int>& v) { int s = 0; for (int x : v) s += x; return s; }
    long sv_size(const std::vector<int>& v) { return (long)v.size(); }
    std::vector<int> sv_squares(int n) {
        std::vector<int> r; for (int i = 0; i < n; ++i) r.push_back(i * i); return r; }
    void sv_append(std::vector<int>& v, int x) { v.push_back(x); }
    int sv_sum_by_value(std::vector<int> v) { v.push_back(1000); int s = 0; for (int x : v) s += x; return s; }
    """)
    return cpplive.gbl


# ---------------------------------------------------------------- std::string

def test_string_return_equals_python_str(g):
    r = g.sv_hello("world")
    assert r == "hello, world"
    assert str(r) == "hello, world"
    assert len(r) == len("hello, world")


@cpplive_only
def test_string_return_is_python_str(g):
    r = g.sv_hello("world")
    assert type(r) is str
    assert r == "hello, world"


def test_pass_str_to_const_string_ref(g):
    assert g.sv_length("abcdef") == 6
    assert g.sv_length("") == 0


def test_pass_str_to_string_by_value(g):
    assert g.sv_repeat("ab", 3) == "ababab"
    assert g.sv_repeat("ab", 0) == ""


def test_empty_string_return(g):
    r = g.sv_empty()
    assert r == ""
    assert len(r) == 0


def test_string_with_embedded_nul(g):
    r = g.sv_with_nul()
    assert len(r) == 3
    assert str(r) == "a\x00b"


def test_std_string_object(g):
    s = cpplive.gbl.std.string("hello")
    assert s.size() == 5
    assert str(s) == "hello"
    assert s == "hello"
    assert g.sv_length(s) == 5
    assert g.sv_hello(s) == "hello, hello"


def test_int_to_string_parameter_is_type_error(g):
    with pytest.raises(TypeError):
        g.sv_length(42)


# ---------------------------------------------------------------- std::vector<int>

def test_vector_from_list(g):
    v = cpplive.gbl.std.vector[int]([1, 2, 3])
    assert len(v) == 3
    assert v.size() == 3
    assert v[0] == 1 and v[1] == 2 and v[2] == 3
    assert list(v) == [1, 2, 3]


def test_vector_from_range(g):
    v = cpplive.gbl.std.vector[int](range(10))
    assert len(v) == 10
    assert list(v) == list(range(10))
    assert v[9] == 9


def test_vector_default_constructed_is_empty(g):
    v = cpplive.gbl.std.vector[int]()
    assert len(v) == 0
    assert v.size() == 0
    assert list(v) == []


def test_vector_negative_index(g):
    v = cpplive.gbl.std.vector[int](range(10))
    assert v[-1] == 9
    assert v[-10] == 0


def test_vector_index_out_of_range(g):
    v = cpplive.gbl.std.vector[int](range(10))
    with pytest.raises(IndexError):
        v[10]
    with pytest.raises(IndexError):
        v[-11]
    with pytest.raises(IndexError):
        cpplive.gbl.std.vector[int]()[0]


def test_vector_iteration(g):
    v = cpplive.gbl.std.vector[int]([5, 6, 7])
    seen = []
    for x in v:
        seen.append(x)
    assert seen == [5, 6, 7]
    assert sum(v) == 18


def test_vector_push_back_and_size(g):
    v = cpplive.gbl.std.vector[int]()
    for i in range(5):
        v.push_back(i * 10)
    assert v.size() == 5
    assert len(v) == 5
    assert list(v) == [0, 10, 20, 30, 40]


def test_vector_setitem(g):
    v = cpplive.gbl.std.vector[int]([1, 2, 3])
    v[1] = 20
    assert list(v) == [1, 20, 3]
    assert g.sv_sum(v) == 24


def test_vector_rejects_wrong_element_type(g):
    with pytest.raises(TypeError):
        cpplive.gbl.std.vector[int]([1, "two", 3])
    v = cpplive.gbl.std.vector[int]()
    with pytest.raises(TypeError):
        v.push_back("x")
    with pytest.raises(TypeError):
        v.push_back(1.5)


def test_vector_passed_to_const_ref(g):
    v = cpplive.gbl.std.vector[int](range(10))
    assert g.sv_sum(v) == 45
    assert g.sv_size(v) == 10
    assert g.sv_sum(cpplive.gbl.std.vector[int]()) == 0


def test_vector_passed_by_value_is_copied(g):
    v = cpplive.gbl.std.vector[int]([1, 2])
    assert g.sv_sum_by_value(v) == 1003
    assert list(v) == [1, 2]


def test_vector_passed_by_non_const_ref_is_modified(g):
    v = cpplive.gbl.std.vector[int]([1, 2])
    g.sv_append(v, 3)
    assert list(v) == [1, 2, 3]
    assert len(v) == 3


def test_python_list_to_const_vector_ref(g):
    # cppyy converts a Python sequence implicitly to a temporary vector.
    assert g.sv_sum([1, 2, 3, 4]) == 10


def test_vector_returned_by_value(g):
    r = g.sv_squares(5)
    assert len(r) == 5
    assert list(r) == [0, 1, 4, 9, 16]
    assert r[-1] == 16
    assert g.sv_sum(r) == 30
    r.push_back(100)
    assert r.size() == 6


def test_vector_type_is_cached(g):
    assert cpplive.gbl.std.vector[int] is cpplive.gbl.std.vector[int]
    v = cpplive.gbl.std.vector[int]([1])
    assert isinstance(v, cpplive.gbl.std.vector[int])


def test_vector_iadd_extends_by_push_back(g):
    v = cpplive.gbl.std.vector[int]()
    v += [1, 2]
    v += (3,)
    v += range(4, 6)
    assert list(v) == [1, 2, 3, 4, 5]
    v += v
    assert list(v) == [1, 2, 3, 4, 5] * 2
    with pytest.raises(TypeError):
        v += [7, "8"]
    # Like `list +=`: what went in before the bad item stays.
    assert len(v) == 11 and v[10] == 7
    names = cpplive.gbl.std.list[str]()
    names += ["a", "b"]
    assert list(names) == ["a", "b"]


def test_vector_slice_is_a_vector_of_the_same_type(g):
    V = cpplive.gbl.std.vector[int]
    v = V(range(5))
    part = v[1:4]
    assert type(part) is V
    assert list(part) == [1, 2, 3]
    assert list(v[::-2]) == [4, 2, 0]
    assert list(v[3:1]) == []
    assert v[::] == v


def test_vector_from_any_python_iterable(g):
    V = cpplive.gbl.std.vector[int]

    class OldSequence:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            if i >= 3:
                raise IndexError(i)
            return i * 10

    assert list(V(OldSequence())) == [0, 10, 20]
    assert list(V(x for x in range(3))) == [0, 1, 2]

    class NotIterable:
        def __next__(self):
            raise StopIteration

    with pytest.raises(TypeError):
        V(NotIterable())

    class Failing:
        def __iter__(self):
            return self

        def __next__(self):
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        V(Failing())
    # A string is not taken as a sequence of one-letter strings.
    with pytest.raises(TypeError):
        cpplive.gbl.std.vector[str]("abc")


def test_std_string_keeps_embedded_nul(g):
    s = cpplive.gbl.std.string("ab\0c")
    assert len(s) == 4 and s.size() == 4
    assert s == "ab\0c" and s != "ab"
    assert str(s) == "ab\0c"
    assert g.sv_length(s) == 4
    assert cpplive.gbl.std.string(b"x\0y") == b"x\0y"


def test_std_string_repr_is_that_of_its_bytes(g):
    assert repr(cpplive.gbl.std.string("ab\0c")) == repr(b"ab\0c")
    assert repr(cpplive.gbl.std.string("\u00e9")) == repr("\u00e9".encode())


def test_std_string_adds_with_python_text(g):
    s = cpplive.gbl.std.string("Hello")
    assert s + ", World" == "Hello, World"
    assert ", World" + s == ", WorldHello"
    assert s + cpplive.gbl.std.string("!") == "Hello!"
    # The joined text is a std::string again, as C++'s operator+ gives it.
    assert type(s + s) is cpplive.gbl.std.string and type(s + "!") is cpplive.gbl.std.string
    assert type("!" + s) is cpplive.gbl.std.string
    with pytest.raises(TypeError):
        s + 1


def test_unicode_text_pointers_take_and_give_str(g):
    assert cpplive.cppdef(r"""
    const wchar_t* sv_echo_w(const wchar_t* s) { return s; }
    const char16_t* sv_echo_16(const char16_t* s) { return s; }
    const char32_t* sv_echo_32(const char32_t* s) { return s; }
    const char* sv_null_text() { return nullptr; }
    const char16_t* sv_null_16() { return nullptr; }
    """)
    # A copy the call owns, alive until the result (pointing into it) is read.
    assert g.sv_echo_w("aap") == "aap"
    assert g.sv_echo_16("z\u00df\u6c34") == "z\u00df\u6c34"
    assert g.sv_echo_32("z\u00df\u6c34\U0001f34c") == "z\u00df\u6c34\U0001f34c"
    assert g.sv_echo_16("\U0001f34c") == "\U0001f34c"          # a surrogate pair
    assert g.sv_null_text() == "" and g.sv_null_16() == ""      # null reads empty, as in cppyy


def test_wide_strings_from_python_text(g):
    assert cpplive.cppdef(r"""
    #include <string>
    #include <cwchar>
    unsigned long sv_wlen(const wchar_t* s) { return std::wcslen(s); }
    unsigned long sv_wsize(std::wstring s) { return s.size(); }
    unsigned long sv_wsize_cr(const std::wstring& s) { return s.size(); }
    std::wstring sv_wecho(const std::wstring& s) { return s + L"!"; }
    struct sv_WideText {
        std::wstring __str__() const { return L"wide \u2115"; }
        std::wstring __repr__() const { return L"WideText"; }
    };
    """)
    assert g.sv_wlen("\u2115ab") == 3
    assert g.sv_wsize("\u2115") == 1 and g.sv_wsize_cr("\u2115") == 1
    w = cpplive.gbl.std.wstring("Hello \u2115")
    assert w.size() == 7
    assert w == "Hello \u2115" and str(w) == "Hello \u2115"
    assert g.sv_wecho(w) == "Hello \u2115!"
    assert g.sv_wecho("x") == "x!"
    assert w + "!" == "Hello \u2115!" and "!" + w == "!Hello \u2115"
    # C++ `__str__`/`__repr__` members serve str() and repr().
    assert str(g.sv_WideText()) == "wide \u2115"
    assert repr(g.sv_WideText()) == "WideText"
    with pytest.raises(TypeError):
        g.sv_wlen(3)


def test_std_string_as_python_text(g):
    S = cpplive.gbl.std.string
    assert S.npos == -1 and S.npos != 0 and -1 == S.npos
    s = S("aap")
    assert (s.find("a"), s.rfind("a"), s.find("c"), s.rfind("c")) == (0, 1, -1, -1)
    assert s.find("c") == s.npos and s.find("a") != s.npos
    assert s.find_first_of("xyz") == -1
    # npos goes to C++ as its own value.
    assert s.substr(1, S.npos) == "ap"
    assert S("AA").replace("", "*-", 3) == "*-A*-A*-"
    t = S("abc")
    t.replace(0, 1, "zz")
    assert t == "zzbc"
    assert S("\u00e9").decode("utf-8") == "\u00e9"
    assert S("a b c").split() == ["a", "b", "c"]
    assert S("abc").upper() == "ABC"
    with pytest.raises(AttributeError):
        S("abc").no_such_method


def test_c_strings_into_vector_of_const_char_pointers(g):
    assert cpplive.cppdef("""
    std::vector<const char*> sv_words = {"hello"};
    """)
    g.sv_words.push_back("world")
    assert list(g.sv_words) == ["hello", "world"]


def test_vector_data_is_a_view_of_its_elements(g):
    std = cpplive.gbl.std
    v = std.vector[int](range(5))
    data = v.data()
    assert len(data) == 5 and list(data) == [0, 1, 2, 3, 4]
    data[1] = 10
    assert v[1] == 10
    # Byte types read as small ints.
    for ctype, values in (("unsigned char", range(10)), ("int8_t", range(-5, 5)), ("signed char", range(-2, 2))):
        b = std.vector[ctype](values).data()
        assert len(b) == len(values) and list(b) == list(values)


def test_vector_of_bool_reads_bools(g):
    vb = cpplive.gbl.std.vector[bool](4)
    assert list(vb) == [False] * 4
    vb[0] = True
    vb[-1] = True
    assert vb[0] is True and vb[3] is True and vb[1] is False
    assert list(vb[2:]) == [False, True]
    assert list(cpplive.gbl.std.vector[bool]([True, False])) == [True, False]


def test_std_string_object_into_const_char_pointer_and_string_view(g):
    assert cpplive.cppdef("""
    #include <cstring>
    #include <string_view>
    unsigned long sv_clen(const char* s) { return std::strlen(s); }
    unsigned long sv_view_size(std::string_view v) { return v.size(); }
    unsigned long sv_view_size_cr(const std::string_view& v) { return v.size(); }
    int sv_which(const char*) { return 1; }
    int sv_which(const std::string&) { return 2; }
    void sv_fill(char* buffer) { buffer[0] = 'x'; }
    """)
    s = cpplive.gbl.std.string("noot")
    assert g.sv_clen(s) == 4
    assert g.sv_view_size(s) == 4 and g.sv_view_size_cr(s) == 4
    assert g.sv_view_size("aap") == 3
    # A std::string still goes to the std::string overload first.
    assert g.sv_which(s) == 2 and g.sv_which("x") == 1
    # Not where C++ may write through the pointer.
    with pytest.raises(TypeError):
        g.sv_fill(s)


def test_numpy_views_a_vector_of_builtins(g):
    np = pytest.importorskip("numpy")
    v = cpplive.gbl.std.vector[int]((1, 2, 3))
    copied = np.array(v)
    v[0] = 4
    assert copied[0] == 1
    viewed = np.array(v, copy=False)
    v[0] = 7
    assert viewed[0] == 7 and viewed.dtype == np.intc
    with pytest.raises(ValueError):
        np.array(v, dtype=np.float64, copy=False)
    assert list(np.array(v, dtype=np.float64)) == [7.0, 2.0, 3.0]
    assert list(np.array(cpplive.gbl.std.vector[str](["a", "b"]))) == ["a", "b"]
    del v
    import gc
    gc.collect()
    assert list(viewed) == [7, 2, 3]                 # the array keeps the vector alive


def test_vector_from_a_buffer_of_its_element_type(g):
    np = pytest.importorskip("numpy")
    import array
    assert cpplive.cppdef("""
    #include <numeric>
    int sv_total(std::vector<int> v) { return std::accumulate(v.begin(), v.end(), 0); }
    """)
    assert g.sv_total(np.arange(10, dtype=np.intc)) == 45
    # Other item types are not reinterpreted: item by item, as Python values.
    with pytest.raises(TypeError):
        g.sv_total(np.arange(3, dtype=np.uint8))
    assert g.sv_total(array.array("l", [1, 2])) == 3
    assert list(cpplive.gbl.std.vector["double"](np.arange(6.0).reshape(2, 3)[:, 1])) == [1.0, 4.0]
    with pytest.raises(TypeError):
        cpplive.gbl.std.vector["double"](np.zeros((2, 2)))


def test_arrays_of_std_strings(g):
    assert cpplive.cppdef("""
    std::string sv_three[3] = {"a", "b", "c"};
    std::string sv_grid[2][2] = {{"w", "x"}, {"y", "z"}};
    extern std::string sv_unsized[];
    std::string sv_unsized[] = {"d", "e", "f", "g"};
    """)
    assert tuple(g.sv_three) == ("a", "b", "c")
    assert g.sv_grid[1][0] == "y" and g.sv_grid[0][1] == "x"
    unsized = g.sv_unsized
    assert unsized.size is None or unsized.size == 4
    unsized.size = 4
    assert tuple(unsized) == ("d", "e", "f", "g")


def test_vector_of_structs_data_is_an_array_of_them(g):
    assert cpplive.cppdef("""
    namespace sv_rec { struct P { float x, y, z; }; }
    """)
    P = cpplive.gbl.sv_rec.P
    v = cpplive.gbl.std.vector[P](3)
    for i in range(3):
        v[i].x = i
    data = v.data()
    assert len(data) == 3
    assert [p.x for p in data] == [0.0, 1.0, 2.0]
    assert type(data[1]) is P
    data[2].y = 7
    assert v[2].y == 7.0
    with pytest.raises(IndexError):
        data[3]
    mv = cpplive.ll.as_memoryview(data)
    assert (len(mv), mv.itemsize, mv.nbytes) == (3, cpplive.sizeof(P), 3 * cpplive.sizeof(P))


def test_string_pointers_are_string_objects_that_can_be_assigned():
    cpplive.cppdef("""
    #include <string>
    struct sv_Holder { static std::string* s_p; };
    std::string* sv_Holder::s_p = nullptr;
    std::string* sv_make() { static std::string s("made"); return &s; }
    """)
    h = cpplive.gbl.sv_Holder
    assert not h.s_p
    s = cpplive.gbl.std.string("aap")
    h.s_p = s
    assert h.s_p == "aap"
    h.s_p.__assign__(cpplive.gbl.std.string("noot"))
    assert s == "noot"
    made = cpplive.gbl.sv_make()
    assert isinstance(made, cpplive.gbl.std.string) and made == "made"
