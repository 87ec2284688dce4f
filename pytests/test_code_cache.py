"""Compiled code reused across runs: a program run again links the objects
the JIT compiled the last time for the same IR, instead of optimizing and
compiling it again, and behaves exactly as the first run did: static
initializers run once per process, globals are the program's own,
exceptions, virtual calls, thread_locals and function-local statics work.
A damaged entry is ignored (and replaced); CPPLIVE_NO_CODE_CACHE=1 turns
reuse off. Each run is a fresh process; CPPLIVE_DEBUG=1 names on stderr
each entry reused.

C++ names used here end in a per-test tag, so that each test's code is new
to the cache.
"""
import os
import re
import textwrap
import uuid

from helpers import cpplive_only, run_python

pytestmark = cpplive_only

REUSED = re.compile(r"compiled code reused from (\S+)")


def run(code, **env):
    proc = run_python("import cpplive\n" + textwrap.dedent(code), 240, CPPLIVE_DEBUG="1", **env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.split(), REUSED.findall(proc.stderr)


def program(tag):
    """A program whose C++ has state, initializers, exceptions, virtuals,
    thread_locals and statics, printing what it sees."""
    cpp = r'''
        #include <stdexcept>
        int cc_inits_TAG = 0;
        int cc_start_TAG() { return ++cc_inits_TAG * 10; }
        int cc_counter_TAG = cc_start_TAG();
        int cc_bump_TAG() { return ++cc_counter_TAG; }
        int cc_calls_TAG() { static int calls = 0; return ++calls; }
        thread_local int cc_local_TAG = 7;
        int cc_local_next_TAG() { return ++cc_local_TAG; }
        struct CcBase_TAG { virtual ~CcBase_TAG() {} virtual int f() const { return 1; } };
        struct CcDerived_TAG : CcBase_TAG { int f() const override { return 2; } };
        int cc_virtual_TAG(const CcBase_TAG& b) { return b.f() + (dynamic_cast<const CcDerived_TAG*>(&b) ? 10 : 0); }
        int cc_throw_TAG(int x) { if (x < 0) throw std::invalid_argument("negative TAG"); return x; }
    '''.replace("TAG", tag)
    return _program_text(tag, cpp)


def _program_text(tag, cpp):
    lines = [
        "g = cpplive.gbl",
        "cpplive.cppdef(%r)" % cpp,
        "print(g.cc_inits_T, g.cc_counter_T, g.cc_bump_T(), g.cc_bump_T(), g.cc_counter_T)",
        "print(g.cc_calls_T(), g.cc_calls_T(), g.cc_local_next_T())",
        "print(g.cc_virtual_T(g.CcBase_T()), g.cc_virtual_T(g.CcDerived_T()))",
        "try:",
        "    g.cc_throw_T(-1)",
        "except ValueError as e:",
        "    print('ValueError', 'negative' in str(e))",
        "g.cc_counter_T = 100",
        "print(g.cc_bump_T(), g.cc_throw_T(5))",
    ]
    return "\n".join(line.replace("_T", "_" + tag) for line in lines) + "\n"


EXPECTED = "1 10 11 12 12 1 2 8 1 12 ValueError True 101 5".split()


def tag():
    return uuid.uuid4().hex[:10]


def test_second_run_reuses_compiled_code_and_behaves_the_same():
    code = program(tag())
    first, first_reused = run(code)
    assert first == EXPECTED
    second, second_reused = run(code)
    assert second == EXPECTED
    # The program's own module and its thunks come from the first run.
    assert len(second_reused) > len(first_reused)
    assert len(second_reused) >= 3


def test_a_damaged_entry_is_ignored_and_replaced():
    code = program(tag())
    run(code)
    _, reused = run(code)
    assert reused
    biggest = max(reused, key=os.path.getsize)
    with open(biggest, "r+b") as f:
        f.truncate(os.path.getsize(biggest) // 2)
    third, third_reused = run(code)
    assert third == EXPECTED
    assert biggest not in third_reused
    fourth, fourth_reused = run(code)
    assert fourth == EXPECTED
    assert biggest in fourth_reused, "the damaged entry is written again"


def test_changed_code_is_compiled_again():
    name = "cc_value_" + tag()
    out1, _ = run('cpplive.cppdef("int %s() { return 1; }")\nprint(cpplive.gbl.%s())' % (name, name))
    out2, _ = run('cpplive.cppdef("int %s() { return 2; }")\nprint(cpplive.gbl.%s())' % (name, name))
    assert (out1, out2) == (["1"], ["2"])


def test_no_code_cache_turns_reuse_off():
    code = program(tag())
    run(code)
    out, reused = run(code, CPPLIVE_NO_CODE_CACHE="1")
    assert out == EXPECTED
    assert reused == []


def test_reused_code_waits_for_its_library_as_compiled_code_does():
    """A reused module still needs what it needed: a function of a library
    not yet loaded fails clearly, and works once the library is loaded."""
    name = "cc_sqlite_" + tag()
    code = '''
        cpplive.cppdef("extern \\"C\\" int sqlite3_libversion_number(); int %(n)s() { return sqlite3_libversion_number() > 3000000; }")
        try:
            cpplive.gbl.%(n)s()
        except Exception as e:
            print(type(e).__name__)
        cpplive.load_library("libsqlite3.so")
        print(cpplive.gbl.%(n)s())
        ''' % dict(n=name)
    first, _ = run(code)
    second, reused = run(code)
    assert first == second
    assert first[-1] == "1"
    assert reused
