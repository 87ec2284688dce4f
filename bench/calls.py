"""Per-call overhead of cpplive vs cppyy, in nanoseconds per loop iteration.

Each sample is a fresh process that cppdef's the bench_* declarations, binds
the callable/object to a local variable, warms up with 20,000 iterations and
then times `for _ in range(n): <stmt>` with time.perf_counter.  Nothing is
subtracted: the Python loop overhead is included in every row; the
"empty loop" row shows it for reference.

Usage: .venv/bin/python bench/calls.py [--n N] [--repeat R]
"""

import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402

WARMUP = 20_000

DECLS = r"""
#include <string>
#include <vector>

struct bench_S {
    int x;
    int y;
    void m() {}
    int mi(int a) { return a + x; }
};

int bench_f(int x) { return x + 1; }
void bench_void() {}
double bench_g(double x) { return x * 2.0; }
int bench_h(bench_S s) { return s.x + s.y; }
int bench_href(const bench_S& s) { return s.x + s.y; }

int bench_add_it(int) { return 1; }
int bench_add_it(long) { return 2; }
int bench_add_it(short) { return 3; }
int bench_add_it(float) { return 4; }
int bench_add_it(double) { return 5; }
int bench_add_it(const char*) { return 6; }
int bench_add_it(const std::string&) { return 7; }
"""

# (row name, setup lines run once inside the timed function, loop statement).
# Setup may assert that the statement does what the row claims.
ROWS = [
    ("empty loop (reference)", "", "pass"),
    ("int f(int) free call", "f = g.bench_f\nassert f(1) == 2", "f(1)"),
    ("void f() empty free call", "f = g.bench_void", "f()"),
    ("o.m() empty member call", "o = g.bench_S()", "o.m()"),
    ("o.mi(int) member call", "o = g.bench_S()\no.x = 1\nassert o.mi(1) == 2", "o.mi(1)"),
    ("double g(double) free call", "f = g.bench_g\nassert f(1.5) == 3.0", "f(1.5)"),
    (
        "int h(S) struct by value",
        "s = g.bench_S()\ns.x = 1\ns.y = 2\nf = g.bench_h\nassert f(s) == 3",
        "f(s)",
    ),
    (
        "int h(const S&) struct by const&",
        "s = g.bench_S()\ns.x = 1\ns.y = 2\nf = g.bench_href\nassert f(s) == 3",
        "f(s)",
    ),
    (
        "add_it(1.5), 7 overloads -> (double)",
        "f = g.bench_add_it\nassert f(1.5) == 5, 'picked overload %r, not double' % f(1.5)",
        "f(1.5)",
    ),
    ("S() construct + destroy", "S = g.bench_S", "S()"),
    ("o.x data member get", "o = g.bench_S()\no.x = 7\nassert o.x == 7", "o.x"),
    ("o.x = 1 data member set", "o = g.bench_S()", "o.x = 1"),
    # CPython's own C-level member descriptors, through the same generic
    # attribute path a proxy's data member takes: the floor for the two
    # rows above (no C++ involved; both columns run the same code).
    ("  floor: s.start on a slice (reference)", "s = slice(7, 8)", "s.start"),
    ("  floor: f.__doc__ = None (reference)", "def f(): pass", "f.__doc__ = None"),
    (
        "v[5] on std::vector<int>(100)",
        "v = g.std.vector[int]()\nfor i in range(100): v.push_back(i)\nassert len(v) == 100 and v[5] == 5",
        "v[5]",
    ),
]

TEMPLATE = """
import time
import CX_MODULE as cx
cx.cppdef({decls!r})
g = cx.gbl

def bench(n):
{setup}
    for _ in range({warmup}):
        {stmt}
    t0 = time.perf_counter()
    for _ in range(n):
        {stmt}
    t1 = time.perf_counter()
    return (t1 - t0) / n * 1e9

print(bench({n}))
"""


def make_code(setup: str, stmt: str, n: int) -> str:
    setup = textwrap.indent(setup, "    ") if setup.strip() else "    pass"
    return TEMPLATE.format(decls=DECLS, setup=setup, stmt=stmt, warmup=WARMUP, n=n)


def main() -> None:
    p = h.arg_parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="timed iterations per run (default 1,000,000)")
    args = p.parse_args()
    bks = h.backends()
    cases = [h.Case(name, make_code(setup, stmt, args.n)) for name, setup, stmt in ROWS]
    h.run_cases(cases, bks, args.repeat)
    h.print_table(
        f"per-call cost, n={args.n:,} (loop overhead included, nothing subtracted)",
        cases,
        bks,
        unit="ns/call",
        fmt=".1f",
        repeat=args.repeat,
    )


if __name__ == "__main__":
    main()
