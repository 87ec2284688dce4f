"""Broken C++ never costs the process: every C++ snippet the tests and
examples pass to ``cppdef``, cut short at many points and with random
tokens deleted (seeded), is either accepted or rejected with one of the
documented exceptions, within a time limit, and the interpreter works
afterwards.

The documented exceptions of ``cppdef`` (``DOCUMENTED_ERRORS``):
``SyntaxError`` and its subclasses for code clang rejects (parse and
semantic errors), ``cpplive.LinkError`` for code that compiled but needs
symbols nothing defines, ``cpplive.ll.FatalError`` when the input's own
static initializers fault (a cut that turns a loop into undefined
behaviour), ``TypeError`` for a failed template instantiation, and
``cpplive.CppException`` and its subclasses for an exception thrown by the
code's static initializers.

The inputs run in two chains of child processes side by side
(pytests/child_runner.py): the child notes each input before running it,
so an input that hangs or kills the process is named, and a fresh child
goes on with the next one.  After every input, a new function is defined
and called, to show the interpreter still works.

C++ names: the prefix ``fz_``.
"""
import ast
import glob
import math
import os
import random
import re
import time

import pytest

import child_runner
from helpers import CHILD_IMPORT, ROOT, child_env, cpplive_only

pytestmark = cpplive_only

SEED = 20240917
MIN_INPUTS = 5000
# The slowest input of this corpus takes a quarter of a second; one that
# has not finished after twenty times that is stuck.
INPUT_TIMEOUT = 5.0
# The whole fuzz run (2 processes) must finish within this; inputs it did
# not reach fail test_every_input_ran.
RUN_BUDGET = 600.0
WORKERS = 2
# The specific inputs must be rejected this fast.
REJECT_WITHIN = 1.0

PRELUDE = CHILD_IMPORT + r'''
import time
DOCUMENTED_ERRORS = (SyntaxError, TypeError, cpplive.CppException, cpplive.LinkError, cpplive.ll.FatalError)

def alive(n):
    """None if a fresh function can be defined and called, else what failed."""
    name = "fz_alive_%d" % n
    try:
        cpplive.cppdef("int %s() { return %d; }" % (name, n))
        got = getattr(cpplive.gbl, name)()
    except Exception as e:
        return "%s: %s" % (type(e).__name__, str(e)[:500])
    return None if got == n else "returned %r instead of %d" % (got, n)

def fuzz_one(n, run):
    """run() once, then the liveness check; returns what happened."""
    t0 = time.perf_counter()
    try:
        run()
        error = None
    except Exception as e:
        error = e
    seconds = time.perf_counter() - t0
    return {"outcome": type(error).__name__ if error else "accepted",
            "documented": error is None or isinstance(error, DOCUMENTED_ERRORS),
            "syntax_error": isinstance(error, SyntaxError),
            "message": str(error)[:300] if error else "",
            "seconds": seconds, "broken": alive(n)}

assert alive(0) is None
'''


# ---------------------------------------------------------------- the corpus


def _cppdef_argument(node):
    """The C++ text of a cppdef(...) call's first argument: a string literal,
    or a literal %-formatted with names (placeholders get a fixed name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)):
        text = re.sub(r"%[sd]", lambda m: "fz_name" if m.group() == "%s" else "7", node.left.value)
        return text.replace("%%", "%")
    return None


def corpus():
    """Every C++ snippet passed to cppdef in pytests/ and examples/."""
    snippets = []
    for path in sorted(glob.glob(os.path.join(ROOT, "pytests", "*.py")) + glob.glob(os.path.join(ROOT, "examples", "*.py"))):
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name == "cppdef":
                text = _cppdef_argument(node.args[0])
                if text and text.strip() and text not in snippets:
                    snippets.append(text)
    return snippets


# A crude C++ tokenizer: enough to cut between tokens and delete whole ones.
# Preprocessor lines are single tokens: half a directive could turn the rest
# of the input into a macro definition, which is C++'s doing, not ours.
_TOKEN = re.compile(r'''
    (?P<directive> ^[ \t]*\#(?:\\\n|[^\n])* )
  | (?P<comment> //[^\n]* | /\*.*?\*/ )
  | (?P<raw> R"(?P<delim>[^(\s"]*)\(.*?\)(?P=delim)" )
  | (?P<string> "(?:\\.|[^"\\\n])*" )
  | (?P<char> '(?:\\.|[^'\\\n])+' )
  | (?P<word> [A-Za-z_]\w* | \.?\d(?:[\w.]|'(?=\w)|[eEpP][-+])* )
  | (?P<op> ::|->\*?|<<=?|>>=?|\.\.\.|&&|\|\||\+\+|--|[-+*/%&|^!=<>]=|\S )
''', re.M | re.S | re.X)


def tokens(text):
    """(start, end) of every token (comments are not tokens)."""
    return [m.span() for m in _TOKEN.finditer(text) if m.lastgroup != "comment"]


def mutations(text, rng, count):
    """Up to ``count`` distinct broken variants of ``text``: half cut short
    before some token, half with one to three tokens deleted."""
    spans = tokens(text)
    if not spans:
        return []
    out, seen = [], {text}

    def add(variant):
        if variant not in seen:
            seen.add(variant)
            out.append(variant)

    cuts = count // 2
    positions = sorted({int(k * len(spans) / cuts) for k in range(cuts)} | {rng.randrange(len(spans)) for _ in range(cuts // 4)})
    for k in positions:
        add(text[:spans[k][0]])
    attempts = 0
    while len(out) < count and attempts < 20 * count:
        attempts += 1
        doomed = set(rng.sample(range(len(spans)), min(len(spans), rng.randint(1, 3))))
        pieces, at = [], 0
        for i, (start, end) in enumerate(spans):
            if i in doomed:
                pieces.append(text[at:start] + " ")
                at = end
        pieces.append(text[at:])
        add("".join(pieces))
    return out[:count]


def fuzz_inputs():
    """The inputs, shuffled: variants of one snippet redefine its names, and
    spread out they meet a variety of interpreter states."""
    snippets = corpus()
    per_snippet = math.ceil(MIN_INPUTS * 1.05 / max(1, len(snippets)))
    inputs = []
    for i, text in enumerate(snippets):
        inputs.extend(mutations(text, random.Random("%d:%d" % (SEED, i)), per_snippet))
    random.Random(SEED).shuffle(inputs)
    return inputs


def _step(n, action):
    return "result = fuzz_one(%d, lambda: %s)" % (n, action)


# ----------------------------------------------------------- the fuzz run

_fuzz_run = {}


@pytest.fixture(scope="module")
def fuzz():
    """(inputs, child_runner.Run) for the whole corpus, run once."""
    if not _fuzz_run:
        inputs = fuzz_inputs()
        steps = [("input %d" % k, _step(k + 1, "cpplive.cppdef(%r)" % code)) for k, code in enumerate(inputs)]
        run = child_runner.run_steps(steps, prelude=PRELUDE, env=child_env(), step_timeout=INPUT_TIMEOUT,
                                     deadline=time.monotonic() + RUN_BUDGET, workers=WORKERS)
        _fuzz_run["value"] = (inputs, run)
    return _fuzz_run["value"]


def _fail_with_listing(what, inputs, rows, limit=12):
    """Fails listing the first failures, each with (the end of) its input."""
    if not rows:
        return
    lines = ["%d of %d inputs %s; the first:" % (len(rows), len(inputs), what)]
    for k, detail in rows[:limit]:
        lines.append("--- %s\n    input: %r" % (detail[:600], inputs[k][-300:]))
    pytest.fail("\n".join(lines), pytrace=False)


def test_enough_inputs(fuzz):
    inputs, _ = fuzz
    assert len(corpus()) >= 40
    assert len(inputs) >= MIN_INPUTS


def test_every_input_ran(fuzz):
    inputs, run = fuzz
    missed = [r.describe() for r in run.results if r.status == "not run"]
    if missed:
        pytest.fail("%d of %d inputs not run within the %g s budget: %s, ..." % (
            len(missed), len(inputs), RUN_BUDGET, "; ".join(missed[:3])), pytrace=False)


def test_no_input_hangs(fuzz):
    inputs, run = fuzz
    _fail_with_listing("hung", inputs, [(k, r.describe()) for k, r in enumerate(run.results) if r.status == "hang"])


def test_no_input_kills_the_process(fuzz):
    inputs, run = fuzz
    _fail_with_listing("killed the process", inputs,
                       [(k, r.describe()) for k, r in enumerate(run.results) if r.status == "died"])
    assert not run.exit_problems, run.exit_problems


def test_only_documented_exceptions(fuzz):
    inputs, run = fuzz
    rows = [(k, "%s: %s: %s" % (r.name, r.result["outcome"], r.result["message"]))
            for k, r in enumerate(run.results) if r.status == "ok" and not r.result["documented"]]
    rows += [(k, r.describe()) for k, r in enumerate(run.results) if r.status == "raised"]
    _fail_with_listing("raised an undocumented exception", inputs, rows)


def test_interpreter_works_after_every_input(fuzz):
    inputs, run = fuzz
    rows = [(k, "%s: %s, then: %s" % (r.name, r.result["outcome"], r.result["broken"]))
            for k, r in enumerate(run.results) if r.status == "ok" and r.result["broken"]]
    _fail_with_listing("left the interpreter unable to define and call a function", inputs, rows)


# ------------------------------------------------------- specific inputs

_HEADER_TWICE = r'''
import os, tempfile
fz_dir = tempfile.mkdtemp(prefix="fz_twice")
for fz_name in ("fz_unguarded", "fz_unguarded2"):
    with open(os.path.join(fz_dir, fz_name + ".h"), "w") as f:
        f.write("struct %s { int v; };\n" % fz_name)
cpplive.add_include_path(fz_dir)
'''

SPECIFIC = {
    "unclosed struct": "cpplive.cppdef('struct fz_A {')",
    "unclosed function": "cpplive.cppdef('void fz_foo() { int x = 5;')",
    "missing initializer": "cpplive.cppdef('namespace fz_v1 { int x = }')",
    "unclosed class template": "cpplive.cppdef('template<class T> struct fz_Z { T t; ')",
    "redefinition": "cpplive.cppdef('struct fz_RD {}; struct fz_RD {};')",
    "redefinition across inputs": "cpplive.cppdef('struct fz_RD2 {};') and cpplive.cppdef('struct fz_RD2 { int x; };')",
    "header twice": "cpplive.include('fz_unguarded.h') and cpplive.include('fz_unguarded.h')",
    "header twice in one input": "cpplive.cppdef('#include \"fz_unguarded2.h\"\\n#include \"fz_unguarded2.h\"\\n')",
}

_specific_run = {}


@pytest.fixture(scope="module")
def specific():
    if not _specific_run:
        steps = [(name, _step(1000 + k, action)) for k, (name, action) in enumerate(SPECIFIC.items())]
        _specific_run["value"] = child_runner.run_steps(steps, prelude=PRELUDE + _HEADER_TWICE, env=child_env(),
                                                        step_timeout=INPUT_TIMEOUT, workers=WORKERS)
    return _specific_run["value"]


@pytest.mark.parametrize("name", list(SPECIFIC))
def test_specific_input_is_a_syntax_error(specific, name):
    r = specific.results[list(SPECIFIC).index(name)]
    assert r.status == "ok", r.describe()
    got = r.result
    assert got["syntax_error"], got
    assert got["seconds"] < REJECT_WITHIN, got
    assert got["broken"] is None, got
