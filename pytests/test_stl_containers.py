"""Standard containers besides std::vector behave like Python containers:
`len()` from `size()`, iteration from `begin()`/`end()` (any class that has
them, user-defined ones too), `in` from `count()`, indexing through
`operator[]`, and pairs that unpack. C++ names start with ``sc_``."""
import pytest

import cpplive
from helpers import cpplive_only


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


def test_set_list_deque_array(g):
    s = g.sc_set()
    assert len(s) == 3 and sorted(s) == [1, 2, 3] and list(s) == [1, 2, 3]
    assert 2 in s and 5 not in s
    assert list(g.sc_list()) == [1.5, 2.5] and len(g.sc_list()) == 2
    assert list(g.sc_deque()) == [4, 5, 6]
    a = g.sc_array()
    assert len(a) == 3 and list(a) == [7, 8, 9] and a[1] == 8


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


def test_tuple_unpacks_and_indexes(g):
    cpplive.cppdef('std::tuple<int, double, std::string> sc_tuple() { return {1, 2.5, "z"}; }')
    t = g.sc_tuple()
    number, real, text = t
    assert (number, real, text) == (1, 2.5, "z")
    assert len(t) == 3 and t[0] == 1 and t[2] == "z"


@cpplive_only  # cppyy has no negative indices or IndexError for tuples
def test_tuple_negative_index_and_bounds(g):
    t = g.sc_tuple()
    assert t[-1] == "z" and t[-3] == 1
    with pytest.raises(IndexError):
        t[3]
