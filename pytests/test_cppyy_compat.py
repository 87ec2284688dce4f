"""The cppyy compatibility module: code written for cppyy, run through
``import cpplive.cppyy as cppyy`` (or ``cpplive.cppyy.install()`` and a plain
``import cppyy``), every public cppyy name present and doing its job, or
raising NotImplementedError that names the missing feature.

C++ names used in this file all start with ``cc_``.
"""
import abc
import ctypes
import os
import sys
import textwrap

import pytest

import cpplive
from helpers import WITH_CPPYY, cpplive_only, run_child

pytestmark = cpplive_only   # cpplive's module; cppyy itself has no cpplive.cppyy

if not WITH_CPPYY:
    import cpplive.cppyy as cppyy
    import cpplive.cppyy.ll as cppyy_ll

CPPYY_NAMES = [
    "cppdef", "cppexec", "include", "c_include", "load_library", "load_reflection_info", "add_include_path",
    "add_library_path", "gbl", "nullptr", "bind_object", "addressof", "sizeof", "typeid", "macro", "set_debug",
    "multi", "py", "types", "ll", "add_pythonization", "remove_pythonization", "__version__",
]
LL_NAMES = [
    "cast", "static_cast", "reinterpret_cast", "dynamic_cast", "malloc", "free", "array_new", "array_delete",
    "as_ctypes", "as_memoryview", "as_cobject", "addressof", "signals_as_exception", "set_signals_as_exception",
]


@pytest.fixture(scope="module")
def g():
    cppyy.cppdef(r"""
    #define CC_ANSWER 42
    #define CC_GREETING "hello"
    #define CC_RATIO 0.25
    #define CC_SUM (CC_ANSWER + 1)
    #define CC_FUNCTION_LIKE(x) (x)
    namespace cc_ns {
        struct Base {
            int b = 1;
            virtual ~Base() {}
            virtual int value() const { return 10; }
        };
        struct Other { double o = 2.5; virtual ~Other() {} };
        struct Derived : Base, Other {
            int d = 3;
            int value() const override { return 30; }
        };
        Base* as_base(Derived* d) { return d; }
        int call_value(const Base& b) { return b.value(); }
        int sum(const int* p, int n) { int s = 0; for (int i = 0; i < n; ++i) s += p[i]; return s; }
        struct Plain { int x = 5; };
    }
    """)
    return cppyy.gbl


def test_every_cppyy_name_is_present():
    missing = [name for name in CPPYY_NAMES if not hasattr(cppyy, name)]
    assert not missing
    assert isinstance(cppyy.__version__, str) and cppyy.__version__[0].isdigit()


def test_every_ll_name_is_present():
    assert cppyy.ll is cppyy_ll
    assert sys.modules["cpplive.cppyy.ll"] is cppyy_ll
    missing = [name for name in LL_NAMES if not hasattr(cppyy.ll, name)]
    assert not missing


def test_names_map_onto_cpplive():
    assert cppyy.gbl is cpplive.gbl
    assert cppyy.nullptr is cpplive.nullptr
    assert cppyy.cppdef is cpplive.cppdef
    assert cppyy.ll.cast is cpplive.ll.cast


# ---------------------------------------------------------------- a cppyy-style script

SCRIPT = r'''
import cpplive.cppyy
cpplive.cppyy.install()

import cppyy
import cppyy.ll
from cppyy.gbl import std

cppyy.cppdef("""
namespace cc_script {
    class MyClass {
    public:
        MyClass(int i) : m_data(i) {}
        virtual ~MyClass() {}
        virtual int add_int(int i) { return m_data + i; }
        int m_data;
    };
    int call_add(MyClass& m, int i) { return m.add_int(i); }
    namespace tools { int triple(int x) { return 3 * x; } }
}""")

from cppyy.gbl.cc_script import MyClass
from cppyy.gbl.cc_script.tools import triple
from cppyy.gbl.std import vector

class PyMyClass(MyClass):
    def add_int(self, i):
        return self.m_data + 2 * i

m = MyClass(42)
print("add", m.add_int(1))
m.m_data = 13
print("data", m.add_int(1))
print("override", cppyy.gbl.cc_script.call_add(PyMyClass(1), 10))
print("triple", triple(5))
v = vector[int](range(4))
print("vector", len(v), list(v))
print("sizeof", cppyy.sizeof(MyClass) == cppyy.sizeof("cc_script::MyClass"))
address = cppyy.addressof(m)
print("rebound", cppyy.bind_object(address, MyClass).m_data)
print("cast", type(cppyy.ll.cast["int*"](address)).__name__)
cppyy.cppexec('std::string cc_script_greeting = "hi"')
cppyy.cppexec('cc_script_greeting += " there"')
print("cppexec", cppyy.gbl.cc_script_greeting)
import cppyy.gbl.cc_script as ns
print("module", ns.MyClass is MyClass)
print("names", MyClass.__module__, ns.__name__, ns.__module__)
import pickle
cppyy.cppdef("namespace cc_script { enum cc_Pick { cc_p0, cc_p1 }; }")
print("pickled", pickle.loads(pickle.dumps(ns.cc_Pick.cc_p1)) == 1)
'''


def test_cppyy_style_script_runs_unchanged():
    proc = run_child(SCRIPT)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert lines == {
        "add": "43", "data": "14", "override": "21", "triple": "15", "vector": "4 [0, 1, 2, 3]",
        "sizeof": "True", "rebound": "13", "cast": "LowLevelView", "cppexec": "hi there", "module": "True",
        "names": "cppyy.gbl.cc_script cc_script cppyy.gbl", "pickled": "True",
    }


def test_python_dash_m_runs_a_cppyy_script(tmp_path):
    script = tmp_path / "uses_cppyy.py"
    script.write_text(textwrap.dedent("""
        import sys
        import cppyy
        from cppyy.gbl.std import vector
        print(sys.argv[1:], list(vector[int]([4, 5])), cppyy.__name__)
    """))
    proc = run_child("import runpy, sys\nsys.argv = ['cpplive.cppyy', %r, 'one']\n"
                     "runpy.run_module('cpplive.cppyy', run_name='__main__', alter_sys=True)\n" % str(script))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['one'] [4, 5] cpplive.cppyy"


def test_install_refuses_when_cppyy_itself_is_imported():
    proc = run_child(textwrap.dedent("""
        import sys, types
        sys.modules["cppyy"] = types.ModuleType("cppyy")
        import cpplive.cppyy
        try:
            cpplive.cppyy.install()
        except RuntimeError as e:
            print("refused:", e)
    """))
    assert proc.returncode == 0, proc.stderr
    assert "refused: cppyy itself is already imported" in proc.stdout


def test_import_cppyy_without_install_is_not_hijacked():
    proc = run_child("import cpplive.cppyy, sys\nprint('cppyy' in sys.modules)\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_from_cpplive_cppyy_gbl_import(g):
    from cpplive.cppyy.gbl import cc_ns
    from cpplive.cppyy.gbl.cc_ns import Plain
    assert cc_ns.Plain is Plain
    assert Plain().x == 5


# ---------------------------------------------------------------- code

def test_cppdef_returns_true_and_raises_syntax_error(uid):
    assert cppyy.cppdef("int %s() { return 1; }" % uid("cc_f")) is True
    with pytest.raises(SyntaxError):
        cppyy.cppdef("int cc_broken( {")


def test_cppexec_runs_statements_and_keeps_declarations(g, uid):
    name = uid("cc_counter")
    assert cppyy.cppexec("int %s = 5" % name) is True
    cppyy.cppexec("%s += 2;" % name)
    cppyy.cppexec("for (int i = 0; i < 3; ++i) %s *= 2" % name)
    assert getattr(g, name) == 56


def test_cppexec_takes_preprocessor_lines(g, uid):
    name = uid("CC_DEFINED")
    cppyy.cppexec("#define %s 9\n" % name)
    assert cppyy.macro(name) == 9


def test_cppexec_rejects_bad_code():
    with pytest.raises(SyntaxError):
        cppyy.cppexec("cc_undeclared_thing += 1")


def test_include_c_include_and_include_path(tmp_path, g, uid):
    name = uid("cc_from_header")
    (tmp_path / "cc_header.h").write_text("inline int %s() { return 17; }\n" % name)
    c_name = uid("cc_c_function")
    (tmp_path / "cc_c_header.h").write_text("static int %s(void) { return 18; }\n" % c_name)
    cppyy.add_include_path(str(tmp_path))
    assert cppyy.include("cc_header.h") is True
    assert cppyy.c_include("cc_c_header.h") is True
    assert getattr(g, name)() == 17
    assert getattr(g, c_name)() == 18
    with pytest.raises(ImportError):
        cppyy.include("cc_no_such_header.h")
    with pytest.raises(OSError):
        cppyy.add_include_path(str(tmp_path / "missing"))


def test_load_library_and_library_path(tmp_path, g):
    assert cppyy.load_library("libm.so.6") is True
    cppyy.add_library_path(str(tmp_path))
    with pytest.raises(OSError):
        cppyy.add_library_path(str(tmp_path / "missing"))


def test_missing_library_raises_what_cppyy_and_cpplive_raise():
    with pytest.raises(RuntimeError) as info:
        cppyy.load_library("cc_no_such_library")
    assert isinstance(info.value, OSError)
    assert "cc_no_such_library" in str(info.value)


def _build_reflection_library(directory, stem, function):
    """<directory>/<stem>.h and .cxx, compiled into <stem>Dict.so, as cppyy's
    suite lays out a dictionary's inputs."""
    import shutil
    import subprocess
    cxx = shutil.which("c++") or shutil.which("g++")
    if cxx is None:
        pytest.fail("no C++ compiler (c++ or g++) found on PATH")
    (directory / (stem + ".h")).write_text("int %s(int);\nstruct %s_S { int twice(int x) const; };\n" % (function, function))
    (directory / (stem + ".cxx")).write_text(
        '#include "%s.h"\nint %s(int x) { return x + 100; }\nint %s_S::twice(int x) const { return 2 * x; }\n'
        % (stem, function, function))
    library = directory / (stem + "Dict.so")
    proc = subprocess.run([cxx, "-shared", "-fPIC", "-O1", "-o", str(library), str(directory / (stem + ".cxx"))],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return library


def test_load_reflection_info_loads_the_library_and_includes_its_header(tmp_path, g, uid):
    function = uid("cc_reflected")
    _build_reflection_library(tmp_path, "cc_rfl", function)
    # The path without ".so", as cppyy's suite passes it.
    assert cppyy.load_reflection_info(str(tmp_path / "cc_rflDict")) is None
    assert getattr(g, function)(1) == 101
    assert getattr(g, function + "_S")().twice(21) == 42
    # Loading it again (also by its full name) declares nothing twice.
    cppyy.load_reflection_info(str(tmp_path / "cc_rflDict"))
    cppyy.load_reflection_info(str(tmp_path / "cc_rflDict.so"))
    assert getattr(g, function)(2) == 102


def test_load_reflection_info_finds_a_bare_name_in_the_current_directory(tmp_path, g, uid, monkeypatch):
    function = uid("cc_reflected_cwd")
    _build_reflection_library(tmp_path, "cc_rfl_cwd", function)
    monkeypatch.chdir(tmp_path)
    cppyy.load_reflection_info("cc_rfl_cwdDict")
    assert getattr(g, function)(5) == 105


def test_load_reflection_info_errors_are_runtime_errors(tmp_path):
    with pytest.raises(RuntimeError, match="cc_does_not_exist"):
        cppyy.load_reflection_info("cc_does_not_exist")
    # A library with no header next to it: nothing to declare from.
    (tmp_path / "cc_lonelyDict.so").write_bytes(b"")
    with pytest.raises(RuntimeError, match="header"):
        cppyy.load_reflection_info(str(tmp_path / "cc_lonelyDict"))


def test_add_autoload_map_of_a_missing_file_raises_naming_it():
    with pytest.raises(RuntimeError, match="cc_dict.rootmap"):
        cppyy.add_autoload_map("cc_dict.rootmap")


# ---------------------------------------------------------------- objects and types

def test_bind_object_addressof_and_sizeof(g):
    d = g.cc_ns.Derived()
    assert cppyy.bind_object(cppyy.addressof(d), g.cc_ns.Derived) is d
    assert cppyy.sizeof("int*") == ctypes.sizeof(ctypes.c_void_p)


def test_typeid_gives_type_info(g):
    d = g.cc_ns.Derived()
    info = cppyy.typeid(d)
    assert info.name() == "N5cc_ns7DerivedE"
    assert cppyy.typeid(g.cc_ns.Derived).name() == info.name()
    assert cppyy.typeid(int).name() == "i"
    assert cppyy.typeid(1.5).name() == "d"


def test_macro_values(g):
    assert cppyy.macro("CC_ANSWER") == 42
    assert cppyy.macro("CC_SUM") == 43
    assert cppyy.macro("CC_GREETING") == "hello"
    assert cppyy.macro("CC_RATIO") == 0.25


def test_macro_that_is_not_defined_raises_value_error(g):
    with pytest.raises(ValueError, match="CC_NOT_A_MACRO"):
        cppyy.macro("CC_NOT_A_MACRO")
    with pytest.raises(ValueError):
        cppyy.macro("CC_FUNCTION_LIKE")
    with pytest.raises(ValueError):
        cppyy.macro("1 + 1")


def test_set_debug_toggles_cpplive_debug():
    try:
        cppyy.set_debug()
        assert os.environ.get("CPPLIVE_DEBUG") == "1"
        cppyy.set_debug(False)
        assert "CPPLIVE_DEBUG" not in os.environ
    finally:
        os.environ.pop("CPPLIVE_DEBUG", None)


class _Extra(abc.ABC):
    @abc.abstractmethod
    def extra(self):
        pass


def test_multi_combines_metaclasses(g):
    with pytest.raises(TypeError, match="metaclass conflict"):
        class Plain(g.cc_ns.Base, _Extra):
            pass

    class Both(cppyy.multi(g.cc_ns.Base, _Extra)):
        def value(self):
            return 99

        def extra(self):
            return "extra"

    obj = Both()
    assert isinstance(obj, g.cc_ns.Base) and isinstance(obj, _Extra)
    assert obj.extra() == "extra"
    assert g.cc_ns.call_value(obj) == 99       # C++ reaches the Python override
    assert isinstance(Both, abc.ABCMeta)

    class Incomplete(cppyy.multi(g.cc_ns.Base, _Extra)):
        pass

    with pytest.raises(TypeError):
        Incomplete()                          # abc still checks abstract methods


def test_types_are_the_proxy_types(g):
    obj = g.cc_ns.Plain()
    assert isinstance(obj, cppyy.types.Instance)
    assert isinstance(g.cc_ns.Plain, cppyy.types.Scope)
    assert isinstance(g.cc_ns, cppyy.types.Namespace)
    assert isinstance(g.cc_ns.as_base, cppyy.types.Function)
    assert isinstance(g.cc_ns.Base.__dict__["value"], cppyy.types.Method)
    assert isinstance(g.cc_ns.Plain.__dict__["x"], cppyy.types.DataMember)


# ---------------------------------------------------------------- py

def test_pythonization_hooks(g, uid):
    seen = []

    def pythonizor(klass, name):
        seen.append(name)
        klass.pythonized = True

    name = uid("cc_Pythonized")
    cppyy.py.add_pythonization(pythonizor, "cc_ns")
    try:
        cppyy.cppdef("namespace cc_ns { struct %s {}; }" % name)
        assert getattr(g.cc_ns, name).pythonized is True
        assert name in seen                  # relative to the scope, as cppyy names it
    finally:
        assert cppyy.py.remove_pythonization(pythonizor, "cc_ns") is True
    assert cppyy.py.remove_pythonization(pythonizor, "cc_ns") is False
    later = uid("cc_NotPythonized")
    cppyy.cppdef("namespace cc_ns { struct %s {}; }" % later)
    assert not hasattr(getattr(g.cc_ns, later), "pythonized")


def test_pin_type_stops_downcasts(uid):
    base = uid("cc_PinBase")
    cppyy.cppdef("""
    namespace cc_ns {
        struct %(b)s { virtual ~%(b)s() {} };
        struct %(b)s_Impl : %(b)s { int hidden = 1; };
        %(b)s* %(b)s_make() { static %(b)s_Impl impl; return &impl; }
    }""" % {"b": base})
    ns = cppyy.gbl.cc_ns
    assert type(getattr(ns, base + "_make")()).__name__ == base + "_Impl"
    cppyy.py.pin_type(getattr(ns, base))
    assert type(getattr(ns, base + "_make")()) is getattr(ns, base)
    with pytest.raises(TypeError):
        cppyy.py.pin_type(int)


# ---------------------------------------------------------------- ll

def test_ll_through_cppyy_names(g):
    d = g.cc_ns.Derived()
    other = cppyy.ll.static_cast[g.cc_ns.Other](d)
    assert type(other) is g.cc_ns.Other and other.o == 2.5
    items = cppyy.ll.array_new[int](2)
    assert len(items) == 2
    cppyy.ll.array_delete(items)


def test_ll_signals_follow_cpplive():
    if hasattr(cpplive.ll, "signals_as_exception"):
        assert cppyy.ll.signals_as_exception is cpplive.ll.signals_as_exception
        assert cppyy.ll.set_signals_as_exception is cpplive.ll.set_signals_as_exception
    else:
        with pytest.raises(NotImplementedError, match="signals"):
            with cppyy.ll.signals_as_exception():
                pass
        with pytest.raises(NotImplementedError, match="signals"):
            cppyy.ll.set_signals_as_exception(True)


# ---------------------------------------------------------------- gInterpreter

def test_ginterpreter_process_line_and_declare(g, uid):
    gi = cppyy.gbl.gInterpreter
    assert gi is cppyy.gInterpreter
    # The value of an expression, as cppyy code reads the language standard.
    assert gi.ProcessLine("__cplusplus;") == 202002
    assert gi.ProcessLine("6 * 7") == 42
    # Statements and declarations run; their result is 0.
    name = uid("cc_processed")
    assert gi.ProcessLine("int %s = 5;" % name) == 0
    assert getattr(g, name) == 5
    function = uid("cc_declared")
    assert gi.Declare("int %s() { return 9; }" % function) is True
    assert getattr(g, function)() == 9
    assert gi.Declare("this is not C++") is False
    # Attributes can be set on its functions, as code written for cppyy does.
    gi.ProcessLine.__release_gil__ = True


def test_ginterpreter_check_class_template_and_load(g):
    cppyy.cppdef("namespace cc_gi { template<class T> struct Box {}; struct Plain {}; }")
    gi = cppyy.gbl.gInterpreter
    assert gi.CheckClassTemplate("cc_gi::Box") is True
    assert gi.CheckClassTemplate("cc_gi::Plain") is False
    assert gi.CheckClassTemplate("cc_gi::Missing") is False
    assert gi.Load("libm.so.6") == 0
    assert gi.Load("cc_no_such_library") == -1


def test_ll_all_lists_what_is_there():
    assert set(LL_NAMES) - {"signals_as_exception", "set_signals_as_exception"} <= set(cppyy.ll.__all__)
    for name in cppyy.ll.__all__:
        assert hasattr(cppyy.ll, name), name


def test_compose_method_wraps_matching_methods(uid):
    ns = uid("cc_cm")
    cppyy.cppdef("namespace %s { struct Buf { int n = 3; int GetX() { return 2; } int GetY() { return 5; } "
                 "int Other() { return 7; } }; }" % ns)
    pyz = cppyy.py.compose_method("Buf$", "Get[XY]$", lambda self, result: result * self.n)
    cppyy.py.add_pythonization(pyz, ns)
    try:
        b = getattr(cppyy.gbl, ns).Buf()
        assert (b.GetX(), b.GetY(), b.Other()) == (6, 15, 7)
    finally:
        assert cppyy.py.remove_pythonization(pyz, ns)


def test_add_type_reducer_converts_operator_results(uid):
    ns = uid("cc_tr")
    cppyy.cppdef("""namespace %s {
        template<class T> struct Bin;
        template<class T> struct Ex { int v = 0; Ex() {} Ex(const Bin<T>& b); };
        template<class T> struct Bin { int v; Bin(const Ex<T>& a, const Ex<T>& b) : v(a.v + b.v + 1) {} };
        template<class T> Ex<T>::Ex(const Bin<T>& b) : v(b.v * 10) {}
        template<class T> Bin<T> operator+(const Ex<T>& a, const Ex<T>& b) { return Bin<T>(a, b); }
    }""" % ns)
    space = getattr(cppyy.gbl, ns)
    cppyy.py.add_type_reducer("%s::Bin<int>" % ns, "%s::Ex<int>" % ns)
    r = space.Ex[int]() + space.Ex[int]()
    assert type(r) is space.Ex[int]
    assert r.v == 10


def test_cpp_side_pythonization_hooks(uid):
    import sysconfig
    cppyy.add_include_path(sysconfig.get_paths()["include"])
    ns = uid("cc_hook")
    cppyy.cppdef("""
    #include <Python.h>
    #include <string>
    namespace %s {
        struct Own { int get() { return 1; } static std::string seen;
            static void __cppyy_explicit_pythonize__(PyObject* klass, const std::string& name) {
                seen = name; PyObject_SetAttrString(klass, "hooked", Py_True); } };
        std::string Own::seen;
        struct Inh { static int count;
            static void __cppyy_pythonize__(PyObject* klass, const std::string& name) {
                ++count; PyObject_SetAttrString(klass, "hooked_name", PyUnicode_FromString(name.c_str())); } };
        int Inh::count = 0;
        struct Sub : Inh {};
    }""" % ns)
    space = getattr(cppyy.gbl, ns)
    assert space.Own.hooked is True and space.Own.seen == "%s::Own" % ns
    assert space.Sub.hooked_name == "%s::Sub" % ns          # runs for derived classes too
    assert space.Inh.count == 2


def test_bind_object_cast_and_member_addresses(g):
    d = g.cc_ns.Derived()
    base = g.cc_ns.as_base(d)
    seen = cppyy.bind_object(cppyy.addressof(base), g.cc_ns.Base, cast=True)
    assert seen is d
    plain = cppyy.bind_object(cppyy.addressof(base), g.cc_ns.Base)
    assert type(plain) is g.cc_ns.Base
    assert cppyy.addressof(d, "d") - cppyy.addressof(d) == cppyy.sizeof(g.cc_ns.Base) + cppyy.sizeof(g.cc_ns.Other) or \
        cppyy.addressof(d, "d") > cppyy.addressof(d)
    p = g.cc_ns.Plain()
    assert cppyy.addressof(p, "x") == cppyy.addressof(p)
    with pytest.raises(TypeError):
        cppyy.addressof(p, "no_such_member")
