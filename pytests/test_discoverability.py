"""Discoverability: ``help()`` on C++ classes and objects, ``dir()`` of
namespaces and classes listing what C++ declares (before any name was looked
up, as tab completion needs), and ``import`` of any namespace.

C++ names used in this file all start with ``dv_``.
"""
import pydoc
import rlcompleter
import sys

import pytest

import cpplive
from helpers import cpplive_only


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef(r"""
    namespace dv_ns {
        int dv_free(int x) { return x + 1; }
        int dv_free(double x) { return 2; }
        int dv_variable = 7;
        enum dv_Color { dv_red, dv_green };
        enum class dv_Scoped { one };
        typedef int dv_int_t;
        template<class T> struct dv_Box { T value; };
        template<class T> T dv_twice(T x) { return x + x; }
        namespace dv_inner { int dv_deep() { return 3; } }
        inline namespace dv_v1 { int dv_versioned() { return 4; } }
        namespace { int dv_hidden_linkage() { return 5; } }
        struct dv_Base {
            int base_field = 1;
            int base_method() const { return 10; }
            struct BaseNested { int n = 2; };
        private:
            int base_secret = 0;
        };
        struct dv_Klass : dv_Base {
            int field = 3;
            static int counter;
            dv_Klass() {}
            explicit dv_Klass(int f) : field(f) {}
            int method(int a) const { return a + field; }
            static int make(int a) { return a * 2; }
            template<class T> T tmethod(T t) const { return t; }
            enum Mode { fast, slow };
            typedef double real;
            struct Nested { int inside = 4; };
        protected:
            int guarded() const { return 1; }
        private:
            int secret = 9;
            void private_method() {}
        };
        int dv_Klass::counter = 0;
        int __dv_reserved = 0;
        struct _Dv_reserved {};
    }
    """)
    return cpplive.gbl


def _public(names):
    return [n for n in names if not n.startswith("__")]


# ---------------------------------------------------------------- dir()

def test_dir_of_namespace_before_any_lookup(g):
    names = dir(g.dv_ns)
    for expected in ("dv_free", "dv_variable", "dv_Color", "dv_red", "dv_green", "dv_Scoped", "dv_int_t",
                     "dv_Box", "dv_twice", "dv_inner", "dv_Base", "dv_Klass"):
        assert expected in names, expected
    # Nothing but the namespace itself was looked up: these come from C++.
    assert "dv_free" not in vars(g.dv_ns)


def test_dir_of_namespace_lists_each_overloaded_name_once(g):
    assert dir(g.dv_ns).count("dv_free") == 1


def test_dir_of_namespace_includes_inline_and_anonymous_namespace_members(g):
    names = dir(g.dv_ns)
    assert "dv_versioned" in names and "dv_v1" in names
    assert "dv_hidden_linkage" in names
    assert g.dv_ns.dv_versioned() == 4
    assert g.dv_ns.dv_hidden_linkage() == 5


def test_dir_leaves_out_names_reserved_for_the_implementation(g):
    names = dir(g.dv_ns)
    assert "__dv_reserved" not in names
    assert "_Dv_reserved" not in names


def test_every_name_dir_lists_resolves(g):
    ns = g.dv_ns
    for name in _public(dir(ns)):
        assert getattr(ns, name) is not None, name


def test_dir_of_nested_namespace(g):
    assert "dv_deep" in dir(g.dv_ns.dv_inner)


def test_dir_sees_names_declared_later(g, uid):
    name = uid("dv_later")
    assert name not in dir(g.dv_ns)
    cpplive.cppdef("namespace dv_ns { int %s() { return 11; } }" % name)
    assert name in dir(g.dv_ns)
    assert getattr(g.dv_ns, name)() == 11


def test_dir_of_global_namespace(g):
    names = dir(g)
    assert "dv_ns" in names
    assert "std" in names
    # Names C++ reserves (the interpreter's own helpers among them) are left out.
    assert not [n for n in names if n.startswith("_") and not n.startswith("__cpp")
                and n not in ("__doc__", "__module__", "__name__", "__path__", "__spec__", "__loader__", "__package__")]


def test_dir_of_std_lists_the_standard_library(g):
    names = dir(g.std)
    for expected in ("vector", "string", "map", "shared_ptr", "sort", "cout"):
        assert expected in names, expected
    assert not [n for n in names if n.startswith("__") and not n.endswith("__")]


def test_dir_of_class_lists_members_and_nested_names(g):
    names = dir(g.dv_ns.dv_Klass)
    for expected in ("field", "counter", "method", "make", "tmethod", "Mode", "fast", "slow", "real", "Nested"):
        assert expected in names, expected


def test_dir_of_class_includes_what_bases_declare(g):
    names = dir(g.dv_ns.dv_Klass)
    assert "base_field" in names and "base_method" in names
    assert "BaseNested" in names
    assert g.dv_ns.dv_Klass.BaseNested().n == 2


def test_dir_of_class_leaves_out_non_public_members(g):
    names = dir(g.dv_ns.dv_Klass)
    for hidden in ("secret", "private_method", "guarded", "base_secret"):
        assert hidden not in names, hidden


def test_dir_of_instance_lists_members(g):
    names = dir(g.dv_ns.dv_Klass())
    assert "field" in names and "method" in names and "base_method" in names


def test_tab_completion_of_namespace_and_class(g):
    completer = rlcompleter.Completer({"gbl": g})
    matches = []
    state = 0
    while True:
        match = completer.complete("gbl.dv_ns.dv_K", state)
        if match is None:
            break
        matches.append(match)
        state += 1
    assert "gbl.dv_ns.dv_Klass(" in matches
    nested = [completer.complete("gbl.dv_ns.dv_Klass.Nes", 0)]
    assert nested == ["gbl.dv_ns.dv_Klass.Nested("]


# ---------------------------------------------------------------- help()

def test_help_on_class_lists_methods_and_signatures(g, capsys):
    help(g.dv_ns.dv_Klass)
    text = capsys.readouterr().out
    assert "class dv_Klass" in text
    for expected in ("method", "int dv_ns::dv_Klass::method(int a) const", "make", "tmethod",
                     "dv_ns::dv_Klass::dv_Klass(int f)", "field", "base_method"):
        assert expected in text, expected


def test_help_on_class_shows_nested_types(g):
    text = pydoc.render_doc(g.dv_ns.dv_Klass, renderer=pydoc.plaintext)
    assert "Nested" in text and "Mode" in text and "real" in text


def test_help_on_instance(g):
    text = pydoc.render_doc(g.dv_ns.dv_Klass(2), renderer=pydoc.plaintext)
    assert "method" in text


def test_help_on_class_template_instance(g):
    text = pydoc.render_doc(g.dv_ns.dv_Box[int], renderer=pydoc.plaintext)
    assert "value" in text


def test_help_on_function(g):
    text = pydoc.render_doc(g.dv_ns.dv_free, renderer=pydoc.plaintext)
    assert "dv_free(int x)" in text and "dv_free(double x)" in text


def test_class_proxy_has_a_docstring(g):
    assert "dv_ns::dv_Klass" in g.dv_ns.dv_Klass.__doc__


def test_names_and_modules_of_scopes(g):
    cpplive.cppdef("namespace dv_ns { namespace dv_inner { struct dv_In {}; enum dv_E { dv_e }; } }")
    inner = g.dv_ns.dv_inner
    assert (inner.__name__, inner.__module__) == ("dv_inner", "cpplive.gbl.dv_ns")
    assert g.dv_ns.__module__ == "cpplive.gbl"
    assert inner.dv_In.__module__ == "cpplive.gbl.dv_ns.dv_inner" and inner.dv_In.__name__ == "dv_In"
    assert inner.dv_E.__module__ == "cpplive.gbl.dv_ns.dv_inner"
    assert sys.modules[inner.dv_In.__module__] is inner


def test_reprs_name_the_module_and_the_name(g):
    cpplive.cppdef("namespace dv_rp { namespace dv_in { struct dv_Out { struct dv_Nest {}; }; } }")
    ns = g.dv_rp.dv_in
    cls = ns.dv_Out.dv_Nest
    assert cls.__module__.endswith(".gbl.dv_rp.dv_in.dv_Out") and cls.__name__ == "dv_Nest"
    assert repr(cls).startswith("<class %s.dv_Nest at 0x" % cls.__module__)
    assert "dv_rp.dv_in.dv_Out.dv_Nest" in str(cls)
    assert repr(cls()).startswith("<%s.dv_Nest object at 0x" % cls.__module__)
    assert repr(ns).startswith("<namespace %s.dv_in at 0x" % ns.__module__)


def test_a_module_given_to_a_namespace_files_what_it_holds(g):
    cpplive.cppdef("namespace dv_mod { namespace dv_sub { struct dv_M {}; namespace dv_deeper { struct dv_D {}; } } }")
    sub = g.dv_mod.dv_sub
    made = sub.dv_M                                # made before the assignment
    sub.__module__ = "peanut butter"
    assert sub.__module__ == "peanut butter"
    assert made.__module__ == "peanut butter.dv_sub"
    assert sub.dv_deeper.dv_D.__module__ == "peanut butter.dv_sub.dv_deeper"
    assert "peanut butter" in repr(made) and "peanut butter" in repr(made())
    assert "peanut butter" in repr(sub) and "namespace" in repr(sub)


def test_calling_a_namespace_is_a_type_error(g):
    with pytest.raises(TypeError):
        g.dv_ns()
    assert g.dv_ns.__dir__(g.dv_ns) == dir(g.dv_ns)


# ---------------------------------------------------------------- import

@cpplive_only  # cppyy needs the namespace looked up first
def test_import_namespace_not_looked_up_yet(uid):
    name = uid("dv_importable")
    cpplive.cppdef("namespace %s { namespace deeper { int value() { return 12; } } }" % name)
    module = __import__("cpplive.gbl.%s.deeper" % name, fromlist=["value"])
    assert module.value() == 12
    assert sys.modules["cpplive.gbl.%s.deeper" % name] is module


def test_import_of_missing_namespace_fails_cleanly():
    with pytest.raises(ImportError):
        __import__("cpplive.gbl.dv_no_such_namespace")
