"""Foundation: the seed example and the basic shape of the public API.

C++ names used in this file: data_size, N, MyMath (the seed example, defined
exactly once per process) and the prefix ``fd_``.
"""
import cpplive
from helpers import run_python


def test_seed_example():
    assert cpplive.cppdef("""
constexpr int data_size() { return 5; }
auto N = data_size();
template<class L, class R>
struct MyMath { static auto add(L l, R r) -> decltype(l+r) { return l + r; } };
template class MyMath<int, int>;
""")
    assert cpplive.gbl.N == 5 and cpplive.gbl.data_size() == 5
    assert cpplive.gbl.MyMath(int, int).add(1, 1) == 2
    assert cpplive.gbl.MyMath[float, int].add(1.5, 1) == 2.5


def test_public_api_names_exist():
    for name in ("cppdef", "include", "add_include_path", "load_library", "gbl"):
        assert hasattr(cpplive, name), name
    for name in ("cppdef", "include", "add_include_path", "load_library"):
        assert callable(getattr(cpplive, name)), name


def test_cppdef_returns_true_and_defines_function():
    result = cpplive.cppdef("int fd_triple(int x) { return 3 * x; }")
    assert result is True
    assert cpplive.gbl.fd_triple(7) == 21
    assert cpplive.gbl.fd_triple(-4) == -12


def test_cppdef_definitions_accumulate():
    # A later cppdef sees the declarations of an earlier one.
    cpplive.cppdef("int fd_base_value() { return 40; }")
    cpplive.cppdef("int fd_uses_base() { return fd_base_value() + 2; }")
    assert cpplive.gbl.fd_uses_base() == 42


def test_gbl_attribute_is_stable():
    cpplive.cppdef("int fd_stable() { return 11; }")
    f1 = cpplive.gbl.fd_stable
    f2 = cpplive.gbl.fd_stable
    assert f1() == f2() == 11


def test_global_variable_initialised_at_definition():
    cpplive.cppdef("""
    int fd_compute() { int s = 0; for (int i = 1; i <= 10; ++i) s += i; return s; }
    int fd_total = fd_compute();
    """)
    assert cpplive.gbl.fd_total == 55


def test_template_function_implicit_instantiation_on_call():
    cpplive.cppdef("template<typename T> T fd_twice(T x) { return x + x; }")
    assert cpplive.gbl.fd_twice[int](21) == 42
    assert cpplive.gbl.fd_twice[float](1.25) == 2.5
    assert cpplive.gbl.fd_twice[float](0.75) == 1.5


def test_class_template_instantiated_only_through_python():
    # No explicit instantiation in C++: indexing with Python types must
    # instantiate the template.
    cpplive.cppdef("""
    template<class T> struct fd_Box {
        T value;
        fd_Box(T v) : value(v) {}
        T get() const { return value; }
    };
    """)
    bi = cpplive.gbl.fd_Box[int](17)
    assert bi.get() == 17
    bd = cpplive.gbl.fd_Box[float](0.5)
    assert bd.get() == 0.5
    assert cpplive.gbl.fd_Box[int] is not cpplive.gbl.fd_Box[float]


def _cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


_FEATURE_PROBE = """
int NAME_has(int which) {
    switch (which) {
#ifdef __SSE4_2__
    case 0: return 1;
#endif
#ifdef __AVX__
    case 1: return 1;
#endif
#ifdef __AVX2__
    case 2: return 1;
#endif
    default: return 0;
    }
}
"""


def test_code_is_compiled_for_this_machines_cpu(uid):
    # As in cppyy: JIT-compiled code may use what this CPU has (AVX where
    # there is AVX), and only that.
    name = uid("cpu")
    cpplive.cppdef(_FEATURE_PROBE.replace("NAME", name))
    has = getattr(cpplive.gbl, name + "_has")
    flags = _cpu_flags()
    assert [bool(has(i)) for i in range(3)] == ["sse4_2" in flags, "avx" in flags, "avx2" in flags]


def test_a_target_cpu_given_by_the_user_wins():
    r = run_python("import cpplive\n"
                   "cpplive.set_compiler_args('-march=x86-64')\n"
                   "cpplive.cppdef(%r)\n"
                   "print([cpplive.gbl.generic_has(i) for i in range(3)])\n" % _FEATURE_PROBE.replace("NAME", "generic"),
                   timeout=300, CPPLIVE_NO_PCH="1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[0,", "0,", "0]"]
