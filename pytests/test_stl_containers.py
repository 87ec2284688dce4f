"""Standard containers besides std::vector behave like Python containers:
`len()` from `size()`, iteration from `begin()`/`end()` (any class that has
them, user-defined ones too), `in` from `count()`, indexing through
`operator[]`, and pairs that unpack. C++ names start with ``sc_``."""
import pytest

import cpplive
from helpers import cpplive_only, via_dictionary_xfail


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef(r"""
    #include <array>
    #include <tuple>
    #include <deque>
    #include <list>
    #include <map>
    #include <set>
    #include <string>
    #include <unordered_map>
    #include <vector>
    std::map<std::string, int> sc_map() { return {{"a", 1}, {"b", 2}}; }
    std::set<int> sc_set() { return {3, 1, 2}; }
    std::list<double> sc_list() { return {1.5, 2.5}; }
    std::deque<int> sc_deque() { return {4, 5, 6}; }
    std::array<int, 3> sc_array() { return {{7, 8, 9}}; }
    std::pair<int, std::string> sc_pair() { return {7, "x"}; }
    std::unordered_map<int, int> sc_umap() { return {{1, 10}}; }
    std::vector<std::vector<int>> sc_nested() { return {{1, 2}, {}, {3}}; }
    int sc_total(const std::map<std::string, int>& m) { int t = 0; for (auto& kv : m) t += kv.second; return t; }

    // A container of its own: iteration needs only begin() and end().
    struct sc_Range {
        int lo, hi;
        struct iterator {
            int at;
            int operator*() const { return at; }
            iterator& operator++() { ++at; return *this; }
            bool operator!=(const iterator& o) const { return at != o.at; }
        };
        iterator begin() const { return {lo}; }
        iterator end() const { return {hi}; }
    };
    """)
    return cpplive.gbl


@via_dictionary_xfail("the iterators of a standard container a dictionary recorded compare through a clang helper that takes clang's class of that name, and their hidden-friend operator== is not recorded")
def test_map_len_index_contains_and_iteration(g):
    m = g.sc_map()
    assert len(m) == 2
    assert m["a"] == 1 and m["b"] == 2
    assert "a" in m and "z" not in m
    assert [(k, v) for k, v in m] == [("a", 1), ("b", 2)]
    m["c"] = 3
    assert len(m) == 3 and g.sc_total(m) == 6


def test_map_made_in_python(g):
    m = g.std.map[str, int]()
    assert len(m) == 0 and list(m) == []
    m["z"] = 5
    assert m["z"] == 5 and dict((k, v) for k, v in m) == {"z": 5}


@via_dictionary_xfail("the iterators of a standard container a dictionary recorded compare through a clang helper that takes clang's class of that name, and their hidden-friend operator== is not recorded")
def test_set_list_deque_array(g):
    s = g.sc_set()
    assert len(s) == 3 and sorted(s) == [1, 2, 3] and list(s) == [1, 2, 3]
    assert 2 in s and 5 not in s
    assert list(g.sc_list()) == [1.5, 2.5] and len(g.sc_list()) == 2
    assert list(g.sc_deque()) == [4, 5, 6]
    a = g.sc_array()
    assert len(a) == 3 and list(a) == [7, 8, 9] and a[1] == 8


@via_dictionary_xfail("the iterators of a standard container a dictionary recorded compare through a clang helper that takes clang's class of that name, and their hidden-friend operator== is not recorded")
def test_unordered_map(g):
    u = g.sc_umap()
    assert len(u) == 1 and u[1] == 10 and 1 in u
    assert [tuple(kv) for kv in u] == [(1, 10)]


def test_pair_unpacks(g):
    p = g.sc_pair()
    assert (p.first, p.second) == (7, "x")
    number, text = p
    assert (number, text) == (7, "x") and len(p) == 2


def test_nested_containers(g):
    nested = g.sc_nested()
    assert [list(inner) for inner in nested] == [[1, 2], [], [3]]


def test_user_container_iterates(g):
    r = g.sc_Range()
    r.lo, r.hi = 2, 6
    assert list(r) == [2, 3, 4, 5]
    r.hi = 2
    assert list(r) == []


@via_dictionary_xfail("one C++ class, two Python classes: a std::tuple the dictionary recorded is not the class clang's compiled tuple helpers take")
def test_tuple_unpacks_and_indexes(g):
    cpplive.cppdef('std::tuple<int, double, std::string> sc_tuple() { return {1, 2.5, "z"}; }')
    t = g.sc_tuple()
    number, real, text = t
    assert (number, real, text) == (1, 2.5, "z")
    assert len(t) == 3 and t[0] == 1 and t[2] == "z"


@cpplive_only  # cppyy has no negative indices or IndexError for tuples
@via_dictionary_xfail("one C++ class, two Python classes: a std::tuple the dictionary recorded is not the class clang's compiled tuple helpers take")
def test_tuple_negative_index_and_bounds(g):
    t = g.sc_tuple()
    assert t[-1] == "z" and t[-3] == 1
    with pytest.raises(IndexError):
        t[3]


# ------------------------------------------------ Python values into STL types

@pytest.fixture(scope="module")
def pv():
    cpplive.cppdef(r"""
    #include <array>
    #include <deque>
    #include <initializer_list>
    #include <list>
    #include <map>
    #include <set>
    #include <string>
    #include <tuple>
    #include <unordered_map>
    #include <vector>
    namespace pv {
    int sum_il(std::initializer_list<int> v) { int s = 0; for (int x : v) s += x; return s; }
    double sum_dil(std::initializer_list<double> v) { double s = 0; for (double x : v) s += x; return s; }
    int weigh(const std::map<std::string, int>& m) { int s = 0; for (auto& kv : m) s += kv.second * (int)kv.first.size(); return s; }
    int weigh_u(std::unordered_map<std::string, int> m) { return m.at("b"); }
    int count(const std::set<int>& s) { return (int)s.size(); }
    double pair_sum(const std::pair<int, double>& p) { return p.first + p.second; }
    int tuple_ends(std::tuple<int, std::string, int> t) { return std::get<0>(t) + std::get<2>(t) + (int)std::get<1>(t).size(); }
    int array_ends(const std::array<int, 3>& a) { return a[0] + a[2]; }
    int list_len(const std::list<int>& l) { return (int)l.size(); }
    int deque_back(std::deque<int> d) { return d.back(); }
    template<class T> int sized(T&& t) { return (int)sizeof(t); }
    template<class T> std::string kind(T&&) { return std::is_lvalue_reference<T>::value ? "lvalue" : "rvalue"; }
    }
    """)
    return cpplive.gbl.pv


@via_dictionary_xfail("one C++ class, two Python classes: a std::initializer_list the dictionary recorded is filled through a clang helper that takes clang's class of that name")
def test_list_into_initializer_list(pv):
    assert pv.sum_il([1, 2, 3]) == 6
    assert pv.sum_il((4, 5)) == 9
    assert pv.sum_il([]) == 0
    assert pv.sum_dil([0.5, 1]) == 1.5


@via_dictionary_xfail("one C++ class, two Python classes: a std::map the dictionary recorded is filled through a clang item-assignment helper that takes clang's class of that name")
def test_dict_into_map(pv):
    assert pv.weigh({"ab": 1, "c": 2}) == 4
    assert pv.weigh_u({"a": 1, "b": 5}) == 5


@via_dictionary_xfail('a std::tuple parameter is made from a Python tuple through its constructor template, which the generator does not instantiate (templates of std are not probed)')
def test_set_tuple_array_list_deque(pv):
    assert pv.count({1, 2, 3}) == 3
    assert pv.count([1, 1, 2]) == 2                 # a set made from a list
    assert pv.pair_sum((1, 2.5)) == 3.5
    assert pv.tuple_ends((1, "abc", 3)) == 7
    assert pv.array_ends([1, 2, 3]) == 4
    with pytest.raises(TypeError):
        pv.array_ends([1, 2])                       # std::array<int, 3> holds 3
    assert pv.list_len([1, 2]) == 2
    assert pv.deque_back(range(5)) == 4


@via_dictionary_xfail("one C++ class, two Python classes: a std::initializer_list the dictionary recorded is filled through a clang helper that takes clang's class of that name")
def test_wrong_element_types_are_refused(pv):
    with pytest.raises(TypeError):
        pv.weigh({1: "x"})
    with pytest.raises(TypeError):
        pv.sum_il(["a"])
    assert pv.sum_il([7]) == 7                       # still usable


@via_dictionary_xfail("function-template instantiations other than the generator's probes are not made ahead of time (a Python str for a forwarding reference T&&)")
def test_forwarding_reference_deduces_a_python_value_as_prvalue(pv):
    assert pv.kind("abc") == "rvalue"                # T = std::string, as for a temporary
    assert pv.sized("abc") == cpplive.sizeof("std::string")
    s = cpplive.gbl.std.string("x")
    assert pv.kind(s) == "lvalue"                    # an existing object is an lvalue
    assert pv.kind(1) == "rvalue"


def test_make_tuple_with_python_values():
    t = cpplive.gbl.std.make_tuple(1, "a")
    assert len(t) == 2 and t[0] == 1 and t[1] == "a"


def test_construct_containers_from_python_values():
    std = cpplive.gbl.std
    m = std.map[str, int]({"a": 1, "b": 2})
    assert len(m) == 2 and m["b"] == 2
    assert sorted(std.set[int]([3, 1, 3])) == [1, 3]
    p = std.pair[int, float]((1, 2.5))
    assert (p.first, p.second) == (1, 2.5)


def test_class_template_argument_deduction_from_python_values():
    std = cpplive.gbl.std
    assert list(std.vector([1, 2, 3])) == [1, 2, 3]
    assert type(std.vector([1, 2, 3])) is std.vector[int]
    assert type(std.vector(["a", "b"])) is std.vector[std.string]
    assert list(std.vector([1, 2.5])) == [1.0, 2.5]    # mixed numbers: double
    assert sorted(std.set({2, 1})) == [1, 2]
    m = std.map({"a": 1})
    assert m["a"] == 1 and type(m) is std.map[std.string, int]
    p = std.pair(1, 2.5)
    assert (p.first, p.second) == (1, 2.5)
    assert std.vector(int) is std.vector[int]            # a type is still a template argument
    with pytest.raises(TypeError):
        std.vector([])                                   # nothing to deduce from
    with pytest.raises(TypeError):
        std.vector([1, "a"])


def test_empty_containers_are_falsy():
    std = cpplive.gbl.std
    assert not std.vector[int]()
    assert std.vector[int]([1])
    assert not std.map[str, int]()
    assert std.set[int]([1])


def test_template_instantiation_by_attribute_name():
    std = cpplive.gbl.std
    assert getattr(std, "vector<int>") is std.vector[int]
    assert getattr(std, "map<std::string, int>") is std.map[std.string, int]
    with pytest.raises(AttributeError):
        getattr(std, "vector<no_such_type>")


def test_item_assignment_converts_to_the_element_type():
    std = cpplive.gbl.std
    m = std.map[str, "unsigned int"]()
    m["one"] = 1
    m["big"] = 2**31 + 3
    assert (m["one"], m["big"]) == (1, 2**31 + 3)
    with pytest.raises(ValueError):
        m["minus"] = -1
    with pytest.raises(ValueError):
        m["huge"] = 2**40
    assert len(m) == 2


def test_iteration_by_index_where_begin_end_do_not_iterate():
    assert cpplive.cppdef(r"""
    class sc_opaque;
    struct sc_Opaque {
        sc_opaque* begin() { return nullptr; }
        sc_opaque* end() { return (sc_opaque*)1; }
        int size() { return 3; }
        int operator[](int i) { return 10 * i; }
    };
    struct sc_Indexed {
        double data[2] = {27, 42};
        static unsigned long size() { return 2; }
        double& operator[](long i) { return data[i]; }
    };
    struct sc_NoIterators {
        sc_opaque* begin() { return nullptr; }
        sc_opaque* end() { return nullptr; }
    };
    struct sc_PostfixOnly {
        struct iterator {
            int pos;
            int operator++(int) { return pos++; }
            bool operator!=(const iterator& o) const { return pos != o.pos; }
            int operator*() const { return pos; }
        };
        iterator begin() { return {0}; }
        iterator end() { return {4}; }
    };
    """)
    g = cpplive.gbl
    assert list(g.sc_Opaque()) == [0, 10, 20]
    assert list(g.sc_Indexed()) == [27.0, 42.0]
    assert list(g.sc_PostfixOnly()) == [0, 1, 2, 3]
    with pytest.raises(TypeError):
        iter(g.sc_NoIterators())


@via_dictionary_xfail("one C++ class, two Python classes: a std::map the dictionary recorded is filled through a clang item-assignment helper that takes clang's class of that name")
def test_elements_of_python_values_convert_on_their_own():
    assert cpplive.cppdef(r"""
    #include <map>
    #include <utility>
    #include <vector>
    namespace pv {
    double pairs_total(const std::vector<std::pair<double, double>>& v) {
        double t = 0; for (auto& p : v) t += p.first * p.second; return t; }
    int lengths(const std::map<int, std::vector<int>>& m) { int n = 0; for (auto& kv : m) n += (int)kv.second.size(); return n; }
    }""")
    pv = cpplive.gbl.pv
    assert pv.pairs_total([(1, 2), (3, 4)]) == 14
    assert pv.pairs_total([[1.5, 2.0]]) == 3.0
    assert pv.lengths({1: [1, 2], 2: [3]}) == 3
    with pytest.raises(TypeError):
        pv.pairs_total([(1, 2), "a"])


@via_dictionary_xfail("the implicit construction of a dictionary's class from Python tuples and lists inside another constructor's arguments is not found (not analysed yet)")
def test_a_braced_list_is_made_inside_an_implicit_conversion():
    # `B({256}, {32})` in C++: each list makes an `A` through its
    # initializer_list constructor (no second user-defined conversion).
    assert cpplive.cppdef(r"""
    #include <initializer_list>
    #include <vector>
    namespace pv_braced {
    struct A {
        A(std::initializer_list<int> vals) : v(vals) {}
        std::vector<int> v;
    };
    struct B {
        B(const A& in, const A& out) : total(0) { for (int x : in.v) total += x; for (int x : out.v) total -= x; }
        int total;
    };
    struct Wrap { int n; Wrap(int i) : n(i) {} };
    int unwrap(const Wrap& w) { return w.n; }
    }""")
    ns = cpplive.gbl.pv_braced
    assert ns.B((256, 1), [32]).total == 225
    assert ns.B(out=(32,), **{"in": (256,)}).total == 224
    with pytest.raises(TypeError):                  # still one user-defined conversion for others
        ns.B(1, 2)
    with pytest.raises(TypeError):
        ns.unwrap((1,))                             # a tuple is no braced list for a plain class


@via_dictionary_xfail("std::make_tuple for a dictionary's class is instantiated by clang, which is not given the dictionary's headers")
def test_tuple_elements_keep_their_tuple_alive():
    import gc
    assert cpplive.cppdef("""
    namespace sc_life { struct Simple {
        Simple() : v(42) {}
        Simple(const Simple&) = default;
        ~Simple() { v = -1; }
        int v;
    }; }""")
    Simple = cpplive.gbl.sc_life.Simple
    a, b = cpplive.gbl.std.make_tuple(Simple(), Simple())
    gc.collect()
    [cpplive.gbl.std.make_tuple(Simple()) for _ in range(10)]
    assert (a.v, b.v) == (42, 42)


@via_dictionary_xfail("std::optional's constructor template is not instantiated by the generator (templates of std are not probed)")
def test_optional_chrono_and_thread_need_no_include():
    # Preloaded, as cppyy's interpreter preloads them.
    std = cpplive.gbl.std
    assert std.optional and std.nullopt is not None and std.this_thread
    cpplive.cppdef("""
    bool sc_has_value(std::optional<int> o) { return o.has_value(); }
    long long sc_seconds(std::chrono::seconds s) { return s.count(); }
    """)
    assert cpplive.gbl.sc_has_value(std.optional[int](3))
    assert not cpplive.gbl.sc_has_value(std.nullopt)
    assert cpplive.gbl.sc_seconds(std.chrono.seconds(7)) == 7


def test_vector_value_type_names_the_item_type():
    # As in cppyy: a string, written as in C++ source (no default arguments).
    std = cpplive.gbl.std
    assert std.vector[int].value_type == "int"
    assert std.vector["std::string"].value_type == "std::string"
    assert std.vector[std.vector[int]].value_type == "std::vector<int>"
    assert std.vector["int[1]"].value_type == "int[1]"
    nested = std.vector[std.vector[int]]([[1, 2]])
    assert list(nested[0]) == [1, 2]
    assert std.vector[bool]([True, False])[0] is True


def test_optional_gives_the_members_of_its_value():
    assert cpplive.cppdef(r"""
    #include <optional>
    namespace sc_opt {
    struct S { S(int x) : x(x) {} S(const S&) = delete; int x; };
    struct R { std::optional<S> s = {}; };
    R make() { return {1}; }
    std::optional<S> none() { return {}; }
    }""")
    ns = cpplive.gbl.sc_opt
    r = ns.make()
    assert r.s.x == 1 and r.s.has_value()
    assert not ns.none().has_value()
    with pytest.raises(AttributeError):
        r.s.no_such_member
