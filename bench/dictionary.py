"""Precompiled dictionaries: generation, loading and calls, against the clang
backend and, when importable, cppyy (its `include` + `load_library`, and its
own genreflex dictionary).

A synthetic project of N classes with M methods each (`bp::C<i>::m<j>`,
defined in a library libbp.so) is written for each N. Rows per N:
  generate [s]               cpplive-genreflex | cppyy's genreflex + c++ (same selection, same -O)
  dictionary size [MB]       the library (cppyy: the library and its .pcm)
  import [s]                 `import cpplive` with CPPLIVE_BACKEND=dictionary | `import cppyy`
  start to first call [s]    import + load the dictionary + construct C0 + first call
  ... of the last class [s]  as above, using C<N-1> (loading cost follows use, not N)
  RSS after load+call [MB]   VmRSS of that process
  include + first call [s]   the clang backend: include bp.h + load libbp.so + first call | cppyy's
  per call [ns]              a bound method call in a loop, through the dictionary | through clang (cpplive)
The yaml-cpp case (when /usr/include/yaml-cpp exists) adds start-to-first-
call of YAML::Load through a dictionary of yaml-cpp.

Each runtime row is the median of --repeat fresh processes; generation is
measured once per N (it is minutes at N = 5000).

Usage: .venv/bin/python bench/dictionary.py [--sizes 100,1000,5000] [--methods 20] [--repeat R]
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402


def write_project(directory, classes, methods):
    header = ["#pragma once", "namespace bp {"]
    source = ['#include "bp.h"', "namespace bp {"]
    for i in range(classes):
        header.append("struct C%d {" % i)
        header.append("    C%d(int v = %d) : v(v) {}" % (i, i))
        for j in range(methods):
            header.append("    int m%d(int x) const;" % j)
            source.append("int C%d::m%d(int x) const { return v + x + %d; }" % (i, j, j))
        header.append("    int v;")
        header.append("};")
    header.append("}")
    source.append("}")
    with open(os.path.join(directory, "bp.h"), "w") as f:
        f.write("\n".join(header) + "\n")
    with open(os.path.join(directory, "bp.cxx"), "w") as f:
        f.write("\n".join(source) + "\n")
    with open(os.path.join(directory, "bp.xml"), "w") as f:
        f.write('<lcgdict>\n  <class pattern="bp::*"/>\n</lcgdict>\n')
    # The soname lets a dictionary's dependency on it be met by the copy
    # load_library loaded (no rpath, no LD_LIBRARY_PATH).
    subprocess.run(["c++", "-O2", "-fPIC", "-shared", "-Wl,-soname,libbp.so", "-o", os.path.join(directory, "libbp.so"),
                    os.path.join(directory, "bp.cxx")], check=True)


def timed(command, **kwargs):
    t0 = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - t0
    if run.returncode != 0:
        raise h.BenchError(h._short_error(run.stderr, run.stdout))
    return elapsed


def generate_cpplive(directory):
    genreflex = os.path.join(os.path.dirname(sys.executable), "cpplive-genreflex")
    return timed([genreflex, "bp.h", "-s", "bp.xml", "-o", "libbpDict.so", "-L", ".", "-l", "bp"], cwd=directory)


def generate_cppyy(directory, python):
    """cppyy's genreflex and the compile its test suite's Makefile does."""
    bindir = os.path.dirname(python)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    sub = os.path.join(directory, "cppyy")
    os.makedirs(sub, exist_ok=True)
    for name in ("bp.h", "bp.xml"):
        shutil.copy(os.path.join(directory, name), sub)
    t0 = time.perf_counter()
    timed([os.path.join(bindir, "genreflex"), "bp.h", "--selection=bp.xml", "--rootmap=bpDict.rootmap",
           "--rootmap-lib=libbpDict.so", "-o", "bp_rflx.cpp"], cwd=sub, env=env)
    flags = subprocess.run([os.path.join(bindir, "cling-config"), "--cppflags"], capture_output=True, text=True,
                           env=env).stdout.split()
    flags += subprocess.run([os.path.join(bindir, "genreflex"), "--cppflags"], capture_output=True, text=True,
                            env=env).stdout.split()
    timed(["c++", *flags, "-O2", "-fPIC", "-shared", "-o", "libbpDict.so", "bp_rflx.cpp", "-L..", "-lbp",
           "-Wl,-rpath," + directory], cwd=sub, env=env)
    return time.perf_counter() - t0


def size_mb(*paths):
    return sum(os.path.getsize(p) for p in paths if os.path.exists(p)) / 1e6


IMPORT = """
import os, time
os.environ["CPPLIVE_BACKEND"] = "dictionary"
t0 = time.perf_counter()
import CX_MODULE
print(time.perf_counter() - t0)
"""

# {dict} and {cls}: filled per N; the library path differs per module.
DICTIONARY_CALL = """
import os, time
os.environ["CPPLIVE_BACKEND"] = "dictionary"
t0 = time.perf_counter()
import CX_MODULE as cx
cx.load_library({lib!r})
cx.load_reflection_info({paths}["CX_MODULE"])
o = cx.gbl.bp.{cls}(3)
r = o.m1(1)
t = time.perf_counter() - t0
assert r == 5, r
print(t)
"""

RSS = DICTIONARY_CALL.replace("print(t)", """
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
""")

INCLUDE_CALL = """
import time
t0 = time.perf_counter()
import CX_MODULE as cx
cx.add_include_path({dir!r})
cx.include("bp.h")
cx.load_library({lib!r})
o = cx.gbl.bp.C0(3)
r = o.m1(1)
t = time.perf_counter() - t0
assert r == 5, r
print(t)
"""

PER_CALL = """
import os, time
{setup}
import CX_MODULE as cx
{load}
f = cx.gbl.bp.C0(3).m1
f(1)
n = 200000
t0 = time.perf_counter()
for _ in range(n):
    f(1)
print((time.perf_counter() - t0) / n * 1e9)
"""

YAML_CALL = """
import os, time
os.environ["CPPLIVE_BACKEND"] = "dictionary"
t0 = time.perf_counter()
import cpplive as cx
cx.load_reflection_info({lib!r})
n = cx.gbl.YAML.Load("a: 1")
r = getattr(n["a"], "as")[int]()
t = time.perf_counter() - t0
assert r == 1, r
print(t)
"""


def main():
    parser = h.arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="numbers of classes, comma-separated")
    parser.add_argument("--methods", type=int, default=20, help="methods per class")
    args = parser.parse_args()
    cpplive_backend, cppyy_backend = h.backends()
    root = tempfile.mkdtemp(prefix="cpplive-bench-dict-")
    for n in [int(s) for s in args.sizes.split(",")]:
        directory = os.path.join(root, "n%d" % n)
        os.makedirs(directory)
        write_project(directory, n, args.methods)
        rows = []
        gen = {}
        try:
            gen["cpplive"] = generate_cpplive(directory)
        except h.BenchError as e:
            gen["cpplive"] = "error: " + str(e)[:60]
        if cppyy_backend.python:
            try:
                gen["cppyy"] = generate_cppyy(directory, cppyy_backend.python)
            except (h.BenchError, OSError) as e:
                gen["cppyy"] = "error: " + str(e)[:60]
        lib = os.path.join(directory, "libbp.so")
        paths = {"cpplive": os.path.join(directory, "libbpDict.so"),
                 "cppyy": os.path.join(directory, "cppyy", "libbpDict.so")}
        sizes = {"cpplive": size_mb(paths["cpplive"]),
                 "cppyy": size_mb(paths["cppyy"], os.path.join(directory, "cppyy", "bp_rflx_rdict.pcm"))}
        cases = [
            h.Case("import", IMPORT),
            h.Case("start to first call (C0)", DICTIONARY_CALL.format(paths=paths, lib=lib, cls="C0")),
            h.Case("start to first call (C%d)" % (n - 1), DICTIONARY_CALL.format(paths=paths, lib=lib, cls="C%d" % (n - 1))),
            h.Case("RSS after load + call [MB]", RSS.format(paths=paths, lib=lib, cls="C0")),
            h.Case("include + load_library + first call (clang | cppyy)",
                   INCLUDE_CALL.format(dir=directory, lib=os.path.join(directory, "libbp.so"))),
            h.Case("per call through the dictionary [ns]",
                   PER_CALL.format(setup='os.environ["CPPLIVE_BACKEND"] = "dictionary"',
                                   load="cx.load_library(%r); cx.load_reflection_info(%r[\"CX_MODULE\"])" % (lib, paths))),
        ]
        clang_call = h.Case("per call through clang [ns] (cpplive only)",
                            PER_CALL.format(setup="", load="cx.add_include_path(%r); cx.include('bp.h'); cx.load_library(%r)"
                                            % (directory, os.path.join(directory, "libbp.so"))))
        h.run_cases(cases, (cpplive_backend, cppyy_backend), args.repeat)
        h.run_cases([clang_call], (cpplive_backend,), args.repeat)
        print("\nN = %d classes x %d methods (generation: one run)" % (n, args.methods))

        def cell(value, fmt):
            return value if isinstance(value, str) else format(value, fmt) if value is not None else "-"
        print("  generate [s]: cpplive %s | cppyy %s" % (cell(gen.get("cpplive"), ".1f"), cell(gen.get("cppyy"), ".1f")))
        print("  dictionary size [MB]: cpplive %.2f | cppyy %.2f" % (sizes["cpplive"], sizes["cppyy"]))
        h.print_table("runtime, N = %d" % n, cases + [clang_call], (cpplive_backend, cppyy_backend), unit="s|MB|ns",
                      fmt=".4g", repeat=args.repeat)
    yaml = "/usr/include/yaml-cpp/yaml.h"
    if os.path.exists(yaml):
        directory = os.path.join(root, "yaml")
        os.makedirs(directory)
        genreflex = os.path.join(os.path.dirname(sys.executable), "cpplive-genreflex")
        try:
            with open(os.path.join(directory, "sel.xml"), "w") as f:
                f.write('<lcgdict>\n  <class pattern="YAML::*"/>\n  <function pattern="YAML::*"/>\n'
                        '  <enum pattern="YAML::*"/>\n</lcgdict>\n')
            generated = timed([genreflex, yaml, "-s", "sel.xml", "-o", "libyamlDict.so", "-l", "yaml-cpp"], cwd=directory)
            times = []
            for _ in range(args.repeat):
                times.append(h.run_once(cpplive_backend, YAML_CALL.format(lib=os.path.join(directory, "libyamlDict.so"))))
            print("\nyaml-cpp: generate %.1f s, %.2f MB; start to first YAML::Load %.4f s (median of %d)"
                  % (generated, size_mb(os.path.join(directory, "libyamlDict.so")), statistics.median(times), args.repeat))
        except h.BenchError as e:
            print("\nyaml-cpp: error: %s" % e)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
