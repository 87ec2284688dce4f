"""Start-up behaviour, each case in a fresh process: the background warm-up,
compiler arguments, and the standard library without a precompiled header."""
import pytest

from helpers import cpplive_only, run_python

pytestmark = cpplive_only


def run(code, **env_extra):
    proc = run_python(code, timeout=600, **env_extra)
    assert proc.returncode == 0, "stdout:\n%s\nstderr:\n%s" % (proc.stdout, proc.stderr)
    return proc.stdout


def test_import_and_exit_at_once():
    # The warm-up thread is joined at exit: no crash, nothing printed.
    assert run("import cpplive") == ""


def test_compiler_arguments_before_first_use():
    out = run(
        "import cpplive\n"
        "cpplive.set_compiler_args('-DSU_ANSWER=42')\n"
        "cpplive.cppdef('int su_answer() { return SU_ANSWER; }')\n"
        "print(cpplive.gbl.su_answer())\n")
    assert out.strip() == "42"


def test_compiler_arguments_after_first_use_raise():
    out = run(
        "import cpplive\n"
        "cpplive.cppdef('int su_one() { return 1; }')\n"
        "try:\n"
        "    cpplive.set_compiler_args('-DX=1')\n"
        "except RuntimeError as e:\n"
        "    print('refused:', e)\n")
    assert out.startswith("refused:")


@pytest.mark.parametrize("variable", ["CPPLIVE_NO_WARMUP", "CPPLIVE_NO_PCH"])
def test_standard_library_without_warm_up_or_precompiled_header(variable):
    out = run(
        "import cpplive\n"
        "cpplive.cppdef('int su_sum(const std::vector<int>& v) { int s = 0; for (int x : v) s += x; return s; }')\n"
        "print(cpplive.gbl.su_sum([1, 2, 3]), cpplive.gbl.std.string('ab').size())\n",
        **{variable: "1"})
    assert out.split() == ["6", "2"]


def test_fork_right_after_import():
    # The child must not inherit a half-made interpreter or a held lock.
    out = run(
        "import os, cpplive\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    cpplive.cppdef('int su_child() { return 7; }')\n"
        "    os._exit(0 if cpplive.gbl.su_child() == 7 else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status))\n")
    assert out.strip() == "0"


def test_cpp20_by_default_and_other_standards_selectable():
    out = run(
        "import cpplive\n"
        "cpplive.cppdef('''\n"
        "#include <concepts>\n#include <span>\n#include <ranges>\n"
        "long su_std() { return __cplusplus; }\n"
        "template <std::integral T> T su_twice(T x) { return 2 * x; }\n"
        "int su_span_sum() { int a[] = {1, 2, 3}; std::span<int> s(a); int t = 0;\n"
        "  for (int v : s | std::views::filter([](int v) { return v != 2; })) t += v; return t; }\n"
        "''')\n"
        "print(cpplive.gbl.su_std(), cpplive.gbl.su_twice(21), cpplive.gbl.su_span_sum())\n")
    assert out.split() == ["202002", "42", "4"], out
    out = run("import cpplive\ncpplive.set_compiler_args('-std=c++17')\n"
              "cpplive.cppdef('long su_std17() { return __cplusplus; }')\nprint(cpplive.gbl.su_std17())\n")
    assert out.split() == ["201703"], out


def test_a_precompiled_header_build_cut_short_is_tried_again(tmp_path):
    # A build that ran out of time (a busy machine) is no lasting verdict:
    # a process an hour later builds the header and uses it.
    code = ("import cpplive\n"
            "cpplive.cppdef('int su_pch() { return 5; }')\n"
            "print(cpplive.gbl.su_pch())\n")
    cut = run_python(code, timeout=600, XDG_CACHE_HOME=str(tmp_path), CPPLIVE_PCH_TIMEOUT="0")
    assert cut.returncode == 0 and cut.stdout.strip() == "5", cut.stderr
    assert "did not finish within 0 s" in cut.stderr
    assert not list(tmp_path.glob("cpplive/std-pch-*/failed"))
    # Processes soon after do not pay the build again; an hour later one does.
    soon = run_python(code, timeout=600, XDG_CACHE_HOME=str(tmp_path))
    assert soon.returncode == 0 and "did not finish within 0 s" in soon.stderr, soon.stderr
    import os, time
    for marker in tmp_path.glob("cpplive/std-pch-*/cut-short"):
        hour_ago = time.time() - 3700
        os.utime(marker, (hour_ago, hour_ago))
    again = run_python(code, timeout=600, XDG_CACHE_HOME=str(tmp_path))
    assert again.returncode == 0 and again.stdout.strip() == "5", again.stderr
    assert "precompiled standard library is not used" not in again.stderr
    assert list(tmp_path.glob("cpplive/std-pch-*/std.pch"))
