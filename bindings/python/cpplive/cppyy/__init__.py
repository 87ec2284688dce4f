"""cppyy's API on cpplive, so that code written for cppyy runs unchanged:

    import cpplive.cppyy as cppyy

or, for code (and libraries) that `import cppyy` themselves, once at start-up:

    import cpplive.cppyy
    cpplive.cppyy.install()      # `import cppyy`, `cppyy.gbl`, `cppyy.ll` now give this

Every name maps onto cpplive's own API; the few cppyy features cpplive does
not have raise NotImplementedError saying which. Only names are added here:
behaviour is cpplive's (see the README's "Coming from cppyy").
"""
import sys

import cpplive as _cpplive
from cpplive import (
    add_include_path, add_library_path, add_pythonization, addressof, bind_object, c_include, cppdef, cppexec,
    gbl, include, macro, multi, nullptr, remove_pythonization, set_debug, sizeof,
)
from cpplive import _constants, _importer, _proxies
from . import ll, py, types

# `from cpplive.cppyy.gbl.ns import f`, as `from cppyy.gbl.ns import f`.
sys.modules[__name__ + ".gbl"] = gbl
_importer.finder.add_root(__name__ + ".gbl", gbl)

# The cppyy release whose API this module follows (code written for cppyy
# compares it); cpplive's own version is cpplive.__version__.
__version__ = "3.5.0"

__all__ = [
    "cppdef", "cppexec", "macro", "include", "c_include", "load_library", "load_reflection_info",
    "add_include_path", "add_library_path", "add_autoload_map", "gbl", "nullptr", "bind_object", "addressof",
    "sizeof", "typeid", "set_debug", "multi", "py", "types", "ll", "add_pythonization", "remove_pythonization",
    "install", "__version__",
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


def _needs_dictionaries(feature):
    raise NotImplementedError(
        "%s: precompiled dictionaries (reflection information made ahead of time) are not supported by "
        "cpplive yet; declare the C++ with include() or cppdef() and load its library with load_library()" % feature)


def load_reflection_info(name):
    """cppyy loads a precompiled dictionary here; not available in cpplive."""
    _needs_dictionaries("load_reflection_info('%s')" % name)


def add_autoload_map(fname):
    """cppyy reads a .rootmap (class name -> dictionary library); not available."""
    _needs_dictionaries("add_autoload_map('%s')" % fname)


def typeid(obj):
    """The C++ `std::type_info` of `obj`'s type (an object, a proxy class, or
    a Python type or value): `typeid(x).name()` is the mangled name."""
    if isinstance(obj, type) and getattr(obj, "__cpp_name__", None) is None:
        spelling = _proxies.template_argument(obj)
    else:
        spelling = _cpplive.typeid(obj)
    return _constants.type_info(spelling)


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
    return this
