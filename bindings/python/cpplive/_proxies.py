"""Proxies for C++ scopes: namespaces, classes, enums and class templates.

Attribute access resolves lazily through the backend and caches the result;
classes are real Python types (C++ bases become Python bases), made once per
C++ class and registered with the compiled layer, which hands them back for
arguments and results.
"""
import sys
import threading
import warnings
import weakref

from . import _cpplive as _c
from . import _pythonize
from . import _dictionaries

CppObject = _c.CppObject
DataMember = _c.DataMember

_namespaces = {}
_classes = {}
# Namespace id -> (when, sorted names) for dir().
_listings = {}
# Classes being made, by the thread holding _making_lock: making one runs
# Python code (pythonizations, base classes), during which another thread
# could ask for the same class. It waits for the lock and then finds the
# finished class; the making thread itself gets the unfinished one (a class
# whose members refer to it).
_making = {}
_making_lock = threading.RLock()


# The module C++ proxies are filed under: `cpplive.gbl`, or `cppyy.gbl`
# once the cppyy compatibility module is installed (code written for cppyy
# reads `__module__`, and pickle imports it).
_module_root = ["cpplive.gbl"]


def _module_name(qualified, root=None):
    return (root or _module_root[0]) + "".join("." + part for part in _scope_parts(qualified))


def _scope_parts(qualified):
    """The components of a qualified C++ name, split at the `::`s outside
    template arguments (`std::vector<ns::A>` is `std`, `vector<ns::A>`)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(qualified):
        c = qualified[i]
        if c in "<([":
            depth += 1
        elif c in ">)]":
            depth -= 1
        elif depth == 0 and qualified.startswith("::", i):
            parts.append(qualified[start:i])
            start = i + 2
            i += 1
        i += 1
    parts.append(qualified[start:])
    return [p for p in parts if p]


# `__module__` values given by assignment, by the C++ name of the
# namespace or class they were given to: what is nested in it is filed
# under that module (and the scope's name), as in cppyy.
_module_overrides = {}


def _module_of(parts):
    """The `__module__` of the scope or class named by `parts`: its
    enclosing scope's module and name, down from the root."""
    if not parts:
        return _module_root[0]
    given = _module_overrides.get("::".join(parts))
    if given is not None:
        return given
    if len(parts) == 1:
        return _module_root[0]
    return "%s.%s" % (_module_of(parts[:-1]), parts[-2])


def _enclosing_module(qualified):
    """The module of the scope enclosing C++ name `qualified`."""
    return _module_of(_scope_parts(qualified))


def set_module_root(root):
    """Files every proxy, made or to be made, under module `root`, and
    enters the namespaces made so far in `sys.modules` under it."""
    _module_root[0] = root
    for ns in _namespaces.values():
        qualified = ns.__cpp_name__
        if not qualified:
            object.__setattr__(ns, "__name__", root)
        sys.modules.setdefault(_module_name(qualified), ns)
    _refile_modules()


def _set_module(qualified, module):
    """`__module__` assigned to the namespace or class `qualified`: it and
    everything nested in it are filed anew."""
    _module_overrides[qualified] = module
    _refile_modules()


def _refile_modules():
    for ns in _namespaces.values():
        qualified = ns.__cpp_name__
        object.__setattr__(ns, "__module__", _enclosing_module(qualified) if qualified else _module_root[0])
    for cls in list(_classes.values()) + list(_named_builtins.values()):
        qualified = getattr(cls, "__cpp_name__", None)
        if isinstance(cls, type) and qualified:
            type.__setattr__(cls, "__module__", _enclosing_module(qualified))


def _resolve(owner, scope_id, name, cls=None):
    """What `name` in `scope_id` is, as a Python object, or raise AttributeError."""
    found = _c.lookup(scope_id, name, cls)
    if found is None and cls is None:
        try:
            if _dictionaries.autoload(_qualified_in(owner, name)):
                found = _c.lookup(scope_id, name, cls)
        except _dictionaries.DictionaryError as e:
            # An attribute lookup fails as one (hasattr stays usable); the
            # message names the dictionary that could not serve.
            raise AttributeError("C++ name '%s': %s" % (name, e)) from e
    if found is None and scope_id == 1 and cls is None and _is_builtin_type(name):
        # `gbl.int`, `gbl.unsigned` (names C++ reserves, not declarations).
        return _typedef_target(_c.resolve_type(name))
    if found is None:
        where = "the global namespace" if scope_id == 1 else "'%s'" % _scope_name(owner)
        raise AttributeError("C++ name '%s' not found in %s%s" % (name, where, _dictionaries.searched_note()))
    kind = found[0]
    if kind == "namespace":
        return namespace_for(found[1])
    if kind in ("class", "enum"):
        return class_for(found[1])
    if kind == "functions":
        return found[1]
    if kind == "variable":
        return found[1]
    if kind == "class_template":
        return ClassTemplate(found[1].lstrip(":"))
    if kind == "function_template":
        return _with_plain_overloads(FunctionTemplate(found[1].lstrip(":"), name, scope_id, cls), found[2])
    if kind == "typedef":
        return _typedef_target(found[1], _declared_in(owner, name))
    if kind == "enumerator":
        enum_cls = class_for(found[2]) if found[2] else int
        return enum_cls(found[1])
    if kind == "nonpublic":
        raise AttributeError("'%s' is a non-public member of C++ class '%s'" % (name, _scope_name(owner)))
    if kind == "field":
        raise AttributeError("'%s' is a data member of '%s': read it from an instance" % (name, _scope_name(owner)))
    raise AttributeError("C++ name '%s' has an unsupported kind (%s)" % (name, kind))


def _is_builtin_type(name):
    try:
        _c.sizeof_builtin(name)
    except ValueError:
        return False
    return True


def _qualified_in(owner, name):
    scope = (getattr(owner, "__cpp_name__", None) or "").strip(":")
    return "%s::%s" % (scope, name) if scope else name


def _declared_in(owner, name):
    """The C++ name of `name` looked up in `owner`, spelled in the scope
    that declares it: a typedef a class inherits is its base's
    (`C.Val` is `A::Val`, the same Python type)."""
    if isinstance(owner, type):
        for klass in owner.__mro__:
            scope = klass.__dict__.get("__cpp_scope__")
            if scope is not None and name in _c.member_names(scope):
                return _qualified_in(klass, name)
    return _qualified_in(owner, name)


def _scope_name(owner):
    return getattr(owner, "__cpp_name__", None) or "?"


_BUILTIN_PYTHON_TYPES = {
    "bool": bool, "float": float, "double": float, "long double": float,
    "char": str,
}


def _typedef_target(described, qualified=None):
    """The Python object for a type: the proxy of a class or enum, the
    Python type of a builtin, a pointer handle type. A typedef (named by
    `qualified`) of a builtin is a Python type of its own, derived from the
    builtin's (as cppyy's are), so that it keeps its C++ name: `__name__`,
    and as a template argument (`T[size_type]`)."""
    kind = described[0]
    if kind in ("class", "enum"):
        return class_for(described[1])
    if kind == "builtin":
        python_type = _BUILTIN_PYTHON_TYPES.get(described[1], int)
        return python_type if qualified is None else _named_builtin(python_type, qualified)
    if kind == "string":
        return str
    if kind == "class_pointer":
        pointee = class_for(described[1])
        return _PointerType(described[2], lambda address: _c.bind_object(address, pointee), pointee.__name__)
    if kind == "void_pointer":
        import ctypes
        name = _scope_parts(qualified)[-1] if qualified else described[1]
        return _PointerType(described[1], ctypes.c_void_p, name)
    raise AttributeError("typedef to '%s' is not supported yet" % described[1])


class _BoolTypedefMeta(type):
    """`bool` cannot be derived from: a typedef of it is a type whose
    calls give `True` or `False` themselves."""

    def __call__(cls, value=False):
        return bool(value)


# One Python type per typedef, so that it is the same object wherever it
# is looked up (`A.size_type is A.size_type`); and the Python type each
# stands for.
_named_builtins = {}
_plain_types = {}


def plain_type(t):
    """The Python type behind a typedef of a builtin (`int` for
    `vector<unsigned>.value_type`); any other type is itself."""
    return _plain_types.get(t, t)


def _named_builtin(python_type, qualified):
    named = _named_builtins.get((qualified, python_type))
    if named is None:
        namespace = {"__cpp_name__": qualified, "__module__": _enclosing_module(qualified)}
        name = _scope_parts(qualified)[-1]
        if python_type is bool:
            named = _BoolTypedefMeta(name, (object,), namespace)
        else:
            named = type(name, (python_type,), namespace)
        _named_builtins[(qualified, python_type)] = named
        _plain_types[named] = python_type
    return named


class _PointerType(object):
    """A typedef to a pointer used as a handle (`typedef void* Handle`,
    `typedef T* Ptr`): calling it with an address (or nullptr, None, a C++
    object) gives a handle, for `Handle` parameters and, through its
    address, `Handle*` out-parameters: a proxy for a class pointer, a
    `ctypes.c_void_p` for `void*`."""

    def __init__(self, spelling, make, name):
        # Spelled as cppyy spells pointers (`ns::T*`); named by the class
        # pointed at, as cppyy names them.
        self.__cpp_name__ = spelling.replace(" *", "*")
        self.__name__ = name
        self._make = make

    def __call__(self, value=None):
        from . import _lowlevel
        return self._make(_lowlevel.address(value))

    def __repr__(self):
        return "<cpplive pointer type '%s'>" % self.__cpp_name__


def _instantiation_named(namespace, name):
    spelling = "%s::%s" % (namespace.__cpp_name__.strip(":"), name) if namespace.__cpp_name__.strip(":") else name
    try:
        described = _c.resolve_type(spelling)
    except (TypeError, SyntaxError) as e:
        raise AttributeError("C++ name '%s' not found in %s: %s" % (name, _scope_name(namespace), e)) from None
    if described[0] not in ("class", "enum"):
        raise AttributeError("'%s' is not a class" % spelling)
    return class_for(described[1])


class Namespace(object):
    """A C++ namespace. Each namespace object has a class of its own, which
    holds the descriptors of the namespace's variables."""

    def __init__(self, scope_id, qualified):
        object.__setattr__(self, "__cpp_scope__", scope_id)
        object.__setattr__(self, "__cpp_name__", qualified)
        # Entered in sys.modules: tools that find a class's module by its
        # __module__ (pydoc, inspect) read the module's name, and a
        # __path__ (with a __spec__) lets `import cpplive.gbl.ns.inner` ask
        # for the inner one (see _importer).
        # Named as cppyy names them: `__name__` the namespace's own name,
        # `__module__` the enclosing namespace's module.
        parts = _scope_parts(qualified)
        object.__setattr__(self, "__name__", parts[-1] if parts else _module_root[0])
        object.__setattr__(self, "__module__", _enclosing_module(qualified) if parts else _module_root[0])
        object.__setattr__(self, "__path__", [])
        object.__setattr__(self, "__spec__", None)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name.endswith(">") and "<" in name:
            # getattr(std, "vector<int>"): a template instantiation by name.
            value = _instantiation_named(self, name)
            object.__setattr__(self, name, value)
            return value
        value = _resolve(self, self.__cpp_scope__, name)
        if isinstance(value, DataMember):
            setattr(type(self), name, value)
            return value._get()
        if is_incomplete(value):
            # Looked up again next time: a later input may define it.
            return value
        object.__setattr__(self, name, value)
        return value

    def __setattr__(self, name, value):
        if name == "__module__" and self.__cpp_name__:
            _set_module(self.__cpp_name__, value)
            return
        if not (name.startswith("__") and name.endswith("__")) and name not in type(self).__dict__:
            try:
                self.__getattr__(name)
            except AttributeError:
                pass
        object.__setattr__(self, name, value)

    def __dir__(self, *_ignored):
        # What C++ declares, whether looked up yet or not (completion in
        # IPython and the like goes by dir()). cppyy's `ns.__dir__(ns)`
        # passes the namespace again. Kept until an input may have
        # declared names or a lookup added one (a listing of the global
        # namespace costs more than a millisecond).
        key = (_c.declaration_generation(), len(self.__dict__), len(type(self).__dict__))
        cached = _listings.get(self.__cpp_scope__)
        if cached is None or cached[0] != key:
            names = sorted(set(self.__dict__) | set(type(self).__dict__) | set(_c.member_names(self.__cpp_scope__)))
            cached = _listings[self.__cpp_scope__] = (key, names)
        return list(cached[1])

    def __call__(self, *args, **kwargs):
        # cppyy's namespaces are classes, which code may call by mistake.
        raise TypeError("C++ namespace %s cannot be called" % (self.__cpp_name__ or "::"))

    def __repr__(self):
        # As cppyy's: by module and name, so that a `__module__` given shows.
        where = "%s.%s" % (self.__module__, self.__name__) if self.__cpp_name__ else self.__name__
        return "<namespace %s at 0x%x>" % (where, id(self))


def namespace_for(scope_id):
    ns = _namespaces.get(scope_id)
    if ns is not None:
        return ns
    if scope_id == 1:
        qualified = ""
    else:
        qualified = _c.scope_info(scope_id)["qualified"]
    ns_cls = type("namespace " + (qualified or "::"), (Namespace,), {"__module__": "cpplive.gbl"})
    ns = ns_cls(scope_id, qualified)
    if qualified == "std":
        object.__setattr__(ns, "move", _std_move(ns))
        object.__setattr__(ns, "make_shared", _MakeSmart(ns, "make_shared", "shared_ptr"))
        object.__setattr__(ns, "make_unique", _MakeSmart(ns, "make_unique", "unique_ptr"))
    _namespaces[scope_id] = ns
    sys.modules.setdefault(_module_name(qualified), ns)
    if _module_root[0] != "cpplive.gbl":
        sys.modules.setdefault(_module_name(qualified, "cpplive.gbl"), ns)
    return ns


def _std_move(std):
    """`std.move(obj)` marks a C++ object as an rvalue (it may bind to one
    `T&&` parameter, as `std::move(obj)` in C++ lets it) and returns it;
    other uses go to C++'s `std::move`."""
    cpp = []

    def move(*args):
        if len(args) == 1 and isinstance(args[0], CppObject):
            return _c.mark_rvalue(args[0])
        if not cpp:
            cpp.append(_resolve(std, std.__cpp_scope__, "move"))
        return cpp[0](*args)

    move.__doc__ = _std_move.__doc__
    return move


class _MakeSmart(object):
    """`std.make_shared` and `std.make_unique`, for a class given from
    Python (`make_shared[T](args)`, or `make_shared(obj)` for the object's
    own class), as cppyy does them: the object is made in Python, or the one
    given (Python-owned and of exactly that class) is taken over instead of
    copied, and handed to a smart pointer of the class. A Python class
    deriving from a C++ class is handed to one of its C++ base (C++ cannot
    make its Python part), and the object itself is returned, held by it;
    for a C++ class the result is what a smart pointer result is (a proxy
    of the object keeping the smart pointer), and a given object's proxy
    no longer owns it. Other template arguments go to C++'s templates."""

    def __init__(self, std, name, smart):
        self._std = std
        self._name = name
        self._smart = smart
        self._template = None

    def _cpp(self):
        if self._template is None:
            self._template = _resolve(self._std, self._std.__cpp_scope__, self._name)
        return self._template

    def __getitem__(self, args):
        cls = args[0] if isinstance(args, tuple) and len(args) == 1 else args
        if isinstance(cls, CppClassMeta) and not _is_smart_pointer(cls):
            return lambda *a, **k: self._make(cls, a, k)
        return self._cpp()[args]

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], CppObject) and not _is_smart_pointer(type(args[0])):
            return self._make(type(args[0]), args, kwargs)
        return self._cpp()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cpp(), name)

    def _make(self, cls, args, kwargs):
        if "__cpp_scope__" not in cls.__dict__:
            return self._python(cls, args, kwargs)
        given = args[0] if len(args) == 1 and not kwargs and type(args[0]) is cls else None
        if given is not None and given.__python_owns__ and given.__smartptr__() is None:
            obj = given
        else:
            # A copy where the object is not Python's to hand over.
            obj = cls(*args, **kwargs)
        holder = getattr(self._std, self._smart)[cls](obj)
        return _c.held_object(holder)

    def _python(self, cls, args, kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], cls):
            obj = args[0]
        else:
            obj = cls(*args, **kwargs)
        # The C++ class the Python class derives from (not its dispatcher).
        base = next(k for k in cls.__mro__ if "__cpp_scope__" in k.__dict__ and "__cpp_dispatch__" not in k.__dict__)
        holder = getattr(self._std, self._smart)[base](obj)
        _c.hand_to(obj, holder)
        return obj

    def __repr__(self):
        return repr(self._cpp())


def _is_smart_pointer(cls):
    """Whether proxy class `cls` is a smart pointer class (whose objects
    `make_shared` copies as C++ does, rather than pointing at them)."""
    scope = cls.__dict__.get("__cpp_scope__")
    return scope is not None and bool(_c.scope_info(scope).get("smart_pointee"))


class CppClassMeta(type):
    """Metaclass of class proxies: lazy lookup of nested names, and writes
    to static data members go to C++. A Python class deriving from a proxy
    and defining C++ virtual methods gets a C++ dispatcher class in between,
    so that C++ calls reach the Python methods."""

    def __new__(mcls, name, bases, namespace, **kwargs):
        if "__cpp_scope__" not in namespace:
            _warn_without_virtual_destructor(name, bases)
            dispatcher = _dispatcher_for(bases)
            if dispatcher is not None:
                # Not one of the class's bases: `__bases__` stays what the
                # class statement says, and `mro()` puts the dispatcher
                # right after the class.
                namespace = dict(namespace)
                namespace["__cpp_dispatch_class__"] = dispatcher
                namespace["__cpp_dispatch_bases__"] = dispatcher.__cpp_dispatch_bases__
                namespace["__cpp_dispatch_init__"] = dispatcher.__init__
        return super().__new__(mcls, name, bases, namespace, **kwargs)

    def __init__(cls, name, bases, namespace, **kwargs):
        super().__init__(name, bases, namespace, **kwargs)
        if "__cpp_scope__" not in namespace:
            _add_protected_members(cls)
        dispatcher = cls.__dict__.get("__cpp_dispatch_class__")
        if dispatcher is not None:
            # C++ objects of the dispatcher class are this Python class's
            # (RTTI downcasts then find the Python object).
            _c.register_class(dispatcher.__cpp_scope__, cls)

    def mro(cls):
        # Each class with a dispatcher of its own is followed by it.
        order = []
        for klass in type.mro(cls):
            order.append(klass)
            dispatcher = klass.__dict__.get("__cpp_dispatch_class__")
            if dispatcher is not None and dispatcher not in order:
                order.append(dispatcher)
        return order

    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        for klass in cls.__mro__:
            if name in klass.__dict__:
                if isinstance(klass.__dict__[name], DataMember):
                    raise AttributeError("'%s' is a data member of each '%s' object: read it from an instance"
                                         % (name, klass.__name__))
                # Only called directly (inspect asks each metaclass): the
                # name is the class's own, not something this lookup provides.
                raise AttributeError(name)
        scope_id = type.__getattribute__(cls, "__dict__").get("__cpp_scope__")
        if scope_id is None:
            scope_id = getattr(cls, "__cpp_scope__")
        value = _resolve(cls, scope_id, name, cls)
        type.__setattr__(cls, name, _NestedType(value, cls, name) if isinstance(value, type) else value)
        if isinstance(value, DataMember):
            return value._get()
        if isinstance(value, _c.CppMethod):
            # As the next lookup will give it (a virtual method reached
            # through its class is its direct form).
            return value.__get__(None, cls)
        return value

    def __setattr__(cls, name, value):
        if name == "__module__" and "__cpp_scope__" in cls.__dict__:
            _set_module(cls.__cpp_name__, value)
            return
        for klass in cls.__mro__:
            attr = klass.__dict__.get(name)
            if attr is not None:
                if isinstance(attr, DataMember):
                    attr._set(None, value)
                    return
                break
        if type(value) is _c.CppFunction:
            # A C++ function put on a class is a method, as a Python
            # function would be: the object goes in as its first argument.
            value = _c.method_from_function(value)
        if not (name.startswith("__") and name.endswith("__")):
            try:
                current = getattr(cls, name)
            except AttributeError:
                current = None
            if isinstance(current, int) and "__cpp_scope__" in type(current).__dict__:
                # Enumerators are C++ constants, as C++ has them.
                raise TypeError("cannot assign to '%s': it is an enumerator of '%s'" % (name, type(current).__cpp_name__))
        type.__setattr__(cls, name, value)

    def __dir__(cls):
        # Nested types, enumerators and typedefs are looked up on first use:
        # listed from C++ (for the class and its C++ bases), with the
        # members made with the class, but not those that only say they are
        # not public.
        names = set(type.__dir__(cls))
        for klass in cls.__mro__:
            scope = klass.__dict__.get("__cpp_scope__")
            if scope is not None:
                names.update(_c.member_names(scope))
        return sorted(name for name in names if not isinstance(_defined(cls, name), _NonPublic))

    def __repr__(cls):
        if "__cpp_scope__" not in cls.__dict__:
            return type.__repr__(cls)                  # a Python class deriving from a proxy
        # As cppyy's: by module and name (`cppyy.gbl.ns.Outer.Inner`).
        return "<class %s.%s at 0x%x>" % (cls.__module__, cls.__name__, id(cls))


class _NestedType(object):
    """A nested type or typedef looked up in a class, as kept in its
    `__dict__`. A derived class proxy, which would inherit it through
    Python's MRO, looks the name up in C++ for itself instead: it may
    declare its own (`B::Ptr` shadowing `A::Ptr`)."""

    __slots__ = ("value", "owner", "name")

    def __init__(self, value, owner, name):
        self.value = value
        self.owner = owner
        self.name = name

    def __get__(self, instance, owner=None):
        if owner is None or owner is self.owner or "__cpp_scope__" not in owner.__dict__:
            return self.value
        value = _resolve(owner, owner.__dict__["__cpp_scope__"], self.name, owner)
        type.__setattr__(owner, self.name, _NestedType(value, owner, self.name) if isinstance(value, type) else value)
        return value


class _NonPublic(object):
    """Stands for a private or protected C++ member, so that using it says so
    (a class-level __getattr__ would instead slow every attribute access)."""

    def __init__(self, name, owner):
        self.name = name
        self.owner = owner

    def _refuse(self):
        raise AttributeError("'%s' is a non-public member of C++ class '%s'" % (self.name, self.owner))

    def __get__(self, instance, owner=None):
        self._refuse()

    def __set__(self, instance, value):
        self._refuse()


_protected_members = {}


def _add_protected_members(cls):
    """A Python class deriving from C++ classes uses their protected members
    as a C++ derived class would: they are put in its own dict (its C++
    bases do not show them), unless a Python class on the way defines the
    name."""
    for klass in cls.__mro__:
        scope = klass.__dict__.get("__cpp_scope__")
        if scope is None or klass.__dict__.get("__cpp_dispatch__") is not None:
            continue
        members = _protected_members.get(scope)
        if members is None:
            members = _protected_members[scope] = tuple(_c.class_members(scope, klass, True))
        for name, member in members:
            if _defined(cls, name) is None or _defined(cls, name) is member:
                type.__setattr__(cls, name, member)


def _defined(cls, name):
    """What the nearest class of `cls`'s MRO defining `name` holds, or None."""
    return next((klass.__dict__[name] for klass in cls.__mro__ if name in klass.__dict__), None)


def _warn_without_virtual_destructor(name, bases):
    """A C++ base without a virtual destructor: C++ code deleting the
    object through a pointer to it runs neither the dispatcher's destructor
    nor any Python clean-up (and with a dispatcher, that is undefined
    behaviour). Said once per class statement, as cppyy does."""
    for base in bases:
        if isinstance(base, CppClassMeta) and "__cpp_scope__" in base.__dict__ and "__cpp_dispatch__" not in base.__dict__:
            info = _c.scope_info(base.__cpp_scope__)
            if info.get("has_virtual_destructor") is False:
                warnings.warn("class '%s' has no virtual destructor: C++ code deleting a '%s' derived from it through a "
                              "'%s*' does not reach the Python object" % (base.__cpp_name__, name, base.__cpp_name__),
                              RuntimeWarning, stacklevel=3)


def _cpp_type_of(base):
    """The C++ class the objects of Python class `base` are, when it derives
    from C++ classes through a dispatcher of its own (its nearest one), or
    None."""
    if not isinstance(base, CppClassMeta) or "__cpp_scope__" in base.__dict__:
        return None
    return next((klass.__dict__["__cpp_dispatch_class__"] for klass in base.__mro__
                 if "__cpp_dispatch_class__" in klass.__dict__), None)


def _dispatcher_for(bases):
    """The C++ dispatcher class for a Python class deriving from `bases`,
    or None: made when a C++ base (not already a Python class with a
    dispatcher) has virtual methods, so that the Python class, and any
    Python class deriving from it, can override them. With several such
    bases (`cpplive.multi(A, B)`), one dispatcher derives from all; a
    Python base with a dispatcher counts there as its dispatcher class
    (the C++ class its objects are), so that its overrides stay in."""
    cpp_bases = [base for base in bases
                 if isinstance(base, CppClassMeta) and "__cpp_scope__" in base.__dict__
                 and "__cpp_dispatch__" not in base.__dict__]
    combined = [base if base in cpp_bases else _cpp_type_of(base) for base in bases]
    combined = [base for base in combined if base is not None]
    if len(combined) > 1:
        return _make_multi_dispatcher(combined)
    for base in cpp_bases:
        dispatcher = _make_dispatcher(base)
        if dispatcher is not None:
            return dispatcher
    return None


def _make_multi_dispatcher(bases):
    names = ", ".join(b.__cpp_name__ for b in bases)
    try:
        made = _c.make_multi_dispatcher([b.__cpp_scope__ for b in bases])
    except (SyntaxError, TypeError, NotImplementedError, RuntimeError) as e:
        raise TypeError("Python methods cannot override the C++ virtuals of %s: %s" % (names, e)) from None
    if made is None:
        return None
    dispatcher_id, members, packs = made
    dispatcher = class_for(dispatcher_id)
    construct = dispatcher.__dict__.get("__init__")
    from . import gbl
    pack_classes = [[getattr(gbl, name) for name in per_base] for per_base in packs]

    def __init__(self, *per_base):
        """One tuple of constructor arguments per C++ base, in order (fewer
        tuples: the other bases are default-constructed)."""
        if len(per_base) > len(bases) or not all(isinstance(a, tuple) for a in per_base):
            raise TypeError("%s() takes one tuple of constructor arguments per C++ base (%s)" % (type(self).__name__, names))
        per_base = per_base + ((),) * (len(bases) - len(per_base))
        chosen = []
        for base, arguments, candidates in zip(bases, per_base, pack_classes):
            if not candidates:
                if arguments:
                    raise TypeError("'%s' has no constructor taking %d arguments" % (base.__cpp_name__, len(arguments)))
                continue
            errors = []
            for pack in candidates:
                try:
                    chosen.append(pack(*arguments))
                    break
                except TypeError as e:
                    errors.append(str(e).splitlines()[0])
            else:
                raise TypeError("no constructor of '%s' takes %r" % (base.__cpp_name__, arguments))
        construct(self, *chosen)
        _connect(self, dispatcher, members)

    type.__setattr__(dispatcher, "__init__", __init__)
    type.__setattr__(dispatcher, "__cpp_dispatch__", members)
    type.__setattr__(dispatcher, "__cpp_dispatch_bases__", frozenset(b.__cpp_scope__ for b in bases))
    return dispatcher


def _make_dispatcher(base):
    try:
        made = _c.make_dispatcher(base.__cpp_scope__)
    except (SyntaxError, TypeError, NotImplementedError, RuntimeError) as e:
        raise TypeError("Python methods cannot override the C++ virtuals of '%s': %s" % (base.__cpp_name__, e)) from None
    if made is None:
        return None
    dispatcher_id, members = made
    dispatcher = class_for(dispatcher_id)
    construct = dispatcher.__dict__.get("__init__")

    def __init__(self, *args, **kwargs):
        construct(self, *args, **kwargs)
        _connect(self, dispatcher, members)

    type.__setattr__(dispatcher, "__init__", __init__)
    type.__setattr__(dispatcher, "__cpp_dispatch__", members)
    type.__setattr__(dispatcher, "__cpp_dispatch_bases__", frozenset([base.__cpp_scope__]))
    return dispatcher


def _connect(obj, dispatcher, members, held=False):
    """Points the dispatcher's C++ overrides at the methods `obj`'s Python
    class defines (the others keep calling C++). Through a weak reference:
    the C++ object must not keep its own Python proxy alive; but a copy C++
    made (`held`) has no other owner for its Python object than the C++
    copy itself, which keeps it until it is destroyed."""
    ref = (lambda: obj) if held else weakref.ref(obj)
    view = _c.bind_object(_c.addressof(obj), dispatcher, False)
    for name, member in members:
        if _overridden_in_python(type(obj), name, dispatcher):
            setattr(view, member, _method_caller(ref, name))
    view.cpplive_on_delete = _deletion_notice(ref, dispatcher)
    view.cpplive_on_copy = _copy_notice(ref, dispatcher, members)


def _copy_notice(ref, dispatcher, members):
    """Called by the copy constructor of the dispatcher with the new C++
    object (a `std::vector<PyDerived>` copying one in): the copy gets a
    Python object of its own, of the original's class, with a shallow copy
    of the original's attributes, connected as the original is; the C++
    copy holds it. Without this, the copy would call the original's Python
    methods (and fail once that is gone)."""
    def copied(new):
        original = ref()
        if original is not None:
            if type(new) is not type(original):
                new = _c.bind_object(_c.addressof(new), type(original), False)
            state = getattr(original, "__dict__", None)
            if state:
                new.__dict__.update(state)
        _connect(new, dispatcher, members, held=True)
    return copied


def _deletion_notice(ref, dispatcher):
    """Called by the dispatcher's destructor. When C++ deleted the object
    (`delete base_ptr`), its proxy lets go of it (using it then raises
    ReferenceError, and Python never deletes it again) and the Python
    class's `__destruct__`, if it defines one, is called; when Python is
    deleting it, nothing is to be done."""
    def deleted():
        obj = ref()
        if obj is None or not _c.deleted_in_cpp(obj):
            return
        for klass in type(obj).__mro__:
            if klass is dispatcher or "__cpp_scope__" in klass.__dict__:
                break
            destruct = klass.__dict__.get("__destruct__")
            if destruct is not None:
                destruct(obj)
                break
    return deleted


def _python_definition(cls, name):
    """The Python function overriding C++ virtual `name` for objects of
    `cls`, or None: the first definition in the MRO that is a Python
    class's, unless a C++ class (not a dispatcher) defines the name before
    it. Dispatchers are passed over: a class deriving from a Python class
    with a dispatcher (`multi(A, PyB)`) has one of its own, ahead of PyB."""
    for klass in cls.__mro__:
        namespace = klass.__dict__
        if "__cpp_dispatch__" in namespace:
            continue
        if name in namespace:
            return None if "__cpp_scope__" in namespace else namespace[name]
    return None


def _overridden_in_python(cls, name, dispatcher):
    """Whether `cls` (whose C++ objects are `dispatcher`s) overrides C++
    virtual `name` in Python."""
    return _python_definition(cls, name) is not None


def _method_caller(ref, name):
    def call(*args):
        obj = ref()
        if obj is None:
            raise ReferenceError("the Python object that overrides '%s' no longer exists" % name)
        function = _python_definition(type(obj), name)
        if function is None:
            return getattr(obj, name)(*args)
        # Bound as attribute lookup binds it (a plain callable stays as is).
        bind = getattr(type(function), "__get__", None)
        return (bind(function, obj, type(obj)) if bind is not None else function)(*args)
    return call


def _abstract_init(qualified, scope_id):
    def __init__(self, *args, **kwargs):
        if type(self).__dict__.get("__cpp_name__") == qualified:
            raise TypeError("cannot instantiate abstract class '%s'" % qualified)
        # Reached by super() past another C++ base, from a Python class
        # whose dispatcher derives from several: the dispatcher is what is
        # constructed. With it as the only base, super() reaches the
        # dispatcher before it: it was called by name, which cppyy refuses.
        dispatch_bases = getattr(type(self), "__cpp_dispatch_bases__", ())
        if scope_id in dispatch_bases and len(dispatch_bases) > 1:
            return type(self).__cpp_dispatch_init__(self, *args, **kwargs)
        raise TypeError("cannot instantiate abstract class '%s' (from derived classes, use super() instead)" % qualified)
    return __init__


def _incomplete_init(qualified):
    def __init__(self, *args, **kwargs):
        raise TypeError("cannot make a '%s': the class is only declared, not defined (define it with cppdef, or "
                        "include the header that does)" % qualified)
    return __init__


# Classes only declared when their proxy was made (pointers to them pass
# through Python): completed in place once a later input defines them.
_incomplete = {}


def _complete_later_defined(scope_id, cls):
    """Installs the members of `cls`, made while its class was only
    declared, if an input has defined the class since. The proxy stays the
    same object, so that converters and objects made meanwhile keep
    working; a definition with bases (which a made Python type cannot
    gain) is refused."""
    info = _c.scope_info(scope_id)
    if not info["is_complete"]:
        return
    del _incomplete[scope_id]
    if info["bases"]:
        type.__setattr__(cls, "__init__", _redefined_with_bases_init(info["qualified"]))
        return
    type.__delattr__(cls, "__init__")
    _install_members(cls, scope_id, info)


def _redefined_with_bases_init(qualified):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("'%s' was defined with base classes after its proxy was made from the declaration "
                                  "alone; its proxy cannot gain bases" % qualified)
    return __init__


def is_incomplete(cls):
    """Whether `cls` is the proxy of a class that is only declared (not
    kept by namespaces: the next lookup checks for a definition)."""
    scope_id = cls.__dict__.get("__cpp_scope__") if isinstance(cls, type) else None
    return scope_id in _incomplete


def class_for(scope_id):
    cls = _classes.get(scope_id)
    if cls is not None:
        if scope_id in _incomplete:
            _complete_later_defined(scope_id, cls)
        return cls
    with _making_lock:
        cls = _classes.get(scope_id) or _making.get(scope_id)
        if cls is not None:
            return cls
        info = _c.scope_info(scope_id)
        try:
            if info["kind"] == "enum":
                cls = _make_enum(scope_id, info)
            else:
                cls = _make_class(scope_id, info)
        finally:
            _making.pop(scope_id, None)
        _classes[scope_id] = cls
        _c.register_class(scope_id, cls, True)
        return cls


# The Python exception each standard C++ exception class also derives from,
# so that `except IndexError` catches a `std::out_of_range`.
PYTHON_EXCEPTION_BASES = {
    "std::out_of_range": IndexError,
    "std::invalid_argument": ValueError,
    "std::domain_error": ValueError,
    "std::length_error": ValueError,
    "std::range_error": ArithmeticError,
    "std::overflow_error": OverflowError,
    "std::underflow_error": ArithmeticError,
    "std::bad_alloc": MemoryError,
}


def _class_bases(info, qualified):
    """C++ bases as Python bases. `std::exception` roots the classes that
    are Python exceptions too (raised and caught as themselves)."""
    bases = tuple(class_for(b) for b in info["bases"])
    # C++ may list a base that another listed base derives from
    # (`struct C : virtual A, virtual B {}` with `B : A`); Python's MRO
    # refuses that order, and the other base brings it in anyway (C++
    # offsets come from the C++ base graph, not from the Python bases).
    bases = tuple(b for b in bases if not any(o is not b and issubclass(o, b) for o in bases))
    if not bases:
        if qualified == "std::exception":
            return (_c.CppExceptionObject, _c.CppException)
        return (CppObject,)
    extra = PYTHON_EXCEPTION_BASES.get(qualified)
    if extra is not None and issubclass(bases[0], BaseException):
        bases += (extra,)
    return bases


def _dispatch(self, name, signature):
    """The overload of method `name` taking `signature` (as for
    `__overload__`), bound to this object."""
    if not isinstance(signature, str):
        raise TypeError("__dispatch__() takes a signature string, not '%s'" % type(signature).__name__)
    return getattr(self, name).__overload__(signature)


def _make_with_consistent_bases(name, bases, namespace):
    kept = []
    for base in bases:
        if _linearizable(kept + [base]):
            kept.append(base)
    return CppClassMeta(name, tuple(kept) or (CppObject,), namespace)


def _linearizable(bases):
    """Whether Python's C3 method resolution order exists for a class with
    `bases` (checked without making one)."""
    sequences = [list(b.__mro__) for b in bases] + [list(bases)]
    while True:
        sequences = [seq for seq in sequences if seq]
        if not sequences:
            return True
        for seq in sequences:
            head = seq[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return False
        for other in sequences:
            if other[0] is head:
                del other[0]


def _make_class(scope_id, info):
    qualified = info["qualified"]
    bases = _class_bases(info, qualified)
    namespace = {
        "__cpp_scope__": scope_id,
        "__cpp_name__": qualified,
        "__module__": _enclosing_module(qualified),
        "__qualname__": qualified,
        "__doc__": "C++ class %s" % qualified,
        "__dispatch__": _dispatch,
    }
    # Named by the last part of the C++ name, with template arguments
    # (`shared_ptr<Zoo::Lion>`), as cppyy names classes.
    py_name = (_scope_parts(qualified) or [qualified])[-1] if info["name"] else qualified
    try:
        cls = CppClassMeta(py_name, bases, namespace)
    except TypeError:
        # A class deriving from std::exception and an ordinary class: the
        # two Python roots do not combine, so it is not a Python exception.
        # Bases whose orders conflict (C++ has no MRO) are left out, from the
        # last, until Python finds one.
        bases = tuple(b for b in bases if not issubclass(b, BaseException)) or (CppObject,)
        cls = _make_with_consistent_bases(py_name, bases, namespace)
    _making[scope_id] = cls
    _c.register_class(scope_id, cls, False)
    if info["is_complete"]:
        _install_members(cls, scope_id, info)
    else:
        _incomplete[scope_id] = cls
        type.__setattr__(cls, "__init__", _incomplete_init(qualified))
    if info.get("smart_pointee"):
        _pythonize.pythonize_smart_pointer(cls, class_for(info["smart_pointee"]))
    _pythonize.pythonize(cls, qualified)
    truth = cls.__dict__.get("__bool__")
    if truth is not None:
        type.__setattr__(cls, "__bool__", _pythonize.null_is_false(truth))
    return cls


def _static_operator(py_name, function):
    """A static member function named as one of Python's binary operator
    methods (`static bool __eq__(const T&, const T&)`, cppyy's way of
    writing them in C++): Python calls it with the object first, as the
    function expects; NotImplemented for operands it does not take."""
    call = _pythonize.operator_slot(py_name, function)

    def operator(*args):
        return call(*args)
    operator.__name__ = operator.__qualname__ = py_name
    operator.__doc__ = function.__doc__
    return operator


def _install_members(cls, scope_id, info):
    """The members of class `cls` (the proxy of `scope_id`), as C++ declares them."""
    qualified = info["qualified"]
    for name, member in _c.class_members(scope_id, cls):
        if name in _pythonize.BINARY_SLOTS and isinstance(member, _c.CppFunction):
            member = _static_operator(name, member)
        type.__setattr__(cls, name, member)
        special = _pythonize.OPERATORS.get(name)
        if special:
            for py_name in special:
                if py_name not in cls.__dict__:
                    type.__setattr__(cls, py_name, _pythonize.operator_slot(py_name, member))
    for name in cls.__dict__.get("__cpp_nonpublic__", ()):
        if name not in cls.__dict__:
            type.__setattr__(cls, name, _NonPublic(name, qualified))
    if info["is_abstract"]:
        type.__setattr__(cls, "__init__", _abstract_init(qualified, scope_id))
    for name in _c.method_templates(scope_id):
        template = FunctionTemplate("%s::%s" % (qualified, name), name, scope_id, cls)
        # A constructor template is named as C++ names it (`X::X`).
        py_names = ("__init__",) if name == info["name"] else (name,) + _pythonize.OPERATORS.get(name, ())
        if name == info["name"]:
            type.__setattr__(cls, "__cpp_constructor_template__", template)
        for py_name in py_names:
            plain = cls.__dict__.get(py_name)
            if not (plain is None or isinstance(plain, (_c.CppFunction, _c.CppMethod))):
                continue
            expression = _pythonize.expression_operator(py_name)
            if expression is not None:
                # `a * b` compiled as C++ picks among member templates
                # (and free operators) as C++ does; deducing one
                # template from Python types can hit hard errors that
                # C++'s own resolution never meets.
                if plain is not None:
                    type.__setattr__(cls, py_name, _c.with_template(plain, template, expression))
                continue
            type.__setattr__(cls, py_name, _with_plain_overloads(template, plain))


class _EnumMeta(type):
    """The type of enum classes: their enumerators are C++ constants."""

    @property
    def __ctype__(cls):
        """The ctypes type of the enum's underlying type (c_int, ...)."""
        import ctypes
        name = cls.__dict__.get("__ctype_name__")
        if name is None:
            raise AttributeError("'%s' has no known underlying type" % cls.__cpp_name__)
        return getattr(ctypes, name)

    def __setattr__(cls, name, value):
        if isinstance(cls.__dict__.get(name), cls):
            raise TypeError("cannot assign to '%s': it is an enumerator of '%s'" % (name, cls.__cpp_name__))
        type.__setattr__(cls, name, value)


def _make_enum(scope_id, info):
    names = {}

    def __repr__(self):
        name = names.get(int(self))
        return "%s.%s" % (info["qualified"], name) if name else "%s(%d)" % (info["qualified"], int(self))

    namespace = {
        "__cpp_scope__": scope_id,
        "__cpp_name__": info["qualified"],
        "__module__": _enclosing_module(info["qualified"]),
        "__repr__": __repr__,
        "__str__": __repr__,
    }
    if info.get("characters"):
        # An enum over char: its values are also the characters they hold.
        def __eq__(self, other):
            if isinstance(other, str):
                return len(other) == 1 and ord(other) == int(self) % 256
            return int.__eq__(self, other)

        def __ne__(self, other):
            equal = __eq__(self, other)
            return equal if equal is NotImplemented else not equal

        namespace.update(__eq__=__eq__, __ne__=__ne__, __hash__=int.__hash__)
    cls = _EnumMeta(info["name"] or info["qualified"], (int,), namespace)
    if info.get("underlying"):
        from . import _lowlevel
        cls.__ctype_name__ = _lowlevel.ctypes_name(info["underlying"])
    _making[scope_id] = cls
    _c.register_class(scope_id, cls, False)
    for name, value in _c.enumerators(scope_id):
        names.setdefault(value, name)
        setattr(cls, name, cls(value))
    return cls


_PYTHON_TEMPLATE_ARGS = {int: "int", float: "float", bool: "bool", str: "std::string"}


def template_argument(arg, anchored=False):
    """The C++ spelling of one template argument given from Python. With
    `anchored`, a C++ type given as an object is spelled from the global
    scope (`::ns::C`): the spelling is then read inside another scope, where
    the same name may mean another type, while the object is that type."""
    if isinstance(arg, type):
        if arg in _PYTHON_TEMPLATE_ARGS:
            return _PYTHON_TEMPLATE_ARGS[arg]
        name = getattr(arg, "__cpp_name__", None)
        if name:
            return _anchored(name) if anchored else name
        raise TypeError("cannot use Python type '%s' as a C++ template argument" % arg.__name__)
    if isinstance(arg, bool):
        return "true" if arg else "false"
    if isinstance(arg, int):
        enum = getattr(type(arg), "__cpp_name__", None)
        if enum:
            # An enumerator of a (scoped or not) enum: a value of that type.
            return "static_cast<%s>(%d)" % (enum, int(arg))
        return str(int(arg))
    if isinstance(arg, str):
        return arg
    name = getattr(arg, "__cpp_name__", None)
    if name:
        return _anchored(name) if anchored and isinstance(arg, _PointerType) else name
    raise TypeError("cannot use %r as a C++ template argument" % (arg,))


def _anchored(name):
    return name if name.startswith("::") else "::" + name


def split_template_arguments(text):
    """The template arguments in a string that may hold several, split at
    the commas outside brackets: "std::vector<float>, int" is two."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "<([{":
            depth += 1
        elif c in ">)]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def template_arguments(args, anchored=False):
    """The C++ spellings of the template arguments `T[args]` was given: a
    single value or a tuple; a string may hold several arguments."""
    if not isinstance(args, tuple):
        args = (args,)
    spellings = []
    for a in args:
        if isinstance(a, str) and "," in a:
            spellings.extend(split_template_arguments(a))
        else:
            spellings.append(template_argument(a, anchored))
    return spellings


class ClassTemplate(object):
    """A C++ class template: `T[args]` or `T(args)` instantiates it."""

    def __init__(self, qualified):
        self.__cpp_name__ = qualified
        self._instances = {}

    def __getitem__(self, args):
        spelling = "%s<%s>" % (self.__cpp_name__, ", ".join(template_arguments(args)))
        cls = self._instances.get(spelling)
        if cls is None:
            described = _c.resolve_type(spelling)
            if described[0] != "class":
                raise TypeError("'%s' is not a class" % spelling)
            cls = class_for(described[1])
            if "__cpp_template__" not in cls.__dict__:
                # The template an instantiation came from (cppyy's name).
                type.__setattr__(cls, "__cpp_template__", self)
            self._instances[spelling] = cls
        return cls

    def __call__(self, *args):
        if any(_deduces_from(a) for a in args):
            return self._deduced(args)(*args)
        return self.__getitem__(args)

    def _deduced(self, args):
        """The instantiation C++'s class template argument deduction picks
        for these Python values (`std.vector([1, 2])`, `std.pair(1, 2.5)`,
        `std.map({'a': 1})`): a sequence or a dict stands for a braced list
        of its elements."""
        if len(args) == 1 and isinstance(args[0], (dict, list, tuple, set, frozenset, range)):
            value = args[0]
            if isinstance(value, dict):
                element = "std::pair<%s, %s>" % (_common_type(value.keys()), _common_type(value.values()))
            else:
                element = _common_type(value)
            spelling = "decltype(%s{std::declval<%s>()})" % (self.__cpp_name__, element)
        else:
            spelling = "decltype(%s(%s))" % (
                self.__cpp_name__, ", ".join("std::declval<%s>()" % argument_type(a) for a in args))
        try:
            described = _c.resolve_type(spelling)
        except (TypeError, SyntaxError) as e:
            raise TypeError("cannot deduce the template arguments of %s from (%s): %s" % (
                self.__cpp_name__, ", ".join(type(a).__name__ for a in args), e)) from None
        if described[0] != "class":
            raise TypeError("%s does not name a class" % spelling)
        return class_for(described[1])

    def __repr__(self):
        return "<C++ class template %s>" % self.__cpp_name__


def _deduces_from(arg):
    """Whether a call argument is a value (deduce the template arguments)
    rather than a template argument (`std.vector(int)`)."""
    return isinstance(arg, (dict, list, tuple, set, frozenset, range, float)) or (
        not isinstance(arg, type) and isinstance(arg, _c.CppObject))


def _common_type(values):
    """The C++ type of the elements of a Python collection, for deduction."""
    types = []
    for v in values:
        t = argument_type(v)
        if t not in types:
            types.append(t)
    if not types:
        raise TypeError("cannot deduce a C++ element type from an empty collection")
    if len(types) == 1:
        return types[0]
    if set(types) <= {"int", "long long", "double"}:
        return "double" if "double" in types else "long long"
    raise TypeError("cannot deduce one C++ element type for elements of types %s" % ", ".join(types))


def argument_type(arg):
    """The C++ type that a Python argument stands for in template deduction."""
    if isinstance(arg, bool):
        return "bool"
    if isinstance(arg, int):
        name = getattr(type(arg), "__cpp_name__", None)
        if name:
            return name
        if -2**31 <= arg < 2**31:
            return "int"
        return "long long" if arg < 2**63 else "unsigned long long"
    if isinstance(arg, (float, str)):
        # A typedef's value (`std::string::value_type(' ')`) is of its type.
        name = getattr(type(arg), "__cpp_name__", None)
        if name:
            return name
        return "double" if isinstance(arg, float) else "std::string"
    if isinstance(arg, _c.LowLevelView):
        # A view stands for the pointer to its items.
        return arg.item_type + "*"
    if isinstance(arg, _c.CppFunction):
        # A pointer to the function (`int (*)(int)`).
        return arg.__cpp_name__
    number = _ctypes_number(arg)
    if number is not None:
        # A C++ object of that type the call refers to (`T&` binds it).
        return number + "&"
    name = getattr(type(arg), "__cpp_name__", None)
    if isinstance(name, str) and name:
        return name
    if callable(arg) and not isinstance(arg, type):
        return _callable_type(arg)
    raise TypeError("cannot deduce a C++ type for a '%s' argument" % type(arg).__name__)


# ctypes number types by their type code, as the C++ types they hold.
_CTYPES_NUMBERS = {
    "?": "bool", "b": "signed char", "B": "unsigned char", "h": "short", "H": "unsigned short",
    "i": "int", "I": "unsigned int", "l": "long", "L": "unsigned long", "q": "long long",
    "Q": "unsigned long long", "f": "float", "d": "double", "g": "long double",
}


def _ctypes_number(arg):
    """The C++ type of a ctypes number object (`c_double(1.5)`), or None."""
    if "ctypes" not in sys.modules:
        return None
    import ctypes
    if not isinstance(arg, ctypes._SimpleCData):
        return None
    return _CTYPES_NUMBERS.get(getattr(type(arg), "_type_", None))


def _callable_type(function):
    """The function pointer type a Python callable stands for in template
    deduction, as cppyy reads it: its own `__cpp_name__`
    (`"int (*)(double)"`), else its annotations, every parameter's and the
    result's, each a C++ type name or a type (`def f(x: 'int') -> 'double'`
    stands for `double (*)(int)`)."""
    name = getattr(function, "__cpp_name__", None)
    if isinstance(name, str) and name:
        return name
    import inspect
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = None
    annotations = getattr(function, "__annotations__", None) or {}
    if parameters is None or "return" not in annotations or any(
            p.name not in annotations or p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in parameters):
        raise TypeError(
            "cannot deduce a C++ function type for the Python callable %r: give it a __cpp_name__ "
            "(such as 'int (*)(double)') or annotate every parameter and its result with C++ types"
            % getattr(function, "__name__", type(function).__name__))
    params = ", ".join(_annotation_type(annotations[p.name]) for p in parameters)
    result = _annotation_type(annotations["return"])
    if "(" in result:
        result = "std::type_identity_t<%s>" % result
    return "%s (*)(%s)" % (result, params)


_ANNOTATION_BUILTINS = {int: "int", float: "double", bool: "bool", str: "std::string", type(None): "void"}


def _annotation_type(annotation):
    """The C++ type an annotation names: a C++ type name, a C++ class, or
    one of Python's int, float, bool, str or None."""
    if isinstance(annotation, str):
        return annotation
    if annotation is None:
        return "void"
    name = getattr(annotation, "__cpp_name__", None)
    if isinstance(name, str) and name:
        return name
    if annotation in _ANNOTATION_BUILTINS:
        return _ANNOTATION_BUILTINS[annotation]
    raise TypeError("the annotation %r names no C++ type" % (annotation,))


def deduction_type(arg):
    """The type template deduction sees for a Python argument: as
    `argument_type`, but a `str` is the temporary `std::string` the call
    makes, so that `T&&` deduces `std::string`, as for a prvalue in C++;
    and a list (or tuple) is the `std::vector` of its elements' type it
    converts to (C++ cannot deduce from a braced list)."""
    if isinstance(arg, str) and not getattr(type(arg), "__cpp_name__", None):
        return "std::string&&"
    if isinstance(arg, (list, tuple)):
        return "std::vector<%s>&&" % _common_type(arg)
    return argument_type(arg)


class FunctionTemplate(object):
    """A C++ function template: `f(args)` deduces the template arguments
    from the Python arguments; `f[T, ...](args)` gives them explicitly."""

    def __init__(self, qualified, name, scope_id, cls=None, explicit=(), plain=None, made=None, subscripted=None,
                 explicit_cpp=None):
        self.__cpp_name__ = qualified
        self.__name__ = name
        self._scope = scope_id
        self._cls = cls
        # The template arguments as written (names, messages), and as the
        # backend reads them: in the template's own scope, as C++ reads
        # `f<X>` written there, with types given as objects anchored.
        self._explicit = tuple(explicit)
        self._explicit_cpp = self._explicit if explicit_cpp is None else tuple(explicit_cpp)
        self._instances = {}
        # The non-template overloads of the same name (tried before this
        # template is), for error messages.
        self._plain = plain
        # The instantiations made so far, by their names in the scope
        # (`f<int,double>`), shared with the templates `f[...]` gives.
        self._made = {} if made is None else made
        # `f[...]` by its template arguments, shared the same way: a loop
        # calling `f['float'](x)` reuses one, with its instantiations.
        self._subscripted = {} if subscripted is None else subscripted

    def __getitem__(self, args):
        explicit_cpp = tuple(template_arguments(args, anchored=True))
        found = self._subscripted.get(explicit_cpp)
        if found is None:
            found = FunctionTemplate(self.__cpp_name__, self.__name__, self._scope, self._cls,
                                     template_arguments(args), self._plain, self._made, self._subscripted,
                                     explicit_cpp)
            self._subscripted[explicit_cpp] = found
        return found

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        if self._cls is None:
            # A free function template made a method by the program
            # (`Class.__eq__ = ns.f[T]`): the object is its first argument,
            # as for a Python function.
            import types
            return types.MethodType(self, instance)
        return _BoundTemplate(self, instance)

    def __call__(self, *args, **kwargs):
        if self._cls is not None and args and isinstance(args[0], self._cls):
            # Class.method(obj, ...): a member template called unbound.
            function = self._instantiate(tuple(deduction_type(a) for a in args[1:]))
            if isinstance(function, _c.CppMethod):
                return function(*args, **kwargs)
        return self._call(None, args, kwargs)

    def _call_with_self(self, instance, *args, **kwargs):
        return self._call(instance, args, kwargs)

    def _instantiate_explicit(self):
        """The callable the explicit template arguments alone name, or None."""
        function = self._instances.get(None)
        if function is None:
            function = _c.instantiate_function(self._scope, self.__name__, list(self._explicit_cpp), [], self._cls)
            if function is not None:
                self._instances[None] = function
                self._publish(function)
        return function

    def _instantiate(self, types):
        """The callable for argument types `types`, or None."""
        function = self._instances.get(types)
        if function is None:
            function = _c.instantiate_function(self._scope, self.__name__, list(self._explicit_cpp), list(types), self._cls)
            if function is None and self._explicit:
                # Explicit arguments may fix parameter types that differ from
                # the Python ones (f[float](1)): let the call convert.
                function = _c.instantiate_function(self._scope, self.__name__, list(self._explicit_cpp), [], self._cls)
            if function is not None:
                self._instances[types] = function
                self._publish(function)
        return function

    def _owner(self):
        return self._cls if self._cls is not None else namespace_for(self._scope)

    def _publish(self, function):
        """Enters an instantiation in its scope under the names C++ gives
        it (`f<int,double>`, and `f<T>` for the explicit arguments given),
        so that `dir()` lists it and `getattr(scope, "f<int>")` finds it."""
        names = set()
        if self._explicit:
            names.add("%s<%s>" % (self.__name__, ",".join(self._explicit)))
        for qualified in _c.overload_names(function):
            at = qualified.find("<", qualified.rfind(self.__name__) + len(self.__name__))
            if at > 0 and qualified.endswith(">"):
                names.add(self.__name__ + qualified[at:].replace(", ", ","))
        owner = self._owner()
        for name in names:
            if name not in owner.__dict__:
                self._made[name] = function
                if self._cls is not None:
                    type.__setattr__(owner, name, function)
                else:
                    object.__setattr__(owner, name, function)

    def _replaced(self):
        """What the program put in the scope under this explicit
        instantiation's name in place of the one made here, or None."""
        if not self._explicit:
            return None
        name = "%s<%s>" % (self.__name__, ",".join(self._explicit))
        entry = self._owner().__dict__.get(name)
        if entry is None or entry is self._made.get(name):
            return None
        return entry

    def _call(self, instance, args, kwargs=None):
        # Template arguments are deduced from the positional arguments;
        # keywords go to the instantiation's parameters.
        replaced = self._replaced()
        if replaced is not None:
            if isinstance(replaced, staticmethod):
                replaced = replaced.__func__
            if instance is not None:
                return replaced(instance, *args, **(kwargs or {}))
            return replaced(*args, **(kwargs or {}))
        try:
            types = tuple(deduction_type(a) for a in args)
        except TypeError:
            if not self._explicit:
                raise
            # All template arguments given (`f[int](callback)`): an argument
            # with no C++ type of its own (a Python callable) is converted by
            # the call to the parameter type they fix.
            types = None
        function = self._instantiate(types) if types is not None else self._instantiate_explicit()
        if function is None:
            if types is not None:
                # A C++ object also stands for its address (a `T*` parameter
                # takes it), as for non-template calls.
                pointers = tuple(t + "*" if isinstance(a, CppObject) and not isinstance(a, type) else t
                                 for a, t in zip(args, types))
                if pointers != types:
                    function = self._instantiate(pointers)
        if function is None:
            raise TypeError(self._no_match(types or ()))
        if instance is not None and isinstance(function, _c.CppMethod):
            return function(instance, *args, **(kwargs or {}))
        return function(*args, **(kwargs or {}))

    def _no_match(self, types):
        message = "no instantiation of the C++ function template '%s' matches (%s)%s" % (
            self.__cpp_name__, ", ".join(t[:-2] if t.endswith("&&") else t for t in types),
            " with template arguments <%s>" % ", ".join(self._explicit) if self._explicit else "")
        if self._plain is not None:
            message += "; no non-template overload matches either:\n  " + self._plain.__doc__.replace("\n", "\n  ")
        return message

    @property
    def __doc__(self):
        doc = "template function %s (instantiated on call)" % self.__cpp_name__
        made = []
        for function in self._made.values():
            if function.__doc__ not in made:
                made.append(function.__doc__)
        if made:
            doc += "; instantiated so far:\n" + "\n".join(made)
        if self._plain is not None:
            doc = self._plain.__doc__ + "\n" + doc
        return doc

    def __repr__(self):
        return "<C++ function template %s>" % self.__cpp_name__


class _BoundTemplate(object):
    """A member function template looked up on an instance."""

    __slots__ = ("_template", "_self")

    def __init__(self, template, instance):
        self._template = template
        self._self = instance

    def __call__(self, *args, **kwargs):
        return self._template._call(self._self, args, kwargs)

    def __getitem__(self, args):
        return _BoundTemplate(self._template[args], self._self)

    @property
    def __doc__(self):
        return self._template.__doc__

    def __repr__(self):
        return "<bound C++ function template %s>" % self._template.__cpp_name__


def _with_plain_overloads(template, plain):
    """One callable for a name that has both a function template and
    ordinary overloads: the overloads are tried first (at full speed), the
    template when none matches; `f[T]` reaches the template."""
    if plain is None:
        return template
    template._plain = plain
    fallback = template._call_with_self if isinstance(plain, _c.CppMethod) else template
    return _c.with_template(plain, template, fallback)


_c.set_class_factory(class_for)
