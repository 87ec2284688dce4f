"""cpplive: automatic Python bindings to C++, generated at run time by an
embedded clang.

    import cpplive
    cpplive.cppdef("int twice(int x) { return 2 * x; }")
    cpplive.gbl.twice(21)      # 42
"""
import atexit
import contextlib
import os
import sys

from . import _cpplive
from ._cpplive import CppException, LinkError, NotMovedError, OutOfRangeError, default, nullptr
from . import _proxies, _lowlevel, _constants, _importer, _interactive
from ._pythonize import add_pythonization, add_type_reducer, compose_method, remove_pythonization, NoOperatorError
from . import _dictionaries
from ._dictionaries import add_autoload_map, DictionaryError

__all__ = [
    "cppdef", "include", "c_include", "load_library", "add_include_path", "add_library_path",
    "gbl", "nullptr", "default", "addressof", "bind_object", "sizeof", "CppException", "LinkError", "OutOfRangeError", "NotMovedError",
    "NoOperatorError",
    "add_pythonization", "remove_pythonization", "compose_method", "add_type_reducer", "set_compiler_args", "ll", "typeid", "eval_type",
    "cppexec", "macro", "set_debug", "pin_type", "multi", "load_reflection_info", "add_autoload_map",
    "DictionaryError", "undo",
]

gbl = _proxies.namespace_for(1)
_importer.finder.add_root("cpplive.gbl", gbl)

# The extension started making the interpreter on a background thread when
# it was loaded (unless CPPLIVE_NO_WARMUP is set); exit waits for it.
atexit.register(_cpplive.wait_warm_up)
# A fork while the warm-up runs would copy its held lock into the child.
os.register_at_fork(before=_cpplive.wait_warm_up)


def _exception_type(cpp_name, python_base):
    name = cpp_name.split("::")[-1]
    return type(name, (CppException, python_base), {"__module__": "cpplive", "__doc__": "C++ %s" % cpp_name})


# C++ standard exceptions also derive from the Python exception users would
# catch for the same condition.
# Used when the thrown object cannot be handed to Python itself (see
# _proxies.PYTHON_EXCEPTION_BASES for when it can).
exception_types = {name: _exception_type(name, base) for name, base in _proxies.PYTHON_EXCEPTION_BASES.items()}
_cpplive.set_exception_types(exception_types)

_library_paths = []


def cppdef(code):
    """Compiles C++ declarations and definitions; raises SyntaxError with
    clang's diagnostics when the code is rejected."""
    before = _cpplive.input_mark()
    result = _cpplive.cppdef(code)
    _interactive.record(before, code)
    return result


# Headers cpplive ships (`CPyCppyy/PyException.h`, for C++ written for
# cppyy), searched once a header is not found elsewhere.
_SHIPPED_HEADERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "include")
_shipped_searched = []


def _include_searching_shipped(header, **kwargs):
    try:
        return _cpplive.include(header, **kwargs)
    except ImportError:
        if _shipped_searched or not os.path.isfile(os.path.join(_SHIPPED_HEADERS, header)):
            raise
    _cpplive.add_include_path(_SHIPPED_HEADERS)
    _shipped_searched.append(True)
    return _cpplive.include(header, **kwargs)


def include(header):
    """#includes a header; raises ImportError naming the paths searched."""
    before = _cpplive.input_mark()
    result = _include_searching_shipped(header)
    _interactive.record(before, "#include \"%s\"" % header)
    return result


def c_include(header):
    """#includes a C header with C linkage; a missing one raises ImportError
    naming the paths searched."""
    before = _cpplive.input_mark()
    result = _cpplive.include(header, c_linkage=True)
    _interactive.record(before, "#include \"%s\" (C)" % header)
    return result


def undo(n=1):
    """Takes back the last `n` inputs (cppdef, include, entries of the
    prompt, notebook cells): the names they declared are no longer found,
    and definitions they replaced are found again; their proxies raise
    RuntimeError. What their statements did stays done. Returns the
    inputs' texts."""
    return _interactive.undo(n)


def load_ipython_extension(ipython):
    """`%load_ext cpplive`: the `%%cpp` and `%cpp` magics."""
    from . import _magics
    _magics.load(ipython)


def add_include_path(path):
    """Adds a directory to the header search path."""
    if not os.path.isdir(path):
        raise OSError("include path '%s' is not a directory" % path)
    _cpplive.add_include_path(os.path.abspath(path))


def add_library_path(path):
    """Adds a directory that load_library searches."""
    if not os.path.isdir(path):
        raise OSError("library path '%s' is not a directory" % path)
    _library_paths.append(os.path.abspath(path))


def load_library(name):
    """Loads a shared library so that its symbols can be called from C++
    declared with cppdef/include. A path is used as it is; a short name
    ("z", "libz", "libz.so.1") is looked for as the linker would: as given,
    as lib<name>.so, <name>.so and versioned (lib<name>.so.1), in the
    add_library_path directories, LD_LIBRARY_PATH, the dynamic linker's
    cache and the default directories. Raises OSError saying where it looked."""
    return _cpplive.load_library(name, _library_paths)


def load_reflection_info(name):
    """Loads a dictionary made by cpplive-genreflex (or cppyy's genreflex):
    the library and the headers its autoload map (the .rootmap beside it)
    lists. `name` is a path, or a file name looked for in the current
    directory, the add_library_path directories and LD_LIBRARY_PATH (with
    or without .so). Loading it again does nothing; DictionaryError (an
    ImportError) names the file that cannot be used."""
    path = _dictionaries.find_library(name)
    if path is None:
        where = "no such file" if os.sep in name else "looked for %s in %s" % (
            name if name.endswith(".so") else name + ".so", ", ".join(_dictionaries.library_dirs()))
        raise DictionaryError("no dictionary library %s (%s)" % (name, where))
    return _dictionaries.load_reflection_info(path)


def addressof(obj, member=None):
    """The address of a C++ object, as an int; also of a view, a ctypes
    object (a pointer's value) or a capsule. nullptr and 0 (C's NULL)
    give 0; None and any other int are refused (they are no object; None
    is no null pointer either, as for arguments).
    `addressof(obj, "name")` is the address of data member `name` of C++
    object `obj`."""
    if member is not None:
        return _lowlevel.member_address(obj, member)
    if obj is None:
        raise TypeError("addressof() needs a C++ object, a view or a ctypes object, not None (cpplive.nullptr is the null pointer)")
    if isinstance(obj, int) and obj != 0 and getattr(type(obj), "__cpp_name__", None) is None:
        raise TypeError("addressof() needs a C++ object, a view or a ctypes object, not an int")
    return _lowlevel.address(obj)


def bind_object(address, cls, owns=False, cast=False):
    """A proxy of class `cls` for the C++ object at `address` (an int, a
    ctypes pointer, a capsule, or another C++ object seen as `cls`). With
    `cast=True` the object is seen as its dynamic type (RTTI, for a
    polymorphic `cls`), and is the existing proxy of that object if there
    is one. Rebinding a C++ object that Python owns moves the ownership
    to the new proxy (one of them deletes it, once)."""
    if isinstance(cls, str):
        cls = _class_named(cls)
    if cast:
        if owns:
            raise ValueError("bind_object(): cast=True gives the object as C++ returns a pointer, not owned")
        return _lowlevel.object_at(_lowlevel.address(address), cls)
    moved = isinstance(address, _cpplive.CppObject) and address.__python_owns__
    bound = _cpplive.bind_object(_lowlevel.address(address), cls, owns or moved)
    if moved:
        address.__python_owns__ = False
    return bound


def _class_named(name):
    """The class proxy for `name`; a class only declared (an opaque handle
    such as sqlite3's `sqlite3`) is no complete type, but has its proxy."""
    try:
        return eval_type(name)
    except TypeError as refused:
        scope = gbl
        try:
            for part in name.strip().lstrip(":").split("::"):
                scope = getattr(scope, part.strip())
        except AttributeError:
            raise refused from None
        if not isinstance(scope, type) or not hasattr(scope, "__cpp_name__"):
            raise refused from None
        return scope


def eval_type(name):
    described = _cpplive.resolve_type(name)
    if described[0] in ("class", "enum"):
        return _proxies.class_for(described[1])
    return _proxies._typedef_target(described)


def sizeof(obj):
    """The size in bytes of a C++ type: a class (proxy or instance), a type
    spelling ("int", "Klass*", "std::vector<int>"), a Python number type,
    or a ctypes type or object."""
    if isinstance(obj, str):
        try:
            return _cpplive.sizeof_builtin(obj)
        except ValueError:
            pass
        described = _cpplive.resolve_type(obj)
        if described[0] in ("class", "enum"):
            return _cpplive.sizeof_scope(described[1])
        return _constants.sizeof(obj)
    cls = obj if isinstance(obj, type) else type(obj)
    scope = getattr(cls, "__cpp_scope__", None)
    if scope is not None:
        return _cpplive.sizeof_scope(scope)
    python_sizes = {int: "int", float: "double", bool: "bool"}
    if cls in python_sizes:
        return _cpplive.sizeof_builtin(python_sizes[cls])
    ctypes = _lowlevel.ctypes_in_use()
    if ctypes is not None and issubclass(cls, (ctypes._SimpleCData, ctypes._Pointer, ctypes.Array, ctypes.Structure, ctypes.Union)):
        return ctypes.sizeof(cls)
    raise TypeError("sizeof() needs a C++ type, object or type name, not a '%s'" % cls.__name__)


@contextlib.contextmanager
def _signals_as_exception():
    """Within the block, on this thread, a fatal signal in C++ code called
    from Python (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) raises a
    `ll.FatalError` subclass instead of ending the process."""
    previous = _cpplive.set_signals_as_exception(True)
    try:
        yield
    finally:
        _cpplive.set_signals_as_exception(previous)


class ll(object):
    """Low-level helpers: C++ casts (`ll.static_cast[T](x)`, ...), raw arrays
    (`ll.malloc[int](n)`, `ll.array_new[T](n)`), and C++ memory as ctypes
    pointers, memoryviews and capsules."""
    static_cast = _lowlevel.Cast("static_cast")
    reinterpret_cast = _lowlevel.Cast("reinterpret_cast")
    dynamic_cast = _lowlevel.Cast("dynamic_cast")
    malloc = _lowlevel.Allocator("malloc")
    free = staticmethod(_lowlevel.free)
    array_new = _lowlevel.Allocator("array_new")
    array_delete = staticmethod(_lowlevel.array_delete)
    as_ctypes = staticmethod(_lowlevel.as_ctypes)
    as_memoryview = staticmethod(_lowlevel.as_memoryview)
    as_capsule = staticmethod(_lowlevel.as_capsule)
    as_cobject = as_capsule
    argv = staticmethod(_lowlevel.argv)
    argc = staticmethod(_lowlevel.argc)
    cast = _lowlevel.Cast("cast")
    addressof = staticmethod(addressof)
    LowLevelView = _cpplive.LowLevelView
    # Fatal signals as exceptions (cppyy's names); FloatingPointException
    # is also a FloatingPointError.
    signals_as_exception = staticmethod(_signals_as_exception)
    set_signals_as_exception = staticmethod(_cpplive.set_signals_as_exception)
    FatalError = _cpplive.FatalError
    SegmentationViolation = _cpplive.SegmentationViolation
    BusError = _cpplive.BusError
    IllegalInstruction = _cpplive.IllegalInstruction
    AbortSignal = _cpplive.AbortSignal
    FloatingPointException = _cpplive.FloatingPointException


# `import cpplive.ll` and `from cpplive.ll import ...` work as with cppyy.ll.
sys.modules[__name__ + ".ll"] = ll


def typeid(obj):
    """The C++ name of the type of `obj` (an object, a proxy class, or a Python value)."""
    cls = obj if isinstance(obj, type) else type(obj)
    name = getattr(cls, "__cpp_name__", None)
    if name is None:
        name = _proxies.argument_type(obj)
    return name


def set_compiler_args(*args):
    """Extra clang arguments (e.g. "-std=c++20"); only before first use."""
    if not _cpplive.set_compiler_args(list(args)):
        raise RuntimeError("the C++ interpreter is already running; set compiler arguments before first use")


def cppexec(code):
    """Runs C++ code in the global scope as the interpreter's own input:
    declarations persist (as with cppdef) and statements run in order,
    preprocessor directives included. Raises SyntaxError with clang's
    diagnostics when the code is rejected."""
    # The closing line ends a last statement that has no semicolon (and is
    # an empty declaration otherwise).
    return cppdef(code + "\n;")


def macro(name):
    """The value of object-like macro `name` (an int, float or str, as the
    C++ constant it expands to); ValueError when it is not defined."""
    return _constants.macro(name)


def set_debug(enable=True):
    """Says on stderr why cpplive takes slower paths (the same as setting
    CPPLIVE_DEBUG=1), from now on."""
    if enable:
        os.environ["CPPLIVE_DEBUG"] = "1"
    else:
        os.environ.pop("CPPLIVE_DEBUG", None)


def pin_type(cls):
    """Objects C++ returns as `cls` (pointer or reference) stay `cls`
    proxies instead of being downcast to their dynamic class."""
    _cpplive.pin_type(cls)


def multi(*bases):
    """A single base standing for `bases` whose metaclasses differ (a C++
    class proxy and a class made with abc.ABCMeta, say):
    `class P(cpplive.multi(gbl.Base, Mixin))` makes P derive from all of
    them, with a metaclass derived from each of theirs."""
    metaclasses = []
    for base in bases:
        meta = type(base)
        if any(issubclass(m, meta) for m in metaclasses):
            continue
        metaclasses = [m for m in metaclasses if not issubclass(meta, m)] + [meta]
    combined = metaclasses[0] if len(metaclasses) == 1 else type("multi_meta", tuple(metaclasses), {})

    class _Redirect(type):
        # Makes the class statement build the real class, with the real
        # bases and the combined metaclass, in place of this placeholder.
        def __new__(mcls, name, _placeholder, namespace, **kwargs):
            return combined(name, bases, namespace, **kwargs)

    # Made with type's own __new__: calling _Redirect would redirect this
    # placeholder itself into a real class (whose dispatcher would then
    # come twice in the MRO of the classes deriving from it).
    return type.__new__(_Redirect, "multi", (), {})


__version__ = _cpplive.__version__
