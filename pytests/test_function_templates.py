"""Function templates: free, member and static member templates, deduced
from the Python arguments or given explicitly, and names shared by a
template and ordinary overloads (the ordinary ones are tried first, the
template when none matches). C++ names start with ``tf_``."""
import pytest

import cpplive
from helpers import CHILD_IMPORT, cpplive_only, run_python_ok


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef(r"""
    #include <string>
    #include <vector>
    #include <algorithm>
    int tf_pick(int) { return 1; }
    template<class T> int tf_pick(T, T) { return 2; }
    template<class T> T tf_twice(T x) { return x + x; }
    template<class T, class U> double tf_mix(T t, U u) { return t * 10 + u; }
    template<int N> int tf_times(int x) { return N * x; }
    template<class A, class B, class C = A> C tf_multiply(A a, B b) { return C{a * b}; }

    struct tf_Pair { int a; double b; tf_Pair(int a, double b) : a(a), b(b) {} };
    struct tf_Box {
        int k = 1;
        int set(int) { return 1; }
        template<class T> int set(T, T) { return 2; }
        template<class T> T add(T x) { return x + (T)k; }
        template<class T> static T twice(T x) { return x + x; }
        static int stat(int) { return 10; }
        template<class T> static int stat(T, T) { return 20; }
        template<class T> int sized() const { return (int)sizeof(T); }
    };
    struct tf_Derived : tf_Box { };
    struct tf_Hides : tf_Box { int add(int) { return -1; } };   // hides the base's template
    """)
    return cpplive.gbl


def test_free_template_deduced_and_explicit(g):
    assert g.tf_twice(21) == 42
    assert g.tf_twice(1.25) == 2.5
    assert g.tf_twice["double"](2) == 4.0          # explicit argument converts the int
    assert g.tf_mix(1, 2.5) == 12.5
    assert g.tf_mix[int, int](3, 4) == 34.0


def test_narrowing_in_braces_is_a_warning_as_in_cppyy(g):
    # `C{a * b}` with C = float narrows an int: cppyy's interpreter accepts it.
    assert g.tf_multiply(3, 4) == 12
    result = g.tf_multiply[int, int, float](3, 4)
    assert type(result) is float and result == 12.0


def test_non_type_template_argument(g):
    assert g.tf_times[3](5) == 15


def test_free_name_with_template_and_plain_overload(g):
    assert g.tf_pick(7) == 1                       # the ordinary function
    assert g.tf_pick(1.5, 2.5) == 2                # no ordinary overload: the template
    assert g.tf_pick("a", "b") == 2
    assert g.tf_pick["double"](1.5, 2.5) == 2
    assert "int tf_pick(int" in g.tf_pick.__doc__


def test_member_template_deduced_and_explicit(g):
    b = g.tf_Box()
    assert b.add(2) == 3
    assert b.add(2.5) == 3.5
    assert b.add["double"](2) == 3.0
    assert b.sized["double"]() == 8
    assert g.tf_Derived().add(2.5) == 3.5          # inherited template
    assert g.tf_Box.add(b, 3) == 4                 # called unbound through the class


def test_member_name_with_template_and_plain_overload(g):
    b = g.tf_Box()
    assert b.set(1) == 1
    assert b.set(1.5, 2.5) == 2
    assert b.set["double"](1, 2) == 2
    m = b.set                                      # bound, not called yet
    assert m(1) == 1 and m("x", "y") == 2


def test_static_member_templates(g):
    assert g.tf_Box.twice(3) == 6
    assert g.tf_Box().twice(1.5) == 3.0
    assert g.tf_Box.stat(1) == 10
    assert g.tf_Box.stat("a", "b") == 20


def test_derived_plain_method_hides_base_template(g):
    assert g.tf_Hides().add(5) == -1


def test_stl_member_templates(g):
    v = g.std.vector[int]()
    v.emplace_back(3)
    v.emplace_back(4)
    assert list(v) == [3, 4]
    pairs = g.std.vector[g.tf_Pair]()
    pairs.emplace_back(1, 2.5)
    assert (pairs[0].a, pairs[0].b) == (1, 2.5)
    assert g.std.max(1, 2) == 2 and g.std.max(1.5, 0.5) == 1.5


def test_no_instantiation_matches(g):
    with pytest.raises(TypeError):
        g.tf_Box().add()                           # nothing to deduce from
    with pytest.raises(TypeError):
        g.tf_twice(1, 2)                           # wrong number of arguments
    with pytest.raises(TypeError):
        g.tf_Box().add("x")                        # deduces, but the body does not compile
    b = g.tf_Box()
    assert b.add(1) == 2                           # and the object is still usable


def test_plain_and_template_both_fail_lists_both(g):
    with pytest.raises(TypeError) as info:
        g.tf_pick(1, "a")
    text = str(info.value)
    assert "tf_pick" in text


@cpplive_only  # the wording is cpplive's
def test_failure_message_names_template_and_overloads(g):
    with pytest.raises(TypeError) as info:
        g.tf_pick(1, "a")
    text = str(info.value)
    assert "function template 'tf_pick'" in text and "(int, std::string)" in text
    assert "int tf_pick(int" in text


def test_subscripting_a_non_template_function(g):
    with pytest.raises(TypeError):
        g.tf_Box.stat.__overload__("int")[int]


@pytest.fixture(scope="module")
def ct():
    cpplive.cppdef(r"""
    #include <map>
    #include <string>
    struct tf_Any {
        template<class T> tf_Any(const T&) : size((int)sizeof(T)), kind(1) {}
        tf_Any(int a, int b) : size(a + b), kind(2) {}
        int size, kind;
    };
    template<class T> struct tf_Scaled {
        template<class U> tf_Scaled(U u, int k) : v(T(u) * k) {}
        T v;
    };
    struct tf_OnlyTemplate { template<class T> explicit tf_OnlyTemplate(T* p) : null(p == nullptr) {} bool null; };
    struct tf_Strict { template<class T> tf_Strict(T t) { static_assert(sizeof(T) == 1, "one byte only"); } };
    struct tf_Table {
        std::map<std::string, int> m{{"a", 1}, {"b", 2}};
        template<class K> int operator[](const K& k) const { return m.at(k); }
        template<class T> tf_Table& operator%(const T& v) { m["last"] = (int)v; return *this; }
        template<class T> int operator()(T a, T b) const { return (int)(a * b); }
    };
    """)
    return cpplive.gbl


def test_constructor_template_deduced_from_python_arguments(ct):
    assert ct.tf_Any(1.5).size == 8 and ct.tf_Any(1.5).kind == 1
    assert ct.tf_Any(7).size == 4                  # T = int: the template, as in C++
    assert ct.tf_Any("x").kind == 1                # T = std::string
    a = ct.tf_Any(2, 3)                            # the ordinary constructor comes first
    assert (a.size, a.kind) == (5, 2)


def test_constructor_template_of_a_class_template(ct):
    assert ct.tf_Scaled[float](2.5, 2).v == 5.0
    assert ct.tf_Scaled["double"](1, 3).v == 3.0


def test_constructor_template_that_does_not_match_or_compile(ct):
    with pytest.raises(TypeError):
        ct.tf_Any()                                # nothing matches, nothing to deduce
    with pytest.raises(TypeError):
        ct.tf_Strict(1.0)                          # deduces, but its body does not compile
    assert ct.tf_Any(1, 1).size == 2               # the class is still usable


def test_member_operator_templates(ct):
    t = ct.tf_Table()
    assert t["a"] == 1 and t["b"] == 2             # operator[]<std::string>
    assert (t % 5) is not None
    assert t["last"] == 5
    assert t(3, 4) == 12                           # operator()<int>
    assert t(1.5, 2.0) == 3
    with pytest.raises(TypeError):
        t[1.5]                                     # no std::map<string,int>::at(double)


def test_instantiation_that_fails_is_never_run_later():
    # clang reports a failed instantiation once; a later use of the same
    # specialization (another call, a thunk batch, a cppdef) must not link
    # the body that did not compile.
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.cppdef("""
template<class T> int tf_bad(T) { static_assert(sizeof(T) == 1, "one byte only"); return 1; }
struct tf_Bad2 { template<class T> int m(T) { static_assert(sizeof(T) == 1, "one byte only"); return 1; } };
template<class T> struct tf_Holder { T v{}; int get() { return tf_bad(v); } int ok() { return 5; } };
""")
g = cpplive.gbl
for call in (lambda: g.tf_bad(1.0), lambda: g.tf_bad(1.0), lambda: g.tf_Bad2().m(2.0), lambda: g.tf_Holder[float]().get()):
    try:
        print("ran", call())
    except TypeError as e:
        print("TypeError", "one byte only" in str(e))
print(g.tf_Holder[float]().ok())                 # the class's other members still work
cpplive.cppdef("int tf_use_bad() { return tf_bad(2.0); }")
try:
    print("ran", g.tf_use_bad())
except TypeError as e:
    print("TypeError", "one byte only" in str(e))
print(g.tf_bad(True))                            # a bool is one byte: that specialization is fine
''', 120)
    assert out.split() == ["TypeError", "True"] * 4 + ["5", "TypeError", "True", "1"]


def test_several_template_arguments_in_one_string(uid):
    name = uid("tf_several")
    cpplive.cppdef("#include <vector>\ntemplate<class I, class O = float> O %s(const I& c) { return O(c[0]); }" % name)
    f = getattr(cpplive.gbl, name)
    v = cpplive.gbl.std.vector[float]([0.5])
    assert f["std::vector<float>"](v) == 0.5
    assert f["std::vector<float>, int"](v) == 0 and type(f["std::vector<float>, int"](v)) is int
    cls = uid("tf_Several")
    cpplive.cppdef("template<class A, class B> struct %s { int n = sizeof(A) + sizeof(B); };" % cls)
    assert getattr(cpplive.gbl, cls)["char, double"]().n == 9


def test_instantiations_are_listed_in_their_scope(uid):
    name, cls = uid("tf_listed"), uid("tf_Listed")
    cpplive.cppdef("template<class T, class U> T %s(T t, U) { return t; }\n"
                   "struct %s { template<class T> int size() { return sizeof(T); } "
                   "template<class T> int take(T) { return 1; } };" % (name, cls))
    f = getattr(cpplive.gbl, name)
    assert f(1, 2.5) == 1
    assert "%s<int,double>" % name in cpplive.gbl.__dict__
    assert "int %s(int t, double)" % name in f.__doc__
    assert f[int, int](1, 2) == 1
    assert getattr(cpplive.gbl, "%s<int,int>" % name)(3, 4) == 3
    # What the program puts under an instantiation's name is what f[...] calls.
    setattr(cpplive.gbl, "%s<int,int>" % name, lambda a, b: -1)
    assert f[int, int](1, 2) == -1
    k = getattr(cpplive.gbl, cls)
    o = k()
    assert o.take(1) == 1 and "take<int>" in dir(k)
    assert o.size["double"]() == 8 and "size<double>" in dir(k)


def test_large_unsigned_argument_deduces_unsigned_long_long(uid):
    name = uid("tf_pass")
    cpplive.cppdef("template<class T> T %s(T t) { return t; }" % name)
    f = getattr(cpplive.gbl, name)
    assert f(2**64 - 1) == 2**64 - 1
    assert "unsigned long long" in f.__doc__
    assert f(2**40) == 2**40


def test_class_template_instantiation_knows_its_template(uid):
    v = cpplive.gbl.std.vector[int]
    assert v.__cpp_template__ is cpplive.gbl.std.vector
    assert v.__cpp_template__[int] is v


def test_enum_values_as_template_arguments(uid):
    ns = uid("tf_en")
    cpplive.cppdef("""namespace %s { enum class E { A, B }; enum P { PA = 3 };
        template<E e> struct T { int v() { return (int)e + 40; } };
        template<P p> struct U { int v() { return (int)p; } }; }""" % ns)
    s = getattr(cpplive.gbl, ns)
    assert s.T[s.E.B]().v() == 41
    assert s.U[s.PA]().v() == 3


def test_list_argument_deduces_a_vector_of_its_elements():
    cpplive.cppdef("""
    #include <vector>
    #include <string>
    #include <typeinfo>
    namespace ft_lists {
    template<class T> std::string name_of(const T&) { return typeid(T).name(); }
    template<class T> size_t size_of(T&& t) { return t.size(); }
    template<class T> T total(const std::vector<T>& v) { T s{}; for (auto& x : v) s += x; return s; }
    }""")
    ns = cpplive.gbl.ft_lists
    assert "vector" in ns.name_of([1, 2, 3])
    assert ns.size_of([1, 2, 3]) == 3                       # T&& binds the converted temporary
    assert ns.total([1, 2, 3]) == 6
    assert ns.total([1.5, 2]) == 3.5                        # mixed numbers: double
    assert ns.total(["a", "b"]) == "ab"
    with pytest.raises(TypeError, match="empty"):
        ns.total([])


def test_explicit_template_arguments_with_a_python_callable():
    # The callable has no C++ type to deduce from: the explicit arguments
    # name the specialization, and the call converts the callable.
    cpplive.cppdef("""
    #include <functional>
    namespace ft_callables {
    template<class T> struct Box { T v{}; };
    template<class T> bool by_ref(const std::function<bool(const Box<T>&)>& cb) { return cb({}); }
    template<class T> int by_value(const std::function<int(Box<T>)>& cb) { Box<T> b; b.v = 41; return cb(b); }
    template<class T> bool by_pointer(bool (*cb)(const Box<T>&)) { return cb({}); }
    }""")
    ns = cpplive.gbl.ft_callables
    assert ns.by_ref[int](lambda box: True) is True
    assert ns.by_value[int](lambda box: box.v + 1) == 42
    assert ns.by_pointer[int](lambda box: box.v == 0) is True
    with pytest.raises(TypeError):
        ns.by_ref(lambda box: True)                 # nothing to deduce T from


def test_alias_templates_are_subscripted_like_class_templates():
    cpplive.cppdef("""
    #include <vector>
    template<typename T> using ft_avec = std::vector<T>;
    namespace ft_alias {
    template<class T, int N> struct Nest { using type = Nest; static constexpr int depth = N; };
    template<class T, int N> using make = typename Nest<T, N>::type;
    }""")
    g = cpplive.gbl
    assert g.ft_avec["float"] is g.std.vector["float"]
    v = g.ft_avec[int]()
    v.push_back(3)
    assert list(v) == [3]
    assert g.ft_alias.make[int, 4].depth == 4
    assert "ft_avec" in dir(g)


def test_subscripting_a_function_template_again_gives_the_same_object():
    # A loop calling `f['float'](x)` must not instantiate (and allocate in
    # clang) on every call.
    cpplive.cppdef("template<class T> T ft_same(T t) { return t; }")
    f = cpplive.gbl.ft_same
    assert f['float'] is f['float']
    assert f['float'] is f[float] or f[float](1.5) == 1.5
    assert f['float'](2.5) == 2.5
    assert f['int'] is not f['float']


def test_free_function_template_made_a_method_takes_the_object_first():
    assert cpplive.cppdef("""
    namespace ft_as_method {
    struct Box { int v; };
    template<class T> bool same_value(const T& a, const T& b) { return a.v == b.v; }
    template<class T> int plus(const T& a, int k) { return a.v + k; }
    }""")
    ns = cpplive.gbl.ft_as_method
    Box = ns.Box
    Box.same = ns.same_value[Box]
    Box.plus = ns.plus
    a, b = Box(), Box()
    a.v, b.v = 1, 1
    assert a.same(b)
    b.v = 2
    assert not a.same(b)
    assert a.plus(41) == 42
    # Still an ordinary function where it lives.
    assert ns.plus(b, 1) == 3


def test_python_sequence_deduces_as_a_vector():
    assert cpplive.cppdef("""
    #include <typeinfo>
    namespace ft_seq {
    template<class T> bool is_int_vector(const T&) { return typeid(T) == typeid(std::vector<int>); }
    template<class T> unsigned long size_of(T&& t) { return t.size(); }
    template<class T> T first(const std::vector<T>& v) { return v[0]; }
    }""")
    ns = cpplive.gbl.ft_seq
    assert ns.is_int_vector([1, 2, 3]) and ns.is_int_vector((4,))
    assert not ns.is_int_vector([1.5])
    assert ns.size_of(list(range(10))) == 10
    assert ns.size_of(("a", "b")) == 2
    assert ns.first([1.5, 2]) == 1.5                 # the elements' common type
    assert ns.is_int_vector(cpplive.gbl.std.vector[int]())
    with pytest.raises(TypeError):
        ns.size_of([])                               # no element type to deduce


def test_object_deduces_a_pointer_parameter():
    # A C++ object also stands for its address, as in non-template calls.
    cpplive.cppdef("""
    struct ft_PtrArg { int v = 3; };
    template<class T> int ft_through_pointer(T* p) { return p->v; }
    """)
    assert cpplive.gbl.ft_through_pointer(cpplive.gbl.ft_PtrArg()) == 3


@pytest.fixture(scope="module")
def fpt():
    cpplive.cppdef(r"""
    namespace tf_fp {
    struct Node { int data; };
    struct Id { int id; };
    template<typename R, typename... U, typename... A>
    R call(R (*f)(U...), A&&... args) { return f(args...); }
    template<typename... U, typename... A>
    Id schedule(Id (*f)(U...), A&&... args) { return f(args...); }
    Id from_node(Node& n) { return Id{n.data}; }
    double scale(int x) { return 2.5 * x; }
    template<class A> long size_of(A&) { return sizeof(A); }
    template<class A> long size_of(const A&) { return sizeof(A) + 1; }
    }""")
    return cpplive.gbl.tf_fp


def test_cpp_function_deduces_as_its_pointer_type(fpt):
    assert fpt.call(fpt.scale, 2) == 5.0
    assert fpt.schedule(fpt.from_node, fpt.Node(42)).id == 42
    assert fpt.scale.__cpp_name__ == "double (*)(int)"


def test_annotated_python_function_deduces_as_a_function_pointer(fpt):
    def tripled(x: 'int') -> 'double':
        return 3.0 * x
    assert fpt.call(tripled, 2) == 6.0

    def product(a: int, b: int) -> int:
        return a * b
    assert fpt.call(product, 6, 7) == 42

    def adapt(node: 'tf_fp::Node&') -> fpt.Id:
        node.data = 81
        return fpt.Id(7)
    n = fpt.Node(1)
    assert fpt.schedule(adapt, n).id == 7
    assert n.data == 81


def test_python_function_with_cpp_name_deduces_from_it(fpt):
    def adapt(node):
        return fpt.Id(node.data)
    adapt.__cpp_name__ = "tf_fp::Id (*)(tf_fp::Node&)"
    assert fpt.schedule(adapt, fpt.Node(57)).id == 57


def test_unannotated_python_function_cannot_be_deduced(fpt):
    with pytest.raises(TypeError, match="__cpp_name__"):
        fpt.call(lambda x: x, 2)


def test_ctypes_number_deduces_as_a_reference(fpt):
    import ctypes
    assert fpt.size_of(ctypes.c_double(3.14)) == 8
    assert fpt.size_of(3.14) == 9
    assert fpt.size_of(ctypes.c_short(3)) == 2


def test_explicit_template_arguments_are_read_in_the_templates_scope():
    cpplive.cppdef("""
    namespace ft_sx { struct C { int v = 1; }; }
    namespace ft_sy {
        struct Near { int v = 2; };
        using near_ptr = Near*;
        namespace ft_sz { template<class T> int which() { return sizeof(T); } }
        namespace ft_sx { struct D {}; }             // hides ::ft_sx from inside ft_sy
        template<class T> bool is_null(T const& x) { return !x; }
    }""")
    ns = cpplive.gbl.ft_sy
    assert ns.is_null["near_ptr"](cpplive.bind_object(cpplive.nullptr, ns.Near))
    f = ns.ft_sz.which["ft_sx::C"]                    # names ft_sy::ft_sx::C: none
    with pytest.raises(TypeError):
        f()
    # A class given as an object is that class, wherever the template is.
    assert ns.ft_sz.which[cpplive.gbl.ft_sx.C]() == 4
    assert ns.ft_sz.which["::ft_sx::C"]() == 4


def test_void_pointer_overload_does_not_hide_the_template():
    cpplive.cppdef("""
    namespace ft_greedy {
    struct Some { double d; };
    struct One {
        template<class T> int size(T*) { return (int)sizeof(T); }
        int size(void*, bool force = false) { return -1; }
    };
    struct Two {
        template<class T> int size(T*) { return (int)sizeof(T); }
        int size(void**, bool force = false) { return -1; }
    };
    }""")
    ns = cpplive.gbl.ft_greedy
    for cls in (ns.One, ns.Two):
        obj = cls()
        assert obj.size(ns.Some()) == 8
        assert obj.size(ns.Some(), True) == -1
        assert obj.size(ns.Some()) == 8                   # also once remembered
    assert ns.One().size(cpplive.nullptr) == -1
    with pytest.raises(TypeError):
        ns.One().size("text", 1, 2)


def test_a_typedef_value_deduces_as_its_type():
    cpplive.cppdef("""
    #include <string>
    namespace ft_typedef_value {
    template<class T> std::string kind(const T&) { return "other"; }
    template<> std::string kind(const char&) { return "char"; }
    }""")
    std = cpplive.gbl.std
    ns = cpplive.gbl.ft_typedef_value
    assert ns.kind(std.string.value_type(" ")) == "char"    # `char`, not a std::string
    assert ns.kind(" ") == "other"
    n = std.string("a b c")
    n.erase(std.remove(n.begin(), n.end(), std.string.value_type(" ")), n.end())
    assert n == "abc"
