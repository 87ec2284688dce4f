"""Overload resolution, explicit overload selection, default and keyword
arguments, overload error messages and documentation.

C++ names used in this file all start with ``ov_``.
"""
import contextlib
import io
import re

import pytest

import cpplive
from helpers import WITH_CPPYY, cpplive_only, via_dictionary_xfail


@pytest.fixture(scope="module")
def g():
    assert cpplive.cppdef(r"""
    #include <string>

    const char* ov_f(int)                { return "int"; }
    const char* ov_f(double)             { return "double"; }
    const char* ov_f(long long)          { return "long long"; }
    const char* ov_f(bool)               { return "bool"; }
    const char* ov_f(const char*)        { return "const char*"; }
    const char* ov_f(const std::string&) { return "std::string"; }

    // the same set declared in a different order
    const char* ov_r(const std::string&) { return "std::string"; }
    const char* ov_r(const char*)        { return "const char*"; }
    const char* ov_r(bool)               { return "bool"; }
    const char* ov_r(long long)          { return "long long"; }
    const char* ov_r(double)             { return "double"; }
    const char* ov_r(int)                { return "int"; }

    const char* ov_ll_dbl(long long) { return "long long"; }
    const char* ov_ll_dbl(double)    { return "double"; }

    const char* ov_str_int(const std::string& s) { static std::string r; r = "string:" + s; return r.c_str(); }
    const char* ov_str_int(int)                  { return "int"; }

    const char* ov_fl(float)  { return "float"; }
    const char* ov_fl(double) { return "double"; }

    const char* ov_u(unsigned int) { return "unsigned"; }
    const char* ov_u(int)          { return "int"; }

    double ov_only_double(double d) { return d * 2; }
    int ov_only_int(int d) { return d * 2; }

    // explicit selection: value-distinguishing overloads
    double ov_pick(int x)    { return x + 0.25; }
    double ov_pick(double x) { return x + 0.5; }
    double ov_pick(float x)  { return x + 0.75; }
    int ov_multi(int a, double b)    { return 1; }
    int ov_multi(double a, int b)    { return 2; }
    int ov_multi(int a, int b, int c) { return a + b + c; }

    // default arguments
    int ov_def(int a, int b = 10, int c = 100) { return a + b * 2 + c * 3; }
    struct ov_Defaults {
        int x, y;
        ov_Defaults(int x_, int y_ = 7) : x(x_), y(y_) {}
        int scaled(int k = 2, int add = 0) const { return (x + y) * k + add; }
    };

    namespace ov_ns {
        int sub(int minuend, int subtrahend) { return minuend - subtrahend; }
        double mix(int count, double weight, const char* label) {
            return count * weight + (label[0] == 'x' ? 1000 : 0);
        }
    }

    // failures and docs
    int ov_e(int first) { return 1; }
    int ov_e(const char* text, double ratio) { return 2; }
    int ov_e(double a, int b, int c) { return 3; }

    // const / non-const
    struct ov_CN {
        int v = 1;
        int calls = 0;
        int get() { ++calls; return v * 10; }
        int get() const { return v * 20; }
        int peek() const { return v * 20; }
    };
    const ov_CN& ov_as_const(const ov_CN& c) { return c; }
    int ov_const_get(const ov_CN& c) { return c.get(); }

    // methods
    struct ov_M {
        int base = 100;
        int m(int a) const { return base + a; }
        int m(double a, int b) { return base + (int)(a * 10) + b; }
        static int s(int a) { return a; }
        static int s(double a) { return -1; }
    };
    """)
    return cpplive.gbl


def norm(text):
    """Whitespace around '*' and '&' differs between implementations."""
    return re.sub(r"\s*([*&])\s*", r"\1", text)


# ---------------------------------------------------------------- implicit resolution

@pytest.mark.parametrize("fn", ["ov_f", "ov_r"])
def test_int_picks_int(g, fn):
    assert getattr(g, fn)(1) == "int"
    assert getattr(g, fn)(-7) == "int"


@pytest.mark.parametrize("fn", ["ov_f", "ov_r"])
def test_float_picks_double(g, fn):
    assert getattr(g, fn)(1.5) == "double"
    assert getattr(g, fn)(1.0) == "double"


@pytest.mark.parametrize("fn", ["ov_f", "ov_r"])
def test_bool_picks_bool(g, fn):
    assert getattr(g, fn)(True) == "bool"
    assert getattr(g, fn)(False) == "bool"


@pytest.mark.parametrize("fn", [
    "ov_f",
    # cppyy's choice between const char* and std::string depends on declaration order
    pytest.param("ov_r", marks=cpplive_only)])
def test_str_picks_const_char_pointer(g, fn):
    assert getattr(g, fn)("s") == "const char*"


@pytest.mark.parametrize("fn", ["ov_f", "ov_r"])
def test_large_int_picks_long_long(g, fn):
    assert getattr(g, fn)(2 ** 40) == "long long"
    assert getattr(g, fn)(-(2 ** 40)) == "long long"


@pytest.mark.parametrize("fn", ["ov_f", "ov_r"])
@via_dictionary_xfail("one C++ class, two Python classes: std.string made by clang is not the dictionary's std::string, so the std::string overload is no exact match")
def test_std_string_object_picks_std_string(g, fn):
    assert getattr(g, fn)(g.std.string("x")) == "std::string"


@cpplive_only  # cppyy's resolution is "sticky": after f(2**40), f(1) goes to long long
def test_resolution_is_stable_across_repeated_calls(g):
    # the per-call memo must not mix up argument types
    for _ in range(3):
        assert [g.ov_f(1), g.ov_f(1.5), g.ov_f(True), g.ov_f("a")] == \
            ["int", "double", "bool", "const char*"]


def test_int_prefers_long_long_over_double(g):
    assert g.ov_ll_dbl(1) == "long long"
    assert g.ov_ll_dbl(1.5) == "double"


def test_str_vs_int(g):
    assert g.ov_str_int("abc") == "string:abc"
    assert g.ov_str_int(3) == "int"


def test_float_prefers_double_over_float(g):
    assert g.ov_fl(1.5) == "double"
    assert g.ov_fl(2) == "double"


@cpplive_only  # cppyy picks 'unsigned int' for a small positive Python int
def test_small_int_prefers_int_over_unsigned(g):
    assert g.ov_u(1) == "int"
    assert g.ov_u(-1) == "int"


def test_int_out_of_int_range_goes_to_unsigned(g):
    assert g.ov_u(2 ** 31) == "unsigned"


def test_int_converts_to_double_parameter(g):
    r = g.ov_only_double(3)
    assert r == 6.0
    assert isinstance(r, float)


def test_float_does_not_convert_to_int_parameter(g):
    with pytest.raises(TypeError):
        g.ov_only_int(1.5)


# ---------------------------------------------------------------- explicit selection

def test_overload_double_selected_explicitly(g):
    assert g.ov_pick(1.0) == 1.5
    assert g.ov_pick.__overload__("double")(1.0) == 1.5
    # the explicit choice wins over what resolution would pick
    assert g.ov_pick(1) == 1.25
    assert g.ov_pick.__overload__("double")(1) == 1.5
    assert g.ov_pick.__overload__("float")(1) == 1.75
    assert g.ov_pick.__overload__("int")(1) == 1.25


def test_overload_explicit_on_string_set(g):
    assert g.ov_f.__overload__("double")(1.0) == "double"
    assert g.ov_f.__overload__("long long")(1) == "long long"
    assert g.ov_f.__overload__("const std::string&")("x") == "std::string"
    assert g.ov_f.__overload__("bool")(True) == "bool"


def test_overload_explicit_multi_parameter(g):
    assert g.ov_multi.__overload__("int, double")(1, 2) == 1
    assert g.ov_multi.__overload__("double, int")(1, 2) == 2
    assert g.ov_multi.__overload__("int,int,int")(1, 2, 3) == 6


def test_overload_explicit_rejects_other_arguments(g):
    chosen = g.ov_pick.__overload__("int")
    with pytest.raises(TypeError):
        chosen(1.5)


def test_overload_unknown_signature(g):
    with pytest.raises((TypeError, LookupError)):
        g.ov_pick.__overload__("char, char")


def test_overload_explicit_static_method(g):
    assert g.ov_M.s.__overload__("double")(3) == -1
    assert g.ov_M.s.__overload__("int")(3) == 3
    assert g.ov_M().s.__overload__("double")(3) == -1


def test_overload_explicit_method_via_class(g):
    o = g.ov_M()
    assert g.ov_M.m.__overload__("int")(o, 3) == 103
    assert g.ov_M.m.__overload__("double, int")(o, 0.5, 1) == 106


def test_overload_explicit_method_via_instance(g):
    o = g.ov_M()
    assert o.m.__overload__("int")(3) == 103
    assert o.m.__overload__("double, int")(0.5, 1) == 106


# ---------------------------------------------------------------- default arguments

def test_default_arguments_one_two_three(g):
    assert g.ov_def(1) == 1 + 20 + 300
    assert g.ov_def(1, 2) == 1 + 4 + 300
    assert g.ov_def(1, 2, 3) == 1 + 4 + 9


def test_default_arguments_too_many_or_too_few(g):
    with pytest.raises(TypeError):
        g.ov_def()
    with pytest.raises(TypeError):
        g.ov_def(1, 2, 3, 4)


def test_default_arguments_constructor(g):
    d = g.ov_Defaults(3)
    assert (d.x, d.y) == (3, 7)
    d = g.ov_Defaults(3, 4)
    assert (d.x, d.y) == (3, 4)


def test_default_arguments_method(g):
    d = g.ov_Defaults(3, 4)
    assert d.scaled() == 14
    assert d.scaled(3) == 21
    assert d.scaled(3, 1) == 22


# ---------------------------------------------------------------- keyword arguments

def test_all_arguments_by_keyword(g):
    assert g.ov_def(a=1, b=2, c=3) == 14
    assert g.ov_ns.sub(minuend=10, subtrahend=3) == 7


def test_keyword_arguments_in_any_order(g):
    assert g.ov_def(c=3, a=1, b=2) == 14
    assert g.ov_ns.sub(subtrahend=3, minuend=10) == 7


def test_trailing_arguments_by_keyword(g):
    assert g.ov_def(1, b=2, c=3) == 14
    assert g.ov_def(1, 2, c=3) == 14
    assert g.ov_def(1, b=2) == 1 + 4 + 300
    assert g.ov_ns.mix(2, weight=0.5, label="x") == 1001.0
    assert g.ov_ns.mix(2, 0.5, label="y") == 1.0


def test_skipping_a_defaulted_parameter_by_keyword(g):
    # b keeps its default while c is given by name.
    assert g.ov_def(1, c=3) == 1 + 20 + 9
    assert g.ov_def(c=1, a=2) == 2 + 20 + 3
    with pytest.raises(TypeError) as info:
        g.ov_def(b=1)
    if not WITH_CPPYY:
        assert "missing argument for parameter 'a'" in str(info.value)


def test_keyword_errors_are_worded_as_python_words_them(g):
    with pytest.raises(TypeError, match="unexpected keyword argument 'zz'"):
        g.ov_def(1, zz=2)
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        g.ov_def(1, a=2)


@cpplive_only  # cppyy evaluates the default "Green" in Python and fails
def test_skipping_defaults_that_name_class_scope_constants(g):
    # The defaults name an enumerator and a constant of the class's own
    # scope, which must be qualified to be used from outside.
    cpplive.cppdef("""
    namespace ov_kd { struct W { enum Color { Red, Green }; static const int N = 4;
      int f(int a, Color c = Green, int n = N, int z = 0) { return a * 1000 + c * 100 + n * 10 + z; } }; }
    """)
    assert g.ov_kd.W().f(1, z=5) == 1145


@via_dictionary_xfail("function-template instantiations other than the generator's probes are not made ahead of time")
def test_keywords_to_function_template_instantiations(g):
    cpplive.cppdef("namespace ov_kd { template<class T> T scale(T a, T b = T(2), int plus = 0) { return a * b + plus; } }")
    assert g.ov_kd.scale(3) == 6
    assert g.ov_kd.scale(3, plus=1) == 7               # b's default instantiated for T = int
    assert g.ov_kd.scale(1.5, b=3.0) == 4.5


def test_keyword_arguments_constructor(g):
    d = g.ov_Defaults(x_=5, y_=6)
    assert (d.x, d.y) == (5, 6)
    d = g.ov_Defaults(5, y_=1)
    assert (d.x, d.y) == (5, 1)


@cpplive_only  # cppyy ignores the keywords once scaled() was called without arguments
def test_keyword_arguments_method(g):
    d = g.ov_Defaults(5, 1)
    assert d.scaled() == 12
    assert d.scaled(k=1, add=4) == 10
    assert d.scaled(3, add=4) == 22


def test_unknown_keyword_is_type_error(g):
    with pytest.raises(TypeError):
        g.ov_ns.sub(10, nope=3)
    with pytest.raises(TypeError):
        g.ov_ns.sub(minuend=10, other=3)


def test_keyword_duplicating_positional_is_type_error(g):
    with pytest.raises(TypeError):
        g.ov_only_int(1, d=1)


# ---------------------------------------------------------------- failures and docs

E_SIGNATURES = ["int ov_e(int first)", "int ov_e(const char* text, double ratio)",
                "int ov_e(double a, int b, int c)"]


def test_no_match_type_error_lists_candidates(g):
    with pytest.raises(TypeError) as exc:
        g.ov_e([1, 2])
    msg = norm(str(exc.value))
    for sig in E_SIGNATURES:
        assert norm(sig) in msg, (sig, str(exc.value))


def test_wrong_argument_count_type_error_lists_candidates(g):
    with pytest.raises(TypeError) as exc:
        g.ov_e(1, 2, 3, 4, 5)
    msg = norm(str(exc.value))
    for sig in E_SIGNATURES:
        assert norm(sig) in msg, (sig, str(exc.value))


def test_method_no_match_lists_candidates(g):
    with pytest.raises(TypeError) as exc:
        g.ov_M().m("x")
    msg = norm(str(exc.value))
    assert "ov_M::m(int a)" in msg
    assert "ov_M::m(double a, int b)" in msg


def test_overloads_still_work_after_failure(g):
    with pytest.raises(TypeError):
        g.ov_e(None)
    assert g.ov_e(1) == 1
    assert g.ov_e("t", 0.5) == 2
    assert g.ov_e(1.5, 2, 3) == 3


def test_doc_lists_all_signatures(g):
    doc = norm(g.ov_e.__doc__)
    for sig in E_SIGNATURES:
        assert norm(sig) in doc, (sig, g.ov_e.__doc__)


def test_doc_lists_defaulted_parameters(g):
    assert "int ov_def(int a, int b =" in g.ov_def.__doc__
    assert "int c =" in g.ov_def.__doc__


def test_help_lists_all_signatures(g):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        help(g.ov_e)
    text = norm(buf.getvalue())
    for sig in E_SIGNATURES:
        assert norm(sig) in text, (sig, buf.getvalue())


def test_method_doc_lists_all_signatures(g):
    for doc in (g.ov_M.m.__doc__, g.ov_M().m.__doc__):
        doc = norm(doc)
        assert "int ov_M::m(int a)" in doc
        assert "int ov_M::m(double a, int b)" in doc


# ---------------------------------------------------------------- const / non-const

def test_const_nonconst_overload_callable(g):
    c = g.ov_CN()
    c.v = 2
    # a non-const object: C++ picks the non-const overload
    assert c.get() == 20
    assert c.calls == 1
    assert c.peek() == 40


def test_const_overload_used_from_cpp(g):
    c = g.ov_CN()
    c.v = 3
    assert g.ov_const_get(c) == 60
    assert c.calls == 0


def test_const_reference_result_still_callable(g):
    c = g.ov_CN()
    c.v = 4
    r = g.ov_as_const(c)
    assert r.peek() == 80
    assert r.get() in (40, 80)     # whether the proxy tracks constness is not specified
    assert r.v == 4


@cpplive_only  # cppyy picks the int overload
def test_enum_value_prefers_its_own_overload(g):
    cpplive.cppdef("""
    namespace ov_en { enum Color { Red, Green }; enum class Mode { On, Off };
      int pick(int) { return 1; } int pick(Color) { return 2; } int pick(Mode) { return 3; } int only_int(int x) { return x; } }
    """)
    ns = g.ov_en
    assert ns.pick(1) == 1
    assert ns.pick(ns.Green) == 2
    assert ns.pick(ns.Mode.Off) == 3
    assert ns.only_int(ns.Green) == 1                # an enum still converts to int


def test_overload_by_constness_any_and_parameter_names():
    cpplive.cppdef("""
    #include <string>
    struct ov_CS {
        std::string at(int) { return "non-const"; }
        std::string at(int) const { return "const"; }
        int named(double lb, const std::string& name = "x") { return (int)lb + (int)name.size(); }
    };
    """)
    o = cpplive.gbl.ov_CS()
    assert o.at.__overload__(":any:", True)(0) == "const"
    assert o.at.__overload__(":any:", False)(0) == "non-const"
    assert cpplive.gbl.ov_CS.at.__overload__("int", True)(o, 0) == "const"
    assert o.at.__overload__(":any:")(0) in ("const", "non-const")
    # signatures as the source spells them, names and defaults included
    assert o.named.__overload__('double lb, const std::string& name = "x"')(2.0, "abc") == 5
    with pytest.raises(LookupError):
        o.at.__overload__("double")


def test_dispatch_picks_a_bound_overload():
    cpplive.cppdef("""
    struct ov_DA {}; struct ov_DB {};
    struct ov_D { int get(ov_DA*) { return 42; } int get(ov_DB*) { return 13; } };
    """)
    g = cpplive.gbl
    d = g.ov_D()
    assert d.__dispatch__("get", "ov_DA*")(g.ov_DA()) == 42
    assert d.__dispatch__("get", "ov_DB*")(g.ov_DB()) == 13
    with pytest.raises(TypeError):
        d.__dispatch__("get", 12)
    with pytest.raises(LookupError):
        d.__dispatch__("get", "int")


def test_doc_spells_pointers_references_and_defaults_as_source_does(uid):
    name = uid("ov_doc")
    cpplive.cppdef("struct %s_S {}; void %s(int* p, const %s_S& r, double** q, int n = 3) {}" % (name, name, name))
    doc = getattr(cpplive.gbl, name).__doc__
    assert "void %s(int* p, const %s_S& r, double** q, int n = 3)" % (name, name) in doc


def test_most_derived_class_parameter_is_preferred():
    cpplive.cppdef("""
    #include <string>
    namespace ov_deep {
    class A {}; class B : public A {}; class C : public B {};
    class D : public A {}; class E : public D {};
    std::string by_ref(const B&) { return "B"; }
    std::string by_ref(const C&) { return "C"; }
    std::string by_ref_rev(const E&) { return "E"; }
    std::string by_ref_rev(const D&) { return "D"; }
    std::string by_ptr(A*) { return "A"; }
    std::string by_ptr(C*) { return "C"; }
    }""")
    ns = cpplive.gbl.ov_deep
    assert ns.by_ref(ns.B()) == "B" and ns.by_ref(ns.C()) == "C"
    assert ns.by_ref_rev(ns.E()) == "E" and ns.by_ref_rev(ns.D()) == "D"
    assert ns.by_ptr(ns.C()) == "C" and ns.by_ptr(ns.B()) == "A"


def test_explicit_constructors_take_no_part_in_implicit_conversions():
    cpplive.cppdef("""
    struct ov_Explicit { explicit ov_Explicit(int) {} };
    struct ov_Implicit { ov_Implicit(int a) : v(a) {} int v; };
    int ov_choose(const ov_Explicit&) { return 0; }
    int ov_choose(bool) { return 1; }
    int ov_only_explicit(const ov_Explicit&) { return 2; }
    int ov_only_implicit(const ov_Implicit& i) { return i.v; }
    """)
    g = cpplive.gbl
    assert g.ov_choose(1) == 1                      # as C++ picks: not through ov_Explicit(int)
    assert g.ov_choose(g.ov_Explicit(1)) == 0
    with pytest.raises(TypeError, match="explicit"):
        g.ov_only_explicit(3)
    assert g.ov_only_implicit(5) == 5             # a converting constructor still converts
    assert isinstance(g.ov_Explicit(3), g.ov_Explicit)   # called by name it constructs


def test_an_enum_value_picks_its_own_overload_before_char():
    cpplive.cppdef("""
    namespace ov_en {
    enum Manip { Open = 16 };
    struct Out { int last = 0; };
    Out& operator<<(Out& o, char c) { o.last = 1000 + c; return o; }
    Out& operator<<(Out& o, Manip m) { o.last = m; return o; }
    int put(char) { return 1; }
    int put(Manip) { return 2; }
    }""")
    ns = cpplive.gbl.ov_en
    assert ns.put(ns.Open) == 2
    assert ns.put("a") == 1 and ns.put(65) == 1     # a plain int still converts to char
    o = ns.Out()
    getattr(ns, "operator<<")(o, ns.Open)
    assert o.last == 16


def test_an_overload_that_throws_does_not_end_the_search():
    # An exception from the only overload that raised is the error;
    # exceptions of one type from several are that exception, whatever
    # overloads refused the argument types; when a conversion raised too, a
    # TypeError lists them all.
    assert cpplive.cppdef(r"""
    #include <exception>
    #include <string>
    namespace ov_throwing {
    struct Missing : std::exception {
        std::string name;
        Missing(const std::string& n) : name(n) {}
        const char* what() const noexcept override { return name.c_str(); }
    };
    int pick(int) { throw Missing("int"); }
    int pick(double) { return 2; }
    int only(const std::string& s) { throw Missing(s); }
    int only(int, int) { return 0; }
    int both(const std::string& s) { throw Missing(s); }
    int both(const char* s) { throw Missing(s); }
    int typed(const std::string& s) { throw Missing(s); }
    int typed(const char* s) { throw Missing(s); }
    int typed(int) { return 0; }
    struct Maker { Maker(const std::string& s) { throw Missing("maker of " + s); } };
    int mixed(const std::string& s) { throw Missing(s); }
    int mixed(const char* s) { throw Missing(s); }
    int mixed(const Maker&) { return 0; }
    int later(int x) { if (x < 0) throw Missing("negative"); return 1; }
    int later(double) { return 2; }
    }""")
    ns = cpplive.gbl.ov_throwing
    assert ns.pick(1) == 2 and ns.pick(1) == 2      # not remembered: chosen by value
    with pytest.raises(ns.Missing) as exc:
        ns.only("config")
    assert exc.value.name == "config"
    with pytest.raises(ns.Missing):
        ns.both("x")
    with pytest.raises(ns.Missing):
        ns.typed("x")                               # typed(int) only refused a str
    with pytest.raises(TypeError) as exc:
        ns.mixed("x")
    assert "raised" in str(exc.value) and "maker of x" in str(exc.value)
    assert ns.later(5) == 1                         # remembered for int
    assert ns.later(-5) == 2                        # the remembered one raised: the others are tried
    assert ns.later(5) == 1


def test_arity_errors_are_worded_as_python_words_them(g):
    with pytest.raises(TypeError) as exc:
        g.ov_ll_dbl(1, 2)
    assert "takes at most 1 arguments (2 given)" in str(exc.value)
    with pytest.raises(TypeError) as exc:
        g.ov_ll_dbl()
    assert "takes at least 1 arguments (0 given)" in str(exc.value)


def test_each_rejected_overload_is_listed_with_its_exception_type():
    cpplive.cppdef("""
    namespace ov_listed { struct Opaque; struct D {
        int check() { return 0; } int check(int, int) { return 1; }
        void overload() {} void overload(Opaque*) {} void overload(char, int i = 0) {} }; }""")
    d = cpplive.gbl.ov_listed.D()
    with pytest.raises(TypeError) as exc:
        d.check(None)
    text = str(exc.value)
    assert "int ov_listed::D::check() =>\n    TypeError: takes at most 0 arguments (1 given)" in text
    assert "TypeError: takes at least 2 arguments (1 given)" in text
    # None is no null pointer (nullptr is): nothing takes it.
    with pytest.raises(TypeError) as exc:
        d.overload(None)
    assert "None is not a pointer: pass cpplive.nullptr" in str(exc.value)
    d.overload(cpplive.nullptr)
    d.overload("a")
