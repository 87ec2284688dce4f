"""Pythonizations: C++ operators as Python special methods, STL containers
and std::string behaving like their Python counterparts, and the hooks users
register with `add_pythonization`."""

OPERATORS = {
    "operator==": ("__eq__",), "operator!=": ("__ne__",),
    "operator<": ("__lt__",), "operator<=": ("__le__",),
    "operator>": ("__gt__",), "operator>=": ("__ge__",),
    "operator+": ("__add__", "__pos__"), "operator-": ("__sub__", "__neg__"),
    "operator*": ("__mul__",), "operator/": ("__truediv__",), "operator%": ("__mod__",),
    "operator+=": ("__iadd__",), "operator-=": ("__isub__",),
    "operator*=": ("__imul__",), "operator/=": ("__itruediv__",),
    "operator&": ("__and__",), "operator|": ("__or__",), "operator^": ("__xor__",),
    "operator<<": ("__lshift__",), "operator>>": ("__rshift__",), "operator~": ("__invert__",),
    "operator[]": ("__getitem__",), "operator()": ("__call__",),
    "operator bool": ("__bool__",),
}

_user_pythonizors = []


def add_pythonization(pythonizor, scope=""):
    """Calls `pythonizor(klass, name)` for every class proxy made from now on
    whose C++ name starts with `scope` ("" for all)."""
    if not callable(pythonizor):
        raise TypeError("a pythonization must be callable")
    _user_pythonizors.append((scope.strip(":"), pythonizor))


def remove_pythonization(pythonizor, scope=""):
    _user_pythonizors.remove((scope.strip(":"), pythonizor))


def _pythonize_vector(cls, qualified):
    from . import _cpplive as _c
    construct = cls.__dict__.get("__init__")

    def __init__(self, *args):
        if len(args) == 1 and not isinstance(args[0], (int, _c.CppObject)) and hasattr(args[0], "__iter__"):
            construct(self)
            for item in args[0]:
                self.push_back(item)
            return
        construct(self, *args)

    def _index(self, i):
        n = self.size()
        if not isinstance(i, int):
            raise TypeError("vector indices must be integers, not %s" % type(i).__name__)
        if i < 0:
            i += n
        if i < 0 or i >= n:
            raise IndexError("vector index out of range")
        return i

    at = cls.__dict__.get("operator[]")

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [at(self, k) for k in range(*i.indices(self.size()))]
        return at(self, _index(self, i))

    setters = {}

    def __setitem__(self, i, value):
        i = _index(self, i)
        setter = setters.get("f")
        if setter is None:
            from . import gbl, cppdef
            name = "__cpplive_setitem_%d" % cls.__cpp_scope__
            cppdef("void %s(%s& v, unsigned long i, const %s::value_type& x) { v[i] = x; }" % (name, qualified, qualified))
            setter = setters["f"] = getattr(gbl, name)
        setter(self, i, value)

    def __iter__(self):
        for k in range(self.size()):
            yield at(self, k)

    def __repr__(self):
        return "<cpplive.gbl.%s %s>" % (qualified, list(self))

    if construct is not None:
        cls.__init__ = __init__
    cls.__len__ = lambda self: self.size()
    if at is not None:
        cls.__getitem__ = __getitem__
        cls.__iter__ = __iter__
        cls.__setitem__ = __setitem__
        cls.__repr__ = __repr__
    cls.__contains__ = lambda self, x: any(item == x for item in self)


def _pythonize_string(cls, qualified):
    cls.__str__ = lambda self: self.c_str()
    cls.__repr__ = lambda self: "<cpplive.gbl.std.string %r>" % self.c_str()
    cls.__len__ = lambda self: self.size()

    def __eq__(self, other):
        if isinstance(other, str):
            return self.c_str() == other
        if isinstance(other, cls):
            return self.c_str() == other.c_str()
        return NotImplemented

    cls.__eq__ = __eq__
    cls.__ne__ = lambda self, other: not (self == other)
    cls.__hash__ = lambda self: hash(self.c_str())


def pythonize(cls, qualified):
    if qualified.startswith("std::vector<"):
        _pythonize_vector(cls, qualified)
    elif qualified in ("std::basic_string<char>", "std::string") or qualified.startswith("std::basic_string<char,"):
        _pythonize_string(cls, qualified)
    for scope, pythonizor in _user_pythonizors:
        if qualified.startswith(scope):
            pythonizor(cls, qualified)
