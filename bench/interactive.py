"""The C++ prompt's speed: `python -m cpplive` driven through a
pseudo-terminal, as a user would, against `import cppyy`.

Rows (milliseconds, medians):
  start to first prompt      spawn of `python -m cpplive` until "cpp> " shows
  import cppyy               `import cppyy` inside a fresh process (perf_counter)
  python -c "import cppyy"   a whole process that imports cppyy (wall)
  first expression           `1 + 2`, the first entry (the value printer compiles)
  simple expression          `1 + 2` and `v.size()` after the first: entry sent to next prompt
  print vector<int> 10^4     `big` (10^4 ints) sent to next prompt, output included

Usage: .venv/bin/python bench/interactive.py [--repeat R]
"""

import os
import pty
import select
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402

PROMPT = "cpp> "


class Terminal(object):
    def __init__(self):
        env = dict(os.environ, CPPLIVE_HISTORY="", TERM="dumb")
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(h._WORKDIR)
            os.execve(sys.executable, [sys.executable, "-m", "cpplive"], env)
        self.seen = b""

    def expect(self, text, timeout=120):
        text = text.encode()
        deadline = time.time() + timeout
        while text not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.time()))
            if not ready:
                raise h.BenchError("no %r from the prompt; it shows %r" % (text, self.seen[-300:]))
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise h.BenchError("the prompt ended: %r" % self.seen[-300:])
            self.seen += chunk
        shown = self.seen
        self.seen = self.seen[self.seen.index(text) + len(text):]
        return shown

    def entry(self, text):
        """Seconds from sending `text` to the next prompt."""
        t0 = time.perf_counter()
        os.write(self.fd, (text + "\r").encode())
        shown = self.expect("\n" + PROMPT)
        return time.perf_counter() - t0, shown

    def close(self):
        os.write(self.fd, b".quit\r")
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def session(samples):
    term = Terminal()
    term.expect(PROMPT)
    samples["start"].append(time.perf_counter() - term.started)
    elapsed, shown = term.entry("1 + 2")
    assert b"(int) 3" in shown, shown
    samples["first"].append(elapsed)
    term.entry("std::vector<int> v{1, 2, 3};")
    term.entry("std::vector<int> big(10000, 7);")
    for _ in range(3):
        for text, expected in (("1 + 2", b"(int) 3"), ("v.size()", b"(unsigned long) 3")):
            elapsed, shown = term.entry(text)
            assert expected in shown, shown
            samples["simple"].append(elapsed)
        elapsed, shown = term.entry("big")
        assert shown.count(b"7") >= 10000, len(shown)
        samples["big"].append(elapsed)
    term.close()


IMPORT = """
import time
t0 = time.perf_counter()
import CX_MODULE
print(time.perf_counter() - t0)
"""


def main():
    args = h.arg_parser(__doc__.splitlines()[0]).parse_args()
    samples = {"start": [], "first": [], "simple": [], "big": [], "cppyy": [], "cppyy_wall": []}
    _, cppyy = h.backends()
    for i in range(args.repeat):
        session(samples)
        if cppyy.python:
            samples["cppyy"].append(h.run_once(cppyy, IMPORT))
            samples["cppyy_wall"].append(h.run_once(cppyy, "import cppyy", mode="wall"))
        print("  run %d/%d" % (i + 1, args.repeat), file=sys.stderr)

    def ms(key):
        return statistics.median(samples[key]) * 1000 if samples[key] else None

    rows = [
        ("start of `python -m cpplive` to first prompt", ms("start"), "<= 0.3 x import cppyy"),
        ("import cppyy (in process)", ms("cppyy"), cppyy.note or ""),
        ("python -c 'import cppyy' (process wall)", ms("cppyy_wall"), ""),
        ("first expression (1 + 2)", ms("first"), "value printer compiled"),
        ("simple expression after the first", ms("simple"), "<= 20 ms"),
        ("print std::vector<int> of 10^4", ms("big"), "<= 50 ms"),
    ]
    print("\ninteractive (median of %d sessions; ms)" % args.repeat)
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        shown = "%9.1f" % value if value is not None else "      n/a"
        print("  %-*s %s   %s" % (width, name, shown, note))
    if ms("cppyy"):
        print("  start / import cppyy = %.2f" % (ms("start") / ms("cppyy")))


if __name__ == "__main__":
    main()
