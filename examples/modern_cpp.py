"""C++11 features from Python: lambdas, std::function callbacks, smart
pointers, exceptions caught by their C++ class, and Python classes that
override C++ virtual methods.

Run: .venv/bin/python examples/modern_cpp.py
"""
import cpplive

cpplive.cppdef(r"""
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace demo {
    // A lambda kept in a variable, and one returned by a function.
    auto square = [](int x) { return x * x; };
    auto adder(int n) { return [n](int x) { return x + n; }; }

    // Takes any callable, Python ones included.
    std::vector<int> map(const std::vector<int>& xs, std::function<int(int)> f) {
        std::vector<int> out;
        for (int x : xs) out.push_back(f(x));
        return out;
    }

    struct Shape {
        virtual ~Shape() {}
        virtual double area() const = 0;
        virtual std::string name() const { return "shape"; }
    };
    struct Square : Shape {
        double side;
        explicit Square(double s) : side(s) {}
        double area() const override { return side * side; }
        std::string name() const override { return "square"; }
    };
    std::shared_ptr<Shape> make_square(double side) { return std::make_shared<Square>(side); }
    std::string describe(const Shape& s) { return s.name() + " of area " + std::to_string(s.area()); }

    struct BadInput : std::runtime_error {
        int position;
        BadInput(int p) : std::runtime_error("bad input at " + std::to_string(p)), position(p) {}
    };
    void parse(const std::string& text) {
        auto at = text.find('!');
        if (at != std::string::npos) throw BadInput((int)at);
    }
}
""")

demo = cpplive.gbl.demo

print("square(7) =", demo.square(7))
print("adder(10)(5) =", demo.adder(10)(5))
print("map with a Python lambda:", list(demo.map(cpplive.gbl.std.vector[int]([1, 2, 3]), lambda x: 100 * x)))

shape = demo.make_square(3.0)           # a std::shared_ptr<Shape>, seen as the Square itself
print("shared_ptr result:", type(shape).__name__, shape.area(), "use_count =", shape.__smartptr__().use_count())


class Circle(demo.Shape):               # a Python class implementing a C++ interface
    def __init__(self, r):
        super().__init__()
        self.r = r

    def area(self):
        return 3.14159 * self.r * self.r

    def name(self):
        return "circle"


print("C++ calling Python:", demo.describe(Circle(1.0)))

try:
    demo.parse("ok until here!")
except demo.BadInput as e:              # caught by its C++ class
    print("caught BadInput at position", e.position, "-", e.what())
