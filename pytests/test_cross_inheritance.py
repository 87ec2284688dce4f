"""Python classes deriving from C++ classes and overriding virtual methods:
C++ code calling those virtuals reaches the Python methods, `super()`
reaches the C++ base's version, pure virtuals can be implemented in Python,
and objects handed back by C++ are the Python objects. C++ names start
with ``xi_``."""
import gc

import pytest

import cpplive
from helpers import cpplive_only, run_python_ok


@pytest.fixture(scope="module")
def g():
    cpplive.cppdef(r"""
    #include <string>
    #include <vector>
    struct xi_Animal {
        virtual ~xi_Animal() {}
        virtual int speak() const { return 1; }
        virtual std::string name(int n) { return "animal" + std::to_string(n); }
        virtual int legs() const = 0;
        int call_speak() const { return speak() * 100; }
    };
    int xi_speak(const xi_Animal& a) { return a.speak(); }
    std::string xi_name(xi_Animal* a) { return a->name(2); }
    int xi_legs(const xi_Animal& a) { return a.legs(); }
    xi_Animal* xi_kept = nullptr;
    void xi_keep(xi_Animal* a) { xi_kept = a; }
    xi_Animal* xi_back() { return xi_kept; }
    int xi_total_legs(const std::vector<xi_Animal*>& all) { int t = 0; for (auto* a : all) t += a->legs(); return t; }

    struct xi_Counter {
        int base = 10;
        xi_Counter() {}
        explicit xi_Counter(int b) : base(b) {}
        virtual ~xi_Counter() {}
        virtual int next(int step) { return base + step; }
    };
    int xi_run(xi_Counter& c) { return c.next(1) + c.next(2); }
    """)
    return cpplive.gbl


def test_cpp_calls_reach_python_overrides(g):
    class Dog(g.xi_Animal):
        def speak(self):
            return 7

        def legs(self):
            return 4

    d = Dog()
    assert d.speak() == 7
    assert g.xi_speak(d) == 7                      # C++ virtual call
    assert d.call_speak() == 700                   # from inside a C++ method
    assert g.xi_legs(d) == 4                       # a pure virtual implemented in Python
    assert g.xi_name(d) == "animal2"               # not overridden: the C++ one
    assert isinstance(d, g.xi_Animal)


@cpplive_only  # cppyy recurses forever on super().name()
def test_super_reaches_the_cpp_base_and_init_arguments(g):
    class Cat(g.xi_Animal):
        def __init__(self, lives):
            super().__init__()
            self.lives = lives

        def legs(self):
            return 4

        def name(self, n):
            return "cat%d/%d+%s" % (n, self.lives, super().name(n))

    c = Cat(9)
    assert g.xi_name(c) == "cat2/9+animal2"

    class Counter(g.xi_Counter):
        def next(self, step):
            return super().next(step) * 2

    assert g.xi_run(Counter(5)) == (6 + 7) * 2     # a C++ constructor argument
    assert g.xi_run(Counter()) == (11 + 12) * 2


def test_object_handed_back_by_cpp_is_the_python_object(g):
    class Bird(g.xi_Animal):
        def legs(self):
            return 2

    b = Bird()
    g.xi_keep(b)
    assert g.xi_back() is b
    g.xi_keep(cpplive.nullptr)


def test_several_python_subclasses_in_one_cpp_container(g):
    class Two(g.xi_Animal):
        def legs(self):
            return 2

    class Six(g.xi_Animal):
        def legs(self):
            return 6

    animals = g.std.vector[g.xi_Animal.__cpp_name__ + "*"]()
    keep = [Two(), Six(), Two()]
    for a in keep:
        animals.push_back(a)
    assert g.xi_total_legs(animals) == 10


def test_python_exception_in_override_reaches_the_python_caller(g):
    class Broken(g.xi_Animal):
        def legs(self):
            raise ValueError("no legs")

    with pytest.raises(ValueError, match="no legs"):
        g.xi_legs(Broken())


@cpplive_only  # the message is cpplive's
def test_pure_virtual_left_unimplemented(g):
    class Partial(g.xi_Animal):
        def speak(self):
            return 3

    p = Partial()
    assert g.xi_speak(p) == 3
    with pytest.raises(Exception, match="legs"):
        g.xi_legs(p)


def test_abstract_base_itself_still_refused(g):
    with pytest.raises(TypeError):
        g.xi_Animal()


def test_python_object_released_normally(g):
    class Temp(g.xi_Animal):
        def legs(self):
            return 1

    t = Temp()
    assert g.xi_legs(t) == 1
    del t
    gc.collect()                                   # no cycle keeps it: nothing to assert but no crash


@cpplive_only  # the message is cpplive's
def test_final_class_cannot_be_overridden_from_python(g):
    cpplive.cppdef("struct xi_Final final { virtual ~xi_Final() {} virtual int f() { return 1; } };")
    with pytest.raises(TypeError, match="xi_Final"):
        class P(g.xi_Final):
            def f(self):
                return 2
    assert g.xi_Final().f() == 1                   # the interpreter is still usable


@cpplive_only  # cppyy cannot make a dispatcher for a subclass that overrides nothing
def test_overrides_in_deeper_python_subclasses(g):
    class Plain(g.xi_Animal):                      # overrides nothing itself
        pass

    class Dog(Plain):
        def legs(self):
            return 4

    class Puppy(Dog):
        def speak(self):                           # first overridden one level down
            return 9

    assert g.xi_legs(Dog()) == 4
    p = Puppy()
    assert g.xi_legs(p) == 4 and g.xi_speak(p) == 9
    assert g.xi_speak(Dog()) == 1                  # Dog keeps the C++ speak


def test_python_subclass_is_named_as_python_names_it(g):
    class Hound(g.xi_Animal):
        def legs(self):
            return 4

    h = Hound()
    assert "Hound" in repr(h) and "Hound" in str(h)
    assert Hound.__bases__ == (g.xi_Animal,)       # the dispatcher is not a base
    assert Hound.__mro__[0] is Hound and g.xi_Animal in Hound.__mro__


def test_base_init_called_by_name_constructs_the_overriding_object(g):
    class Counter(g.xi_Counter):
        def __init__(self, b):
            g.xi_Counter.__init__(self, b)         # not super(): by name
            self.extra = 100

        def next(self, step):
            return self.extra + step

    c = Counter(5)
    assert c.base == 5
    assert g.xi_run(c) == 101 + 102                # C++ reaches the override


def test_abstract_base_init_by_name_is_refused_in_favour_of_super(g):
    class Lizard(g.xi_Animal):
        def __init__(self):
            g.xi_Animal.__init__(self)             # C++ has no xi_Animal to make

        def legs(self):
            return 4

    class Gecko(g.xi_Animal):
        def __init__(self):
            super(Gecko, self).__init__()

        def legs(self):
            return 4

    with pytest.raises(TypeError) as e:
        Lizard()
    assert "abstract" in str(e.value) and "super" in str(e.value)
    assert g.xi_legs(Gecko()) == 4


def test_abstract_second_base_reached_by_super_constructs_the_dispatcher():
    cpplive.cppdef(r"""
    struct xi_Listener { virtual ~xi_Listener() {} virtual int heard(int) = 0; };
    struct xi_Impl { virtual ~xi_Impl() {} int k = 3; };
    int xi_tell(xi_Listener* l) { return l->heard(4); }
    """)

    class Glue(cpplive.multi(cpplive.gbl.xi_Impl, cpplive.gbl.xi_Listener)):
        def __init__(self):
            super(cpplive.gbl.xi_Impl, self).__init__()

        def heard(self, n):
            return n * self.k

    assert cpplive.gbl.xi_tell(Glue()) == 12


def test_deletion_by_cpp_reaches_the_python_object():
    # In a child: a proxy that deleted the object a second time would end
    # the process.
    run_python_ok(r'''
import gc
import cpplive
cpplive.cppdef("""
struct xi_Owned { virtual ~xi_Owned() {} int work() { return 3; } };
void xi_delete(xi_Owned* p) { delete p; }
""")
g = cpplive.gbl
class Kept(g.xi_Owned):
    destructed = 0
    finalized = 0
    def __destruct__(self):
        Kept.destructed += 1
    def __del__(self):
        Kept.finalized += 1

k = Kept()
assert k.work() == 3
g.xi_delete(k)                      # C++ deletes what Python owned
assert Kept.destructed == 1 and Kept.finalized == 0
try:
    k.work()
    raise AssertionError("a deleted object was usable")
except ReferenceError:
    pass
del k
gc.collect()                        # and Python does not delete it again
assert Kept.finalized == 1 and Kept.destructed == 1

k = Kept()
del k                               # deleted by Python: no C++-side notice
gc.collect()
assert Kept.destructed == 1 and Kept.finalized == 2

class Plain(g.xi_Owned):            # no __destruct__ of its own
    pass
p = Plain()
g.xi_delete(p)
assert not p
del p
gc.collect()
print("done")
''', timeout=120)


def test_protected_members_are_usable_from_python_subclasses(g):
    cpplive.cppdef("""
    class xi_Guarded {
    public:
        xi_Guarded() : level(101) {}
        virtual ~xi_Guarded() {}
        int get_level() const { return level; }
    protected:
        int level;
        int twice() const { return 2 * level; }
        static int unit() { return 7; }
    };
    """)
    assert "level" not in g.xi_Guarded.__dict__
    assert not hasattr(g.xi_Guarded(), "level")
    with pytest.raises(AttributeError):
        g.xi_Guarded().twice()

    class Open(g.xi_Guarded):
        def __init__(self):
            super().__init__()
            assert self.level == 101
            self.level = 42

    o = Open()
    assert "level" in Open.__dict__
    assert o.level == 42 and o.get_level() == 42      # C++ sees the write
    assert o.twice() == 84 and Open.unit() == 7


def test_temporary_returned_by_override_as_pointer_is_null():
    # A Python-owned temporary returned as a raw pointer would be deleted as
    # the override returns: C++ gets null (a dangling pointer crashed).
    run_python_ok(r'''
import cpplive
cpplive.cppdef("""
#include <string>
struct xi_Maker { virtual ~xi_Maker() {} virtual xi_Maker* make() { return new xi_Maker(); }
                  virtual std::string who() { return "C++"; } };
xi_Maker* xi_call_make(xi_Maker& m) { return m.make(); }
""")
g = cpplive.gbl
class Temp(g.xi_Maker):
    def make(self):
        return g.xi_Maker()
assert not g.xi_call_make(Temp())
class Released(g.xi_Maker):
    def make(self):
        x = g.xi_Maker()
        x.__python_owns__ = False
        return x
made = g.xi_call_make(Released())
assert made and made.who() == "C++"
kept = g.xi_Maker()
class Kept(g.xi_Maker):
    def make(self):
        return kept                 # alive elsewhere: its own pointer
assert g.xi_call_make(Kept()) is kept
print("done")
''', timeout=120)


def test_python_class_deriving_from_several_cpp_classes():
    cpplive.cppdef("""
    namespace xi_multi {
    class A { public: A(int i = 13) : m_a(i) {} virtual ~A() {} virtual int x() = 0; int m_a; };
    class B { public: B(int i = 42) : m_b(i) {} B(int i, int j) : m_b(i * j) {} virtual ~B() {} virtual int y() = 0; int m_b; };
    class C { public: C() = delete; C(int) {} virtual ~C() {} };
    class D { D() = delete; public: virtual ~D() {} };
    int callx(A& a) { return a.x(); }
    int cally(B& b) { return b.y(); }
    }""")
    ns = cpplive.gbl.xi_multi

    class Both(cpplive.multi(ns.A, ns.B)):
        def __init__(self, *per_base):
            super().__init__(*per_base)

        def x(self):
            return 16

        def y(self):
            return 32

    assert len(Both.__bases__) == 2
    both = Both()
    assert (ns.callx(both), ns.cally(both)) == (16, 32)     # one C++ object, both overrides
    assert (both.m_a, both.m_b) == (13, 42)
    assert (Both((1,), (2,)).m_a, Both((1,), (2,)).m_b) == (1, 2)
    assert Both((), (3, 4)).m_b == 12                         # the arguments pick each base's constructor
    assert Both((5,)).m_b == 42                               # missing tuples: defaults
    with pytest.raises(TypeError):
        Both(1, 2)                                            # one tuple per base

    class Fixed(cpplive.multi(ns.C, ns.A)):
        def x(self):
            return 1
    assert ns.callx(Fixed((7,))) == 1
    with pytest.raises(TypeError):
        Fixed()                                               # C has no default constructor

    class Never(cpplive.multi(ns.D, ns.A)):
        def x(self):
            return 1
    with pytest.raises(TypeError):
        Never()                                               # D cannot be constructed at all

def test_make_shared_of_a_python_class():
    cpplive.cppdef("""
    namespace xi_ms {
    struct Abstract { static int alive; Abstract() { ++alive; } virtual ~Abstract() { --alive; } virtual int imp() = 0; };
    int Abstract::alive = 0;
    int call_shared(std::shared_ptr<Abstract>& p) { return p->imp(); }
    }""")
    ns = cpplive.gbl.xi_ms
    std = cpplive.gbl.std

    class PyDerived(ns.Abstract):
        def __init__(self, val):
            super().__init__()
            self.val = val

        def imp(self):
            return self.val

    gc.collect()
    v = std.make_shared[PyDerived](42)             # made in Python, keeping its Python part
    assert type(v) is PyDerived and ns.call_shared(v) == 42 and v.imp() == 42
    p = PyDerived(13)
    w = std.make_shared[PyDerived](p)              # an existing object is taken over
    assert w is p and ns.call_shared(w) == 13
    assert type(w.__smartptr__()) is std.shared_ptr[ns.Abstract]
    assert ns.Abstract.alive == 2
    del v, w, p
    gc.collect()
    assert ns.Abstract.alive == 0


def test_cpp_copies_get_their_own_python_object_with_the_state():
    # Copies C++ makes (a vector of the Python class, its reallocations)
    # are objects of the Python class holding a copy of the original's
    # attributes; the C++ copy keeps its Python object until destroyed.
    code = r"""
import gc
import cpplive
cpplive.cppdef('''
namespace xi_copy {
struct Counted {
    static int alive;
    Counted() { ++alive; }
    Counted(const Counted&) { ++alive; }
    virtual ~Counted() { --alive; }
    virtual int call() { return -1; }
};
int Counted::alive = 0;
int call(Counted& c) { return c.call(); }
}''')
ns = cpplive.gbl.xi_copy

class PyCounted(ns.Counted):
    def call(self):
        return getattr(self, "extra", 0) + 42

v = cpplive.gbl.std.vector[PyCounted]()
p = PyCounted()
p.extra = 42
v.push_back(p)
assert type(v[0]) is PyCounted and v[0] is not p
assert v[0].call() == 84 and ns.call(v[0]) == 84      # from Python and from C++
p.extra = 13
assert p.call() == 55 and v[0].call() == 84           # a copy, not shared
del p
gc.collect()
for i in range(8):                                    # reallocations copy again
    v.push_back(PyCounted())
assert ns.call(v[0]) == 84 and v[0].extra == 42
assert v[0] is v[0]
gc.collect()
assert ns.Counted.alive == 9
del v
gc.collect()
assert ns.Counted.alive == 0
print("ok")
"""
    assert run_python_ok(code, timeout=240).strip().endswith("ok")


def test_base_method_called_through_its_class_is_not_virtual(g):
    cpplive.cppdef("""
    namespace xi_direct {
    struct A { virtual ~A() {} virtual int f() { return 1; } virtual int g() = 0; };
    struct B : A { int f() override { return 2; } int g() override { return 20; } };
    int call_f(A& a) { return a.f(); }
    }""")
    ns = cpplive.gbl.xi_direct
    b = ns.B()
    assert b.f() == 2 and ns.A.f(b) == 1 and ns.B.f(b) == 2    # as C++'s b.A::f()
    assert ns.A.g(b) == 20                                     # a pure virtual stays virtual
    with pytest.raises(TypeError):
        ns.B.f(object())                                       # still only a B

    class C(ns.B):
        def f(self):
            return ns.B.f(self) + 100                          # the base's, no recursion

    c = C()
    assert c.f() == 102 and ns.call_f(c) == 102
    method = ns.A.f
    method.__release_gil__ = True                              # settings are the method's own
    assert ns.A.__dict__["f"].__release_gil__ is True
    method.__release_gil__ = False


def test_base_without_virtual_destructor_warns():
    cpplive.cppdef("""
    namespace xi_dtor {
    struct Plain {};
    struct Virtual { virtual ~Virtual() {} };
    struct Inherits : Virtual {};
    }""")
    ns = cpplive.gbl.xi_dtor
    with pytest.warns(RuntimeWarning, match="has no virtual destructor"):
        class FromPlain(ns.Plain):
            pass
    del FromPlain
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        class FromVirtual(ns.Virtual):
            pass

        class FromInherits(ns.Inherits):
            pass
    assert FromVirtual() and FromInherits()


def test_several_bases_one_a_python_class_with_overrides():
    cpplive.cppdef("""
    namespace xi_deepmulti {
    struct A { virtual ~A() {} virtual int a() { return 1; } };
    struct B { virtual ~B() {} virtual int b() { return 2; } };
    int call_a(A* p) { return p->a(); }
    int call_b(B* p) { return p->b(); }
    }""")
    ns = cpplive.gbl.xi_deepmulti

    class PyB(ns.B):
        def b(self):
            return 20

    class Both(cpplive.multi(ns.A, PyB)):       # PyB's override stays in
        def a(self):
            return 10

    both = Both()
    assert (ns.call_a(both), ns.call_b(both), both.b()) == (10, 20, 20)

    class Later(cpplive.multi(PyB, ns.A)):
        pass

    later = Later()
    assert (ns.call_a(later), ns.call_b(later)) == (1, 20)


def test_shared_ptr_of_a_python_class_in_a_container():
    cpplive.cppdef("""
    namespace xi_spvec {
    struct Base { static int alive; Base() { ++alive; } virtual ~Base() { --alive; } virtual int v() { return 1; } };
    int Base::alive = 0;
    }""")
    ns = cpplive.gbl.xi_spvec
    std = cpplive.gbl.std

    class PyBase(ns.Base):
        def v(self):
            return 5

    gc.collect()
    v = std.vector[std.shared_ptr[PyBase]]()
    v.push_back(std.make_shared[PyBase]())      # shares the object's ownership
    gc.collect()
    assert ns.Base.alive == 1 and len(v) == 1
    del v
    gc.collect()
    assert ns.Base.alive == 0


def test_override_that_is_a_plain_callable_or_staticmethod(g):
    class Constant(object):
        def __call__(self, step):
            return 7                                # not a descriptor: not bound

    class ByCallable(g.xi_Counter):
        next = Constant()

    class ByStatic(g.xi_Counter):
        next = staticmethod(lambda step: step * 3)

    assert g.xi_run(ByCallable()) == 14 and g.xi_run(ByStatic()) == 9     # called from C++


def test_overrides_get_references_to_numbers_with_value():
    cpplive.cppdef(r"""
    struct xi_Refs {
        virtual ~xi_Refs() {}
        virtual int by_ref(int& a) { return a; }
        virtual int by_cref(const int& a) { return a; }
        virtual void out(double& d) { d = 1; }
        static int run(xi_Refs& r) { int i = 3; int s = r.by_ref(i); return s + i; }
        static int run_c(xi_Refs& r) { return r.by_cref(4); }
        static double run_out(xi_Refs& r) { double d = 0; r.out(d); return d; }
    };
    """)

    class Refs(cpplive.gbl.xi_Refs):
        def by_ref(self, a):
            a.value += 10
            return a.value * 2

        def by_cref(self, a):
            return a.value * 2

        def out(self, d):
            d.value = 2.5

    r = Refs()
    assert cpplive.gbl.xi_Refs.run(r) == 26 + 13
    assert cpplive.gbl.xi_Refs.run_c(r) == 8
    assert cpplive.gbl.xi_Refs.run_out(r) == 2.5


def test_cpp_catches_the_exception_a_python_override_raised():
    cpplive.cppdef(r"""
    struct xi_Raiser { virtual ~xi_Raiser() {} virtual int value(int) { return 0; } };
    std::string xi_caught(xi_Raiser& r, bool handle) {
        try {
            r.value(1);
        } catch (CPyCppyy::PyException& e) {
            if (handle) e.clear();
            return e.what();
        }
        return "";
    }
    int xi_not_caught(xi_Raiser& r) { return r.value(2) + 1; }
    """)

    class Raiser(cpplive.gbl.xi_Raiser):
        def value(self, n):
            raise ValueError("no value for %d" % n)

    r = Raiser()
    text = cpplive.gbl.xi_caught(r, True)          # C++ handled it: nothing raised here
    assert "ValueError" in text and "no value for 1" in text
    assert "test_cross_inheritance.py" in text     # the traceback
    with pytest.raises(ValueError, match="no value for 2"):
        cpplive.gbl.xi_not_caught(r)               # through the C++ frames
    assert cpplive.gbl.xi_not_caught(cpplive.gbl.xi_Raiser()) == 1


def test_pyexception_header_can_be_included():
    cpplive.include("CPyCppyy/PyException.h")
    cpplive.cppdef("bool xi_is_std_exception(const CPyCppyy::PyException& e) { const std::exception& s = e; return s.what() != nullptr; }")


def test_class_without_public_constructors_is_not_made_through_a_python_class():
    cpplive.cppdef(r"""
    struct xi_Root { virtual ~xi_Root() {} };
    class xi_Shut : xi_Root { protected: xi_Shut() {} xi_Shut(const xi_Shut&&) = delete; };
    class xi_Ajar : public xi_Root { protected: xi_Ajar() {} };     // its implicit copy is public
    """)
    g = cpplive.gbl

    class Shut(g.xi_Shut):
        pass

    class Ajar(g.xi_Ajar):
        pass

    with pytest.raises(TypeError):
        Shut()
    assert Ajar()
