"""Helpers shared by the cpplive end-to-end tests (imported by conftest.py
and by the test modules; the directory is put on sys.path by conftest.py).

Reference mode: ``CPPLIVE_TEST_WITH_CPPYY=1`` runs the suite against cppyy
(the reference implementation whose API cpplive follows) by aliasing
``cppyy`` as ``cpplive``.  Tests of cpplive-only behaviour are marked
``@cpplive_only`` and are skipped in that mode.

Dictionary mode: ``CPPLIVE_TEST_VIA_DICTIONARY=1`` runs the tests through
precompiled dictionaries: each ``cpplive.cppdef(code)`` writes ``code`` as a
header (including the headers made before it in the process, as the code
saw the earlier definitions), makes its dictionary with cpplive-genreflex
(no selection file: everything the header declares) and loads it with
``load_reflection_info``, the model answering (``CPPLIVE_DICT_MODEL=1``).
Dictionaries are cached in target/test-dictionaries by a hash of the code
and of the generator.  Tests about the live compiler itself are marked
``@live_only(reason)`` and skipped in that mode.
"""
import hashlib
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

VIA_DICTIONARY = os.environ.get("CPPLIVE_TEST_VIA_DICTIONARY", "") not in ("", "0")


def live_only(reason):
    """Marks a test that is about the live compiler (redefinition, parse
    errors, templates instantiated on demand with a type only the test's
    code names...): skipped when the tests run through dictionaries."""
    return pytest.mark.skipif(VIA_DICTIONARY, reason="live compiler only: " + reason)


def via_dictionary_xfail(reason):
    """A test the dictionary path fails for a missing feature `reason`
    names (strict: it must start passing when the feature comes)."""
    return pytest.mark.xfail(VIA_DICTIONARY, reason="not through dictionaries yet: " + reason, strict=True)

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


# --- Dictionary mode ------------------------------------------------------

DICTIONARY_CACHE = os.path.join(ROOT, "target", "test-dictionaries")

# The headers made so far in this process, in order: each later one
# includes them, as its code saw what they define.
_dictionary_headers = []


def _generator_version():
    """What a cached dictionary depends on besides its code: the generator
    and the libraries that record and compile it."""
    import cpplive
    package = os.path.dirname(os.path.abspath(cpplive.__file__))
    digest = hashlib.sha256()
    for name in sorted(os.listdir(package)):
        if name == "genreflex.py" or name.endswith(".so"):
            st = os.stat(os.path.join(package, name))
            digest.update(("%s %d %d\n" % (name, st.st_size, st.st_mtime_ns)).encode())
    return digest.hexdigest()


def dictionary_for(code):
    """The dictionary of `code` (as a header after the earlier ones), made
    by cpplive-genreflex in a child process unless cached. A header that
    does not compile raises SyntaxError with the generator's output."""
    text = "#pragma once\n" + "".join('#include "%s"\n' % h for h in _dictionary_headers) + code + "\n"
    key = hashlib.sha256((_generator_version() + "\0" + text).encode()).hexdigest()[:20]
    directory = os.path.join(DICTIONARY_CACHE, key)
    header = os.path.join(directory, "snippet.h")
    library = os.path.join(directory, "libt%sDict.so" % key[:12])
    if not os.path.exists(library):
        os.makedirs(directory, exist_ok=True)
        # The same key is the same text: concurrent writers agree.
        scratch = "%s.%d" % (header, os.getpid())
        with open(scratch, "w") as f:
            f.write(text)
        os.replace(scratch, header)
        work = os.path.join(directory, "work.%d" % os.getpid())
        os.makedirs(work, exist_ok=True)
        env = child_env()
        for name in ("CPPLIVE_TEST_VIA_DICTIONARY", "CPPLIVE_DICT_MODEL", "CPPLIVE_BACKEND"):
            env.pop(name, None)
        run = subprocess.run([sys.executable, "-m", "cpplive.genreflex", header, "-o",
                              os.path.join(work, os.path.basename(library)), "-j", "1", "--cxxflags=-O0"],
                             env=env, capture_output=True, text=True, timeout=900)
        if run.returncode != 0:
            raise SyntaxError("cpplive-genreflex failed for %s:\n%s" % (header, run.stderr[-6000:]))
        for name in os.listdir(work):
            os.replace(os.path.join(work, name), os.path.join(directory, name))
        os.rmdir(work)
    _dictionary_headers.append(header)
    return library


def install_dictionary_cppdef():
    """In dictionary mode, `cpplive.cppdef(code)` makes and loads the
    dictionary of `code` instead of declaring it to clang."""
    if not VIA_DICTIONARY or WITH_CPPYY:
        return
    os.environ["CPPLIVE_DICT_MODEL"] = "1"
    import cpplive
    declare = cpplive.cppdef

    def cppdef(code):
        # cpplive's own helpers (pythonizations, cppexec) still declare
        # their code to clang.
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "cpplive" or caller.startswith("cpplive."):
            return declare(code)
        cpplive.load_reflection_info(dictionary_for(code))
        return True

    cppdef.__doc__ = cpplive.cppdef.__doc__
    cpplive.cppdef = cppdef
