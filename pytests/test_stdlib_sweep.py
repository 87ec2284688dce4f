"""Every C++17 standard header (and the glibc headers C++ code leans on for
byte order), each in one realistic piece of code given to ``cppdef`` and
called from Python, with the result checked.

The sweep runs twice, with the precompiled standard library and without it
(``CPPLIVE_NO_PCH=1``: the headers are parsed as text), each mode in child
processes (pytests/child_runner.py): a case that crashes or hangs the
interpreter fails alone, and the cases after it run in a fresh child.  Each
case is a test of its own, ``test_header[<mode>-<case>]``.

C++ names: one namespace ``sw_<case>`` per case.
"""
import threading

import pytest

import child_runner
from helpers import CHILD_IMPORT, WITH_CPPYY, child_env

MODES = {"pch": {}, "no-pch": {"CPPLIVE_NO_PCH": "1"}}
# A case compiles a few functions and calls them: seconds at most, even
# when the headers are parsed as text on a busy machine.
CASE_TIMEOUT = 30.0
# The first use of the interpreter may build the precompiled header.
PRELUDE_TIMEOUT = 300.0

PRELUDE = CHILD_IMPORT + r'''
import math, os, shutil, tempfile, time
gbl = cpplive.gbl

def eq(got, expected):
    assert got == expected, "got %r, expected %r" % (got, expected)

def near(got, expected, tol=1e-9):
    assert abs(got - expected) <= tol * max(1.0, abs(expected)), "got %r, expected %r" % (got, expected)

def raises(fn, *args):
    """The exception fn(*args) raises (the check fails if none)."""
    try:
        fn(*args)
    except Exception as e:
        return e
    raise AssertionError("no exception from %r%r" % (fn, args))

# The interpreter (and the precompiled header) is ready before the first case.
cpplive.cppdef("int sw_ready() { return 1; }")
assert gbl.sw_ready() == 1
'''

# name -> (C++ code for cppdef, Python check run after it)
CASES = {}


def case(name, cpp, check):
    assert name not in CASES
    CASES[name] = (cpp, check)


# ------------------------------------------------------------------ threads

case("thread", r'''
#include <thread>
#include <vector>
namespace sw_thread {
long parallel_sum(int nthreads, int n) {
    std::vector<long> partial(nthreads, 0);
    std::vector<std::thread> pool;
    for (int t = 0; t < nthreads; ++t)
        pool.emplace_back([&partial, t, nthreads, n] {
            for (int i = t; i < n; i += nthreads) partial[t] += i;
        });
    for (auto& th : pool) th.join();
    long s = 0;
    for (long p : partial) s += p;
    return s;
}
bool other_thread_has_other_id() {
    std::thread::id mine = std::this_thread::get_id(), other;
    std::thread th([&other] { other = std::this_thread::get_id(); });
    th.join();
    return other != mine && !th.joinable() && std::thread::hardware_concurrency() >= 1;
}
}
''', r'''
eq(gbl.sw_thread.parallel_sum(4, 1000), 499500)
eq(gbl.sw_thread.other_thread_has_other_id(), True)
''')

case("mutex", r'''
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>
namespace sw_mutex {
int count_with_locks(int nthreads, int per_thread) {
    std::mutex m;
    int counter = 0;
    std::vector<std::thread> pool;
    for (int t = 0; t < nthreads; ++t)
        pool.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                if (i % 2) { std::lock_guard<std::mutex> g(m); ++counter; }
                else { std::unique_lock<std::mutex> l(m); ++counter; l.unlock(); }
            }
        });
    for (auto& th : pool) th.join();
    return counter;
}
bool try_lock_fails_while_held() {
    std::timed_mutex m;
    std::unique_lock<std::timed_mutex> held(m);
    bool got = true;
    std::thread th([&] { got = m.try_lock_for(std::chrono::milliseconds(1)); if (got) m.unlock(); });
    th.join();
    std::recursive_mutex r;
    std::lock_guard<std::recursive_mutex> a(r), b(r);
    std::mutex x, y;
    std::scoped_lock both(x, y);
    return !got;
}
}
''', r'''
eq(gbl.sw_mutex.count_with_locks(4, 2000), 8000)
eq(gbl.sw_mutex.try_lock_fails_while_held(), True)
''')

case("shared_mutex", r'''
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>
namespace sw_shared_mutex {
class Registry {
    mutable std::shared_mutex m_;
    std::map<int, int> data_;
public:
    void put(int k, int v) { std::unique_lock<std::shared_mutex> l(m_); data_[k] = v; }
    int get(int k) const {
        std::shared_lock<std::shared_mutex> l(m_);
        auto it = data_.find(k);
        return it == data_.end() ? -1 : it->second;
    }
};
long readers_beside_a_writer(int n) {
    Registry r;
    for (int i = 0; i < n; ++i) r.put(i, i);
    std::vector<long> sums(3, 0);
    std::vector<std::thread> pool;
    pool.emplace_back([&] { for (int i = n; i < 2 * n; ++i) r.put(i, i); });
    for (int t = 0; t < 3; ++t)
        pool.emplace_back([&, t] { for (int i = 0; i < n; ++i) sums[t] += r.get(i); });
    for (auto& th : pool) th.join();
    return sums[0] + sums[1] + sums[2] + r.get(2 * n - 1);
}
}
''', r'''
eq(gbl.sw_shared_mutex.readers_beside_a_writer(100), 3 * 4950 + 199)
r = gbl.sw_shared_mutex.Registry()
r.put(3, 9)
eq(r.get(3), 9)
eq(r.get(4), -1)
''')

case("condition_variable", r'''
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>
namespace sw_condition_variable {
long produce_consume(int n) {
    std::mutex m;
    std::condition_variable cv;
    std::queue<int> q;
    bool done = false;
    long total = 0;
    std::thread consumer([&] {
        std::unique_lock<std::mutex> l(m);
        for (;;) {
            cv.wait(l, [&] { return !q.empty() || done; });
            while (!q.empty()) { total += q.front(); q.pop(); }
            if (done) return;
        }
    });
    for (int i = 1; i <= n; ++i) {
        { std::lock_guard<std::mutex> g(m); q.push(i); }
        cv.notify_one();
    }
    { std::lock_guard<std::mutex> g(m); done = true; }
    cv.notify_all();
    consumer.join();
    return total;
}
bool wait_for_times_out() {
    std::mutex m;
    std::condition_variable cv;
    std::unique_lock<std::mutex> l(m);
    return !cv.wait_for(l, std::chrono::milliseconds(5), [] { return false; });
}
}
''', r'''
eq(gbl.sw_condition_variable.produce_consume(1000), 500500)
eq(gbl.sw_condition_variable.wait_for_times_out(), True)
''')

case("future", r'''
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
namespace sw_future {
long async_sum(int n) {
    std::vector<std::future<long>> parts;
    for (int k = 0; k < 4; ++k)
        parts.push_back(std::async(std::launch::async, [k, n] {
            long s = 0;
            for (int i = k; i < n; i += 4) s += i;
            return s;
        }));
    long total = 0;
    for (auto& f : parts) total += f.get();
    return total;
}
int promise_from_thread(int v) {
    std::promise<int> p;
    std::future<int> f = p.get_future();
    std::thread th([&p, v] { p.set_value(v * 2); });
    int r = f.get();
    th.join();
    return r;
}
std::string exception_through_future() {
    std::promise<int> p;
    auto f = p.get_future();
    p.set_exception(std::make_exception_ptr(std::runtime_error("from the promise")));
    try { f.get(); } catch (const std::exception& e) { return e.what(); }
    return "no exception";
}
int packaged(int a, int b) {
    std::packaged_task<int(int, int)> task([](int x, int y) { return x * y; });
    auto f = task.get_future();
    std::thread th(std::move(task), a, b);
    th.join();
    return f.get();
}
int deferred() {
    auto f = std::async(std::launch::deferred, [] { return 7; });
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::deferred ? f.get() : -1;
}
}
''', r'''
ns = gbl.sw_future
eq(ns.async_sum(1000), 499500)
eq(ns.promise_from_thread(21), 42)
eq(ns.exception_through_future(), "from the promise")
eq(ns.packaged(6, 7), 42)
eq(ns.deferred(), 7)
''')

case("call_once", r'''
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>
namespace sw_call_once {
int initializations_after_race(int nthreads) {
    std::once_flag flag;
    std::atomic<int> inits{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < nthreads; ++t)
        pool.emplace_back([&] { std::call_once(flag, [&] { ++inits; }); });
    for (auto& th : pool) th.join();
    return inits.load();
}
int made = 0;
int lazily_made() { static int value = ++made * 10; return value; }
}
''', r'''
ns = gbl.sw_call_once
eq(ns.initializations_after_race(8), 1)
eq(ns.lazily_made(), 10)
eq(ns.lazily_made(), 10)
eq(ns.made, 1)
''')

case("thread_local", r'''
#include <string>
#include <thread>
namespace sw_thread_local {
thread_local int counter = 0;
thread_local std::string tag = "main";
int bump() { return ++counter; }
std::string seen_by_other_thread() {
    std::string seen;
    std::thread th([&] {
        bump(); bump();
        tag = "worker";
        seen = tag + ":" + std::to_string(counter);
    });
    th.join();
    return seen + "," + tag;
}
}
''', r'''
ns = gbl.sw_thread_local
a = ns.bump()
eq(ns.bump(), a + 1)
eq(ns.seen_by_other_thread(), "worker:2,main")
eq(ns.bump(), a + 2)
''')

case("atomic", r'''
#include <atomic>
#include <thread>
#include <vector>
namespace sw_atomic {
long concurrent_increments(int nthreads, int n) {
    std::atomic<long> c{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < nthreads; ++t)
        pool.emplace_back([&] { for (int i = 0; i < n; ++i) c.fetch_add(1, std::memory_order_relaxed); });
    for (auto& th : pool) th.join();
    return c.load();
}
bool compare_exchange() {
    std::atomic<int> a{5};
    int expected = 5;
    bool ok = a.compare_exchange_strong(expected, 9);
    int stale = 5;
    bool refused = !a.compare_exchange_strong(stale, 1);
    return ok && refused && stale == 9 && a.load() == 9;
}
bool flag_and_double() {
    std::atomic_flag f = ATOMIC_FLAG_INIT;
    bool first = f.test_and_set(), second = f.test_and_set();
    f.clear(std::memory_order_release);
    std::atomic<double> d{1.5};
    double old = d.exchange(2.5);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return !first && second && old == 1.5 && d.load() == 2.5 && std::atomic<int>{}.is_lock_free();
}
}
''', r'''
ns = gbl.sw_atomic
eq(ns.concurrent_increments(4, 10000), 40000)
eq(ns.compare_exchange(), True)
eq(ns.flag_and_double(), True)
''')

# ------------------------------------------------------------ text and I/O

case("regex", r'''
#include <iterator>
#include <regex>
#include <string>
namespace sw_regex {
std::string first_date(const std::string& text) {
    std::regex re(R"((\d{4})-(\d{2})-(\d{2}))");
    std::smatch m;
    if (!std::regex_search(text, m, re)) return "";
    return m[3].str() + "/" + m[2].str() + "/" + m[1].str();
}
std::string censor(const std::string& text) { return std::regex_replace(text, std::regex("[aeiou]"), "*"); }
int count_words(const std::string& text) {
    std::regex word(R"(\w+)");
    return (int)std::distance(std::sregex_iterator(text.begin(), text.end(), word), std::sregex_iterator());
}
bool email(const std::string& s) {
    return std::regex_match(s, std::regex(R"([\w.]+@\w+\.[a-z]{2,})", std::regex::icase));
}
}
''', r'''
ns = gbl.sw_regex
eq(ns.first_date("released on 2024-03-17, patched 2024-04-01"), "17/03/2024")
eq(ns.first_date("no date"), "")
eq(ns.censor("regular expressions"), "r*g*l*r *xpr*ss**ns")
eq(ns.count_words("one two, three... four"), 4)
eq(ns.email("Jane.Doe@Example.COM"), True)
eq(ns.email("not an address"), False)
''')

case("string", r'''
#include <string>
namespace sw_string {
std::string title(std::string s) {
    bool start = true;
    for (char& c : s) { if (start && c >= 'a' && c <= 'z') c -= 32; start = (c == ' '); }
    return s;
}
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}
long parse_sum(const std::string& csv) {
    long total = 0;
    std::size_t start = 0;
    while (start <= csv.size()) {
        std::size_t end = csv.find(',', start);
        if (end == std::string::npos) end = csv.size();
        total += std::stol(csv.substr(start, end - start));
        start = end + 1;
    }
    return total;
}
std::u32string::size_type code_units(const std::u32string& s) { return s.size(); }
std::size_t wide_length() { return std::wstring(L"wide") .size() + code_units(U"four"); }
}
''', r'''
ns = gbl.sw_string
eq(ns.title("hello big world"), "Hello Big World")
eq(ns.replace_all("a-b-c", "-", "--"), "a--b--c")
eq(ns.parse_sum("10,20,-5"), 25)
eq(ns.wide_length(), 8)
e = raises(ns.parse_sum, "1,x")
assert "stol" in str(e), e
''')

case("string_view", r'''
#include <string>
#include <string_view>
#include <vector>
namespace sw_string_view {
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}
int field_count(const std::string& s) { return (int)split(s, ';').size(); }
std::string last_field(const std::string& s) { return std::string(split(s, ';').back()); }
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
constexpr std::string_view kName = "cpplive";
std::size_t name_size() { return kName.size(); }
}
''', r'''
ns = gbl.sw_string_view
eq(ns.field_count("a;b;;c"), 4)
eq(ns.last_field("a;b;;tail"), "tail")
eq(ns.starts_with("prefix-rest", "prefix"), True)
eq(ns.starts_with("pre", "prefix"), False)
eq(ns.name_size(), 7)
''')

case("charconv", r'''
#include <charconv>
#include <string>
#include <system_error>
namespace sw_charconv {
std::string to_text(long v, int base) {
    char buf[72];
    auto r = std::to_chars(buf, buf + sizeof buf, v, base);
    return std::string(buf, r.ptr);
}
long from_text(const std::string& s) {
    long v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() ? v : -1;
}
bool overflow_reported() {
    std::string s = "99999999999999999999999";
    int v = 0;
    return std::from_chars(s.data(), s.data() + s.size(), v).ec == std::errc::result_out_of_range;
}
std::string shortest_double(double d) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}
double parse_double(const std::string& s) {
    double v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}
}
''', r'''
ns = gbl.sw_charconv
eq(ns.to_text(255, 16), "ff")
eq(ns.to_text(-42, 10), "-42")
eq(ns.from_text("12345xyz"), 12345)
eq(ns.from_text("xyz"), -1)
eq(ns.overflow_reported(), True)
eq(ns.shortest_double(0.1), "0.1")
eq(ns.parse_double("2.5e3"), 2500.0)
''')

case("iostream", r'''
#include <iostream>
#include <sstream>
#include <string>
namespace sw_iostream {
std::string through_cout(int x) {
    std::ostringstream capture;
    std::streambuf* old = std::cout.rdbuf(capture.rdbuf());
    std::cout << "x=" << x << ", hex=" << std::hex << x << std::dec << std::endl;
    std::cout.rdbuf(old);
    return capture.str();
}
int sum_from_cin(const std::string& input) {
    std::istringstream source(input);
    std::streambuf* old = std::cin.rdbuf(source.rdbuf());
    int a = 0, b = 0;
    std::cin >> a >> b;
    std::cin.rdbuf(old);
    return a + b;
}
bool standard_streams_write() {
    std::cout << "sw_iostream: to std::cout" << std::endl;
    std::cerr << "sw_iostream: to std::cerr\n";
    std::clog << "sw_iostream: to std::clog\n";
    return std::cout.good() && std::cerr.good() && std::clog.good();
}
}
''', r'''
ns = gbl.sw_iostream
eq(ns.through_cout(255), "x=255, hex=ff\n")
eq(ns.sum_from_cin("40 2"), 42)
eq(ns.standard_streams_write(), True)
''')

case("istream_ostream", r'''
#include <istream>
#include <ostream>
#include <sstream>
#include <string>
namespace sw_istream_ostream {
struct Point { int x = 0, y = 0; };
std::ostream& operator<<(std::ostream& os, const Point& p) { return os << '(' << p.x << ", " << p.y << ')'; }
std::istream& operator>>(std::istream& is, Point& p) {
    char open, comma, close;
    if (is >> open >> p.x >> comma >> p.y >> close && (open != '(' || comma != ',' || close != ')'))
        is.setstate(std::ios::failbit);
    return is;
}
std::string reflect(const std::string& text) {
    std::istringstream in(text);
    Point p;
    if (!(in >> p)) return "parse error";
    p.x = -p.x;
    std::ostringstream out;
    out << p;
    return out.str();
}
Point make(int x, int y) { return Point{x, y}; }
}
''', r'''
ns = gbl.sw_istream_ostream
eq(ns.reflect("(3, 4)"), "(-3, 4)")
eq(ns.reflect("[3; 4]"), "parse error")
eq(str(ns.make(1, 2)), "(1, 2)")
''')

case("ios", r'''
#include <ios>
#include <sstream>
#include <string>
namespace sw_ios {
std::string flags_roundtrip() {
    std::ostringstream s;
    std::ios_base::fmtflags saved = s.flags();
    s << std::boolalpha << true << ' ' << std::showpos << 5 << ' ' << std::uppercase << std::hex << 255;
    s.flags(saved);
    s << ' ' << true << ' ' << 255;
    return s.str();
}
std::string failure_as_exception() {
    std::istringstream in("not a number");
    in.exceptions(std::ios::failbit);
    int x;
    try { in >> x; } catch (const std::ios_base::failure&) { return "failure"; }
    return "no exception";
}
}
''', r'''
ns = gbl.sw_ios
eq(ns.flags_roundtrip(), "true +5 FF 1 255")
eq(ns.failure_as_exception(), "failure")
''')

case("iosfwd", r'''
#include <iosfwd>
#include <string>
namespace sw_iosfwd {
void describe(std::ostream& os, int n);   // declared against the forward declarations only
}
#include <sstream>
namespace sw_iosfwd {
void describe(std::ostream& os, int n) { os << "n is " << n; }
std::string described(int n) { std::ostringstream s; describe(s, n); return s.str(); }
}
''', r'''
eq(gbl.sw_iosfwd.described(3), "n is 3")
''')

case("streambuf", r'''
#include <ostream>
#include <streambuf>
#include <string>
namespace sw_streambuf {
// Counts the lines written through it and keeps the last one.
class LineCounter : public std::streambuf {
public:
    int lines = 0;
    std::string current, last;
protected:
    int_type overflow(int_type ch) override {
        if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
        if (ch == '\n') { ++lines; last = current; current.clear(); }
        else current.push_back(traits_type::to_char_type(ch));
        return ch;
    }
};
std::string count_lines(int n) {
    LineCounter buf;
    std::ostream out(&buf);
    for (int i = 1; i <= n; ++i) out << "line " << i << '\n';
    return std::to_string(buf.lines) + ":" + buf.last;
}
}
''', r'''
eq(gbl.sw_streambuf.count_lines(3), "3:line 3")
''')

case("sstream", r'''
#include <sstream>
#include <string>
#include <vector>
namespace sw_sstream {
std::vector<std::string> split_lines(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}
double mean_of(const std::string& numbers) {
    std::istringstream in(numbers);
    double x, sum = 0;
    int n = 0;
    while (in >> x) { sum += x; ++n; }
    return n ? sum / n : 0.0;
}
std::string report(const std::string& name, int count, double ratio) {
    std::ostringstream out;
    out << name << ": " << count << " items, ratio " << ratio;
    return out.str();
}
}
''', r'''
ns = gbl.sw_sstream
eq(list(ns.split_lines("a\nbb\n\nccc")), ["a", "bb", "", "ccc"])
eq(ns.mean_of("1 2 3 4"), 2.5)
eq(ns.report("widgets", 3, 0.5), "widgets: 3 items, ratio 0.5")
''')

case("fstream", r'''
#include <fstream>
#include <string>
#include <vector>
namespace sw_fstream {
int write_lines(const std::string& path, int n) {
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) out << "row " << i << '\n';
    return out.good() ? n : -1;
}
int append_and_count(const std::string& path) {
    { std::ofstream out(path, std::ios::app); out << "appended\n"; }
    std::ifstream in(path);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}
double binary_roundtrip(const std::string& path, double v) {
    { std::ofstream out(path, std::ios::binary); out.write(reinterpret_cast<const char*>(&v), sizeof v); }
    std::fstream io(path, std::ios::in | std::ios::binary);
    double back = 0;
    io.read(reinterpret_cast<char*>(&back), sizeof back);
    return io ? back : -1.0;
}
bool missing_file_fails(const std::string& path) { std::ifstream in(path); return !in.is_open(); }
}
''', r'''
ns = gbl.sw_fstream
d = tempfile.mkdtemp(prefix="sw_fstream")
try:
    p = os.path.join(d, "rows.txt")
    eq(ns.write_lines(p, 3), 3)
    with open(p) as f:
        eq(f.read(), "row 0\nrow 1\nrow 2\n")
    eq(ns.append_and_count(p), 4)
    eq(ns.binary_roundtrip(os.path.join(d, "x.bin"), 6.25), 6.25)
    eq(ns.missing_file_fails(os.path.join(d, "none")), True)
finally:
    shutil.rmtree(d)
''')

case("iomanip", r'''
#include <ctime>
#include <iomanip>
#include <sstream>
#include <string>
namespace sw_iomanip {
std::string table_row(const std::string& name, double value) {
    std::ostringstream s;
    s << std::left << std::setw(8) << std::setfill('.') << name
      << std::right << std::setw(10) << std::setfill(' ') << std::fixed << std::setprecision(3) << value;
    return s.str();
}
std::string hex_byte(int v) {
    std::ostringstream s;
    s << std::hex << std::uppercase << std::setw(2) << std::setfill('0') << v;
    return s.str();
}
std::string quoted(const std::string& text) { std::ostringstream s; s << std::quoted(text); return s.str(); }
std::string epoch() {
    std::time_t t = 0;
    std::tm tm = *std::gmtime(&t);
    std::ostringstream s;
    s << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
    return s.str();
}
int parsed_year(const std::string& text) {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%d");
    return in.fail() ? -1 : tm.tm_year + 1900;
}
}
''', r'''
ns = gbl.sw_iomanip
eq(ns.table_row("pi", 3.14159), "pi......     3.142")
eq(ns.hex_byte(10), "0A")
eq(ns.quoted('say "hi"'), '"say \\"hi\\""')
eq(ns.epoch(), "1970-01-01 00:00:00")
eq(ns.parsed_year("2021-06-30"), 2021)
''')

case("strstream", r'''
#include <string>
#include <strstream>
namespace sw_strstream {
int sum_of(const std::string& text) {
    std::istrstream in(text.c_str());
    int x, sum = 0;
    while (in >> x) sum += x;
    return sum;
}
}
''', r'''
eq(gbl.sw_strstream.sum_of("1 2 3 4"), 10)
''')

case("locale", r'''
#include <locale>
#include <sstream>
#include <string>
namespace sw_locale {
struct Thousands : std::numpunct<char> {
    char do_thousands_sep() const override { return ','; }
    std::string do_grouping() const override { return "\3"; }
};
std::string grouped(long n) {
    std::ostringstream s;
    s.imbue(std::locale(s.getloc(), new Thousands));
    s << n;
    return s.str();
}
std::string classic_name() { return std::locale::classic().name(); }
bool ctype_facet() {
    const auto& ct = std::use_facet<std::ctype<char>>(std::locale::classic());
    return ct.is(std::ctype_base::digit, '7') && !ct.is(std::ctype_base::alpha, '7') && ct.toupper('q') == 'Q';
}
std::string upper(std::string s) {
    for (char& c : s) c = std::toupper(c, std::locale::classic());
    return s;
}
}
''', r'''
ns = gbl.sw_locale
eq(ns.grouped(1234567), "1,234,567")
eq(ns.classic_name(), "C")
eq(ns.ctype_facet(), True)
eq(ns.upper("mixed Case 1"), "MIXED CASE 1")
''')

case("clocale", r'''
#include <clocale>
#include <string>
namespace sw_clocale {
std::string numeric_locale() { const char* name = std::setlocale(LC_NUMERIC, nullptr); return name ? name : "(null)"; }
std::string decimal_point() { return std::localeconv()->decimal_point; }
}
''', r'''
eq(gbl.sw_clocale.numeric_locale(), "C")
eq(gbl.sw_clocale.decimal_point(), ".")
''')

case("codecvt", r'''
#include <codecvt>
#include <locale>
#include <string>
namespace sw_codecvt {
int code_points(const std::string& utf8) {
    std::wstring_convert<std::codecvt_utf8<char32_t>, char32_t> conv;
    return (int)conv.from_bytes(utf8).size();
}
}
''', r'''
eq(gbl.sw_codecvt.code_points("h\u00e9llo \u4e16\u754c"), 8)
''')

case("cstdio", r'''
#include <cstdio>
#include <string>
namespace sw_cstdio {
std::string formatted(int a, double b, const std::string& c) {
    char buf[128];
    int n = std::snprintf(buf, sizeof buf, "%05d|%.2f|%-4s|", a, b, c.c_str());
    return n > 0 ? std::string(buf, n) : "error";
}
int scanned_sum(const std::string& text) {
    int a = 0, b = 0;
    return std::sscanf(text.c_str(), "%d + %d", &a, &b) == 2 ? a + b : -1;
}
std::string tmpfile_roundtrip() {
    std::FILE* f = std::tmpfile();
    if (!f) return "no tmpfile";
    std::fputs("through a FILE*\n", f);
    std::rewind(f);
    char line[64] = {0};
    std::fgets(line, sizeof line, f);
    std::fclose(f);
    return line;
}
}
''', r'''
ns = gbl.sw_cstdio
eq(ns.formatted(42, 3.14159, "ab"), "00042|3.14|ab  |")
eq(ns.scanned_sum("20 + 22"), 42)
eq(ns.tmpfile_roundtrip(), "through a FILE*\n")
''')

case("cstring", r'''
#include <cstring>
#include <string>
namespace sw_cstring {
std::string joined(const std::string& a, const std::string& b) {
    char buf[64];
    std::strncpy(buf, a.c_str(), sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    std::strncat(buf, "+", sizeof buf - std::strlen(buf) - 1);
    std::strncat(buf, b.c_str(), sizeof buf - std::strlen(buf) - 1);
    return buf;
}
int tokens(const std::string& text) {
    char buf[128];
    std::memcpy(buf, text.c_str(), text.size() + 1);
    int n = 0;
    for (char* t = std::strtok(buf, " ,"); t; t = std::strtok(nullptr, " ,")) ++n;
    return n;
}
bool compare_and_search() {
    const char* hay = "needle in a haystack";
    unsigned char block[8];
    std::memset(block, 0xAB, sizeof block);
    return std::strcmp("abc", "abd") < 0 && std::strstr(hay, "hay") == hay + 12 &&
           std::memchr(block, 0xAB, 8) == block && std::strchr(hay, 'z') == nullptr;
}
}
''', r'''
ns = gbl.sw_cstring
eq(ns.joined("left", "right"), "left+right")
eq(ns.tokens("a b,c  d"), 4)
eq(ns.compare_and_search(), True)
''')

case("cstdlib", r'''
#include <cstdlib>
#include <string>
namespace sw_cstdlib {
long parse(const std::string& s, int base) { char* end; long v = std::strtol(s.c_str(), &end, base); return *end ? -1 : v; }
int compare_ints(const void* a, const void* b) { return *(const int*)a - *(const int*)b; }
int sorted_middle() {
    int v[] = {9, 3, 7, 1, 5};
    std::qsort(v, 5, sizeof(int), compare_ints);
    return v[2];
}
int div_parts(int a, int b) { std::div_t d = std::div(a, b); return d.quot * 100 + d.rem; }
std::string env(const std::string& name) { const char* v = std::getenv(name.c_str()); return v ? v : "(unset)"; }
double parse_double(const std::string& s) { return std::atof(s.c_str()) + std::abs(-1); }
bool malloc_roundtrip() { void* p = std::malloc(16); bool ok = p != nullptr; std::free(p); return ok; }
}
''', r'''
ns = gbl.sw_cstdlib
eq(ns.parse("ff", 16), 255)
eq(ns.parse("12z", 10), -1)
eq(ns.sorted_middle(), 5)
eq(ns.div_parts(17, 5), 302)
os.environ["SW_CSTDLIB_VAR"] = "set from Python"
eq(ns.env("SW_CSTDLIB_VAR"), "set from Python")
eq(ns.parse_double("1.5"), 2.5)
eq(ns.malloc_roundtrip(), True)
''')

case("cctype", r'''
#include <cctype>
#include <string>
namespace sw_cctype {
std::string classify(const std::string& s) {
    std::string out;
    for (unsigned char c : s)
        out += std::isdigit(c) ? 'd' : std::isalpha(c) ? (std::isupper(c) ? 'U' : 'l') : std::isspace(c) ? '_' : std::ispunct(c) ? 'p' : '?';
    return out;
}
std::string shout(std::string s) { for (char& c : s) c = (char)std::toupper((unsigned char)c); return s; }
}
''', r'''
eq(gbl.sw_cctype.classify("aB3 !"), "lUd_p")
eq(gbl.sw_cctype.shout("quiet"), "QUIET")
''')

case("cwchar_cwctype", r'''
#include <cwchar>
#include <cwctype>
#include <string>
namespace sw_cwchar_cwctype {
int wide_digits() { int n = 0; for (const wchar_t* c = L"a1b22"; *c; ++c) n += std::iswdigit(*c) ? 1 : 0; return n; }
long wide_parse() { wchar_t buf[16]; std::swprintf(buf, 16, L"%d", -123); return std::wcstol(buf, nullptr, 10); }
std::size_t wide_len() { return std::wcslen(L"seven!!"); }
bool wide_upper() { return std::towupper(L'a') == L'A' && std::iswalpha(L'z') && std::wcscmp(L"a", L"b") < 0; }
}
''', r'''
ns = gbl.sw_cwchar_cwctype
eq(ns.wide_digits(), 3)
eq(ns.wide_parse(), -123)
eq(ns.wide_len(), 7)
eq(ns.wide_upper(), True)
''')

case("cuchar", r'''
#include <cuchar>
#include <cwchar>
#include <string>
namespace sw_cuchar {
int utf16_units(const std::string& ascii) {
    std::mbstate_t state{};
    const char* p = ascii.c_str();
    const char* end = p + ascii.size();
    int units = 0;
    char16_t c16;
    while (p < end) {
        std::size_t r = std::mbrtoc16(&c16, p, end - p, &state);
        if (r == 0 || r > (std::size_t)(end - p)) break;
        p += r;
        ++units;
    }
    return units;
}
}
''', r'''
eq(gbl.sw_cuchar.utf16_units("plain"), 5)
''')

# -------------------------------------------------------------- containers

case("vector", r'''
#include <algorithm>
#include <vector>
namespace sw_vector {
std::vector<std::vector<int>> pascal(int rows) {
    std::vector<std::vector<int>> t;
    for (int r = 0; r < rows; ++r) {
        std::vector<int> row(r + 1, 1);
        for (int k = 1; k < r; ++k) row[k] = t[r - 1][k - 1] + t[r - 1][k];
        t.push_back(std::move(row));
    }
    return t;
}
std::vector<int> without_evens(std::vector<int> v) {
    v.erase(std::remove_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; }), v.end());
    return v;
}
struct Item { int id; double weight; Item(int i, double w) : id(i), weight(w) {} };
double total_weight(int n) {
    std::vector<Item> items;
    items.reserve(n);
    for (int i = 0; i < n; ++i) items.emplace_back(i, 0.5 * i);
    double s = 0;
    for (const auto& it : items) s += it.weight;
    return items.capacity() >= (std::size_t)n ? s : -1;
}
int count_true(int n) { std::vector<bool> b(n); for (int i = 0; i < n; i += 3) b[i] = true; return (int)std::count(b.begin(), b.end(), true); }
}
''', r'''
ns = gbl.sw_vector
rows = ns.pascal(5)
eq(list(rows[4]), [1, 4, 6, 4, 1])
eq(list(ns.without_evens([1, 2, 3, 4, 5])), [1, 3, 5])
eq(ns.total_weight(10), 22.5)
eq(ns.count_true(10), 4)
''')

case("deque", r'''
#include <deque>
namespace sw_deque {
// Maximum of every window of size k (monotonic deque).
long window_max_sum(int n, int k) {
    std::deque<int> idx;
    long total = 0;
    auto value = [](int i) { return (i * 37) % 101; };
    for (int i = 0; i < n; ++i) {
        while (!idx.empty() && value(idx.back()) <= value(i)) idx.pop_back();
        idx.push_back(i);
        if (idx.front() <= i - k) idx.pop_front();
        if (i >= k - 1) total += value(idx.front());
    }
    return total;
}
int both_ends() { std::deque<int> d{2, 3}; d.push_front(1); d.push_back(4); d.emplace_front(0); return d[0] * 1000 + d[2] * 100 + d.back() * 10 + (int)d.size(); }
}
''', r'''
ns = gbl.sw_deque
vals = [(i * 37) % 101 for i in range(50)]
eq(ns.window_max_sum(50, 5), sum(max(vals[i - 4:i + 1]) for i in range(4, 50)))
eq(ns.both_ends(), 245)
''')

case("list", r'''
#include <list>
#include <vector>
namespace sw_list {
std::vector<int> spliced() {
    std::list<int> a{5, 1, 4}, b{3, 3, 2};
    a.splice(a.end(), b);
    a.sort();
    a.unique();
    a.remove_if([](int x) { return x == 4; });
    a.reverse();
    return std::vector<int>(a.begin(), a.end());
}
}
''', r'''
eq(list(gbl.sw_list.spliced()), [5, 3, 2, 1])
''')

case("forward_list", r'''
#include <forward_list>
#include <iterator>
#include <vector>
namespace sw_forward_list {
std::vector<int> edited() {
    std::forward_list<int> f{4, 2, 8};
    f.push_front(6);
    f.insert_after(f.begin(), 7);
    f.sort();
    f.erase_after(f.begin());
    f.reverse();
    return std::vector<int>(f.begin(), f.end());
}
int length() { std::forward_list<int> f{1, 2, 3}; return (int)std::distance(f.begin(), f.end()); }
}
''', r'''
eq(list(gbl.sw_forward_list.edited()), [8, 7, 6, 2])
eq(gbl.sw_forward_list.length(), 3)
''')

case("map", r'''
#include <map>
#include <sstream>
#include <string>
namespace sw_map {
std::map<std::string, int> word_counts(const std::string& text) {
    std::map<std::string, int> m;
    std::istringstream in(text);
    for (std::string w; in >> w;) ++m[w];
    return m;
}
std::string summary(const std::string& text) {
    std::string out;
    for (const auto& [word, n] : word_counts(text)) out += word + "=" + std::to_string(n) + " ";
    return out;
}
int multimap_range() {
    std::multimap<int, int> mm{{1, 10}, {2, 20}, {2, 21}, {3, 30}};
    auto [lo, hi] = mm.equal_range(2);
    int s = 0;
    for (auto it = lo; it != hi; ++it) s += it->second;
    return s;
}
std::string node_handles() {
    std::map<int, std::string> a{{1, "one"}, {2, "two"}}, b;
    auto node = a.extract(1);
    node.key() = 10;
    b.insert(std::move(node));
    auto [it, inserted] = b.try_emplace(10, "ten");
    return std::to_string(a.size()) + std::to_string(b.size()) + it->second + (inserted ? "!" : "") + a.lower_bound(2)->second;
}
}
''', r'''
ns = gbl.sw_map
eq(ns.summary("b a b c b a"), "a=2 b=3 c=1 ")
m = ns.word_counts("x y x")
eq(m["x"], 2)
eq(ns.multimap_range(), 41)
eq(ns.node_handles(), "11onetwo")
''')

case("set", r'''
#include <set>
#include <string>
namespace sw_set {
struct ByLength {
    bool operator()(const std::string& a, const std::string& b) const {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    }
};
std::string ordered(const std::string& csv) {
    std::set<std::string, ByLength> s;
    std::string cur;
    for (char c : csv + ",") { if (c == ',') { s.insert(cur); cur.clear(); } else cur += c; }
    std::string out;
    for (const auto& w : s) out += w + " ";
    return out;
}
int merged_size() {
    std::set<int> a{1, 2, 3}, b{3, 4};
    a.merge(b);
    std::multiset<int> m{1, 1, 2};
    return (int)(a.size() * 100 + b.size() * 10 + m.count(1));
}
}
''', r'''
eq(gbl.sw_set.ordered("ccc,a,bb,a,dd"), "a bb dd ccc ")
eq(gbl.sw_set.merged_size(), 412)
''')

case("unordered_map", r'''
#include <functional>
#include <string>
#include <unordered_map>
namespace sw_unordered_map {
struct Key {
    int x, y;
    bool operator==(const Key& o) const { return x == o.x && y == o.y; }
};
struct KeyHash { std::size_t operator()(const Key& k) const { return std::hash<int>()(k.x) * 31 + std::hash<int>()(k.y); } };
int grid_lookups(int n) {
    std::unordered_map<Key, int, KeyHash> grid;
    grid.reserve(n * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) grid[{i, j}] = i * j;
    int s = 0;
    for (int i = 0; i < n; ++i) s += grid.at({i, i});
    return grid.bucket_count() >= grid.size() ? s : -1;
}
int histogram(const std::string& s) {
    std::unordered_map<char, int> h;
    for (char c : s) ++h[c];
    return h['a'] * 10 + (int)h.size();
}
}
''', r'''
ns = gbl.sw_unordered_map
eq(ns.grid_lookups(10), sum(i * i for i in range(10)))
eq(ns.histogram("banana"), 33)
''')

case("unordered_set", r'''
#include <string>
#include <unordered_set>
#include <vector>
namespace sw_unordered_set {
int distinct(const std::vector<int>& v) { return (int)std::unordered_set<int>(v.begin(), v.end()).size(); }
bool has_pair_with_sum(const std::vector<int>& v, int target) {
    std::unordered_set<int> seen;
    for (int x : v) { if (seen.count(target - x)) return true; seen.insert(x); }
    return false;
}
int multi() { std::unordered_multiset<std::string> m{"a", "b", "a"}; return (int)m.count("a"); }
}
''', r'''
ns = gbl.sw_unordered_set
eq(ns.distinct([1, 2, 2, 3, 3, 3]), 3)
eq(ns.has_pair_with_sum([8, 3, 5, 1], 9), True)
eq(ns.has_pair_with_sum([8, 3, 5, 1], 2), False)
eq(ns.multi(), 2)
''')

case("stack", r'''
#include <stack>
#include <string>
namespace sw_stack {
bool balanced(const std::string& s) {
    std::stack<char> st;
    for (char c : s) {
        if (c == '(' || c == '[' || c == '{') st.push(c);
        else if (c == ')' || c == ']' || c == '}') {
            if (st.empty()) return false;
            char open = st.top();
            st.pop();
            if ((c == ')' && open != '(') || (c == ']' && open != '[') || (c == '}' && open != '{')) return false;
        }
    }
    return st.empty();
}
}
''', r'''
eq(gbl.sw_stack.balanced("{[()()]}"), True)
eq(gbl.sw_stack.balanced("([)]"), False)
''')

case("queue", r'''
#include <queue>
#include <string>
#include <utility>
#include <vector>
namespace sw_queue {
// Shortest path length through a grid of '.' and '#', -1 when unreachable.
int shortest_path(const std::vector<std::string>& grid) {
    int h = (int)grid.size(), w = (int)grid[0].size();
    std::vector<std::vector<int>> dist(h, std::vector<int>(w, -1));
    std::queue<std::pair<int, int>> q;
    q.push({0, 0});
    dist[0][0] = 0;
    const int dr[] = {1, -1, 0, 0}, dc[] = {0, 0, 1, -1};
    while (!q.empty()) {
        auto [r, c] = q.front();
        q.pop();
        for (int k = 0; k < 4; ++k) {
            int nr = r + dr[k], nc = c + dc[k];
            if (nr < 0 || nc < 0 || nr >= h || nc >= w || grid[nr][nc] == '#' || dist[nr][nc] >= 0) continue;
            dist[nr][nc] = dist[r][c] + 1;
            q.push({nr, nc});
        }
    }
    return dist[h - 1][w - 1];
}
}
''', r'''
eq(gbl.sw_queue.shortest_path(["..#", "#..", "#.."]), 4)
eq(gbl.sw_queue.shortest_path([".#", "#."]), -1)
''')

case("priority_queue", r'''
#include <functional>
#include <queue>
#include <utility>
#include <vector>
namespace sw_priority_queue {
// Dijkstra over a small weighted graph given as (from, to, weight) triples.
long shortest(int nodes, const std::vector<int>& edges, int from, int to) {
    std::vector<std::vector<std::pair<int, int>>> adj(nodes);
    for (std::size_t i = 0; i + 2 < edges.size(); i += 3) adj[edges[i]].push_back({edges[i + 1], edges[i + 2]});
    std::vector<long> dist(nodes, -1);
    std::priority_queue<std::pair<long, int>, std::vector<std::pair<long, int>>, std::greater<>> pq;
    pq.push({0, from});
    while (!pq.empty()) {
        auto [d, u] = pq.top();
        pq.pop();
        if (dist[u] >= 0) continue;
        dist[u] = d;
        for (auto [v, w] : adj[u]) if (dist[v] < 0) pq.push({d + w, v});
    }
    return dist[to];
}
int largest_three_sum(const std::vector<int>& v) {
    std::priority_queue<int> pq(v.begin(), v.end());
    int s = 0;
    for (int i = 0; i < 3 && !pq.empty(); ++i) { s += pq.top(); pq.pop(); }
    return s;
}
}
''', r'''
ns = gbl.sw_priority_queue
eq(ns.shortest(4, [0, 1, 5, 0, 2, 1, 2, 1, 2, 1, 3, 1, 2, 3, 7], 0, 3), 4)
eq(ns.largest_three_sum([5, 1, 9, 7, 3]), 21)
''')

case("array", r'''
#include <array>
#include <numeric>
namespace sw_array {
constexpr std::array<int, 5> squares() { std::array<int, 5> a{}; for (int i = 0; i < 5; ++i) a[i] = i * i; return a; }
static_assert(squares()[4] == 16);
int sum_of_squares() { auto a = squares(); return std::accumulate(a.begin(), a.end(), 0); }
bool compare_and_fill() {
    std::array<int, 3> a{1, 2, 3}, b{1, 2, 4};
    std::array<char, 4> c;
    c.fill('x');
    return a < b && std::get<2>(b) == 4 && c.back() == 'x' && a.size() == 3;
}
std::array<double, 3> scaled(double k) { return {{1 * k, 2 * k, 3 * k}}; }
}
''', r'''
ns = gbl.sw_array
eq(ns.sum_of_squares(), 30)
eq(ns.compare_and_fill(), True)
eq(list(ns.scaled(0.5)), [0.5, 1.0, 1.5])
''')

case("bitset", r'''
#include <bitset>
#include <string>
namespace sw_bitset {
std::string ops(const std::string& bits) {
    std::bitset<8> b(bits);
    std::bitset<8> shifted = b << 2;
    b.flip(0);
    return std::to_string(b.count()) + ":" + shifted.to_string() + ":" + std::to_string(b.to_ulong()) + (b.test(0) ? ":set" : ":clear");
}
}
''', r'''
eq(gbl.sw_bitset.ops("00001011"), "2:00101100:10:clear")
''')

# ----------------------------------------------------- algorithms, numerics

case("algorithm", r'''
#include <algorithm>
#include <string>
#include <vector>
namespace sw_algorithm {
struct Person { std::string name; int age; };
std::string by_age(const std::vector<std::string>& names, const std::vector<int>& ages) {
    std::vector<Person> people;
    for (std::size_t i = 0; i < names.size(); ++i) people.push_back({names[i], ages[i]});
    std::stable_sort(people.begin(), people.end(), [](const Person& a, const Person& b) { return a.age < b.age; });
    std::string out;
    for (const auto& p : people) out += p.name + " ";
    return out;
}
int lower_bound_index(std::vector<int> v, int x) {
    std::sort(v.begin(), v.end());
    return (int)(std::lower_bound(v.begin(), v.end(), x) - v.begin());
}
std::vector<int> dedup_sorted(std::vector<int> v) {
    std::sort(v.begin(), v.end(), std::greater<int>());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}
int permutations(int n) { std::vector<int> v(n); for (int i = 0; i < n; ++i) v[i] = i; int c = 0; do ++c; while (std::next_permutation(v.begin(), v.end())); return c; }
int misc() {
    std::vector<int> v{3, 8, 1, 9, 4};
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    int mn = *lo, mx = *hi;
    std::vector<int> doubled(v.size());
    std::transform(v.begin(), v.end(), doubled.begin(), [](int x) { return 2 * x; });
    auto evens = std::count_if(doubled.begin(), doubled.end(), [](int x) { return x % 4 == 0; });
    std::rotate(v.begin(), v.begin() + 1, v.end());
    return mn * 10000 + mx * 1000 + (int)evens * 100 + v.front() * 10 + std::clamp(12, 0, 5);
}
}
''', r'''
ns = gbl.sw_algorithm
eq(ns.by_age(["ann", "bob", "cid", "dee"], [30, 20, 30, 10]), "dee bob ann cid ")
eq(ns.lower_bound_index([5, 1, 3, 9], 4), 2)
eq(list(ns.dedup_sorted([3, 1, 3, 2, 1])), [3, 2, 1])
eq(ns.permutations(5), 120)
eq(ns.misc(), 19000 + 200 + 80 + 5)
''')

case("execution", r'''
#include <algorithm>
#include <execution>
#include <numeric>
#include <vector>
namespace sw_execution {
long sorted_then_reduced(int n) {
    std::vector<long> v(n);
    for (int i = 0; i < n; ++i) v[i] = (i * 7919L) % n;
    std::sort(std::execution::seq, v.begin(), v.end());
    bool ok = std::is_sorted(v.begin(), v.end());
    return ok ? std::reduce(std::execution::seq, v.begin(), v.end(), 0L) : -1;
}
}
''', r'''
eq(gbl.sw_execution.sorted_then_reduced(1000), 499500)
''')

case("numeric", r'''
#include <functional>
#include <numeric>
#include <vector>
namespace sw_numeric {
long dot(const std::vector<long>& a, const std::vector<long>& b) { return std::inner_product(a.begin(), a.end(), b.begin(), 0L); }
std::vector<int> prefix_sums(int n) { std::vector<int> v(n), out(n); std::iota(v.begin(), v.end(), 1); std::partial_sum(v.begin(), v.end(), out.begin()); return out; }
long gcd_lcm(long a, long b) { return std::gcd(a, b) * 1000 + std::lcm(a, b); }
double mean_square(const std::vector<double>& v) {
    return std::transform_reduce(v.begin(), v.end(), 0.0, std::plus<>(), [](double x) { return x * x; }) / v.size();
}
double product(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 1.0, std::multiplies<double>()); }
}
''', r'''
ns = gbl.sw_numeric
eq(ns.dot([1, 2, 3], [4, 5, 6]), 32)
eq(list(ns.prefix_sums(5)), [1, 3, 6, 10, 15])
eq(ns.gcd_lcm(12, 18), 6036)
eq(ns.mean_square([1.0, 2.0, 3.0]), 14.0 / 3)
eq(ns.product([1.5, 2.0, 4.0]), 12.0)
''')

case("cmath", r'''
#include <cmath>
namespace sw_cmath {
double hypot3(double x, double y, double z) { return std::hypot(x, y, z); }
double gamma_of(double x) { return std::tgamma(x); }
double log_gamma(double x) { return std::lgamma(x); }
double bessel() { return std::cyl_bessel_j(0.0, 0.0) + std::riemann_zeta(2.0); }
bool classification() { return std::isnan(std::nan("")) && std::isinf(HUGE_VAL) && std::signbit(-0.0) && std::fpclassify(1.0) == FP_NORMAL; }
double rounding(double x) { return std::round(x) * 100 + std::floor(x) * 10 + std::trunc(-x); }
double fma_and_remainder() { return std::fma(2.0, 3.0, 1.0) + std::fmod(7.5, 2.0) + std::remainder(7.0, 2.0); }
}
''', r'''
ns = gbl.sw_cmath
near(ns.hypot3(2.0, 3.0, 6.0), 7.0)
near(ns.gamma_of(5.0), 24.0)
near(ns.log_gamma(10.0), math.lgamma(10.0))
near(ns.bessel(), 1 + math.pi ** 2 / 6)
eq(ns.classification(), True)
eq(ns.rounding(2.6), 300 + 20 - 2)
eq(ns.fma_and_remainder(), 7.0 + 1.5 - 1.0)
''')

case("complex", r'''
#include <complex>
namespace sw_complex {
double euler_real() { using namespace std::complex_literals; return std::exp(1i * M_PI).real(); }
double polar_abs(double r, double theta) { return std::abs(std::polar(r, theta)); }
std::complex<double> times_i(std::complex<double> z) { return z * std::complex<double>(0, 1); }
double roots_sum() { std::complex<double> a(1), b(-3), c(2); auto d = std::sqrt(b * b - 4.0 * a * c); return ((-b + d) / (2.0 * a)).real() + ((-b - d) / (2.0 * a)).real(); }
double parts(double re, double im) { std::complex<double> z(re, im); return std::norm(z) * 10 + std::arg(std::conj(z)); }
}
''', r'''
ns = gbl.sw_complex
near(ns.euler_real(), -1.0)
near(ns.polar_abs(2.0, 0.7), 2.0)
near(ns.roots_sum(), 3.0)
near(ns.parts(3.0, 4.0), 250 + math.atan2(-4.0, 3.0))
z = ns.times_i(gbl.std.complex[float](1.0, 2.0))
eq(z, complex(-2.0, 1.0))                # std::complex<double> is Python's complex
w = gbl.std.complex[float](1.0, 2.0)
eq((w.real, w.imag), (1.0, 2.0))
''')

case("valarray", r'''
#include <cmath>
#include <valarray>
namespace sw_valarray {
double norm_of_range(int n) {
    std::valarray<double> v(n);
    for (int i = 0; i < n; ++i) v[i] = i + 1;
    return std::sqrt((v * v).sum());
}
double strided_sum() {
    std::valarray<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8};
    std::valarray<int> every_third = v[std::slice(0, 3, 3)];
    std::valarray<int> big = v[v > 5];
    return every_third.sum() * 100 + big.sum() + v.apply([](int x) { return x * 2; }).max();
}
}
''', r'''
ns = gbl.sw_valarray
near(ns.norm_of_range(3), math.sqrt(14.0))
eq(ns.strided_sum(), 900 + 21 + 16)
''')

case("random", r'''
#include <algorithm>
#include <random>
#include <vector>
namespace sw_random {
// Values the standard requires for the 10000th draw of default-seeded engines.
unsigned long mt19937_10000th() { std::mt19937 g; g.discard(9999); return g(); }
unsigned long long mt19937_64_10000th() { std::mt19937_64 g; g.discard(9999); return g(); }
unsigned long minstd_rand0_10000th() { std::minstd_rand0 g; g.discard(9999); return g(); }
bool dice_in_range(unsigned seed, int n) {
    std::mt19937 g(seed);
    std::uniform_int_distribution<int> d(1, 6);
    for (int i = 0; i < n; ++i) { int x = d(g); if (x < 1 || x > 6) return false; }
    return true;
}
double normal_mean(unsigned seed, int n) {
    std::mt19937 g(seed);
    std::normal_distribution<double> d(10.0, 2.0);
    double s = 0;
    for (int i = 0; i < n; ++i) s += d(g);
    return s / n;
}
bool shuffle_is_permutation(unsigned seed) {
    std::vector<int> v(100);
    for (int i = 0; i < 100; ++i) v[i] = i;
    std::shuffle(v.begin(), v.end(), std::mt19937(seed));
    bool moved = v[0] != 0 || v[1] != 1 || v[2] != 2;
    std::sort(v.begin(), v.end());
    for (int i = 0; i < 100; ++i) if (v[i] != i) return false;
    return moved;
}
unsigned from_device() { std::random_device rd; return rd() | 1u; }
}
''', r'''
ns = gbl.sw_random
eq(ns.mt19937_10000th(), 4123659995)
eq(ns.mt19937_64_10000th(), 9981545732273789042)
eq(ns.minstd_rand0_10000th(), 1043618065)
eq(ns.dice_in_range(7, 1000), True)
near(ns.normal_mean(1, 20000), 10.0, 0.01)
eq(ns.shuffle_is_permutation(3), True)
assert ns.from_device() % 2 == 1
''')

case("ratio", r'''
#include <ratio>
namespace sw_ratio {
using sum = std::ratio_add<std::ratio<1, 3>, std::ratio<1, 6>>;
using scaled = std::ratio_multiply<std::kilo, std::milli>;
long num() { return sum::num; }
long den() { return sum::den; }
bool unit() { return std::ratio_equal<scaled, std::ratio<1>>::value && std::ratio_less<std::micro, std::milli>::value; }
}
''', r'''
ns = gbl.sw_ratio
eq((ns.num(), ns.den()), (1, 2))
eq(ns.unit(), True)
''')

case("cfenv", r'''
#include <cfenv>
#include <cmath>
namespace sw_cfenv {
int division_by_zero_flag() {
    std::feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0;
    volatile double r = 1.0 / zero;
    (void)r;
    return std::fetestexcept(FE_DIVBYZERO) ? 1 : 0;
}
double round_upward(double x) {
    #pragma STDC FENV_ACCESS ON
    int old = std::fegetround();
    std::fesetround(FE_UPWARD);
    double r = std::nearbyint(x);
    std::fesetround(old);
    return r;
}
}
''', r'''
eq(gbl.sw_cfenv.division_by_zero_flag(), 1)
eq(gbl.sw_cfenv.round_upward(1.2), 2.0)
''')

# --------------------------------------------------- vocabulary types

case("optional", r'''
#include <optional>
#include <string>
namespace sw_optional {
std::optional<int> parse_digit(const std::string& s) {
    if (s.size() == 1 && s[0] >= '0' && s[0] <= '9') return s[0] - '0';
    return std::nullopt;
}
int sum_digits(const std::string& a, const std::string& b) { return parse_digit(a).value_or(0) + parse_digit(b).value_or(0); }
std::string bad_access() {
    std::optional<std::string> empty;
    try { return empty.value(); } catch (const std::bad_optional_access& e) { return "bad_optional_access"; }
}
std::string emplaced() { std::optional<std::string> o; o.emplace(3, 'z'); return o.has_value() ? *o : ""; }
}
''', r'''
ns = gbl.sw_optional
eq(ns.sum_digits("4", "x"), 4)
eq(ns.sum_digits("4", "5"), 9)
eq(ns.bad_access(), "bad_optional_access")
eq(ns.emplaced(), "zzz")
''')

case("variant", r'''
#include <string>
#include <type_traits>
#include <variant>
#include <vector>
namespace sw_variant {
using Token = std::variant<int, double, std::string>;
std::string describe(const std::vector<Token>& tokens) {
    std::string out;
    for (const auto& t : tokens)
        std::visit([&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, int>) out += "int:" + std::to_string(v) + " ";
            else if constexpr (std::is_same_v<T, double>) out += "double ";
            else out += "string:" + v + " ";
        }, t);
    return out;
}
std::string tokens() { return describe({Token{1}, Token{2.5}, Token{std::string("x")}}); }
std::string bad_access() {
    Token t = 3;
    try { std::get<std::string>(t); } catch (const std::bad_variant_access&) { return "bad_variant_access " + std::to_string(t.index()); }
    return "no exception";
}
bool holds() { std::variant<std::monostate, int> v; bool empty = std::holds_alternative<std::monostate>(v); v = 4; return empty && std::get_if<int>(&v) && *std::get_if<int>(&v) == 4; }
}
''', r'''
ns = gbl.sw_variant
eq(ns.tokens(), "int:1 double string:x ")
eq(ns.bad_access(), "bad_variant_access 0")
eq(ns.holds(), True)
''')

case("any", r'''
#include <any>
#include <string>
#include <vector>
namespace sw_any {
std::string kinds() {
    std::vector<std::any> bag{1, 2.5, std::string("three")};
    std::string out;
    for (const auto& a : bag) {
        if (a.type() == typeid(int)) out += "int ";
        else if (auto* s = std::any_cast<std::string>(&a)) out += *s + " ";
        else out += "other ";
    }
    return out;
}
std::string bad_cast() {
    std::any a = 1;
    try { std::any_cast<double>(a); } catch (const std::bad_any_cast&) { return "bad_any_cast"; }
    return "no exception";
}
bool reset() { std::any a = std::string("x"); a.reset(); return !a.has_value(); }
}
''', r'''
ns = gbl.sw_any
eq(ns.kinds(), "int other three ")
eq(ns.bad_cast(), "bad_any_cast")
eq(ns.reset(), True)
''')

case("tuple", r'''
#include <string>
#include <tuple>
namespace sw_tuple {
std::tuple<int, std::string, double> record() { return {7, "seven", 7.5}; }
std::string unpacked() {
    auto [n, name, value] = record();
    int a; std::string b;
    std::tie(a, b, std::ignore) = record();
    return name + std::to_string(n + a) + b;
}
int applied() { return std::apply([](int x, int y, int z) { return x * 100 + y * 10 + z; }, std::make_tuple(1, 2, 3)); }
int sizes() { auto t = std::tuple_cat(std::make_tuple(1, 2), std::make_tuple('c')); return (int)std::tuple_size_v<decltype(t)> * 10 + std::get<1>(t); }
}
''', r'''
ns = gbl.sw_tuple
eq(ns.unpacked(), "seven14seven")
eq(ns.applied(), 123)
eq(ns.sizes(), 32)
eq(tuple(ns.record()), (7, "seven", 7.5))
''')

case("utility", r'''
#include <string>
#include <utility>
#include <vector>
namespace sw_utility {
std::string moved_from() {
    std::string a = "payload";
    std::string b = std::move(a);
    std::string old = std::exchange(b, "new");
    std::swap(a, b);
    return a + "/" + old + "/" + std::to_string(b.size());
}
std::pair<int, std::string> pair_of(int n) { return std::make_pair(n, std::to_string(n)); }
int pair_order() { std::pair<int, int> p{1, 2}, q{1, 3}; const auto& c = std::as_const(p); return (p < q) * 10 + c.second; }
}
''', r'''
ns = gbl.sw_utility
eq(ns.moved_from(), "new/payload/0")
p = ns.pair_of(5)
eq((p.first, p.second), (5, "5"))
eq(ns.pair_order(), 12)
''')

case("initializer_list", r'''
#include <initializer_list>
namespace sw_initializer_list {
int sum(std::initializer_list<int> values) { int s = 0; for (int v : values) s += v; return s; }
struct Poly {
    std::initializer_list<double>::size_type degree;
    double at2;
    Poly(std::initializer_list<double> c) : degree(c.size() - 1), at2(0) { double p = 1; for (double x : c) { at2 += x * p; p *= 2; } }
};
int total() { return sum({1, 2, 3, 4}); }
double poly() { Poly p{1, 0, 3}; return p.at2 * 10 + p.degree; }
}
''', r'''
eq(gbl.sw_initializer_list.total(), 10)
eq(gbl.sw_initializer_list.poly(), 132.0)
''')

case("functional", r'''
#include <functional>
#include <string>
#include <vector>
namespace sw_functional {
int compose(int x) {
    std::function<int(int)> inc = [](int v) { return v + 1; };
    auto twice = std::bind(std::multiplies<int>(), std::placeholders::_1, 2);
    return twice(inc(x));
}
int invoke_member() {
    struct Acc { int total = 0; int add(int v) { return total += v; } } acc;
    std::invoke(&Acc::add, acc, 5);
    return std::invoke(&Acc::add, &acc, 6);
}
std::size_t hashes_equal(const std::string& s) { return std::hash<std::string>{}(s) == std::hash<std::string>{}(std::string(s)); }
int count_not_even(const std::vector<int>& v) {
    auto even = [](int x) { return x % 2 == 0; };
    int n = 0;
    for (int x : v) n += std::not_fn(even)(x);
    return n;
}
int apply_callback(const std::function<int(int)>& f, int x) { return f(x) * 2; }
int ref_wrapper() { int a = 1; auto r = std::ref(a); r.get() = 9; return a; }
}
''', r'''
ns = gbl.sw_functional
eq(ns.compose(4), 10)
eq(ns.invoke_member(), 11)
eq(ns.hashes_equal("abc"), 1)
eq(ns.count_not_even([1, 2, 3, 5]), 3)
eq(ns.apply_callback(lambda x: x + 1, 20), 42)
eq(ns.ref_wrapper(), 9)
''')

case("memory", r'''
#include <memory>
#include <string>
#include <vector>
namespace sw_memory {
struct Node : std::enable_shared_from_this<Node> {
    std::string name;
    std::weak_ptr<Node> parent;
    std::vector<std::shared_ptr<Node>> children;
    explicit Node(std::string n) : name(std::move(n)) {}
    std::shared_ptr<Node> add(const std::string& n) {
        auto c = std::make_shared<Node>(n);
        c->parent = shared_from_this();
        children.push_back(c);
        return c;
    }
    std::string path() const { auto p = parent.lock(); return p ? p->path() + "/" + name : name; }
};
std::string tree() {
    auto root = std::make_shared<Node>("root");
    auto leaf = root->add("a")->add("b");
    std::weak_ptr<Node> weak = root;
    std::string p = leaf->path();
    long uses = root.use_count();
    root.reset();
    return p + " " + std::to_string(uses) + " " + (weak.expired() ? "expired" : "alive") + " " + leaf->path();
}
int unique_ownership() {
    auto p = std::make_unique<int[]>(4);
    for (int i = 0; i < 4; ++i) p[i] = i * i;
    std::unique_ptr<int[]> q = std::move(p);
    std::unique_ptr<std::string, void (*)(std::string*)> custom(new std::string("x"), [](std::string* s) { delete s; });
    return (p ? -100 : 0) + q[3] + (int)custom->size();
}
std::shared_ptr<Node> make_node(const std::string& n) { return std::make_shared<Node>(n); }
}
''', r'''
ns = gbl.sw_memory
eq(ns.tree(), "root/a/b 1 expired b")
eq(ns.unique_ownership(), 10)
n = ns.make_node("from python")
eq(n.name, "from python")
eq(n.add("child").path(), "from python/child")
''')

case("memory_resource", r'''
#include <cstddef>
#include <memory_resource>
#include <string>
#include <vector>
namespace sw_memory_resource {
int arena_vector(int n) {
    std::byte buffer[4096];
    std::pmr::monotonic_buffer_resource arena(buffer, sizeof buffer);
    std::pmr::vector<int> v(&arena);
    for (int i = 0; i < n; ++i) v.push_back(i);
    std::pmr::string s("pooled string that is longer than the small buffer", &arena);
    int sum = 0;
    for (int x : v) sum += x;
    return sum + (int)s.size() + (v.get_allocator().resource() == &arena ? 0 : -1000);
}
bool pool() {
    std::pmr::unsynchronized_pool_resource pool;
    void* p = pool.allocate(64, 16);
    pool.deallocate(p, 64, 16);
    return std::pmr::get_default_resource() == std::pmr::new_delete_resource();
}
}
''', r'''
eq(gbl.sw_memory_resource.arena_vector(100), 4950 + len("pooled string that is longer than the small buffer"))
eq(gbl.sw_memory_resource.pool(), True)
''')

case("scoped_allocator", r'''
#include <memory>
#include <scoped_allocator>
#include <string>
#include <vector>
namespace sw_scoped_allocator {
std::size_t total_chars() {
    using Alloc = std::scoped_allocator_adaptor<std::allocator<std::string>>;
    std::vector<std::string, Alloc> v;
    v.emplace_back("one");
    v.emplace_back(5, 'x');
    std::size_t n = 0;
    for (const auto& s : v) n += s.size();
    return n;
}
}
''', r'''
eq(gbl.sw_scoped_allocator.total_chars(), 8)
''')

case("new", r'''
#include <cstdint>
#include <new>
#include <string>
namespace sw_new {
// Stores keep the allocations from being elided.
void* volatile keep;
struct alignas(64) Wide { double lanes[8]; };
bool aligned_allocation() { Wide* w = new Wide(); keep = w; bool ok = reinterpret_cast<std::uintptr_t>(w) % 64 == 0; delete w; return ok; }
std::string placement() {
    alignas(std::string) unsigned char storage[sizeof(std::string)];
    std::string* s = new (storage) std::string("placed");
    std::string copy = *std::launder(s);
    s->~basic_string();
    return copy;
}
bool nothrow_huge(std::size_t n) { char* p = new (std::nothrow) char[n]; keep = p; bool null = p == nullptr; delete[] p; return null; }
std::string bad_alloc_caught(std::size_t n) {
    try { char* p = new char[n]; keep = p; delete[] p; } catch (const std::bad_alloc& e) { return "bad_alloc"; }
    return "allocated";
}
}
''', r'''
ns = gbl.sw_new
eq(ns.aligned_allocation(), True)
eq(ns.placement(), "placed")
eq(ns.nothrow_huge(2 ** 62), True)
eq(ns.bad_alloc_caught(2 ** 62), "bad_alloc")
''')

case("typeinfo", r'''
#include <string>
#include <typeinfo>
namespace sw_typeinfo {
struct Shape { virtual ~Shape() = default; };
struct Circle : Shape {};
std::string dynamic_name() { Circle c; Shape& s = c; return typeid(s) == typeid(Circle) ? "Circle" : typeid(s).name(); }
std::string bad_cast() {
    Shape s;
    try { (void)dynamic_cast<Circle&>(s); } catch (const std::bad_cast&) { return "bad_cast"; }
    return "no exception";
}
bool static_types() { return typeid(int) != typeid(long) && typeid(const int) == typeid(int); }
}
''', r'''
ns = gbl.sw_typeinfo
eq(ns.dynamic_name(), "Circle")
eq(ns.bad_cast(), "bad_cast")
eq(ns.static_types(), True)
''')

case("typeindex", r'''
#include <map>
#include <string>
#include <typeindex>
#include <typeinfo>
namespace sw_typeindex {
std::string names() {
    std::map<std::type_index, std::string> m;
    m[std::type_index(typeid(int))] = "int";
    m[std::type_index(typeid(double))] = "double";
    m[typeid(std::string)] = "string";
    return m.at(typeid(double)) + "," + m.at(typeid(std::string)) + "," + std::to_string(m.size());
}
}
''', r'''
eq(gbl.sw_typeindex.names(), "double,string,3")
''')

case("type_traits", r'''
#include <string>
#include <type_traits>
#include <utility>
namespace sw_type_traits {
template <class T, class = void> struct has_size : std::false_type {};
template <class T> struct has_size<T, std::void_t<decltype(std::declval<T>().size())>> : std::true_type {};
template <class T> std::enable_if_t<std::is_integral_v<T>, int> kind(T) { return 1; }
template <class T> std::enable_if_t<std::is_floating_point_v<T>, int> kind(T) { return 2; }
int traits() {
    static_assert(std::is_same_v<std::decay_t<const int&>, int>);
    static_assert(std::is_same_v<std::invoke_result_t<int (*)(double), double>, int>);
    static_assert(std::conjunction_v<std::is_trivially_copyable<int>, std::negation<std::is_polymorphic<int>>>);
    return has_size<std::string>::value * 100 + has_size<int>::value * 10 + kind(1) + kind(1.0) * 1000;
}
}
''', r'''
eq(gbl.sw_type_traits.traits(), 2101)
''')

case("limits", r'''
#include <cstdint>
#include <limits>
namespace sw_limits {
long long int_max() { return std::numeric_limits<int>::max(); }
long long int64_min() { return std::numeric_limits<std::int64_t>::min(); }
double epsilon() { return std::numeric_limits<double>::epsilon(); }
bool special() {
    using L = std::numeric_limits<double>;
    double nan = L::quiet_NaN();
    return L::has_infinity && L::infinity() > L::max() && nan != nan && L::digits == 53 && !std::numeric_limits<unsigned>::is_signed;
}
}
''', r'''
ns = gbl.sw_limits
eq(ns.int_max(), 2 ** 31 - 1)
eq(ns.int64_min(), -2 ** 63)
eq(ns.epsilon(), 2.0 ** -52)
eq(ns.special(), True)
''')

case("climits_cfloat_cstdint_cinttypes", r'''
#include <cfloat>
#include <cinttypes>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <string>
namespace sw_climits_cfloat_cstdint_cinttypes {
long long limits() { return (long long)INT_MAX + CHAR_BIT + LLONG_MAX / LLONG_MAX + (UCHAR_MAX == 255); }
double float_limits() { return DBL_EPSILON * (FLT_MAX > 1e38) + DBL_DIG; }
int wrap(std::uint8_t x) { return (std::uint8_t)(x + 1); }
std::uint64_t fixed_width() { std::int16_t a = INT16_MAX; std::uint32_t b = UINT32_MAX; return (std::uint64_t)a + b + sizeof(std::int_least8_t) + sizeof(std::intptr_t); }
std::string printed(std::int64_t v) { char buf[32]; std::snprintf(buf, sizeof buf, "%" PRId64 "|%" PRIx32, v, (std::uint32_t)255); return buf; }
long long parsed(const std::string& s) { return (long long)std::strtoimax(s.c_str(), nullptr, 10) + std::imaxabs(-2); }
}
''', r'''
ns = gbl.sw_climits_cfloat_cstdint_cinttypes
eq(ns.limits(), 2 ** 31 - 1 + 8 + 1 + 1)
eq(ns.float_limits(), 2.0 ** -52 + 15)
eq(ns.wrap(255), 0)
eq(ns.fixed_width(), 32767 + 2 ** 32 - 1 + 1 + 8)
eq(ns.printed(-(2 ** 40)), "-1099511627776|ff")
eq(ns.parsed("9000000000"), 9000000002)
''')

case("cstddef", r'''
#include <cstddef>
namespace sw_cstddef {
struct Header { char tag; double value; int count; };
std::size_t value_offset() { return offsetof(Header, value); }
int bytes() {
    std::byte b{0x0F};
    b <<= 4;
    b |= std::byte{0x3};
    return std::to_integer<int>(b);
}
bool types() {
    std::nullptr_t n = nullptr;
    std::ptrdiff_t d = &bytes == &bytes ? 0 : 1;
    return n == nullptr && d == 0 && alignof(std::max_align_t) >= alignof(double);
}
}
''', r'''
ns = gbl.sw_cstddef
eq(ns.value_offset(), 8)
eq(ns.bytes(), 0xF3)
eq(ns.types(), True)
''')

case("ctime", r'''
#include <ctime>
#include <string>
namespace sw_ctime {
std::string formatted_epoch_plus(long seconds) {
    std::time_t t = seconds;
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
    return buf;
}
long long now() { return (long long)std::time(nullptr); }
double elapsed() { std::time_t a = 100, b = 160; return std::difftime(b, a); }
bool clock_runs() { return std::clock() >= 0; }
}
''', r'''
ns = gbl.sw_ctime
eq(ns.formatted_epoch_plus(86400 + 3661), "1970-01-02 01:01:01")
assert abs(ns.now() - time.time()) < 60
eq(ns.elapsed(), 60.0)
eq(ns.clock_runs(), True)
''')

case("chrono", r'''
#include <chrono>
#include <thread>
namespace sw_chrono {
long long ms_of(long long s, long long extra_ms) {
    using namespace std::chrono;
    return duration_cast<milliseconds>(seconds(s) + milliseconds(extra_ms)).count();
}
long long literals() { using namespace std::chrono_literals; return std::chrono::duration_cast<std::chrono::seconds>(1h + 30min + 15s).count(); }
bool steady_advances() {
    auto a = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return std::chrono::steady_clock::now() - a >= std::chrono::milliseconds(2);
}
long long system_now() { return (long long)std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()); }
double floored() { using namespace std::chrono; return duration<double>(floor<seconds>(milliseconds(2700))).count(); }
}
''', r'''
ns = gbl.sw_chrono
eq(ns.ms_of(2, 500), 2500)
eq(ns.literals(), 5415)
eq(ns.steady_advances(), True)
assert abs(ns.system_now() - time.time()) < 60
eq(ns.floored(), 2.0)
''')

case("filesystem", r'''
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
namespace sw_filesystem {
namespace fs = std::filesystem;
int make_tree(const std::string& root) {
    fs::path r(root);
    fs::create_directories(r / "a" / "b");
    for (int i = 0; i < 3; ++i) std::ofstream(r / "a" / ("f" + std::to_string(i) + ".txt")) << std::string(i + 1, 'x');
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(r)) files += e.is_regular_file();
    return files;
}
long long total_size(const std::string& root) {
    long long s = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) if (e.is_regular_file()) s += (long long)e.file_size();
    return s;
}
std::string parts(const std::string& p) { fs::path x(p); return x.stem().string() + "|" + x.extension().string() + "|" + x.parent_path().filename().string(); }
long long rename_and_remove(const std::string& root) {
    fs::path r(root);
    fs::rename(r / "a" / "f0.txt", r / "a" / "g.txt");
    if (!fs::exists(r / "a" / "g.txt") || fs::exists(r / "a" / "f0.txt")) return -1;
    return (long long)fs::remove_all(r / "a");
}
bool missing_without_throw(const std::string& root) { std::error_code ec; (void)fs::file_size(fs::path(root) / "missing", ec); return (bool)ec; }
long long size_of(const std::string& p) { return (long long)fs::file_size(p); }
}
''', r'''
ns = gbl.sw_filesystem
d = tempfile.mkdtemp(prefix="sw_filesystem")
try:
    eq(ns.make_tree(d), 3)
    eq(ns.total_size(d), 6)
    eq(sorted(os.listdir(os.path.join(d, "a"))), ["b", "f0.txt", "f1.txt", "f2.txt"])
    eq(ns.parts("/tmp/dir/archive.tar.gz"), "archive.tar|.gz|dir")
    eq(ns.rename_and_remove(d), 5)
    eq(os.listdir(d), [])
    eq(ns.missing_without_throw(d), True)
    e = raises(ns.size_of, os.path.join(d, "missing"))
    assert "No such file or directory" in str(e), e
finally:
    shutil.rmtree(d)
''')

# ------------------------------------------------------------------- errors

case("exception", r'''
#include <exception>
#include <stdexcept>
#include <string>
namespace sw_exception {
std::string rethrown() {
    std::exception_ptr saved;
    try { throw std::logic_error("kept for later"); } catch (...) { saved = std::current_exception(); }
    try { std::rethrow_exception(saved); } catch (const std::exception& e) { return e.what(); }
    return "lost";
}
std::string nested() {
    try {
        try { throw std::runtime_error("inner"); }
        catch (...) { std::throw_with_nested(std::runtime_error("outer")); }
    } catch (const std::exception& e) {
        std::string out = e.what();
        try { std::rethrow_if_nested(e); } catch (const std::exception& inner) { out += "<" + std::string(inner.what()); }
        return out;
    }
    return "none";
}
int uncaught() { return std::uncaught_exceptions(); }
}
''', r'''
ns = gbl.sw_exception
eq(ns.rethrown(), "kept for later")
eq(ns.nested(), "outer<inner")
eq(ns.uncaught(), 0)
''')

case("stdexcept", r'''
#include <stdexcept>
#include <string>
#include <vector>
namespace sw_stdexcept {
int checked_at(const std::vector<int>& v, int i) { return v.at(i); }
double safe_ratio(double a, double b) { if (b == 0) throw std::domain_error("division by zero"); return a / b; }
void invalid(const std::string& s) { throw std::invalid_argument("invalid: " + s); }
std::string caught_in_cpp() { try { std::vector<int>().at(3); } catch (const std::out_of_range& e) { return "out_of_range"; } return "none"; }
}
''', r'''
ns = gbl.sw_stdexcept
eq(ns.checked_at([1, 2, 3], 1), 2)
e = raises(ns.checked_at, [1, 2, 3], 5)
assert isinstance(e, IndexError), type(e).__mro__
e = raises(ns.safe_ratio, 1.0, 0.0)
assert "division by zero" in str(e), e
e = raises(ns.invalid, "x")
assert isinstance(e, ValueError) and "invalid: x" in str(e), e
eq(ns.caught_in_cpp(), "out_of_range")
eq(ns.safe_ratio(1.0, 4.0), 0.25)
''')

case("system_error", r'''
#include <cerrno>
#include <string>
#include <system_error>
namespace sw_system_error {
std::string from_errc() {
    std::error_code ec = std::make_error_code(std::errc::no_such_file_or_directory);
    return ec.message() + "|" + ec.category().name() + "|" + std::to_string(ec.value() == ENOENT);
}
std::string thrown() {
    try { throw std::system_error(EACCES, std::generic_category(), "opening config"); }
    catch (const std::system_error& e) { return std::string(e.what()) + "|" + std::to_string(e.code() == std::errc::permission_denied); }
    return "none";
}
void raise_system_error() { throw std::system_error(std::make_error_code(std::errc::timed_out), "waiting"); }
}
''', r'''
ns = gbl.sw_system_error
eq(ns.from_errc(), "No such file or directory|generic|1")
eq(ns.thrown(), "opening config: Permission denied|1")
e = raises(ns.raise_system_error)
assert "waiting" in str(e), e
''')

case("cerrno", r'''
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
namespace sw_cerrno {
std::string overflow() {
    errno = 0;
    std::strtol("99999999999999999999999", nullptr, 10);
    return errno == ERANGE ? std::string("ERANGE: ") + std::strerror(errno) : "no error";
}
}
''', r'''
eq(gbl.sw_cerrno.overflow(), "ERANGE: Numerical result out of range")
''')

case("cassert", r'''
#undef NDEBUG
#include <cassert>
namespace sw_cassert {
int checked_half(int x) { assert(x % 2 == 0 && "even input"); static_assert(sizeof(int) >= 4, "int size"); return x / 2; }
}
''', r'''
eq(gbl.sw_cassert.checked_half(42), 21)
''')

# ------------------------------------------------------- C library corners

case("csignal", r'''
#include <csignal>
namespace sw_csignal {
volatile std::sig_atomic_t received = 0;
extern "C" void sw_csignal_handler(int sig) { received = sig; }
int raise_and_catch() {
    auto old = std::signal(SIGUSR1, sw_csignal_handler);
    std::raise(SIGUSR1);
    std::signal(SIGUSR1, old);
    return received;
}
}
''', r'''
import signal
eq(gbl.sw_csignal.raise_and_catch(), int(signal.SIGUSR1))
''')

case("csetjmp", r'''
#include <csetjmp>
namespace sw_csetjmp {
static std::jmp_buf env;
static int depth = 0;
static void dive(int n) { depth = n; if (n == 5) std::longjmp(env, n); dive(n + 1); }
int jumped() { int r = setjmp(env); if (r == 0) { dive(0); return -1; } return r * 10 + depth; }
}
''', r'''
eq(gbl.sw_csetjmp.jumped(), 55)
''')

case("cstdarg", r'''
#include <cstdarg>
#include <cstdio>
#include <string>
namespace sw_cstdarg {
int sum(int count, ...) {
    va_list args;
    va_start(args, count);
    int s = 0;
    for (int i = 0; i < count; ++i) s += va_arg(args, int);
    va_end(args);
    return s;
}
std::string format(const char* fmt, ...) {
    char buf[128];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    return buf;
}
int total() { return sum(4, 1, 2, 3, 4); }
std::string message() { return format("%s=%d (%.1f)", "x", 7, 0.5); }
}
''', r'''
eq(gbl.sw_cstdarg.total(), 10)
eq(gbl.sw_cstdarg.message(), "x=7 (0.5)")
''')

case("c_compat", r'''
#include <ccomplex>
#include <ciso646>
#include <cstdalign>
#include <cstdbool>
#include <ctgmath>
namespace sw_c_compat {
struct alignas(16) Block { char bytes[16]; };
double combined(bool flag) {
    std::complex<double> z(3, 4);
    return (flag and not false) ? std::abs(z) + std::sqrt(16.0) + alignof(Block) : -1;
}
}
''', r'''
eq(gbl.sw_c_compat.combined(True), 25.0)
''')

case("byteswap", r'''
#include <byteswap.h>
#include <cstdint>
namespace sw_byteswap {
std::uint16_t swap16(std::uint16_t x) { return bswap_16(x); }
std::uint32_t swap32(std::uint32_t x) { return bswap_32(x); }
std::uint64_t swap64(std::uint64_t x) { return bswap_64(x); }
std::uint64_t builtin64(std::uint64_t x) { return __builtin_bswap64(x); }
std::uint32_t builtin32(std::uint32_t x) { return __builtin_bswap32(x); }
}
''', r'''
ns = gbl.sw_byteswap
eq(ns.swap16(0x1122), 0x2211)
eq(ns.swap32(0x11223344), 0x44332211)
eq(ns.swap64(0x0102030405060708), 0x0807060504030201)
eq(ns.builtin64(0x0102030405060708), 0x0807060504030201)
eq(ns.builtin32(0xAABBCCDD), 0xDDCCBBAA)
''')

case("arpa_inet", r'''
#include <arpa/inet.h>
#include <cstdint>
#include <string>
namespace sw_arpa_inet {
std::uint32_t to_network(std::uint32_t x) { return htonl(x); }
std::uint32_t from_network(std::uint32_t x) { return ntohl(x); }
std::uint16_t port_to_network(std::uint16_t x) { return htons(x); }
std::string address_roundtrip(const std::string& text) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) return "invalid";
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return std::string(buf) + "=" + std::to_string(ntohl(a.s_addr));
}
}
''', r'''
ns = gbl.sw_arpa_inet
eq(ns.to_network(0x11223344), 0x44332211)
eq(ns.from_network(0x44332211), 0x11223344)
eq(ns.port_to_network(0x1F90), 0x901F)
eq(ns.address_roundtrip("192.168.1.2"), "192.168.1.2=%d" % (192 << 24 | 168 << 16 | 1 << 8 | 2))
eq(ns.address_roundtrip("999.1.1.1"), "invalid")
''')

# --------------------------------------------------------------- the tests

STEPS = [(name, "cpplive.cppdef(%r)\n%s" % (cpp, check)) for name, (cpp, check) in CASES.items()]

_runs = {}
_runs_lock = threading.Lock()


def _run_all_modes():
    """Both modes at once, one child process chain each (the machine has
    two cores); computed on first use and shared by every case."""
    with _runs_lock:
        if not _runs:
            modes = [m for m in MODES if not (WITH_CPPYY and m == "no-pch")]

            def run(mode):
                _runs[mode] = child_runner.run_steps(
                    STEPS, prelude=PRELUDE, env=child_env(**MODES[mode]),
                    step_timeout=CASE_TIMEOUT, prelude_timeout=PRELUDE_TIMEOUT)

            threads = [threading.Thread(target=run, args=(m,)) for m in modes]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return _runs


def _mode_params():
    return [pytest.param(m, marks=pytest.mark.skipif(WITH_CPPYY and m == "no-pch", reason="CPPLIVE_NO_PCH is cpplive's"))
            for m in MODES]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("mode", _mode_params())
def test_header(mode, name):
    r = _run_all_modes()[mode].results[list(CASES).index(name)]
    assert r.status == "ok", r.describe()


@pytest.mark.parametrize("mode", _mode_params())
def test_sweep_process_exits_cleanly(mode):
    problems = _run_all_modes()[mode].exit_problems
    assert not problems, problems
