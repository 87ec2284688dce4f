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
