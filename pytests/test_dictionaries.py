"""Dictionaries made ahead of time: cpplive-genreflex (a selection file in
genreflex's XML, or everything the headers declare), the autoload map it
writes, load_reflection_info, autoloading from the map's search path, the
model and thunks compiled into the library (used with the header gone and
only dictionaries answering, CPPLIVE_BACKEND=dictionary), and the errors
for bad input. Each use runs in a fresh process (the generator
is a command; autoloading is about what a new process finds).

C++ names used here start with ``dc_`` (``dm`` for the model's tests).
"""
import os
import subprocess
import sys
import textwrap

import pytest

from helpers import CHILD_IMPORT, child_env, cpplive_only, run_python, run_python_ok

pytestmark = cpplive_only

HEADER = r"""
#pragma once
#include <string>
#include <vector>
namespace dc {
struct Point { double x = 0, y = 0; double norm2() const; };
enum class Color { red, green };
int add(int a, int b);
template<class T> T twice(T t) { return t + t; }
extern int counter;
typedef std::vector<Point> Points;
namespace detail { struct Hidden { int h = 3; }; }
}
struct dc_Top { int v = 42; std::string name() const { return "top"; } };
"""

SOURCE = r"""
#include "dc.h"
namespace dc {
double Point::norm2() const { return x * x + y * y; }
int add(int a, int b) { return a + b; }
int counter = 7;
}
"""

SELECTION = """
<lcgdict>
  <namespace name="dc"/>
  <class pattern="dc::*"/>
  <class name="dc_Top"/>
  <class name="std::vector<dc::Point>"/>
  <function name="dc::add"/>
  <variable name="dc::counter"/>
  <exclusion><class name="dc::detail::Hidden"/></exclusion>
</lcgdict>
"""


def write(directory, name, text):
    path = os.path.join(str(directory), name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def genreflex(directory, *args):
    return subprocess.run([sys.executable, "-m", "cpplive.genreflex", *args], cwd=str(directory),
                          capture_output=True, text=True, timeout=900)


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "dc.h", HEADER)
    write(tmp_path, "dc.cxx", SOURCE)
    write(tmp_path, "dc.xml", SELECTION)
    return tmp_path


def map_entries(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def test_generate_with_a_selection_file(project):
    run = genreflex(project, "dc.h", "dc.cxx", "--selection", "dc.xml", "-o", "libdcDict.so")
    assert run.returncode == 0, run.stderr
    entries = map_entries(project / "libdcDict.rootmap")
    assert entries[0] == "[ libdcDict.so ]"
    for wanted in ("class dc::Point", "class dc_Top", "class std::vector<dc::Point>", "namespace dc",
                   "function dc::add", "var dc::counter", "typedef dc::Points", "header dc.h"):
        assert wanted in entries, (wanted, entries)
    assert not any("Hidden" in e for e in entries)        # excluded
    assert not any("Color" in e for e in entries)         # an enum: not selected by <class>
    assert not any("twice" in e for e in entries)         # not selected


def test_generate_everything_without_a_selection(project):
    run = genreflex(project, "dc.h", "dc.cxx", "-o", "libdcAll.so")
    assert run.returncode == 0, run.stderr
    entries = map_entries(project / "libdcAll.rootmap")
    for wanted in ("enum dc::Color", "function dc::twice", "class dc::detail::Hidden", "class dc_Top"):
        assert wanted in entries, (wanted, entries)
    # Nothing of the standard library the header includes.
    assert not any(e.split(" ", 1)[-1].startswith("std") for e in entries[1:]), entries


def test_load_reflection_info_and_use(project):
    assert genreflex(project, "dc.h", "dc.cxx", "-s", "dc.xml", "-o", "libdcDict.so").returncode == 0
    out = run_python_ok(CHILD_IMPORT + textwrap.dedent(r'''
        cpplive.load_reflection_info(%r)
        cpplive.load_reflection_info(%r)                 # again: nothing happens
        g = cpplive.gbl
        p = g.dc.Point(); p.x = 3; p.y = 4
        print(g.dc.add(2, 3), g.dc.counter, p.norm2(), g.dc_Top().name())
        ''' % (str(project / "libdcDict.so"), str(project / "libdcDict.so"))), 120)
    assert out.split() == ["5", "7", "25.0", "top"]


def test_headers_at_hand_give_everything_and_the_model_is_chosen_by_setting(project):
    # With its headers there, a dictionary's classes also serve what was
    # not generated (a template instantiated now); CPPLIVE_DICT_MODEL=1
    # takes the precompiled model alone, which has no such instantiation.
    assert genreflex(project, "dc.h", "dc.cxx", "-s", "dc.xml", "-o", "libdcDict.so").returncode == 0
    code = CHILD_IMPORT + textwrap.dedent(r'''
        cpplive.load_reflection_info(%r)
        print(cpplive.gbl.dc.add(2, 3), len(cpplive._cpplive.loaded_dictionaries()))
        try:
            print(cpplive.gbl.dc.twice(21))
        except (TypeError, AttributeError, NotImplementedError):
            print("not-covered")
        ''' % str(project / "libdcDict.so"))
    assert run_python_ok(code, 120).split() == ["5", "0", "42"]
    assert run_python_ok(code, 120, CPPLIVE_DICT_MODEL="1").split() == ["5", "1", "not-covered"]


@pytest.mark.parametrize("where", ["cwd", "CPPLIVE_DICT_PATH", "add_library_path", "add_autoload_map"])
def test_autoload_from_the_map(project, tmp_path_factory, where):
    assert genreflex(project, "dc.h", "dc.cxx", "-s", "dc.xml", "-o", "libdcDict.so").returncode == 0
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    setup = {
        "cwd": "os.chdir(%r)" % str(project),
        "CPPLIVE_DICT_PATH": "os.chdir(%r)" % str(elsewhere),
        "add_library_path": "os.chdir(%r); cpplive.add_library_path(%r)" % (str(elsewhere), str(project)),
        "add_autoload_map": "os.chdir(%r); cpplive.add_autoload_map(%r)" % (
            str(elsewhere), str(project / "libdcDict.rootmap")),
    }[where]
    env = {"CPPLIVE_DICT_PATH": str(project)} if where == "CPPLIVE_DICT_PATH" else {}
    proc = run_python("import os\n" + CHILD_IMPORT + setup + textwrap.dedent(r'''
        print(cpplive.gbl.dc_Top().v)                    # a class the map names loads the dictionary
        print(cpplive.gbl.dc.add(40, 2))
        print(len(cpplive._dictionaries.loaded_dictionaries()))
        try:
            cpplive.gbl.dc_not_declared_anywhere
        except AttributeError as e:
            print("AttributeError")
        '''), 120, **env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["42", "42", "1", "AttributeError"]


def test_selection_naming_nothing_is_an_error_or_a_warning(project):
    write(project, "bad.xml", '<lcgdict><class name="dc::NoSuchClass"/></lcgdict>')
    run = genreflex(project, "dc.h", "-s", "bad.xml", "-o", "libdcBad.so")
    assert run.returncode != 0
    assert "dc::NoSuchClass" in run.stderr and "bad.xml" in run.stderr
    assert not (project / "libdcBad.so").exists()
    run = genreflex(project, "dc.h", "-s", "bad.xml", "-o", "libdcBad.so", "--allow-missing")
    assert run.returncode == 0, run.stderr
    assert "warning" in run.stderr and "dc::NoSuchClass" in run.stderr


def test_header_that_does_not_compile(project):
    write(project, "broken.h", "struct dc_Broken { int x = ; };\n")
    run = genreflex(project, "broken.h", "-o", "libbroken.so")
    assert run.returncode != 0
    assert "broken.h" in run.stderr and "error" in run.stderr
    assert not (project / "libbroken.so").exists()


def test_source_that_does_not_compile(project):
    write(project, "bad.cxx", "int dc_bad() { return undefined_thing; }\n")
    run = genreflex(project, "dc.h", "bad.cxx", "-o", "libdcSrc.so")
    assert run.returncode != 0
    assert "bad.cxx" in run.stderr and "undefined_thing" in run.stderr


def test_malformed_selection_file(project):
    write(project, "broken.xml", "<lcgdict><class name='x'></lcgdict>")
    run = genreflex(project, "dc.h", "-s", "broken.xml")
    assert run.returncode != 0 and "broken.xml" in run.stderr
    write(project, "other.xml", "<selection/>")
    run = genreflex(project, "dc.h", "-s", "other.xml")
    assert run.returncode != 0 and "lcgdict" in run.stderr


def test_bad_dictionaries_raise_naming_the_file(project):
    assert genreflex(project, "dc.h", "dc.cxx", "-s", "dc.xml", "-o", "libdcDict.so").returncode == 0
    write(project, "libcorrupt.rootmap", "[ libcorrupt.so ]\nthis is not a map line\n")
    write(project, "libgone.rootmap", "[ libgone.so ]\nclass dc_Gone\nheader dc.h\n")
    write(project, "libgone2.so", "")
    out = run_python_ok(CHILD_IMPORT + textwrap.dedent(r'''
        import os
        os.chdir(%r)
        for call in (lambda: cpplive.add_autoload_map("libcorrupt.rootmap"),
                     lambda: cpplive.load_reflection_info("libnothere"),
                     lambda: cpplive.load_reflection_info("libgone2.so"),
                     lambda: cpplive.gbl.dc_Gone):
            try:
                call()
                print("no error")
            except ImportError as e:
                print(type(e).__name__, "|", e)
            except AttributeError as e:
                print("AttributeError |", e)
        print(cpplive.gbl.dc.add(1, 1))                  # the good map in the same directory still serves
        ''' % str(project)), 120)
    lines = out.strip().splitlines()
    assert lines[0].startswith("DictionaryError |") and "libcorrupt.rootmap:2" in lines[0]
    assert lines[1].startswith("DictionaryError |") and "libnothere" in lines[1]
    # An empty file is no library: refused when opened, naming it.
    assert lines[2].startswith("DictionaryError |") and "libgone2.so" in lines[2]
    assert lines[3].startswith("AttributeError |") and "libgone.so" in lines[3]
    assert lines[4] == "2"


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "cpplive-genreflex")
    assert os.path.exists(script)
    run = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "--selection" in run.stdout


MODEL_HEADER = r"""
#pragma once
#include <string>
#include <vector>
namespace dm {
enum Color { red, green = 5, blue };
enum class Mode { fast = 1, slow = 2 };
struct Shape {
    Shape(double s = 1.0) : side(s) {}
    virtual ~Shape() {}
    virtual double area() const;
    std::string name() const { return "shape"; }
    double side;
    static int made;
};
struct Square : Shape {
    Square(double s = 2.0, int tag = 0) : Shape(s), tag(tag) {}
    double area() const override;
    int scaled(int k) const { return k * tag; }
    double scaled(double k) const { return k * side; }
    int tag;
    Color color = green;
    std::string label = "sq";
};
double total(const std::vector<Square>& v);
int add(int a, int b = 10);
std::string greet(const std::string& who);
Mode flip(Mode m);
extern int counter;
Shape* make(bool square);
}
"""

MODEL_SOURCE = r"""
#include "dm.h"
namespace dm {
int Shape::made = 3;
double Shape::area() const { return side * side; }
double Square::area() const { return 4 * side; }
double total(const std::vector<Square>& v) { double t = 0; for (auto& s : v) t += s.area(); return t; }
int add(int a, int b) { return a + b; }
std::string greet(const std::string& who) { return "hello " + who; }
Mode flip(Mode m) { return m == Mode::fast ? Mode::slow : Mode::fast; }
int counter = 7;
Shape* make(bool square) { if (square) return new Square(3.0, 1); return new Shape(2.0); }
}
"""

MODEL_SELECTION = """
<lcgdict>
  <namespace name="dm"/>
  <class pattern="dm::*"/>
  <enum pattern="dm::*"/>
  <class name="std::vector<dm::Square>"/>
  <function pattern="dm::*"/>
  <variable name="dm::counter"/>
</lcgdict>
"""

# What the child does with the dictionary: everything the header declared.
MODEL_USE = r'''
g = cpplive.gbl
dm = g.dm
s = dm.Square()
print(s.tag, s.side, s.label)
s2 = dm.Square(1.5, 4)
print(s2.scaled(3), s2.scaled(2.0), s2.area(), s2.name())
print(isinstance(s2, dm.Shape), dm.Square(tag=3).side, dm.Shape().side)
print(dm.add(1), dm.add(1, 2), dm.greet("you"))
print(dm.counter); dm.counter = 9; print(dm.counter, dm.Shape.made)
print(int(dm.red), int(dm.green), int(dm.Color.blue), int(dm.Mode.slow), int(dm.flip(dm.Mode.fast)))
s2.label = "changed"; print(s2.label, s2.color == dm.green)
v = g.std.vector[dm.Square]()
v.push_back(s2); v.push_back(dm.Square(1.0, 1))
print(len(v), v[0].tag, v[1].tag, dm.total(v))
p = dm.make(True)
print(type(p).__name__, p.area())
'''

MODEL_OUTPUT = ["0", "2.0", "sq", "12", "3.0", "6.0", "shape", "True", "2.0", "1.0", "11", "3", "hello", "you",
                "7", "9", "3", "0", "5", "6", "2", "2", "changed", "True", "2", "4", "1", "10.0", "Square", "12.0"]


@pytest.fixture
def model_library(tmp_path):
    """A dictionary of MODEL_HEADER in a directory of its own, with the
    header moved away (the dictionary must not need it)."""
    write(tmp_path, "dm.h", MODEL_HEADER)
    write(tmp_path, "dm.cxx", MODEL_SOURCE)
    write(tmp_path, "dm.xml", MODEL_SELECTION)
    run = genreflex(tmp_path, "dm.h", "dm.cxx", "-s", "dm.xml", "-o", "libdmDict.so")
    assert run.returncode == 0, run.stderr
    os.rename(tmp_path / "dm.h", tmp_path / "dm.h.away")
    return tmp_path / "libdmDict.so"


def test_a_dictionary_needs_no_header_and_no_clang(model_library):
    out = run_python_ok(CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(model_library) + MODEL_USE + textwrap.dedent(r'''
        try:
            cpplive.cppdef("int dm_extra = 1;")
        except NotImplementedError as e:
            print("refused", "CPPLIVE_BACKEND=dictionary" in str(e))
        try:
            cpplive.gbl.dm_not_there
        except AttributeError as e:
            print("missing", "libdmDict.so" in str(e))
        '''), 120, CPPLIVE_BACKEND="dictionary")
    assert out.split() == MODEL_OUTPUT + ["refused", "True", "missing", "True"]


# What of the compiler a process has mapped: LLVM, clang, and cpplive's
# clang backend (a library of its own, opened on first need).
MAPPED_COMPILER = r'''
def mapped_compiler():
    names = set()
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        base = path.rsplit("/", 1)[-1]
        if base.startswith(("libLLVM", "libclang-cpp", "libcpplive_clang")):
            names.add(base.split(".so")[0])
    return sorted(names)
'''


def test_a_dictionary_only_process_never_maps_llvm(model_library):
    out = run_python_ok(MAPPED_COMPILER + CHILD_IMPORT + "print('import', mapped_compiler())\n"
                        + "cpplive.load_reflection_info(%r)\n" % str(model_library) + MODEL_USE + textwrap.dedent(r'''
        try:
            cpplive.cppdef("int dm_extra = 1;")
        except NotImplementedError:
            pass
        print("used", mapped_compiler())
        '''), 120, CPPLIVE_BACKEND="dictionary")
    assert out.split()[:2] == ["import", "[]"]
    assert out.split()[2:] == MODEL_OUTPUT + ["used", "[]"]


def test_llvm_is_mapped_on_first_need(model_library):
    # Without the warm-up thread, nothing maps LLVM until clang is asked.
    out = run_python_ok(MAPPED_COMPILER + CHILD_IMPORT + textwrap.dedent(r'''
        print(mapped_compiler())
        cpplive.load_reflection_info(%r)
        print(cpplive.gbl.dm.add(1, 2), mapped_compiler())
        cpplive.cppdef("int dm_needs_clang() { return 5; }")
        print(cpplive.gbl.dm_needs_clang(), mapped_compiler())
        ''' % str(model_library)), 120, CPPLIVE_NO_WARMUP="1")
    assert out.split("\n")[:3] == ["[]", "3 []", "5 ['libLLVM', 'libclang-cpp', 'libcpplive_clang']"]


NO_CLANG_USE = r'''
for code in ("int dm_extra = 1;",):
    try:
        cpplive.cppdef(code)
    except NotImplementedError as e:
        print("refused:", e)
try:
    cpplive.gbl.dm_not_there
except AttributeError as e:
    print("missing:", "libdmDict.so" in str(e))
'''


@pytest.mark.parametrize("library", ["missing", "not-a-library"])
def test_without_the_clang_backend_dictionaries_still_answer(model_library, tmp_path, library):
    # An installation without the clang backend's library (or a broken
    # one): dictionaries work, and what needs clang says why it cannot.
    path = tmp_path / "libcpplive_clang.so"
    if library == "not-a-library":
        path.write_text("not an ELF file")
    out = run_python_ok(CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(model_library) + MODEL_USE + NO_CLANG_USE,
                        120, CPPLIVE_CLANG_LIBRARY=str(path))
    lines = out.strip().split("\n")
    assert " ".join(lines[:-2]).split() == MODEL_OUTPUT
    refused = lines[-2]
    assert refused.startswith("refused: declaring C++ code is not covered by the loaded dictionaries")
    assert "the clang backend cannot be loaded from %s" % path in refused and "libdmDict.so" in refused
    assert lines[-1] == "missing: True"


def _hiding_the_compiler():
    """A shell prefix that runs a command with LLVM's and clang's libraries
    and the C++ compilers replaced by empty files (a private mount
    namespace: nothing changes outside the child)."""
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("hiding the compiler packages needs a private mount namespace (root, unshare -m)")
    hidden = set()
    for lib_dir in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/llvm-19/lib"):
        if os.path.isdir(lib_dir):
            for name in os.listdir(lib_dir):
                if name.startswith(("libLLVM", "libclang-cpp")) and ".so" in name:
                    hidden.add(os.path.realpath(os.path.join(lib_dir, name)))
    for tool in ("c++", "g++", "gcc", "cc", "clang-19", "clang++-19", "clang", "clang++"):
        for bin_dir in ("/usr/bin", "/usr/local/bin"):
            path = os.path.join(bin_dir, tool)
            if os.path.exists(path):
                hidden.add(os.path.realpath(path))
    mounts = " && ".join("mount --bind /dev/null %s" % p for p in sorted(hidden))
    return mounts


def test_with_the_compiler_packages_hidden(model_library):
    mounts = _hiding_the_compiler()
    code = (MAPPED_COMPILER + CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(model_library) + MODEL_USE
            + NO_CLANG_USE + "print('mapped', mapped_compiler())\n")
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", mounts + ' && exec "$0" -c "$1"',
                           sys.executable, code], env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    lines = proc.stdout.strip().split("\n")
    assert " ".join(lines[:-3]).split() == MODEL_OUTPUT
    assert "the clang backend cannot be loaded" in lines[-3]
    assert "libLLVM" in lines[-3] or "libclang-cpp" in lines[-3]
    assert lines[-2:] == ["missing: True", "mapped []"]


def test_a_dictionary_and_the_clang_backend_together(model_library):
    # Global names ask the dictionary first; what it does not hold goes to clang.
    out = run_python_ok(CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(model_library) + MODEL_USE + textwrap.dedent(r'''
        cpplive.cppdef("int dm_extra() { return 41; }")
        print(cpplive.gbl.dm_extra() + 1)
        '''), 120)
    assert out.split() == MODEL_OUTPUT + ["42"]


@pytest.mark.parametrize("damage", ["truncated", "checksum", "version"])
def test_a_damaged_dictionary_is_refused_whole(model_library, damage):
    data = bytearray(model_library.read_bytes())
    at = data.find(b"CPPLIVE-DICTIONARY")
    assert at > 0
    bad = model_library.parent / ("libdm_%s.so" % damage)
    if damage == "truncated":
        data = data[:at + 100]
    elif damage == "checksum":
        data[at + 18 + 4 + 24 + 10] ^= 0xff
    else:
        data[at + 18] = 99
    bad.write_bytes(bytes(data))
    out = run_python_ok(CHILD_IMPORT + textwrap.dedent(r'''
        try:
            cpplive.load_reflection_info(%r)
            print("no error")
        except ImportError as e:
            print(type(e).__name__, "|", e)
        print(cpplive._cpplive.loaded_dictionaries())
        try:
            cpplive.gbl.dm
            print("registered")
        except AttributeError:
            print("nothing registered")
        ''' % str(bad)), 120, CPPLIVE_BACKEND="dictionary")
    lines = out.strip().splitlines()
    assert lines[0].startswith("DictionaryError |") and bad.name in lines[0], lines
    expected = {"truncated": ("", "cannot load"), "checksum": ("damaged", "checksum"), "version": ("version 99", "")}[damage]
    assert any(word and word in lines[0] for word in expected), lines
    assert lines[1:] == ["[]", "nothing registered"]


HELPERS_HEADER = r"""
#pragma once
#include <functional>
#include <memory>
#include <stdexcept>
namespace dh {
struct Node { int v; explicit Node(int v) : v(v) {} Node operator+(const Node& o) const { return Node(v + o.v); } };
std::shared_ptr<Node> shared(int v);
std::unique_ptr<Node> unique(int v);
int apply(const std::function<int(int)>& f, int x);
int fails(int x);
struct Flags { unsigned a : 3; unsigned b : 5; };
struct Base { virtual ~Base() {} virtual int f() const { return 1; } };
struct Mid1 : virtual Base { int m1 = 10; };
struct Mid2 : virtual Base { int m2 = 20; };
struct Diamond : Mid1, Mid2 { int f() const override { return 4; } };
Base* diamond();
int call_f(const Base& b);
struct Vec2 { double x, y; };
Vec2 operator+(const Vec2& a, const Vec2& b);
bool operator==(const Vec2& a, const Vec2& b);
}
"""

HELPERS_SOURCE = r"""
#include "dh.h"
namespace dh {
std::shared_ptr<Node> shared(int v) { return std::make_shared<Node>(v); }
std::unique_ptr<Node> unique(int v) { return std::make_unique<Node>(v); }
int apply(const std::function<int(int)>& f, int x) { return f(x) + 1; }
int fails(int x) { if (x < 0) throw std::out_of_range("negative"); return x; }
Base* diamond() { return new Diamond(); }
int call_f(const Base& b) { return b.f() * 2; }
Vec2 operator+(const Vec2& a, const Vec2& b) { return {a.x + b.x, a.y + b.y}; }
bool operator==(const Vec2& a, const Vec2& b) { return a.x == b.x && a.y == b.y; }
}
"""


def test_helpers_compiled_into_a_dictionary(tmp_path):
    # Smart-pointer readers, callback makers, exceptions, bit-field
    # accessors, RTTI, virtual-base upcasts and the dispatcher a Python
    # subclass overrides virtuals through, aggregate initialization and
    # free operators, all ahead of time.
    write(tmp_path, "dh.h", HELPERS_HEADER)
    write(tmp_path, "dh.cxx", HELPERS_SOURCE)
    write(tmp_path, "dh.xml", '<lcgdict><namespace name="dh"/><class pattern="dh::*"/><function pattern="dh::*"/></lcgdict>')
    run = genreflex(tmp_path, "dh.h", "dh.cxx", "-s", "dh.xml", "-o", "libdhDict.so")
    assert run.returncode == 0, run.stderr
    os.remove(tmp_path / "dh.h")
    out = run_python_ok(CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(tmp_path / "libdhDict.so") + textwrap.dedent(r'''
        dh = cpplive.gbl.dh
        print(dh.shared(5).v, dh.unique(6).v, dh.apply(lambda x: x * 2, 20), (dh.Node(1) + dh.Node(2)).v)
        try:
            dh.fails(-1)
        except IndexError as e:
            print("IndexError", "negative" in str(e))
        f = dh.Flags(); f.a = 5; f.b = 17
        print(f.a, f.b)
        d = dh.diamond()
        print(type(d).__name__, d.f(), d.m1, d.m2, isinstance(d, dh.Mid2))
        class Mine(dh.Base):
            def f(self):
                return 21
        print(dh.call_f(Mine()), dh.call_f(dh.Base()))
        # An aggregate built from its fields; free operators found in its namespace.
        print((dh.Vec2(1, 2) + dh.Vec2(3, 4)).y, dh.Vec2(1, 2) == dh.Vec2(1, 2), dh.Vec2(1, 2) == dh.Vec2(2, 2))
        '''), 120, CPPLIVE_BACKEND="dictionary")
    assert out.split() == ["5", "6", "41", "3", "IndexError", "True", "5", "17", "Diamond", "4", "10", "20", "True",
                           "42", "2", "6.0", "True", "False"]


def test_autoload_of_a_dictionary_with_only_dictionaries(model_library, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    out = run_python_ok("import os\nos.chdir(%r)\n" % str(elsewhere) + CHILD_IMPORT + textwrap.dedent(r'''
        print(cpplive.gbl.dm.add(1, 2), cpplive.gbl.dm.Square(1.0, 2).scaled(3))
        print([os.path.basename(p) for p in cpplive._cpplive.loaded_dictionaries()])
        '''), 120, CPPLIVE_BACKEND="dictionary", CPPLIVE_DICT_PATH=str(model_library.parent))
    assert out.split() == ["3", "6", "['libdmDict.so']"]


TEMPLATES_HEADER = r"""
#pragma once
#include <map>
#include <string>
#include <vector>
namespace dt {
enum Manip { Open = 16, Close = 17 };
class Box {
public:
    Box() { values["n"] = "7"; values["x"] = "2.5"; values["s"] = "text"; }
    // Member templates: called from Python with deduced or explicit
    // arguments, and never named in the selection.
    template<class T> T as(const std::string& key) const;
    template<class K> std::string operator[](const K& key) const { return values.at(to_key(key)); }
    template<class T> std::string describe(T value) const { return "value " + std::to_string(value); }
    // An iterator whose comparison is a template, as yaml-cpp's is.
    template<class V> struct iter {
        const std::string* at;
        std::string operator*() const { return *at; }
        iter& operator++() { ++at; return *this; }
        template<class W> bool operator!=(const iter<W>& other) const { return at != other.at; }
    };
    iter<int> begin() const { return {names.data()}; }
    iter<int> end() const { return {names.data() + names.size()}; }
    // A char overload next to the enum's: an enum value picks its own.
    std::string put(char c) const { return std::string("char ") + std::to_string(int(c)); }
    std::string put(Manip m) const { return "manip " + std::to_string(int(m)); }
private:
    static std::string to_key(const std::string& k) { return k; }
    static std::string to_key(int k) { return k == 0 ? "n" : "x"; }
    std::map<std::string, std::string> values;
    std::vector<std::string> names{"a", "b", "c"};
};
template<> inline int Box::as<int>(const std::string& key) const { return std::stoi(values.at(key)); }
template<> inline double Box::as<double>(const std::string& key) const { return std::stod(values.at(key)); }
template<> inline std::string Box::as<std::string>(const std::string& key) const { return values.at(key); }
template<class T> T doubled(T t) { return t + t; }
}
"""

TEMPLATES_USE = r'''
import cpplive
dt = cpplive.gbl.dt
b = dt.Box()
print(getattr(b, "as")[int]("n"), getattr(b, "as")["double"]("x"), getattr(b, "as")[str]("s"))
print(b["s"], b[0], b[1])
print(b.describe(3))
print(dt.doubled(21), dt.doubled(1.25), dt.doubled("ab"))
print(",".join(b))
print(b.put(dt.Open), b.put("A"))
'''


def test_function_templates_are_made_ahead_of_time(tmp_path):
    write(tmp_path, "dt.h", TEMPLATES_HEADER)
    run = genreflex(tmp_path, "dt.h", "-o", "libdtDict.so")
    assert run.returncode == 0, run.stderr
    os.rename(tmp_path / "dt.h", tmp_path / "dt.h.away")
    out = run_python_ok(CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(tmp_path / "libdtDict.so")
                        + TEMPLATES_USE + textwrap.dedent(r'''
        b = dt.Box()
        try:
            getattr(b, "as")[dt.Box]("n")       # an instantiation nobody made
        except (TypeError, NotImplementedError) as e:
            print("not made", "as" in str(e))
        '''), 120, CPPLIVE_BACKEND="dictionary")
    assert out.splitlines() == ["7 2.5 text", "text 7 2.5", "value 3", "42 2.5 abab", "a,b,c",
                                "manip 16 char 65", "not made True"], out


YAML_SELECTION = """
<lcgdict>
  <class pattern="YAML::*"/>
  <function pattern="YAML::*"/>
  <enum pattern="YAML::*"/>
</lcgdict>
"""

YAML_USE = r'''
import cpplive
Y = cpplive.gbl.YAML
def value(node, t):
    return getattr(node, "as")[t]()
n = Y.Load("name: cpplive\nsizes: [1, 2, 3]\nnested: {pi: 3.25}\n")
print(n.IsMap(), n.size(), value(n["name"], str), value(n["nested"]["pi"], float))
print([value(item, int) for item in n["sizes"]])
print(sorted(value(kv.first, str) for kv in n))
e = Y.Emitter()
e << Y.BeginMap << Y.Key << "k" << Y.Value << 3 << Y.EndMap
print(e.c_str())
print(Y.Dump(n["sizes"]))
try:
    Y.Load("a: [1, 2")
except Exception as error:
    print("error", type(error).__name__)
'''

TINYXML_USE = r'''
import cpplive
X = cpplive.gbl.tinyxml2
doc = X.XMLDocument()
print(doc.Parse('<root a="1"><item name="x">hello</item><item name="y"/></root>') == X.XML_SUCCESS)
root = doc.RootElement()
print(root.Name(), root.IntAttribute("a"))
e = root.FirstChildElement("item")
names = []
while e:
    names.append((e.Attribute("name"), e.GetText()))
    e = e.NextSiblingElement("item")
print(names)
added = doc.NewElement("added")
added.SetAttribute("n", 5)
root.InsertEndChild(added)
printer = X.XMLPrinter(cpplive.nullptr, True)
doc.Print(printer)
print(printer.CStr())
print(doc.Parse("<bad") == X.XML_SUCCESS, doc.ErrorID() != 0)
'''


@pytest.mark.parametrize("library", ["yaml-cpp", "tinyxml2"])
def test_dictionaries_of_real_libraries(tmp_path, library):
    # Debian's libyaml-cpp-dev and libtinyxml2-dev (make test installs them),
    # used with only the dictionary answering.
    if library == "yaml-cpp":
        write(tmp_path, "sel.xml", YAML_SELECTION)
        run = genreflex(tmp_path, "/usr/include/yaml-cpp/yaml.h", "-s", "sel.xml", "-o", "libyamlDict.so", "-lyaml-cpp")
        use, dictionary = YAML_USE, "libyamlDict.so"
        expected = ["True 3 cpplive 3.25", "[1, 2, 3]", "['name', 'nested', 'sizes']", "k: 3",
                    "[1, 2, 3]", "error ParserException"]
    else:
        run = genreflex(tmp_path, "/usr/include/tinyxml2.h", "-o", "libxmlDict.so", "-ltinyxml2")
        use, dictionary = TINYXML_USE, "libxmlDict.so"
        expected = ["True", "root 1", "[('x', 'hello'), ('y', '')]",   # a null const char* reads as ''
                    '<root a="1"><item name="x">hello</item><item name="y"/><added n="5"/></root>', "False True"]
    assert run.returncode == 0, run.stderr
    out = run_python_ok(CHILD_IMPORT + "cpplive.load_reflection_info(%r)\n" % str(tmp_path / dictionary) + use,
                        120, CPPLIVE_BACKEND="dictionary")
    assert out.splitlines() == expected, out
