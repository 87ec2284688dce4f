"""C++ operators: member operators, free operators found by argument-dependent
lookup, ``str()`` through ``operator<<``, truthiness through ``operator bool``.

C++ names used in this file all start with ``op_``.
"""
import pytest

import cpplive
from helpers import cpplive_only, live_only, via_dictionary_xfail


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef(r"""
    #include <ostream>

    struct op_V {
        int x, y;
        op_V(int a = 0, int b = 0) : x(a), y(b) {}
        op_V operator+(const op_V& o) const { return op_V(x + o.x, y + o.y); }
        op_V operator-(const op_V& o) const { return op_V(x - o.x, y - o.y); }
        op_V operator*(int k) const { return op_V(x * k, y * k); }
        int operator*(const op_V& o) const { return x * o.x + y * o.y; }
        bool operator==(const op_V& o) const { return x == o.x && y == o.y; }
        bool operator!=(const op_V& o) const { return x != o.x || y != o.y; }
        bool operator<(const op_V& o) const { return x < o.x || (x == o.x && y < o.y); }
        op_V& operator+=(const op_V& o) { x += o.x; y += o.y; return *this; }
        int operator[](int i) const { return i == 0 ? x : y; }
        int operator()(int a, int b) const { return x * a + y * b; }
        int operator()() const { return -1; }
        op_V operator-() const { return op_V(-x, -y); }
    };

    struct op_Base {
        int k = 1;
        bool operator==(const op_Base& o) const { return k == o.k; }
        op_Base operator+(const op_Base& o) const { op_Base r; r.k = k + o.k; return r; }
    };
    struct op_Derived : op_Base { int extra = 0; };

    struct op_Idx {
        int data[3] = {4, 5, 6};
        int& operator[](int i) { return data[i]; }
    };

    namespace op_ns {
        struct Vec {
            double a, b;
            Vec(double x, double y) : a(x), b(y) {}
        };
        Vec operator*(const Vec& v, double k) { return Vec(v.a * k, v.b * k); }
        Vec operator*(double k, const Vec& v) { return Vec(v.a * k, v.b * k); }
        Vec operator+(const Vec& l, const Vec& r) { return Vec(l.a + r.a, l.b + r.b); }
        Vec operator-(const Vec& l, const Vec& r) { return Vec(l.a - r.a, l.b - r.b); }
        Vec operator-(const Vec& v) { return Vec(-v.a, -v.b); }
        bool operator==(const Vec& l, const Vec& r) { return l.a == r.a && l.b == r.b; }
        bool operator<(const Vec& l, const Vec& r) { return l.a < r.a; }
        std::ostream& operator<<(std::ostream& os, const Vec& v) {
            return os << "Vec(" << v.a << ", " << v.b << ")";
        }

        struct Money {
            long cents;
            Money(long c) : cents(c) {}
            // hidden friends: only argument-dependent lookup finds them
            friend Money operator+(const Money& a, const Money& b) { return Money(a.cents + b.cents); }
            friend bool operator==(const Money& a, const Money& b) { return a.cents == b.cents; }
            friend std::ostream& operator<<(std::ostream& os, const Money& m) {
                return os << m.cents / 100 << "." << (m.cents % 100 < 10 ? "0" : "")
                          << m.cents % 100 << " EUR";
            }
        };

        struct Flag {
            bool on = false;
            explicit operator bool() const { return on; }
        };
    }

    struct op_Count {
        int n;
        op_Count(int x) : n(x) {}
        operator bool() const { return n > 0; }
    };
    struct op_Plain { int z = 1; };
    """)
    return cpplive.gbl


# ---------------------------------------------------------------- member operators

def test_member_plus_minus(g):
    a, b = g.op_V(1, 2), g.op_V(3, 5)
    s = a + b
    assert isinstance(s, g.op_V)
    assert (s.x, s.y) == (4, 7)
    d = b - a
    assert (d.x, d.y) == (2, 3)
    # operands unchanged
    assert (a.x, a.y, b.x, b.y) == (1, 2, 3, 5)


def test_member_multiply_overloads(g):
    a, b = g.op_V(1, 2), g.op_V(3, 5)
    scaled = a * 3
    assert isinstance(scaled, g.op_V)
    assert (scaled.x, scaled.y) == (3, 6)
    assert a * b == 13


def test_member_equality(g):
    a = g.op_V(1, 2)
    assert (a == g.op_V(1, 2)) is True
    assert (a == g.op_V(1, 3)) is False
    assert (a != g.op_V(1, 3)) is True
    assert (a != g.op_V(1, 2)) is False


def test_member_less_than(g):
    assert (g.op_V(1, 2) < g.op_V(3, 0)) is True
    assert (g.op_V(3, 0) < g.op_V(1, 2)) is False
    assert (g.op_V(1, 2) < g.op_V(1, 3)) is True
    ordered = sorted([g.op_V(3, 1), g.op_V(1, 9), g.op_V(1, 2)])
    assert [(v.x, v.y) for v in ordered] == [(1, 2), (1, 9), (3, 1)]


def test_member_in_place_add(g):
    c = g.op_V(1, 1)
    alias = c
    c += g.op_V(10, 20)
    assert (c.x, c.y) == (11, 21)
    assert c is alias
    assert (alias.x, alias.y) == (11, 21)


def test_member_subscript_get(g):
    a = g.op_V(7, 8)
    assert a[0] == 7
    assert a[1] == 8


def test_member_call_operator(g):
    a = g.op_V(2, 3)
    assert a(10, 100) == 320
    assert a() == -1


def test_member_unary_minus(g):
    n = -g.op_V(4, -5)
    assert isinstance(n, g.op_V)
    assert (n.x, n.y) == (-4, 5)


def test_operand_converted_by_constructor(g):
    # op_V(int) is an implicit constructor, as in C++ `a + 1`
    r = g.op_V(1, 2) + 5
    assert (r.x, r.y) == (6, 2)


def test_inherited_member_operators(g):
    a, b = g.op_Derived(), g.op_Derived()
    b.k = 4
    assert (a == b) is False
    assert (a + b).k == 5


@via_dictionary_xfail("item assignment through a returned reference compiles a helper naming the class, and clang does not know a dictionary's classes")
def test_member_subscript_set_through_reference(g):
    i = g.op_Idx()
    i[1] = 50
    assert i.data[1] == 50


# ---------------------------------------------------------------- free operators (ADL)

def test_free_operator_times_scalar(g):
    v = g.op_ns.Vec(1.5, 2.0)
    r = v * 2.0
    assert isinstance(r, g.op_ns.Vec)
    assert (r.a, r.b) == (3.0, 4.0)


def test_free_binary_operators(g):
    V = g.op_ns.Vec
    s = V(1, 2) + V(10, 20)
    assert (s.a, s.b) == (11.0, 22.0)
    d = V(5, 5) - V(1, 2)
    assert (d.a, d.b) == (4.0, 3.0)


def test_free_comparison_operators(g):
    V = g.op_ns.Vec
    assert (V(1, 2) == V(1, 2)) is True
    assert (V(1, 2) == V(1, 3)) is False
    assert (V(1, 0) < V(2, 0)) is True
    assert (V(2, 0) < V(1, 0)) is False


@cpplive_only  # cppyy does not reflect a free operator< for '>' (NotImplementedError)
def test_free_less_than_reflected_for_greater(g):
    V = g.op_ns.Vec
    assert (V(3, 0) > V(2, 0)) is True
    assert (V(1, 0) > V(2, 0)) is False


@cpplive_only  # cppyy does not use operator*(double, const Vec&) for 'scalar * vec'
def test_free_operator_scalar_times_vec(g):
    r = 2.0 * g.op_ns.Vec(1.5, 2.0)
    assert (r.a, r.b) == (3.0, 4.0)


def test_free_unary_minus(g):
    r = -g.op_ns.Vec(1, 2)
    assert (r.a, r.b) == (-1.0, -2.0)


@cpplive_only  # cppyy does not find hidden-friend operator+ (NotImplementedError)
@via_dictionary_xfail('hidden-friend operators are not recorded: only argument-dependent lookup finds them, and the generator looks operators up in namespaces')
def test_hidden_friend_plus(g):
    M = g.op_ns.Money
    s = M(150) + M(275)
    assert s.cents == 425


@via_dictionary_xfail('hidden-friend operators are not recorded: only argument-dependent lookup finds them, and the generator looks operators up in namespaces')
def test_hidden_friend_equality(g):
    M = g.op_ns.Money
    assert (M(5) == M(5)) is True
    assert (M(5) == M(6)) is False
    assert (M(5) != M(6)) is True


# ---------------------------------------------------------------- str via operator<<

@via_dictionary_xfail("str() through operator<< compiles a helper naming the class, which dictionaries do not make ahead of time and clang cannot make for a dictionary's class")
def test_str_uses_free_stream_operator(g):
    assert str(g.op_ns.Vec(1.5, 2.0)) == "Vec(1.5, 2)"
    assert str(g.op_ns.Vec(-3, 0.25)) == "Vec(-3, 0.25)"


@via_dictionary_xfail("str() through operator<< compiles a helper naming the class, which dictionaries do not make ahead of time and clang cannot make for a dictionary's class")
def test_str_uses_hidden_friend_stream_operator(g):
    assert str(g.op_ns.Money(1205)) == "12.05 EUR"
    assert str(g.op_ns.Money(1)) == "0.01 EUR"


@via_dictionary_xfail("str() through operator<< compiles a helper naming the class, which dictionaries do not make ahead of time and clang cannot make for a dictionary's class")
def test_str_reflects_current_state(g):
    v = g.op_ns.Vec(1, 1)
    v.a = 7.5
    assert str(v) == "Vec(7.5, 1)"


@via_dictionary_xfail("str() through operator<< compiles a helper naming the class, which dictionaries do not make ahead of time and clang cannot make for a dictionary's class")
def test_str_uses_member_stream_operator(g):
    # `ostream& T::operator<<(ostream&)` (used as `x << os`), and a class
    # whose own operator<< takes something else but that has a free one.
    cpplive.cppdef("""
    #include <ostream>
    struct op_MemberPrint { int n = 4; std::ostream& operator<<(std::ostream& os) { return os << "member " << n; } };
    struct op_Chained { op_Chained& operator<<(int) { return *this; } };
    std::ostream& operator<<(std::ostream& os, const op_Chained&) { return os << "chained"; }
    """)
    assert str(g.op_MemberPrint()) == "member 4"
    assert str(g.op_Chained()) == "chained"


def test_str_without_stream_operator_is_default(g):
    s = str(g.op_Plain())
    assert s.startswith("<")
    assert "op_Plain" in s


# ---------------------------------------------------------------- operator bool

def test_implicit_operator_bool(g):
    assert bool(g.op_Count(3)) is True
    assert bool(g.op_Count(0)) is False
    assert bool(g.op_Count(-2)) is False
    assert not g.op_Count(0)
    assert [c.n for c in [g.op_Count(1), g.op_Count(0), g.op_Count(2)] if c] == [1, 2]


def test_explicit_operator_bool(g):
    f = g.op_ns.Flag()
    assert bool(f) is False
    f.on = True
    assert bool(f) is True
    assert ("yes" if f else "no") == "yes"


def test_object_without_operator_bool_is_truthy(g):
    assert bool(g.op_Plain()) is True


@cpplive_only  # cppyy does not use operator std::string for str()
def test_conversion_operators_serve_python_protocols():
    cpplive.cppdef("""
    #include <string>
    struct op_Num { double x; op_Num(double x) : x(x) {} operator double() const { return x; } operator int() const { return (int)x + 100; } };
    struct op_Name { operator std::string() const { return "a name"; } };
    struct op_Index { operator long() const { return 2; } };
    """)
    n = cpplive.gbl.op_Num(2.5)
    assert float(n) == 2.5
    assert int(n) == 102
    assert str(cpplive.gbl.op_Name()) == "a name"
    assert [10, 20, 30][cpplive.gbl.op_Index()] == 30   # operator long as an index


def test_comma_operator_as_dunder_comma():
    cpplive.cppdef(r"""
    struct op_Comma {
        int n = 0;
        op_Comma& operator,(int) { ++n; return *this; }
        template<class T> op_Comma& operator<<(const T&) { n = 1; return *this; }
    };
    """)
    c = cpplive.gbl.op_Comma()
    r = (c << 5).__comma__(6).__comma__(7)
    assert r.n == 3 and c.n == 3


@live_only("instantiates a class template of the test's code on demand (op_tmpl_add::Vec1<double>)")
def test_operator_template_reaching_a_private_member_of_another_specialization(g):
    # `v.fX` of another specialization is private to it in C++; the member
    # operator is offered by reflection, so its helper compiles as call
    # code does, without access checks.
    cpplive.cppdef("""
    namespace op_tmpl_add {
    template <class V> class Vec1 {
        V fX;
    public:
        Vec1() : fX(0) {}
        Vec1(const V& a) : fX(a) {}
        V X() const { return fX; }
        template <class W> Vec1 operator+(const W& w) { Vec1<V> u; u.fX = fX + w.fX; return u; }
    }; }""")
    c = g.op_tmpl_add.Vec1['double'](5.25)
    d = g.op_tmpl_add.Vec1['int'](1)
    assert (c + d).X() == 6.25


def test_free_operators_taking_non_const_references_and_numbers_first(g):
    cpplive.cppdef("""
    class op_Radd { public: op_Radd(double d) : fx(d) {} double value() const { return fx; }
      friend op_Radd operator+(int n, op_Radd& a); friend op_Radd operator*(op_Radd& a, int n);
    private: double fx; };
    op_Radd operator+(int n, op_Radd& a) { return op_Radd(a.fx + n); }
    op_Radd operator*(op_Radd& a, int n) { return op_Radd(a.fx * n); }
    """)
    a = g.op_Radd(5.)
    assert (5 + a).value() == 10.                 # reflected, number on the left
    assert (5 + a).value() == 10.
    assert (a * 3).value() == 15.
    with pytest.raises(TypeError):
        a + 5                                     # C++ has no such operator


@via_dictionary_xfail("NoOperatorError is decided after clang fails to compile a helper naming the class; for a dictionary's class the declared-operator fallback answers NotImplemented instead")
def test_an_operator_cpp_lacks_for_a_number_raises_what_cppyy_raises(g):
    cpplive.cppdef("""
    namespace op_lacks { struct R { double v; R(double d) : v(d) {} };
      R operator+(int n, const R& r) { return R(r.v + n); }
      struct Bare {}; }""")
    r = g.op_lacks.R(5.)
    assert (5 + r).v == 10.
    for expression in (lambda: r + 5, lambda: r * 2, lambda: 2 - r, lambda: g.op_lacks.Bare() + 1.5):
        with pytest.raises(NotImplementedError) as exc:
            expression()
        assert isinstance(exc.value, TypeError)    # what Python itself raises there
    assert (r == 5) is False                      # comparisons keep Python's defaults


@via_dictionary_xfail("item assignment through a returned reference compiles a helper naming the class, and clang does not know a dictionary's classes")
def test_two_indices_call_operator_parentheses(g):
    cpplive.cppdef("""
    namespace op_matrix {
    struct OnlyCall { int v = 42; int& operator()(int, int) { return v; } };
    struct Both { int v = 42; int& operator()(int, int) { return v; } int& operator[](int) { return v; } };
    }""")
    m = g.op_matrix.OnlyCall()
    assert m[1, 2] == 42 and m(1, 2) == 42
    m[1, 2] = 27
    assert m.v == 27 and m[0, 0] == 27
    with pytest.raises(TypeError):
        m[1]                                      # one index is operator[]'s, which it lacks
    b = g.op_matrix.Both()
    assert b[1, 2] == 42 and b[1] == 42
    b[1, 2] = 27
    assert b[1] == 27
    b[1] = 83
    assert b[1, 2] == 83 and b.v == 83


def test_binary_operator_without_a_matching_overload_lets_python_try_the_other_side(g):
    # `b == d` with `d` of a derived class: Python asks `d.__eq__(b)` first,
    # and the derived operator== (which hides the base's) does not take a
    # base: it must answer NotImplemented, so that `b.__eq__(d)` decides.
    cpplive.cppdef("""
    class op_EqBase { public: op_EqBase(int v) : val(v) {} virtual ~op_EqBase() {}
      virtual bool operator==(const op_EqBase& o) { return val == o.val; } protected: int val; };
    class op_EqDerived : public op_EqBase { public: op_EqDerived(int v) : op_EqBase(v) {}
      virtual bool operator==(const op_EqDerived& o) { return val != o.val; } };
    """)
    b1, d1, d2 = g.op_EqBase(1), g.op_EqDerived(1), g.op_EqDerived(2)
    assert b1 == d1 and d1 == b1
    assert not (b1 == d2) and not (d2 == b1)
    assert d1 == d2                                # the derived one, where it applies
    assert (b1 == "text") is False                 # Python's default, not a TypeError
    assert g.op_EqBase.__eq__(b1, "text") is NotImplemented


@via_dictionary_xfail('free operator++ and operator-- are not among the operators the generator records in namespaces')
def test_iterator_operators_under_cppyy_names():
    assert cpplive.cppdef(r"""
    namespace op_it {
    struct Walker {
        int* p;
        int& operator*() const { return *p; }
        Walker& operator++() { ++p; return *this; }
        Walker operator++(int) { Walker w = *this; ++p; return w; }
        Walker& operator--() { --p; return *this; }
        Walker operator-(long n) const { return Walker{p - n}; }
        bool operator==(const Walker& o) const { return p == o.p; }
    };
    long operator-(const Walker& a, const Walker& b) { return a.p - b.p; }
    struct Free { int v; };
    int operator*(const Free& f) { return f.v * 10; }
    Free& operator++(Free& f) { ++f.v; return f; }
    int data[3] = {7, 8, 9};
    Walker start() { return Walker{data}; }
    }""")
    ns = cpplive.gbl.op_it
    w = ns.start()
    assert w.__deref__() == 7
    w.__preinc__()
    assert w.__deref__() == 8
    old = w.__postinc__(0)
    assert (old.__deref__(), w.__deref__()) == (8, 9)
    w.__predec__()
    assert w.__deref__() == 8
    # A member `it - n` and a free `it - it`: each from its own overloads.
    assert (w - 1).__deref__() == 7
    assert w - ns.start() == 1
    # Free operators serve the same names.
    f = ns.Free()
    f.v = 2
    assert f.__deref__() == 20
    f.__preinc__()
    assert f.v == 3


def test_std_iterators_step_and_compare():
    std = cpplive.gbl.std
    v = std.vector[int]([1, 2, 3])
    b = v.begin()
    b.__preinc__()
    assert b.__deref__() == 2
    assert b != v.begin() and b - v.begin() == 1
    s = std.set[int]([42])
    assert s.begin().__deref__() == 42 and s.rbegin().__deref__() == 42
    assert s.begin().__preinc__() == s.end()
    assert s.rbegin().__preinc__() == s.rend()


def test_static_member_functions_named_as_python_operators_take_the_object_first():
    cpplive.cppdef("""
    namespace op_static {
    struct Same {
        Same(int i) : v(i) {}
        int v;
        static bool __eq__(const Same& self, const Same& other) { return self.v == other.v; }
        static bool __ne__(const Same& self, const Same& other) { return self.v != other.v; }
        static int __add__(const Same& self, int n) { return self.v + n; }
    }; }""")
    Same = cpplive.gbl.op_static.Same
    a, b, c = Same(1), Same(1), Same(2)
    assert Same.__dict__["__eq__"](a, b) and not Same.__dict__["__ne__"](a, b)
    assert a == b and a != c and not (a == c)
    assert a + 41 == 42
    assert not (a == "text")                        # an operand it does not take: Python's default
    with pytest.raises(TypeError):
        a + "text"


@via_dictionary_xfail("item assignment through a returned reference compiles a helper naming the class, and clang does not know a dictionary's classes")
def test_tuple_index_goes_to_call_operator():
    cpplive.cppdef(r"""
    struct op_Grid {
        double d[6] = {0, 1, 2, 3, 4, 5};
        double& operator()(int i, int j) { return d[i * 3 + j]; }
        double& operator[](int i) { return d[i]; }
    };
    struct op_Line {
        int d[3] = {7, 8, 9};
        int& operator()(int i) { return d[i]; }
    };
    struct op_Keyed {
        int operator[](std::pair<int, int> k) const { return k.first * 10 + k.second; }
        int operator()(int a, int b) const { return -1; }
    };
    """)
    g = cpplive.gbl
    m = g.op_Grid()
    assert m[1, 2] == 5 and m[4] == 4              # (i, j) through operator(), one index through operator[]
    m[0, 1] = 2.5
    assert m(0, 1) == 2.5 and m[1] == 2.5
    line = g.op_Line()
    assert line[2] == 9                            # no operator[]: operator() with one index
    line[0] = 70
    assert line(0) == 70
    assert g.op_Keyed()[1, 2] == 12                # operator[] takes the tuple itself first
