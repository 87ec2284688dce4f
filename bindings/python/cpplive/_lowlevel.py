"""What `cpplive.ll` offers besides views: C++ casts, raw arrays, and C++
memory seen as ctypes pointers, memoryviews and capsules.

The casts and allocators are small C++ templates (compiled on first use)
instantiated for the target and source types, so C++ itself decides what a
conversion means and refuses the ones it does not allow. ctypes is imported
only when a function that makes ctypes objects is called (an object cannot
be a ctypes one before the program imported ctypes).
"""
import functools
import sys

from . import _cpplive as _c
from . import _proxies

# One template per cast kind; its `_address` twin gives the result of a
# cast to a class pointer as an integer, for a proxy of exactly that class
# (a returned pointer would be downcast to the object's dynamic type).
_CASTS = {
    "cast": "(T)value",
    "static_cast": "static_cast<T>(value)",
    "reinterpret_cast": "reinterpret_cast<T>(value)",
    "dynamic_cast": "dynamic_cast<T>(value)",
}
_HELPERS = "#include <cstdint>\n#include <cstdlib>\nnamespace __cpplive_ll {\n%s\n%s\n}\n" % (
    "\n".join(
        "template<class T, class U> auto {0}_to(U value) -> decltype({1}) {{ return {1}; }}\n"
        "template<class T, class U> auto {0}_address(U value) -> decltype((std::uintptr_t)({1})) "
        "{{ return (std::uintptr_t)({1}); }}".format(kind, expression)
        for kind, expression in _CASTS.items()),
    "template<class T> T* malloc(std::size_t n) { return (T*)std::malloc(sizeof(T) * n); }\n"
    "inline void release(void* p) { std::free(p); }\n"
    "template<class T> T* array_new(std::size_t n) { return new T[n]; }\n"
    "template<class T> void array_delete(T* p) { delete[] p; }\n"
    "template<class T> void array_delete_at(std::uintptr_t p) { delete[] (T*)p; }\n"
    "inline void release_at(std::uintptr_t p) { std::free((void*)p); }\n"
    "template<class T> T* object_at(std::uintptr_t address) { return reinterpret_cast<T*>(address); }",
)

_helpers = []
_instances = {}


def _namespace():
    """The namespace of the helpers, compiled on first use."""
    if not _helpers:
        _c.cppdef(_HELPERS)
        _helpers.append(getattr(_proxies.namespace_for(1), "__cpplive_ll"))
    return _helpers[0]


def _helper(name, template_args, arg_types):
    """The instantiation of helper template `name`, or None when C++ has
    none for these types (the SFINAE'd casts refuse invalid conversions)."""
    key = (name, template_args, arg_types)
    function = _instances.get(key)
    if function is None:
        function = _c.instantiate_function(_namespace().__cpp_scope__, name, list(template_args), list(arg_types), None)
        _instances[key] = function
    return function


def _class_of(target):
    """The proxy class `target` names, or None for other types."""
    if isinstance(target, type):
        return target if getattr(target, "__cpp_scope__", None) is not None and not issubclass(target, int) else None
    if isinstance(target, str):
        described = _c.resolve_type(target)
        if described[0] == "class":
            return _proxies.class_for(described[1])
    return None


def ctypes_in_use():
    """The ctypes module when the program uses it, else None."""
    return sys.modules.get("ctypes")


def _source_type(value):
    """The C++ type a cast takes `value` as: objects by pointer, Python
    numbers as the widest type of their kind."""
    ctypes = ctypes_in_use()
    if value is None or value is _c.nullptr or (ctypes and isinstance(value, (ctypes._Pointer, ctypes.c_void_p))):
        return "void*"
    if isinstance(value, _c.LowLevelView):
        return value.item_type + "*"
    name = getattr(type(value), "__cpp_name__", None)
    if name is not None and not isinstance(value, int):
        return name + "*"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long long" if -2**63 <= value < 2**63 else "unsigned long long"
    if isinstance(value, float):
        return "double"
    raise TypeError("cannot cast a '%s' (a C++ object, a view, an address or a number is needed)" % type(value).__name__)


def _same_address(kind, cls, value):
    """Where a cast of `value` to class `cls` points when that needs no C++:
    an upcast (the base subobject), a reinterpret_cast or a C cast of an
    address (the address itself); None otherwise."""
    number = isinstance(value, int) and not isinstance(value, bool)
    is_object = not number and getattr(type(value), "__cpp_scope__", None) is not None
    if is_object and isinstance(value, cls) and kind != "reinterpret_cast":
        return _c.addressof(value, cls)
    if is_object and kind == "reinterpret_cast":
        return _c.addressof(value)
    if number and kind in ("cast", "reinterpret_cast") and getattr(type(value), "__cpp_name__", None) is None:
        return value
    return None


class Cast(object):
    """`ll.static_cast[T](value)` and its siblings: the C++ cast of `value`
    (a C++ object, a view, an address or a number) to `T`. A class `T`
    means a pointer to it: the result is a proxy of exactly `T`."""

    def __init__(self, kind):
        self.kind = kind

    def __getitem__(self, target):
        cls = _class_of(target)
        spelling = cls.__cpp_name__ + "*" if cls is not None else _proxies.template_argument(target)

        def cast(value):
            if cls is not None:
                same = _same_address(self.kind, cls, value)
                if same is not None:
                    return _c.bind_object(same, cls, False)
            source = _source_type(value)
            name = self.kind + ("_address" if cls is not None else "_to")
            function = _helper(name, (spelling, source), (source,))
            if function is None:
                raise TypeError("C++ has no %s from '%s' to '%s'" % (self.kind, source, spelling))
            result = function(value)
            if cls is None:
                return result
            # A null result (a failed dynamic_cast) is a null object of `T`.
            return _c.bind_object(result, cls, False)
        return cast

    def __repr__(self):
        return "<cpplive.ll.%s>" % self.kind


class Allocator(object):
    """`ll.malloc[T](n)`, `ll.array_new[T](n)`: room for `n` items of type
    `T`, as a view of `n` items (builtins, pointers, class objects)."""

    def __init__(self, helper):
        self.helper = helper

    def __getitem__(self, item_type):
        spelling = _proxies.template_argument(item_type)

        def allocate(count, managed=False):
            result = _helper(self.helper, (spelling,), ("unsigned long",))(count)
            if isinstance(result, _c.CppObject) and result:
                # Objects side by side: a view of them, as cppyy gives.
                result = _c.object_view(result, count, None)
            if not isinstance(result, _c.LowLevelView):
                return result
            result.reshape((count,))
            cpp_array = self.helper == "array_new"
            release = None
            if managed:
                if cpp_array:
                    release = functools.partial(_helper("array_delete_at", (spelling,), ("unsigned long",)), result.address)
                else:
                    release = functools.partial(_namespace().release_at, result.address)
            result._allocated(cpp_array, release)
            return result
        return allocate

    def __repr__(self):
        return "<cpplive.ll.%s>" % self.helper


def _item_type(pointer):
    if isinstance(pointer, _c.LowLevelView):
        return pointer.item_type
    ctypes = ctypes_in_use()
    if ctypes is not None and isinstance(pointer, ctypes._Pointer):
        # POINTER(c_int) and the like: the C++ type of their items.
        item = _FROM_CTYPES.get(pointer._type_.__name__)
        if item is not None:
            return item
    name = getattr(type(pointer), "__cpp_name__", None)
    if name is None:
        raise TypeError("needs a view or C++ object that array_new made, not a '%s'" % type(pointer).__name__)
    return name


def free(pointer):
    """Releases what `ll.malloc` returned (`std::free`)."""
    if isinstance(pointer, _c.LowLevelView) and pointer.__python_owns__:
        raise ValueError("this view owns its memory (managed=True): it is released with the view")
    if isinstance(pointer, int):
        import ctypes
        pointer = ctypes.c_void_p(pointer)
    return _namespace().release(pointer)


class _ArrayDelete(object):
    """`ll.array_delete(p)` releases what `ll.array_new` returned
    (`delete[]`); `ll.array_delete[T](p)` names the item type, for
    pointers that do not say it (`ctypes.POINTER(c_int8)`)."""

    def __call__(self, pointer):
        return self._delete(_item_type(pointer), pointer)

    def __getitem__(self, item_type):
        spelling = _proxies.template_argument(item_type)
        return lambda pointer: self._delete(spelling, pointer)

    @staticmethod
    def _delete(item, pointer):
        if isinstance(pointer, _c.LowLevelView) and pointer.__python_owns__:
            raise ValueError("this view owns its memory (managed=True): it is released with the view")
        if item == "void":
            return _helper("array_delete_at", ("char",), ("unsigned long",))(address(pointer))
        return _helper("array_delete", (item,), (item + "*",))(pointer)

    def __repr__(self):
        return "<cpplive.ll.array_delete>"


array_delete = _ArrayDelete()


_CTYPES = {
    "bool": "c_bool", "char": "c_char", "signed char": "c_byte", "unsigned char": "c_ubyte",
    "short": "c_short", "unsigned short": "c_ushort", "int": "c_int", "unsigned int": "c_uint",
    "long": "c_long", "unsigned long": "c_ulong", "long long": "c_longlong", "unsigned long long": "c_ulonglong",
    "float": "c_float", "double": "c_double", "long double": "c_longdouble", "wchar_t": "c_wchar",
    "char16_t": "c_uint16", "char32_t": "c_uint32",
}


_FROM_CTYPES = {v: k for k, v in _CTYPES.items()}
_CTYPES.update({"int8_t": "c_int8", "uint8_t": "c_uint8"})


def ctypes_name(cpp_name):
    """The name of the ctypes type of builtin `cpp_name` ("c_int" for
    "int"), or None."""
    return _CTYPES.get(cpp_name)


@functools.lru_cache(maxsize=None)
def _capsule_api():
    """PyCapsule_New and PyCapsule_GetPointer as ctypes functions of our own
    (setting argtypes on ctypes.pythonapi's would change them for everyone)."""
    import ctypes
    new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)(
        ("PyCapsule_New", ctypes.pythonapi))
    pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
        ("PyCapsule_GetPointer", ctypes.pythonapi))
    return new, pointer


def address(obj):
    """The address `obj` stands for: a C++ object's, a view's, a ctypes
    object's (a pointer's value), a capsule's pointer, an int as it is;
    nullptr and None are 0."""
    if obj is None or obj is _c.nullptr:
        return 0
    if isinstance(obj, bool):
        raise TypeError("a bool is not an address")
    if isinstance(obj, int) and getattr(type(obj), "__cpp_name__", None) is None:
        return obj
    if isinstance(obj, _c.LowLevelView):
        return obj.address
    ctypes = ctypes_in_use()
    if ctypes is not None:
        if isinstance(obj, ctypes.c_void_p):
            return obj.value or 0
        if isinstance(obj, ctypes._Pointer):
            return ctypes.cast(obj, ctypes.c_void_p).value or 0
        if isinstance(obj, (ctypes._SimpleCData, ctypes.Array, ctypes.Structure, ctypes.Union)):
            return ctypes.addressof(obj)
    if type(obj).__name__ == "PyCapsule":
        return _capsule_api()[1](obj, None) or 0
    return _c.addressof(obj)


def as_ctypes(obj, byref=False):
    """A ctypes pointer to the memory of `obj`: `POINTER(c_int)` for a view
    of ints, `c_void_p` for a C++ object; with `byref`, a pointer to that
    pointer (for `void**`-style parameters that read it)."""
    import ctypes
    if isinstance(obj, _c.LowLevelView) and obj.item_type in _CTYPES:
        item = getattr(ctypes, _CTYPES[obj.item_type])
        pointer = ctypes.cast(ctypes.c_void_p(obj.address), ctypes.POINTER(item))
    else:
        pointer = ctypes.c_void_p(address(obj))
    return ctypes.pointer(pointer) if byref else pointer


def as_memoryview(obj):
    """A writable memoryview of `obj`'s memory, without copying: a view's
    items, or a C++ object's bytes."""
    if isinstance(obj, _c.LowLevelView):
        try:
            return memoryview(obj)
        except BufferError:
            if obj.size is None or obj.typecode != "B":
                raise
        # A view of C++ objects: one item of their size's bytes each.
        import ctypes
        from . import sizeof

        class Item(ctypes.Structure):
            _pack_ = 1
            _fields_ = [("bytes", ctypes.c_char * sizeof(obj.item_type))]
        return memoryview((Item * obj.size).from_address(obj.address))
    cls = type(obj)
    if getattr(cls, "__cpp_scope__", None) is None:
        raise TypeError("as_memoryview() needs a C++ object or a view, not a '%s'" % cls.__name__)
    import ctypes
    size = _c.sizeof_scope(cls.__cpp_scope__)
    return memoryview((ctypes.c_char * size).from_address(address(obj))).cast("B")


def as_capsule(obj):
    """A PyCapsule holding the address of `obj` (for C APIs that take one)."""
    pointer = address(obj)
    if not pointer:
        raise ValueError("as_capsule() of a null pointer")
    return _capsule_api()[0](pointer, None, None)


def argv():
    """C's `argv` for this process's arguments (a ctypes `char**`)."""
    import ctypes
    strings = (ctypes.c_char_p * (len(sys.argv) + 1))(*(arg.encode() for arg in sys.argv), None)
    return ctypes.cast(strings, ctypes.POINTER(ctypes.c_char_p))


def argc():
    """C's `argc`: the number of this process's arguments."""
    return len(sys.argv)


def object_at(address, cls):
    """The object at `address`, taken as a `cls` and seen as the class of
    its dynamic type (as a returned `cls*` is); the live proxy of that
    object when there is one."""
    function = _helper("object_at", (cls.__cpp_name__,), ("unsigned long",))
    if function is None:
        raise TypeError("cannot see the object at 0x%x as a '%s'" % (address, cls.__cpp_name__))
    return function(address)


_member_addresses = {}


def member_address(obj, name):
    """The address of data member `name` of C++ object `obj` (`&obj.name`),
    through a helper compiled once per class and member."""
    cls_name = getattr(type(obj), "__cpp_name__", None)
    if cls_name is None or not isinstance(obj, _c.CppObject):
        raise TypeError("addressof(obj, name) needs a C++ object, not '%s'" % type(obj).__name__)
    if not isinstance(name, str):
        raise TypeError("addressof(obj, name): the member name must be a str")
    key = (cls_name, name)
    function = _member_addresses.get(key)
    if function is None:
        helper = "member_address_%d" % (len(_member_addresses) + 1)
        try:
            _c.cppdef("#include <memory>\nnamespace __cpplive_ll { inline std::uintptr_t %s(%s& o) "
                      "{ return (std::uintptr_t)std::addressof(o.%s); } }" % (helper, cls_name, name))
        except SyntaxError as e:
            raise TypeError("'%s' has no data member '%s' with an address: %s" % (cls_name, name, e)) from None
        function = _member_addresses[key] = getattr(_namespace(), helper)
    return function(obj)
