"""Shared helpers for the cpplive benchmark scripts.

Every measurement runs in a fresh interpreter (``subprocess.run([python, "-c",
code])``).  The workload code is written once against the placeholder module
name ``CX_MODULE`` (typically ``import CX_MODULE as cx``); the harness
substitutes ``cpplive`` or ``cppyy`` before running it.  A workload either
prints one number on its last stdout line (``mode="print"``) or is timed by
the parent around ``subprocess.run`` (``mode="wall"``).  Each measurement is
repeated ``--repeat`` times (default 7) and the median is reported.

cpplive runs under ``sys.executable``.  cppyy runs under the first of these
that can ``import cppyy``: ``sys.executable``, ``$CPPYY_PYTHON``,
``/work/cppyy-venv/bin/python``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

PLACEHOLDER = "CX_MODULE"
DEFAULT_REPEAT = 7
DEFAULT_CPPYY_VENV = "/work/cppyy-venv/bin/python"
# Per-subprocess time limit (seconds); a row that exceeds it is reported as
# an error instead of hanging the whole run.
SUBPROCESS_TIMEOUT = 600
# Limit for the one-off "can this python import cppyy?" probe.
PROBE_TIMEOUT = 120
# Error messages are cut to this length in table cells (the full text is
# listed below the table).
CELL_ERROR_CHARS = 60

# Subprocesses run in an empty directory so that nothing in the current
# directory (e.g. bench/calls.py, a source checkout) shadows a module.
_WORKDIR = tempfile.mkdtemp(prefix="cpplive-bench-")


@dataclass
class Backend:
    name: str  # column label
    module: str  # replaces CX_MODULE in the workload code
    python: str | None  # interpreter; None when the backend is unavailable
    note: str = ""  # why it is unavailable / where it was found


class BenchError(Exception):
    """A workload failed (exception, bad output or timeout)."""


# --------------------------------------------------------------------------
# Backend discovery
# --------------------------------------------------------------------------


def _can_import(python: str, module: str) -> bool:
    try:
        r = subprocess.run(
            [python, "-c", f"import {module}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PROBE_TIMEOUT,
            cwd=_WORKDIR,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def find_cppyy_python() -> tuple[str | None, str]:
    """Return (python able to import cppyy or None, human-readable note)."""
    candidates: list[tuple[str, str]] = [(sys.executable, "sys.executable")]
    env = os.environ.get("CPPYY_PYTHON")
    if env:
        candidates.append((env, "$CPPYY_PYTHON"))
    if os.path.exists(DEFAULT_CPPYY_VENV):
        candidates.append((DEFAULT_CPPYY_VENV, DEFAULT_CPPYY_VENV))
    seen = set()
    for python, label in candidates:
        if python in seen:
            continue
        seen.add(python)
        if _can_import(python, "cppyy"):
            return python, f"cppyy from {label} ({python})"
    return None, (
        "cppyy unavailable (not importable from sys.executable, $CPPYY_PYTHON "
        f"or {DEFAULT_CPPYY_VENV}): cppyy column shows '-'"
    )


def backends() -> tuple[Backend, Backend]:
    if not _can_import(sys.executable, "cpplive"):
        sys.exit(
            f"error: {sys.executable} cannot import cpplive "
            "(run `make build` and use .venv/bin/python)"
        )
    cppyy_py, note = find_cppyy_python()
    return (
        Backend("cpplive", "cpplive", sys.executable, f"cpplive from {sys.executable}"),
        Backend("cppyy", "cppyy", cppyy_py, note),
    )


# --------------------------------------------------------------------------
# Running workloads
# --------------------------------------------------------------------------


def _short_error(stderr: str, stdout: str = "") -> str:
    """The most informative single line of a failed run (the exception)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    msg = ""
    # Prefer the last "SomeError: ..." line of a traceback.
    for ln in reversed(lines):
        head = ln.split(":", 1)[0]
        if head and " " not in head and (head.endswith("Error") or head.endswith("Exception")):
            msg = ln
            break
    if not msg and lines:
        msg = lines[-1]
    if not msg:
        tail = [ln for ln in stdout.splitlines() if ln.strip()]
        msg = tail[-1] if tail else "no output"
    msg = " ".join(msg.split())
    return msg if len(msg) <= 300 else msg[:297] + "..."


def _truncate(msg: str, n: int) -> str:
    return msg if len(msg) <= n else msg[: n - 3] + "..."


# Users' imports read cached bytecode: a PYTHONDONTWRITEBYTECODE inherited
# from the shell would make every import compile its sources (~35 ms of
# cpplive's own).
_CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(backend: Backend, code: str, mode: str = "print") -> float:
    """Run ``code`` once in a fresh process of ``backend``; return a number.

    mode="print": the number printed on the last stdout line.
    mode="wall":  seconds measured by the parent around subprocess.run.
    """
    assert backend.python is not None
    src = code.replace(PLACEHOLDER, backend.module)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(
            [backend.python, "-c", src],
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            cwd=_WORKDIR,
            env=_CHILD_ENV,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"timeout after {SUBPROCESS_TIMEOUT}s") from None
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise BenchError(_short_error(r.stderr, r.stdout))
    if mode == "wall":
        return wall
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    try:
        return float(lines[-1])
    except (IndexError, ValueError):
        raise BenchError("bad output: " + _short_error("", r.stdout)) from None


@dataclass
class Case:
    name: str
    code: str
    mode: str = "print"
    results: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def cell(self, backend: Backend) -> float | str | None:
        """Median, short error message, or None (backend unavailable)."""
        if backend.python is None:
            return None
        if backend.name in self.errors:
            return "error: " + _truncate(self.errors[backend.name], CELL_ERROR_CHARS)
        vals = self.results.get(backend.name)
        return statistics.median(vals) if vals else None


def run_cases(cases: list[Case], bks: tuple[Backend, ...], repeat: int, progress: bool = True) -> None:
    """Fill ``case.results`` / ``case.errors``.

    Repeats of the two backends are interleaved (cpplive, cppyy, cpplive, ...)
    so slow drifts of the machine affect both alike.  A backend that fails
    once for a case is not retried for that case.
    """
    for case in cases:
        if progress:
            print(f"  running: {case.name} ...", file=sys.stderr, flush=True)
        for _ in range(repeat):
            for b in bks:
                if b.python is None or b.name in case.errors:
                    continue
                try:
                    v = run_once(b, case.code, case.mode)
                except BenchError as e:
                    case.errors[b.name] = str(e)
                    continue
                case.results.setdefault(b.name, []).append(v)


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def _fmt(v: float | str | None, fmt: str) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return format(v, fmt)


def print_table(title: str, cases: list[Case], bks: tuple[Backend, Backend], unit: str, fmt: str, repeat: int) -> None:
    cpl, cpy = bks
    print()
    print(f"{title}  (median of {repeat} fresh-process runs)")
    for b in bks:
        print(f"  {b.note}")
    header = ["case", f"cpplive [{unit}]", f"cppyy [{unit}]", "ratio (cpplive/cppyy)"]
    rows = []
    for c in cases:
        a, b = c.cell(cpl), c.cell(cpy)
        if isinstance(a, float) and isinstance(b, float) and b > 0:
            ratio = f"{a / b:.2f}"
        else:
            ratio = "-"
        rows.append([c.name, _fmt(a, fmt), _fmt(b, fmt), ratio])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]

    def line(r):
        return " | ".join(
            r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i]) for i in range(4)
        ).rstrip()

    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    errs = [(c.name, b.name, c.errors[b.name]) for c in cases for b in bks if b.name in c.errors]
    if errs:
        print()
        print("errors:")
        for cname, bname, msg in errs:
            print(f"  [{bname}] {cname}: {msg}")


def arg_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help=f"fresh-process runs per case and backend; the median is reported (default {DEFAULT_REPEAT})",
    )
    return p
