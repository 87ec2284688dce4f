"""Real C++ libraries as Debian ships them (libspdlog-dev, libeigen3-dev,
libfmt-dev, libyaml-cpp-dev, libsqlite3-dev, libboost-dev;
`make test` installs them): included with ``cpplive.include``,
their shared libraries loaded with ``load_library`` where they have one,
used through ``cppdef``'d code and directly from Python.

Each test runs in a fresh process with a time limit (a library is a lot of
C++ at once: a crash or a hang there must fail one test, not the run).
C++ names start with ``rl_``.
"""
import pytest

from helpers import CHILD_IMPORT, cpplive_only, run_python_ok

# Including a library and compiling the first code that uses it takes
# seconds (Eigen's templates are the heaviest); a busy machine may double it.
TIMEOUT = 180

EIGEN_INCLUDE = "/usr/include/eigen3"
# The first lines of every child that uses Eigen.
EIGEN_CHILD = CHILD_IMPORT + 'cpplive.add_include_path(%r)\ncpplive.include("Eigen/Dense")\n' % EIGEN_INCLUDE

# spdlog logging through an ostream sink into a std::ostringstream, at every
# level, with the threshold at debug (so trace is dropped).
SPDLOG_LEVELS = r'''
cpplive.include("spdlog/spdlog.h")
cpplive.include("spdlog/sinks/ostream_sink.h")
cpplive.cppdef(r"""
#include <sstream>
namespace rl_spdlog {
std::string log_levels() {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("rl", sink);
    logger.set_pattern("%n [%l] %v");
    logger.set_level(spdlog::level::debug);
    logger.trace("dropped {}", 0);
    logger.debug("debug {}", 1);
    logger.info("info {} {}", "two", 2.5);
    logger.warn("warn {:>4}", 42);
    logger.error("error");
    logger.critical("critical {:x}", 255);
    logger.flush();
    return out.str();
}
}
""")
print(repr(cpplive.gbl.rl_spdlog.log_levels()))
'''

SPDLOG_EXPECTED = repr(
    "rl [debug] debug 1\n"
    "rl [info] info two 2.5\n"
    "rl [warning] warn   42\n"
    "rl [error] error\n"
    "rl [critical] critical ff\n")


def test_spdlog_header_only():
    # Debian's spdlog headers use the external fmt, whose code is in libfmt.so.
    out = run_python_ok(CHILD_IMPORT + 'cpplive.load_library("libfmt.so")\n' + SPDLOG_LEVELS, TIMEOUT)
    assert out.strip() == SPDLOG_EXPECTED


@cpplive_only  # set_compiler_args
def test_spdlog_compiled_library_and_logger_used_from_python():
    # The shared library, with the definitions spdlog's CMake package gives
    # its users; then a logger made in C++ and driven from Python.
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.set_compiler_args("-DSPDLOG_COMPILED_LIB", "-DSPDLOG_SHARED_LIB")
cpplive.load_library("libfmt.so")
cpplive.load_library("libspdlog.so")
''' + SPDLOG_LEVELS + r'''
cpplive.cppdef(r"""
namespace rl_spdlog {
std::ostringstream captured;
std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
    auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
    logger->set_pattern("%n:%l:%v");
    return logger;
}
std::string captured_text() { return captured.str(); }
}
""")
ns = cpplive.gbl.rl_spdlog
logger = ns.make_logger("py")
logger.set_level(cpplive.gbl.spdlog.level.warn)
logger.info("below the level")
logger.warn("from Python")
logger.error(cpplive.gbl.std.string("a std::string"))
logger.flush()
print(logger.name())
print(repr(ns.captured_text()))
''', TIMEOUT)
    lines = out.strip().splitlines()
    assert lines[0] == SPDLOG_EXPECTED
    assert lines[1] == "py"
    assert lines[2] == repr("py:warning:from Python\npy:error:a std::string\n")


def test_eigen_product_inverse_and_solver():
    out = run_python_ok(EIGEN_CHILD + r'''
cpplive.cppdef(r"""
#include <vector>
namespace rl_eigen {
std::vector<double> product() {
    Eigen::MatrixXd a(2, 3), b(3, 2);
    a << 1, 2, 3,
         4, 5, 6;
    b << 7, 8,
         9, 10,
         11, 12;
    Eigen::MatrixXd c = a * b;
    return std::vector<double>(c.data(), c.data() + c.size());   // column-major
}
std::vector<double> inverse(const std::vector<double>& m) {
    Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>> a(m.data());
    Eigen::Matrix<double, 3, 3, Eigen::RowMajor> inv = a.inverse();
    return std::vector<double>(inv.data(), inv.data() + 9);
}
std::vector<double> solve(const std::vector<double>& m, const std::vector<double>& rhs) {
    int n = (int)rhs.size();
    Eigen::MatrixXd a(n, n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) a(i, j) = m[i * n + j];
    Eigen::VectorXd b = Eigen::Map<const Eigen::VectorXd>(rhs.data(), n);
    Eigen::VectorXd x = a.colPivHouseholderQr().solve(b);
    return std::vector<double>(x.data(), x.data() + n);
}
double residual_of_random_system(int n) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n) + n * Eigen::MatrixXd::Identity(n, n);
    Eigen::VectorXd b = Eigen::VectorXd::Random(n);
    Eigen::VectorXd x = a.partialPivLu().solve(b);
    return (a * x - b).norm();
}
}
""")
ns = cpplive.gbl.rl_eigen
print(list(ns.product()))
print(list(ns.inverse([2, 0, 0, 0, 4, 0, 1, 0, 1])))
print(list(ns.solve([2, 1, -1, -3, -1, 2, -2, 1, 2], [8, -11, -3])))
print(ns.residual_of_random_system(20))
''', TIMEOUT)
    product, inverse, solution, residual = [eval(line) for line in out.strip().splitlines()]
    assert product == [58.0, 139.0, 64.0, 154.0]
    assert inverse == pytest.approx([0.5, 0, 0, 0, 0.25, 0, -0.5, 0, 1.0])
    assert solution == pytest.approx([2.0, 3.0, -1.0])
    assert residual < 1e-10


def test_eigen_matrix_used_from_python():
    out = run_python_ok(EIGEN_CHILD + r'''
m = cpplive.gbl.Eigen.MatrixXd()
m.resize(3, 3)
m.setIdentity()
print((m.rows(), m.cols()), m.sum(), m.trace(), m(1, 1), m(0, 1), m.determinant())
''', TIMEOUT)
    assert out.split() == ["(3,", "3)", "3.0", "3.0", "1.0", "0.0", "1.0"]


def test_fmt_format_through_a_wrapper():
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.load_library("libfmt.so")
cpplive.include("fmt/format.h")
cpplive.cppdef(r"""
namespace rl_fmt {
std::string sum(int a, int b) { return fmt::format("{} + {} = {}", a, b, a + b); }
std::string table(const std::string& name, double value) { return fmt::format("{:<6}|{:>8.3f}|{:#x}", name, value, 255); }
}
""")
print(repr(cpplive.gbl.rl_fmt.sum(1, 2)))
print(repr(cpplive.gbl.rl_fmt.table("pi", 3.14159)))
''', TIMEOUT)
    assert out.strip().splitlines() == [repr("1 + 2 = 3"), repr("pi    |   3.142|0xff")]


@cpplive_only  # cppyy's template deduction for fmt differs
def test_fmt_called_directly_from_python():
    # fmt::format's format string is checked at compile time; a string known
    # only at run time goes through fmt::runtime, as in C++.
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.load_library("libfmt.so")
cpplive.include("fmt/format.h")
fmt = cpplive.gbl.fmt
print(repr(fmt.format(fmt.runtime("{} + {} = {}"), 1, 2, 3)))
print(repr(fmt.to_string(42)))
''', TIMEOUT)
    assert out.strip().splitlines() == [repr("1 + 2 = 3"), repr("42")]


def test_eigen_natural_api_from_python():
    # Matrix(rows, cols) is a constructor template; setZero() comes from a
    # base through a using-declaration; << and , fill a vector as in C++.
    out = run_python_ok(EIGEN_CHILD + r'''
Eigen = cpplive.gbl.Eigen
m = Eigen.MatrixXd(3, 3)
m.setZero()
print(m.rows(), m.cols(), m.sum())
m.setIdentity()
v = Eigen.VectorXd(3)
(v << 1.0).__comma__(2.0).__comma__(3.0)
print((m * v).sum(), v.size())
''', TIMEOUT)
    assert out.split() == ["3", "3", "0.0", "6.0", "3"]


def test_eigen_elements_indexed_as_in_cppyy():
    out = run_python_ok(EIGEN_CHILD + r'''
Eigen = cpplive.gbl.Eigen
b = Eigen.MatrixXd(2, 2)
b[0, 0] = 3
b[1, 0] = 2.5
b[0, 1] = -1
b[1, 1] = b(1, 0) + b(0, 1)
v = Eigen.VectorXd(2)
v[0] = 4
v[1] = v(0) - 1
print(b(0, 0), b[1, 1], v[1], v(0))
''', TIMEOUT)
    assert out.split() == ["3.0", "1.5", "3.0", "4.0"]


def test_sqlite3_c_api_with_opaque_handles():
    # sqlite3's handles are classes only declared: null proxies bound by
    # name are filled in by the T** out-parameters, as in cppyy.
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.include("sqlite3.h")
cpplive.load_library("sqlite3")
g = cpplive.gbl
db = cpplive.bind_object(cpplive.nullptr, "sqlite3")
assert not db
print(g.sqlite3_open(":memory:", db), bool(db))
print(g.sqlite3_exec(db, "create table t(a integer, b text); insert into t values (1, 'one'), (2, 'two');",
                     cpplive.nullptr, cpplive.nullptr, cpplive.nullptr))
stmt = cpplive.bind_object(cpplive.nullptr, "sqlite3_stmt")
print(g.sqlite3_prepare_v2(db, "select a, b from t where a >= ? order by a", -1, stmt, cpplive.nullptr))
print(g.sqlite3_bind_int(stmt, 1, 2))
rows = []
while g.sqlite3_step(stmt) == cpplive.macro("SQLITE_ROW"):
    text = g.sqlite3_column_text(stmt, 1)
    rows.append((g.sqlite3_column_int(stmt, 0), bytes(text[i] for i in range(g.sqlite3_column_bytes(stmt, 1))).decode()))
print(rows)
print(g.sqlite3_finalize(stmt), g.sqlite3_close(db))
''', TIMEOUT)
    assert out.split("\n")[:6] == ["0 True", "0", "0", "0", "[(2, 'two')]", "0 0"]


def test_boost_format_with_the_percent_operator():
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.include("boost/format.hpp")
boost = cpplive.gbl.boost
f = boost.format("%1% + %2% = %3%") % 1 % 2 % 3
print(repr(f.str()), repr(str(f)))
print(repr((boost.format("%s and %d") % "x" % 7).str()))
''', TIMEOUT)
    assert out.splitlines() == [repr("1 + 2 = 3") + " " + repr("1 + 2 = 3"), repr("x and 7")]


def test_yaml_cpp_load_index_convert_iterate_and_emit():
    out = run_python_ok(CHILD_IMPORT + r'''
cpplive.load_library("yaml-cpp")
cpplive.include("yaml-cpp/yaml.h")
YAML = cpplive.gbl.YAML
node = YAML.Load("name: cpplive\ncount: 3\nitems: [1, 2, 5]\n")
as_ = lambda n, t: getattr(n, "as")[t]()     # `as` is a Python keyword
print(as_(node["count"], int), as_(node["name"], str), as_(node["name"], "std::string"))
print([as_(n, int) for n in node["items"]])
out = YAML.Emitter()
out << YAML.BeginMap << YAML.Key << "a" << YAML.Value << 1 << YAML.EndMap
print(repr(out.c_str()))
''', TIMEOUT)
    assert out.splitlines() == ["3 cpplive cpplive", "[1, 2, 5]", repr("a: 1")]


def test_eigen_map_over_a_numpy_array():
    out = run_python_ok(EIGEN_CHILD + r'''
import numpy as np
Eigen = cpplive.gbl.Eigen
a = np.arange(6, dtype=np.float64)
v = Eigen.Map[Eigen.VectorXd](a, 6)
print(v.sum(), v.size())
v[0] = 10
print(a[0])
m = Eigen.Map["Eigen::Matrix<double, 2, 3, Eigen::RowMajor>"](a)
print(m(1, 2), m.rows(), m.cols(), m.sum())
''', TIMEOUT)
    assert out.split() == ["15.0", "6", "10.0", "5.0", "2", "3", "25.0"]
