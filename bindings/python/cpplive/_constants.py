"""Values C++ works out, read back into Python: the value of an object-like
macro, `sizeof` of any type spelling, a type's `std::type_info`. Each
expression is compiled once, and its value remembered."""
import itertools

from . import _cpplive as _c
from . import _proxies

_NAMESPACE = "__cpplive_constants"
_values = {}
_counter = itertools.count(1)


def evaluate(expression, what, guard=""):
    """The value of C++ `expression`, computed once; ValueError naming
    `what`, with clang's diagnostics, when it is not one. `guard` is C++
    (preprocessor checks) put before the definition."""
    try:
        return _values[expression]
    except KeyError:
        pass
    name = "value_%d" % next(_counter)
    # A function rather than a variable: its result goes through the same
    # conversions as any call's (a string literal becomes a str).
    try:
        _c.cppdef("%snamespace %s { inline auto %s() { return (%s); } }" % (guard, _NAMESPACE, name, expression))
    except SyntaxError as e:
        raise ValueError("%s cannot be evaluated:\n%s" % (what, e)) from None
    value = getattr(getattr(_proxies.namespace_for(1), _NAMESPACE), name)()
    _values[expression] = value
    return value


def macro(name):
    """The value of object-like macro `name` (defined by an included header
    or a cppdef), as the Python value of a C++ constant initialized from it."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError("macro() needs the name of a macro, not %r" % (name,))
    guard = "#ifndef %s\n#error \"'%s' is not a defined macro\"\n#endif\n" % (name, name)
    return evaluate(name, "macro '%s'" % name, guard)


def sizeof(spelling):
    """`sizeof` of a C++ type spelling, as C++ computes it."""
    return evaluate("sizeof(%s)" % spelling, "sizeof(%s)" % spelling)


def type_info(spelling):
    """The `std::type_info` of a C++ type spelling (`typeid(T)`)."""
    return evaluate("&typeid(%s)" % spelling, "typeid(%s)" % spelling)
