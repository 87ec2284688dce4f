"""Startup costs of cpplive vs cppyy, each sample in a fresh process.

Rows (seconds):
  import            time of `import <module>` (perf_counter inside the child)
  first cppdef+call after the import: cppdef of a one-line function + its first call
  first vector      after the import: std.vector[int]().push_back(1) (includes instantiation)
  process wall      parent-measured wall time of a child doing import + cppdef + call

Usage: .venv/bin/python bench/startup.py [--repeat R]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402

SNIPPET = "int bench_f(int x) { return x + 1; }"

IMPORT = """
import time
t0 = time.perf_counter()
import CX_MODULE as cx
print(time.perf_counter() - t0)
"""

FIRST_CPPDEF = f"""
import time
import CX_MODULE as cx
t0 = time.perf_counter()
cx.cppdef({SNIPPET!r})
r = cx.gbl.bench_f(1)
t1 = time.perf_counter()
assert r == 2, r
print(t1 - t0)
"""

FIRST_VECTOR = """
import time
import CX_MODULE as cx
t0 = time.perf_counter()
v = cx.gbl.std.vector[int]()
v.push_back(1)
t1 = time.perf_counter()
assert len(v) == 1 and v[0] == 1
print(t1 - t0)
"""

WALL = f"""
import CX_MODULE as cx
cx.cppdef({SNIPPET!r})
assert cx.gbl.bench_f(1) == 2
"""


def main() -> None:
    args = h.arg_parser(__doc__.splitlines()[0]).parse_args()
    bks = h.backends()
    cases = [
        h.Case("import", IMPORT),
        h.Case("first cppdef + call (after import)", FIRST_CPPDEF),
        h.Case("first vector[int]().push_back(1) (after import)", FIRST_VECTOR),
        h.Case("process wall: import+cppdef+call", WALL, mode="wall"),
    ]
    h.run_cases(cases, bks, args.repeat)
    h.print_table("startup", cases, bks, unit="s", fmt=".4f", repeat=args.repeat)


if __name__ == "__main__":
    main()
