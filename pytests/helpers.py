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
import subprocess
import sys

import pytest

from child_runner import exit_description

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


def run_python(code, timeout=120, python_args=(), **env_extra):
    """Runs `code` in a fresh Python process, so that a crash or a hang fails
    one test instead of ending the run; returns the CompletedProcess (a
    time-out raises subprocess.TimeoutExpired, which fails the test)."""
    env = dict(os.environ)
    paths = list(EXTRA_PYTHONPATH)
    if WITH_CPPYY:
        paths.append(os.path.dirname(os.path.abspath(__file__)))
        code = "import helpers\nhelpers.install_cppyy_alias()\n" + code
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(env_extra)
    return subprocess.run([sys.executable, *python_args, "-c", code], env=env,
                          capture_output=True, text=True, timeout=timeout)


def run_child(code, timeout=300):
    """`run_python` with a longer time limit, for suites of cases run in one
    child."""
    return run_python(code, timeout=timeout)


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


HERE = os.path.dirname(os.path.abspath(__file__))


def child_env(**extra):
    """The environment for a child Python that imports cpplive (and, in
    reference mode, this directory's helpers for the cppyy alias)."""
    env = dict(os.environ)
    paths = EXTRA_PYTHONPATH + [HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


# The first lines of a child's code: `import cpplive` gives cppyy in
# reference mode.
CHILD_IMPORT = ("import helpers\nhelpers.install_cppyy_alias()\nimport cpplive\n" if WITH_CPPYY
                else "import cpplive\n")


def run_python_ok(code, timeout, **env_extra):
    """Runs ``code`` in a fresh Python and returns its stdout.  A hang (no
    end after ``timeout`` seconds), a death or a failure fails the calling
    test, saying which and with the child's output."""
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=child_env(**env_extra),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail("child hung: no end after %g s\nstdout:\n%s\nstderr:\n%s"
                    % (timeout, _text(e.stdout), _text(e.stderr)), pytrace=False)
    if proc.returncode != 0:
        pytest.fail("child %s\nstdout:\n%s\nstderr:\n%s"
                    % (exit_description(proc.returncode), proc.stdout, proc.stderr[-6000:]), pytrace=False)
    return proc.stdout


def _text(output):
    return output.decode("utf-8", "replace") if isinstance(output, bytes) else (output or "")
