"""Real libraries: the cost of including one and of the first call into it,
cpplive vs cppyy, each sample in a fresh process.

For each library two rows (seconds):
  include       load_library (where it has one) + include of its headers
  first call    after the include: cppdef of a small function using the
                library, plus its first call (compiles what it instantiates)
                -- from the second sample on, cpplive reuses the code it
                compiled in the first (its compiled-code cache)
  first call, nothing reused
                the same with CPPLIVE_NO_CODE_CACHE=1: every run compiles
                as the first one does (cppyy is unaffected)

Libraries (Debian's packages: `make test` installs them): spdlog header-only
(with libfmt.so), spdlog with libspdlog.so, Eigen (header-only), fmt (with
libfmt.so).

Usage: .venv/bin/python bench/libraries.py [--repeat R]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402

# Each library: (name, set-up and include code, the first call's cppdef code,
# the Python expression calling it, the value expected).
LIBRARIES = [
    (
        "spdlog (header-only)",
        """
cx.load_library("libfmt.so")
cx.include("spdlog/spdlog.h")
cx.include("spdlog/sinks/ostream_sink.h")
""",
        r"""
#include <sstream>
std::string bench_log() {
    std::ostringstream out;
    spdlog::logger logger("bench", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger.set_pattern("[%l] %v");
    logger.info("{} + {} = {}", 1, 2, 3);
    return out.str();
}
""",
        "cx.gbl.bench_log()",
        "[info] 1 + 2 = 3\n",
    ),
    (
        "spdlog (libspdlog.so)",
        """
cx.cppdef("#define SPDLOG_COMPILED_LIB\\n#define SPDLOG_SHARED_LIB\\n")
cx.load_library("libfmt.so")
cx.load_library("libspdlog.so")
cx.include("spdlog/spdlog.h")
cx.include("spdlog/sinks/ostream_sink.h")
""",
        None,  # the same first call as the header-only row
        "cx.gbl.bench_log()",
        "[info] 1 + 2 = 3\n",
    ),
    (
        "Eigen",
        """
cx.add_include_path("/usr/include/eigen3")
cx.include("Eigen/Dense")
""",
        r"""
double bench_solve() {
    Eigen::MatrixXd a(3, 3);
    a << 2, 1, -1, -3, -1, 2, -2, 1, 2;
    Eigen::VectorXd b(3);
    b << 8, -11, -3;
    Eigen::MatrixXd p = a * a.inverse();
    return a.colPivHouseholderQr().solve(b)(0) + p.trace();
}
""",
        "round(cx.gbl.bench_solve(), 9)",
        5.0,
    ),
    (
        "fmt",
        """
cx.load_library("libfmt.so")
cx.include("fmt/format.h")
""",
        r"""
std::string bench_format(int a, int b) { return fmt::format("{} + {} = {}", a, b, a + b); }
""",
        "cx.gbl.bench_format(1, 2)",
        "1 + 2 = 3",
    ),
]

INCLUDE = """
import time
import CX_MODULE as cx
cx.cppdef("int bench_ready() { return 1; }")   # the interpreter is up
t0 = time.perf_counter()
SETUP
print(time.perf_counter() - t0)
"""

FIRST_CALL = """
import os, time
REUSE
import CX_MODULE as cx
SETUP
t0 = time.perf_counter()
cx.cppdef(CODE)
r = CALL
t1 = time.perf_counter()
assert r == EXPECTED, r
print(t1 - t0)
"""


def cases():
    out = []
    previous_code = None
    for name, setup, code, call, expected in LIBRARIES:
        code = code or previous_code
        previous_code = code
        first_call = (FIRST_CALL.replace("SETUP", setup).replace("CODE", repr(code))
                      .replace("CALL", call).replace("EXPECTED", repr(expected)))
        out.append(h.Case("%s: include" % name, INCLUDE.replace("SETUP", setup)))
        out.append(h.Case("%s: first call" % name, first_call.replace("REUSE", "")))
        out.append(h.Case("%s: first call, nothing reused" % name,
                          first_call.replace("REUSE", "os.environ['CPPLIVE_NO_CODE_CACHE'] = '1'")))
    return out


def main() -> None:
    args = h.arg_parser(__doc__.splitlines()[0]).parse_args()
    bks = h.backends()
    cs = cases()
    h.run_cases(cs, bks, args.repeat)
    h.print_table("real libraries", cs, bks, unit="s", fmt=".3f", repeat=args.repeat)


if __name__ == "__main__":
    main()
