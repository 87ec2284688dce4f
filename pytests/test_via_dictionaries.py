"""The class, overload, inheritance, operator, container, smart-pointer,
callback and exception tests run a second time, through dictionaries: each
file runs in a child pytest with ``CPPLIVE_TEST_VIA_DICTIONARY=1``, under
which what the tests ``cppdef`` becomes a header and a dictionary made by
cpplive-genreflex, loaded with the precompiled model answering (see
helpers.py, "Dictionary mode"). The children run two at a time, started
together by the first test; each test here waits for its file's child.

Not run in reference mode (cppyy has no cpplive-genreflex).
"""
import os
import re
import subprocess
import sys
import threading

import pytest

from helpers import HERE, VIA_DICTIONARY, WITH_CPPYY, child_env

pytestmark = [pytest.mark.skipif(WITH_CPPYY, reason="dictionaries made by cpplive-genreflex"),
              pytest.mark.skipif(VIA_DICTIONARY, reason="this run is the one through dictionaries")]

FILES = ["test_classes.py", "test_overloads.py", "test_inheritance.py", "test_operators.py",
         "test_stl_containers.py", "test_smart_pointers.py", "test_callables.py", "test_errors.py"]

# Two children at a time: the machine the suite runs on has two cores,
# and a child spends most of its first run in the generator.
PARALLEL = 2
TIMEOUT = 1500


class _Children(object):
    """Runs the files' child pytests, PARALLEL at a time, in the background."""

    def __init__(self):
        self.results = {}
        self.done = {name: threading.Event() for name in FILES}
        self.slots = threading.Semaphore(PARALLEL)
        for name in FILES:
            threading.Thread(target=self.run, args=(name,), daemon=True).start()

    def run(self, name):
        with self.slots:
            env = child_env(CPPLIVE_TEST_VIA_DICTIONARY="1")
            command = [sys.executable, "-m", "pytest", "-q", "-rfEsx", "-p", "no:cacheprovider",
                       os.path.join(HERE, name)]
            try:
                proc = subprocess.run(command, env=env, cwd=HERE, capture_output=True, text=True, timeout=TIMEOUT)
                self.results[name] = (proc.returncode, proc.stdout + proc.stderr)
            except subprocess.TimeoutExpired as e:
                out = e.stdout.decode("utf-8", "replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
                self.results[name] = (None, "no end after %d s\n%s" % (TIMEOUT, out))
            finally:
                self.done[name].set()


_children = None
_lock = threading.Lock()


def children():
    global _children
    with _lock:
        if _children is None:
            _children = _Children()
        return _children


@pytest.mark.parametrize("name", FILES)
def test_through_dictionaries(name):
    runs = children()
    runs.done[name].wait()
    code, output = runs.results[name]
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    # pytest's exit codes: 0 all passed, 5 nothing collected.
    if code != 0:
        pytest.fail("%s through dictionaries: %s\n%s" % (
            name, "exit %s" % code if code is not None else "hung", output[-20000:]), pytrace=False)
    assert re.search(r"\d+ passed", summary), output[-4000:]
