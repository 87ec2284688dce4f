"""Helpers shared by the cpplive end-to-end tests (imported by conftest.py
and by the test modules; the directory is put on sys.path by conftest.py).

Reference mode: ``CPPLIVE_TEST_WITH_CPPYY=1`` runs the suite against cppyy
(the reference implementation whose API cpplive follows) by aliasing
``cppyy`` as ``cpplive``.  Tests of cpplive-only behaviour are marked
``@cpplive_only`` and are skipped in that mode.
"""
import importlib.abc
import importlib.util
import itertools
import os
import signal
import subprocess
import sys

import pytest

WITH_CPPYY = os.environ.get("CPPLIVE_TEST_WITH_CPPYY", "") not in ("", "0")

# Exceptions accepted for an out-of-range integer argument.  The cpplive spec
# says OverflowError or TypeError; cppyy raises ValueError in some cases
# (e.g. a negative value to an unsigned parameter).
INT_RANGE_ERRORS = (OverflowError, TypeError) + ((ValueError,) if WITH_CPPYY else ())

# Exceptions accepted for a missing shared library.  The cpplive spec says
# OSError (ImportError acceptable); cppyy raises RuntimeError.
MISSING_LIBRARY_ERRORS = (OSError, ImportError) + ((RuntimeError,) if WITH_CPPYY else ())

cpplive_only = pytest.mark.skipif(
    WITH_CPPYY, reason="asserts cpplive-specific behaviour (not in cppyy)")

_counter = itertools.count(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINDINGS_PYTHON = os.path.join(ROOT, "bindings", "python")

# Directories added to sys.path by setup_cpplive_path(); subprocess-based
# tests pass them on through PYTHONPATH.
EXTRA_PYTHONPATH = []


def setup_cpplive_path():
    """If cpplive is not importable (not installed), fall back to the in-tree
    package at bindings/python (where an in-place build puts the extension)."""
    if WITH_CPPYY:
        return
    if importlib.util.find_spec("cpplive") is not None:
        return
    if os.path.isdir(os.path.join(BINDINGS_PYTHON, "cpplive")):
        sys.path.insert(0, BINDINGS_PYTHON)
        EXTRA_PYTHONPATH.append(BINDINGS_PYTHON)


def run_python(code, timeout=600, **env_extra):
    """Runs `code` in a fresh interpreter (for behaviour that needs its own
    process, or that could crash or hang) and returns its stdout. A crash,
    a non-zero exit or running past `timeout` seconds fails the test, with
    the child's output."""
    env = dict(os.environ)
    if EXTRA_PYTHONPATH:
        env["PYTHONPATH"] = os.pathsep.join(EXTRA_PYTHONPATH + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(env_extra)
    if WITH_CPPYY:
        code = "import sys, cppyy\nsys.modules['cpplive'] = cppyy\n" + code
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        pytest.fail("child did not finish within %ss\nstdout:\n%s\nstderr:\n%s" % (timeout, text(e.stdout)[-4000:], text(e.stderr)[-4000:]))
    if proc.returncode < 0:
        how = "killed by %s" % signal.Signals(-proc.returncode).name
    else:
        how = "exit status %d" % proc.returncode
    assert proc.returncode == 0, "child failed (%s)\nstdout:\n%s\nstderr:\n%s" % (how, proc.stdout[-4000:], proc.stderr[-4000:])
    return proc.stdout


def next_uid(prefix="u"):
    """Return a process-unique identifier usable as a C++ name."""
    return "%s_%d" % (prefix, next(_counter))


class _CppyyAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``import cpplive.gbl...`` resolve to the ``cppyy.gbl...`` objects
    that cppyy registers in sys.modules (reference mode only)."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("cpplive."):
            return None
        if "cppyy." + fullname[len("cpplive."):] not in sys.modules:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        mod = sys.modules["cppyy." + spec.name[len("cpplive."):]]
        _make_package(mod)
        return mod

    def exec_module(self, module):
        pass


def _make_package(mod):
    # The import system only asks meta-path finders for "a.b.c" when "a.b"
    # has a __path__; cppyy's namespace proxies have none.
    for attr, value in (("__path__", []), ("__spec__", None)):
        try:
            if getattr(mod, attr, None) is None:
                setattr(mod, attr, value)
        except (AttributeError, TypeError):
            pass


_aliased = False


def install_cppyy_alias():
    """In reference mode, make ``import cpplive`` give cppyy."""
    global _aliased
    if not WITH_CPPYY or _aliased:
        return
    import cppyy

    sys.modules["cpplive"] = cppyy
    sys.modules["cpplive.gbl"] = cppyy.gbl
    _make_package(cppyy.gbl)
    sys.meta_path.insert(0, _CppyyAliasFinder())
    _aliased = True
