"""Pythonizations: C++ operators as Python special methods, STL containers
and std::string behaving like their Python counterparts, and the hooks users
register with `add_pythonization`."""

from . import _cpplive as _c

OPERATORS = {
    "operator==": ("__eq__",), "operator!=": ("__ne__",),
    "operator<": ("__lt__",), "operator<=": ("__le__",),
    "operator>": ("__gt__",), "operator>=": ("__ge__",),
    "operator+": ("__add__", "__pos__"), "operator-": ("__sub__", "__neg__"),
    # Unary `*` and `++`/`--` under cppyy's names: an iterator steps and
    # reads through them (`it.__deref__()`, `it.__preinc__()`,
    # `it.__postinc__(0)`); one overload set serves both arities.
    "operator*": ("__mul__", "__deref__"), "operator/": ("__truediv__",), "operator%": ("__mod__",),
    "operator+=": ("__iadd__",), "operator-=": ("__isub__",),
    "operator*=": ("__imul__",), "operator/=": ("__itruediv__",),
    "operator&": ("__and__",), "operator|": ("__or__",), "operator^": ("__xor__",),
    "operator<<": ("__lshift__",), "operator>>": ("__rshift__",), "operator~": ("__invert__",),
    "operator[]": ("__getitem__",), "operator()": ("__call__",), "operator,": ("__comma__",),
    "operator bool": ("__bool__",), "operator=": ("__assign__",),
    "operator++": ("__preinc__", "__postinc__"), "operator--": ("__predec__", "__postdec__"),
    "operator->": ("__follow__",),
}

# Python's binary operator methods answer NotImplemented for operands they
# do not take, so that Python tries the other operand's reflected method
# (`b == d` with `d` of a derived class asks `d.__eq__(b)` first) or its
# own default; a C++ operator that matches no overload does the same there.
BINARY_SLOTS = frozenset([
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__sub__", "__mul__",
    "__truediv__", "__mod__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__and__", "__or__",
    "__xor__", "__lshift__", "__rshift__",
])


def _not_implemented(*args, **kwargs):
    return NotImplemented


def operator_slot(py_name, member):
    """`member` (an operator's C++ callable) as Python's `py_name` method.
    When none of its overloads takes the operand, the C++ expression
    decides (a free operator, as `it1 - it2` next to a member `it - n`),
    and NotImplemented where C++ has none either."""
    if py_name in BINARY_SLOTS:
        operator = _c_with_fallback(member, expression_operator(py_name) or _not_implemented)
        return _null_aware(py_name, operator) if py_name in _EQUALITY else operator
    return member


_EQUALITY = ("__eq__", "__ne__")
_PROXY_ROOTS = (_c.CppObject, _c.CppExceptionObject)


def _null_aware(py_name, compare):
    """`compare` (C++'s `==` or `!=`) deciding first where a null object
    takes part, which C++ is never handed (see `_null_equality`)."""
    negate = py_name == "__ne__"

    def operator(self, other):
        equal = _null_equality(self, other)
        if equal is None:
            return compare(self, other)
        return (not equal) if negate else equal
    operator.__name__ = py_name
    return operator


def null_is_false(truth):
    """A class's own truth (C++'s `operator bool`, a container's
    emptiness) for its live objects; a null object is false without
    asking C++, as every null object is."""
    def __bool__(self):
        return _c.addressof(self) != 0 and truth(self)
    __bool__.__doc__ = getattr(truth, "__doc__", None)
    return __bool__


def _null_equality(self, other):
    """Whether `self == other` when a null object takes part, as in cppyy:
    a null object equals None, `nullptr` and a null object of its class (or
    of a base or derived class), and nothing else. None when neither is
    null: then C++ decides."""
    mine = _c.addressof(self) == 0
    if other is None or other is _c.nullptr:
        return mine
    if isinstance(other, _PROXY_ROOTS):
        theirs = _c.addressof(other) == 0
        if not (mine or theirs):
            return None
        return mine and theirs and (isinstance(other, type(self)) or isinstance(self, type(other)))
    return False if mine else None


def _related(self, other):
    """Whether `other` is a proxy of `self`'s class or of a base or derived one."""
    return isinstance(other, _PROXY_ROOTS) and (isinstance(other, type(self)) or isinstance(self, type(other)))


def _c_with_fallback(member, fallback):
    from . import _cpplive
    return _cpplive.with_fallback(member, fallback)

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
            # From the dict: `klass.attr` of a virtual method would be its
            # direct (non-virtual) form, bypassing derived classes' overrides.
            method = klass.__dict__[attr]
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


def _push_all(push_back, items):
    for item in items:
        push_back(item)


def _value_type(cls):
    """The Python type of a container's items (`int`, a class proxy)."""
    from . import _proxies
    try:
        return _proxies.plain_type(cls.value_type)
    except AttributeError:
        return None


def _first_template_argument(qualified):
    """The first template argument of class name `qualified`, as readable
    C++ (`std::string` for `std::basic_string<char>`), or None."""
    from ._proxies import split_template_arguments
    open_ = qualified.find("<")
    if open_ < 0 or not qualified.endswith(">"):
        return None
    args = split_template_arguments(qualified[open_ + 1:-1])
    if not args:
        return None
    return _without_std_defaults(args[0].strip())


# Template arguments the standard library defaults (allocators, comparators,
# traits, deleters), left out of names written for people.
_STD_DEFAULTS = ("std::allocator<", "std::less<", "std::char_traits<", "std::hash<", "std::equal_to<", "std::default_delete<")


def _without_std_defaults(name):
    """`name` without the standard library's default template arguments,
    at any depth: 'std::vector<int>' for 'std::vector<int,
    std::allocator<int>>', 'std::string' for 'std::basic_string<char>'."""
    from ._proxies import split_template_arguments
    open_ = name.find("<")
    if open_ < 0 or not name.endswith(">"):
        return name
    args = [_without_std_defaults(a) for a in split_template_arguments(name[open_ + 1:-1])]
    while len(args) > 1 and args[-1].startswith(_STD_DEFAULTS):
        args.pop()
    head = name[:open_]
    if head == "std::basic_string" and args == ["char"]:
        return "std::string"
    return "%s<%s>" % (head, ", ".join(args))


def _pythonize_vector(cls, qualified):
    from . import _cpplive as _c
    construct = cls.__dict__.get("__init__")

    def __init__(self, *args):
        # Any Python iterable fills the vector (by `__iter__` or the old
        # sequence protocol, as `list()` takes it), but not a string: a
        # vector of strings made from "abc" would be three letters.
        if len(args) == 1 and not isinstance(args[0], (int, str, bytes, _c.CppObject)):
            try:
                items = iter(args[0])
            except TypeError:
                items = None
            if items is not None:
                construct(self)
                if not (numeric and _copied_from_buffer(self, args[0])):
                    _c.elementwise(_push_all, self.push_back, items)
                return
        construct(self, *args)

    item_type = _value_type(cls)
    numeric = item_type in (int, float)
    assigners = []
    item_name = _first_template_argument(qualified)
    if item_name is not None:
        # `vector[T].value_type` names the item type as a string, as in
        # cppyy ('int', 'std::string', 'int[1]').
        cls.value_type = item_name

    def _copied_from_buffer(self, source):
        # A buffer of exactly the element type (a NumPy array of that
        # dtype) is copied in one C++ call; anything else goes item by item.
        try:
            m = memoryview(source)
        except TypeError:
            return False
        count, flat = len(m) if m.ndim == 1 else 0, m.ndim == 1
        m.release()
        if not flat:
            return False
        if not assigners:
            from . import gbl
            from ._cpplive import cppdef
            name = "__cpplive_assign_%d" % cls.__cpp_scope__
            try:
                cppdef("void %s(%s& v, const %s::value_type* p, unsigned long n) { v.assign(p, p + n); }" % (name, qualified, qualified))
                assigners.append(getattr(gbl, name))
            except (SyntaxError, AttributeError):
                assigners.append(None)
        if assigners[0] is None:
            return False
        try:
            assigners[0](self, source, count)
        except TypeError:
            return False
        return True

    def _index(self, i):
        return _position(i, self.size(), "vector")

    at = cls.__dict__.get("operator[]")
    if at is not None and item_type is bool:
        # std::vector<bool> hands out proxies of its bits: read as bools.
        bit = at

        def at(self, k):
            return bool(bit(self, k))

    def __getitem__(self, i):
        if isinstance(i, slice):
            # A slice is a vector of the same type, as a list's is a list.
            return type(self)([at(self, k) for k in range(*i.indices(self.size()))])
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
    data = cls.__dict__.get("data")
    if data is not None:
        def sized_data(self):
            # A view of the elements knows how many there are.
            view = data(self)
            if isinstance(view, _c.LowLevelView):
                view = view.reshape((self.size(),))
                view._keep_owner(self)
            elif isinstance(view, _c.CppObject) and type(view) is item_type:
                # Objects side by side: indexable as an array of them.
                view = _c.object_view(view, self.size(), self)
            return view
        sized_data.__doc__ = data.__doc__
        cls.data = sized_data

        def __array__(self, dtype=None, copy=None):
            # NumPy sees the elements themselves (through the buffer of
            # data()); a copy only where one is asked for or needed.
            import numpy
            view = sized_data(self)
            if not (isinstance(view, _c.LowLevelView) and _has_buffer(view)):
                # Elements that are no builtin scalars: an array of copies.
                if copy is False:
                    raise ValueError("the elements of '%s' are not one buffer NumPy can view" % qualified)
                return numpy.array(list(self), dtype=dtype)
            if copy:
                return numpy.array(view, dtype=dtype, copy=True)
            array = numpy.asarray(view)
            if dtype is not None and numpy.dtype(dtype) != array.dtype:
                if copy is False:
                    raise ValueError("the elements of '%s' are not of dtype %s: a copy would be needed" % (qualified, numpy.dtype(dtype)))
                return array.astype(dtype)
            return array
        cls.__array__ = __array__
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
                # An element by reference; where the vector gives a proxy
                # of it by value (std::vector<bool>), as its value_type.
                cppdef("auto %s(%s& v, long long i) -> std::conditional_t<std::is_reference_v<decltype(v[0])>, "
                       "decltype(v[0]), typename std::decay_t<decltype(v)>::value_type> { long long n = (long long)v.size(); "
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


def _pythonize_string(cls, qualified, wide=False):
    """std::string (and std::wstring) compare, hash, add and print as the
    Python text they hold; cppyy's `repr` (that of the bytes)."""
    from . import _cpplive as _c
    if wide:
        def text(self):
            return self.c_str()
    else:
        text = _c.string_text
    construct = cls.__dict__.get("__init__")
    copy = None
    if construct is not None and not wide:
        try:
            copy = construct.__overload__("const std::string&")
        except (TypeError, LookupError, AttributeError):
            copy = None
    if copy is not None:
        def __init__(self, *args, **kwargs):
            # A str or bytes as a whole (the copy constructor takes it as a
            # std::string), not up to its first NUL as `const char*` reads it.
            if len(args) == 1 and not kwargs and isinstance(args[0], (str, bytes)):
                return copy(self, args[0])
            return construct(self, *args, **kwargs)
        __init__.__doc__ = construct.__doc__
        cls.__init__ = __init__

    def __str__(self):
        t = text(self)
        # Text that is not UTF-8 prints as its bytes, as cppyy prints it.
        return t if isinstance(t, str) else str(t)

    def __repr__(self):
        t = text(self)
        return repr(t.encode("utf-8") if isinstance(t, str) else t)

    def plain(other):
        if isinstance(other, cls):
            return text(other)
        if isinstance(other, (str, bytes)):
            return other
        return None

    def __eq__(self, other):
        o = plain(other)
        if o is None:
            return NotImplemented
        t = text(self)
        if type(t) is not type(o):
            # A str against bytes: compare the UTF-8 bytes.
            t = t.encode("utf-8") if isinstance(t, str) else t
            o = o.encode("utf-8") if isinstance(o, str) else o
        return t == o

    def __ne__(self, other):
        equal = __eq__(self, other)
        return equal if equal is NotImplemented else not equal

    # Joined text is a string of the same class, as C++'s `operator+`
    # gives it (and cppyy).
    def __add__(self, other):
        o = plain(other)
        return NotImplemented if o is None else cls(_joined(text(self), o))

    def __radd__(self, other):
        o = plain(other)
        return NotImplemented if o is None else cls(_joined(o, text(self)))

    if not wide:
        _python_text_methods(cls, text)
    cls.__str__ = __str__
    cls.__repr__ = __repr__
    cls.__len__ = lambda self: self.size()
    cls.__eq__ = __eq__
    cls.__ne__ = __ne__
    cls.__add__ = __add__
    cls.__radd__ = __radd__
    cls.__hash__ = lambda self: hash(text(self))


class _NotFound(int):
    """`std::string::npos`: the C++ value (which C++ parameters get as is),
    equal to -1 as well, Python's "not found" that `find` gives."""

    def __eq__(self, other):
        return other == -1 or int.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    __hash__ = int.__hash__


_FINDERS = ("find", "rfind", "find_first_of", "find_last_of", "find_first_not_of", "find_last_not_of")


def _python_text_methods(cls, text):
    """std::string as Python text, as cppyy has it: `find` and its kin give
    -1 for "not found" (and `npos` equals -1), `replace` of text by text,
    `decode`, and the methods of `str` that C++ lacks (`split`, ...)."""
    try:
        value = int(cls.npos)
    except (AttributeError, TypeError, ValueError):
        value = None
    if value is not None:
        type.__setattr__(cls, "npos", _NotFound(value))
    for name in _FINDERS:
        finder = cls.__dict__.get(name)
        if finder is None or value is None:
            continue

        def find(self, *args, _finder=finder):
            at = _finder(self, *args)
            return -1 if at == value else at
        find.__name__ = name
        find.__doc__ = finder.__doc__
        type.__setattr__(cls, name, find)
    replace = cls.__dict__.get("replace")

    def python_replace(self, old, new, *count):
        if isinstance(old, (str, bytes)):
            t = text(self)
            if isinstance(t, str) and isinstance(old, bytes):
                t = t.encode("utf-8")
            return t.replace(old, new, *count)
        return replace(self, old, new, *count)
    if replace is not None:
        python_replace.__doc__ = replace.__doc__
        type.__setattr__(cls, "replace", python_replace)

    def decode(self, *args, **kwargs):
        t = text(self)
        return (t.encode("utf-8") if isinstance(t, str) else t).decode(*args, **kwargs)
    type.__setattr__(cls, "decode", decode)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(text(self), name)
        except AttributeError:
            raise AttributeError("'%s' object has no attribute '%s'" % (cls.__cpp_name__, name)) from None
    type.__setattr__(cls, "__getattr__", __getattr__)


def _joined(a, b):
    if type(a) is not type(b):
        a = a if isinstance(a, str) else a.decode("utf-8", "surrogateescape")
        b = b if isinstance(b, str) else b.decode("utf-8", "surrogateescape")
    return a + b


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

_UNARY = {"__neg__": "-", "__pos__": "+", "__invert__": "~",
          "__deref__": "*", "__preinc__": "++", "__predec__": "--"}


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


def _is_builtin(spelling):
    from ._cpplive import sizeof_builtin
    try:
        sizeof_builtin(spelling)
        return True
    except ValueError:
        return False


def _from_dictionary(*classes):
    """Whether one of `classes` is the proxy of a class a dictionary
    answers for (its id is a dictionary's, see `ids::owner`): clang does not
    know such a class by that name, so no helper naming it compiles."""
    first = _c.FIRST_DICTIONARY_ID
    return any((getattr(c, "__cpp_scope__", None) or 0) >= first for c in classes if c is not None)


def _operator_helper(symbol, left, right, left_class=None, operand_classes=()):
    """A compiled helper applying C++ `left symbol right` (or `symbol left`
    when `right` is None), found by C++'s own lookup (members and free
    functions, by argument-dependent lookup); None when C++ has no such
    operator. When one of `operand_classes` is a dictionary's class that
    clang cannot compile for, the operator the dictionary declares."""
    key = (symbol, left, right)
    if key in _operator_helpers:
        return _operator_helpers[key]
    from . import gbl
    from ._cpplive import cppdef_helper as cppdef
    _helper_counter[0] += 1
    name = "__cpplive_operator_%d" % _helper_counter[0]
    helper = None
    expression = "%sa" % symbol if right is None else "a %s b" % symbol
    result = "decltype(%s)" % expression
    if _type_reducers:
        result = "typename ::__cpplive_reducers::reduced<%s>::type" % result
    # Operands const first (as most operators take them), then not (`x % y`
    # through a non-const member, a stream's `<<`, a free operator taking
    # `T&`); numbers by value (a Python number is no C++ lvalue).
    def spellings(operand):
        if _is_builtin(operand):
            return ("%s" % operand,)
        return ("const %s&" % operand, "%s&" % operand)
    # `@NAME@` is replaced by each try's name (the expression may hold a `%`).
    if right is None:
        forms = ["auto @NAME@(%s a) -> %s { return %s; }" % (l, result, expression) for l in spellings(left)]
    else:
        forms = ["auto @NAME@(%s a, %s b) -> %s { return %s; }" % (l, r, result, expression)
                 for l in spellings(left) for r in spellings(right)]
    for form in forms:
        code = form.replace("@NAME@", name)
        try:
            cppdef(code)
            helper = getattr(gbl, name)
            break
        except (SyntaxError, AttributeError):
            _helper_counter[0] += 1
            name = "__cpplive_operator_%d" % _helper_counter[0]
        except NotImplementedError:
            # No compiler: only dictionaries answer.
            helper = _declared_operator(symbol, left, right, left_class)
            break
    else:
        if _from_dictionary(*operand_classes):
            helper = _declared_operator(symbol, left, right, left_class)
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


def _declared_operator(symbol, left, right, left_class=None):
    """The free `operator<symbol>` declared in the namespace of an
    operand's class (argument-dependent lookup, as far as a dictionary
    holds it), called as it is; None when there is none. Without a
    compiler no helper can be made, so the conversions C++ would apply to
    reach it are not tried."""
    from . import gbl

    def called(function, *operands):
        try:
            return function(*operands)
        except TypeError:
            return NotImplemented
    # A member of the left operand's class first (an iterator's
    # `operator!=`, a template made ahead of time).
    try:
        target = left_class
        if target is None:
            target = gbl
            from ._proxies import _scope_parts
            for part in _scope_parts(left):
                target = getattr(target, part)
        member = getattr(target, "operator" + symbol)
    except AttributeError:
        member = None
    # Then the free ones of the operands' namespaces: a member `it - n`
    # does not take the `it - it` a free operator does.
    candidates = [] if member is None else [member]
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
        if not any(function is c for c in candidates):
            candidates.append(function)
    if not candidates:
        return None

    def first_taking(*operands):
        for candidate in candidates:
            result = called(candidate, *operands)
            if result is not NotImplemented:
                return result
        return NotImplemented
    if right is None:
        return lambda a: first_taking(a)
    return first_taking



class NoOperatorError(TypeError, NotImplementedError):
    """A C++ operator applied from Python that C++ does not have for its
    operands (`a + 5` where only `operator+(int, const A&)` exists); both a
    TypeError, which Python raises for unsupported operands, and the
    NotImplementedError cppyy raises."""
    __module__ = "cpplive"


# Python values that take no part in another operand's operators: where one
# is the other operand and C++ has no operator, nothing else can answer.
_PLAIN_OPERANDS = (int, float, complex, str, bytes, type(None))


def _no_operator(symbol, left, right):
    raise NoOperatorError("no C++ operator%s for '%s' %s '%s'" % (symbol, left, symbol, right))


def _make_binary(py_name, symbol, reflected=False):
    # Arithmetic and bitwise operators raise where C++ has none and no other
    # method could answer; comparisons answer NotImplemented, so that
    # Python's own defaults apply.
    arithmetic = py_name not in _EQUALITY and symbol not in ("<", "<=", ">", ">=")

    def operator(self, other):
        if py_name in _EQUALITY:
            equal = _null_equality(self, other)
            if equal is not None:
                return (not equal) if py_name == "__ne__" else equal
        from ._proxies import argument_type
        try:
            other_type = argument_type(other)
        except TypeError:
            return NotImplemented
        mine = type(self).__cpp_name__
        operands = (type(self), type(other))
        if reflected:
            helper = _operator_helper(symbol, other_type, mine, type(other) if hasattr(type(other), "__cpp_name__") else None,
                                      operands)
            if helper is None:
                if arithmetic and isinstance(other, _PLAIN_OPERANDS):
                    return _no_operator(symbol, other_type, mine)
                return NotImplemented
            return helper(other, self)
        helper = _operator_helper(symbol, mine, other_type, type(self), operands)
        if helper is None:
            if arithmetic and isinstance(other, _PLAIN_OPERANDS):
                return _no_operator(symbol, mine, other_type)
            if py_name in _EQUALITY and _related(self, other):
                # Without a C++ operator==, an object is equal to itself
                # seen as a base or derived class (a `Base*` variable
                # pointing at it), as in cppyy.
                same = _c.addressof(self) == _c.addressof(other)
                return same if py_name == "__eq__" else not same
            return NotImplemented
        return helper(self, other)
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
        helper = _operator_helper(symbol, type(self).__cpp_name__, None, type(self), (type(self),))
        if helper is None:
            raise TypeError("bad operand type for unary %s: '%s' (no C++ operator%s)" % (symbol, type(self).__cpp_name__, symbol))
        return helper(self)
    operator.__name__ = py_name
    return operator


_setters = {}


def _setitem_through_reference(self, index, value):
    """`obj[i] = x` for a C++ operator[] returning a reference, and
    `obj[i, j] = x` for an operator() of several indices (see
    `_index_through_call`). The helper is instantiated for the class and
    index types only: the value converts to the element type as any
    argument does (a list into a vector element, range-checked numbers)."""
    from ._proxies import argument_type
    cls = type(self)
    several = type(index) is tuple and _defines(cls, "__call__")
    through_call = several or (_defines(cls, "__call__") and not _defines(cls, "operator[]"))
    indices = index if several else (index,)
    key = (cls.__cpp_name__,) + tuple(argument_type(i) for i in indices)
    setter = _setters.get(key)
    if setter is None:
        from . import gbl
        from ._cpplive import cppdef
        _helper_counter[0] += 1
        name = "__cpplive_item_assign_%d" % _helper_counter[0]
        params = ", ".join("const %s& i%d" % (t, n) for n, t in enumerate(key[1:]))
        names = ", ".join("i%d" % n for n in range(len(indices)))
        element = "c(%s)" % names if through_call else "c[i0]"
        try:
            cppdef("void %s(%s& c, %s, const std::remove_cv_t<std::remove_reference_t<decltype(%s)>>& v) "
                   "{ %s = v; }" % (name, key[0], params, element, element))
            setter = getattr(gbl, name)
        except (SyntaxError, AttributeError):
            raise TypeError("'%s' object does not support item assignment with a '%s' index"
                            % (key[0], ", ".join(key[1:]))) from None
        _setters[key] = setter
    setter(self, *indices, value)


def _index_through_call(cls):
    """`obj[i, j]` for a class with a C++ `operator()` (a matrix's
    `m(i, j)`): Python hands `__getitem__` the indices as one tuple, which
    go to `operator()` as its arguments, as in cppyy. A class without an
    `operator[]` is indexed through `operator()` with one index too. A
    tuple its `operator[]` takes (a `std::pair` key) still goes there."""
    call = cls.__call__
    getitem = cls.__getitem__ if _defines(cls, "__getitem__") else None

    def __getitem__(self, index):
        if type(index) is tuple:
            if getitem is not None:
                try:
                    return getitem(self, index)
                except TypeError:
                    pass
            return call(self, *index)
        if getitem is None:
            return call(self, index)
        return getitem(self, index)

    __getitem__.__doc__ = getattr(getitem or call, "__doc__", None)
    cls.__getitem__ = __getitem__


def _str_via_stream(self):
    """str() through C++ `operator<<(std::ostream&, const T&)` when there is one."""
    cls = type(self)
    key = ("<<str", cls.__cpp_name__)
    if key not in _operator_helpers:
        from . import gbl
        from ._cpplive import cppdef_helper as cppdef
        _helper_counter[0] += 1
        name = "__cpplive_str_%d" % _helper_counter[0]
        # `os << x`, else a member `x << os` (`ostream& T::operator<<(ostream&)`,
        # which some classes declare instead).
        helper = None
        for body in ("s << x;", "const_cast<%s&>(x) << s;" % cls.__cpp_name__):
            try:
                cppdef("std::string %s(const %s& x) { std::ostringstream s; %s return s.str(); }"
                       % (name, cls.__cpp_name__, body))
                helper = getattr(gbl, name)
                break
            except (SyntaxError, AttributeError):
                continue
        _operator_helpers[key] = helper
    helper = _operator_helpers[key]
    if helper is None:
        return repr(self)
    return helper(self)


def _has_buffer(view):
    """Whether a view exports a buffer (views of C++ objects do not)."""
    try:
        memoryview(view).release()
        return True
    except (TypeError, BufferError):
        return False


def _defines(cls, py_name):
    return any(py_name in klass.__dict__ for klass in cls.__mro__[:-2])


def _members_through_arrow(cls):
    """A class with `operator->` that is no iterator (`std::optional<T>`,
    a user's smart pointer) gives the members of what `operator->()`
    returns as its own, as C++ code writes `o->x` and cppyy reads `o.x`.
    Iterators (with `operator++`) are left alone: the hook would slow
    every attribute read in loops, and they are read by `__deref__`."""
    if not _defines(cls, "__follow__") or _defines(cls, "operator++") or _defines(cls, "__getattr__"):
        return

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))
        try:
            target = self.__follow__()
        except (ReferenceError, TypeError):
            target = None
        if target is None or target is self:
            raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))
        return getattr(target, name)
    type.__setattr__(cls, "__getattr__", __getattr__)


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
    if "__call__" in cls.__dict__ and isinstance(cls.__dict__["__call__"], (_c.CppMethod, _c.CppFunction)):
        _index_through_call(cls)
    if _defines(cls, "__getitem__") and not _defines(cls, "__setitem__"):
        cls.__setitem__ = _setitem_through_reference
    if "__eq__" not in cls.__dict__ or "__hash__" not in cls.__dict__:
        cls.__hash__ = _hash
    if not any("__str__" in klass.__dict__ for klass in cls.__mro__[:-2]):
        cls.__str__ = _str_via_stream


_hashers = {}


def _hash(self):
    """hash() through C++'s `std::hash<T>` when C++ defines one for the
    class (compiled on the class's first hash), else the identity hash:
    one proxy per C++ object, compared by identity unless C++ says
    otherwise."""
    name = type(self).__cpp_name__
    hasher = _hashers.get(name, False)
    if hasher is False:
        from . import gbl
        from ._cpplive import cppdef
        _helper_counter[0] += 1
        helper = "__cpplive_hash_%d" % _helper_counter[0]
        try:
            cppdef("std::size_t %s(const %s& x) { return std::hash<%s>{}(x); }" % (helper, name, name))
            hasher = getattr(gbl, helper)
        except (SyntaxError, AttributeError):
            hasher = None
        _hashers[name] = hasher
    if hasher is None or not self:
        return object.__hash__(self)
    return hasher(self)


def _address(obj):
    from . import _cpplive
    return _cpplive.addressof(obj)


_cursors = {}


def _iterate(self):
    """Iteration over [begin(), end()) through `__cpplive::cursor<C>`,
    compiled once per container class; by index (`size()` and
    `operator[]`) where begin()/end() give nothing that iterates."""
    name = type(self).__cpp_name__
    key = (name, _from_dictionary(type(self)))
    cursor = _cursors.get(key)
    if cursor is None and key[1]:
        # A dictionary's class: clang's cursor would take clang's class of
        # that name, not this one.
        cursor = _iterate_by_members
    if cursor is None:
        from . import gbl
        try:
            helpers = getattr(gbl, "__cpplive")
            cursor = helpers.cursor[name] if helpers.is_iterable[name]() else False
        except (AttributeError, NotImplementedError):
            # No compiler (a class from a dictionary): the iterator's own
            # members, as C++'s range-for calls them.
            cursor = _iterate_by_members
    _cursors[key] = cursor
    if cursor is _iterate_by_members and key[1]:
        # What clang's `is_iterable` tells, as far as the model does:
        # begin() giving no complete class is no iterator.
        from ._proxies import is_incomplete
        first = self.begin()
        if not hasattr(type(first), "__cpp_name__") or is_incomplete(type(first)):
            cursor = False
    if cursor is _iterate_by_members:
        return _iterate_by_members(self)
    if cursor is False:
        if _defines(type(self), "__getitem__") and _defines(type(self), "size"):
            return _iterate_by_index(self)
        raise TypeError("'%s' is not iterable: its begin() and end() do not give iterators" % name)
    return _walk(cursor(self))


def _iterate_by_members(self):
    it, end = self.begin(), self.end()
    for needed in ("__deref__", "__preinc__"):
        if not hasattr(it, needed):
            raise TypeError("'%s' is not iterable here: its iterator '%s' has no %s (operator%s) available" % (
                type(self).__cpp_name__, type(it).__cpp_name__, needed, "*" if needed == "__deref__" else "++"))
    differ = type(it).__ne__
    postfix = False
    while True:
        # Python's own `!=` would compare identities when C++ has no
        # operator!= to offer, and the loop would never end.
        more = differ(it, end)
        if more is NotImplemented:
            raise TypeError("'%s' is not iterable here: its iterator '%s' has no operator!= available" % (
                type(self).__cpp_name__, type(it).__cpp_name__))
        if not more:
            return
        yield it.__deref__()
        if postfix:
            it.__postinc__(0)
            continue
        try:
            it.__preinc__()
        except TypeError:
            # An iterator with only a postfix `operator++(int)`.
            if not hasattr(it, "__postinc__"):
                raise
            postfix = True
            it.__postinc__(0)


def _iterate_by_index(self):
    for k in range(self.size()):
        yield self[k]


def _walk(c):
    done, get, advance = c.done, c.get, c.advance
    while not done():
        yield get()
        advance()


def _pythonize_tuple(cls):
    """len(), indexing and unpacking through `std::get` (compiled once per
    tuple class and index)."""
    from . import gbl
    from . import _cpplive as _c
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
        item = getter(self)
        if isinstance(item, _c.CppObject):
            # An element read by reference keeps its tuple alive
            # (`a, b = make_tuple(...)`).
            _c.keep_alive(item, self)
        return item

    cls.__len__ = __len__
    cls.__getitem__ = __getitem__
    cls.__iter__ = lambda self: (self[i] for i in range(len(self)))


def _extend_by_push_back(self, items):
    """`c += iterable` for a container with `push_back`, as `list +=` is."""
    if not hasattr(items, "__iter__") or isinstance(items, (str, bytes)):
        return NotImplemented
    if items is self:
        items = list(items)
    push_back = self.push_back
    for item in items:
        push_back(item)
    return self


def _pythonize_container(cls, qualified):
    """What any C++ container offers to Python, as cppyy does: `len()` from
    `size()`, iteration from `begin()`/`end()`, `in` from `count()`."""
    if _defines(cls, "size") and not _defines(cls, "__len__"):
        cls.__len__ = lambda self: self.size()
    if _defines(cls, "begin") and _defines(cls, "end") and not _defines(cls, "__iter__"):
        cls.__iter__ = _iterate
    elif _defines(cls, "size") and _defines(cls, "__getitem__") and not _defines(cls, "__iter__"):
        # Not Python's own protocol: C++ indexing need not stop with an
        # IndexError.
        cls.__iter__ = _iterate_by_index
    if _defines(cls, "empty") and _defines(cls, "size") and not _defines(cls, "__bool__"):
        # An empty container is falsy, as a Python one is.
        cls.__bool__ = lambda self: not self.empty()
    if _defines(cls, "count") and _defines(cls, "find") and not _defines(cls, "__contains__"):
        cls.__contains__ = lambda self, key: bool(self.count(key))
    if _defines(cls, "push_back") and not _defines(cls, "__iadd__"):
        cls.__iadd__ = _extend_by_push_back
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
    from . import _cpplive as _c
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
            _c.elementwise(_back_initializer_list, self, value, qualified)
        else:
            _c.elementwise(_fill, self, how, value, qualified)

    __init__.__doc__ = construct.__doc__
    cls.__init__ = __init__
    if how == "backed":
        # Read by argument converters (see convert.rs, `braced`).
        cls.__cpp_braced_list__ = True


def pythonize_smart_pointer(cls, pointee):
    """A smart pointer class made from an object of its pointee class
    (`std.shared_ptr[T](obj)`) takes it over: the object's proxy no longer
    deletes it. Only the raw-pointer constructor template can make one
    from such an object; it is called directly, so that the copy and move
    constructors do not first try to convert the object into a smart
    pointer (see convert.rs, `hand_to_smart_pointer`)."""
    construct = cls.__dict__.get("__init__")
    from_pointer = cls.__dict__.get("__cpp_constructor_template__")
    if construct is None or from_pointer is None:
        return

    def __init__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], pointee) and args[0].__smartptr__() is None:
            obj = args[0]
            try:
                from_pointer._call(self, args)
            except TypeError:
                # A class C++ does not convert to the pointee (a private
                # base): a smart pointer of the object's own class takes it
                # over, and this one shares it, pointing at the pointee
                # part (the aliasing constructor).
                own_class = type(obj)
                if own_class is pointee or "__cpp_scope__" not in own_class.__dict__ or not obj.__python_owns__:
                    raise
                construct(self, _smart_pointer_family(cls)[own_class](obj), obj)
                return
            if obj.__python_owns__:
                obj.__python_owns__ = False
            return
        construct(self, *args, **kwargs)

    __init__.__doc__ = construct.__doc__
    cls.__init__ = __init__


def _smart_pointer_family(cls):
    """The class template of smart pointer class `cls` (`std.shared_ptr`)."""
    from . import gbl
    family = gbl
    for part in cls.__cpp_name__.split("<", 1)[0].split("::"):
        family = getattr(family, part)
    return family


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


def _text_protocol_members(cls):
    """C++ members named `__str__`/`__repr__` serve `str()`/`repr()`,
    which need a Python `str`: a C++ text result (a std::wstring) is
    made one."""
    from . import _cpplive as _c
    for py_name in ("__str__", "__repr__"):
        member = cls.__dict__.get(py_name)
        if isinstance(member, _c.CppMethod):
            def as_text(self, _member=member):
                result = _member(self)
                return result if isinstance(result, str) else str(result)
            as_text.__name__ = py_name
            as_text.__doc__ = member.__doc__
            setattr(cls, py_name, as_text)


_PY_NUMBERS = (int, float, complex)


def _is_py_number(value):
    return isinstance(value, _PY_NUMBERS) and getattr(type(value), "__cpp_scope__", None) is None


def _pythonize_complex(cls):
    """`std::complex<T>` as Python's `complex`: `real` and `imag` values,
    `complex()`, its repr, construction from a Python complex, and
    equality and arithmetic with Python numbers (done in Python, whose
    result is a Python complex, as `std::complex<double>` results are)."""
    get_real, get_imag = cls.__dict__.get("real"), cls.__dict__.get("imag")
    if get_real is None or get_imag is None:
        return
    cls.real = property(lambda self: get_real.__get__(self, cls)())
    cls.imag = property(lambda self: get_imag.__get__(self, cls)())
    cls.__complex__ = lambda self: complex(self.real, self.imag)
    cls.__repr__ = lambda self: repr(complex(self))
    cls.__str__ = cls.__repr__
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and _is_py_number(args[0]) and isinstance(args[0], complex):
            args = (args[0].real, args[0].imag)
        init(self, *args, **kwargs)
    cls.__init__ = __init__

    def with_numbers(name, python_op, reflected):
        cpp = cls.__dict__.get(name) or getattr(cls, name, None)

        def op(self, other):
            if _is_py_number(other):
                return python_op(other, complex(self)) if reflected else python_op(complex(self), other)
            return cpp(self, other) if cpp is not None else NotImplemented
        op.__name__ = name
        setattr(cls, name, op)

    import operator
    for name, python_op in (("__add__", operator.add), ("__sub__", operator.sub),
                            ("__mul__", operator.mul), ("__truediv__", operator.truediv)):
        with_numbers(name, python_op, False)
        with_numbers("__r" + name[2:], python_op, True)
    with_numbers("__eq__", operator.eq, False)
    with_numbers("__ne__", operator.ne, False)
    cls.__hash__ = lambda self: hash(complex(self))


def pythonize(cls, qualified):
    _text_protocol_members(cls)
    if issubclass(cls, BaseException) and "__str__" not in cls.__dict__:
        cls.__str__ = _exception_str
    _add_operator_fallbacks(cls)
    _members_through_arrow(cls)
    if qualified.startswith("std::vector<"):
        _pythonize_vector(cls, qualified)
    elif qualified in ("std::basic_string<char>", "std::string") or qualified.startswith("std::basic_string<char,"):
        _pythonize_string(cls, qualified)
    elif qualified == "std::basic_string<wchar_t>" or qualified.startswith("std::basic_string<wchar_t,"):
        _pythonize_string(cls, qualified, wide=True)
    _pythonize_container(cls, qualified)
    _pythonize_from_python(cls, qualified)
    if qualified.startswith("std::complex<"):
        _pythonize_complex(cls)
    _cpp_side_pythonizations(cls, qualified)
    for scope, pythonizor in list(_user_pythonizors):
        name = _relative_name(qualified, scope)
        if name is not None:
            pythonizor(cls, name)
