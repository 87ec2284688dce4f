"""include / add_include_path / load_library with headers and shared
libraries built at test time.

C++ names used in this file: answer_from_lib and the prefix ``il_``.  Each
test writes headers with distinct file names, since include paths accumulate
for the whole process.
"""
import os
import shutil
import subprocess

import pytest

import cpplive
from helpers import MISSING_LIBRARY_ERRORS, cpplive_only, run_python

CXX = shutil.which("c++") or shutil.which("g++")


def build_shared_library(directory, source_name, lib_name):
    """Compile directory/source_name into directory/lib_name and return it."""
    if CXX is None:
        pytest.fail("no C++ compiler (c++ or g++) found on PATH")
    out = os.path.join(str(directory), lib_name)
    proc = subprocess.run(
        [CXX, "-shared", "-fPIC", "-O1", "-std=c++17",
         "-I", str(directory), "-o", out, os.path.join(str(directory), source_name)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_include_and_load_library(tmp_path):
    (tmp_path / "x.h").write_text("#pragma once\nint answer_from_lib(int);\n")
    (tmp_path / "x.cpp").write_text(
        '#include "x.h"\nint answer_from_lib(int x) { return 40 + x; }\n')
    lib = build_shared_library(tmp_path, "x.cpp", "libx.so")

    cpplive.add_include_path(str(tmp_path))
    cpplive.include("x.h")
    cpplive.load_library(str(tmp_path / "libx.so"))
    assert os.path.exists(lib)
    assert cpplive.gbl.answer_from_lib(2) == 42
    assert cpplive.gbl.answer_from_lib(-40) == 0


def test_c_include_gives_c_linkage_through_include_path(tmp_path, uid):
    # A plain C header (no extern "C" of its own), found through an include
    # path; the library exports the unmangled C symbol.
    name = uid("il_c_twice")
    (tmp_path / "cx.h").write_text("int %s(int x);\n" % name)
    (tmp_path / "cx.cpp").write_text('extern "C" int %s(int x) { return 2 * x; }\n' % name)
    build_shared_library(tmp_path, "cx.cpp", "libcx.so")
    cpplive.add_include_path(str(tmp_path))
    cpplive.c_include("cx.h")
    cpplive.load_library(str(tmp_path / "libcx.so"))
    assert getattr(cpplive.gbl, name)(21) == 42


def test_c_include_of_missing_header_raises_import_error():
    with pytest.raises(ImportError):
        cpplive.c_include("il_no_such_c_header.h")


def test_library_with_std_string_and_exceptions(tmp_path):
    (tmp_path / "il_strlib.h").write_text("""
#pragma once
#include <string>
namespace il_strlib {
    std::string greet(const std::string& who);
    int checked_sqrt(int x);          // throws std::invalid_argument if x < 0
    struct Counter {
        Counter();
        int next();
        std::string describe() const;
    private:
        int n_;
    };
}
""")
    (tmp_path / "il_strlib.cpp").write_text("""
#include "il_strlib.h"
#include <stdexcept>
namespace il_strlib {
    std::string greet(const std::string& who) { return "Hello, " + who + "!"; }
    int checked_sqrt(int x) {
        if (x < 0) throw std::invalid_argument("negative input: " + std::to_string(x));
        int r = 0; while ((r + 1) * (r + 1) <= x) ++r; return r;
    }
    Counter::Counter() : n_(0) {}
    int Counter::next() { return ++n_; }
    std::string Counter::describe() const { return "Counter at " + std::to_string(n_); }
}
""")
    lib = build_shared_library(tmp_path, "il_strlib.cpp", "libil_strlib.so")

    cpplive.add_include_path(str(tmp_path))
    cpplive.include("il_strlib.h")
    cpplive.load_library(lib)
    ns = cpplive.gbl.il_strlib

    assert ns.greet("lib") == "Hello, lib!"
    assert ns.checked_sqrt(17) == 4
    with pytest.raises(Exception) as exc:
        ns.checked_sqrt(-5)
    assert "negative input: -5" in str(exc.value)
    # The process keeps working after an exception crossed the library.
    assert ns.checked_sqrt(81) == 9

    c = ns.Counter()
    assert c.next() == 1
    assert c.next() == 2
    assert c.describe() == "Counter at 2"


@cpplive_only
def test_library_exception_is_cpp_exception(tmp_path):
    (tmp_path / "il_thrower.h").write_text(
        "#pragma once\nvoid il_lib_throw(int code);\n")
    (tmp_path / "il_thrower.cpp").write_text("""
#include "il_thrower.h"
#include <stdexcept>
#include <string>
void il_lib_throw(int code) { throw std::runtime_error("lib failure " + std::to_string(code)); }
""")
    lib = build_shared_library(tmp_path, "il_thrower.cpp", "libil_thrower.so")
    cpplive.add_include_path(str(tmp_path))
    cpplive.include("il_thrower.h")
    cpplive.load_library(lib)
    with pytest.raises(cpplive.CppException) as exc:
        cpplive.gbl.il_lib_throw(7)
    msg = str(exc.value)
    assert "runtime_error" in msg
    assert "lib failure 7" in msg


def test_library_declared_through_cppdef(tmp_path):
    # A library symbol may also be declared with cppdef instead of a header.
    (tmp_path / "il_decl.cpp").write_text(
        'extern "C" int il_c_mul(int a, int b) { return a * b; }\n'
        'double il_cpp_half(double x) { return x / 2; }\n')
    lib = build_shared_library(tmp_path, "il_decl.cpp", "libil_decl.so")
    cpplive.load_library(lib)
    cpplive.cppdef('extern "C" int il_c_mul(int a, int b);\ndouble il_cpp_half(double x);')
    assert cpplive.gbl.il_c_mul(6, 7) == 42
    assert cpplive.gbl.il_cpp_half(5.0) == 2.5


def test_library_global_variable(tmp_path):
    (tmp_path / "il_globals.h").write_text(
        "#pragma once\nextern int il_lib_global;\nint il_read_lib_global();\n")
    (tmp_path / "il_globals.cpp").write_text(
        '#include "il_globals.h"\nint il_lib_global = 123;\n'
        'int il_read_lib_global() { return il_lib_global; }\n')
    lib = build_shared_library(tmp_path, "il_globals.cpp", "libil_globals.so")
    cpplive.add_include_path(str(tmp_path))
    cpplive.include("il_globals.h")
    cpplive.load_library(lib)
    assert cpplive.gbl.il_lib_global == 123
    cpplive.gbl.il_lib_global = 321
    assert cpplive.gbl.il_read_lib_global() == 321


def test_include_header_only_code(tmp_path):
    inc = tmp_path / "il_inc"
    inc.mkdir()
    (inc / "il_inline.h").write_text("""
#pragma once
inline int il_inline_twice(int x) { return 2 * x; }
template <typename T> T il_inline_max(T a, T b) { return a < b ? b : a; }
struct il_InlineBox { int v; il_InlineBox(int x) : v(x) {} int get() const { return v; } };
""")
    cpplive.add_include_path(str(inc))
    cpplive.include("il_inline.h")
    assert cpplive.gbl.il_inline_twice(21) == 42
    assert cpplive.gbl.il_inline_max[int](3, 9) == 9
    assert cpplive.gbl.il_InlineBox(5).get() == 5


def test_include_by_absolute_path(tmp_path):
    hdr = tmp_path / "il_abs.h"
    hdr.write_text("#pragma once\ninline int il_abs_value() { return 77; }\n")
    cpplive.include(str(hdr))
    assert cpplive.gbl.il_abs_value() == 77


def test_include_standard_header():
    cpplive.include("cmath")
    cpplive.cppdef("double il_hypot(double a, double b) { return std::sqrt(a*a + b*b); }")
    assert cpplive.gbl.il_hypot(3.0, 4.0) == 5.0


def test_include_missing_header():
    with pytest.raises(ImportError) as exc:
        cpplive.include("il_definitely_missing_header.h")
    assert "il_definitely_missing_header.h" in str(exc.value)


@cpplive_only
def test_include_missing_header_lists_search_paths(tmp_path):
    cpplive.add_include_path(str(tmp_path))
    with pytest.raises(ImportError) as exc:
        cpplive.include("il_missing_with_paths.h")
    msg = str(exc.value)
    assert "il_missing_with_paths.h" in msg
    assert str(tmp_path) in msg


def test_load_missing_library(tmp_path):
    missing = str(tmp_path / "libil_not_there.so")
    with pytest.raises(MISSING_LIBRARY_ERRORS) as exc:
        cpplive.load_library(missing)
    assert "libil_not_there" in str(exc.value)
    # Still usable afterwards.
    cpplive.cppdef("int il_after_missing_lib() { return 5; }")
    assert cpplive.gbl.il_after_missing_lib() == 5


# load_library by short name, found as the linker would find it.

@pytest.mark.parametrize("name", ["m", "libm", "libm.so.6"])
def test_load_system_math_library_by_short_name(name, uid):
    # Only "libm.so.6" is a name the dynamic linker itself would take.
    assert cpplive.load_library(name)
    fn = uid("il_cbrt")
    cpplive.cppdef('extern "C" double %s(double) __asm__("cbrt");' % fn)
    assert getattr(cpplive.gbl, fn)(8.0) == 2.0


@pytest.mark.parametrize("name", ["z", "libz", "libz.so.1"])
def test_load_zlib_by_short_name(name):
    import zlib
    assert cpplive.load_library(name)
    cpplive.cppdef('extern "C" const char* zlibVersion();')
    assert cpplive.gbl.zlibVersion() == zlib.ZLIB_RUNTIME_VERSION


def _c_library(directory, file_name, function, value):
    (directory / (function + ".c")).write_text('extern "C" int %s() { return %d; }\n' % (function, value))
    return build_shared_library(directory, function + ".c", file_name)


def _load_and_call(name, function):
    """load_library(name), then call `int function()` declared with cppdef."""
    assert cpplive.load_library(name)
    cpplive.cppdef('extern "C" int %s();' % function)
    return getattr(cpplive.gbl, function)()


@cpplive_only
def test_built_library_found_by_short_name_in_added_path(tmp_path, uid):
    fn = uid("il_short")
    _c_library(tmp_path, "lib%s.so" % fn, fn, 11)
    cpplive.add_library_path(str(tmp_path))
    assert _load_and_call(fn, fn) == 11


@cpplive_only
def test_versioned_library_found_and_linker_script_passed_over(tmp_path, uid):
    # As Debian installs libm: libX.so is a linker script, the library is
    # libX.so.<version>; the highest version wins.
    fn = uid("il_versioned")
    (tmp_path / ("lib%s.so" % fn)).write_text("/* GNU ld script */\nGROUP ( lib%s.so.2 )\n" % fn)
    _c_library(tmp_path, "lib%s.so.1" % fn, fn, 1)
    _c_library(tmp_path, "lib%s.so.2" % fn, fn, 2)
    cpplive.add_library_path(str(tmp_path))
    assert _load_and_call(fn, fn) == 2


@cpplive_only
def test_library_found_through_ld_library_path(tmp_path):
    _c_library(tmp_path, "libil_env.so", "il_env_value", 5)
    proc = run_python(
        "import cpplive\n"
        "cpplive.load_library('il_env')\n"
        "cpplive.cppdef('extern \"C\" int il_env_value();')\n"
        "print(cpplive.gbl.il_env_value())\n",
        timeout=300, LD_LIBRARY_PATH=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "5"


@cpplive_only
def test_missing_library_error_says_where_it_looked(tmp_path):
    cpplive.add_library_path(str(tmp_path))
    with pytest.raises(OSError) as exc:
        cpplive.load_library("il_not_anywhere")
    msg = str(exc.value)
    assert msg.count("il_not_anywhere'") == 1, msg
    for expected in ("libil_not_anywhere.so", "libil_not_anywhere.so.<version>", str(tmp_path),
                     "/etc/ld.so.cache", "default directories"):
        assert expected in msg, msg
    # Still usable afterwards.
    cpplive.cppdef("int il_after_missing_short_name() { return 6; }")
    assert cpplive.gbl.il_after_missing_short_name() == 6


def test_defining_again_what_a_library_defines_is_a_syntax_error(tmp_path, uid):
    name = uid("il_once")
    (tmp_path / "once.cpp").write_text("namespace il_ns { int %s(int i) { return i + 42; } }\n" % name)
    lib = build_shared_library(tmp_path, "once.cpp", "libil_once.so")
    cpplive.load_library(lib)
    cpplive.cppdef("namespace il_ns { int %s(int i); }" % name)
    f = getattr(cpplive.gbl.il_ns, name)
    assert f(1) == 43
    with pytest.raises(SyntaxError) as exc:
        cpplive.cppdef("namespace il_ns { int %s(int i) { return i; } }" % name)
    assert "redefinition of 'il_ns::%s(int)'" % name in str(exc.value)
    assert "loaded library" in str(exc.value)
    assert f(1) == 43                               # the library's definition stays
    # Inline definitions (one per module by nature) are not refused.
    other = uid("il_inline")
    cpplive.cppdef("namespace il_ns { inline int %s() { return 7; } }" % other)
    assert getattr(cpplive.gbl.il_ns, other)() == 7
