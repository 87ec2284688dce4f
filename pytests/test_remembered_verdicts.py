"""Dry-run verdicts remembered across runs: a program run again parses the
inputs a dry run accepted last time only once, as long as everything it
parsed before and every file they read is unchanged; a changed file, a
rejected input or CPPLIVE_NO_VERDICT_CACHE means a dry run again. Each run
is a fresh process (CPPLIVE_DEBUG=1 says on stderr when a dry run happens).

C++ names used here start with ``rv_`` and a per-test suffix, so that each
test's inputs are new to the cache.
"""
import os
import textwrap
import uuid

import pytest

from helpers import cpplive_only, run_python

pytestmark = cpplive_only


def run(code, **env):
    proc = run_python("import cpplive\n" + textwrap.dedent(code), 180, CPPLIVE_DEBUG="1", **env)
    dry_runs = [line for line in proc.stderr.splitlines() if "dry run of" in line]
    return proc, dry_runs


def unique():
    return uuid.uuid4().hex[:12]


def test_second_run_parses_accepted_input_once():
    tag = unique()
    code = '''
        cpplive.cppdef("int rv_%s(int x) { return x * 2; }")
        print(cpplive.gbl.rv_%s(21))
        ''' % (tag, tag)
    first, first_dry = run(code)
    assert first.returncode == 0 and first.stdout.split() == ["42"], first.stderr
    second, second_dry = run(code)
    assert second.returncode == 0 and second.stdout.split() == ["42"], second.stderr
    assert len(second_dry) < len(first_dry)
    assert not any("%d bytes" % len("int rv_%s(int x) { return x * 2; }" % tag) in line for line in second_dry)


def test_changed_header_is_tried_in_a_child_again(tmp_path):
    tag = unique()
    header = tmp_path / ("rv_%s.h" % tag)
    header.write_text("inline int rv_%s() { return 1; }\n" % tag)
    code = '''
        try:
            cpplive.include(%r)
            print(cpplive.gbl.rv_%s())
        except SyntaxError as e:
            print("SyntaxError")
        print(cpplive.gbl.std.vector[int]([1, 2]).size())   # the interpreter goes on
        ''' % (str(header), tag)
    first, _ = run(code)
    assert first.stdout.split() == ["1", "2"], first.stderr
    again, again_dry = run(code)
    assert again.stdout.split() == ["1", "2"], again.stderr
    # Now unfinished: a remembered "accepted" must not let it reach clang
    # unguarded (it would loop on the end of input).
    header.write_text("inline int rv_%s() { return 1; \n namespace x { int y = }\n" % tag)
    os.utime(str(header), (1, 1))
    broken, broken_dry = run(code)
    assert broken.returncode == 0, broken.stderr
    assert broken.stdout.split() == ["SyntaxError", "2"]
    assert len(broken_dry) > len(again_dry)


def test_rejected_input_is_never_remembered():
    tag = unique()
    code = '''
        try:
            cpplive.cppdef("int rv_%s( { return; }")
        except SyntaxError:
            print("SyntaxError")
        ''' % tag
    for _ in range(2):
        proc, dry = run(code)
        assert proc.stdout.split() == ["SyntaxError"], proc.stderr


def test_switched_off_by_environment():
    tag = unique()
    code = 'cpplive.cppdef("int rv_%s() { return 3; }")\nprint(cpplive.gbl.rv_%s())\n' % (tag, tag)
    _, first_dry = run(code, CPPLIVE_NO_VERDICT_CACHE="1")
    run(code)                                             # remembered now
    proc, off_dry = run(code, CPPLIVE_NO_VERDICT_CACHE="1")
    assert proc.stdout.split() == ["3"]
    assert len(off_dry) == len(first_dry)                # every input dry-run again


def test_same_input_after_different_history_is_tried_again():
    tag = unique()
    body = 'cpplive.cppdef("int rv_%s() { return 4; }")\nprint(cpplive.gbl.rv_%s())\n' % (tag, tag)
    run(body)
    # The same text after another input is a different state: not known.
    proc, dry = run('cpplive.cppdef("int rv_%s_before = 1;")\n' % tag + body)
    assert proc.stdout.split() == ["4"]
    size = len("int rv_%s() { return 4; }" % tag)
    assert any("of %d bytes" % size in line for line in dry), dry
