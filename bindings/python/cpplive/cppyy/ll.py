"""cppyy.ll: cpplive.ll under cppyy's names. Names cpplive.ll gains later
(fatal signals as exceptions) are looked up when asked for."""
import cpplive as _cpplive

_ll = _cpplive.ll

cast = _ll.cast
static_cast = _ll.static_cast
reinterpret_cast = _ll.reinterpret_cast
dynamic_cast = _ll.dynamic_cast
malloc = _ll.malloc
free = _ll.free
array_new = _ll.array_new
array_delete = _ll.array_delete
addressof = _ll.addressof
as_ctypes = _ll.as_ctypes
as_memoryview = _ll.as_memoryview
as_cobject = _ll.as_cobject
as_capsule = _ll.as_capsule
argv = _ll.argv
argc = _ll.argc
LowLevelView = _ll.LowLevelView

# Fatal signals (SIGSEGV, ...) as Python exceptions, by cppyy's names.
_SIGNAL_NAMES = (
    "signals_as_exception", "set_signals_as_exception", "FatalError", "SegmentationViolation", "BusError",
    "IllegalInstruction", "AbortSignal", "FloatingPointException",
)


def _signals_unavailable(*args, **kwargs):
    raise NotImplementedError("fatal signals as exceptions (cppyy.ll.signals_as_exception) are not available in this cpplive build")


# `from cppyy.ll import *`: what this build offers.
__all__ = [
    "cast", "static_cast", "reinterpret_cast", "dynamic_cast", "malloc", "free", "array_new", "array_delete",
    "addressof", "as_ctypes", "as_memoryview", "as_cobject", "as_capsule", "argv", "argc", "LowLevelView",
] + [name for name in _SIGNAL_NAMES if hasattr(_ll, name)]


def __getattr__(name):
    try:
        return getattr(_ll, name)
    except AttributeError:
        pass
    if name in ("signals_as_exception", "set_signals_as_exception"):
        return _signals_unavailable
    if name in _SIGNAL_NAMES:
        raise AttributeError("cppyy.ll.%s: fatal signals as exceptions are not available in this cpplive build" % name)
    raise AttributeError("module 'cppyy.ll' has no attribute '%s'" % name)


def __dir__():
    return sorted(set(globals()) | set(_SIGNAL_NAMES) | {n for n in vars(_ll) if not n.startswith("_")})
