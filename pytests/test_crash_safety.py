"""Real C++ never ends the process: unfinished input, redefinitions, odd
placements of headers, code that cannot be linked yet, the standard
library's threading helpers, thread_locals and inline assembly.

Every case runs in a child process with a time limit, so a crash or a hang
fails the test instead of ending the run.
"""
import os
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import EXTRA_PYTHONPATH, cpplive_only

HERE = os.path.dirname(os.path.abspath(__file__))


def run(code, timeout=120, **env_extra):
    """Runs `code` (after `import cpplive`) in a child; returns its stdout,
    failing on a crash, a hang or a non-zero exit."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(EXTRA_PYTHONPATH + [HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(env_extra)
    script = "import helpers\nhelpers.install_cppyy_alias()\nhelpers.setup_cpplive_path()\nimport cpplive\n" + textwrap.dedent(code)
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        pytest.fail("the child hung (no exit within %d s); stderr:\n%s" % (timeout, e.stderr))
    assert done.returncode == 0, "child exited with %d\nstdout:\n%s\nstderr:\n%s" % (done.returncode, done.stdout, done.stderr)
    return done.stdout, done.stderr


# Appended to a child's code (indented as the callers' code is).
AFTER = """
        cpplive.cppdef("int cs_after_%(n)s() { return 41 + 1; }")
        assert cpplive.gbl.cs_after_%(n)s() == 42
        print("usable")
"""


def rejected_then_usable(bad_code, seconds=None):
    """`bad_code` raises SyntaxError (within `seconds` when given) and
    the interpreter works afterwards."""
    out, _ = run(
        """
        import time
        start = time.monotonic()
        try:
            cpplive.cppdef(%r)
        except SyntaxError as e:
            print("elapsed", time.monotonic() - start)
            print("message", str(e).replace("\\n", " | "))
        else:
            print("accepted")
        """ % bad_code
        + AFTER % {"n": "1"}
    )
    assert "accepted" not in out
    assert "usable" in out
    if seconds is not None:
        elapsed = float(out.split("elapsed ")[1].split()[0])
        assert elapsed < seconds, out
    return out.split("message ")[1].split("\n")[0]


@cpplive_only
@pytest.mark.parametrize("code", [
    "struct A {",
    "void foo() { int x = 5;",
    "template<class T> struct Z { T t; ",
    "int f(int x",
    "int a[3] = {1, 2",
    # A function-like macro's arguments run through the '}' to the end of
    # input (offsetof is a macro of the precompiled standard headers).
    "#include <cstddef>\nstruct cs_S { int i; };\nunsigned long cs_off() { return offsetof(cs_S, i ; }",
    "unsigned long cs_off2() { return offsetof(cs_S2, i ; }",
])
def test_unclosed_brackets_are_refused_at_once(code):
    message = rejected_then_usable(code, seconds=1.0)
    assert "never closed" in message


@cpplive_only
@pytest.mark.parametrize("code", [
    "namespace v1 { int x = }",
    "struct B { int f() { return }; };",
    "namespace n1 { namespace n2 { void g() { if ( } } }",
])
def test_balanced_input_on_which_clang_loops_is_a_syntax_error(code):
    message = rejected_then_usable(code, seconds=2.0)
    assert "error" in message


@cpplive_only
def test_redefinition_is_a_syntax_error_and_keeps_the_first():
    out, _ = run(
        """
        cpplive.cppdef("struct RD { int v = 7; };")
        try:
            cpplive.cppdef("struct RD { int w; };")
        except SyntaxError as e:
            print("redefinition" in str(e))
        print(cpplive.gbl.RD().v)
        """ + AFTER % {"n": "2"})
    assert out.split()[:2] == ["True", "7"], out


@cpplive_only
def test_header_without_guard_included_twice(tmp_path):
    (tmp_path / "noguard.h").write_text("struct NoGuard { int v = 3; };\ninline int no_guard() { return 5; }\n")
    out, _ = run(
        """
        cpplive.add_include_path(%r)
        cpplive.include("noguard.h")
        try:
            cpplive.include("noguard.h")
        except SyntaxError as e:
            print("rejected")
        print(cpplive.gbl.no_guard(), cpplive.gbl.NoGuard().v)
        """ % str(tmp_path) + AFTER % {"n": "3"})
    assert out.split()[:3] == ["rejected", "5", "3"], out


@cpplive_only
def test_standard_header_inside_a_namespace():
    out, _ = run(
        """
        try:
            cpplive.cppdef("namespace N {\\n#include <valarray>\\n}")
        except SyntaxError:
            print("rejected")
        cpplive.cppdef("#include <valarray>\\nint cs_sum() { std::valarray<int> v{4, 5}; return v.sum(); }")
        print(cpplive.gbl.cs_sum())
        """ + AFTER % {"n": "4"})
    assert out.split()[:2] == ["rejected", "9"], out


@cpplive_only
def test_failed_include_leaves_nothing_half_declared(tmp_path):
    # The first header fails half-way through a namespace; the second
    # declares the same names properly and must not trip over leftovers.
    (tmp_path / "broken.h").write_text("namespace shared { struct Reader { int v; }; int oops = ; }\n")
    (tmp_path / "good.h").write_text("namespace shared { struct Reader { int v = 11; }; }\n")
    out, _ = run(
        """
        cpplive.add_include_path(%r)
        try:
            cpplive.include("broken.h")
        except SyntaxError:
            print("rejected")
        cpplive.include("good.h")
        print(cpplive.gbl.shared.Reader().v)
        print(cpplive.gbl.std.vector[int]([1, 2]).size())
        """ % str(tmp_path))
    assert out.split() == ["rejected", "11", "2"], out


@pytest.mark.parametrize("pch", ["with", "without"])
def test_standard_library_threading_from_cppdef(pch):
    env = {"CPPLIVE_NO_PCH": "1"} if pch == "without" else {}
    out, _ = run(
        """
        cpplive.cppdef('''
        #include <mutex>
        #include <thread>
        #include <condition_variable>
        #include <shared_mutex>
        #include <future>
        #include <atomic>
        namespace cs_thr {
        std::mutex m; int counter = 0;
        int locked() { std::lock_guard<std::mutex> g(m); return ++counter; }
        int threads() {
          std::vector<std::thread> ts;
          for (int i = 0; i < 4; ++i) ts.emplace_back([]{ for (int k = 0; k < 100; ++k) locked(); });
          for (auto& t : ts) t.join();
          return counter;
        }
        std::once_flag once; int once_count = 0;
        int call_once_twice() { std::call_once(once, []{ ++once_count; }); std::call_once(once, []{ ++once_count; }); return once_count; }
        thread_local int per_thread = 5;
        int bump() { return ++per_thread; }
        int other_thread_sees_fresh() { int r = 0; std::thread t([&]{ r = ++per_thread; }); t.join(); return r; }
        int waited() {
          std::mutex mm; std::condition_variable cv; bool ready = false; int value = 0;
          std::thread t([&]{ std::lock_guard<std::mutex> g(mm); value = 21; ready = true; cv.notify_one(); });
          std::unique_lock<std::mutex> lock(mm); cv.wait(lock, [&]{ return ready; }); t.join();
          return value * 2;
        }
        std::shared_mutex sm;
        int shared_read() { std::shared_lock<std::shared_mutex> r(sm); return 3; }
        int async_sum() { auto f = std::async(std::launch::async, []{ return 20; }); return f.get() + 1; }
        int atomics() { std::atomic<int> a{0}; std::thread t([&]{ for (int i = 0; i < 1000; ++i) a++; }); for (int i = 0; i < 1000; ++i) a++; t.join(); return a.load(); }
        }
        ''')
        g = cpplive.gbl.cs_thr
        print(g.locked(), g.threads(), g.call_once_twice(), g.bump(), g.bump(), g.other_thread_sees_fresh(),
              g.waited(), g.shared_read(), g.async_sum(), g.atomics())
        """, **env)
    assert out.split() == ["1", "401", "1", "6", "7", "6", "42", "3", "21", "2000"], out


@pytest.mark.parametrize("pch", ["with", "without"])
def test_byte_swapping_headers(pch):
    env = {"CPPLIVE_NO_PCH": "1"} if pch == "without" else {}
    out, _ = run(
        """
        cpplive.cppdef('''
        #include <byteswap.h>
        #include <arpa/inet.h>
        #include <endian.h>
        unsigned cs_swap(unsigned x) { return bswap_32(x); }
        unsigned cs_net(unsigned x) { return ntohl(htonl(x)) + (unsigned)htobe16(1); }
        ''')
        print(hex(cpplive.gbl.cs_swap(0x01020304)), cpplive.gbl.cs_net(5))
        """, **env)
    assert out.split() == ["0x4030201", str(5 + 256)], out


def test_inline_assembly():
    out, _ = run(
        """
        cpplive.cppdef('int cs_answer() { int x; asm volatile("movl $42, %0" : "=r"(x)); return x; }')
        cpplive.cppdef('unsigned cs_cpuid_max() { unsigned a, b, c, d; asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0)); return a; }')
        print(cpplive.gbl.cs_answer(), cpplive.gbl.cs_cpuid_max() > 0)
        """)
    assert out.split() == ["42", "True"], out


@cpplive_only
def test_unresolved_symbol_raises_link_error_then_links_after_load_library(tmp_path):
    source = tmp_path / "cs_lib.c"
    source.write_text("int cs_not_yet(int x) { return x * 3; }\n")
    library = tmp_path / "libcs_not_yet.so"
    subprocess.check_call(["cc", "-shared", "-fPIC", "-o", str(library), str(source)])
    out, err = run(
        """
        cpplive.cppdef('extern "C" int cs_not_yet(int); int cs_wrapper(int x) { return cs_not_yet(x) + 1; }')
        for call in (lambda: cpplive.gbl.cs_wrapper(2), lambda: cpplive.gbl.cs_not_yet(2)):
            try:
                call()
            except cpplive.LinkError as e:
                assert not isinstance(e, SyntaxError)
                print("LinkError", "cs_not_yet" in str(e))
        cpplive.cppdef("int cs_unrelated() { return 5; }")
        print(cpplive.gbl.cs_unrelated())
        cpplive.load_library(%r)
        print(cpplive.gbl.cs_wrapper(2), cpplive.gbl.cs_not_yet(2))
        """ % str(library))
    assert out.split() == ["LinkError", "True", "LinkError", "True", "5", "7", "6"], out


@cpplive_only
def test_link_error_names_the_missing_symbol_demangled():
    out, _ = run(
        """
        cpplive.cppdef("namespace cs_ns { int missing_everywhere(double, const char*); } int cs_uses() { return cs_ns::missing_everywhere(1.0, \\"x\\"); }")
        try:
            cpplive.gbl.cs_uses()
        except cpplive.LinkError as e:
            print(str(e))
        """ + AFTER % {"n": "5"})
    assert "cs_ns::missing_everywhere(double, char const*)" in out, out
    assert "usable" in out


@cpplive_only
def test_later_definition_completes_a_waiting_function():
    out, _ = run(
        """
        cpplive.cppdef("int cs_later(int); int cs_early(int x) { return cs_later(x) * 2; }")
        try:
            cpplive.gbl.cs_early(1)
        except cpplive.LinkError:
            print("waiting")
        cpplive.cppdef("int cs_later(int x) { return x + 10; }")
        print(cpplive.gbl.cs_early(1))
        """)
    assert out.split() == ["waiting", "22"], out


@cpplive_only
def test_missing_system_library_is_loaded_automatically():
    out, err = run(
        """
        cpplive.cppdef('extern "C" const char* zlibVersion();')
        print(cpplive.gbl.zlibVersion().split(".")[0].isdigit())
        """)
    assert out.split() == ["True"], out
    assert "libz" in err and "automatically" in err, err


@cpplive_only
def test_unusable_precompiled_header_is_said_once_and_bypassed(tmp_path):
    out, err = run(
        """
        cpplive.cppdef("#include <mutex>\\nstd::mutex cs_m; int cs_pch_fallback() { std::lock_guard<std::mutex> g(cs_m); return 4; }")
        print(cpplive.gbl.cs_pch_fallback(), cpplive.gbl.std.vector[int]([1, 2, 3]).size())
        """, CPPLIVE_CACHE_DIR=str(tmp_path), CPPLIVE_PCH_TIMEOUT="0")
    assert out.split() == ["4", "3"], out
    assert err.count("precompiled standard library is not used") == 1, err
    # The failure is recorded: a second process does not try to build again.
    started = time.monotonic()
    out, err = run("print(cpplive.gbl.std.vector[int]([1]).size())", CPPLIVE_CACHE_DIR=str(tmp_path))
    assert out.split() == ["1"] and err.count("not used") == 1, (out, err)


def test_virtual_with_reference_parameter_can_be_overridden():
    out, _ = run(
        """
        cpplive.cppdef("struct CsVB { virtual ~CsVB() {} virtual int f(int& x) { return ++x; } }; int cs_callf(CsVB& b) { int v = 1; int r = b.f(v); return r * 10 + v; }")
        class P(cpplive.gbl.CsVB):
            def f(self, x):
                return 4
        print(cpplive.gbl.cs_callf(P()), cpplive.gbl.cs_callf(cpplive.gbl.CsVB()))
        """)
    assert out.split() == ["41", "22"], out


def test_iterator_with_non_const_comparison():
    out, _ = run(
        """
        cpplive.cppdef('''
        struct CsIt { int i; int operator*() { return i; } CsIt& operator++() { ++i; return *this; } bool operator!=(const CsIt& o) { return i != o.i; } };
        struct CsRange { CsIt begin() { return {0}; } CsIt end() { return {3}; } };
        ''')
        print(list(cpplive.gbl.CsRange()))
        """)
    assert out.strip() == "[0, 1, 2]", out


@cpplive_only
def test_faulting_static_initializers_raise_and_the_interpreter_goes_on():
    out, _ = run(
        """
        for code in ["int* cs_null = nullptr; int cs_bad = *cs_null;",
                     "#include <cassert>\\nint cs_assert = (assert(false), 1);",
                     "int cs_spin() { int s = 0; for (int i = 0; i < 10; ) s += i; return s; } int cs_spun = cs_spin();"]:
            try:
                cpplive.cppdef(code)
            except cpplive.ll.FatalError as e:
                print(type(e).__name__, "static initializers" in str(e))
        """ + AFTER % {"n": "6"})
    assert out.split() == ["SegmentationViolation", "True", "AbortSignal", "True", "SegmentationViolation", "True", "usable"], out
