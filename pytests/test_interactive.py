"""Interactive C++: the prompt (`python -m cpplive`, through pipes and a
pseudo-terminal), redefinition and undo, and the IPython magics. Anything
that runs C++ runs in a child process with a time limit."""
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from helpers import child_env, cpplive_only, run_python_ok

pytestmark = cpplive_only

TIMEOUT = 180


def run_prompt(text, **env):
    """The prompt fed `text` through a pipe: (stdout, stderr)."""
    env.setdefault("CPPLIVE_HISTORY", "")
    try:
        proc = subprocess.run([sys.executable, "-m", "cpplive"], input=text, env=child_env(**env),
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        pytest.fail("prompt hung\nstdout:\n%s\nstderr:\n%s" % (e.stdout, e.stderr), pytrace=False)
    assert proc.returncode == 0, "prompt ended with %d\nstdout:\n%s\nstderr:\n%s" % (
        proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout, proc.stderr


# --- entries and brackets (no C++ runs) ----------------------------------------

def test_entries_continue_until_brackets_close():
    from cpplive import _interactive as I
    assert I.is_complete("1 + 2")
    assert not I.is_complete("int f() {")
    assert not I.is_complete("int f(int a,")
    assert not I.is_complete("int a[] = { 1, 2")
    assert I.is_complete("int f() { return '}'; }")
    assert I.is_complete('const char* s = "{(";')
    assert I.is_complete("int x = 1; // {")
    assert not I.is_complete("int x = 1; /* {")
    assert not I.is_complete('auto s = R"x(})x" + (')
    assert I.is_complete('auto s = R"x(})x";')
    assert I.is_complete("int n = 1'000'000;")
    assert not I.is_complete("#define F(x) \\")


def test_trailing_expression_of_a_cell():
    from cpplive import _interactive as I
    assert I.split_trailing_expression("int x = 1;\nx + 1") == ("int x = 1;\n", "x + 1")
    assert I.split_trailing_expression("struct P { int a; };\nP{}") == ("struct P { int a; };\n", "P{}")
    assert I.split_trailing_expression("int x = 1;\n") == ("int x = 1;\n", None)
    assert I.split_trailing_expression("#include <vector>\n") == ("#include <vector>\n", None)
    assert I.split_trailing_expression("std::vector<int> v{1, 2};\n\nv") == ("std::vector<int> v{1, 2};\n\n", "v")


# --- the prompt through a pipe --------------------------------------------------

def test_prompt_values_and_types():
    out, err = run_prompt("\n".join([
        "1 + 2",
        "true",
        "2.5 * 2",
        "'c'",
        'std::string("a\\"b")',
        "std::vector<int> v{1, 2, 3};",
        "v",
        "v.size()",
        'std::map<std::string, int>{{"a", 1}, {"b", 2}}',
        "std::make_pair(1, 2.5)",
        "struct Plain { int a = 7; };",
        "Plain{}",
        "struct Shown { int a = 7; };",
        "std::ostream& operator<<(std::ostream& os, const Shown& s) { return os << \"Shown(\" << s.a << \")\"; }",
        "Shown{}",
        "nullptr",
        "void nothing() {}",
        "nothing()",
    ]) + "\n")
    lines = out.splitlines()
    assert lines[:10] == [
        "(int) 3",
        "(bool) true",
        "(double) 5",
        "(char) 'c'",
        '(std::string) "a\\"b"',
        "(std::vector<int>) { 1, 2, 3 }",
        "(unsigned long) 3",
        '(std::map<std::string, int>) { "a" => 1, "b" => 2 }',
        "(std::pair<int, double>) { 1, 2.5 }",
        lines[9],
    ]
    assert lines[9].startswith("(Plain) @0x")
    assert lines[10] == "(Shown) Shown(7)"
    assert lines[11] == "(std::nullptr_t) nullptr"
    assert len(lines) == 12, out  # a void expression shows nothing
    assert err == ""


def test_prompt_statements_and_multiline_entries():
    out, err = run_prompt("\n".join([
        "int total = 0;",
        "for (int i = 1; i <= 4; ++i) {",
        "  total += i;",
        "}",
        "total",
        "int add(int a,",
        "        int b) {",
        "  return a + b;",
        "}",
        "add(2, 3)",
        'std::cout << "from C++" << std::endl;',
        'printf("%d\\n", 42);',
        "total * 2",
    ]) + "\n")
    assert out.splitlines() == ["(int) 10", "(int) 5", "from C++", "42", "(int) 20"], out
    assert err == ""


def test_prompt_errors_show_clang_diagnostics_and_go_on():
    out, err = run_prompt("\n".join([
        "int f() {",
        "  return missing;",
        "}",
        "1 + 1",
        "undeclared + 1",
        "std::vector<int>{1}.at(5)",
        "2 + 2",
    ]) + "\n")
    assert out.splitlines() == ["(int) 2", "(int) 4"], out
    # The entry's own name and line numbers, clang's source line and caret.
    assert "input_1:2:10: error: use of undeclared identifier 'missing'" in err
    assert "    2 |   return missing;\n      |          ^" in err
    assert "input_3:1:1: error: use of undeclared identifier 'undeclared'" in err
    assert "C++ exception: std::out_of_range" in err
    assert err.count("use of undeclared identifier 'missing'") == 1, err


def test_prompt_shows_clang_warnings():
    out, err = run_prompt("\n".join([
        "int half(int a) {",
        "  return a / 0;",
        "}",
        "1/0",
        "40 + 2",
    ]) + "\n")
    assert out.splitlines()[-1] == "(int) 42", out
    # Warnings name the entry and quote its own text, not generated code.
    assert "input_1:2:12: warning: division by zero is undefined" in err, err
    assert "    2 |   return a / 0;" in err
    assert "input_2:1:2: warning: division by zero is undefined" in err, err
    assert "    1 | 1/0" in err
    assert "__cpplive" not in err and "<<< inputs >>>" not in err, err
    assert "(int) 42" not in err


@pytest.mark.parametrize("fault, name", [
    ("int* p = nullptr; *p = 1;", "SegmentationViolation"),
    ("assert(false);", "AbortSignal"),
    ("std::abort();", "AbortSignal"),
    ("volatile int zero = 0; int q = 100 / zero;", "FloatingPointException"),
])
def test_prompt_survives_faults(fault, name):
    out, err = run_prompt("#include <cassert>\n#include <cstdlib>\n%s\n40 + 2\n" % fault)
    assert name in err, err
    assert out.splitlines() == ["(int) 42"], (out, err)


def test_prompt_commands():
    here = os.path.dirname(os.path.abspath(__file__))
    out, err = run_prompt("\n".join([
        ".help",
        ".include <numeric>",
        "std::vector<int> v{1, 2, 3};",
        "std::accumulate(v.begin(), v.end(), 0)",
        ".load m",
        "int twice(int x) { return 2 * x; }",
        ".undo",
        "twice(2)",
        ".python",
        "print('py', gbl.v.size())",
        "cpplive.cppdef('int from_python = 5;')",
        "",
    ]) + "\n")
    assert ".undo [n]" in out
    assert "(int) 6" in out
    assert "taken back: int twice(int x) { return 2 * x; }" in out
    assert "undeclared identifier 'twice'" in err
    assert "py 3" in out
    del here


def test_prompt_python_shares_gbl_and_returns():
    out, err = run_prompt("int shared = 41;\n.python\ngbl.shared += 1\n\x04\n.quit\nnever\n")
    out2, err2 = run_prompt("int shared = 41;\n.python\ngbl.shared += 1\nexit()\nshared\n")
    assert "(int) 42" in out2, (out2, err2)


# --- redefinition and undo ------------------------------------------------------

def test_prompt_redefinition():
    out, err = run_prompt("\n".join([
        "struct Point { int x = 1; };",
        "int f() { return 1; }",
        "int f(int a) { return a; }",
        "f()",
        "struct Point { int x = 1, y = 2; };",
        "int f() { return 2; }",
        "Point{}.y",
        "sizeof(Point)",
        "f()",
        "f(7)",
        ".undo",
        "f()",
        ".undo",
        "sizeof(Point)",
    ]) + "\n")
    assert out.splitlines() == ["(int) 1", "(int) 2", "(unsigned long) 8", "(int) 2", "(int) 7",
                                "taken back: int f() { return 2; }", "(int) 1",
                                "taken back: struct Point { int x = 1, y = 2; };", "(unsigned long) 4"], (out, err)
    assert "redefinition" not in err, err


REDEFINE = r"""
import cpplive
from cpplive import _interactive as I
gbl = cpplive.gbl
I.define("struct Point { int x = 1; int sum() const { return x; } }; int norm(const Point& p) { return p.x; }")
old = gbl.Point()
assert old.sum() == 1 and gbl.norm(old) == 1
OldPoint = gbl.Point
I.define("struct Point { int x = 1, y = 2; int sum() const { return x + y; } };")
new = gbl.Point()
assert gbl.Point is not OldPoint
assert new.sum() == 3 and new.y == 2
# The old proxies raise a clear error rather than run code compiled for the
# new layout.
for action in (lambda: old.sum(), lambda: old.x, lambda: OldPoint()):
    try:
        action()
    except RuntimeError as e:
        assert "redefined" in str(e), e
    else:
        raise AssertionError("old proxy still usable")
del old
# A function redefined: the Python name calls the new one.
I.define("int answer() { return 1; }")
f = gbl.answer
assert f() == 1
I.define("int answer() { return 2; }")
assert gbl.answer() == 2
assert f() == 1          # an old function object keeps calling the old code
I.define("double answer() { return 2.5; }")   # differs in its return type only
assert gbl.answer() == 2.5
I.define("int value = 1;")
I.define("double value = 1.5;")
assert gbl.value == 1.5
# cppdef itself still refuses a redefinition.
try:
    cpplive.cppdef("int value = 3;")
except SyntaxError as e:
    assert "redefinition" in str(e)
else:
    raise AssertionError("cppdef redefined")
# undo: the last inputs are taken back, what they hid is found again.
cpplive.cppdef("int later() { return 9; }")
vv = gbl.std.vector[int]([1, 2])
vv[0] = 5                 # cpplive's own helpers are not inputs to take back
assert cpplive.undo() == ["int later() { return 9; }"]
try:
    gbl.later
except AttributeError:
    pass
else:
    raise AssertionError("later still found")
cpplive.undo(2)           # both definitions of value
try:
    gbl.value
except AttributeError:
    pass
else:
    raise AssertionError("value still found")
cpplive.undo()            # double answer()
assert gbl.answer() == 2
try:
    cpplive.undo(1000)
except ValueError:
    pass
print("ok")
"""


def test_namespaced_redefinition_is_refused_clearly():
    out, err = run_prompt("\n".join([
        "namespace geo { struct P { int x = 1; }; }",
        "namespace geo { struct P { int x = 1, y = 2; }; }",
        "geo::P{}.x",
    ]) + "\n")
    assert "redefinition of 'P'" in err and "only global ones" in err, err
    assert out == "(int) 1\n", (out, err)


def test_redefinition_and_undo_from_python():
    assert run_python_ok(REDEFINE, timeout=TIMEOUT).strip().endswith("ok")


# --- the pseudo-terminal --------------------------------------------------------

class Terminal(object):
    def __init__(self, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(sys.executable, [sys.executable, "-m", "cpplive"], env)
        self.seen = ""

    def expect(self, text, timeout=60):
        deadline = time.time() + timeout
        while text not in self.seen:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("waited for %r; the terminal shows:\n%s" % (text, self.seen))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError("the prompt ended; waited for %r:\n%s" % (text, self.seen))
                self.seen += chunk.decode("utf-8", "replace")
        shown, self.seen = self.seen, self.seen[self.seen.index(text) + len(text):]
        return shown

    def send(self, text):
        os.write(self.fd, text.encode())

    def close(self):
        try:
            os.kill(self.pid, 9)
        except OSError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_prompt_in_a_terminal(tmp_path):
    env = child_env(XDG_DATA_HOME=str(tmp_path), TERM="dumb")
    env.pop("CPPLIVE_HISTORY", None)
    term = Terminal(env)
    try:
        term.expect("cpp> ")
        term.send("int add(int a,\r")
        term.expect("...> ")
        term.send("int b) { return a + b; }\r")
        term.expect("cpp> ")
        term.send("add(2, 3)\r")
        assert "(int) 5" in term.expect("cpp> ")
        term.send("struct Gadget { int weight = 3; };\r")
        term.expect("cpp> ")
        term.send("Gadget gadget_one;\r")
        term.expect("cpp> ")
        # Tab completes names from reflection: a variable, then its member.
        term.send("gadget_o\t")
        term.expect("gadget_one")
        term.send(".wei\t")
        term.expect("weight")
        term.send("\r")
        assert "(int) 3" in term.expect("cpp> ")
        term.send("std::vect\t")
        term.expect("std::vector")
        term.send("<int>{4, 5}\r")
        assert "{ 4, 5 }" in term.expect("cpp> ")
        term.send("int* p = nullptr;\r")
        term.expect("cpp> ")
        term.send("*p\r")
        assert "SegmentationViolation" in term.expect("cpp> ")
        term.send(".quit\r")
        deadline = time.time() + 30
        history = tmp_path / "cpplive" / "history"
        while time.time() < deadline:
            pid, _ = os.waitpid(term.pid, os.WNOHANG)
            if pid:
                term.pid = None
                break
            time.sleep(0.1)
        assert history.exists()
        assert "add(2, 3)" in history.read_text()
    finally:
        if term.pid:
            term.close()
        else:
            os.close(term.fd)


def test_completion_from_reflection():
    code = r"""
import cpplive
from cpplive import _prompt
cpplive.cppdef("namespace geo { struct Pointy { int xx; int yy; void move(); }; } geo::Pointy where;")
assert "geo::Pointy" in _prompt.completions("geo::Poi")
assert _prompt.completions("where.x") == ["where.xx"]
assert "where.move" in _prompt.completions("where.m")
assert "std::vector" in _prompt.completions("std::vec")
assert _prompt.completions(".un") == [".undo"]
cpplive.cppdef("int plain_number = 1;")
assert _prompt.completions("plain_number.") == []       # no Python int methods
assert not [c for c in _prompt.completions("where.") if not c[len("where."):].isidentifier()]
print("ok")
"""
    assert run_python_ok(code, timeout=TIMEOUT).strip() == "ok"


def test_prompt_debug_output():
    out, err = run_prompt("int twice(int x) { return 2 * x; }\ntwice(4)\nint twice(int x) { return 3 * x; }\n",
                          CPPLIVE_DEBUG="1")
    assert out == "(int) 8\n"
    assert "cpplive: input_2 as an expression:" in err
    assert "cpplive: input_1 as top-level input:" in err
    assert "cpplive: input_3 defines a name again" in err
    assert "dry run of" in err


def test_console_script_and_module_start():
    out, err = run_prompt("6 * 7\n")
    assert out == "(int) 42\n"
    script = os.path.join(os.path.dirname(sys.executable), "cpplive")
    if os.path.exists(script):
        proc = subprocess.run([script], input="6 * 7\n", env=child_env(CPPLIVE_HISTORY=""), capture_output=True,
                              text=True, timeout=TIMEOUT)
        assert proc.stdout == "(int) 42\n", proc.stderr


# --- IPython --------------------------------------------------------------------

MAGICS = r"""
from IPython.testing.globalipapp import start_ipython
ip = start_ipython()
ip.run_line_magic("load_ext", "cpplive")
# As in a notebook, where HTML is shown too.
ip.display_formatter.formatters["text/html"].enabled = True
value = ip.run_cell_magic("cpp", "", "std::vector<int> v{1, 2, 3};\nv.size()")
assert value == 3, value
assert ip.run_line_magic("cpp", "v.size() * 2") == 6
ip.run_cell("n = %cpp v.size()")
assert ip.user_ns["n"] == 3
v = ip.run_line_magic("cpp", "v")
data, _ = ip.display_formatter.format(v)
assert data["text/plain"] == "[1, 2, 3]", data
m = ip.run_cell_magic("cpp", "", 'std::map<std::string, int> m{{"a", 1}};\nm')
assert ip.display_formatter.format(m)[0]["text/plain"] == "{'a': 1}"
# A vector of structs: a table.
rows = ip.run_cell_magic("cpp", "", "struct Row { int id; double score; };\nstd::vector<Row> rows{{1, 0.5}, {2, 1.5}};\nrows")
data, _ = ip.display_formatter.format(rows)
html = data["text/html"]
assert "<th>id</th>" in html and "<th>score</th>" in html and "<td>1.5</td>" in html, html
assert data["text/plain"] == "[Row(id=1, score=0.5), Row(id=2, score=1.5)]", data["text/plain"]
# Redefinition across cells.
ip.run_cell_magic("cpp", "", "struct Point { int x = 1; };")
ip.run_cell_magic("cpp", "", "struct Point { int x = 1, y = 2; };")
assert ip.run_line_magic("cpp", "Point{}.y") == 2
import cpplive
assert cpplive.gbl.Point().y == 2
# Errors are shown as clang's diagnostics and the cell fails.
result = ip.run_cell("%%cpp\nint ok = 1;\nint bad() { return nope; }")
assert not result.success
# C++ output of a cell reaches Python's stdout.
import io, contextlib
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    ip.run_cell_magic("cpp", "", 'std::cout << "hello from C++" << std::endl;')
assert "hello from C++" in buffer.getvalue(), buffer.getvalue()
# Faults are reported.
result = ip.run_cell("%%cpp\nint* np = nullptr;\n*np")
assert not result.success
assert ip.run_line_magic("cpp", "1 + 1") == 2
print("ok")
"""


def test_ipython_magics():
    pytest.importorskip("IPython")
    out = run_python_ok(MAGICS, timeout=TIMEOUT)
    assert out.strip().endswith("ok"), out


def test_prompt_more_values():
    out, err = run_prompt("\n".join([
        '"abc"',
        "'\\n'",
        "int arr[3] = {7, 8, 9};",
        "arr",
        "std::vector<std::vector<int>>{{1}, {2, 3}}",
        'std::tuple<int, std::string>{1, "x"}',
        "enum class Shade { Dark = 3 };",
        "Shade::Dark",
        "1.0f / 3",
        "auto twice = [](int x) { return 2 * x; };",
        "twice(21)",
        "using namespace std;",
        "vector<int>{4, 5}",
    ]) + "\n")
    assert out.splitlines() == [
        '(const char[4]) "abc"',
        "(char) '\\n'",
        "(int[3]) { 7, 8, 9 }",
        "(std::vector<std::vector<int>>) { { 1 }, { 2, 3 } }",
        '(std::tuple<int, std::string>) { 1, "x" }',
        "(Shade) 3",
        "(float) 0.33333334",
        "(int) 42",
        "(std::vector<int>) { 4, 5 }",
    ], (out, err)
