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
    "operator[]": ("__getitem__",), "operator()": ("__call__",), "operator,": ("__comma__",),
    "operator bool": ("__bool__",),
}

_user_pythonizors = []


def add_pythonization(pythonizor, scope=""):
    """Calls `pythonizor(klass, name)` for every class proxy made from now on
    in namespace (or class) `scope`, at any depth; `name` is the class's C++
    name relative to `scope` ("" for all classes: the fully qualified
    name)."""
    if not callable(pythonizor):
        raise TypeError("a pythonization must be callable")
    _user_pythonizors.append((scope.strip(":"), pythonizor))


def remove_pythonization(pythonizor, scope=""):
    """Removes a pythonization added for `scope`; False when there was
    none (the same function, or an equal one)."""
    try:
        _user_pythonizors.remove((scope.strip(":"), pythonizor))
    except ValueError:
        return False
    return True


def compose_method(class_pattern, method_pattern, composer):
    """A pythonization (for `add_pythonization`) that wraps methods: in each
    class whose name matches regular expression `class_pattern` (matched
    from the start, against the name the pythonization is given), each
    method whose name matches `method_pattern` becomes
    `lambda self, *a, **k: composer(self, method(self, *a, **k))`."""
    import re
    classes, methods = re.compile(class_pattern), re.compile(method_pattern)

    def pythonizor(klass, name):
        if not classes.match(name):
            return
        for attr in list(klass.__dict__):
            if not methods.match(attr):
                continue
            method = getattr(klass, attr)
            if not callable(method):
                continue
            setattr(klass, attr, _composed(method, composer))

    return pythonizor


def _composed(method, composer):
    def composed(self, *args, **kwargs):
        return composer(self, method(self, *args, **kwargs))
    composed.__name__ = getattr(method, "__name__", "composed")
    composed.__doc__ = getattr(method, "__doc__", None)
    return composed


def _relative_name(qualified, scope):
    """`qualified` relative to `scope`, or None when it is not inside it."""
    if not scope:
        return qualified
    if qualified.startswith(scope + "::"):
        return qualified[len(scope) + 2:]
    return None


# The static member functions C++ classes declare to pythonize their own
# proxies (cppyy's convention): `static void __cppyy_pythonize__(PyObject*
# klass, const std::string& name)` runs for the class and every class
# derived from it, `__cppyy_explicit_pythonize__` for that class only.
_CPP_HOOK_INHERITED = "__cppyy_pythonize__"
_CPP_HOOK_OWN = "__cppyy_explicit_pythonize__"


def _cpp_side_pythonizations(cls, qualified):
    hook = cls.__dict__.get(_CPP_HOOK_OWN)
    if hook is None:
        hook = next((klass.__dict__[_CPP_HOOK_INHERITED] for klass in cls.__mro__
                     if _CPP_HOOK_INHERITED in klass.__dict__), None)
    if hook is not None:
        try:
            hook(cls, qualified)
        except TypeError:
            # Where `PyObject*` parameters do not take a Python object
            # as itself: the class object seen as the C `_object` it is.
            from . import _cpplive, eval_type
            hook(_cpplive.bind_object(id(cls), eval_type("_object"), False), qualified)


def _position(i, n, kind):
    """Index `i` of a sequence of `n` elements, counted from the end when
    negative; TypeError or IndexError as for Python's own sequences."""
    if not isinstance(i, int):
        raise TypeError("%s indices must be integers, not %s" % (kind, type(i).__name__))
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError("%s index out of range" % kind)
    return i


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
        return _position(i, self.size(), "vector")

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
            from . import gbl
            from ._cpplive import cppdef
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
    size = cls.__dict__.get("size")
    cls.__len__ = size if size is not None else (lambda self: self.size())
    if at is not None:
        def compile_getitem():
            # Indexing goes straight to a compiled, bounds-checked helper;
            # slices fall back to Python. Compiled on first use: a vector
            # that is never indexed does not pay for it.
            from . import gbl
            from ._cpplive import cppdef
            helper = "__cpplive_getitem_%d" % cls.__cpp_scope__
            try:
                cppdef("auto %s(%s& v, long long i) -> decltype(v[0]) { long long n = (long long)v.size(); "
                       "if (i < 0) i += n; if (i < 0 || i >= n) throw std::out_of_range(\"vector index out of range\"); "
                       "return v[i]; }" % (helper, qualified))
                fast = _c.method_from_function(getattr(gbl, helper), __getitem__)
            except (SyntaxError, AttributeError, NotImplementedError):
                # NotImplementedError: no compiler (only dictionaries answer).
                fast = __getitem__
            cls.__getitem__ = fast
            return fast

        cls.__getitem__ = lambda self, i: compile_getitem()(self, i)
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
    cls.__add__ = lambda self, other: self.c_str() + str(other)
    cls.__hash__ = lambda self: hash(self.c_str())


_BINARY = {
    "__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/", "__mod__": "%",
    "__eq__": "==", "__ne__": "!=", "__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=",
    "__and__": "&", "__or__": "|", "__xor__": "^", "__lshift__": "<<", "__rshift__": ">>",
}

_operator_helpers = {}
_helper_counter = [0]


_REFLECTED = {
    "__radd__": "+", "__rsub__": "-", "__rmul__": "*", "__rtruediv__": "/", "__rmod__": "%",
    "__rand__": "&", "__ror__": "|", "__rxor__": "^",
}

_UNARY = {"__neg__": "-", "__pos__": "+", "__invert__": "~"}


# Type reducers (`add_type_reducer`): C++ operators applied from Python
# whose result type is a key here give the value type instead, converted as
# C++ converts (expression templates: `a + b` as the matrix, not the
# expression object). A trait compiled on first use, specialized per pair.
_type_reducers = {}


def add_type_reducer(reducable, reduced):
    """Makes C++ operators applied from Python (`a + b`, ...) that yield a
    `reducable` (a C++ type spelling) give a `reduced` instead, converted
    by C++ (implicitly, or through a constructor of `reduced`). Applies to
    operator helpers compiled from then on."""
    from . import cppdef
    if not _type_reducers:
        cppdef("namespace __cpplive_reducers { template<class T> struct reduced { using type = T; }; }")
    if reducable in _type_reducers:
        if _type_reducers[reducable] != reduced:
            raise ValueError("'%s' is already reduced to '%s'" % (reducable, _type_reducers[reducable]))
        return
    cppdef("namespace __cpplive_reducers { template<> struct reduced<%s> { using type = %s; }; }" % (reducable, reduced))
    _type_reducers[reducable] = reduced


def _operator_helper(symbol, left, right):
    """A compiled helper applying C++ `left symbol right` (or `symbol left`
    when `right` is None), found by C++'s own lookup (members and free
    functions, by argument-dependent lookup); None when C++ has no such
    operator."""
    key = (symbol, left, right)
    if key in _operator_helpers:
        return _operator_helpers[key]
    from . import gbl
    from ._cpplive import cppdef
    _helper_counter[0] += 1
    name = "__cpplive_operator_%d" % _helper_counter[0]
    helper = None
    expression = "%sa" % symbol if right is None else "a %s b" % symbol
    result = "decltype(%s)" % expression
    if _type_reducers:
        result = "typename ::__cpplive_reducers::reduced<%s>::type" % result
    # The left operand const first (as most operators take it), then not
    # (`x % y` through a non-const member, a stream's `<<`).
    for constness in ("const ", ""):
        if right is None:
            code = "auto %s(%s%s& a) -> %s { return %s; }" % (name, constness, left, result, expression)
        else:
            code = "auto %s(%s%s& a, const %s& b) -> %s { return %s; }" % (name, constness, left, right, result, expression)
        try:
            cppdef(code)
            helper = getattr(gbl, name)
            break
        except (SyntaxError, AttributeError):
            _helper_counter[0] += 1
            name = "__cpplive_operator_%d" % _helper_counter[0]
        except NotImplementedError:
            # No compiler: only dictionaries answer.
            helper = _declared_operator(symbol, left, right)
            break
    _operator_helpers[key] = helper
    return helper


def _enclosing_scope(spelling):
    """The scope part of a qualified C++ name (`ns` of `ns::Box<a::b>`)."""
    depth, cut = 0, -1
    for i, ch in enumerate(spelling):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0 and spelling.startswith("::", i):
            cut = i
    return spelling[:cut].strip(":") if cut > 0 else ""


def _declared_operator(symbol, left, right):
    """The free `operator<symbol>` declared in the namespace of an
    operand's class (argument-dependent lookup, as far as a dictionary
    holds it), called as it is; None when there is none. Without a
    compiler no helper can be made, so the conversions C++ would apply to
    reach it are not tried."""
    from . import gbl
    for spelling in (left, right):
        if not spelling:
            continue
        scope = _enclosing_scope(spelling)
        target = gbl
        try:
            for part in scope.split("::") if scope else ():
                target = getattr(target, part)
            function = getattr(target, "operator" + symbol)
        except AttributeError:
            continue
        if right is None:
            return function

        def apply(a, b, function=function):
            try:
                return function(a, b)
            except TypeError:
                return NotImplemented
        return apply
    return None


def _make_binary(py_name, symbol, reflected=False):
    def operator(self, other):
        from ._proxies import argument_type
        try:
            other_type = argument_type(other)
        except TypeError:
            return NotImplemented
        mine = type(self).__cpp_name__
        if reflected:
            helper = _operator_helper(symbol, other_type, mine)
            return NotImplemented if helper is None else helper(other, self)
        helper = _operator_helper(symbol, mine, other_type)
        return NotImplemented if helper is None else helper(self, other)
    operator.__name__ = py_name
    return operator


def expression_operator(py_name):
    """The Python operator method for `py_name` that compiles the C++
    expression (`a * b`), or None when `py_name` is not one."""
    if py_name in _BINARY:
        return _make_binary(py_name, _BINARY[py_name])
    if py_name in _REFLECTED:
        return _make_binary(py_name, _REFLECTED[py_name], reflected=True)
    if py_name in _UNARY:
        return _make_unary(py_name, _UNARY[py_name])
    return None


def _make_unary(py_name, symbol):
    def operator(self):
        helper = _operator_helper(symbol, type(self).__cpp_name__, None)
        if helper is None:
            raise TypeError("bad operand type for unary %s: '%s' (no C++ operator%s)" % (symbol, type(self).__cpp_name__, symbol))
        return helper(self)
    operator.__name__ = py_name
    return operator


def _setitem_through_reference(self, index, value):
    """`obj[i] = x` for a C++ operator[] returning a reference."""
    from . import gbl
    getattr(gbl, "__cpplive").setitem(self, index, value)


def _str_via_stream(self):
    """str() through C++ `operator<<(std::ostream&, const T&)` when there is one."""
    cls = type(self)
    key = ("<<str", cls.__cpp_name__)
    if key not in _operator_helpers:
        from . import gbl
        from ._cpplive import cppdef
        _helper_counter[0] += 1
        name = "__cpplive_str_%d" % _helper_counter[0]
        try:
            cppdef("std::string %s(const %s& x) { std::ostringstream s; s << x; return s.str(); }" % (name, cls.__cpp_name__))
            _operator_helpers[key] = getattr(gbl, name)
        except (SyntaxError, AttributeError):
            _operator_helpers[key] = None
    helper = _operator_helpers[key]
    if helper is None:
        return repr(self)
    return helper(self)


def _defines(cls, py_name):
    return any(py_name in klass.__dict__ for klass in cls.__mro__[:-2])


def _add_operator_fallbacks(cls):
    for py_name, symbol in _BINARY.items():
        if not _defines(cls, py_name):
            setattr(cls, py_name, _make_binary(py_name, symbol))
    for py_name, symbol in _REFLECTED.items():
        if not _defines(cls, py_name):
            setattr(cls, py_name, _make_binary(py_name, symbol, reflected=True))
    for py_name, symbol in _UNARY.items():
        if not _defines(cls, py_name):
            setattr(cls, py_name, _make_unary(py_name, symbol))
    if _defines(cls, "__getitem__") and not _defines(cls, "__setitem__"):
        cls.__setitem__ = _setitem_through_reference
    if "__eq__" not in cls.__dict__ or "__hash__" not in cls.__dict__:
        cls.__hash__ = lambda self: hash((type(self).__cpp_name__, _address(self)))
    if not any("__str__" in klass.__dict__ for klass in cls.__mro__[:-2]):
        cls.__str__ = _str_via_stream


def _address(obj):
    from . import _cpplive
    return _cpplive.addressof(obj)


_cursors = {}


def _iterate(self):
    """Iteration over [begin(), end()) through `__cpplive::cursor<C>`,
    compiled once per container class."""
    name = type(self).__cpp_name__
    cursor = _cursors.get(name)
    if cursor is None:
        from . import gbl
        cursor = _cursors[name] = getattr(gbl, "__cpplive").cursor[name]
    c = cursor(self)
    done, get, advance = c.done, c.get, c.advance
    while not done():
        yield get()
        advance()


def _pythonize_tuple(cls):
    """len(), indexing and unpacking through `std::get` (compiled once per
    tuple class and index)."""
    from . import gbl
    helpers = getattr(gbl, "__cpplive")
    getters = {}
    size = []

    def __len__(self):
        if not size:
            size.append(helpers.tuple_size_of(self))
        return size[0]

    def __getitem__(self, i):
        i = _position(i, len(self), "tuple")
        getter = getters.get(i)
        if getter is None:
            getter = getters[i] = helpers.tuple_get[i]
        return getter(self)

    cls.__len__ = __len__
    cls.__getitem__ = __getitem__
    cls.__iter__ = lambda self: (self[i] for i in range(len(self)))


def _pythonize_container(cls, qualified):
    """What any C++ container offers to Python, as cppyy does: `len()` from
    `size()`, iteration from `begin()`/`end()`, `in` from `count()`."""
    if _defines(cls, "size") and not _defines(cls, "__len__"):
        cls.__len__ = lambda self: self.size()
    if _defines(cls, "begin") and _defines(cls, "end") and not _defines(cls, "__iter__"):
        cls.__iter__ = _iterate
    if _defines(cls, "empty") and _defines(cls, "size") and not _defines(cls, "__bool__"):
        # An empty container is falsy, as a Python one is.
        cls.__bool__ = lambda self: not self.empty()
    if _defines(cls, "count") and _defines(cls, "find") and not _defines(cls, "__contains__"):
        cls.__contains__ = lambda self, key: bool(self.count(key))
    if qualified.startswith("std::pair<"):
        cls.__iter__ = lambda self: iter((self.first, self.second))
        cls.__len__ = lambda self: 2
    elif qualified.startswith("std::tuple<"):
        _pythonize_tuple(cls)


# Standard classes made from Python values (`std.map[str, int]({'a': 1})`,
# and so implicitly for parameters of those types), by the class's
# template name: how the values go in.
_FILLED_BY = {
    "std::list": "push_back", "std::deque": "push_back", "std::forward_list": "push_front",
    "std::set": "insert", "std::multiset": "insert", "std::unordered_set": "insert",
    "std::unordered_multiset": "insert",
    "std::map": "mapping", "std::unordered_map": "mapping",
    "std::multimap": "pairs", "std::unordered_multimap": "pairs",
    "std::pair": "unpack", "std::tuple": "unpack", "std::array": "assign",
    "std::initializer_list": "backed",
}


def _template_name(qualified):
    return qualified.split("<", 1)[0] if "<" in qualified else None


def _python_value(arg):
    """Whether `arg` is a Python value to make a container from (not a C++
    object, a number or a string, which the class's own constructors take)."""
    from . import _cpplive as _c
    if isinstance(arg, (_c.CppObject, str, bytes, int, float)):
        return False
    return isinstance(arg, (dict, list, tuple, set, frozenset, range)) or hasattr(arg, "__iter__")


def _fill(self, how, value, qualified):
    if how in ("push_back", "insert"):
        add = getattr(self, how)
        for item in value:
            add(item)
    elif how == "push_front":
        for item in reversed(list(value)):
            self.push_front(item)
    elif how == "mapping":
        items = value.items() if isinstance(value, dict) else value
        for k, v in items:
            self[k] = v
    elif how == "pairs":
        pair = type(self).value_type if hasattr(type(self), "value_type") else None
        items = value.items() if isinstance(value, dict) else value
        for k, v in items:
            self.insert(pair(k, v) if pair is not None else (k, v))
    elif how == "assign":
        items = list(value)
        if len(items) != len(self):
            raise ValueError("%s holds %d elements, not %d" % (qualified, len(self), len(items)))
        for i, item in enumerate(items):
            self[i] = item


_list_makers = {}


def _back_initializer_list(self, value, qualified):
    """An initializer_list over a vector of the values, kept by the list
    (C++ cannot make one at run time: it points into the vector)."""
    from . import gbl, cppdef
    element = qualified[len("std::initializer_list<"):-1].strip()
    maker = _list_makers.get(qualified)
    if maker is None:
        if element == "bool":
            raise TypeError("a std::initializer_list<bool> cannot be made from Python values")
        name = "__cpplive_initializer_list_%d" % type(self).__cpp_scope__
        cppdef(
            "#include <cstring>\n#include <vector>\n"
            "void %s(%s& list, const std::vector<%s>& items) {\n"
            "  struct raw { const %s* data; std::size_t size; } r{items.data(), items.size()};\n"
            "  static_assert(sizeof(raw) == sizeof(list), \"initializer_list layout\");\n"
            "  std::memcpy(static_cast<void*>(&list), &r, sizeof r);\n}\n" % (name, qualified, element, element))
        maker = _list_makers[qualified] = getattr(gbl, name)
    backing = gbl.std.vector[element](list(value))
    maker(self, backing)
    object.__setattr__(self, "_cpplive_backing", backing)


def _pythonize_from_python(cls, qualified):
    how = _FILLED_BY.get(_template_name(qualified))
    construct = cls.__dict__.get("__init__")
    if how is None or construct is None:
        return

    def __init__(self, *args, **kwargs):
        if len(args) != 1 or kwargs or not _python_value(args[0]):
            return construct(self, *args, **kwargs)
        value = args[0]
        if how == "unpack":
            return construct(self, *value)
        construct(self)
        if how == "backed":
            _back_initializer_list(self, value, qualified)
        else:
            _fill(self, how, value, qualified)

    __init__.__doc__ = construct.__doc__
    cls.__init__ = __init__


def _exception_str(self):
    """A raised C++ exception reads as "type: what()"; one made in Python
    as its `what()`."""
    if self.args:
        return BaseException.__str__(self)
    if self and hasattr(self, "what"):
        try:
            return self.what()
        except Exception:
            pass
    return BaseException.__str__(self)


def pythonize(cls, qualified):
    if issubclass(cls, BaseException) and "__str__" not in cls.__dict__:
        cls.__str__ = _exception_str
    _add_operator_fallbacks(cls)
    if qualified.startswith("std::vector<"):
        _pythonize_vector(cls, qualified)
    elif qualified in ("std::basic_string<char>", "std::string") or qualified.startswith("std::basic_string<char,"):
        _pythonize_string(cls, qualified)
    _pythonize_container(cls, qualified)
    _pythonize_from_python(cls, qualified)
    _cpp_side_pythonizations(cls, qualified)
    for scope, pythonizor in list(_user_pythonizors):
        name = _relative_name(qualified, scope)
        if name is not None:
            pythonizor(cls, name)
