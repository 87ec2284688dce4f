"""The first thing to run: define C++ at run time and use it from Python."""
import cpplive

cpplive.cppdef("""
constexpr int data_size() { return 5; }
auto N = data_size();
template<class L, class R>
struct MyMath { static auto add(L l, R r) -> decltype(l+r) { return l + r; } };
template class MyMath<int, int>;
""")

print("N =", cpplive.gbl.N)
print("data_size() =", cpplive.gbl.data_size())
print("MyMath(int, int).add(1, 1) =", cpplive.gbl.MyMath(int, int).add(1, 1))
print("MyMath[float, int].add(1.5, 1) =", cpplive.gbl.MyMath[float, int].add(1.5, 1))

v = cpplive.gbl.std.vector[int](range(10))
v.push_back(10)
print("std::vector<int>: len =", len(v), " v[3] =", v[3], " sum =", sum(v))
