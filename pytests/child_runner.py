"""Runs a list of Python steps in child processes, so that a step that
crashes or hangs the interpreter is a result, not the end of the run.

Each step is Python source executed in one namespace shared by the steps of
a child (after a prelude, typically ``import cpplive``); a step may leave a
JSON-able value in the variable ``result``.  The child appends a line to a
progress file before and after every step, so the parent knows which step
was running when the child died or stopped answering.  A step that outlives
its time limit is killed; after a death or a kill the parent starts a fresh
child at the next step.  Steps may be spread over several children running
side by side (``workers``).

Run as a script, this module is the child: ``child_runner.py SPEC PROGRESS``.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

# Characters of a dead child's output kept in its step's result.
OUTPUT_TAIL = 2000
POLL_SECONDS = 0.02


def exit_description(returncode):
    """How a child process ended, e.g. "killed by SIGSEGV"."""
    if returncode < 0:
        try:
            return "killed by %s" % signal.Signals(-returncode).name
        except ValueError:
            return "killed by signal %d" % -returncode
    return "exited with status %d" % returncode


@dataclass
class StepResult:
    """What became of one step.

    status: "ok" (ran to the end), "raised" (an exception left the step),
    "hang" (killed after its time limit), "died" (the process ended while
    the step ran), "not run" (the run's deadline passed, or the prelude
    failed, first).
    """
    name: str
    status: str = "not run"
    seconds: float = 0.0
    error_type: str = ""          # qualified class name of the exception
    error_bases: list = field(default_factory=list)  # its MRO, qualified names
    message: str = ""             # exception text, or how the process ended
    result: object = None         # the step's `result` variable

    def describe(self):
        text = "%s: %s" % (self.name, self.status)
        if self.error_type:
            text += " (%s)" % self.error_type
        if self.message:
            text += ": " + self.message
        return text


@dataclass
class Run:
    results: list
    exit_problems: list  # how children that finished every step then ended badly


def run_steps(steps, prelude="", env=None, step_timeout=30.0, prelude_timeout=300.0,
              deadline=None, workers=1):
    """Runs ``steps`` (a list of (name, source) pairs) and returns a Run with
    one StepResult per step, in order.  ``deadline`` is a time.monotonic()
    value after which no child is started and running ones are killed."""
    results = [StepResult(name) for name, _ in steps]
    exit_problems = []
    shards = [list(range(len(steps)))[k::workers] for k in range(workers)] if workers > 1 else [list(range(len(steps)))]
    lock = threading.Lock()

    def work(indices):
        pending = list(indices)
        while pending:
            if deadline is not None and time.monotonic() > deadline:
                return
            finished, problem, stop = _one_child(steps, pending, results, prelude, env,
                                                  step_timeout, prelude_timeout, deadline)
            if problem:
                with lock:
                    exit_problems.append(problem)
            if stop:
                return
            pending = [i for i in pending if i not in finished]

    threads = [threading.Thread(target=work, args=(shard,)) for shard in shards if shard]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Run(results, exit_problems)


def _one_child(steps, indices, results, prelude, env, step_timeout, prelude_timeout, deadline):
    """Runs ``indices`` in one child until it ends or is killed.  Returns the
    set of indices it finished with, a problem at exit (or None), and whether
    the caller must stop (prelude failure, deadline)."""
    finished = set()
    with tempfile.TemporaryDirectory(prefix="cpplive-steps-") as work:
        spec = os.path.join(work, "spec.json")
        progress = os.path.join(work, "progress.jsonl")
        output = os.path.join(work, "output.txt")
        with open(spec, "w") as f:
            json.dump({"prelude": prelude, "indices": indices,
                       "steps": [steps[i][1] for i in indices]}, f)
        open(progress, "w").close()
        with open(output, "wb") as out:
            proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), spec, progress],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    env=env, cwd=work)
        reader = _ProgressReader(progress)
        current = None          # index of the running step
        current_since = time.monotonic()
        output_mark = 0         # output size when the running step started
        ready = False
        killed = None           # why the parent killed the child
        while True:
            returncode = proc.poll()
            for event in reader.events():
                now = time.monotonic()
                if "ready" in event:
                    ready = True
                    current_since = now
                elif "prelude_error" in event:
                    for i in indices:
                        results[i].message = "prelude failed: " + event["prelude_error"]["message"]
                    _wait(proc)
                    return finished, None, True
                elif "start" in event:
                    current, current_since = event["start"], now
                    output_mark = event["output"]
                elif "end" in event:
                    _record_end(results[event["end"]], event)
                    finished.add(event["end"])
                    current, current_since = None, now
            if returncode is not None:
                break
            now = time.monotonic()
            limit = step_timeout if ready else prelude_timeout
            if now - current_since > limit:
                killed = "hang"
            elif deadline is not None and now > deadline:
                killed = "deadline"
            if killed:
                proc.kill()
                _wait(proc)
                break
            time.sleep(POLL_SECONDS)
        for event in reader.events():  # written just before the end
            if "end" in event:
                _record_end(results[event["end"]], event)
                finished.add(event["end"])
                current = None
            elif "start" in event:
                current, output_mark = event["start"], event["output"]
        tail = _tail(output, output_mark)
        if killed == "deadline":
            if current is not None:
                results[current].message = "run deadline passed while it ran"
            return finished, None, True
        if current is not None:
            r = results[current]
            if killed == "hang":
                r.status, r.seconds = "hang", step_timeout
                r.message = "no answer after %g s; output: %s" % (step_timeout, tail)
            else:
                r.status = "died"
                r.message = "%s; output: %s" % (exit_description(proc.returncode), tail)
            finished.add(current)
            return finished, None, False
        if killed == "hang" and not ready:
            for i in indices:
                results[i].message = "prelude gave no answer after %g s" % prelude_timeout
            return finished, None, True
        if not ready:
            for i in indices:
                results[i].message = "child %s before its first step; output: %s" % (
                    exit_description(proc.returncode), tail)
            return finished, None, True
        if proc.returncode != 0:
            problem = "child %s after step %d; output: %s" % (
                exit_description(proc.returncode), max(finished, default=-1), tail)
            # A child that ended between steps is replaced, unless it ran none.
            return finished, problem, not finished
        return finished, None, False


def _record_end(r, event):
    r.status = event["status"]
    r.seconds = event["seconds"]
    r.result = event.get("result")
    error = event.get("error")
    if error:
        r.error_type, r.error_bases, r.message = error["type"], error["bases"], error["message"]


def _wait(proc):
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(path, start):
    with open(path, "rb") as f:
        f.seek(max(start, os.path.getsize(path) - OUTPUT_TAIL))
        text = f.read().decode("utf-8", "replace").strip()
    return " ".join(text.split()) or "(none)"


class _ProgressReader:
    """Complete JSON lines appended to the progress file since last asked."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, b""

    def events(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------- the child


def _describe(exc):
    cls = type(exc)
    return {"type": _qualified(cls), "bases": [_qualified(c) for c in cls.__mro__],
            "message": str(exc)[:OUTPUT_TAIL]}


def _qualified(cls):
    return cls.__qualname__ if cls.__module__ == "builtins" else "%s.%s" % (cls.__module__, cls.__qualname__)


def _child(spec_path, progress_path):
    with open(spec_path) as f:
        spec = json.load(f)
    progress = open(progress_path, "a")

    def emit(**event):
        progress.write(json.dumps(event, default=repr) + "\n")
        progress.flush()

    namespace = {"__name__": "__steps__"}
    try:
        exec(compile(spec["prelude"], "<prelude>", "exec"), namespace)
    except BaseException as e:  # noqa: B036 - reported to the parent
        emit(prelude_error=_describe(e))
        sys.exit(3)
    emit(ready=True)
    for index, source in zip(spec["indices"], spec["steps"]):
        code = compile(source, "<step %d>" % index, "exec")
        namespace.pop("result", None)
        sys.stdout.flush()
        sys.stderr.flush()
        emit(start=index, output=os.fstat(1).st_size)
        error, t0 = None, time.perf_counter()
        try:
            exec(code, namespace)
        except BaseException as e:  # noqa: B036 - reported to the parent
            error = _describe(e)
        seconds = time.perf_counter() - t0
        sys.stdout.flush()
        emit(end=index, status="raised" if error else "ok", seconds=seconds, error=error,
             result=namespace.get("result"))


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
