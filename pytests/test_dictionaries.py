"""Dictionaries made ahead of time: cpplive-genreflex (a selection file in
genreflex's XML, or everything the headers declare), the autoload map it
writes, load_reflection_info, autoloading from the map's search path, and
the errors for bad input. Each use runs in a fresh process (the generator
is a command; autoloading is about what a new process finds).

C++ names used here start with ``dc_``.
"""
import os
import subprocess
import sys
import textwrap

import pytest

from helpers import CHILD_IMPORT, cpplive_only, run_python, run_python_ok

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
                          capture_output=True, text=True, timeout=300)


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
    assert lines[2].startswith("DictionaryError |") and "libgone2.so" in lines[2] and "rootmap" in lines[2]
    assert lines[3].startswith("AttributeError |") and "libgone.so" in lines[3]
    assert lines[4] == "2"


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "cpplive-genreflex")
    assert os.path.exists(script)
    run = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "--selection" in run.stdout
