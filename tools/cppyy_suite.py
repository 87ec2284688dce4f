#!/usr/bin/env python3
"""Runs cppyy's upstream test suite (wlav/cppyy, test/) against cpplive's
cppyy-compatible module, or against cppyy itself for comparison.

    .venv/bin/python tools/cppyy_suite.py                   # every file but test_numba.py
    .venv/bin/python tools/cppyy_suite.py test_datatypes -k test01
    .venv/bin/python tools/cppyy_suite.py --json cpplive.json
    tools/cppyy_suite.py --python /path/to/cppyy-venv/bin/python --json cppyy.json
    tools/cppyy_suite.py --compare cppyy.json              # side by side with an earlier run

The suite's test/ directory is extracted (at a pinned commit) from a cppyy
git repository (--source: a clone, a bare git directory, or a directory
holding test/; by default $CPPYY_SOURCE, else a shallow fetch from GitHub)
into a work directory outside the checkout (--workdir; by default under the
user cache directory). Nothing of the suite is kept in this repository.

Each test file runs in its own pytest process, with the interpreter given by
--python (default: the one running this script). For cpplive, a
sitecustomize.py on PYTHONPATH calls cpplive.cppyy.install(), the documented
way to make `import cppyy` give cpplive.cppyy, and the suite's Makefile is
replaced by one that compiles each X.cxx into XDict.so with the system C++
compiler; `cppyy.load_reflection_info("XDict")` then loads it and includes
X.h. For cppyy itself (chosen automatically when the interpreter has cppyy
and no cpplive, or with --impl cppyy) the upstream Makefile runs genreflex
from the interpreter's bin directory.

A crash or a hang (no test finished within --timeout seconds) counts as a
crashed test; the file then continues in a fresh process from the next
test, so that one crash costs one test.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

# The commit of wlav/cppyy whose test/ directory this runs (its test_*.py
# files outside test_numba.py hold 524 tests).
DEFAULT_REV = "a3bd17f45b42689c2504a514ea0397b2eeb63a5d"
UPSTREAM_URL = "https://github.com/wlav/cppyy.git"
EXCLUDED = ("test_numba.py",)
OUTCOMES = ("passed", "failed", "error", "skipped", "crashed")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Records each test's start and every phase's report, one JSON object per
# line, flushed at once, so that the runner knows how far a process got
# when it crashed or hung.
PLUGIN = '''\
import json
import os

_log = open(os.environ["CPPYY_SUITE_LOG"], "a", buffering=1)


def _emit(**record):
    _log.write(json.dumps(record) + "\\n")
    _log.flush()


def _message(report):
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):          # a skip: (path, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and crash.message:
        return crash.message
    text = str(longrepr).strip().splitlines()
    return text[-1] if text else ""


def pytest_collection_finish(session):
    _emit(event="collected", ids=[item.nodeid for item in session.items])


def pytest_collectreport(report):
    if report.failed:
        _emit(event="collect_error", id=report.nodeid, message=_message(report)[:2000])


def pytest_runtest_logstart(nodeid, location):
    _emit(event="start", id=nodeid)


def pytest_runtest_logreport(report):
    _emit(event="report", id=report.nodeid, when=report.when, outcome=report.outcome,
          xfail=hasattr(report, "wasxfail"), message=_message(report)[:2000] if not report.passed else "")
'''

# The README's way of making `import cppyy` give cpplive.cppyy.
SITECUSTOMIZE = '''\
import cpplive.cppyy
cpplive.cppyy.install()
'''

# Replaces the suite's Makefile for cpplive: cpplive-genreflex makes each
# dictionary (the compiled .cxx and an autoload map naming what the
# selection file selects), as genreflex and the compiler do upstream.
MAKEFILE = '''\
PYTHON_INCLUDE ?= @PYTHON_INCLUDE@
%Dict.so: %.cxx %.h %.xml Makefile
\t@PYTHON@ -m cpplive.genreflex $*.h $*.cxx --selection=$*.xml -o $@ --rootmap=$*Dict.rootmap --rootmap-lib=$@ --allow-missing -I. -I$(PYTHON_INCLUDE) --cxxflags=-Wno-register
'''


def user_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cpplive", "cppyy-suite")


def probe(python):
    """Which of cpplive and cppyy `python` can import."""
    code = textwrap.dedent('''\
        import importlib.util, json
        print(json.dumps({n: importlib.util.find_spec(n) is not None for n in ("cpplive", "cppyy")}))
        ''')
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=child_env(python, None, []))
    if out.returncode != 0:
        sys.exit("cannot run %s: %s" % (python, out.stderr.strip()))
    return json.loads(out.stdout)


def child_env(python, impl, pythonpath):
    env = dict(os.environ)
    paths = list(pythonpath)
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop("PYTHONPATH", None)
    bindir = os.path.dirname(os.path.abspath(python))
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")   # genreflex, cling-config of a cppyy venv
    env.pop("PYTEST_ADDOPTS", None)
    return env


# ------------------------------------------------------------------ the suite's files

def git(gitdir, *args, **kwargs):
    return subprocess.run(["git", "--git-dir", gitdir] + list(args), check=True, **kwargs)


def find_git_dir(source):
    for candidate in (os.path.join(source, ".git"), source):
        if os.path.isfile(os.path.join(candidate, "HEAD")) and os.path.isdir(os.path.join(candidate, "objects")):
            return candidate
    return None


def source_git_dir(source, rev, cache):
    """A git directory holding `rev`: `source` itself, or a shallow fetch of
    it from GitHub into the cache."""
    if source:
        gitdir = find_git_dir(source)
        return gitdir
    gitdir = os.path.join(cache, "cppyy.git")
    if not os.path.isdir(gitdir):
        subprocess.run(["git", "init", "-q", "--bare", gitdir], check=True)
    have = subprocess.run(["git", "--git-dir", gitdir, "cat-file", "-e", rev + "^{commit}"], capture_output=True)
    if have.returncode != 0:
        print("fetching %s %s" % (UPSTREAM_URL, rev), file=sys.stderr)
        git(gitdir, "fetch", "-q", "--depth", "1", UPSTREAM_URL, rev)
    return gitdir


def extract_suite(args, workdir):
    """workdir/test: the suite at args.rev (re-extracted when the commit
    changed; the dictionaries built before stay when their inputs did not)."""
    testdir = os.path.join(workdir, "test")
    stamp = os.path.join(workdir, "source-rev")
    gitdir = source_git_dir(args.source, args.rev, os.path.dirname(workdir))
    if gitdir is None:
        # A plain directory holding test/.
        src = os.path.join(args.source, "test")
        if not os.path.isdir(src):
            sys.exit("%s is neither a git repository nor a directory with test/" % args.source)
        shutil.copytree(src, testdir, dirs_exist_ok=True)
        return testdir, "directory " + os.path.abspath(args.source)
    commit = git(gitdir, "rev-parse", args.rev + "^{commit}", capture_output=True, text=True).stdout.strip()
    if not (os.path.isdir(testdir) and open(stamp).read().strip() == commit if os.path.exists(stamp) else False):
        os.makedirs(workdir, exist_ok=True)
        archive = git(gitdir, "archive", commit, "test", capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", workdir], input=archive, check=True)
        with open(stamp, "w") as f:
            f.write(commit + "\n")
    return testdir, commit


def prepare(testdir, impl, python, pythonpath, jobs):
    """Support files next to the tests, and every dictionary built up front
    (a build failure then shows once, and not as a time-out)."""
    site = os.path.join(os.path.dirname(testdir), "site")
    os.makedirs(site, exist_ok=True)
    with open(os.path.join(site, "cppyy_suite_plugin.py"), "w") as f:
        f.write(PLUGIN)
    custom = os.path.join(site, "sitecustomize.py")
    if impl == "cpplive":
        with open(custom, "w") as f:
            f.write(SITECUSTOMIZE)
    elif os.path.exists(custom):
        os.remove(custom)
    include = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_config_var('INCLUDEPY'))"],
                             capture_output=True, text=True, env=child_env(python, impl, [])).stdout.strip()
    makefile = os.path.join(testdir, "Makefile")
    upstream = os.path.join(testdir, "Makefile.upstream")
    if not os.path.exists(upstream):
        shutil.copy(makefile, upstream)
    if impl == "cpplive":
        with open(makefile, "w") as f:
            f.write(MAKEFILE.replace("@PYTHON_INCLUDE@", include).replace("@PYTHON@", python))
    else:
        shutil.copy(upstream, makefile)
    dicts = sorted(set(re.findall(r"\b\w+Dict\.so\b", open(upstream).read().split("all :")[0])))
    env = child_env(python, impl, [site] + pythonpath)
    env.setdefault("CXX", shutil.which("g++") or shutil.which("clang++-19") or "c++")
    build = subprocess.run(["make", "-j", str(jobs), "-k"] + dicts, cwd=testdir, env=env,
                           capture_output=True, text=True)
    if build.returncode != 0:
        print("warning: some dictionaries did not build:\n" + build.stdout[-3000:] + build.stderr[-3000:],
              file=sys.stderr)
    return site


# ------------------------------------------------------------------ running one file

def read_log(path):
    records = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass        # a line cut by a crash
    return records


def outcome_of(reports):
    """One test's outcome from its phase reports (setup, call, teardown)."""
    by_phase = {r["when"]: r for r in reports}
    for when in ("setup", "call", "teardown"):
        r = by_phase.get(when)
        if r is None:
            continue
        if r["outcome"] == "skipped":
            return ("skipped", "xfail: " + r["message"] if r["xfail"] else r["message"])
        if r["outcome"] == "failed":
            return ("failed" if when == "call" else "error", ("%s: " % when if when != "call" else "") + r["message"])
    return ("passed", "")


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_file(fname, testdir, python, env, extra_args, timeout, logdir):
    """{test id: (outcome, first line)} for one test file, restarting after
    a crash or a hang; plus a file-level note (collection errors)."""
    results = {}
    collected = None
    notes = []
    attempt = 0
    while True:
        attempt += 1
        log = os.path.join(logdir, "%s.%d.jsonl" % (fname, attempt))
        if os.path.exists(log):
            os.remove(log)
        deselect = []
        for tid in results:
            deselect += ["--deselect", tid]
        cmd = [python, "-m", "pytest", fname, "-p", "cppyy_suite_plugin", "-p", "no:cacheprovider", "-q",
               "-o", "addopts=", "--tb=no", "--no-header", "-rN"] + extra_args + deselect
        env = dict(env, CPPYY_SUITE_LOG=log)
        with open(os.path.join(logdir, "%s.%d.out" % (fname, attempt)), "w") as out:
            proc = subprocess.Popen(cmd, cwd=testdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            last_size, last_progress, hung = -1, time.monotonic(), False
            while proc.poll() is None:
                time.sleep(0.2)
                size = os.path.getsize(log) if os.path.exists(log) else 0
                now = time.monotonic()
                if size != last_size:
                    last_size, last_progress = size, now
                elif now - last_progress > timeout:
                    hung = True
                    kill_group(proc)
                    break
        rc = proc.returncode
        records = read_log(log)
        reports, started = {}, []
        for r in records:
            if r["event"] == "collected" and collected is None:
                collected = r["ids"]
            elif r["event"] == "collect_error":
                notes.append("collection error %s: %s" % (r["id"], first_line(r["message"])))
            elif r["event"] == "start":
                started.append(r["id"])
            elif r["event"] == "report":
                reports.setdefault(r["id"], []).append(r)
        for tid, reps in reports.items():
            if any(r["when"] == "teardown" for r in reps) or tid not in started:
                results[tid] = outcome_of(reps)
        unfinished = [t for t in started if t not in results]
        clean_exit = not hung and rc in (0, 1, 5)      # all passed, some failed, none collected
        if clean_exit and not unfinished:
            if collected is None and rc not in (0, 5):
                notes.append("pytest exited with %s before collecting (see %s)" % (rc, out.name))
            break
        why = "hang: no test finished within %ds" % timeout if hung else describe_exit(rc)
        if unfinished:
            results[unfinished[-1]] = ("crashed", why)
            for tid in unfinished[:-1]:
                results[tid] = ("crashed", why)
        elif collected is None or not clean_exit:
            # Died before or between tests (collection, module set-up, exit).
            pending = [t for t in (collected or []) if t not in results]
            if not pending:
                notes.append("process ended with %s outside any test" % why)
                break
            results[pending[0]] = ("crashed", why + " (between tests)")
        if collected is not None and all(t in results for t in collected):
            break
        if attempt > 200:
            notes.append("gave up after %d restarts" % attempt)
            break
    return results, collected or [], notes


def first_line(text):
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def describe_exit(rc):
    if rc is None:
        return "killed"
    if rc < 0:
        try:
            return "crash: %s" % signal.Signals(-rc).name
        except ValueError:
            return "crash: signal %d" % -rc
    return "exit status %d" % rc


# ------------------------------------------------------------------ reporting

def counts(results):
    c = dict.fromkeys(OUTCOMES, 0)
    for outcome, _ in results.values():
        c[outcome] += 1
    return c


def print_table(files, other=None, other_label="other"):
    cols = ("passed", "failed", "error", "skipped", "crashed")
    head = "%-26s" % "file" + "".join("%8s" % c for c in cols) + "%8s" % "total" + "%9s" % "time"
    if other:
        head += "   | %s passed / total" % other_label
    print(head)
    print("-" * len(head))
    total = dict.fromkeys(cols, 0)
    other_total = [0, 0]
    wall = 0.0
    for fname in sorted(files):
        info = files[fname]
        c = info["counts"]
        n = sum(c.values())
        for k in cols:
            total[k] += c[k]
        wall += info["seconds"]
        line = "%-26s" % fname + "".join("%8d" % c[k] for k in cols) + "%8d" % n + "%8.0fs" % info["seconds"]
        if other:
            o = other.get(fname)
            if o:
                on = sum(o["counts"].values())
                other_total[0] += o["counts"]["passed"]
                other_total[1] += on
                line += "   | %6d / %d" % (o["counts"]["passed"], on)
        print(line)
    print("-" * len(head))
    n = sum(total.values())
    line = "%-26s" % "total" + "".join("%8d" % total[k] for k in cols) + "%8d" % n + "%8.0fs" % wall
    if other:
        line += "   | %6d / %d" % tuple(other_total)
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="test files to run (test_datatypes or test_datatypes.py); default all")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression, for rerunning a subset")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run the suite with")
    parser.add_argument("--impl", choices=("auto", "cpplive", "cppyy"), default="auto",
                        help="what `import cppyy` gives: cpplive.cppyy (via sitecustomize) or cppyy itself")
    parser.add_argument("--source", default=os.environ.get("CPPYY_SOURCE"),
                        help="a cppyy git checkout, bare git directory, or directory with test/ "
                             "(default $CPPYY_SOURCE, else fetched from GitHub)")
    parser.add_argument("--rev", default=DEFAULT_REV, help="the commit whose test/ to run (default %(default)s)")
    parser.add_argument("--workdir", help="where the suite is extracted and built (default: under ~/.cache)")
    parser.add_argument("--pythonpath", action="append", default=[],
                        help="a directory to put first on the children's PYTHONPATH (repeatable)")
    parser.add_argument("--no-checkout-path", action="store_true",
                        help="do not put this checkout's bindings/python on PYTHONPATH even when it holds a build")
    parser.add_argument("--timeout", type=float, default=300, help="seconds without a finished test before a hang")
    parser.add_argument("--jobs", type=int, default=2, help="parallel dictionary builds")
    parser.add_argument("--json", help="write per-file counts and per-test outcomes here")
    parser.add_argument("--compare", help="a JSON file of an earlier run (e.g. cppyy's) to show side by side")
    parser.add_argument("--failures", action="store_true", help="list every test that did not pass")
    args = parser.parse_args()

    python = os.path.abspath(args.python) if os.sep in args.python else shutil.which(args.python)
    pythonpath = [os.path.abspath(p) for p in args.pythonpath]
    in_tree = os.path.join(REPO_ROOT, "bindings", "python")
    impl = args.impl
    if impl == "auto":
        have = probe(python)
        impl = "cpplive" if have["cpplive"] else "cppyy" if have["cppyy"] else None
        if impl is None:
            sys.exit("%s imports neither cpplive nor cppyy" % python)
    if impl == "cpplive" and not args.no_checkout_path:
        # This checkout's Python package, when its extension is built in place.
        pkg = os.path.join(in_tree, "cpplive")
        if os.path.isdir(pkg) and any(n.startswith("_cpplive") and n.endswith(".so") for n in os.listdir(pkg)):
            pythonpath.append(in_tree)

    workdir = os.path.abspath(args.workdir) if args.workdir else os.path.join(user_cache_dir(), impl)
    testdir, commit = extract_suite(args, workdir)
    site = prepare(testdir, impl, python, pythonpath, args.jobs)
    env = child_env(python, impl, [site] + pythonpath)

    available = sorted(n for n in os.listdir(testdir) if n.startswith("test_") and n.endswith(".py"))
    if args.files:
        wanted = [f if f.endswith(".py") else f + ".py" for f in (os.path.basename(f) for f in args.files)]
        missing = [f for f in wanted if f not in available]
        if missing:
            sys.exit("no such test file: %s" % ", ".join(missing))
    else:
        wanted = [f for f in available if f not in EXCLUDED]
    extra = ["-k", args.keyword] if args.keyword else []

    logdir = tempfile.mkdtemp(prefix="logs-", dir=workdir)
    print("%s: %s (%s), suite %s, work directory %s" % (impl, python, os.pathsep.join(pythonpath) or "installed",
                                                      commit[:12], workdir), file=sys.stderr)
    files, tests = {}, {}
    for fname in wanted:
        start = time.monotonic()
        results, collected, notes = run_file(fname, testdir, python, env, extra, args.timeout, logdir)
        seconds = time.monotonic() - start
        files[fname] = {"counts": counts(results), "seconds": round(seconds, 1), "notes": notes}
        for tid in collected + [t for t in results if t not in collected]:
            if tid in results:
                outcome, message = results[tid]
                tests[tid] = {"outcome": outcome, "message": first_line(message)}
                if "\n" in message:
                    tests[tid]["detail"] = message
        c = files[fname]["counts"]
        print("%-26s %s  %.0fs%s" % (fname, " ".join("%s %d" % (k, c[k]) for k in OUTCOMES if c[k]), seconds,
                                    "".join("\n    " + n for n in notes)), file=sys.stderr)

    other, other_label = None, None
    if args.compare:
        with open(args.compare) as f:
            data = json.load(f)
        other, other_label = data["files"], data.get("impl", "other")
    print()
    print("%s, cppyy suite %s, %s" % (impl, commit[:12], python))
    print_table(files, other, other_label)
    if args.failures:
        print()
        for tid, t in tests.items():
            if t["outcome"] not in ("passed", "skipped"):
                print("%-8s %s: %s" % (t["outcome"], tid, t["message"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"impl": impl, "python": python, "suite": commit, "files": files, "tests": tests}, f, indent=1)
    print("logs: %s" % logdir, file=sys.stderr)


if __name__ == "__main__":
    main()
