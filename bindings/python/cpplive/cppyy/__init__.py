"""cppyy's API on cpplive, so that code written for cppyy runs unchanged:

    import cpplive.cppyy as cppyy

or, for code (and libraries) that `import cppyy` themselves, once at start-up:

    import cpplive.cppyy
    cpplive.cppyy.install()      # `import cppyy`, `cppyy.gbl`, `cppyy.ll` now give this

Every name maps onto cpplive's own API; the few cppyy features cpplive does
not have raise NotImplementedError saying which. Only names are added here:
behaviour is cpplive's (see the README's "Coming from cppyy").
"""
import itertools
import os
import sys

import cpplive as _cpplive
from cpplive import (
    add_include_path, add_library_path, add_pythonization, addressof, bind_object, c_include, cppdef, cppexec,
    default, gbl, include, macro, multi, nullptr, remove_pythonization, set_debug, sizeof,
)
from cpplive import _constants, _dictionaries, _importer, _proxies
from . import ll, py, types

# `from cpplive.cppyy.gbl.ns import f`, as `from cppyy.gbl.ns import f`.
sys.modules[__name__ + ".gbl"] = gbl
_importer.finder.add_root(__name__ + ".gbl", gbl)

# The cppyy release whose API this module follows (code written for cppyy
# compares it); cpplive's own version is cpplive.__version__.
__version__ = "3.5.0"

__all__ = [
    "cppdef", "cppexec", "macro", "include", "c_include", "load_library", "load_reflection_info",
    "add_include_path", "add_library_path", "add_autoload_map", "gbl", "nullptr", "default", "bind_object", "addressof",
    "sizeof", "typeid", "set_debug", "multi", "py", "types", "ll", "add_pythonization", "remove_pythonization",
    "install", "gInterpreter", "__version__",
]


class LibraryNotFound(OSError, RuntimeError):
    """A library load_library could not load: an OSError as cpplive raises,
    and the RuntimeError cppyy raises."""


def load_library(name):
    """Loads a shared library (see cpplive.load_library)."""
    try:
        return _cpplive.load_library(name)
    except OSError as e:
        raise LibraryNotFound(str(e)) from None


# Headers already included for a library load_reflection_info loaded (by
# the library's real path), so that loading it again declares nothing twice.
_reflection_libraries = {}
_HEADER_SUFFIXES = (".h", ".hpp", ".hxx", ".hh")


def _reflection_header(library):
    """The header next to `library` that declares what it defines: for
    `<dir>/<X>Dict.so` (or `<dir>/<X>.so`, `lib<X>.so`), `<dir>/<X>.h`
    (or .hpp, .hxx, .hh)."""
    directory, stem = os.path.split(library)
    stem = stem[:-3] if stem.endswith(".so") else stem
    stems = [stem[:-4]] if stem.endswith("Dict") and len(stem) > 4 else []
    stems.append(stem)
    if stem.startswith("lib") and len(stem) > 3:
        stems.append(stem[3:])
    for s in stems:
        for suffix in _HEADER_SUFFIXES:
            header = os.path.join(directory, s + suffix)
            if os.path.isfile(header):
                return header
    return None


def load_reflection_info(name):
    """Loads a library made for cppyy's `load_reflection_info` and declares
    what it defines. cpplive has no precompiled dictionaries yet: the
    declarations come from the header next to the library, `<dir>/X.h` for
    `<dir>/XDict.so` (also `X.so`; `.hpp`, `.hxx`, `.hh`), so a library
    compiled from `X.cxx` works where cppyy wants a genreflex dictionary.
    `name` is a path, with or without `.so`, or a file in the current
    directory, an add_library_path directory or LD_LIBRARY_PATH. Loading the
    same library again does nothing. Raises RuntimeError, as cppyy does, when
    the library or its header cannot be found or loaded."""
    library = _dictionaries.find_library(name)
    if library is None:
        raise LibraryNotFound("Unable to load reflection library %s: no such file (looked for %s.so in the current "
                              "directory, the library paths and LD_LIBRARY_PATH)" % (name, name))
    if library in _reflection_libraries:
        return None
    if _dictionaries.has_map(library):
        # A dictionary with its autoload map (cpplive-genreflex, genreflex).
        try:
            _dictionaries.load_reflection_info(library)
        except ImportError as e:
            raise LibraryNotFound("Unable to load reflection library %s: %s" % (name, e)) from None
        _reflection_libraries[library] = None
        return None
    header = _reflection_header(library)
    if header is None:
        raise LibraryNotFound("Unable to load reflection library %s: cpplive reads its declarations from the header "
                              "next to it (X.h for XDict.so), and there is none in %s" % (name, os.path.dirname(library)))
    load_library(library)
    try:
        _cpplive.include(header)
    except (ImportError, SyntaxError) as e:
        raise LibraryNotFound("Unable to load reflection library %s: its header %s: %s" % (name, header, e)) from None
    _reflection_libraries[library] = header
    return None


def add_autoload_map(fname):
    """Reads an autoload map (.rootmap): the names it lists load their
    dictionary when first looked up (see cpplive.add_autoload_map)."""
    try:
        _cpplive.add_autoload_map(fname)
    except ImportError as e:
        raise LibraryNotFound(str(e)) from None


def typeid(obj):
    """The C++ `std::type_info` of `obj`'s type (an object, a proxy class, or
    a Python type or value): `typeid(x).name()` is the mangled name."""
    if isinstance(obj, type) and getattr(obj, "__cpp_name__", None) is None:
        spelling = _proxies.template_argument(obj)
    else:
        spelling = _cpplive.typeid(obj)
    return _constants.type_info(spelling)


class _Interpreter(object):
    """What code written for cppyy uses of cling's `gInterpreter`
    (`cppyy.gbl.gInterpreter`): ProcessLine, Declare, Load, AddIncludePath
    and CheckClassTemplate, on cpplive. The methods are plain functions, so
    that attributes can be set on them as on cppyy's
    (`gInterpreter.ProcessLine.__release_gil__ = True`)."""

    def __init__(self):
        counter = itertools.count(1)

        def ProcessLine(line, error=None):
            """Runs one line of C++ as cling's prompt would; the value of an
            expression (as an integer) is the result, else 0. Rejected code
            prints clang's diagnostics and gives 0."""
            code = line.strip()
            expression = code.rstrip(";").strip()
            if expression and ";" not in expression and not expression.startswith("#"):
                name = "process_line_%d" % next(counter)
                try:
                    _cpplive.cppdef("namespace __cpplive_cppyy { inline long long %s() { return (long long)(%s); } }"
                                    % (name, expression))
                except SyntaxError:
                    pass
                else:
                    return getattr(getattr(_cpplive.gbl, "__cpplive_cppyy"), name)()
            try:
                _cpplive.cppexec(code)
            except SyntaxError as e:
                sys.stderr.write("%s\n" % e)
                if error is not None:
                    _set_error(error)
            return 0

        def Declare(code):
            """cppdef: True when the code compiled, else False (the
            diagnostics go to stderr)."""
            try:
                return _cpplive.cppdef(code)
            except SyntaxError as e:
                sys.stderr.write("%s\n" % e)
                return False

        def Load(name):
            """Loads a library: 0 on success, -1 when it cannot be loaded."""
            try:
                _cpplive.load_library(name)
            except OSError:
                return -1
            return 0

        def AddIncludePath(path):
            _cpplive.add_include_path(path)

        def CheckClassTemplate(name):
            """Whether `name` (qualified) names a C++ class template."""
            scope = _cpplive.gbl
            try:
                for part in name.split("::"):
                    if part:
                        scope = getattr(scope, part)
            except AttributeError:
                return False
            return isinstance(scope, _proxies.ClassTemplate)

        for f in (ProcessLine, Declare, Load, AddIncludePath, CheckClassTemplate):
            setattr(self, f.__name__, f)

    def __repr__(self):
        return "<cpplive's stand-in for cling's gInterpreter>"


def _set_error(error):
    # cppyy passes a ctypes pointer to an int (or a ctypes int).
    try:
        error.contents.value = 1
    except AttributeError:
        try:
            error.value = 1
        except AttributeError:
            pass


gInterpreter = _Interpreter()
# cppyy code reaches it as a C++ global.
object.__setattr__(gbl, "gInterpreter", gInterpreter)


def install():
    """Makes `import cppyy` (and `cppyy.gbl`, `cppyy.gbl.<namespace>`,
    `cppyy.ll`, `cppyy.types`, `cppyy.py`) give this module, for code that
    imports cppyy itself. Raises RuntimeError when cppyy proper is already
    imported (two interpreters in one process cannot share objects)."""
    this = sys.modules[__name__]
    present = sys.modules.get("cppyy")
    if present is not None and present is not this:
        raise RuntimeError("cppyy itself is already imported (%r); install() must come first" % present)
    sys.modules["cppyy"] = this
    sys.modules["cppyy.gbl"] = gbl
    for name, module in (("ll", ll), ("types", types), ("py", py)):
        sys.modules["cppyy." + name] = module
    _importer.finder.add_root("cppyy.gbl", gbl)
    _proxies.set_module_root("cppyy.gbl")
    return this
